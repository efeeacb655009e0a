"""The review log is the source of truth: every card can be recomputed from it, each review
replayed with the weights that scheduled it (`flask srs rebuild [--check]`)."""

from __future__ import annotations

from sqlalchemy import select

from quizapp.core.scheduling import DEFAULT_PARAMETERS, LoggedReview, Memory, Rating, replay
from quizapp.db import db
from quizapp.models import MemoryModel, ReviewCard, ReviewLog, User
from quizapp.services.reviews import card_columns, memory_of, model_parameters, review_settings


def rebuild_cards(*, user: User | None = None) -> tuple[int, int]:
    """Recompute every card from its log; returns (cards checked, cards that differed)."""
    query = select(ReviewCard).order_by(ReviewCard.id)
    if user is not None:
        query = query.where(ReviewCard.user_id == user.id)
    cards = db.session.scalars(query).all()
    logs: dict[int, list[LoggedReview]] = {}
    weights: dict[int | None, tuple[float, ...]] = {None: DEFAULT_PARAMETERS}
    for log, model in db.session.execute(
        select(ReviewLog, MemoryModel)
        .outerjoin(MemoryModel, MemoryModel.id == ReviewLog.model_id)
        .where(ReviewLog.voided_at.is_(None), ReviewLog.card_id.in_([c.id for c in cards]))
        .order_by(ReviewLog.reviewed_at, ReviewLog.id)
    ):
        if log.model_id not in weights:
            weights[log.model_id] = model_parameters(model)
        logs.setdefault(log.card_id, []).append(
            LoggedReview(Rating(log.rating), log.reviewed_at, log.due, weights[log.model_id])
        )
    users = {
        u.id: u
        for u in db.session.scalars(select(User).where(User.id.in_({c.user_id for c in cards})))
    }
    changed = 0
    for card in cards:
        history = logs.get(card.id)
        # A card never reviewed keeps its own due date: when its question was first answered.
        memory = (
            replay(history, created=card.created_at, settings=review_settings(users[card.user_id]))
            if history
            else Memory(due=card.due)
        )
        if card_columns(memory) != card_columns(memory_of(card)):
            changed += 1
            for key, value in card_columns(memory).items():
                setattr(card, key, value)
    db.session.flush()
    return len(cards), changed
