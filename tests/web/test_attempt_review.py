"""Reviewing a finished attempt, question by question: the learner their own, under the
assignment's answer policy; a class's instructors every attempt of its learners on its work."""

from __future__ import annotations

import re

from sqlalchemy import select

from quizapp.models import QuizAttempt
from tests.conftest import signed_in
from tests.factories import create_user, sync_tree
from tests.web.pages import RIGHT_ANSWERS, WRONG_ANSWERS, assert_accessible
from tests.web.test_assignment_rules import HALF_RIGHT, LESSON, setup_class
from tests.web.test_classes import create_class, join_code_on, rows_of, text
from tests.web.test_quiz import start_quiz, take_quiz


def words(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def questions_of(html: str) -> list[str]:
    """Each reviewed question's text, in page order."""
    return [
        words(item)
        for item in re.findall(
            r'<li class="panel review-question".*?</li>\s*(?=<li class="panel|</ol>)', html, re.S
        )
    ]


def test_a_learner_reviews_their_practice_attempt_from_the_results(logged_in, course, db):
    wrong_single = {**RIGHT_ANSWERS, "single": WRONG_ANSWERS["single"]}
    attempt_url, _ = take_quiz(logged_in, wrong_single)
    results = text(logged_in.get(attempt_url, follow_redirects=True))
    attempt = db.session.scalar(select(QuizAttempt))
    assert f"/attempts/{attempt.id}/review" in results

    page = text(logged_in.get(f"/attempts/{attempt.id}/review"))
    assert_accessible(page)
    assert "Your attempt at" in page and "83% (5 of 6 questions fully right)" in words(page)
    shown = questions_of(page)
    assert len(shown) == 6
    # In the order asked, each with its mark, its time and the learner's answer.
    order = [question_id for question_id in attempt.question_ids]
    assert [f"Question {n}" in item for n, item in enumerate(shown, 1)] == [True] * len(order)
    wrong = [item for item in shown if ": wrong" in item]
    assert len(wrong) == 1 and "Mark 0.00 / 1" in wrong[0]
    assert "Your answer" in wrong[0] and "Right answer" in wrong[0]
    assert all("second" in item for item in shown)
    assert sum("Mark 1.00 / 1" in item for item in shown) == 5

    history = text(logged_in.get(f"/lessons/{LESSON}/attempts"))
    assert "83%" in history and f"/attempts/{attempt.id}/review" in history
    lesson = text(logged_in.get(f"/lessons/{LESSON}"))
    assert f"/lessons/{LESSON}/attempts" in lesson and "Your 1 finished attempt" in lesson


def test_someone_elses_or_an_unfinished_attempt_is_not_reviewed(app, logged_in, course, db):
    take_quiz(logged_in, RIGHT_ANSWERS)
    attempt = db.session.scalar(select(QuizAttempt))
    stranger = signed_in(app, create_user(email="stranger@example.com"))
    assert stranger.get(f"/attempts/{attempt.id}/review").status_code == 404
    assert stranger.get(f"/attempts/{attempt.id + 999}/review").status_code == 404
    # Unfinished: back to the attempt, where the next question waits.
    started = start_quiz(logged_in)
    unfinished = int(started.rsplit("/", 1)[1])
    response = logged_in.get(f"/attempts/{unfinished}/review")
    assert response.status_code == 302 and response.headers["Location"].endswith(started)


def test_answers_held_back_by_the_policy_stay_hidden_in_the_review(app, db, course, clock):
    _, _, learner = setup_class(app, clock, answers_shown="after_due", attempts="unlimited")
    take_quiz(learner, HALF_RIGHT)
    attempt = db.session.scalar(select(QuizAttempt))
    page = text(learner.get(f"/attempts/{attempt.id}/review"))
    assert "The right answers and marks are shown after the due date" in page
    assert "Right answer" not in page and "Mark " not in page and ": wrong" not in page
    assert words(page).count("Your answer:") == 6

    clock.advance(days=9)  # due 1 Dec
    after_due = text(learner.get(f"/attempts/{attempt.id}/review"))
    assert "Right answer" in after_due and words(after_due).count(": wrong") == 3


def test_an_instructor_opens_a_learners_attempt_from_the_gradebook(app, db, course, clock):
    teacher, class_url, learner = setup_class(app, clock)
    take_quiz(learner, HALF_RIGHT)
    attempt = db.session.scalar(select(QuizAttempt))
    gradebook = text(teacher.get(f"{class_url}/gradebook"))
    link = re.search(r'href="([^"]+/attempts/(\d+))"', gradebook)
    assert link and int(link.group(2)) == attempt.id
    assert "50%" in rows_of(gradebook)["Lea"]

    page = text(teacher.get(link.group(1)))
    assert_accessible(page)
    assert "Lea on" in page and words(page).count(": wrong") == 3
    assert words(page).count("Right answer") >= 3
    # The learner's page lists the same attempt with a link to it.
    learner_page = text(teacher.get(link.group(1).rsplit("/attempts/", 1)[0]))
    assert link.group(1) in learner_page


def test_attempts_outside_the_class_are_a_404_for_its_instructor(app, db, course, clock):
    teacher, class_url, learner = setup_class(app, clock)
    take_quiz(learner, HALF_RIGHT)
    # Practice on a lesson the class does not assign is the learner's own business.
    take_quiz(learner, {**RIGHT_ANSWERS}, lesson="module-1-lesson-2")
    assigned, practice = db.session.scalars(select(QuizAttempt).order_by(QuizAttempt.id)).all()
    learner_url = re.search(
        r'href="(/classes/\d+/learners/\d+)"', text(teacher.get(f"{class_url}/gradebook"))
    ).group(1)
    assert teacher.get(f"{learner_url}/attempts/{assigned.id}").status_code == 200
    assert teacher.get(f"{learner_url}/attempts/{practice.id}").status_code == 404
    assert teacher.get(f"{learner_url}/attempts/{assigned.id + 99}").status_code == 404

    # Another class's teacher cannot reach it through their own class either.
    other = signed_in(app, create_user(role="instructor", email="other@example.com"))
    other_class = create_class(other)
    code = join_code_on(other, other_class)
    assert learner.submit("/classes/join", {"code": code}, form_url="/classes").status_code == 303
    other_learner = learner_url.split("/learners/")[1]
    response = other.get(f"{other_class}/learners/{other_learner}/attempts/{assigned.id}")
    assert response.status_code == 404
    assert other.get(f"{learner_url}/attempts/{assigned.id}").status_code == 404


def test_an_unfinished_attempt_says_so_to_the_instructor(app, db, course, clock):
    teacher, class_url, learner = setup_class(app, clock)
    start_quiz(learner)
    attempt = db.session.scalar(select(QuizAttempt))
    learner_page = re.search(
        r'href="(/classes/\d+/learners/\d+)"', text(teacher.get(f"{class_url}/gradebook"))
    ).group(1)
    response = teacher.get(f"{learner_page}/attempts/{attempt.id}")
    assert response.status_code == 409 and "not finished yet" in text(response)


def test_a_question_retired_since_the_attempt_still_shows_and_says_so(
    logged_in, course, db, tmp_path
):
    take_quiz(logged_in, RIGHT_ANSWERS)
    attempt = db.session.scalar(select(QuizAttempt))
    path = tmp_path / "questions/module-1-lesson-1.yaml"
    quiz = path.read_text()
    # Drop the short-answer question from the file: sync retires it.
    path.write_text(quiz[: quiz.index("  - id: module-1-lesson-1-short")])
    sync_tree(tmp_path)
    db.session.commit()
    page = text(logged_in.get(f"/attempts/{attempt.id}/review"))
    assert len(questions_of(page)) == 6
    retired = [item for item in questions_of(page) if "since been retired" in item]
    assert len(retired) == 1 and "Which system runs the shop floor?" in retired[0]


def test_statistics_with_no_attempts_or_one_learner_say_what_they_need(app, db, course, clock):
    teacher, class_url, learner = setup_class(app, clock)
    assignment_url = re.search(
        r'href="(/classes/\d+/assignments/\d+)"', text(teacher.get(class_url))
    ).group(1)
    empty = words(text(teacher.get(assignment_url)))
    assert "Nobody has answered yet: the figures appear after the first" in empty
    csv_export = teacher.get(f"{assignment_url}/statistics.csv")
    assert csv_export.status_code == 200 and "Which one is right?" in text(csv_export)

    take_quiz(learner, HALF_RIGHT)
    one = words(text(teacher.get(assignment_url)))
    assert "Learners with first answers 1 of 1" in one and "Mean score 50%" in one
    assert "Standard deviation — none (needs 2 learners)" in one
    assert "at every lesson of the assignment; 1 has them so far" in one
    assert "Discrimination index — none (needs 5 answers that vary)" in one
