"""Classes an instructor runs, who is in them, and the modules assigned to them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quizapp.db import created_at, db, intpk, utcnow


class Classroom(db.Model):
    __tablename__ = "classes"

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    join_code: Mapped[str] = mapped_column(String(16), unique=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[created_at]
    archived_at: Mapped[datetime | None]

    memberships: Mapped[list[ClassMembership]] = relationship(back_populates="classroom")
    assignments: Mapped[list[Assignment]] = relationship(back_populates="classroom")


class ClassMembership(db.Model):
    __tablename__ = "class_memberships"
    __table_args__ = (
        # Also the roster index: its leading column is class_id.
        UniqueConstraint("class_id", "user_id"),
        CheckConstraint("role IN ('learner', 'instructor')", name="role"),
    )

    id: Mapped[intpk]
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    # Indexed for "my classes" and, through them, a learner's assignments.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16), default="learner")
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)

    classroom: Mapped[Classroom] = relationship(back_populates="memberships")


class Assignment(db.Model):
    __tablename__ = "assignments"
    __table_args__ = (
        UniqueConstraint("class_id", "module_id"),
        Index("ix_assignments_class_id_due_at", "class_id", "due_at"),
    )

    id: Mapped[intpk]
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"))
    due_at: Mapped[datetime | None]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[created_at]

    classroom: Mapped[Classroom] = relationship(back_populates="assignments")
