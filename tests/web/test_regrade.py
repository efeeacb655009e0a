"""A corrected answer key: `content sync` lists the answers marked under the old key, and
`flask content regrade --apply` gives them their new marks, keeping the first one, with the
attempt marked "regraded" for the learner and the instructor."""

from __future__ import annotations

import re

from sqlalchemy import select

from quizapp.models import QuizAnswer, QuizAttempt
from tests.web.pages import RIGHT_ANSWERS, WRONG_ANSWERS
from tests.web.test_assignment_rules import setup_class
from tests.web.test_classes import rows_of, text
from tests.web.test_quiz import take_quiz

WRONG_SINGLE = {**RIGHT_ANSWERS, "single": WRONG_ANSWERS["single"]}
LESSON_FILE = "questions/module-1-lesson-1.yaml"


def rekey_single(root) -> None:
    """The key of "Which one is right?" was wrong: "A wrong one" is the right answer."""
    path = root / LESSON_FILE
    fixed = (
        path.read_text()
        .replace("{id: a, text: The right one, correct: true}", "{id: a, text: The right one}")
        .replace(
            "{id: b, text: A wrong one, feedback: Not this one.}",
            "{id: b, text: A wrong one, correct: true}",
        )
    )
    assert fixed != path.read_text()
    path.write_text(fixed)


def test_a_corrected_key_is_listed_by_sync_and_regraded_on_both_sides(
    app, db, course, clock, tmp_path
):
    teacher, class_url, learner = setup_class(app, clock)
    # Lea picks "A wrong one": 5 of 6, 83%, above the pass mark of 80.
    take_quiz(learner, WRONG_SINGLE)
    attempt = db.session.scalar(select(QuizAttempt))
    assert attempt.score == 5

    rekey_single(tmp_path)
    runner = app.test_cli_runner()
    synced = runner.invoke(args=["content", "sync", str(tmp_path)])
    assert synced.exit_code == 0, synced.output
    assert "1 answer(s) are marked under an answer key that has since changed" in synced.output
    assert "module-1-lesson-1-single: 1 answer (1 wrong → right)" in synced.output
    # Listing changes nothing.
    listed = runner.invoke(args=["content", "regrade"])
    assert "1 wrong → right" in listed.output
    db.session.expire_all()
    assert db.session.scalar(select(QuizAttempt.score)) == 5

    applied = runner.invoke(args=["content", "regrade", "--apply"])
    assert applied.exit_code == 0, applied.output
    assert "Regraded 1 answer(s); 1 finished attempt(s) rescored." in applied.output
    db.session.expire_all()
    attempt = db.session.scalar(select(QuizAttempt))
    assert attempt.score == 6 and attempt.regraded_at is not None
    answer = db.session.scalar(select(QuizAnswer).where(QuizAnswer.regraded_from.is_not(None)))
    assert answer.regraded_from == 0.0 and answer.score == 1.0 and answer.is_correct
    # Again: nothing left to do, and the first mark is kept.
    again = runner.invoke(args=["content", "regrade", "--apply"])
    assert "Every answer has the mark its question's key gives it." in again.output

    # The instructor's gradebook and learner page, and the learner's own attempt, say so.
    assert "score 100%" in rows_of(text(teacher.get(f"{class_url}/gradebook")))["Lea"]
    learner_url = re.search(
        r'href="(/classes/\d+/learners/\d+)"', text(teacher.get(f"{class_url}/gradebook"))
    ).group(1)
    assert "Regraded" in text(teacher.get(learner_url))
    review = text(teacher.get(f"{learner_url}/attempts/{attempt.id}"))
    assert "Regraded" in review and "regraded: first marked 0.00 / 1" in review
    mine = text(learner.get(f"/attempts/{attempt.id}/review"))
    assert "answer key was corrected after this attempt" in mine
    assert "Regraded" in text(learner.get("/lessons/module-1-lesson-1/attempts"))
    results = text(learner.get(f"/attempts/{attempt.id}/results"))
    assert "You scored 100%" in results and "your score follows the corrected key" in results
