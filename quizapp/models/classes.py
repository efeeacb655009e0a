"""Classes an instructor runs, who is in them, and the work assigned to them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quizapp.core.assignments import AnswersShown, AttemptPolicy, ScoreCounts
from quizapp.db import created_at, db, intpk, utcnow

if TYPE_CHECKING:
    from quizapp.models.content import Lesson, Module
    from quizapp.models.user import User

LEARNER, INSTRUCTOR = "learner", "instructor"


class Classroom(db.Model):
    __tablename__ = "classes"

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    join_code: Mapped[str] = mapped_column(String(16), unique=True)
    # Switched off, the code stops working but is kept, so switching it on again restores it.
    joining_open: Mapped[bool] = mapped_column(default=True, server_default=sa_true())
    # Due dates are entered and shown in the class's time zone, whoever looks at them.
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
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
    role: Mapped[str] = mapped_column(String(16), default=LEARNER)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)

    classroom: Mapped[Classroom] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship()


class Assignment(db.Model):
    """A module, or one lesson and its quiz, due by a date."""

    __tablename__ = "assignments"
    __table_args__ = (
        UniqueConstraint("class_id", "module_id"),
        UniqueConstraint("class_id", "lesson_id"),
        CheckConstraint("(module_id IS NULL) <> (lesson_id IS NULL)", name="one_target"),
        CheckConstraint("pass_mark BETWEEN 1 AND 100", name="pass_mark"),
        CheckConstraint("max_attempts BETWEEN 1 AND 10", name="max_attempts"),
        CheckConstraint(
            "answers_shown IN ('each_question', 'after_attempt', 'after_passing', 'after_due')",
            name="answers_shown",
        ),
        CheckConstraint("score_counts IN ('first', 'best', 'last')", name="score_counts"),
        Index("ix_assignments_class_id_due_at", "class_id", "due_at"),
    )

    id: Mapped[intpk]
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    module_id: Mapped[int | None] = mapped_column(ForeignKey("modules.id"))
    lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lessons.id"))
    due_at: Mapped[datetime]
    # The quiz score, in percent, that counts a lesson as done; without one, finishing does.
    pass_mark: Mapped[int | None]
    # The attempt policy (core.assignments.AttemptPolicy); no limit on attempts when NULL.
    # Assignments set before policies existed keep the quiz as it was: answers after each
    # question, the best attempt counting.
    max_attempts: Mapped[int | None]
    answers_shown: Mapped[str] = mapped_column(
        String(16), default="each_question", server_default="each_question"
    )
    score_counts: Mapped[str] = mapped_column(String(8), default="best", server_default="best")
    # What the instructor tells learners about it, in Markdown, sanitised like lessons.
    instructions: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[created_at]
    # An instructor may remind those who have not passed once a day (in the class's zone).
    last_reminded_at: Mapped[datetime | None]

    classroom: Mapped[Classroom] = relationship(back_populates="assignments")
    module: Mapped[Module | None] = relationship()
    lesson: Mapped[Lesson | None] = relationship()

    extensions: Mapped[list[AssignmentExtension]] = relationship(
        back_populates="assignment", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def title(self) -> str:
        target = self.module or self.lesson
        return target.title if target else ""

    @property
    def policy(self) -> AttemptPolicy:
        return AttemptPolicy(
            self.max_attempts, AnswersShown(self.answers_shown), ScoreCounts(self.score_counts)
        )


class AssignmentExtension(db.Model):
    """A learner's own due date for an assignment (Moodle's user override): their status and
    reminders follow it instead of the class's."""

    __tablename__ = "assignment_extensions"
    __table_args__ = (UniqueConstraint("assignment_id", "user_id"),)

    id: Mapped[intpk]
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    due_at: Mapped[datetime]
    created_at: Mapped[created_at]

    assignment: Mapped[Assignment] = relationship(back_populates="extensions")
    user: Mapped[User] = relationship()


class ClassInvitation(db.Model):
    """An address invited to a class by its instructor; the mailed link lets whoever signs in
    with that address join, with or without an account yet, joining code or not."""

    __tablename__ = "class_invitations"
    __table_args__ = (UniqueConstraint("class_id", "email"),)

    id: Mapped[intpk]
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    # Lower-cased like users.email, so an invitation finds its account.
    email: Mapped[str] = mapped_column(String(254))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[created_at]
    accepted_at: Mapped[datetime | None]
