"""The assign form's workload forecast (issue 21): a typical learner's reviews and minutes a
day until the due date, shown on the form without JavaScript ("Show workload") and fetched
alone by its script; the class's instructors only, bad input refused in words, a fixed number
of queries whatever the class's size."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from sqlalchemy import select

from quizapp.core.workload import MAX_DAYS
from quizapp.models import Assignment, Classroom, ReviewCard, ReviewLog
from quizapp.services import classes, workload
from tests.conftest import signed_in
from tests.factories import class_activity, create_user, memory_model, quick_learners
from tests.web.pages import assert_accessible

START = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
# The course fixture: one module of two lessons, six questions each.
MODULE_QUESTIONS = 12


def words(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


@pytest.fixture
def world(app, db, course, clock):
    clock.now = START
    teacher = create_user(role="instructor")
    classroom = classes.create_class(
        owner=teacher, name="Line 3", description="", time_zone="Europe/Paris"
    )
    learner = create_user()
    classes.join_class(user=learner, code=classroom.join_code, now=START)
    db.session.commit()
    return {
        "class_id": classroom.id,
        "teacher": signed_in(app, teacher),
        "learner": signed_in(app, learner),
        "stranger": signed_in(app, create_user(role="instructor")),
    }


def fragment(client, class_id: int, **query):
    return client.get(f"/classes/{class_id}/forecast", query_string=query)


def test_the_fragment_forecasts_a_typical_learner_until_the_due_date(world):
    response = fragment(
        world["teacher"], world["class_id"], target="module:module-1", due="2026-12-06T17:00"
    )
    assert response.status_code == 200
    text = words(response.text)
    # From today (23 Nov, Paris) through the due day: 14 days, 12 questions.
    assert re.search(
        r"A typical learner: about 0\.9 new questions and \d+ reviews? a day, "
        r"(\d+ minutes?|under a minute), until 06 Dec\.",
        text,
    ), text
    assert "Day New questions Reviews Minutes" in text
    assert "Mon 23 Nov" in text and "Sun 06 Dec" in text and "Mon 07 Dec" not in text
    # Too few timed reviews in this class: the simulator's time, and it says so.
    assert "the typical time in Anki's workload simulator" in text
    assert "FSRS's default memory model, as none is fitted on this site's reviews yet" in text
    assert "<html" not in response.text  # a fragment for the script to swap in
    lesson = fragment(
        world["teacher"],
        world["class_id"],
        target="lesson:module-1-lesson-1",
        due="2026-11-28T09:00",
    )
    assert "about 1 new question and" in words(lesson.text)


def test_the_form_shows_the_workload_without_javascript(db, world):
    page = world["teacher"].get(f"/classes/{world['class_id']}/assignments/new")
    assert "Choose a module or lesson and a due date to see what it asks" in words(page.text)
    assert 'src="/static/js/workload.js"' in page.text
    assert 'name="preview"' in page.text and 'formaction="' in page.text
    # Assign stays the first button, so Enter in a field still assigns.
    assert page.text.index(">Assign</button>") < page.text.index(">Show workload</button>")
    shown = world["teacher"].submit(
        f"/classes/{world['class_id']}/assignments/new",
        {
            "target": "module:module-1",
            "due": "2026-12-06T17:00",
            "pass_mark": "not a number",
            "instructions": "Read it all",
            "preview": "workload",
        },
    )
    assert shown.status_code == 200
    assert "A typical learner: about 0.9 new questions" in words(shown.text)
    # The form comes back as typed, and nothing is assigned.
    assert "Read it all" in shown.text and 'value="not a number"' in shown.text
    assert db.session.scalar(select(Assignment)) is None
    assert_accessible(shown.text)

    refused = world["teacher"].submit(
        f"/classes/{world['class_id']}/assignments/new",
        {"target": "module:module-1", "due": "2026-11-01T17:00", "preview": "workload"},
    )
    assert refused.status_code == 400
    assert words(refused.text).count("Choose a due date and time in the future.") == 2


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({}, "Choose a module or lesson to see its workload."),
        ({"target": "module:module-1"}, "Choose a due date and time."),
        ({"target": "module:nope", "due": "2026-12-06T17:00"}, "Choose a module or lesson"),
        ({"target": "nonsense", "due": "2026-12-06T17:00"}, "Choose a module or lesson"),
        ({"target": "module:module-1", "due": "tomorrow"}, "Enter the due date and time as"),
        ({"target": "module:module-1", "due": "2026-11-01T09:00"}, "in the future"),
        ({"target": "module:module-1", "due": "2099-11-01T09:00"}, "within"),
    ],
)
def test_bad_input_is_a_400_in_words(world, query, message):
    response = fragment(world["teacher"], world["class_id"], **query)
    assert response.status_code == 400
    assert message in words(response.text)


def test_a_far_due_date_is_clipped_to_a_year_by_week(world):
    response = fragment(
        world["teacher"], world["class_id"], target="module:module-1", due="2028-06-01T09:00"
    )
    assert response.status_code == 200
    text = words(response.text)
    assert f"Shown for the first {MAX_DAYS} days only" in text
    assert "Week starting New questions Reviews Minutes" in text


def test_only_the_classes_instructors_see_it(world):
    query = {"target": "module:module-1", "due": "2026-12-06T17:00"}
    assert fragment(world["learner"], world["class_id"], **query).status_code == 403
    assert fragment(world["stranger"], world["class_id"], **query).status_code == 404
    assert fragment(world["teacher"], world["class_id"] + 1000, **query).status_code == 404


def test_the_class_weights_and_times_are_used(app, db, world, clock):
    """The site's memory model, once fitted, is the class's; the class's logged reviews
    give a review's time once there are enough of them."""
    assert workload.class_parameters() == (workload.model_parameters(None), False)
    weights = list(workload.model_parameters(None))
    weights[0] *= 3  # first stabilities three times as long: fewer reviews
    memory_model(weights)
    classroom = db.session.get(Classroom, world["class_id"])
    learners = quick_learners(5)
    class_activity(classroom, learners, now=START)
    for card in db.session.scalars(select(ReviewCard)):
        for n in range(5):
            db.session.add(
                ReviewLog(
                    card_id=card.id,
                    user_id=card.user_id,
                    question_id=card.question_id,
                    rating=3,
                    reviewed_at=START - timedelta(days=n + 1),
                    duration_ms=8000 if n % 2 else 9000,
                    state=2,
                    step=None,
                    stability=3.0,
                    difficulty=5.0,
                    due=START,
                    card_before={},
                )
            )
    db.session.commit()
    assert workload.class_parameters() == (tuple(weights), True)
    assert workload.class_review_seconds(classroom, now=START) == 9.0
    text = words(
        fragment(
            world["teacher"], world["class_id"], target="module:module-1", due="2026-12-06T17:00"
        ).text
    )
    assert "Minutes assume 9 seconds a review, the median of this class's timed reviews" in text
    assert "with the memory model fitted on this site's reviews." in text


def test_the_fragment_runs_the_same_queries_however_big_the_class(db, world, count_queries, clock):
    query = {"target": "module:module-1", "due": "2026-12-06T17:00"}

    def queries() -> int:
        fragment(world["teacher"], world["class_id"], **query)  # the session's last-seen time
        with count_queries() as counter:
            assert fragment(world["teacher"], world["class_id"], **query).status_code == 200
        return counter.count

    empty = queries()
    classroom = db.session.get(Classroom, world["class_id"])
    class_activity(classroom, quick_learners(30), now=START)
    db.session.commit()
    assert queries() == empty
    # The session's user; the class; the target's questions; the site's model; the class's
    # review times.
    assert empty == 5
