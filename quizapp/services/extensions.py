"""Per-learner extensions: a later due date for chosen learners of a class (Moodle's user
overrides). Their status and reminders follow it (`gradebook`, `reminders`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select

from quizapp.core.classes import DATE_TIME_PATTERN, local_time
from quizapp.db import db, upsert
from quizapp.models import Assignment, AssignmentExtension, ClassMembership, User
from quizapp.models.classes import LEARNER
from quizapp.services.classes import ClassFormError, due_instant, require_active
from quizapp.services.errors import Refused


@dataclass(frozen=True)
class Extension:
    learner: User
    due_at: datetime


def extensions_of(assignment: Assignment) -> list[Extension]:
    """The assignment's extensions to learners still in the class, by learner name (one
    query): a learner who left keeps theirs on record, should they come back."""
    rows = db.session.execute(
        select(User, AssignmentExtension.due_at)
        .join(AssignmentExtension, AssignmentExtension.user_id == User.id)
        .join(
            ClassMembership,
            (ClassMembership.user_id == User.id)
            & (ClassMembership.class_id == assignment.class_id)
            & (ClassMembership.role == LEARNER),
        )
        .where(AssignmentExtension.assignment_id == assignment.id)
        .order_by(User.display_name, User.id)
    ).all()
    return [Extension(learner, due_at) for learner, due_at in rows]


def grant_extension(
    *, assignment: Assignment, learner_ids: Sequence[int], due_local: datetime, now: datetime
) -> int:
    """Give the chosen learners of the class their own due date, later than the class's and
    in the future; one already extended gets the new date. How many learners."""
    classroom = assignment.classroom
    require_active(classroom)
    chosen = set(learner_ids)
    if not chosen:
        raise ClassFormError("learners", "Choose at least one learner.")
    members = set(
        db.session.scalars(
            select(ClassMembership.user_id).where(
                ClassMembership.class_id == classroom.id,
                ClassMembership.role == LEARNER,
                ClassMembership.user_id.in_(chosen),
            )
        )
    )
    if members != chosen:
        raise ClassFormError(
            "learners", "Choose learners of this class from the list; reload the page."
        )
    due_at = due_instant(classroom, due_local, now=now, noun="date")
    if due_at <= assignment.due_at:
        class_due = local_time(assignment.due_at, classroom.time_zone)
        raise ClassFormError(
            "due",
            "An extension gives more time: choose a date after the class's due date, "
            f"{class_due.strftime(DATE_TIME_PATTERN)}.",
        )
    db.session.execute(
        _extension_upsert(),
        [
            {
                "assignment_id": assignment.id,
                "user_id": user_id,
                "due_at": due_at,
                "created_at": now,
            }
            for user_id in sorted(chosen)
        ],
    )
    return len(chosen)


def _build_upsert(insert):
    statement = insert(AssignmentExtension)
    return statement.on_conflict_do_update(
        index_elements=["assignment_id", "user_id"], set_={"due_at": statement.excluded.due_at}
    )


_extension_upsert = upsert(_build_upsert)


def remove_extension(*, assignment: Assignment, user_id: int) -> None:
    """The learner is back on the class's due date; 404 when they had no extension."""
    require_active(assignment.classroom)
    removed = db.session.execute(
        delete(AssignmentExtension).where(
            AssignmentExtension.assignment_id == assignment.id,
            AssignmentExtension.user_id == user_id,
        )
    ).rowcount
    if not removed:
        raise Refused(404, "That learner has no extension on this assignment.")
