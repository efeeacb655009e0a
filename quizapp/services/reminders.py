"""Reminders by mail: what a learner opted in to, queued at their chosen hour by
`flask reminders queue`, and the reminder an instructor sends to those who have not passed.

Every message goes through the outbox with a key of (kind, address, what about, day), so
queueing again, or on two servers at once, adds nothing."""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.orm import joinedload

from quizapp.core.classes import DATE_TIME_PATTERN, local_time
from quizapp.core.progress import day_end, learner_day
from quizapp.core.scheduling import CardState
from quizapp.core.tokens import TokenProblem, make_token, read_token
from quizapp.core.words import plural
from quizapp.db import db, in_list
from quizapp.mail.setup import absolute_url
from quizapp.models import (
    Assignment,
    AssignmentExtension,
    ClassMembership,
    Classroom,
    Lesson,
    Module,
    ReviewCard,
    User,
)
from quizapp.models.classes import LEARNER
from quizapp.services.accounts import AccountError
from quizapp.services.class_evidence import Cell, standings
from quizapp.services.classes import require_active
from quizapp.services.errors import Refused
from quizapp.services.gradebook import class_gradebook
from quizapp.services.letters import Letter, post_letters
from quizapp.services.reviews import LEARN_AHEAD

# The kinds a learner can opt out of, with the setting each one switches off and what the
# unsubscribe page calls them.
REVIEWS, DUE_SOON, OVERDUE, CLASS_REMINDER = "reviews", "due-soon", "overdue", "class-reminder"
OPT_OUTS = {
    REVIEWS: ("remind_reviews", "reviews waiting for you"),
    DUE_SOON: ("remind_due_soon", "assignments due within a day"),
    OVERDUE: ("remind_overdue", "assignments that have become overdue"),
}
# A review takes about ten seconds; the reminder says how long the waiting ones will take.
SECONDS_PER_REVIEW = 10
WINDOW = timedelta(days=1)
# Each learner's windows start at the hour on their clock, and a day is 23 to 25 hours long.
SLACK = timedelta(hours=2)


def _unsubscribe_url(user_id: int, kind: str) -> str:
    token = make_token(current_app.config["SECRET_KEY"], "unsubscribe", {"u": user_id, "k": kind})
    return absolute_url("reminders.unsubscribe", token=token)


# ---------------------------------------------------------------------------------------------
# A learner's choices


def update_preferences(
    user: User,
    *,
    reminder_hour: int,
    remind_reviews: bool,
    remind_due_soon: bool,
    remind_overdue: bool,
) -> None:
    if not 0 <= reminder_hour <= 23:
        raise AccountError("reminder_hour", "Choose an hour from 00:00 to 23:00.")
    user.reminder_hour = reminder_hour
    user.remind_reviews = remind_reviews
    user.remind_due_soon = remind_due_soon
    user.remind_overdue = remind_overdue
    db.session.flush()


@dataclass(frozen=True)
class OptOut:
    user: User
    kind: str
    label: str

    @property
    def subscribed(self) -> bool:
        return bool(getattr(self.user, OPT_OUTS[self.kind][0]))


def read_unsubscribe(token: str) -> OptOut:
    """Whose reminders of which kind an unsubscribe link stops; 404 for a link that was not
    made by this site (tampered, or cut short)."""
    try:
        # Unsubscribe links never expire: an old message must still be able to stop the next.
        payload = read_token(
            current_app.config["SECRET_KEY"], "unsubscribe", token, now=datetime.min, max_age=None
        )
    except TokenProblem:
        raise Refused(
            404, "This unsubscribe link is not valid. Change your reminders in Settings instead."
        ) from None
    user = db.session.get(User, payload.get("u")) if isinstance(payload.get("u"), int) else None
    kind = payload.get("k")
    if user is None or kind not in OPT_OUTS:
        raise Refused(404, "This unsubscribe link belongs to an account that no longer exists.")
    return OptOut(user, kind, OPT_OUTS[kind][1])


def unsubscribe(opt_out: OptOut) -> None:
    """Stop that kind of reminder (again, harmlessly, if it was stopped already)."""
    setattr(opt_out.user, OPT_OUTS[opt_out.kind][0], False)
    db.session.flush()


# ---------------------------------------------------------------------------------------------
# The scheduled run


