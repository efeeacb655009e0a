"""One finished quiz attempt, question by question as it was shown: the learner's answer, the
right one, the score, the time taken and the feedback. Learners open their own (the results
page decides whether right answers may show yet); a class's instructors open those of its
learners on the lessons the class assigns, the same attempts the learner's report lists.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, select

from quizapp.core.questions import Feedback, QuestionSpec, answer_feedback
from quizapp.db import db
from quizapp.models import Classroom, Lesson, Question, QuizAnswer, QuizAttempt, User
from quizapp.services.catalogue import catalogue_modules, question_spec
from quizapp.services.class_evidence import scope
from quizapp.services.classes import class_assignments, class_learner
from quizapp.services.errors import Refused
from quizapp.services.quizzes import layout_for


@dataclass(frozen=True)
class ReviewedQuestion:
    position: int
    question: Question
    spec: QuestionSpec
    answer: QuizAnswer
    feedback: Feedback

    @property
    def retired(self) -> bool:
        return self.question.retired_at is not None

    @property
    def points(self) -> str:
        """The question's mark out of 1, as Moodle shows it: "0.50 / 1"."""
        return f"{self.answer.score:.2f} / 1"

    @property
    def seconds(self) -> int | None:
        taken = self.answer.time_taken_ms
        return None if taken is None else round(taken / 1000)


@dataclass(frozen=True)
class AttemptReview:
    attempt: QuizAttempt
    learner: User
    questions: list[ReviewedQuestion]

    @property
    def percent(self) -> int | None:
        return self.attempt.percent

    @property
    def correct(self) -> int:
        return sum(item.answer.is_correct for item in self.questions)

    @property
    def minutes(self) -> int | None:
        """Time from start to hand-in, in whole minutes (at least 1)."""
        if self.attempt.submitted_at is None:
            return None
        seconds = (self.attempt.submitted_at - self.attempt.started_at).total_seconds()
        return max(1, round(seconds / 60))


_QUESTIONS_ANSWERED = (
    select(Question, QuizAnswer)
    .join(QuizAnswer, QuizAnswer.question_id == Question.id)
    .where(QuizAnswer.attempt_id == bindparam("attempt_id"))
)


def review_of(attempt: QuizAttempt, learner: User) -> AttemptReview:
    """A finished attempt's questions in the order and layout the learner saw them (one
    query). An unfinished attempt is refused: its answers are still being given."""
    if attempt.submitted_at is None:
        raise Refused(409, "This attempt is not finished yet: it can be reviewed once handed in.")
    answered = {
        question.id: (question, answer)
        for question, answer in db.session.execute(_QUESTIONS_ANSWERED, {"attempt_id": attempt.id})
    }
    questions = []
    for position, question_id in enumerate(attempt.question_ids, start=1):
        if question_id not in answered:
            continue
        question, answer = answered[question_id]
        spec = question_spec(question)
        feedback = answer_feedback(spec, layout_for(attempt, question, spec), answer.response)
        questions.append(ReviewedQuestion(position, question, spec, answer, feedback))
    return AttemptReview(attempt, learner, questions)


def class_attempt(*, classroom: Classroom, user_id: int, attempt_id: int) -> AttemptReview:
    """An attempt of a learner of the class on a lesson it assigns; any other id is a 404,
    whoever's it is, so attempts cannot be probed from another class."""
    learner = class_learner(classroom=classroom, user_id=user_id)
    evidence = scope(class_assignments(classroom), catalogue_modules())
    assigned = {lesson_id for ids in evidence.lesson_ids.values() for lesson_id in ids}
    attempt = db.session.scalar(
        select(QuizAttempt)
        .join(Lesson, Lesson.id == QuizAttempt.lesson_id)
        .where(
            QuizAttempt.id == attempt_id,
            QuizAttempt.user_id == learner.id,
            QuizAttempt.lesson_id.in_(assigned),
        )
    )
    if attempt is None:
        raise Refused(404, "That attempt is not one of this learner's on this class's work.")
    return review_of(attempt, learner)


def own_attempts(*, user: User, lesson: Lesson) -> list[QuizAttempt]:
    """The learner's attempts at a lesson's quiz, newest first, finished or not."""
    return list(
        db.session.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.user_id == user.id, QuizAttempt.lesson_id == lesson.id)
            .order_by(QuizAttempt.started_at.desc(), QuizAttempt.id.desc())
        )
    )
