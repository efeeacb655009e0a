"""Leeches through the pages: a card missed eight times is set aside with a notice, listed for
the learner and their instructor, and comes back only when the learner chooses."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from quizapp.models import ReviewCard, ReviewLog
from quizapp.services import classes
from tests.conftest import signed_in
from tests.factories import create_user
from tests.web.pages import WRONG_ANSWERS, assert_accessible
from tests.web.test_quiz import take_quiz
from tests.web.test_review import answer_card, rate


def logged_reviews(db) -> int:
    return db.session.scalar(select(func.count()).where(ReviewLog.kind == "review"))


def only_card_due(db, clock) -> int:
    """Leave one card in the session: the others are put off for a month."""
    first = db.session.scalar(select(func.min(ReviewCard.id)))
    db.session.execute(
        update(ReviewCard).where(ReviewCard.id != first).values(due=clock() + timedelta(days=30))
    )
    db.session.commit()
    return first


def fail(client, clock) -> tuple[str, str, object]:
    """Answer the card due wrong and rate it Again; then let its relearning step pass."""
    card_id, reveal = answer_card(client, WRONG_ANSWERS)
    response = rate(client, card_id, reveal, 1)
    clock.advance(minutes=11)
    return card_id, reveal, response


def a_card_missed_seven_times(client, db, clock) -> int:
    """Take the quiz wrong, leave one card due and give it seven lapses: the next Again sets it
    aside."""
    take_quiz(client, WRONG_ANSWERS)
    clock.advance(minutes=11)
    card_id = only_card_due(db, clock)
    db.session.execute(update(ReviewCard).where(ReviewCard.id == card_id).values(lapses=7))
    db.session.commit()
    return card_id


def test_eight_failures_set_a_card_aside_with_a_notice(logged_in, course, db, clock):
    take_quiz(logged_in, WRONG_ANSWERS)  # the quiz answer is the first failure
    clock.advance(minutes=11)
    card_id = only_card_due(db, clock)
    for _ in range(6):
        _, reveal, response = fail(logged_in, clock)
        assert response.headers["Location"] == "/review"
        assert 'id="leech-warning"' not in reveal
    _, reveal, response = fail(logged_in, clock)
    # The eighth failure is the one the warning speaks of.
    assert "you have missed this card 7 times" in reveal and "If you choose Again" in reveal
    assert response.status_code == 303
    assert response.headers["Location"] == f"/review/{card_id}/set-aside"

    notice = logged_in.get(f"/review/{card_id}/set-aside").get_data(as_text=True)
    assert "Card set aside" in notice and "missed this question 8 times" in notice
    assert "/lessons/module-1-lesson-1" in notice and "Keep reviewing it" in notice
    assert_accessible(notice)
    # It is out of the session and listed on the statistics page.
    assert "Done for now" in logged_in.get("/review").get_data(as_text=True)
    stats = logged_in.get("/review/stats").get_data(as_text=True)
    assert 'id="set-aside-title"' in stats and "8 failures" in stats

    # Kept: back in the reviews, due as it was scheduled.
    kept = logged_in.submit(f"/review/{card_id}/keep", {}, form_url=f"/review/{card_id}/set-aside")
    assert kept.status_code == 303
    assert "back in your reviews" in logged_in.get("/review").get_data(as_text=True)
    assert logged_in.get(f"/review/{card_id}/set-aside").status_code == 303
    # Failing it on: set aside again at 12, not at every failure.
    for failures in range(9, 13):
        *_, response = fail(logged_in, clock)
        assert response.headers["Location"].endswith("/set-aside") == (failures == 12)


def test_a_set_aside_card_cannot_be_rated_or_kept_twice(app, logged_in, course, db, clock):
    card_id = a_card_missed_seven_times(logged_in, db, clock)
    # Two reveals of the same card, as in two tabs: the first rating sets it aside.
    page_card, first_reveal = answer_card(logged_in, WRONG_ANSWERS)
    assert int(page_card) == card_id
    assert rate(logged_in, card_id, first_reveal, 1).status_code == 303
    rows = logged_reviews(db)
    again = rate(logged_in, card_id, first_reveal, 3)
    assert again.status_code == 409 and logged_reviews(db) == rows

    # Answering it from an old page is refused in words, not scheduled.
    form_page = logged_in.get(f"/review/{card_id}/set-aside")
    assert form_page.status_code == 200
    other = signed_in(app, create_user())
    assert other.get(f"/review/{card_id}/set-aside").status_code == 404
    refused = other.submit(f"/review/{card_id}/keep", {}, form_url="/review/stats")
    assert refused.status_code == 404

    keep = f"/review/{card_id}/keep"
    assert logged_in.submit(keep, {}, form_url="/review/stats").status_code == 303
    twice = logged_in.submit(keep, {}, form_url="/review/stats")
    assert twice.status_code == 409 and "not set aside" in twice.get_data(as_text=True)
    assert logged_in.post(keep, data={}).status_code == 400, "no CSRF token"


def test_undo_takes_back_the_setting_aside(logged_in, course, db, clock):
    card_id = a_card_missed_seven_times(logged_in, db, clock)
    fail(logged_in, clock)
    assert logged_in.submit("/review/undo", {}, form_url="/review").status_code == 303
    db.session.expire_all()
    card = db.session.get(ReviewCard, card_id)
    assert card.suspended_at is None and card.lapses == 7
    assert re.search(r"1 due", logged_in.get("/review").get_data(as_text=True))


def test_the_instructor_sees_which_leeches_are_set_aside(app, db, course, logged_in, clock):
    teacher = create_user(role="instructor")
    classroom = classes.create_class(owner=teacher, name="C", description="", time_zone="UTC")
    classes.create_assignment(
        classroom=classroom,
        by=teacher,
        target="lesson:module-1-lesson-1",
        due_local=datetime(2030, 1, 1),
        pass_mark=None,
        now=clock(),
    )
    db.session.commit()
    code = classroom.join_code
    logged_in.submit("/classes/join", {"code": code}, form_url="/classes")
    card_id = a_card_missed_seven_times(logged_in, db, clock)
    fail(logged_in, clock)
    learner_id = db.session.scalar(select(ReviewCard.user_id).where(ReviewCard.id == card_id))
    page = signed_in(app, teacher).get(f"/classes/{classroom.id}/learners/{learner_id}")
    assert "(8 failures, set aside)" in page.get_data(as_text=True)
