"""A class over time, for its page: lessons passed and reviews done week by week, and the
learners at risk, decided by `core.class_progress` from the gradebook and roster the page has
already read (one query more: the reviews)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from quizapp.core.class_progress import (
    PROGRESS_WEEKS,
    DueWork,
    at_risk_reasons,
    weekly_totals,
)
from quizapp.core.classes import local_time
from quizapp.core.progress import learner_day
from quizapp.db import db
from quizapp.models import ActivityDay, ClassMembership, Classroom, User
from quizapp.models.classes import LEARNER
from quizapp.services.classes import RosterLine
from quizapp.services.gradebook import Gradebook


@dataclass(frozen=True)
class WeekLine:
    week: date
    lessons_passed: int
    reviews: int

    @property
    def label(self) -> str:
        return self.week.strftime("%d %b")


@dataclass(frozen=True)
class LearnerAtRisk:
    learner: User
    reasons: list[str]


@dataclass(frozen=True)
class ClassProgress:
    weeks: list[WeekLine]
    at_risk: list[LearnerAtRisk]


def class_progress(
    *, classroom: Classroom, book: Gradebook, roster: Sequence[RosterLine], now: datetime
) -> ClassProgress:
    """From a gradebook read with recall, and the roster with each learner's last active day."""
    today = local_time(now, classroom.time_zone).date()
    # A lesson in two assignments counts once, when it first passed.
    passed: dict[tuple[int, int], datetime] = {}
    for row in book.rows:
        for cell in row.cells.values():
            for lesson_id, at in cell.passed_lessons:
                key = (row.learner.id, lesson_id)
                passed[key] = min(at, passed.get(key, at))
    lessons = weekly_totals(
        ((local_time(at, classroom.time_zone).date(), 1) for at in passed.values()), today=today
    )
    since = today - timedelta(weeks=PROGRESS_WEEKS, days=1)
    in_class = select(ClassMembership.user_id).where(
        ClassMembership.class_id == classroom.id, ClassMembership.role == LEARNER
    )
    reviews = weekly_totals(
        db.session.execute(
            select(ActivityDay.day, func.sum(ActivityDay.reviews))
            .where(ActivityDay.user_id.in_(in_class), ActivityDay.day >= since)
            .group_by(ActivityDay.day)
        ).all(),
        today=today,
    )
    weeks = [
        WeekLine(week, lessons_count, reviews_count)
        for (week, lessons_count), (_, reviews_count) in zip(lessons, reviews, strict=True)
    ]
    last_active = {line.person.id: line.last_active for line in roster}
    at_risk = []
    for row in book.rows:
        work = [
            DueWork(
                title=assignment.title,
                due_at=row.cells[assignment.id].due_at,
                done=row.cells[assignment.id].status.is_done,
                pass_mark=assignment.pass_mark,
                recall_at_due=row.cells[assignment.id].recall_at_due_percent,
            )
            for assignment in book.assignments
        ]
        reasons = at_risk_reasons(
            work,
            last_active=last_active.get(row.learner.id),
            today=learner_day(now, row.learner.time_zone),
            now=now,
        )
        if reasons:
            at_risk.append(LearnerAtRisk(row.learner, reasons))
    return ClassProgress(weeks, at_risk)
