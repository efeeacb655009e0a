"""The learner's assignments still open: in live classes they learn in, not yet due by their
own date (an extension counts). The review step reads the next due date a card counts towards
from them, and the workload forecast the questions still to learn."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, func

from quizapp.models import Assignment, AssignmentExtension, ClassMembership, Classroom
from quizapp.models.classes import LEARNER

# An assignment's due date for the learner: their extension's, else the class's.
OWN_DUE_AT = func.coalesce(AssignmentExtension.due_at, Assignment.due_at)


def open_assignments(query: Select, *, user_id: Any, now: Any) -> Select:
    """`query` (which selects from Assignment) narrowed to the assignments open for the
    learner `user_id` at `now`; both may be values or bound parameters."""
    return (
        query.join(
            ClassMembership,
            and_(
                ClassMembership.class_id == Assignment.class_id,
                ClassMembership.user_id == user_id,
                ClassMembership.role == LEARNER,
            ),
        )
        .join(Classroom, Classroom.id == Assignment.class_id)
        .outerjoin(
            AssignmentExtension,
            and_(
                AssignmentExtension.assignment_id == Assignment.id,
                AssignmentExtension.user_id == user_id,
            ),
        )
        .where(Classroom.archived_at.is_(None), now < OWN_DUE_AT)
    )
