"""Quizzes: start or resume an attempt, answer one question at a time, finish with a score.

Grading happens here, on the server, from the stored answer key; the page only ever sees
the shuffled layout. An answer is written once: the unique (attempt, question) constraint
turns a double submit, even two racing requests, into "already answered", never two rows.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager
from sqlalchemy.orm.attributes import set_committed_value

from quizapp.core.assignments import (
    PRACTICE,
    AnswersShown,
    AttemptPolicy,
    Standing,
    draw_questions,
    governing,
)
from quizapp.core.cases import Case, case_from_data, case_id_of, keep_cases_together
from quizapp.core.progress import DailyGoal, percent
from quizapp.core.questions import Feedback, FormValues, Layout, QuestionSpec, answer_feedback
from quizapp.core.words import plural
from quizapp.db import db
from quizapp.models import Assignment, Classroom, Lesson, Question, QuizAnswer, QuizAttempt, User
from quizapp.services import progress, reviews
from quizapp.services.catalogue import WITHOUT_TEXT, catalogue_modules, question_spec
from quizapp.services.errors import Refused
from quizapp.services.learner_assignments import (
    LEARNER_ASSIGNMENTS,
    MyAssignment,
    learner_assignments,
)


class AlreadyAnswered(Refused):
    def __init__(self) -> None:
        super().__init__(
            409, "You had already answered this question, so your first answer stands."
        )


def layout_for(attempt: QuizAttempt, question: Question, spec: QuestionSpec) -> Layout:
    # Seeded by attempt and question: the same page on reload, a new shuffle on a retake.
    return spec.layout(random.Random(f"{attempt.seed}:{question.id}"))


@dataclass(frozen=True)
class QuizRules:
    """The assignment whose policy a learner's next attempt at a quiz follows, with their own
    due date and the attempts they have handed in for it."""

    assignment: Assignment
    classroom: Classroom
    due_at: datetime
    used: int

    @property
    def policy(self) -> AttemptPolicy:
        return self.assignment.policy

    @property
    def attempts_left(self) -> int | None:
        return self.policy.attempts_left(self.used)

    @property
    def next_attempt(self) -> int:
        return self.used + 1


# The learner's assignments that cover the lesson, each with the attempts at its quiz handed
# in since it was set: what it counts (`core.assignments`). One query whether the lesson is
# assigned or not, so the lesson page's count does not depend on the learner's classes.
_ATTEMPTS_SINCE = (
    select(func.count())
    .where(
        QuizAttempt.user_id == bindparam("user_id"),
        QuizAttempt.lesson_id == bindparam("lesson_id"),
        QuizAttempt.submitted_at >= Assignment.created_at,
    )
    .correlate(Assignment)
    .scalar_subquery()
)
_COVERING = LEARNER_ASSIGNMENTS.add_columns(_ATTEMPTS_SINCE).where(
    or_(
        Assignment.lesson_id == bindparam("lesson_id"),
        Assignment.module_id == bindparam("module_id"),
    )
)


def quiz_rules(*, user: User, lesson: Lesson, now: datetime) -> QuizRules | None:
    """The rules of the learner's next attempt at the lesson's quiz; None for practice, when
    no class of theirs has assigned it. One query."""
    rows = db.session.execute(
        _COVERING, {"user_id": user.id, "lesson_id": lesson.id, "module_id": lesson.module_id}
    ).all()
    due = {assignment.id: own or assignment.due_at for assignment, _, own, _ in rows}
    chosen = governing(list(due.items()), now)
    if chosen is None:
        return None
    assignment, classroom, _, used = next(row for row in rows if row[0].id == chosen)
    return QuizRules(assignment, classroom, due[chosen], used or 0)


def start_attempt(*, user: User, lesson: Lesson, now: datetime) -> QuizAttempt:
    """The learner's unfinished attempt at this quiz, or a new one with its own shuffle under
    the rules of the assignment that covers it, if any: refused once its attempts are used."""
    unfinished = db.session.scalar(
        select(QuizAttempt)
        .where(
            QuizAttempt.user_id == user.id,
            QuizAttempt.lesson_id == lesson.id,
            QuizAttempt.submitted_at.is_(None),
        )
        .order_by(QuizAttempt.id.desc())
        .limit(1)
    )
    if unfinished is not None:
        return unfinished
    rules = quiz_rules(user=user, lesson=lesson, now=now)
    if rules is not None and not rules.policy.may_start(rules.used):
        raise Refused(
            409,
            f"You have used all {plural(rules.used, 'attempt')} at this quiz allowed for "
            f"“{rules.assignment.title}” in {rules.classroom.name}. Your answers stay on "
            "record; ask your instructor if you need another try.",
        )
    # In file order, with each question's case, so a case's questions are asked together.
    live = db.session.execute(
        select(Question.id, Question.data)
        .where(Question.lesson_id == lesson.id, Question.retired_at.is_(None))
        .order_by(Question.position)
    ).all()
    question_ids = [question_id for question_id, _ in live]
    if not question_ids:
        raise Refused(404, "This lesson has no quiz yet.")
    seed = secrets.randbits(31)
    asked_before = []
    if lesson.questions_per_attempt is not None:
        asked_before = db.session.scalars(
            select(QuizAttempt.question_ids).where(
                QuizAttempt.user_id == user.id, QuizAttempt.lesson_id == lesson.id
            )
        ).all()
    opening = next((question_id for question_id, data in live if data.get("opens_quiz")), None)
    question_ids = keep_cases_together(
        draw_questions(
            question_ids,
            asked_before,
            lesson.questions_per_attempt,
            random.Random(seed),
            opening=opening,
        ),
        {question_id: case_id_of(data) for question_id, data in live},
        question_ids,
    )
    attempt = QuizAttempt(
        user_id=user.id,
        lesson_id=lesson.id,
        started_at=now,
        question_ids=question_ids,
        seed=seed,
        max_score=len(question_ids),
        assignment_id=rules.assignment.id if rules else None,
        answers_shown=(rules.policy if rules else PRACTICE).answers_shown.value,
    )
    db.session.add(attempt)
    progress.lesson_started(user=user, lesson=lesson, now=now)
    db.session.flush()
    return attempt


# Each question page and answer runs these: built once, they are only executed.
_LEARNER_ATTEMPT = (
    select(QuizAttempt)
    .join(Lesson, Lesson.id == QuizAttempt.lesson_id)
    .join(Lesson.module)
    .options(
        contains_eager(QuizAttempt.lesson).options(contains_eager(Lesson.module), *WITHOUT_TEXT)
    )
    .where(QuizAttempt.id == bindparam("attempt_id"), QuizAttempt.user_id == bindparam("user_id"))
)
_QUESTION_WITH_ANSWER = (
    select(Question, QuizAnswer)
    .outerjoin(
        QuizAnswer,
        and_(
            QuizAnswer.question_id == Question.id,
            QuizAnswer.attempt_id == bindparam("attempt_id"),
        ),
    )
    .where(Question.id == bindparam("question_id"))
)
_ANSWERED = select(QuizAnswer.question_id).where(QuizAnswer.attempt_id == bindparam("attempt_id"))
_ANSWERS_GRADED = select(QuizAnswer.question_id, QuizAnswer.is_correct).where(
    QuizAnswer.attempt_id == bindparam("attempt_id")
)
_ANSWER_TOTALS = select(func.count(), func.coalesce(func.sum(QuizAnswer.score), 0.0)).where(
    QuizAnswer.attempt_id == bindparam("attempt_id")
)


def learner_attempt(*, user: User, attempt_id: int) -> QuizAttempt | None:
    """The attempt with its lesson, or None when it does not exist or is someone else's:
    the two look the same from outside, so ids cannot be probed."""
    return db.session.scalar(_LEARNER_ATTEMPT, {"attempt_id": attempt_id, "user_id": user.id})


@dataclass(frozen=True)
class QuestionStep:
    """One question of an attempt, answered or not."""

    attempt: QuizAttempt
    position: int
    question: Question
    spec: QuestionSpec
    layout: Layout
    answer: QuizAnswer | None
    # Set by submit_answer when this answer met the learner's daily goal.
    goal_met: DailyGoal | None = None

    @property
    def total(self) -> int:
        return len(self.attempt.question_ids)

    @property
    def is_last(self) -> bool:
        return self.position == self.total

    @property
    def shows_feedback(self) -> bool:
        """Whether the answer's verdict and the right answer show as soon as it is given."""
        return self.attempt.answers_shown == AnswersShown.EACH_QUESTION.value

    @cached_property
    def case(self) -> Case | None:
        """The case study shown above the question, stored with it: no query of its own."""
        return case_from_data(self.question.data)

    @cached_property
    def feedback(self) -> Feedback | None:
        if self.answer is None:
            return None
        return answer_feedback(self.spec, self.layout, self.answer.response)


