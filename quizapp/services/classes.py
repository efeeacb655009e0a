"""Classes: creating them, joining with a code, rosters, assignments, and who may see what.

Every lookup by id goes through `class_access`, so an id from another class is a 404 whatever
the route. Admins may look at any class; instructors at the classes they teach; learners at
the classes they are in, and never at the instructor pages.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload, load_only

from quizapp.core.accounts import time_zones
from quizapp.core.classes import due_from_local, new_join_code, normalize_join_code
from quizapp.db import db
from quizapp.models import (
    ActivityDay,
    Assignment,
    ClassMembership,
    Classroom,
    Lesson,
    Module,
    User,
)
from quizapp.models.classes import INSTRUCTOR, LEARNER
from quizapp.services.accounts import user_by_email
from quizapp.services.catalogue import WITHOUT_TEXT, catalogue_modules
from quizapp.services.errors import Refused

TEACHING_ROLES = ("instructor", "admin")
MAX_YEARS_AHEAD = 5
_codes = random.SystemRandom()


class ClassFormError(Refused):
    """A refused class form, naming the field to show the message beside."""

    def __init__(self, field: str, message: str, status: int = 400):
        super().__init__(status, message)
        self.field = field


# Who may create a class: any signed-in account (as in Google Classroom), or only accounts
# an administrator made instructors (CLASS_CREATORS=instructors).
CLASS_CREATORS = ("anyone", "instructors")


def can_create_classes(user: User, *, creators: str) -> bool:
    return creators == "anyone" or user.role in TEACHING_ROLES


def site_admins(limit: int = 3) -> list[User]:
    """Whom to ask for an instructor's account, where only instructors create classes."""
    return list(
        db.session.scalars(select(User).where(User.role == "admin").order_by(User.id).limit(limit))
    )


def _check_details(name: str, time_zone: str) -> str:
    name = name.strip()
    if not name:
        raise ClassFormError("name", "Give the class a name.")
    if time_zone not in time_zones():
        raise ClassFormError("time_zone", "Choose a time zone from the list.")
    return name


def _unused_join_code() -> str:
    # 29^8 codes: a clash is all but impossible, but checking costs one indexed read.
    while True:
        code = new_join_code(_codes)
        if db.session.scalar(select(Classroom.id).where(Classroom.join_code == code)) is None:
            return code


def create_class(
    *, owner: User, name: str, description: str, time_zone: str, creators: str = "instructors"
) -> Classroom:
    """A new class with a fresh join code; its creator is its first instructor, and a learner's
    account that creates one becomes an instructor's (which is what teaching a class takes)."""
    if not can_create_classes(owner, creators=creators):
        raise Refused(403, "Only instructors can create classes on this site.")
    name = _check_details(name, time_zone)
    if owner.role not in TEACHING_ROLES:
        owner.role = INSTRUCTOR
    classroom = Classroom(
        name=name,
        description=description.strip(),
        time_zone=time_zone,
        owner_id=owner.id,
        join_code=_unused_join_code(),
    )
    db.session.add(classroom)
    db.session.flush()
    db.session.add(ClassMembership(class_id=classroom.id, user_id=owner.id, role=INSTRUCTOR))
    db.session.flush()
    return classroom


def update_class(classroom: Classroom, *, name: str, description: str, time_zone: str) -> None:
    classroom.name = _check_details(name, time_zone)
    classroom.description = description.strip()
    classroom.time_zone = time_zone
    db.session.flush()


def regenerate_join_code(classroom: Classroom) -> None:
    """A new code; the old one stops working at once."""
    classroom.join_code = _unused_join_code()
    db.session.flush()


def set_joining(classroom: Classroom, *, open: bool) -> None:
    classroom.joining_open = open
    db.session.flush()


@dataclass(frozen=True)
class ClassAccess:
    classroom: Classroom
    # The viewer's role on the class's pages: "instructor" or "learner".
    role: str
    # Their own place on the roster, if any: an admin looking in has none.
    membership: str | None

    @property
    def teaching(self) -> bool:
        return self.role == INSTRUCTOR


