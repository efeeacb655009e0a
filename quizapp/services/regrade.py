"""Regrading: when a corrected answer key changes what an answer deserves, the stored mark is
recomputed rather than left silently wrong. The first mark stays in `regraded_from` (the
audit), and the attempt says it was regraded wherever learners and instructors see it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from quizapp.core.questions import InvalidResponse
from quizapp.db import db
from quizapp.models import Question, QuizAnswer, QuizAttempt
from quizapp.services.catalogue import question_spec

# Marks are stored as floats: closer than this is the same mark.
SAME_MARK = 1e-9


@dataclass(frozen=True)
class StaleAnswer:
    answer: QuizAnswer
    question: Question
    # What the answer key now gives the response; None when the response no longer grades
    # at all (it names a choice the key has since removed), which is left alone and listed.
    new_score: float | None
    new_correct: bool | None


@dataclass(frozen=True)
class StaleQuestion:
    question: Question
    answers: list[StaleAnswer]

    @property
    def summary(self) -> str:
        """ "3 answers: 2 wrong → right, 1 right → wrong"."""
        moves = Counter(_move(stale) for stale in self.answers)
        parts = ", ".join(f"{count} {move}" for move, count in sorted(moves.items()))
        noun = "answer" if len(self.answers) == 1 else "answers"
        return f"{self.question.slug}: {len(self.answers)} {noun} ({parts})"


def _word(correct: bool, score: float) -> str:
    if correct:
        return "right"
    return "partly right" if score > 0 else "wrong"


def _move(stale: StaleAnswer) -> str:
    before = _word(stale.answer.is_correct, stale.answer.score)
    if stale.new_score is None or stale.new_correct is None:
        return f"{before} → cannot be regraded"
    return f"{before} → {_word(stale.new_correct, stale.new_score)}"


def stale_answers(question_ids: Collection[int] | None = None) -> list[StaleQuestion]:
    """Answers whose stored mark differs from what the current key gives them, by question
    (of `question_ids`, or every question), in course order."""
    query = select(QuizAnswer, Question).join(Question, Question.id == QuizAnswer.question_id)
    if question_ids is not None:
        if not question_ids:
            return []
        query = query.where(QuizAnswer.question_id.in_(list(question_ids)))
    by_question: dict[int, StaleQuestion] = {}
    specs = {}
    for answer, question in db.session.execute(query.order_by(Question.id, QuizAnswer.id)):
        if question.id not in specs:
            specs[question.id] = question_spec(question)
        spec = specs[question.id]
        try:
            grade = spec.grade(answer.response)
        except InvalidResponse:
            stale = StaleAnswer(answer, question, None, None)
        else:
            same = abs(grade.score - answer.score) < SAME_MARK
            if same and grade.correct == answer.is_correct:
                continue
            stale = StaleAnswer(answer, question, grade.score, grade.correct)
        by_question.setdefault(question.id, StaleQuestion(question, [])).answers.append(stale)
    return sorted(by_question.values(), key=lambda q: (q.question.lesson_id, q.question.position))


def apply_regrade(stale: list[StaleQuestion], *, now: datetime) -> tuple[int, int]:
    """Give the answers their new marks, keeping each one's first mark, and rescore their
    finished attempts; flushes. Returns (answers regraded, attempts rescored)."""
    regraded = [s for q in stale for s in q.answers if s.new_score is not None]
    attempt_ids = set()
    for item in regraded:
        answer = item.answer
        if answer.regraded_from is None:
            answer.regraded_from = answer.score
        answer.score, answer.is_correct = item.new_score, item.new_correct
        attempt_ids.add(answer.attempt_id)
    db.session.flush()
    attempts = db.session.scalars(
        select(QuizAttempt).where(
            QuizAttempt.id.in_(attempt_ids), QuizAttempt.submitted_at.is_not(None)
        )
    ).all()
    totals: Counter[int] = Counter()
    for attempt_id, score in db.session.execute(
        select(QuizAnswer.attempt_id, QuizAnswer.score).where(
            QuizAnswer.attempt_id.in_([a.id for a in attempts])
        )
    ):
        totals[attempt_id] += score
    for attempt in attempts:
        attempt.score = totals[attempt.id]
        attempt.regraded_at = now
    db.session.flush()
    return len(regraded), len(attempts)
