"""Issue 22's "done when", played in Chromium by the demo class's teacher: the class page's
weekly chart and its learners at risk; a learner's attempt opened from the gradebook, answer
by answer; an assignment's statistics (the option tables, the score distribution, the quiz's
consistency) and their CSV; then a wrong key fixed in a copy of the content, synced and
regraded, and the regraded mark seen by the teacher and by the learner.

Screenshots at 390 and 1280 px go to test-output/screenshots/insight-*.png."""

from __future__ import annotations

import csv
import io
import re
import shutil

import yaml
from sqlalchemy import select

from quizapp.core.content import load_content
from quizapp.db import utcnow
from quizapp.models import Assignment, Question, QuizAnswer, QuizAttempt, User
from quizapp.services.accounts import user_by_email
from quizapp.services.content_sync import content_sync
from quizapp.services.demo import INSTRUCTOR_EMAIL, create_demo
from quizapp.services.regrade import apply_regrade, stale_answers
from tests.browser import test_mail_journey
from tests.browser.journeys import classes_page, heading, log_in
from tests.browser.support import CONTENT_DIR, PASSWORD, catalogue, expect

open_page = test_mail_journey.open_page
shots = test_mail_journey.shots


def demo_class(db) -> int:
    """The demo class, loaded once for the session's server."""
    if user_by_email(INSTRUCTOR_EMAIL) is None:
        create_demo(now=utcnow(), password=PASSWORD)
        db.session.commit()
    teacher = user_by_email(INSTRUCTOR_EMAIL)
    class_id = db.session.scalar(
        select(Assignment.class_id).where(Assignment.created_by_id == teacher.id)
    )
    db.session.close()
    return class_id


def a_wrong_single_choice(db, class_id: int) -> tuple[QuizAnswer, Question, User]:
    """A demo learner's wrong answer to a single-choice question: the key to "fix"."""
    found = db.session.execute(
        select(QuizAnswer, Question, User)
        .join(Question, Question.id == QuizAnswer.question_id)
        .join(QuizAttempt, QuizAttempt.id == QuizAnswer.attempt_id)
        .join(User, User.id == QuizAttempt.user_id)
        .where(
            Question.type == "single_choice",
            QuizAnswer.is_correct.is_(False),
            QuizAttempt.submitted_at.is_not(None),
            User.email != INSTRUCTOR_EMAIL,
        )
        .order_by(QuizAnswer.id)
        .limit(1)
    ).one()
    db.session.close()
    return found


def rekeyed_copy(tmp_path, question_slug: str, new_key: str):
    """A copy of the course where the question's right choice is `new_key`."""
    copy = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, copy)
    for path in (copy / "questions").glob("*.yaml"):
        quiz = yaml.safe_load(path.read_text())
        for question in quiz["questions"]:
            if question["id"] == question_slug:
                for choice in question["choices"]:
                    choice.pop("correct", None)
                    choice.pop("feedback", None)
                    if choice["id"] == new_key:
                        choice["correct"] = True
                path.write_text(yaml.safe_dump(quiz, sort_keys=False, allow_unicode=True))
                return copy
    raise AssertionError(f"{question_slug} not found")


def sync_and_regrade(db, root) -> int:
    catalogue_, problems = load_content(root)
    assert problems == []
    content_sync(catalogue_, now=utcnow())
    answers, _ = apply_regrade(stale_answers(), now=utcnow())
    db.session.commit()
    db.session.close()
    return answers