def class_access(*, user: User, class_id: int, teaching: bool = False) -> ClassAccess:
    """The class and the viewer's role in it, in one query; 404 for a class they are not in
    (so ids reveal nothing), 403 for anyone but its instructors on an instructor's page.

    Admins teach every class. An instructor whose account is no longer an instructor's keeps
    their place on the roster but loses the instructor's pages."""
    row = db.session.execute(
        select(Classroom, ClassMembership.role)
        .outerjoin(
            ClassMembership,
            (ClassMembership.class_id == Classroom.id) & (ClassMembership.user_id == user.id),
        )
        .where(Classroom.id == class_id)
    ).first()
    if row is None or (row[1] is None and user.role != "admin"):
        raise Refused(404, "There is no such class.")
    classroom, membership = row
    if user.role == "admin":
        role = INSTRUCTOR
    elif membership == INSTRUCTOR and user.role not in TEACHING_ROLES:
        role = LEARNER
    else:
        role = membership
    if teaching and role != INSTRUCTOR:
        raise Refused(403, "Only the class's instructors can see this page.")
    return ClassAccess(classroom, role, membership)


def class_by_code(code: str) -> Classroom | None:
    """The class a join code opens, if joining it is switched on."""
    return db.session.scalar(
        select(Classroom).where(
            Classroom.join_code == normalize_join_code(code),
            Classroom.joining_open.is_(True),
            Classroom.archived_at.is_(None),
        )
    )


def join_class(*, user: User, code: str, now: datetime) -> Classroom:
    """Join the class the code opens, once."""
    classroom = class_by_code(code)
    if classroom is None:
        raise ClassFormError(
            "code",
            "That code does not open a class. Check it with your instructor: codes can be "
            "changed or switched off.",
        )
    role = role_in(classroom, user)
    if role is not None:
        what = "teach" if role == INSTRUCTOR else "are already in"
        raise ClassFormError("code", f"You {what} {classroom.name}.", status=409)
    if not enrol_learner(classroom=classroom, user=user, now=now):
        # The same join sent twice at once: the first one stands.
        raise ClassFormError("code", f"You are already in {classroom.name}.", status=409)
    return classroom


def role_in(classroom: Classroom, user: User) -> str | None:
    """The user's role on the class's roster, or None when they are not on it."""
    return db.session.scalar(
        select(ClassMembership.role).where(
            ClassMembership.class_id == classroom.id, ClassMembership.user_id == user.id
        )
    )


def enrol_learner(*, classroom: Classroom, user: User, now: datetime) -> bool:
    """Put the user on the roster as a learner; False when a request racing this one did
    first (the unique constraint decides, and the session stays usable)."""
    try:
        with db.session.begin_nested():
            db.session.add(
                ClassMembership(class_id=classroom.id, user_id=user.id, role=LEARNER, joined_at=now)
            )
    except IntegrityError:
        return False
    return True


def leave_or_remove(*, classroom: Classroom, user_id: int) -> User:
    """Take a learner off the roster; their own progress stays theirs."""
    learner = class_learner(classroom=classroom, user_id=user_id)
    db.session.execute(
        delete(ClassMembership).where(
            ClassMembership.class_id == classroom.id, ClassMembership.user_id == learner.id
        )
    )
    return learner


def add_instructor(*, classroom: Classroom, email: str, creators: str = "instructors") -> User:
    """Make another account a co-teacher of the class: an instructor's, or, where anyone
    may create classes, any account (which becomes an instructor's, as creating one would)."""
    user = user_by_email(email)
    if user is None:
        raise ClassFormError("email", "No account has that email. Ask them to sign up first.")
    if user.role not in TEACHING_ROLES:
        if creators != "anyone":
            raise ClassFormError("email", "No instructor account has that email.")
        user.role = INSTRUCTOR
    membership = db.session.scalar(
        select(ClassMembership).where(
            ClassMembership.class_id == classroom.id, ClassMembership.user_id == user.id
        )
    )
    if membership is not None and membership.role == INSTRUCTOR:
        raise ClassFormError("email", f"{user.display_name} already teaches this class.", 409)
    if membership is None:
        db.session.add(ClassMembership(class_id=classroom.id, user_id=user.id, role=INSTRUCTOR))
    else:
        membership.role = INSTRUCTOR
    db.session.flush()
    return user


