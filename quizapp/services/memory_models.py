"""Memory models: each learner's own FSRS weights, fitted on their review log, and the site's,
fitted on everyone's for learners with too little history. A fit is stored as a new version
only when it predicts held-out reviews better than the weights in use (core/memory_model.py);
every review log row then records the version that scheduled it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, or_, select, update

from quizapp.core.memory_model import (
    MIN_REVIEWS,
    Fit,
    ReviewEvent,
    Score,
    fit,
    improvement_percent,
)
from quizapp.core.progress import learner_day
from quizapp.db import db
from quizapp.models import MemoryModel, ReviewLog, User
from quizapp.services.reviews import model_parameters

log = logging.getLogger(__name__)

# A learner is fitted again once this many reviews have been logged since their last fit (or,
# with no model of their own, since they reached MIN_REVIEWS): often enough to follow them,
# seldom enough that a nightly run stays short.
REFIT_AFTER_REVIEWS = 200

_LOGGED = (ReviewLog.voided_at.is_(None),)
_EVENTS = (
    select(ReviewLog.card_id, ReviewLog.reviewed_at, ReviewLog.rating)
    .where(ReviewLog.user_id == bindparam("user_id"), *_LOGGED)
    .order_by(ReviewLog.reviewed_at, ReviewLog.id)
)


def learner_events(user: User) -> list[ReviewEvent]:
    """The learner's ratings, quiz answers (each card's first step) included, on their days."""
    rows = db.session.execute(_EVENTS, {"user_id": user.id}).all()
    return [
        ReviewEvent(card_id, at, learner_day(at, user.time_zone), rating)
        for card_id, at, rating in rows
    ]


def _stored(result: Fit, user_id: int | None) -> MemoryModel:
    model = MemoryModel(
        user_id=user_id,
        parameters=list(result.parameters),
        reviews=result.reviews,
        log_loss=result.fitted.log_loss,
        rmse=result.fitted.rmse,
        baseline_log_loss=result.baseline.log_loss,
        baseline_rmse=result.baseline.rmse,
    )
    db.session.add(model)
    db.session.flush()
    return model


def optimize_learner(user: User, *, now: datetime) -> Fit:
    """Fit the learner's own weights; when they beat the ones in use (the learner's earlier
    fit, the site's or the defaults), store them and schedule the learner with them."""
    result = fit(learner_events(user), model_parameters(user.memory_model))
    user.memory_fitted_at = now
    log.info("memory model for user %s: %s (%s reviews)", user.id, result.reason, result.reviews)
    if result.kept:
        user.memory_model = _stored(result, user.id)
    return result


def site_model() -> MemoryModel | None:
    return db.session.scalar(
        select(MemoryModel)
        .where(MemoryModel.user_id.is_(None))
        .order_by(MemoryModel.created_at.desc(), MemoryModel.id.desc())
        .limit(1)
    )


def _site_events() -> Iterator[ReviewEvent]:
    # Card ids are unique across learners, so everyone's histories go in one set of items.
    rows = db.session.execute(
        select(ReviewLog.card_id, ReviewLog.reviewed_at, ReviewLog.rating, User.time_zone)
        .join(User, User.id == ReviewLog.user_id)
        .where(*_LOGGED)
        .execution_options(yield_per=10_000)
    )
    for card_id, at, rating, time_zone in rows:
        yield ReviewEvent(card_id, at, learner_day(at, time_zone), rating)


def optimize_site() -> Fit:
    """Fit weights on everyone's reviews; when they beat the site's current ones (or the
    defaults), store them and move every learner without a model of their own onto them."""
    current = site_model()
    result = fit(_site_events(), model_parameters(current))
    log.info("site memory model: %s (%s reviews)", result.reason, result.reviews)
    if result.kept:
        model = _stored(result, None)
        db.session.execute(
            update(User)
            .where(
                or_(
                    User.memory_model_id.is_(None),
                    User.memory_model_id.in_(
                        select(MemoryModel.id).where(MemoryModel.user_id.is_(None))
                    ),
                )
            )
            .values(memory_model_id=model.id)
            .execution_options(synchronize_session=False)
        )
    return result


def learners_to_fit(*, every: bool, shard: tuple[int, int] = (0, 1)) -> list[int]:
    """The ids of learners with enough history to fit, in shard k of n (by id): with `every`,
    all of them; else those with REFIT_AFTER_REVIEWS reviews since their last fit, kept or
    not (or ever, if never fitted)."""
    index, count = shard
    query = (
        select(ReviewLog.user_id)
        .join(User, User.id == ReviewLog.user_id)
        .where(*_LOGGED, ReviewLog.user_id % count == index)
        .group_by(ReviewLog.user_id, User.memory_fitted_at)
        .having(func.count(ReviewLog.id) >= MIN_REVIEWS)
        .order_by(ReviewLog.user_id)
    )
    if not every:
        since = func.count(ReviewLog.id).filter(
            or_(User.memory_fitted_at.is_(None), ReviewLog.reviewed_at > User.memory_fitted_at)
        )
        query = query.having(since >= REFIT_AFTER_REVIEWS)
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class ModelWords:
    """Which model schedules a learner, and how much better it predicts, in words."""

    title: str
    detail: str


def describe_model(model: MemoryModel | None) -> ModelWords:
    if model is None:
        return ModelWords(
            "The default FSRS memory model",
            f"Once you have about {MIN_REVIEWS} reviews, a model fitted to your own memory "
            "takes over, but only if it predicts your reviews better than this one.",
        )
    gain = improvement_percent(
        Score(model.log_loss, model.rmse), Score(model.baseline_log_loss, model.baseline_rmse)
    )
    own = model.user_id is not None
    return ModelWords(
        "A memory model fitted to your own reviews"
        if own
        else "A memory model fitted to the reviews of everyone on this site",
        f"Fitted on {model.created_at:%d %b %Y} to {model.reviews:,} reviews"
        f"{' of yours' if own else ' by learners here'}. On reviews held back from the fit, it "
        f"predicted recall {gain}% better than the model it replaced (log loss "
        f"{model.log_loss:.3f} against {model.baseline_log_loss:.3f}).",
    )
