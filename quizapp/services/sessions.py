"""Signed-in sessions: opened at sign-in, looked up on every request, ended for good."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, exists, or_, select, update

from quizapp.core.devices import describe_device
from quizapp.db import db
from quizapp.models import ClassMembership, User, UserSession

# A session ends after this long without a request: without "remember me" its cookie also
# ends when the browser closes, but phones rarely close theirs, and a learner who comes back
# every few days should not have to sign in each time. With it, a month, as long as the
# remember cookie (refreshed on every request, like the session).
IDLE_LIMIT = timedelta(days=14)
REMEMBER_LIMIT = timedelta(days=30)
# Recording every request would make each page write; a session's last use to within a few
# minutes is all the settings page shows.
LAST_SEEN_GRAIN = timedelta(minutes=5)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def expires_at(row: UserSession) -> datetime:
    return row.last_seen_at + (REMEMBER_LIMIT if row.remember else IDLE_LIMIT)


def open_session(*, user: User, user_agent: str, remember: bool, now: datetime) -> str:
    """Start a session for `user` and return its token, which only the cookie holds. The
    user's own expired sessions are pruned on the way."""
    token = secrets.token_urlsafe(32)
    db.session.add(
        UserSession(
            user_id=user.id,
            token_hash=_hash(token),
            created_at=now,
            last_seen_at=now,
            device=describe_device(user_agent),
            remember=remember,
        )
    )
    prune_sessions(now=now, user_id=user.id)
    user.session_token = token
    return token


# Every signed-in request runs this: built once, it is only executed. Whether the user is in
# a class comes with it, for the navigation's Classes tab, at no query of its own.
_BY_TOKEN = (
    select(
        User,
        UserSession,
        exists().where(ClassMembership.user_id == User.id).label("in_class"),
    )
    .join(UserSession, UserSession.user_id == User.id)
    .where(UserSession.token_hash == bindparam("token_hash"))
)


def user_by_session_token(token: str, *, now: datetime) -> User | None:
    """The user a live session token belongs to, or None when the session was ended or
    has expired. Notes the session's use at most every few minutes."""
    row = db.session.execute(_BY_TOKEN, {"token_hash": _hash(token)}).first()
    if row is None:
        return None
    user, session_row, in_class = row
    if expires_at(session_row) <= now:
        return None
    if now - session_row.last_seen_at >= LAST_SEEN_GRAIN:
        # In a transaction of its own: the request's may be read-only and never commit.
        with db.engine.begin() as connection:
            connection.execute(
                update(UserSession).where(UserSession.id == session_row.id).values(last_seen_at=now)
            )
    user.session_token = token
    user.session_id = session_row.id
    user.in_class = in_class
    return user


@dataclass(frozen=True)
class DeviceLine:
    id: int
    device: str
    created_at: datetime
    last_seen_at: datetime
    current: bool


def user_devices(user: User, *, now: datetime) -> list[DeviceLine]:
    """The user's live sessions, this one first, then the most recently used."""
    rows = db.session.scalars(
        select(UserSession)
        .where(UserSession.user_id == user.id)
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
    ).all()
    current = getattr(user, "session_id", None)
    lines = [
        DeviceLine(row.id, row.device, row.created_at, row.last_seen_at, row.id == current)
        for row in rows
        if expires_at(row) > now
    ]
    return sorted(lines, key=lambda line: not line.current)


def end_session(user: User, *, session_id: int) -> bool:
    """End one of the user's own sessions; False when there is no such session of theirs."""
    result = db.session.execute(
        delete(UserSession).where(UserSession.id == session_id, UserSession.user_id == user.id)
    )
    return result.rowcount > 0


def end_current_session(user: User) -> None:
    if user.session_token:
        db.session.execute(
            delete(UserSession).where(UserSession.token_hash == _hash(user.session_token))
        )


def end_other_sessions(user: User) -> int:
    """End every session of the user but the one this object was loaded for (all of them
    when it was loaded outside a session, as from the command line). How many ended."""
    statement = delete(UserSession).where(UserSession.user_id == user.id)
    if user.session_token:
        statement = statement.where(UserSession.token_hash != _hash(user.session_token))
    return db.session.execute(statement).rowcount


def prune_sessions(*, now: datetime, user_id: int | None = None) -> int:
    """Delete expired sessions (of one user, or everyone's); how many."""
    expired = or_(
        UserSession.remember.is_(True) & (UserSession.last_seen_at <= now - REMEMBER_LIMIT),
        UserSession.remember.is_(False) & (UserSession.last_seen_at <= now - IDLE_LIMIT),
    )
    statement = delete(UserSession).where(expired)
    if user_id is not None:
        statement = statement.where(UserSession.user_id == user_id)
    return db.session.execute(statement).rowcount
