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
from quizapp.core.assignments import AttemptPolicy, default_policy
from quizapp.core.classes import (
    csv_text,
    due_from_local,
    local_time,
    new_join_code,
    normalize_join_code,
)
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


def require_active(classroom: Classroom) -> None:
    """Refuse any change to an archived class (409): it stays read-only, reports included,
    until its owner restores it."""
    if classroom.archived_at is not None:
        raise Refused(409, f"{classroom.name} is archived: restore it to make changes.")


def update_class(classroom: Classroom, *, name: str, description: str, time_zone: str) -> None:
    require_active(classroom)
    classroom.name = _check_details(name, time_zone)
    classroom.description = description.strip()
    classroom.time_zone = time_zone
    db.session.flush()


def regenerate_join_code(classroom: Classroom) -> None:
    """A new code; the old one stops working at once."""
    require_active(classroom)
    classroom.join_code = _unused_join_code()
    db.session.flush()


def set_joining(classroom: Classroom, *, open: bool) -> None:
    require_active(classroom)
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


def _code_opens(code: str):
    return select(Classroom).where(
        Classroom.join_code == normalize_join_code(code), Classroom.joining_open.is_(True)
    )


def class_by_code(code: str) -> Classroom | None:
    """The class a join code opens, if joining it is switched on and it is not archived."""
    return db.session.scalar(_code_opens(code).where(Classroom.archived_at.is_(None)))


def join_class(*, user: User, code: str, now: datetime) -> Classroom:
    """Join the class the code opens, once; an archived class takes nobody (409)."""
    classroom = db.session.scalar(_code_opens(code))
    if classroom is None:
        raise ClassFormError(
            "code",
            "That code does not open a class. Check it with your instructor: codes can be "
            "changed or switched off.",
        )
    if classroom.archived_at is not None:
        # Said to the one joining, who cannot restore it, not require_active's words.
        raise ClassFormError(
            "code", f"{classroom.name} is archived: it takes no new learners.", 409
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
    require_active(classroom)
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
    require_active(classroom)
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
    require_active(classroom)
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
    """The classes a user teaches or is in, archived ones too (the page lists them apart),
    with their sizes (one query)."""
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
        .where(mine.user_id == user.id)
        .order_by(Classroom.name, Classroom.id)
    ).all()
    return [ClassSummary(*row) for row in rows]


def class_people(classroom: Classroom) -> tuple[list[User], list[User]]:
    """The class's instructors and learners, each sorted by name (one query), with what the
    class's pages show of them (and their time zone, which decides their today)."""
    rows = db.session.execute(
        select(User, ClassMembership.role)
        # The role too: only an instructor's account can take over the class.
        .options(load_only(User.id, User.email, User.display_name, User.role, User.time_zone))
        .join(ClassMembership, ClassMembership.user_id == User.id)
        .where(ClassMembership.class_id == classroom.id)
        .order_by(func.lower(User.display_name), User.id)
    ).all()
    instructors = [user for user, role in rows if role == INSTRUCTOR]
    learners = [user for user, role in rows if role == LEARNER]
    return instructors, learners


@dataclass(frozen=True)
class RosterLine:
    person: User
    joined_at: datetime
    # Their last day with answers or reviews (their own calendar day), if any.
    last_active: date | None
    role: str = LEARNER


ROSTER_SORTS = ("name", "joined", "active")


@dataclass(frozen=True)
class RosterOrder:
    """How the roster is sorted: by name, date joined or last active, either way."""

    sort: str = "name"
    descending: bool = False

    @classmethod
    def read(cls, sort: str | None, order: str | None) -> RosterOrder:
        """From a page's query string: anything unknown reads as names, A to Z."""
        if sort not in ROSTER_SORTS:
            return cls()
        return cls(sort, order == "desc")


def _name_key(line: RosterLine) -> tuple[str, int]:
    # In Python, not SQL: SQLite's lower() leaves accented letters alone, PostgreSQL's does not.
    return line.person.display_name.casefold(), line.person.id


_ROSTER_KEYS = {
    "joined": lambda line: line.joined_at,
    # Never active sorts as the longest ago.
    "active": lambda line: line.last_active or date.min,
}


def sort_roster(lines: list[RosterLine], order: RosterOrder) -> list[RosterLine]:
    """The lines in the order asked for; lines that tie stay in name order."""
    by_name = sorted(lines, key=_name_key)
    if order.sort not in _ROSTER_KEYS:
        return by_name[::-1] if order.descending else by_name
    # Python's sort is stable, reversed or not: ties keep the names' order.
    return sorted(by_name, key=_ROSTER_KEYS[order.sort], reverse=order.descending)


