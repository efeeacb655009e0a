"""Load balancing (Anki 24.11): a review's interval of days lands on the day of its fuzz range
with the fewest of the learner's cards due, light days taking about half."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from quizapp.core.progress import learner_day
from quizapp.core.scheduling import Rating, fuzz_range, light_days_mask
from quizapp.models import Question, ReviewCard
from quizapp.services import reviews
from tests.factories import create_user, sync_tree, write_content

# 22:30 in Berlin: the learner's day is about to end, so days are counted as theirs, not UTC's.
START = datetime(2026, 5, 4, 20, 30, tzinfo=UTC)


@pytest.fixture
def questions(db, tmp_path):
    sync_tree(write_content(tmp_path, lessons_per_module=4, questions_per_lesson=8))
    db.session.commit()
    return db.session.scalars(select(Question.id).order_by(Question.id)).all()


@pytest.fixture
def balanced(app):
    """Production's setting: fuzz on, which load balancing takes the place of."""
    app.config["REVIEW_FUZZ"] = True
    yield
    app.config["REVIEW_FUZZ"] = False


def first_easy(user, question_id):
    """A card rated Easy on its first review: due in days, where balancing begins."""
    card = ReviewCard(
        user_id=user.id, question_id=question_id, due=START, state=1, step=0, created_at=START
    )
    reviews.db.session.add(card)
    reviews.db.session.flush()
    reviews.record_review(
        user=user, card=card, reps_seen=0, rating=Rating.EASY, now=START, duration_ms=None
    )
    return card


def cards_due(user, question_ids, days_ahead):
    for question_id, days in zip(question_ids, days_ahead, strict=True):
        reviews.db.session.add(
            ReviewCard(
                user_id=user.id,
                question_id=question_id,
                due=START + timedelta(days=days),
                state=2,
                step=None,
                stability=30.0,
                difficulty=5.0,
                last_review=START - timedelta(days=20),
                reps=3,
                created_at=START - timedelta(days=40),
            )
        )
    reviews.db.session.flush()


def unbalanced_days(user, question_id) -> int:
    """The interval Easy gives a new card without fuzz or balancing."""
    probe = first_easy(create_user(), question_id)
    return (probe.due - START).days


def local_day(user, when):
    return learner_day(when, user.time_zone)


def test_the_interval_lands_on_the_emptiest_day_of_the_fuzz_range(db, questions, balanced):
    user = create_user(time_zone="Europe/Berlin")
    target = unbalanced_days(user, questions[0])
    low, high = fuzz_range(target, 36500)
    assert high - low >= 3
    # Two cards due on every day of the range but one, which has one.
    emptiest = low + 1
    loads = [d for d in range(low, high + 1) for _ in range(1 if d == emptiest else 2)]
    cards_due(user, questions[1 : 1 + len(loads)], loads)
    card = first_easy(user, questions[-1])
    assert local_day(user, card.due) == local_day(user, START + timedelta(days=emptiest))
    # The next card learned the same way goes elsewhere: that day now has two as well.
    second = first_easy(user, questions[-2])
    assert second.due.date() != card.due.date()
    assert low <= (second.due - START).days <= high


def test_an_empty_schedule_keeps_the_target_and_spreads_what_follows(db, questions, balanced):
    user = create_user(time_zone="Europe/Berlin")
    target = unbalanced_days(user, questions[0])
    low, high = fuzz_range(target, 36500)
    intervals = [(first_easy(user, q).due - START).days for q in questions[1:6]]
    assert intervals[0] == target
    assert len(set(intervals)) == 5, "five cards learned together, five different days"
    assert all(low <= interval <= high for interval in intervals)


def test_light_days_get_about_half_the_reviews(db, questions, balanced):
    user = create_user(time_zone="Europe/Berlin")
    target = unbalanced_days(user, questions[0])
    low, high = fuzz_range(target, 36500)
    weekdays = {local_day(user, START + timedelta(days=d)).weekday() for d in range(low, high + 1)}
    light = local_day(user, START + timedelta(days=target)).weekday()
    user.light_days = light_days_mask([light])
    # Many cards learned together: the light day ends up with about half a normal day's.
    counts: dict[int, int] = {}
    for question_id in questions[1:]:
        day = local_day(user, first_easy(user, question_id).due).weekday()
        counts[day] = counts.get(day, 0) + 1
    assert len(weekdays) == high - low + 1
    normal = [count for day, count in counts.items() if day != light]
    assert 0 < counts[light] <= min(normal) / 2 + 1


def test_balancing_reads_the_range_in_one_query_for_every_rating(
    db, questions, balanced, count_queries
):
    user = create_user(time_zone="Europe/Berlin")
    cards_due(user, questions[1:20], [d % 12 for d in range(19)])
    learning, review = (
        ReviewCard(user_id=user.id, question_id=q, due=START, state=1, step=0, created_at=START)
        for q in questions[-2:]
    )
    db.session.add_all([learning, review])
    db.session.flush()
    steps = []
    for card, rating in ((learning, Rating.GOOD), (review, Rating.EASY)):
        with count_queries() as counter:
            reviews.record_review(
                user=user, card=card, reps_seen=0, rating=rating, now=START, duration_ms=None
            )
        steps.append(counter.count)
    # A step of minutes is not balanced, an interval of days is: the step costs the same
    # either way, so the review step's query count does not depend on the card.
    assert (learning.due - START) < timedelta(days=1) < (review.due - START)
    assert steps[1] == steps[0]
