"""Review services: the log rebuilds every card, the queue follows the learner's day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from quizapp.core.scheduling import Rating
from quizapp.models import Question, ReviewCard
from quizapp.services import reviews
from quizapp.services.review_rebuild import rebuild_cards
from tests.factories import create_user, sync_tree, write_content

START = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def questions(db, tmp_path):
    sync_tree(write_content(tmp_path, all_types=True))
    db.session.commit()
    return db.session.scalars(select(Question.id).order_by(Question.id)).all()


@pytest.fixture
def fuzzed(app):
    app.config["REVIEW_FUZZ"] = True
    yield
    app.config["REVIEW_FUZZ"] = False


def card_for(user, question_id, now=START):
    """A card never reviewed, as cards were before a quiz answer became their first step (a
    database keeps them): the queue, limits and rebuild must still handle them."""
    reviews.db.session.add(
        ReviewCard(
            user_id=user.id, question_id=question_id, due=now, state=1, step=0, created_at=now
        )
    )
    reviews.db.session.flush()
    return reviews.learner_card(
        user=user,
        card_id=reviews.db.session.scalar(
            select(ReviewCard.id).where(
                ReviewCard.user_id == user.id, ReviewCard.question_id == question_id
            )
        ),
        now=now,
    ).card


def test_rebuild_reproduces_every_card_from_the_log(db, questions, fuzzed):
    user = create_user()
    now = START
    for question_id, ratings in zip(
        questions[:3], ([3, 3, 3, 1, 3], [1, 1, 3, 4], [4, 2, 3]), strict=True
    ):
        card = card_for(user, question_id)
        for rating in ratings:
            reviews.record_review(
                user=user,
                card=card,
                reps_seen=card.reps,
                rating=Rating(rating),
                now=now,
                duration_ms=900,
            )
            now = max(now, card.due) + timedelta(hours=1)
    db.session.commit()
    stored = {c.id: reviews.memory_of(c) for c in db.session.scalars(select(ReviewCard))}
    assert rebuild_cards() == (3, 0)

    damaged = db.session.scalars(select(ReviewCard)).first()
    damaged.stability, damaged.reps = 99.0, 42
    db.session.commit()
    assert rebuild_cards() == (3, 1)
    db.session.commit()
    assert {c.id: reviews.memory_of(c) for c in db.session.scalars(select(ReviewCard))} == stored


def test_undone_reviews_leave_the_rebuild_alone(db, questions):
    user = create_user()
    card = card_for(user, questions[0])
    reviews.record_review(
        user=user, card=card, reps_seen=0, rating=Rating.GOOD, now=START, duration_ms=None
    )
    reviews.undo_last(user=user, now=START + timedelta(minutes=1))
    db.session.commit()
    assert rebuild_cards() == (1, 0)
    assert card.reps == 0 and card.due == START


@pytest.mark.parametrize(
    ("zone", "due_today", "due_tomorrow"),
    [
        # A card due at 02:00 UTC is due "today" wherever 02:00 UTC is before 4 a.m. tomorrow.
        ("UTC", datetime(2026, 5, 2, 3, 59, tzinfo=UTC), datetime(2026, 5, 2, 4, 0, tzinfo=UTC)),
        (
            "Asia/Tokyo",  # 4 a.m. in Tokyo is 19:00 UTC the day before
            datetime(2026, 5, 1, 18, 59, tzinfo=UTC),
            datetime(2026, 5, 1, 19, 0, tzinfo=UTC),
        ),
        (
            "America/Los_Angeles",  # 4 a.m. in Los Angeles (summer time) is 11:00 UTC
            datetime(2026, 5, 2, 10, 59, tzinfo=UTC),
            datetime(2026, 5, 2, 11, 0, tzinfo=UTC),
        ),
    ],
)
def test_review_cards_due_before_the_learners_day_ends_are_due_today(
    db, questions, zone, due_today, due_tomorrow
):
    user = create_user(time_zone=zone)
    now = datetime(2026, 5, 1, 12, 0, tzinfo=UTC) if zone != "Asia/Tokyo" else START
    for question_id, due in zip(questions[:2], (due_today, due_tomorrow), strict=True):
        card = card_for(user, question_id)
        card.state, card.reps, card.stability, card.difficulty = 2, 3, 5.0, 5.0
        card.due, card.last_review = due, now - timedelta(days=5)
    db.session.flush()
    counts = reviews.today(user=user, now=now)
    assert counts.due_reviews == 1
    assert reviews.next_card(user=user, now=now).due == due_today


def test_limits_on_new_cards_and_reviews(db, questions):
    user = create_user()
    user.new_cards_per_day = 2
    for question_id in questions:
        card_for(user, question_id)
    for _ in range(2):
        card = reviews.next_card(user=user, now=START)
        reviews.record_review(
            user=user, card=card, reps_seen=0, rating=Rating.EASY, now=START, duration_ms=None
        )
    assert reviews.next_card(user=user, now=START) is None
    assert reviews.today(user=user, now=START).new_done == 2


def test_a_card_just_failed_comes_back_after_the_other_due_cards(db, questions):
    user = create_user()
    for question_id in questions[:3]:
        card_for(user, question_id)
    first = reviews.next_card(user=user, now=START)
    reviews.record_review(
        user=user, card=first, reps_seen=0, rating=Rating.AGAIN, now=START, duration_ms=None
    )
    seen = []
    for at in (START + timedelta(seconds=20), START + timedelta(seconds=40)):
        card = reviews.next_card(user=user, now=at)
        seen.append(card.id)
        reviews.record_review(
            user=user, card=card, reps_seen=card.reps, rating=Rating.GOOD, now=at, duration_ms=None
        )
    assert seen == [first.id + 1, first.id + 2], seen
    # Not within the minute it was failed, even with nothing else to do...
    assert reviews.next_card(user=user, now=START + timedelta(seconds=50)) is None
    # ...but once its step is up; the two rated Good a moment ago still wait.
    assert reviews.next_card(user=user, now=START + timedelta(minutes=1)).id == first.id
