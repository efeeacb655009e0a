"""The database behaves the same on SQLite and PostgreSQL where it matters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, literal, select
from sqlalchemy.exc import IntegrityError

from quizapp.db import UTCDateTime, in_list, utcnow, whole_days_between
from quizapp.models import ActivityDay, LessonProgress, User
from tests.factories import create_user


def test_foreign_keys_are_enforced(db):
    user = create_user()
    db.session.add(LessonProgress(user_id=user.id, lesson_id=987654, started_at=utcnow()))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_deleting_a_user_deletes_their_activity(db):
    user = create_user()
    db.session.add(ActivityDay(user_id=user.id, day=utcnow().date(), answers=3, reviews=0))
    db.session.commit()
    db.session.delete(user)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(ActivityDay)) == 0


DAY_ONE = datetime(2026, 3, 28, 9, 30, 15, 250000, tzinfo=UTC)


@pytest.mark.parametrize(
    "end",
    [
        DAY_ONE,
        DAY_ONE + timedelta(days=1),
        DAY_ONE + timedelta(days=1, seconds=-1),
        DAY_ONE + timedelta(days=1, seconds=1),
        DAY_ONE + timedelta(days=412, hours=23),
        DAY_ONE - timedelta(days=3),
        datetime(2026, 3, 29, 9, 30, 15, 250000, tzinfo=ZoneInfo("Europe/Paris")),
    ],
)
def test_whole_days_between_counts_elapsed_days_as_fsrs_does(db, end):
    """The gradebook predicts recall in SQL; it must count days exactly as Python does."""
    days = db.session.scalar(
        select(whole_days_between(literal(DAY_ONE, UTCDateTime()), literal(end, UTCDateTime())))
    )
    assert days == max(0, (end - DAY_ONE).days)


@pytest.mark.parametrize(
    "written",
    [
        datetime(2026, 3, 29, 9, 30, 15, 250001, tzinfo=ZoneInfo("Europe/Paris")),
        datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC),
        None,
    ],
)
def test_timestamps_come_back_as_the_same_instant_in_utc(db, written):
    """Due dates, streaks and recall compare timestamps from either backend with aware ones."""
    read = db.session.scalar(select(literal(written, UTCDateTime())))
    assert read == written
    if written is not None:
        assert read.utcoffset() == timedelta(0)


def test_a_statement_built_once_takes_lists_of_any_length(db):
    """Lists are bound when the statement runs: an array on PostgreSQL, items on SQLite."""
    ids = [create_user(email=f"user{n}@example.com").id for n in range(3)]
    statement = select(User.id).where(in_list(User.id, "ids")).order_by(User.id)
    for wanted in ([], ids[1:2], [*ids, *range(10_000, 10_500)]):
        found = db.session.scalars(statement, {"ids": wanted}).all()
        assert found == [user_id for user_id in ids if user_id in wanted]


def test_postgresql_sessions_stay_in_utc_whatever_the_server_zone(db, is_postgres):
    """Timestamps come back in UTC without a conversion each, even on a connection the pool
    has rolled back, which would undo a SET made inside a transaction."""
    if not is_postgres:
        pytest.skip("SQLite has no session time zone")
    with db.engine.connect() as connection:
        connection.rollback()
        assert connection.exec_driver_sql("SHOW TIME ZONE").scalar() == "UTC"
        stamp = connection.execute(select(func.now())).scalar()
        assert stamp.tzinfo is UTC
