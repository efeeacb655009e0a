"""Signed-in sessions, kept on the server so that signing out ends them for good."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column

from quizapp.db import created_at, db, intpk, utcnow


class UserSession(db.Model):
    """One browser signed in as one user. The cookie carries a random token; the row keeps
    only its SHA-256, so a copy of the database signs nobody in."""

    __tablename__ = "user_sessions"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[created_at]
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    # What the settings page calls it ("Firefox on Android"), from the User-Agent at sign-in.
    device: Mapped[str] = mapped_column(String(120), default="")
    remember: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
