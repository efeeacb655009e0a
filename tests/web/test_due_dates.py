"""Reviews that know the class's due dates: a card of an assignment due in three days is next
reviewed the day before, and the rating buttons say so; past, archived or other people's
assignments change nothing."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from quizapp.core.classes import local_time
from quizapp.models import ReviewCard, User
from quizapp.services import classes
from quizapp.services.class_owner import archive_class
from tests.factories import create_user
from tests.web.pages import RIGHT_ANSWERS
from tests.web.test_quiz import take_quiz
from tests.web.test_review import answer_card, rate

BUTTONS = re.compile(r'value="(\d)"[^>]*aria-label="([^"]+)"')


def assign(db, clock, learner_email: str, *, days: float, lesson="module-1-lesson-1"):
    """A class the learner is in, with the lesson due `days` from now."""
    teacher = create_user(role="instructor")
    classroom = classes.create_class(owner=teacher, name="Line 2", description="", time_zone="UTC")
    learner = db.session.scalar(select(User).where(User.email == learner_email))
    classes.join_class(user=learner, code=classroom.join_code, now=clock())
    assignment = classes.create_assignment(
        classroom=classroom,
        by=teacher,
        target=f"lesson:{lesson}",
        due_local=local_time(clock() + timedelta(days=days), "UTC").replace(tzinfo=None),
        pass_mark=None,
        now=clock(),
    )
    db.session.commit()
    return classroom, assignment


def test_an_interval_past_the_due_date_ends_the_day_before_it(logged_in, user, course, db, clock):
    classroom, assignment = assign(db, clock, user.email, days=3)
    take_quiz(logged_in, RIGHT_ANSWERS)
    clock.advance(minutes=10)
    card_id, reveal = answer_card(logged_in)
    labels = dict(BUTTONS.findall(reveal))
    # Good (2 days) already comes before the due date; Easy (4 days) is brought forward.
    assert labels["3"] == "Good, 2 days (suggested)"
    assert labels["4"] == "Easy, 2 days, before your due date"
    assert "· before your due date" in reveal
    assert rate(logged_in, card_id, reveal, 4).status_code == 303
    card = db.session.get(ReviewCard, int(card_id))
    eve = assignment.due_at - timedelta(days=1)
    assert card.due == eve and card.state == 2, "never later than the eve of the due date"

    # Archived, the class's dates no longer count.
    archive_class(classroom, now=clock())
    db.session.commit()
    _, reveal = answer_card(logged_in)
    assert dict(BUTTONS.findall(reveal))["4"] == "Easy, 4 days"


def test_without_an_open_assignment_the_intervals_are_fsrs_own(logged_in, user, course, db, clock):
    assign(db, clock, user.email, days=3, lesson="module-1-lesson-2")  # another lesson
    take_quiz(logged_in, RIGHT_ANSWERS)
    clock.advance(minutes=10)
    _, reveal = answer_card(logged_in)
    assert dict(BUTTONS.findall(reveal))["4"] == "Easy, 4 days"
    assert "before your due date" not in reveal


def test_a_due_date_too_close_or_past_leaves_the_interval_alone(logged_in, user, course, db, clock):
    assign(db, clock, user.email, days=1.5)
    take_quiz(logged_in, RIGHT_ANSWERS)
    clock.advance(minutes=10)
    # Due in a day and a half: the day before is within a day, too soon to bring a review to.
    _, reveal = answer_card(logged_in)
    assert dict(BUTTONS.findall(reveal))["4"] == "Easy, 4 days"
    clock.advance(days=2)  # past the due date
    _, reveal = answer_card(logged_in)
    assert "before your due date" not in reveal


def test_when_two_classes_set_different_due_dates_the_earliest_counts(
    logged_in, user, course, db, clock
):
    _, later = assign(db, clock, user.email, days=10)
    _, sooner = assign(db, clock, user.email, days=3)
    take_quiz(logged_in, RIGHT_ANSWERS)
    clock.advance(minutes=10)
    card_id, reveal = answer_card(logged_in)
    assert dict(BUTTONS.findall(reveal))["4"] == "Easy, 2 days, before your due date"
    assert rate(logged_in, card_id, reveal, 4).status_code == 303
    card = db.session.get(ReviewCard, int(card_id))
    assert card.due == sooner.due_at - timedelta(days=1) < later.due_at
