"""A learner's own assignments, decided by the same evidence and rules as the gradebook."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from quizapp.core.assignments import (
    Standing,
)
from quizapp.core.classes import (
    local_time,
)
from quizapp.db import db
from quizapp.models import (
    Assignment,
    AssignmentExtension,
    ClassMembership,
    Classroom,
    Lesson,
    Module,
)
from quizapp.models.classes import LEARNER
from quizapp.services.catalogue import ModuleEntry
from quizapp.services.class_evidence import Cell, cell_of, learner_evidence
from quizapp.services.progress import LearnerHistory


@dataclass(frozen=True)
class MyAssignment:
    assignment: Assignment
    classroom: Classroom
    cell: Cell

    @property
    def due_local(self) -> datetime:
        return local_time(self.cell.due_at, self.classroom.time_zone)

    @property
    def extended(self) -> bool:
        return self.cell.due_at != self.assignment.due_at


# The learner's assignments in their live classes, with their own due date when extended.
LEARNER_ASSIGNMENTS = (
    select(Assignment, Classroom, AssignmentExtension.due_at)
    .join(Classroom, Classroom.id == Assignment.class_id)
    .join(ClassMembership, ClassMembership.class_id == Classroom.id)
    .outerjoin(
        AssignmentExtension,
        (AssignmentExtension.assignment_id == Assignment.id)
        & (AssignmentExtension.user_id == ClassMembership.user_id),
    )
    # Titles and slugs for the links, not the lessons' text.
    .options(
        joinedload(Assignment.module).load_only(Module.slug, Module.title),
        joinedload(Assignment.lesson).load_only(Lesson.slug, Lesson.title),
    )
    .where(
        ClassMembership.user_id == bindparam("user_id"),
        ClassMembership.role == LEARNER,
        Classroom.archived_at.is_(None),
    )
    .order_by(Assignment.due_at, Assignment.id)
)
LEARNER_ASSIGNMENTS_IN_CLASS = LEARNER_ASSIGNMENTS.where(Classroom.id == bindparam("class_id"))


def learner_assignments(
    *,
    history: LearnerHistory,
    now: datetime,
    catalogue: Sequence[ModuleEntry],
    classroom: Classroom | None = None,
    recall: bool = True,
) -> list[MyAssignment]:
    """Every assignment of every class the learner is in (or of one of them), soonest due
    first (by the class's date), from the learner's history and the catalogue the page has
    already read; without `recall`, one query fewer and no predicted recall."""
    user_id = history.user_id
    if classroom is None:
        rows = db.session.execute(LEARNER_ASSIGNMENTS, {"user_id": user_id}).all()
    else:
        rows = db.session.execute(
            LEARNER_ASSIGNMENTS_IN_CLASS, {"user_id": user_id, "class_id": classroom.id}
        ).all()
    due = {a.id: own_due for a, _, own_due in rows if own_due is not None}
    evidence = learner_evidence(
        [a for a, _, _ in rows], history, now, catalogue, due=due, recall=recall
    )
    return [MyAssignment(a, c, cell_of(evidence, a, user_id, now)) for a, c, _ in rows]


def assigned_lessons(mine: Sequence[MyAssignment]) -> dict[int, tuple[MyAssignment, Standing]]:
    """Each assigned lesson's standing, by lesson id, under the assignment due soonest that
    covers it: what the Lessons pages show beside it instead of the lesson's own progress."""
    lessons: dict[int, tuple[MyAssignment, Standing]] = {}
    for item in sorted(mine, key=lambda item: item.cell.due_at):
        for lesson_id, standing in item.cell.lesson_standings:
            lessons.setdefault(lesson_id, (item, standing))
    return lessons