def remove_instructor(*, classroom: Classroom, user_id: int) -> User:
    """Take a co-instructor off the class (themselves included); its owner stays."""
    user = _member(classroom, user_id, INSTRUCTOR)
    if user is None:
        raise Refused(404, "There is no such instructor in this class.")
    if user.id == classroom.owner_id:
        raise Refused(400, f"{user.display_name} owns {classroom.name} and stays its instructor.")
    db.session.execute(
        delete(ClassMembership).where(
            ClassMembership.class_id == classroom.id, ClassMembership.user_id == user.id
        )
    )
    return user


@dataclass(frozen=True)
class ClassSummary:
    classroom: Classroom
    role: str
    learners: int
    assignments: int


def my_classes(user: User) -> list[ClassSummary]:
    """The classes a user teaches or is in, with their sizes (one query)."""
    learners = (
        select(func.count())
        .where(ClassMembership.class_id == Classroom.id, ClassMembership.role == LEARNER)
        .correlate(Classroom)
        .scalar_subquery()
    )
    assignments = (
        select(func.count())
        .where(Assignment.class_id == Classroom.id)
        .correlate(Classroom)
        .scalar_subquery()
    )
    mine = aliased(ClassMembership)
    rows = db.session.execute(
        select(Classroom, mine.role, learners, assignments)
        .join(mine, mine.class_id == Classroom.id)
        .where(mine.user_id == user.id, Classroom.archived_at.is_(None))
        .order_by(Classroom.name, Classroom.id)
    ).all()
    return [ClassSummary(*row) for row in rows]


def class_people(classroom: Classroom) -> tuple[list[User], list[User]]:
    """The class's instructors and learners, each sorted by name (one query), with what the
    class's pages show of them."""
    rows = db.session.execute(
        select(User, ClassMembership.role)
        .options(load_only(User.id, User.email, User.display_name))
        .join(ClassMembership, ClassMembership.user_id == User.id)
        .where(ClassMembership.class_id == classroom.id)
        .order_by(func.lower(User.display_name), User.id)
    ).all()
    instructors = [user for user, role in rows if role == INSTRUCTOR]
    learners = [user for user, role in rows if role == LEARNER]
    return instructors, learners


@dataclass(frozen=True)
class RosterLine:
    learner: User
    joined_at: datetime
    # The learner's last day with answers or reviews (their own calendar day), if any.
    last_active: date | None


def class_roster(classroom: Classroom) -> list[RosterLine]:
    """The class's learners by name, with when they joined and were last active (two
    queries whatever the class's size)."""
    rows = db.session.execute(
        select(User, ClassMembership.joined_at)
        .options(load_only(User.id, User.email, User.display_name))
        .join(ClassMembership, ClassMembership.user_id == User.id)
        .where(ClassMembership.class_id == classroom.id, ClassMembership.role == LEARNER)
        .order_by(func.lower(User.display_name), User.id)
    ).all()
    last_active = dict(
        db.session.execute(
            select(ActivityDay.user_id, func.max(ActivityDay.day))
            .where(
                ActivityDay.user_id.in_(
                    select(ClassMembership.user_id).where(
                        ClassMembership.class_id == classroom.id, ClassMembership.role == LEARNER
                    )
                )
            )
            .group_by(ActivityDay.user_id)
        ).all()
    )
    return [RosterLine(user, joined, last_active.get(user.id)) for user, joined in rows]


def _member(classroom: Classroom, user_id: int, role: str) -> User | None:
    return db.session.scalar(
        select(User)
        .join(ClassMembership, ClassMembership.user_id == User.id)
        .where(
            ClassMembership.class_id == classroom.id,
            ClassMembership.user_id == user_id,
            ClassMembership.role == role,
        )
    )


def class_learner(*, classroom: Classroom, user_id: int) -> User:
    learner = _member(classroom, user_id, LEARNER)
    if learner is None:
        raise Refused(404, "That learner is not in this class.")
    return learner


# Titles and slugs for the pages that list assignments; a lesson's text is read on its own page.
_WHAT_IS_ASSIGNED = (
    joinedload(Assignment.module),
    joinedload(Assignment.lesson).options(*WITHOUT_TEXT),
)


