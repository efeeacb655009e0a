from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quizapp.db import created_at, db, intpk

if TYPE_CHECKING:
    from quizapp.models.review import MemoryModel

ROLES = ("learner", "instructor", "admin")


class User(db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('learner', 'instructor', 'admin')", name="role"),
        CheckConstraint("daily_goal BETWEEN 1 AND 500", name="daily_goal"),
        CheckConstraint("desired_retention BETWEEN 0.7 AND 0.97", name="desired_retention"),
        CheckConstraint("new_cards_per_day BETWEEN 0 AND 999", name="new_cards_per_day"),
        CheckConstraint("reviews_per_day BETWEEN 1 AND 9999", name="reviews_per_day"),
        CheckConstraint("light_days BETWEEN 0 AND 127", name="light_days"),
        CheckConstraint("reminder_hour BETWEEN 0 AND 23", name="reminder_hour"),
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
    # Anki's easy days: weekdays (bit 0 Monday) load balancing gives about half the reviews.
    light_days: Mapped[int] = mapped_column(default=0, server_default="0")
    # The memory model that schedules this learner: their own, the site's, or None for FSRS's
    # defaults. Loaded with the user, as every review step needs its weights.
    memory_model_id: Mapped[int | None] = mapped_column(
        ForeignKey("memory_models.id", use_alter=True, ondelete="SET NULL")
    )
    memory_model: Mapped[MemoryModel | None] = relationship(
        foreign_keys=[memory_model_id], lazy="joined"
    )
    # When the learner's own history was last fitted, kept or not: the nightly refit waits
    # for enough new reviews after it instead of fitting the same history again.
    memory_fitted_at: Mapped[datetime | None]
    created_at: Mapped[created_at]
    last_login_at: Mapped[datetime | None]
    # Reminders and invitations go only to an address its owner has shown they read.
    email_verified_at: Mapped[datetime | None]
    # Reminders are opt-in, each kind on its own, sent at this hour of the learner's day.
    reminder_hour: Mapped[int] = mapped_column(default=18, server_default="18")
    remind_reviews: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    remind_due_soon: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    remind_overdue: Mapped[bool] = mapped_column(default=False, server_default=sa_false())

    # The raw token of the signed-in session this object was loaded for (see UserSession);
    # never stored: the database keeps only its hash.
    session_token = None
    session_id = None
    # Loaded with the session: whether the user belongs to a class (the navigation's Classes
    # tab). Instructors always see the tab; they make classes.
    in_class = False

    @property
    def shows_classes(self) -> bool:
        return self.in_class or self.role in ("instructor", "admin")

    # Flask-Login's interface.
    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str | None:
        return self.session_token

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"