@dataclass
class QueueReport:
    considered: int = 0
    reviews: int = 0
    due_soon: int = 0
    overdue: int = 0
    seconds: float = 0.0

    @property
    def queued(self) -> int:
        return self.reviews + self.due_soon + self.overdue

    def line(self) -> str:
        return (
            f"{self.queued} reminder(s) queued ({self.reviews} reviews, {self.due_soon} due "
            f"soon, {self.overdue} overdue) for {self.considered} learner(s) at their hour, "
            f"in {self.seconds:.2f} s."
        )


_OPTED_IN = select(
    User.id,
    User.email,
    User.display_name,
    User.time_zone,
    User.reminder_hour,
    User.remind_reviews,
    User.remind_due_soon,
    User.remind_overdue,
    User.reviews_per_day,
).where(
    User.email_verified_at.is_not(None),
    User.remind_reviews | User.remind_due_soon | User.remind_overdue,
)


def _reviews_due(learners: dict, user_ids: list[int], now: datetime):
    """(learner id, reviews due) for each learner with some, counted as their dashboard
    counts them: reviews due before their day ends (4 a.m.), and relearning steps due within
    LEARN_AHEAD. One query; learners whose day ends at the same instant share a condition."""
    by_end: dict[datetime, list[int]] = defaultdict(list)
    for user_id in user_ids:
        zone = learners[user_id].time_zone
        by_end[day_end(learner_day(now, zone), zone)].append(user_id)
    params: dict = {"soon": now + LEARN_AHEAD}
    groups = []
    for n, (end, ids) in enumerate(by_end.items()):
        params[f"users{n}"], params[f"end{n}"] = ids, end
        groups.append(
            and_(
                in_list(ReviewCard.user_id, f"users{n}"),
                or_(
                    and_(
                        ReviewCard.state == int(CardState.REVIEW),
                        ReviewCard.due < bindparam(f"end{n}"),
                    ),
                    and_(
                        ReviewCard.state != int(CardState.REVIEW),
                        ReviewCard.due <= bindparam("soon"),
                    ),
                ),
            )
        )
    return db.session.execute(
        select(ReviewCard.user_id, func.count())
        .where(or_(*groups), ReviewCard.reps > 0, ReviewCard.suspended_at.is_(None))
        .group_by(ReviewCard.user_id),
        params,
    )


# The learner's own due date: their extension's, else the class's.
_OWN_DUE = func.coalesce(AssignmentExtension.due_at, Assignment.due_at)
# The assignments of the learners' live classes that fall due, or fell due, by the learner's
# own date, within a day (and the slack below) of now; each learner's windows are narrowed
# in Python.
_ASSIGNMENTS_NEAR = (
    select(Assignment, Classroom, ClassMembership.user_id)
    .join(Classroom, Classroom.id == Assignment.class_id)
    .join(ClassMembership, ClassMembership.class_id == Classroom.id)
    .outerjoin(
        AssignmentExtension,
        (AssignmentExtension.assignment_id == Assignment.id)
        & (AssignmentExtension.user_id == ClassMembership.user_id),
    )
    # The titles the messages give, not a query per module or lesson assigned.
    .options(
        joinedload(Assignment.module).load_only(Module.title),
        joinedload(Assignment.lesson).load_only(Lesson.title),
    )
    .where(
        in_list(ClassMembership.user_id, "user_ids"),
        ClassMembership.role == LEARNER,
        Classroom.archived_at.is_(None),
        bindparam("since") < _OWN_DUE,
        bindparam("until") >= _OWN_DUE,
    )
    .order_by(Assignment.due_at, Assignment.id)
)


def _hour_windows(now: datetime, time_zone: str) -> tuple[datetime, datetime, datetime]:
    """When this hour began on the learner's clock, and the same hour yesterday and tomorrow
    (UTC). Every run within the hour, and the next day's, sees the same windows, so a due
    time falls in one day's window of each kind; a day either side of `now` itself would
    let the next quarter's run, or the next day's, find it again."""
    local = now.astimezone(ZoneInfo(time_zone)).replace(minute=0, second=0, microsecond=0)
    yesterday, this_hour, tomorrow = (
        (local + timedelta(days=days)).astimezone(UTC) for days in (-1, 0, 1)
    )
    return yesterday, this_hour, tomorrow


