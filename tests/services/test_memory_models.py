"""Memory models stored and used: a learner whose memory is unlike the defaults, reviewing
through the app for months, gets weights of their own; the review log records which model
scheduled each review, so a rebuild reproduces every card; newcomers get the site's model;
`flask srs optimize` runs it all, and says what it did."""

from __future__ import annotations

import heapq
import random
from datetime import UTC, datetime, timedelta

import fsrs_rs_python as engine
import pytest
from sqlalchemy import func, select

from quizapp.core.scheduling import Rating
from quizapp.db import utcnow
from quizapp.models import MemoryModel, Question, ReviewCard, ReviewLog
from quizapp.services import memory_models, reviews
from quizapp.services.account_data import delete_account
from quizapp.services.review_rebuild import rebuild_cards
from tests.conftest import signed_in
from tests.core.test_memory_model import LEARNERS
from tests.factories import DEFAULT_PASSWORD, create_user, sync_tree, write_content

START = datetime(2026, 1, 5, 8, tzinfo=UTC)


@pytest.fixture
def questions(db, tmp_path):
    sync_tree(write_content(tmp_path, modules=2, lessons_per_module=5, questions_per_lesson=8))
    db.session.commit()
    return db.session.scalars(select(Question.id).order_by(Question.id)).all()


def review_for_months(user, question_ids, *, days: int, seed: int = 1) -> int:
    """The learner reviews every card when the app schedules it, for `days`; whether they
    recall it follows a memory that forgets fast (FSRS with weights unlike the defaults).
    Returns the reviews made."""
    rng = random.Random(seed)
    true = engine.FSRS(list(LEARNERS["forgets fast"][0]))
    decay = -LEARNERS["forgets fast"][0][20]
    factor = 0.9 ** (1 / decay) - 1
    queue, memory, seen = [], {}, {}
    for n, question_id in enumerate(question_ids):
        created = START + timedelta(days=n % 30, minutes=n)
        card = ReviewCard(user_id=user.id, question_id=question_id, due=created, created_at=created)
        reviews.db.session.add(card)
        reviews.db.session.flush()
        heapq.heappush(queue, (created, card.id, card))
    end, made = START + timedelta(days=days), 0
    while queue and queue[0][0] < end:
        now, _, card = heapq.heappop(queue)
        real, last = memory.get(card.id), seen.get(card.id)
        elapsed = 0 if last is None else (now.date() - last.date()).days
        if real is None:
            rating = Rating.GOOD if rng.random() < 0.7 else Rating.AGAIN
        else:
            recall = (1 + factor * elapsed / real.stability) ** decay
            rating = Rating.GOOD if rng.random() < recall else Rating.AGAIN
        chosen = "good" if rating is Rating.GOOD else "again"
        memory[card.id] = getattr(true.next_states(real, 0.9, elapsed), chosen).memory
        seen[card.id] = now
        reviews.record_review(
            user=user, card=card, reps_seen=card.reps, rating=rating, now=now, duration_ms=None
        )
        made += 1
        if card.suspended_at is None:  # a leech set aside is out of the reviews
            heapq.heappush(queue, (card.due, card.id, card))
    return made


def test_a_learner_unlike_the_defaults_gets_a_model_that_schedules_and_rebuilds(app, db, questions):
    learner = create_user()
    made = review_for_months(learner, questions, days=150)
    db.session.commit()
    assert made > 600

    result = memory_models.optimize_learner(learner, now=utcnow())
    db.session.commit()
    assert result.kept, result.reason
    model = db.session.get(MemoryModel, learner.memory_model_id)
    assert model.user_id == learner.id and list(model.parameters) == list(result.parameters)
    assert model.log_loss < model.baseline_log_loss

    # The next review is scheduled by the new weights, and its log row says so.
    card = db.session.scalar(
        select(ReviewCard)
        .where(ReviewCard.user_id == learner.id, ReviewCard.suspended_at.is_(None))
        .limit(1)
    )
    when = START + timedelta(days=151)
    reviews.record_review(
        user=learner, card=card, reps_seen=card.reps, rating=Rating.GOOD, now=when, duration_ms=1
    )
    db.session.commit()
    latest = db.session.scalar(select(ReviewLog).order_by(ReviewLog.id.desc()).limit(1))
    assert latest.model_id == model.id
    with_model = db.session.scalar(select(func.count()).where(ReviewLog.model_id.is_not(None)))
    assert with_model == 1, "earlier reviews keep the model they were scheduled with: none"
    # The log replays each review with the weights it was scheduled with: nothing differs.
    assert rebuild_cards(user=learner) == (len(questions), 0)

    page = signed_in(app, learner).get("/review/stats").get_data(as_text=True)
    assert "A memory model fitted to your own reviews" in page
    assert f"to {model.reviews:,} reviews of yours" in page and "% better than the model" in page


