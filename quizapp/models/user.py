from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from quizapp.db import created_at, db, intpk

ROLES = ("learner", "instructor", "admin")


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class User(db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('learner', 'instructor', 'admin')", name="role"),
        CheckConstraint("daily_goal BETWEEN 1 AND 500", name="daily_goal"),
        CheckConstraint("desired_retention BETWEEN 0.7 AND 0.97", name="desired_retention"),
        CheckConstraint("new_cards_per_day BETWEEN 0 AND 999", name="new_cards_per_day"),
        CheckConstraint("reviews_per_day BETWEEN 1 AND 9999", name="reviews_per_day"),
    )

    id: Mapped[intpk]
    # Stored lower-cased, so the unique constraint is case-insensitive on every backend.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="learner")
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    daily_goal: Mapped[int] = mapped_column(default=20)
    # Review settings, as in Anki's deck options.
    desired_retention: Mapped[float] = mapped_column(default=0.9, server_default="0.9")
    new_cards_per_day: Mapped[int] = mapped_column(default=20, server_default="20")
    reviews_per_day: Mapped[int] = mapped_column(default=200, server_default="200")
    # The cookie carries this instead of the id, so changing the password ends other sessions.
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    created_at: Mapped[created_at]
    last_login_at: Mapped[datetime | None]

    # Flask-Login's interface.
    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return self.session_token

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"