def _local_hour(now: datetime, time_zone: str, hours: dict[str, int]) -> int:
    if time_zone not in hours:
        hours[time_zone] = now.astimezone(ZoneInfo(time_zone)).hour
    return hours[time_zone]


def queue_reminders(*, now: datetime) -> QueueReport:
    """Queue the reminders of every learner whose chosen hour it is now in their own time
    zone and who has something to do. The same statements whatever the number of learners:
    the learners, their reviews, their assignments and standings, and one INSERT a kind."""
    started = time.perf_counter()
    report = QueueReport()
    hours: dict[str, int] = {}
    learners = {
        row.id: row
        for row in db.session.execute(_OPTED_IN)
        if _local_hour(now, row.time_zone, hours) == row.reminder_hour
    }
    report.considered = len(learners)
    if not learners:
        report.seconds = time.perf_counter() - started
        return report

    wants_reviews = [uid for uid, row in learners.items() if row.remind_reviews]
    if wants_reviews:
        report.reviews = post_letters(
            [
                _review_reminder(learners[user_id], due, now)
                for user_id, due in _reviews_due(learners, wants_reviews, now)
            ],
            now=now,
        )

    wants_assignments = [
        uid for uid, row in learners.items() if row.remind_due_soon or row.remind_overdue
    ]
    if wants_assignments:
        rows = db.session.execute(
            _ASSIGNMENTS_NEAR,
            {
                "user_ids": wants_assignments,
                "since": now - WINDOW - SLACK,
                "until": now + WINDOW + SLACK,
            },
        ).all()
        classes = {assignment.id: classroom for assignment, classroom, _ in rows}
        windows: dict[str, tuple[datetime, datetime, datetime]] = {}
        unfinished: dict[tuple[int, str], list[tuple[Assignment, Cell]]] = defaultdict(list)
        for assignment, user_id, cell in standings([(a, u) for a, _, u in rows], now):
            if cell.status.is_done:
                continue
            zone = learners[user_id].time_zone
            if zone not in windows:
                windows[zone] = _hour_windows(now, zone)
            yesterday, this_hour, tomorrow = windows[zone]
            if yesterday < cell.due_at <= this_hour:
                unfinished[user_id, OVERDUE].append((assignment, cell))
            # One that fell due since the hour began is overdue tomorrow, not due soon today.
            elif now < cell.due_at <= tomorrow:
                unfinished[user_id, DUE_SOON].append((assignment, cell))
        letters: dict[str, list[Letter]] = {OVERDUE: [], DUE_SOON: []}
        for (user_id, kind), items in unfinished.items():
            learner = learners[user_id]
            if getattr(learner, OPT_OUTS[kind][0]):
                letters[kind].append(_assignment_reminder(learner, items, classes, kind, now))
        report.overdue = post_letters(letters[OVERDUE], now=now)
        report.due_soon = post_letters(letters[DUE_SOON], now=now)
    report.seconds = time.perf_counter() - started
    return report


def _review_reminder(learner, due: int, now: datetime) -> Letter:
    due = min(due, learner.reviews_per_day)
    minutes = max(1, math.ceil(due * SECONDS_PER_REVIEW / 60))
    reviews = plural(due, "review")
    return Letter(
        kind=REVIEWS,
        recipient=learner.email,
        subject=f"{reviews} {'is' if due == 1 else 'are'} due",
        greeting=f"Hello {learner.display_name},",
        paragraphs=[
            f"{reviews} {'is' if due == 1 else 'are'} waiting for you. About "
            f"{plural(minutes, 'minute')} keeps what you learned fresh and your "
            "streak going."
        ],
        action_label="Start reviewing",
        action_url=absolute_url("review.session"),
        about="",
        day=learner_day(now, learner.time_zone),
        user_id=learner.id,
        footer=["You asked for this reminder on days when reviews are due."],
        unsubscribe_url=_unsubscribe_url(learner.id, REVIEWS),
    )


def due_words(due_at: datetime, classroom: Classroom) -> str:
    """ "Fri 11 Dec 2026, 17:00 (Europe/Paris)": when it is due, as the class's pages say it."""
    local = local_time(due_at, classroom.time_zone)
    return f"{local.strftime(DATE_TIME_PATTERN)} ({classroom.time_zone})"


