"""`content_sync`: all or nothing, idempotent, and learners' history survives edits and removals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from quizapp.core.content import load_content
from quizapp.db import utcnow
from quizapp.models import Lesson, Module, Question, QuizAnswer, QuizAttempt, ReviewCard
from quizapp.services.content_sync import SyncRefused, content_sync
from tests.factories import case_quiz_text, create_user, write_content

QUIZ = "questions/module-1-lesson-1.yaml"


def sync(root):
    catalogue, problems = load_content(root)
    assert problems == []
    return content_sync(catalogue, now=utcnow())


def question(db, slug) -> Question:
    return db.session.scalar(select(Question).where(Question.slug == slug))


def test_first_sync_adds_everything_and_a_second_changes_nothing(db, tmp_path):
    root = write_content(tmp_path, modules=2, lessons_per_module=2)
    first = sync(root)
    assert (first.modules.added, first.lessons.added, first.questions.added) == (2, 4, 20)
    db.session.commit()
    second = sync(root)
    assert second.total == 0
    assert second.lines() == [
        "modules: 0 added, 0 updated, 0 retired",
        "lessons: 0 added, 0 updated, 0 retired",
        "questions: 0 added, 0 updated, 0 retired",
    ]


def answer_and_card(db, question_id):
    user = create_user()
    q = question(db, question_id)
    attempt = QuizAttempt(
        user_id=user.id, lesson_id=q.lesson_id, max_score=1, question_ids=[q.id], seed=1
    )
    db.session.add(attempt)
    db.session.flush()
    q = question(db, question_id)
    db.session.add(
        QuizAnswer(
            attempt_id=attempt.id, question_id=q.id, response="a", is_correct=True, score=1.0
        )
    )
    db.session.add(ReviewCard(user_id=user.id, question_id=q.id, due=utcnow() + timedelta(days=1)))
    db.session.commit()
    return q.id


def test_editing_a_question_keeps_its_id_answers_and_review_history(db, tmp_path):
    root = write_content(tmp_path)
    sync(root)
    db.session.commit()
    question_pk = answer_and_card(db, "module-1-lesson-1-q01")

    path = root / QUIZ
    path.write_text(
        path.read_text().replace(
            "prompt: Which one is right?", "prompt: Which answer is correct?", 1
        )
    )
    report = sync(root)
    db.session.commit()

    assert report.questions.updated == 1 and report.questions.added == 0
    edited = question(db, "module-1-lesson-1-q01")
    assert edited.id == question_pk
    assert edited.prompt == "Which answer is correct?"
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(QuizAnswer)
            .where(QuizAnswer.question_id == question_pk)
        )
        == 1
    )
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(ReviewCard)
            .where(ReviewCard.question_id == question_pk)
        )
        == 1
    )


def test_removing_retires_instead_of_deleting_and_restoring_revives(db, tmp_path):
    root = write_content(tmp_path, questions_per_lesson=6)
    sync(root)
    db.session.commit()
    question_pk = answer_and_card(db, "module-1-lesson-1-q06")

    path = root / QUIZ
    original = path.read_text()
    path.write_text(original[: original.index("  - id: module-1-lesson-1-q06")])
    report = sync(root)
    db.session.commit()
    assert report.questions.retired == 1
    retired = db.session.get(Question, question_pk)
    assert retired.retired_at is not None
    assert db.session.scalar(select(func.count()).select_from(QuizAnswer)) == 1

    path.write_text(original)
    report = sync(root)
    db.session.commit()
    assert report.questions.updated == 1
    assert db.session.get(Question, question_pk).retired_at is None


def test_removing_a_module_retires_it_with_its_lessons_and_questions(db, tmp_path):
    root = write_content(tmp_path, modules=2)
    sync(root)
    db.session.commit()
    for path in sorted((root / "lessons" / "module-2").iterdir()):
        path.unlink()
    (root / "lessons" / "module-2").rmdir()
    (root / "questions" / "module-2-lesson-1.yaml").unlink()
    report = sync(root)
    assert (report.modules.retired, report.lessons.retired, report.questions.retired) == (1, 1, 5)
    assert db.session.scalar(select(func.count()).select_from(Module)) == 2


def test_changing_a_question_type_is_refused(db, tmp_path):
    root = write_content(tmp_path)
    sync(root)
    db.session.commit()
    path = root / QUIZ
    text = path.read_text()
    first, rest = text.split("  - id: module-1-lesson-1-q02", 1)
    first = first.replace("type: single_choice", "type: true_false", 1)
    first = (
        first[: first.index("    choices:")]
        + "    answer: true\n"
        + first[first.index("    explanation:") :]
    )
    path.write_text(first + "  - id: module-1-lesson-1-q02" + rest)
    catalogue, problems = load_content(root)
    assert problems == []
    with pytest.raises(SyncRefused, match="changed type from single_choice to true_false"):
        content_sync(catalogue, now=utcnow())


def test_moving_a_lesson_to_another_module_keeps_it(db, tmp_path):
    root = write_content(tmp_path, modules=2)
    sync(root)
    db.session.commit()
    lesson_pk = db.session.scalar(select(Lesson.id).where(Lesson.slug == "module-1-lesson-1"))
    source = root / "lessons/module-1/01-lesson-1.md"
    target = root / "lessons/module-2/02-lesson-1.md"
    target.write_text(source.read_text().replace("order: 1", "order: 2"))
    source.unlink()
    # Module 1 is now empty, which content allows (a module being written).
    report = sync(root)
    db.session.commit()
    moved = db.session.get(Lesson, lesson_pk)
    assert moved.module.slug == "module-2" and moved.position == 2
    assert report.lessons.updated == 1


def test_a_case_is_stored_with_each_of_its_questions_and_edits_reach_them(db, tmp_path):
    root = write_content(tmp_path)
    (root / QUIZ).write_text(case_quiz_text("module-1-lesson-1"))
    assert sync(root).questions.added == 5
    db.session.commit()
    stored = question(db, "module-1-lesson-1-scraprate").data
    assert stored["case"]["title"] == "Line 2, Tuesday morning"
    assert stored["case"]["table"]["rows"][2] == ["10-12", 350, 50, 0]
    assert "case" not in question(db, "module-1-lesson-1-q01").data
    assert sync(root).total == 0

    path = root / QUIZ
    path.write_text(path.read_text().replace("one operator short", "two operators short"))
    report = sync(root)
    assert report.questions.updated == 3, "the case's three questions, no others"
    assert "two operators short" in question(db, "module-1-lesson-1-downtime").data["case"]["text"]