def question_step(attempt: QuizAttempt, position: int) -> QuestionStep | None:
    """The question at `position` (from 1) of the attempt, or None if there is none."""
    if not 1 <= position <= len(attempt.question_ids):
        return None
    question, answer = db.session.execute(
        _QUESTION_WITH_ANSWER,
        {"attempt_id": attempt.id, "question_id": attempt.question_ids[position - 1]},
    ).one()
    spec = question_spec(question)
    return QuestionStep(
        attempt, position, question, spec, layout_for(attempt, question, spec), answer
    )


def next_position(attempt: QuizAttempt) -> int | None:
    """The first unanswered question's position, or None when all are answered."""
    answered = set(db.session.scalars(_ANSWERED, {"attempt_id": attempt.id}))
    for position, question_id in enumerate(attempt.question_ids, start=1):
        if question_id not in answered:
            return position
    return None


def submit_answer(
    *,
    user: User,
    step: QuestionStep,
    values: FormValues,
    time_taken_ms: int | None,
    now: datetime,
) -> QuestionStep:
    """Grade and store the answer; finish the attempt when it was the last one open.

    Raises InvalidResponse for an answer that does not fit the question (nothing is stored)
    and Refused when the attempt is finished or the question already answered."""
    attempt = step.attempt
    if attempt.submitted_at is not None:
        raise Refused(409, "This quiz attempt is already finished; start a new one to retake it.")
    if step.answer is not None:
        raise AlreadyAnswered()
    response = step.spec.response_from_form(step.layout, values)
    grade = step.spec.grade(response)
    answer = QuizAnswer(
        attempt_id=attempt.id,
        question_id=step.question.id,
        response=response,
        is_correct=grade.correct,
        score=grade.score,
        answered_at=now,
        time_taken_ms=time_taken_ms,
    )
    try:
        with db.session.begin_nested():
            db.session.add(answer)
    except IntegrityError:
        raise AlreadyAnswered() from None
    goal_met = progress.activity_recorded(user=user, now=now, answers=1)
    # Every answered question becomes a review card, whose reveal shows the right answer: at
    # once when the policy shows answers by the attempt's end; otherwise once the results
    # page may show them (`release_cards`), so reviews cannot give away a graded quiz's key.
    if AnswersShown(attempt.answers_shown).by_attempt_end:
        reviews.cards_for_answer(user=user, answers=[(step.question.id, grade.correct)], now=now)
    finish_if_complete(user=user, attempt=attempt, now=now)
    return QuestionStep(
        attempt, step.position, step.question, step.spec, step.layout, answer, goal_met
    )


