"""One learner, as their instructor sees them: assignments, quiz attempts, recent reviews
and leeches."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from quizapp.core.progress import learner_day
from quizapp.core.scheduling import LEECH_THRESHOLD
from quizapp.db import db
from quizapp.models import (
    ActivityDay,
    Assignment,
    Classroom,
    Lesson,
    Question,
    QuizAttempt,
    ReviewCard,
    User,
)
from quizapp.services.catalogue import catalogue_modules
from quizapp.services.class_evidence import EXTENSIONS, Cell, cell_of, learner_evidence
from quizapp.services.classes import class_assignments
from quizapp.services.progress import learner_history

ACTIVITY_DAYS = 30


@dataclass(frozen=True)
class AttemptLine:
    attempt: QuizAttempt
    lesson: Lesson

    @property
    def percent(self) -> int | None:
        return self.attempt.percent


@dataclass(frozen=True)
class LeechLine:
    question: Question
    lapses: int
    # Set aside at eight failures until the learner chooses to keep reviewing it.
    set_aside: bool


@dataclass(frozen=True)
class LearnerReport:
    learner: User
    assignments: list[tuple[Assignment, Cell]]
    attempts: list[AttemptLine]
    reviews_per_day: list[tuple[date, int]]
    leeches: list[LeechLine]

    @property
    def recent_reviews(self) -> int:
        return sum(count for _, count in self.reviews_per_day)

    @property
    def active_days(self) -> int:
        return sum(count > 0 for _, count in self.reviews_per_day)

    @property
    def review_rows(self) -> list[tuple[str, int]]:
        """The days with reviews, as rows of a table."""
        return [(day.strftime("%d %b"), count) for day, count in self.reviews_per_day if count]


def learner_report(*, classroom: Classroom, learner: User, now: datetime) -> LearnerReport:
    """One learner's assignments, quiz attempts, recent review activity and leeches."""
    assignments = class_assignments(classroom)
    extensions = db.session.execute(
        EXTENSIONS, {"learner_ids": [learner.id], "assignment_ids": [a.id for a in assignments]}
    )
    evidence = learner_evidence(
        assignments,
        learner_history(learner),
        now,
        catalogue_modules(),
        due={a_id: due_at for _, a_id, due_at in extensions},
    )
    # Only the assigned work: the rest of a learner's activity is theirs, not the class's.
    lesson_ids = {lesson_id for ids in evidence.lesson_ids.values() for lesson_id in ids}
    question_ids = [q for lesson_id in lesson_ids for q in evidence.question_ids[lesson_id]]
    attempts = db.session.execute(
        select(QuizAttempt, Lesson)
        .join(Lesson, Lesson.id == QuizAttempt.lesson_id)
        .where(QuizAttempt.user_id == learner.id, QuizAttempt.lesson_id.in_(lesson_ids))
        .order_by(QuizAttempt.started_at.desc())
    ).all()
    today = learner_day(now, learner.time_zone)
    days = dict(
        db.session.execute(
            select(ActivityDay.day, ActivityDay.reviews).where(
                ActivityDay.user_id == learner.id,
                ActivityDay.day > today - timedelta(days=ACTIVITY_DAYS),
            )
        ).all()
    )
    leeches = db.session.execute(
        select(Question, ReviewCard.lapses, ReviewCard.suspended_at.is_not(None))
        .join(ReviewCard, ReviewCard.question_id == Question.id)
        .where(
            ReviewCard.user_id == learner.id,
            ReviewCard.question_id.in_(question_ids),
            ReviewCard.lapses >= LEECH_THRESHOLD,
        )
        .order_by(ReviewCard.lapses.desc(), Question.id)
    ).all()
    return LearnerReport(
        learner=learner,
        assignments=[(a, cell_of(evidence, a, learner.id, now)) for a in assignments],
        attempts=[AttemptLine(attempt, lesson) for attempt, lesson in attempts],
        reviews_per_day=[
            (day, days.get(day, 0))
            for day in (today - timedelta(days=n) for n in range(ACTIVITY_DAYS - 1, -1, -1))
        ],
        leeches=[LeechLine(*leech) for leech in leeches],
    )
