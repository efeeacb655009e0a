"""A learner's day through the pages: register, read, quiz, and see progress change."""

from __future__ import annotations

import re

import pytest

from tests.factories import sync_tree, write_content
from tests.web.pages import RIGHT_ANSWERS, WRONG_ANSWERS, assert_accessible
from tests.web.test_quiz import take_quiz


@pytest.fixture
def course(db, tmp_path):
    sync_tree(write_content(tmp_path, modules=2, lessons_per_module=2, all_types=True))
    db.session.commit()


def text(response) -> str:
    """The page's words as a reader sees them, without markup."""
    words = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return re.sub(r"\s+", " ", words)


def test_a_new_learner_reads_a_lesson_takes_its_quiz_and_sees_progress(client, course):
    response = client.submit(
        "/account/register",
        {
            "email": "new@example.com",
            "display_name": "Nia",
            "password": "a long walk in the park",
            "confirm": "a long walk in the park",
            "time_zone": "Europe/Paris",
        },
    )
    assert response.headers["Location"] == "/today"
    today = text(client.get("/today"))
    assert "Start: Lesson 1.1" in today and "min read, then a short quiz" in today
    assert "0 of 20 answers" in today and "0 days" in today

    lesson = text(client.get("/lessons/module-1-lesson-1"))
    assert "In progress" in lesson and "Take the quiz" in lesson
    catalogue = text(client.get("/"))
    assert "In progress" in catalogue and "0 of 2 lessons completed" in catalogue

    answers = {**RIGHT_ANSWERS, "short": WRONG_ANSWERS["short"]}
    take_quiz(client, answers, lesson="module-1-lesson-1")

    today = text(client.get("/today"))
    assert "6 of 20 answers" in today and "1 day" in today and "Today counts" in today
    assert "Continue: Lesson 1.2" in today
    module = text(client.get("/modules/module-1"))
    assert "1 of 2 lessons completed" in module
    assert "Completed · best score 83%" in module and "Not started" in module
    lesson = text(client.get("/lessons/module-1-lesson-1"))
    assert "Take the quiz again" in lesson and "Mark as read" not in lesson
    for url in ("/today", "/modules/module-1", "/", "/lessons/module-1-lesson-1"):
        assert_accessible(client.get(url).get_data(as_text=True))


def test_marking_a_lesson_read_completes_it_and_moves_on(logged_in, course):
    response = logged_in.submit(
        "/lessons/module-1-lesson-1/read", {}, form_url="/lessons/module-1-lesson-1"
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/lessons/module-1-lesson-2"
    assert "“Lesson 1.1” is marked as read." in text(logged_in.get(response.headers["Location"]))
    module = text(logged_in.get("/modules/module-1"))
    assert "1 of 2 lessons completed" in module


def test_anonymous_visitors_read_freely_but_are_asked_to_log_in_for_quizzes(client, course):
    lesson = client.get("/lessons/module-1-lesson-1").get_data(as_text=True)
    assert "to take the 6-question quiz" in lesson and "Take the quiz" not in lesson
    assert 'href="/account/login?next=/lessons/module-1-lesson-1"' in lesson
    assert client.get("/today").status_code == 302
    assert client.get("/modules/module-1").status_code == 200
    assert client.get("/modules/no-such-module").status_code == 404


def test_settings_change_goal_and_time_zone_with_clear_errors(logged_in, user, db):
    page = logged_in.get("/account/settings")
    assert page.status_code == 200
    assert_accessible(page.get_data(as_text=True))
    bad = logged_in.submit(
        "/account/settings",
        {
            "display_name": "",
            "time_zone": "Mars/Base",
            "daily_goal": "0",
            "desired_retention": "0.99",
            "new_cards_per_day": "-1",
            "reviews_per_day": "x",
        },
    )
    assert bad.status_code == 400
    body = text(bad)
    assert "Enter a display name." in body and "Choose a goal from 1 to 500 answers." in body
    assert "Not a valid choice" in body and "from 0.70 to 0.97" in body
    assert "Choose from 0 to 999 new cards." in body
    ok = logged_in.submit(
        "/account/settings",
        {
            "display_name": "Ada",
            "time_zone": "Asia/Tokyo",
            "daily_goal": "35",
            "desired_retention": "0.85",
            "new_cards_per_day": "10",
            "reviews_per_day": "150",
        },
    )
    assert ok.status_code == 303
    db.session.refresh(user)
    assert (user.display_name, user.time_zone, user.daily_goal) == ("Ada", "Asia/Tokyo", 35)
    assert (user.desired_retention, user.new_cards_per_day, user.reviews_per_day) == (0.85, 10, 150)
    assert "of 35 answers" in text(logged_in.get("/today"))