def finish_if_complete(*, user: User, attempt: QuizAttempt, now: datetime) -> bool:
    """Score and close the attempt once every question has an answer, exactly once."""
    if attempt.submitted_at is not None:
        return True
    count, total = db.session.execute(_ANSWER_TOTALS, {"attempt_id": attempt.id}).one()
    if count < len(attempt.question_ids):
        return False
    # Guarded by submitted_at IS NULL: of two requests finishing at once, one closes it.
    closed = db.session.execute(
        update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id, QuizAttempt.submitted_at.is_(None))
        .values(submitted_at=now, score=total)
        .execution_options(synchronize_session=False)
    ).rowcount
    if closed:
        set_committed_value(attempt, "submitted_at", now)
        set_committed_value(attempt, "score", total)
        progress.lesson_completed(user=user, lesson=attempt.lesson, now=now)
    else:
        db.session.refresh(attempt)  # closed by a request racing this one: read its score
    return True


@dataclass(frozen=True)
class AttemptVerdict:
    """Where a finished attempt leaves the learner on the assignment it was taken for (None
    for practice, or once they are no longer in the class), and whether its right answers may
    be shown now under the assignment's policy."""

    assigned: MyAssignment | None
    # The standing of the attempt's lesson alone: in a module, the module's may differ.
    lesson_standing: Standing | None
    shows_answers: bool


