"""Streak freezes on the Today page, and the daily goal celebrated once when it is met."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from quizapp.core.progress import learner_day
from quizapp.models import ActivityDay
from quizapp.services import progress
from tests.factories import create_user
from tests.web.pages import RIGHT_ANSWERS, assert_accessible
from tests.web.test_concurrency import InThread, wait_until_blocked_on_a_lock
from tests.web.test_quiz import answer_current, start_quiz, take_quiz
from tests.web.test_review import answer_card, rate

CELEBRATION = "Daily goal met:"


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def label(day) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def test_today_shows_a_freeze_used_on_a_missed_day(logged_in, user, db, clock):
    today = learner_day(clock.now, user.time_zone)
    # Seven days in a row earn a freeze; the day before yesterday was missed, yesterday not.
    for back in (*range(3, 10), 1):
        db.session.add(ActivityDay(user_id=user.id, day=today - timedelta(days=back), answers=3))
    db.session.commit()
    response = logged_in.get("/today")
    page = text(response)
    assert "8 days" in page, "the frozen day keeps the streak but does not lengthen it"
    assert f"{label(today - timedelta(days=2))}: freeze used" in page
    assert f"{label(today - timedelta(days=1))}: practised" in page
    assert f"{label(today)}: not yet" in page
    assert "No streak freeze held" in page and "Answer a question today to keep" in page
    html = response.get_data(as_text=True)
    assert html.count('class="streak-day ') == 10, "from the first active day to today"
    assert_accessible(html)

    db.session.add(ActivityDay(user_id=user.id, day=today - timedelta(days=2), reviews=1))
    db.session.commit()
    page = text(logged_in.get("/today"))
    assert ": freeze used" not in page
    assert "1 streak freeze held: a missed day will not break your streak." in page
    assert "if you miss today, a freeze keeps it" in page


def celebrations(response) -> int:
    return response.get_data(as_text=True).count(CELEBRATION)


def test_meeting_the_goal_in_a_quiz_is_celebrated_once(logged_in, user, db, course):
    user.daily_goal = 2
    db.session.commit()
    attempt_url = start_quiz(logged_in)
    seen = []
    for _ in range(3):
        _, response = answer_current(logged_in, attempt_url, RIGHT_ANSWERS)
        assert response.status_code == 303
        seen.append(logged_in.get(response.headers["Location"]))
    assert [celebrations(page) for page in seen] == [0, 1, 0]
    html = seen[1].get_data(as_text=True)
    assert '<p class="flash flash-goal">Daily goal met: 2 answers today. Well done!</p>' in html
    assert re.search(r'role="status"[^>]*>\s*<p class="flash flash-goal">', html)
    assert celebrations(logged_in.get("/today")) == 0, "shown once, not on the next page too"


def test_meeting_the_goal_with_a_review_is_celebrated_inline_and_by_redirect(
    logged_in, user, db, course, clock
):
    take_quiz(logged_in, RIGHT_ANSWERS)
    clock.advance(minutes=10)
    # Six quiz answers so far: the seventh answer of the day, a rating, meets a goal of 7.
    user.daily_goal = 7
    db.session.commit()
    card_id, reveal = answer_card(logged_in)
    swapped = rate(logged_in, card_id, reveal, 3, inline=True)
    assert swapped.status_code == 200 and celebrations(swapped) == 1
    card_id, reveal = answer_card(logged_in)
    assert celebrations(rate(logged_in, card_id, reveal, 3, inline=True)) == 0

    # Raised, the goal is met again by the rating that reaches it, sent as a plain form.
    user.daily_goal = 10
    db.session.commit()
    card_id, reveal = answer_card(logged_in)
    response = rate(logged_in, card_id, reveal, 3)
    assert response.status_code == 303 and celebrations(logged_in.get("/review")) == 0
    card_id, reveal = answer_card(logged_in)
    response = rate(logged_in, card_id, reveal, 3)
    page = logged_in.get(response.headers["Location"])
    assert "Daily goal met: 10 answers today." in page.get_data(as_text=True)


def test_only_the_increment_that_reaches_the_goal_reports_it(app, db, clock):
    learner = create_user()
    learner.daily_goal = 3
    met = [
        progress.activity_recorded(user=learner, now=clock.now, answers=1, reviews=0)
        for _ in range(5)
    ]
    assert [goal is not None for goal in met] == [False, False, True, False, False]
    assert (met[2].done, met[2].goal) == (3, 3)
    # A later day starts from nothing again.
    clock.advance(days=1)
    again = [progress.activity_recorded(user=learner, now=clock.now, reviews=2) for _ in range(2)]
    assert [goal is not None for goal in again] == [False, True]


def test_two_answers_racing_past_the_goal_celebrate_once(
    db, course, logged_in, user, clock, is_postgres
):
    if not is_postgres:
        pytest.skip("needs two PostgreSQL connections; runs in the PostgreSQL half of make test")
    user.daily_goal = 1
    db.session.commit()
    attempt_url = start_quiz(logged_in)
    # This transaction meets the goal and holds the day's row; an answer sent meanwhile waits
    # for it, then counts on top of it.
    assert progress.activity_recorded(user=user, now=clock.now, answers=1) is not None
    second = InThread(lambda: answer_current(logged_in, attempt_url, RIGHT_ANSWERS)[1])
    second.start()
    wait_until_blocked_on_a_lock(db)
    db.session.commit()
    second.join(timeout=10)
    assert second.response.status_code == 303
    assert celebrations(logged_in.get(second.response.headers["Location"])) == 0


def test_a_goal_out_of_range_is_refused_clearly(logged_in):
    for goal in ("0", "10000"):
        response = logged_in.submit(
            "/account/settings",
            {
                "display_name": "Ada",
                "time_zone": "UTC",
                "daily_goal": goal,
                "desired_retention": "0.9",
                "new_cards_per_day": "20",
                "reviews_per_day": "200",
            },
        )
        assert response.status_code == 400
        assert "Choose a goal from 1 to 500 answers." in text(response)