def _assignment_reminder(learner, items, classes, kind: str, now: datetime) -> Letter:
    count = len(items)
    if kind == OVERDUE:
        subject = (
            f"Overdue: {items[0][0].title}" if count == 1 else f"{count} assignments are overdue"
        )
        intro = "The due date has passed for work you have not finished yet:"
        footer = "You asked to be told when an assignment becomes overdue."
    else:
        subject = (
            f"Due within a day: {items[0][0].title}"
            if count == 1
            else f"{count} assignments are due within a day"
        )
        intro = "This work is due within a day and is not finished yet:"
        footer = "You asked to be told a day before an assignment is due."
    lines = [
        f"{assignment.title} ({classes[assignment.id].name}), due "
        f"{due_words(cell.due_at, classes[assignment.id])}: {cell.standing.words}."
        for assignment, cell in items
    ]
    return Letter(
        kind=kind,
        recipient=learner.email,
        subject=subject,
        greeting=f"Hello {learner.display_name},",
        paragraphs=[intro, *lines],
        action_label="See your assignments",
        action_url=absolute_url("learn.today"),
        about="",
        day=learner_day(now, learner.time_zone),
        user_id=learner.id,
        footer=[footer],
        unsubscribe_url=_unsubscribe_url(learner.id, kind),
    )


# ---------------------------------------------------------------------------------------------
# An instructor reminds those who have not passed


@dataclass(frozen=True)
class ClassReminder:
    assignment: Assignment
    # Learners who have not finished it, with their standing and own due date, who will get
    # the message.
    recipients: list[tuple[User, Cell]]
    # Those who have not finished it but whose address is not confirmed: no message.
    unreachable: list[tuple[User, Cell]]
    sent_today: bool


def _class_day(classroom: Classroom, instant: datetime) -> date:
    return local_time(instant, classroom.time_zone).date()


def class_reminder(*, classroom: Classroom, assignment: Assignment, now: datetime) -> ClassReminder:
    """Who a reminder about `assignment` would reach (the gradebook's queries)."""
    book = class_gradebook(classroom=classroom, now=now)
    recipients, unreachable = [], []
    for row in book.rows:
        cell = row.cells[assignment.id]
        if not cell.standing.is_done:
            (recipients if row.learner.email_verified_at else unreachable).append(
                (row.learner, cell)
            )
    sent_today = assignment.last_reminded_at is not None and _class_day(
        classroom, assignment.last_reminded_at
    ) == _class_day(classroom, now)
    return ClassReminder(assignment, recipients, unreachable, sent_today)


def send_class_reminder(
    *, classroom: Classroom, assignment: Assignment, instructor: User, now: datetime
) -> int:
    """Queue one message to each learner who has not finished the assignment; once a day per
    assignment (409 after that). How many were queued."""
    require_active(classroom)
    preview = class_reminder(classroom=classroom, assignment=assignment, now=now)
    if preview.sent_today:
        raise Refused(
            409,
            "A reminder about this assignment went out today already. You can send "
            "another tomorrow.",
        )
    if not preview.recipients:
        raise Refused(409, "Everyone who can be reached has finished this assignment.")
    day = _class_day(classroom, now)
    letters = [
        Letter(
            kind=CLASS_REMINDER,
            recipient=learner.email,
            subject=f"Reminder: {assignment.title} is due {due_words(cell.due_at, classroom)}",
            greeting=f"Hello {learner.display_name},",
            paragraphs=[
                f"{instructor.display_name} reminds you that {assignment.title} in "
                f"{classroom.name} is due {due_words(cell.due_at, classroom)}.",
                f"Where you stand: {cell.standing.words}."
                + (f" The pass mark is {assignment.pass_mark}%." if assignment.pass_mark else ""),
            ],
            action_label="Open the class",
            action_url=absolute_url("classes.overview", class_id=classroom.id),
            about=f"assignment:{assignment.id}",
            day=day,
            user_id=learner.id,
            footer=[f"Sent by {instructor.display_name}, an instructor of {classroom.name}."],
        )
        for learner, cell in preview.recipients
    ]
    queued = post_letters(letters, now=now)
    assignment.last_reminded_at = now
    db.session.flush()
    return queued
