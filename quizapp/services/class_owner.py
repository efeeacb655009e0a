"""What only a class's owner does: hand the class to a co-instructor, archive and restore it,
and delete it. Co-instructors run the class day to day; these decide its fate, so they take
the owner (`owned_class`), not any instructor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, func, or_, select

from quizapp.db import db
from quizapp.models import (
    Assignment,
    ClassInvitation,
    ClassMembership,
    Classroom,
    OutboxMessage,
    User,
)
from quizapp.models.classes import INSTRUCTOR, LEARNER
from quizapp.models.mail import PENDING
from quizapp.services.classes import TEACHING_ROLES, ClassFormError, class_access, require_active
from quizapp.services.errors import Refused
from quizapp.services.invitations import INVITATION
from quizapp.services.reminders import CLASS_REMINDER

WRONG_NAME = "Type the class name exactly to delete it."


def owned_class(*, user: User, class_id: int) -> Classroom:
    """The class, for its owner alone: 404 to those outside it, as on every class page, and
    403 to its learners and its other instructors (admins looking in included)."""
    classroom = class_access(user=user, class_id=class_id, teaching=True).classroom
    if classroom.owner_id != user.id:
        raise Refused(
            403,
            f"Only the owner of {classroom.name} can hand it over, archive, restore or delete it.",
        )
    return classroom


def co_instructors(classroom: Classroom) -> list[User]:
    """Who can take the class over: its instructors but the owner, by name (one query)."""
    return list(
        db.session.scalars(
            select(User)
            .join(ClassMembership, ClassMembership.user_id == User.id)
            .where(
                ClassMembership.class_id == classroom.id,
                ClassMembership.role == INSTRUCTOR,
                User.id != classroom.owner_id,
                User.role.in_(TEACHING_ROLES),
            )
            .order_by(func.lower(User.display_name), User.id)
        )
    )


def transfer_ownership(*, classroom: Classroom, user_id: int) -> User:
    """Make a co-instructor the class's owner; the old owner stays on as a co-instructor."""
    require_active(classroom)
    successor = next((user for user in co_instructors(classroom) if user.id == user_id), None)
    if successor is None:
        raise ClassFormError(
            "user_id",
            f"Choose one of the co-instructors of {classroom.name}: only they can own it.",
        )
    classroom.owner_id = successor.id
    db.session.flush()
    return successor


def archive_class(classroom: Classroom, *, now: datetime) -> None:
    """Make the class read-only: off its learners' Today and reminders, its code and
    invitations refused, its reports kept for its instructors."""
    require_active(classroom)
    classroom.archived_at = now
    db.session.flush()


def restore_class(classroom: Classroom) -> None:
    """Undo `archive_class`: the class is as it was, its join code working again if it did."""
    if classroom.archived_at is None:
        raise Refused(409, f"{classroom.name} is not archived.")
    classroom.archived_at = None
    db.session.flush()


@dataclass(frozen=True)
class ClassContents:
    """What deleting a class takes with it."""

    learners: int
    co_instructors: int
    assignments: int
    pending_invitations: int


def class_contents(classroom: Classroom) -> ClassContents:
    """The class's people, assignments and pending invitations, counted (one query)."""

    def count(model, *where):
        return select(func.count()).select_from(model).where(*where).scalar_subquery()

    members = (ClassMembership.class_id == classroom.id,)
    row = db.session.execute(
        select(
            count(ClassMembership, *members, ClassMembership.role == LEARNER),
            count(
                ClassMembership,
                *members,
                ClassMembership.role == INSTRUCTOR,
                ClassMembership.user_id != classroom.owner_id,
            ),
            count(Assignment, Assignment.class_id == classroom.id),
            count(
                ClassInvitation,
                ClassInvitation.class_id == classroom.id,
                ClassInvitation.accepted_at.is_(None),
            ),
        )
    ).one()
    return ClassContents(*row)


def delete_class(classroom: Classroom, *, confirm_name: str) -> None:
    """Delete the class once its name is typed exactly (surrounding spaces aside), with its
    memberships, assignments and invitations. Learners keep their lessons, quiz attempts
    and review cards: those are theirs, not the class's. Archived classes can be deleted."""
    if confirm_name.strip() != classroom.name:
        raise ClassFormError("confirm_name", WRONG_NAME)
    # Mail about the class that no sender has tried yet would link to pages that are gone. A
    # message already tried is left alone: a sender may hold it this very moment.
    assignment_ids = select(Assignment.id).where(Assignment.class_id == classroom.id)
    reminders = [
        f"assignment:{assignment_id}" for assignment_id in db.session.scalars(assignment_ids)
    ]
    db.session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.status == PENDING,
            OutboxMessage.attempts == 0,
            or_(
                and_(
                    OutboxMessage.kind == INVITATION,
                    OutboxMessage.about.like(f"class:{classroom.id}@%"),
                ),
                and_(OutboxMessage.kind == CLASS_REMINDER, OutboxMessage.about.in_(reminders)),
            ),
        ),
        execution_options={"synchronize_session": False},
    )
    # The foreign keys cascade (ON DELETE CASCADE, on SQLite and PostgreSQL alike) to the
    # memberships, invitations and assignments, and from these to their extensions; quiz
    # attempts made for an assignment keep their results and lose only the link (SET NULL).
    db.session.execute(
        delete(Classroom).where(Classroom.id == classroom.id),
        execution_options={"synchronize_session": False},
    )
    db.session.expunge(classroom)