def test_newcomers_are_scheduled_by_the_site_model_and_the_defaults_before_it(app, db, questions):
    veteran, newcomer = create_user(), create_user()
    review_for_months(veteran, questions, days=150)
    review_for_months(newcomer, questions[:5], days=10, seed=2)
    db.session.commit()
    page = signed_in(app, newcomer).get("/review/stats").get_data(as_text=True)
    assert "The default FSRS memory model" in page and "about 400 reviews" in page

    # Too little history of their own: nothing is stored for the newcomer.
    mine = memory_models.optimize_learner(newcomer, now=utcnow())
    assert not mine.kept and mine.reason.startswith("too little history")
    site = memory_models.optimize_site()
    db.session.commit()
    assert site.kept, site.reason
    db.session.expire_all()
    model = db.session.get(MemoryModel, newcomer.memory_model_id)
    assert model.user_id is None and veteran.memory_model_id == model.id
    page = signed_in(app, newcomer).get("/review/stats").get_data(as_text=True)
    assert "fitted to the reviews of everyone on this site" in page and "by learners here" in page

    # The veteran's own fit must beat the site model now in use, not merely the defaults.
    own = memory_models.optimize_learner(veteran, now=utcnow())
    db.session.commit()
    if own.kept:
        assert own.fitted.beats(own.baseline)
        assert db.session.get(MemoryModel, veteran.memory_model_id).user_id == veteran.id
    else:
        assert veteran.memory_model_id == model.id


def test_flask_srs_optimize_fits_learners_in_shards_and_refuses_a_bad_shard(app, db, questions):
    learner = create_user()
    if learner.id % 2 == 0:  # in shard 1 of 2, away from the site model, which shard 0 fits
        learner = create_user()
    review_for_months(learner, questions, days=150)
    db.session.commit()
    runner = app.test_cli_runner()

    result = runner.invoke(args=["srs", "optimize", "--all", "--shard", "1/2"])
    assert result.exit_code == 0, result.output
    assert "site model" not in result.output
    assert "1 learner(s) fitted, 1 new model(s) kept" in result.output
    assert "peak memory" in result.output
    first = runner.invoke(args=["srs", "optimize", "--all", "--shard", "0/2"])
    assert first.exit_code == 0, first.output
    assert first.output.startswith("site model: ") and "0 learner(s) fitted" in first.output
    # Without --all, only learners with enough reviews since their last fit, kept or not:
    # none yet; fitted back in the spring, hundreds of reviews ago, they are due again.
    assert memory_models.learners_to_fit(every=False) == []
    assert memory_models.learners_to_fit(every=True) == [learner.id]
    learner.memory_fitted_at = START + timedelta(days=60)
    db.session.commit()
    assert memory_models.learners_to_fit(every=False) == [learner.id]
    # The log still reproduces every card.
    check = runner.invoke(args=["srs", "rebuild", "--check"])
    assert check.exit_code == 0 and "0 differ" in check.output

    for bad in ("2/2", "x", "1/0", "-1/3"):
        refused = runner.invoke(args=["srs", "optimize", "--shard", bad])
        assert refused.exit_code == 2, bad
        assert "Invalid value for '--shard'" in refused.output


def test_a_learner_with_a_model_of_their_own_can_delete_their_account(app, db, questions):
    learner, other = create_user(), create_user()
    learner_id, other_id = learner.id, other.id
    review_for_months(learner, questions, days=150)
    db.session.commit()
    assert memory_models.optimize_learner(learner, now=utcnow()).kept
    memory_models.optimize_site()
    db.session.commit()
    exported = signed_in(app, learner).get("/account/export").get_json()
    assert exported["memory_model"]["fitted_to"] == "your reviews"
    assert len(exported["memory_model"]["parameters"]) == 21

    delete_account(learner, password=DEFAULT_PASSWORD)
    db.session.commit()
    left = db.session.scalars(select(MemoryModel.user_id)).all()
    assert learner_id not in left and None in left, "the site's model stays"
    db.session.expire_all()
    assert db.session.get(type(other), other_id).memory_model_id is not None