def test_the_teacher_reads_the_class_over_time_an_attempt_statistics_and_a_regrade(
    open_page, shots, server, app_db, tmp_path
):
    class_id = demo_class(app_db)
    teacher = open_page()
    log_in(teacher, None, email=INSTRUCTOR_EMAIL, name="Morgan Reyes")
    classes_page(teacher)
    teacher.get_by_role("link", name="Production management: spring cohort", exact=True).click()

    # The class over time: two weekly charts with their numbers, and who is at risk.
    weekly = teacher.locator("#weekly")
    expect(weekly.get_by_role("heading", name="The last 8 weeks")).to_be_visible()
    expect(weekly.locator("svg title").first).to_have_text("Lessons passed per week")
    expect(weekly.get_by_text("Show the numbers")).to_be_visible()
    risk = teacher.locator("#at-risk")
    expect(risk.get_by_role("heading", name=re.compile(r"^At risk \(\d+\)$"))).to_be_visible()
    # Kiri has not started anything, with module 2 still due.
    expect(risk.get_by_role("listitem").filter(has_text="Kiri Ngata")).to_contain_text(
        "Never active, with"
    )
    shots(teacher, "insight-class")

    # An attempt, from the score in the gradebook.
    teacher.get_by_role("navigation", name="Class pages").get_by_role(
        "link", name="Gradebook"
    ).click()
    row = teacher.get_by_role("row", name=re.compile("Amara Okafor"))
    row.get_by_role("link", name=re.compile("see the latest attempt")).first.click()
    expect(heading(teacher, re.compile(r"^Amara Okafor on “"))).to_be_visible()
    questions = teacher.locator(".review-question")
    expect(questions.first).to_contain_text("Your answer")
    assert questions.count() >= 4
    expect(teacher.locator(".attempt-summary")).to_contain_text("Score")
    shots(teacher, "insight-attempt")

    # The first assignment's statistics.
    teacher.go_back()
    teacher.get_by_role("link", name=re.compile("^Statistics of")).first.click()
    expect(teacher.get_by_role("heading", name="The quiz as a whole")).to_be_visible()
    expect(
        teacher.locator("#scores-bar, svg title").filter(has_text="First-attempt scores")
    ).to_have_count(1)
    summary = teacher.locator(
        ".panel", has=teacher.get_by_role("heading", name="The quiz as a whole")
    )
    expect(summary).to_contain_text(re.compile(r"Mean score\s*\d+%"))
    # A question pool: each place in the first attempts is an item, as Moodle counts it.
    expect(summary).to_contain_text(re.compile(r"(KR-20|Cronbach's alpha)\s*-?\d\.\d\d"))
    expect(summary).to_contain_text(re.compile(r"The quiz .*separate"))
    options = teacher.get_by_role("table", name="Learners who chose each option").first
    expect(options.get_by_role("row")).not_to_have_count(0)
    shots(teacher, "insight-statistics")
    response = teacher.request.get(teacher.url + "/statistics.csv")
    assert response.ok and response.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(response.text().lstrip("\ufeff"))))
    assert table[0][:5] == ["Position", "Question", "Type", "Answered", "Right first time %"]
    assert len(table) > 2

    # A wrong key, fixed in a copy of the content: the learner's wrong answer was right.
    answer, question, learner = a_wrong_single_choice(app_db, class_id)
    try:
        copy = rekeyed_copy(tmp_path, question.slug, answer.response)
        assert sync_and_regrade(app_db, copy) >= 1
        teacher.goto(f"/classes/{class_id}/learners/{learner.id}")
        attempts = teacher.get_by_role("region", name="Quiz attempts table")
        expect(attempts.get_by_text("Regraded").first).to_be_visible()
        shots(teacher, "insight-regraded")
        student = open_page()
        log_in(student, None, email=learner.email, name=learner.display_name)
        attempt = app_db.session.get(QuizAnswer, answer.id).attempt
        student.goto(f"/attempts/{attempt.id}/results")
        expect(
            student.get_by_text(re.compile("Regraded .*your score follows the corrected key"))
        ).to_be_visible()
        student.get_by_role("link", name="See which answer").click()
        expect(student.get_by_text(re.compile(r"regraded: first marked 0\.00 / 1"))).to_be_visible()
        app_db.session.close()
    finally:
        # The course as it ships, for the tests after this one.
        content_sync(catalogue(), now=utcnow())
        apply_regrade(stale_answers(), now=utcnow())
        app_db.session.commit()
    shots.assert_accessible()