def class_assignments(classroom: Classroom) -> list[Assignment]:
    """The class's assignments, soonest due first, with what they assign (one query)."""
    return list(
        db.session.scalars(
            select(Assignment)
            .options(*_WHAT_IS_ASSIGNED)
            .where(Assignment.class_id == classroom.id)
            .order_by(Assignment.due_at, Assignment.id)
        )
    )


def class_assignment(*, classroom: Classroom, assignment_id: int) -> Assignment:
    assignment = db.session.scalar(
        select(Assignment)
        .options(*_WHAT_IS_ASSIGNED)
        .where(Assignment.id == assignment_id, Assignment.class_id == classroom.id)
    )
    if assignment is None:
        raise Refused(404, "There is no such assignment in this class.")
    return assignment


def assignable_targets() -> list[tuple[str, str, list[tuple[str, str]]]]:
    """What can be assigned, for a grouped select: each live module, then its lessons."""
    return [
        (
            f"module:{entry.module.slug}",
            entry.module.title,
            [(f"lesson:{lesson.slug}", lesson.title) for lesson in entry.lessons],
        )
        for entry in catalogue_modules()
    ]


def _target(value: str) -> tuple[Module | None, Lesson | None]:
    kind, _, slug = value.partition(":")
    if kind == "module":
        module = db.session.scalar(
            select(Module).where(Module.slug == slug, Module.retired_at.is_(None))
        )
        if module is not None:
            return module, None
    elif kind == "lesson":
        lesson = db.session.scalar(
            select(Lesson)
            .join(Lesson.module)
            .where(Lesson.slug == slug, Lesson.retired_at.is_(None), Module.retired_at.is_(None))
        )
        if lesson is not None:
            return None, lesson
    raise ClassFormError("target", "Choose a module or lesson from the list.")


def _check_assignment(
    classroom: Classroom,
    *,
    due_local: datetime,
    pass_mark: int | None,
    now: datetime,
    unchanged: datetime | None = None,
) -> datetime:
    """The due date as a UTC instant. It must be in the future unless it is the one already
    set (`unchanged`), so a past assignment's pass mark can still be corrected."""
    if due_local.year > now.year + MAX_YEARS_AHEAD:
        raise ClassFormError("due", f"Choose a due date within {MAX_YEARS_AHEAD} years.")
    # Years far back are refused before the time zone arithmetic, which cannot reach them.
    due_at = due_from_local(due_local, classroom.time_zone) if due_local.year > 1 else None
    if due_at is None or (due_at != unchanged and due_at <= now):
        raise ClassFormError("due", "Choose a due date and time in the future.")
    if pass_mark is not None and not 1 <= pass_mark <= 100:
        raise ClassFormError("pass_mark", "A pass mark goes from 1 to 100%, or leave it empty.")
    return due_at


def create_assignment(
    *,
    classroom: Classroom,
    by: User,
    target: str,
    due_local: datetime,
    pass_mark: int | None,
    now: datetime,
    instructions: str = "",
) -> Assignment:
    """Assign a live module or lesson, due at a local time in the class's time zone."""
    module, lesson = _target(target)
    due_at = _check_assignment(classroom, due_local=due_local, pass_mark=pass_mark, now=now)
    assignment = Assignment(
        class_id=classroom.id,
        module_id=module.id if module else None,
        lesson_id=lesson.id if lesson else None,
        due_at=due_at,
        pass_mark=pass_mark,
        instructions=instructions.strip(),
        created_by_id=by.id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(assignment)
    except IntegrityError:
        title = (module or lesson).title
        raise ClassFormError(
            "target", f"“{title}” is already assigned to this class: change its due date.", 409
        ) from None
    return assignment


def update_assignment(
    assignment: Assignment,
    *,
    due_local: datetime,
    pass_mark: int | None,
    now: datetime,
    instructions: str | None = None,
) -> None:
    """Move the due date, change the pass mark or the instructions; statuses follow at once."""
    assignment.due_at = _check_assignment(
        assignment.classroom,
        due_local=due_local,
        pass_mark=pass_mark,
        now=now,
        unchanged=assignment.due_at,
    )
    assignment.pass_mark = pass_mark
    if instructions is not None:
        assignment.instructions = instructions.strip()
    db.session.flush()


def delete_assignment(assignment: Assignment) -> None:
    db.session.delete(assignment)
    db.session.flush()