def _roster_lines(classroom: Classroom, roles: tuple[str, ...]) -> list[RosterLine]:
    """The class's people in these roles, with when they joined and were last active (two
    queries whatever the class's size)."""
    in_class = (ClassMembership.class_id == classroom.id, ClassMembership.role.in_(roles))
    rows = db.session.execute(
        select(User, ClassMembership.joined_at, ClassMembership.role)
        .options(load_only(User.id, User.email, User.display_name))
        .join(ClassMembership, ClassMembership.user_id == User.id)
        .where(*in_class)
    ).all()
    last_active = dict(
        db.session.execute(
            select(ActivityDay.user_id, func.max(ActivityDay.day))
            .where(ActivityDay.user_id.in_(select(ClassMembership.user_id).where(*in_class)))
            .group_by(ActivityDay.user_id)
        ).all()
    )
    return [RosterLine(user, joined, last_active.get(user.id), role) for user, joined, role in rows]


def class_roster(classroom: Classroom, order: RosterOrder = RosterOrder()) -> list[RosterLine]:
    """The class's learners, sorted as asked, with when they joined and were last active."""
    return sort_roster(_roster_lines(classroom, (LEARNER,)), order)


ROSTER_CSV_HEADER = ("Name", "Email", "Role", "Joined", "Last active")
CSV_DATE_TIME = "%Y-%m-%d %H:%M"


def roster_csv(classroom: Classroom) -> str:
    """Everyone in the class as CSV: the owner, the other instructors, then the learners, each
    by name. Joined in the class's time zone; last active is the person's own calendar day."""
    lines = sort_roster(_roster_lines(classroom, (INSTRUCTOR, LEARNER)), RosterOrder())

    def role_word(line: RosterLine) -> str:
        if line.person.id == classroom.owner_id:
            return "Owner"
        return "Instructor" if line.role == INSTRUCTOR else "Learner"

    ranks = {"Owner": 0, "Instructor": 1, "Learner": 2}
    rows = sorted(
        (
            (
                line.person.display_name,
                line.person.email,
                role_word(line),
                local_time(line.joined_at, classroom.time_zone).strftime(CSV_DATE_TIME),
                line.last_active.isoformat() if line.last_active else "",
            )
            for line in lines
        ),
        key=lambda row: ranks[row[2]],
    )
    return csv_text(ROSTER_CSV_HEADER, rows)


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


def due_instant(
    classroom: Classroom,
    due_local: datetime,
    *,
    now: datetime,
    unchanged: datetime | None = None,
    noun: str = "due date",
) -> datetime:
    """A date typed in the class's time zone as a UTC instant, within the next few years and
    in the future unless it is the one already set (`unchanged`)."""
    if due_local.year > now.year + MAX_YEARS_AHEAD:
        raise ClassFormError("due", f"Choose a {noun} within {MAX_YEARS_AHEAD} years.")
    # Years far back are refused before the time zone arithmetic, which cannot reach them.
    due_at = due_from_local(due_local, classroom.time_zone) if due_local.year > 1 else None
    if due_at is None or (due_at != unchanged and due_at <= now):
        raise ClassFormError("due", f"Choose a {noun} and time in the future.")
    return due_at


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
    due_at = due_instant(classroom, due_local, now=now, unchanged=unchanged)
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
    policy: AttemptPolicy | None = None,
) -> Assignment:
    """Assign a live module or lesson, due at a local time in the class's time zone, under an
    attempt policy (by default the one `default_policy` proposes for the pass mark). Quizzes
    count for it from now on: practice before it neither passes it nor uses up attempts."""
    require_active(classroom)
    module, lesson = _target(target)
    due_at = _check_assignment(classroom, due_local=due_local, pass_mark=pass_mark, now=now)
    policy = policy or default_policy(pass_mark)
    assignment = Assignment(
        class_id=classroom.id,
        module_id=module.id if module else None,
        lesson_id=lesson.id if lesson else None,
        due_at=due_at,
        pass_mark=pass_mark,
        instructions=instructions.strip(),
        created_by_id=by.id,
        created_at=now,
    )
    _set_policy(assignment, policy)
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
    policy: AttemptPolicy | None = None,
) -> None:
    """Move the due date, change the pass mark, the instructions or the attempt policy;
    statuses follow at once."""
    require_active(assignment.classroom)
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
    if policy is not None:
        _set_policy(assignment, policy)
    db.session.flush()


def _set_policy(assignment: Assignment, policy: AttemptPolicy) -> None:
    assignment.max_attempts = policy.max_attempts
    assignment.answers_shown = policy.answers_shown.value
    assignment.score_counts = policy.score_counts.value


def delete_assignment(assignment: Assignment) -> None:
    require_active(assignment.classroom)
    db.session.delete(assignment)
    db.session.flush()