def attempt_verdict(*, user: User, attempt: QuizAttempt, now: datetime) -> AttemptVerdict:
    """Decided by the same rule as every other page (`learner_assignments.learner_assignments`)."""
    if attempt.assignment_id is None:
        return AttemptVerdict(None, None, True)
    mine = learner_assignments(
        history=progress.learner_history(user), now=now, catalogue=catalogue_modules(), recall=False
    )
    assigned = next((m for m in mine if m.assignment.id == attempt.assignment_id), None)
    if assigned is None:
        return AttemptVerdict(None, None, True)
    lesson_standing = dict(assigned.cell.lesson_standings).get(attempt.lesson_id)
    # The attempt's own policy, fixed when it started: a later edit cannot reveal its key.
    shows = AnswersShown(attempt.answers_shown).visible(
        finished=attempt.submitted_at is not None,
        passed=lesson_standing is not None and lesson_standing.is_done,
        past_due=now > assigned.cell.due_at,
    )
    return AttemptVerdict(assigned, lesson_standing, shows)


def release_cards(*, user: User, attempt: QuizAttempt, now: datetime) -> None:
    """The attempt's questions join the learner's reviews once its answers may be seen (the
    policies that show them only after passing or the due date); idempotent."""
    if not AnswersShown(attempt.answers_shown).by_attempt_end:
        answered = db.session.execute(_ANSWERS_GRADED, {"attempt_id": attempt.id})
        reviews.cards_for_answer(user=user, answers=[tuple(row) for row in answered], now=now)


@dataclass(frozen=True)
class ResultRow:
    position: int
    question: Question
    answer: QuizAnswer
    right_answer: str


@dataclass(frozen=True)
class AttemptResults:
    attempt: QuizAttempt
    rows: list[ResultRow]

    @property
    def correct(self) -> int:
        return sum(row.answer.is_correct for row in self.rows)

    @property
    def percent(self) -> int:
        return percent(self.attempt.score, self.attempt.max_score)

    @property
    def missed(self) -> list[ResultRow]:
        return [row for row in self.rows if not row.answer.is_correct]


def attempt_results(attempt: QuizAttempt) -> AttemptResults:
    """Every question of a finished attempt with the learner's answer and the right one."""
    questions = {
        q.id: q
        for q in db.session.scalars(select(Question).where(Question.id.in_(attempt.question_ids)))
    }
    answers = {
        a.question_id: a
        for a in db.session.scalars(select(QuizAnswer).where(QuizAnswer.attempt_id == attempt.id))
    }
    rows = [
        ResultRow(
            position,
            questions[question_id],
            answers[question_id],
            question_spec(questions[question_id]).right_answer(),
        )
        for position, question_id in enumerate(attempt.question_ids, start=1)
        if question_id in answers
    ]
    return AttemptResults(attempt, rows)
