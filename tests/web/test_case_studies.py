"""A case study and a numeric question, taken as a learner would: in a quiz and in reviews."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from quizapp.models import QuizAnswer, QuizAttempt
from tests.factories import case_quiz_text, sync_tree, write_content
from tests.web.pages import FormPage, assert_accessible
from tests.web.test_quiz import question_name, start_quiz
from tests.web.test_review import Tables, card_page, rate

LESSON = "module-1-lesson-1"
CASE_QUESTIONS = ["downtime", "scraprate", "firststep"]
ANSWERS = {
    "downtime": "The 08-10 block",
    # A decimal comma and the unit typed with a space: read as 12.5 %.
    "scraprate": {"answer": " 12,5 % "},
    "firststep": False,
    "q01": "The right one",
    "q02": "The right one",
}
TABLE = [
    ("Block", "Good units", "Scrap", "Downtime (min)"),
    ("06-08", "380", "6", "0"),
    ("08-10", "210", "5", "45"),
    ("10-12", "350", "50", "0"),
]


@pytest.fixture
def case_course(db, tmp_path):
    root = write_content(tmp_path)
    (root / "questions" / f"{LESSON}.yaml").write_text(case_quiz_text(LESSON))
    sync_tree(root)
    db.session.commit()


def shows_case(html: str, *, folded: bool = False) -> bool:
    opening = '<details class="case">' if folded else '<details class="case" open>'
    if opening not in html:
        return False
    assert "one operator short</strong>" in html, "the case's Markdown is rendered"
    assert Tables(html).tables["Line 2's morning by two-hour block"] == TABLE
    assert html.count('<th scope="col"') == 4
    return True


def test_a_case_shows_above_each_of_its_questions_and_a_comma_decimal_is_read(
    logged_in, case_course, db
):
    attempt_url = start_quiz(logged_in)
    asked = []
    for _ in range(5):
        question_url = logged_in.get(attempt_url).headers["Location"]
        html = logged_in.get(question_url).get_data(as_text=True)
        page = FormPage(html)
        name = question_name(page)
        asked.append(name)
        assert_accessible(html)
        if name in CASE_QUESTIONS:
            assert shows_case(html)
            assert html.index('class="case"') < html.index('id="prompt"'), "the case comes first"
        else:
            assert 'class="case"' not in html
        if name == "scraprate":
            field = next(i for i in page.inputs if i.get("id") == "answer")
            assert field["inputmode"] == "decimal" and page.label_text["answer"] == "Your answer"
            assert '<span class="input-unit" aria-hidden="true">%</span>' in html
            assert "12.5" not in html and "0.125" not in html, "the answer stays on the server"
            # Another unit is not a wrong answer: the learner is asked again.
            refused = logged_in.post(question_url, data=page.answer({"answer": "12,5 min"}))
            assert refused.status_code == 400
            assert "This answer is in %, not min" in refused.get_data(as_text=True)
        response = logged_in.post(question_url, data=page.answer(ANSWERS[name]))
        assert response.status_code == 303
        feedback = logged_in.get(response.headers["Location"]).get_data(as_text=True)
        assert "Right!" in feedback, name
        assert shows_case(feedback, folded=True) == (name in CASE_QUESTIONS)
        if name == "scraprate":
            assert_accessible(feedback)
            assert "50 / 400 = 0.125, so <strong>12.5 %</strong>" in feedback
            assert re.search(r"Your answer:</span> 12\.5 %</p>", feedback)

    # Shuffled, but the case's questions come one after another, in file order.
    start = asked.index("downtime")
    assert asked[start : start + 3] == CASE_QUESTIONS
    attempt = db.session.scalar(select(QuizAttempt))
    assert attempt.score == 5
    # Stored as the plain number, so item analysis counts "12,5" and "12.5 %" as one answer.
    assert "12.5" in db.session.scalars(select(QuizAnswer.response)).all()
    results = logged_in.get(attempt_url, follow_redirects=True).get_data(as_text=True)
    assert "You scored 100%" in results


def test_a_wrong_number_shows_the_right_one_with_its_tolerance(logged_in, case_course, db):
    attempt_url = start_quiz(logged_in)
    for _ in range(5):
        question_url = logged_in.get(attempt_url).headers["Location"]
        page = FormPage(logged_in.get(question_url).get_data(as_text=True))
        name = question_name(page)
        given = {"answer": "0.125"} if name == "scraprate" else ANSWERS[name]
        response = logged_in.post(question_url, data=page.answer(given))
        if name == "scraprate":
            feedback = logged_in.get(response.headers["Location"]).get_data(as_text=True)
            assert "Not quite" in feedback
            assert "Right answer:</span> 12.5 % (±0.1)" in feedback
            assert "You typed the fraction; this answer is in %" in feedback
            assert "Divide the scrap by everything made" in feedback
    results = logged_in.get(attempt_url, follow_redirects=True).get_data(as_text=True)
    assert "Right answer: 12.5 % (±0.1)" in results
    assert db.session.scalar(select(func.count()).where(QuizAnswer.is_correct.is_(False))) == 1


def test_a_review_card_shows_its_case(logged_in, case_course, db, clock):
    attempt_url = start_quiz(logged_in)
    for _ in range(5):
        question_url = logged_in.get(attempt_url).headers["Location"]
        page = FormPage(logged_in.get(question_url).get_data(as_text=True))
        logged_in.post(question_url, data=page.answer(ANSWERS[question_name(page)]))
    clock.advance(minutes=10)

    seen = []
    for _ in range(5):
        page, html = card_page(logged_in)
        name = question_name(page)
        seen.append(name)
        assert shows_case(html) == (name in CASE_QUESTIONS)
        card_id = re.search(r'action="/review/(\d+)"', html)[1]
        reveal = logged_in.post(f"/review/{card_id}", data=page.answer(ANSWERS[name]))
        body = reveal.get_data(as_text=True)
        assert "Right!" in body
        assert shows_case(body, folded=True) == (name in CASE_QUESTIONS)
        if name == "scraprate":
            assert_accessible(html)
            assert 'inputmode="decimal"' in html and "Working" in body
        assert rate(logged_in, card_id, body, 3).status_code == 303
    assert sorted(seen) == sorted(ANSWERS)
