"""`flask reminders queue` at the bench's scale: what cron's run every 15 minutes costs, timed
in-process on the run's copy of the dataset (after the load, which measures the dataset as
generated), with its SQL statements counted.

Before it, every learner's address is marked verified and every other learner (5,000 of
10,000) opts in to all three kinds of reminder. Three runs, all at the same instant:

- spread: reminder hours spread over the day (hour = id // 2 mod 24, on each learner's own
  clock), so a run finds about 1/24 of them at their hour, as a real site would;
- worst: every one of them at their hour now, and in every class one assignment due in 12
  hours and one 12 hours overdue, so most have three messages to queue (outbox emptied first);
- again: the worst run once more, as the next quarter's cron or a second server would: the
  dedupe key must queue nothing new.

The worst run is also made on the tiny dataset (5 of its 10 learners opted in): its
statement count must equal the full dataset's.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, event, select, update

from bench.store import app_for
from quizapp.db import db
from quizapp.models import Assignment, User
from quizapp.models.mail import OutboxMessage
from quizapp.services.reminders import queue_reminders

RUNS = ("spread", "worst", "again")


def _opt_in(now: datetime) -> int:
    """Every learner verified; every other one opted in to every kind, hours spread."""
    learners = User.role == "learner"
    db.session.execute(update(User).where(learners).values(email_verified_at=now))
    opted = db.session.execute(
        update(User)
        .where(learners, User.id % 2 == 0)
        .values(
            remind_reviews=True,
            remind_due_soon=True,
            remind_overdue=True,
            reminder_hour=(User.id // 2) % 24,
        )
    ).rowcount
    db.session.commit()
    return opted


def _everyone_now(now: datetime) -> None:
    """Every opted-in learner's hour is now on their clock; every class has an assignment due
    within a day and one overdue since less than a day; no message is queued yet."""
    opted = (User.role == "learner", User.remind_reviews.is_(True))
    zones = db.session.scalars(select(User.time_zone).where(*opted).distinct()).all()
    for zone in zones:
        db.session.execute(
            update(User)
            .where(*opted, User.time_zone == zone)
            .values(reminder_hour=now.astimezone(ZoneInfo(zone)).hour)
        )
    firsts: dict[int, list[int]] = {}
    for assignment_id, class_id in db.session.execute(
        select(Assignment.id, Assignment.class_id).order_by(Assignment.class_id, Assignment.id)
    ):
        firsts.setdefault(class_id, []).append(assignment_id)
    for position, due in ((0, now + timedelta(hours=12)), (1, now - timedelta(hours=12))):
        ids = [found[position] for found in firsts.values() if len(found) > position]
        db.session.execute(update(Assignment).where(Assignment.id.in_(ids)).values(due_at=due))
    db.session.execute(delete(OutboxMessage))
    db.session.commit()


def _queue(app, now: datetime) -> dict[str, Any]:
    """One run as `flask reminders queue` makes it: a fresh session, the service, a commit."""
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
        event.listen(engine, "before_cursor_execute", record)
        try:
            started = time.perf_counter()
            report = queue_reminders(now=now)
            db.session.commit()
            seconds = time.perf_counter() - started
        finally:
            event.remove(engine, "before_cursor_execute", record)
    return {
        "seconds": seconds,
        "statements": len(statements),
        "at_their_hour": report.considered,
        "queued": report.queued,
        "reviews": report.reviews,
        "due_soon": report.due_soon,
        "overdue": report.overdue,
    }


def measure(url: str, tiny_url: str) -> dict[str, Any]:
    """The three runs on the full dataset and the worst one on the tiny dataset."""
    now = datetime.now(UTC)
    result: dict[str, Any] = {"at": now.isoformat(timespec="seconds")}
    for name, database in (("full", url), ("tiny", tiny_url)):
        app = app_for(database)
        runs: dict[str, Any] = {}
        try:
            with app.app_context():
                runs["opted_in"] = _opt_in(now)
            if name == "full":
                runs["spread"] = _queue(app, now)
            with app.app_context():
                _everyone_now(now)
            runs["worst"] = _queue(app, now)
            if name == "full":
                runs["again"] = _queue(app, now)
        finally:
            with app.app_context():
                db.engine.dispose()
        result[name] = runs
    return result
