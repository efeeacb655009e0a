"""What learners did: lessons read and quizzes taken."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quizapp.core.progress import percent
from quizapp.db import db, intpk, utcnow

if TYPE_CHECKING:
    from quizapp.models.content import Lesson


class LessonProgress(db.Model):
    __tablename__ = "lesson_progress"
    __table_args__ = (UniqueConstraint("user_id", "lesson_id"),)

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id"))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]


class QuizAttempt(db.Model):
    __tablename__ = "quiz_attempts"
    __table_args__ = (Index("ix_quiz_attempts_user_id_lesson_id", "user_id", "lesson_id"),)

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id"))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    # The questions asked, in the order asked, fixed when the attempt starts: content edits
    # during an attempt cannot change what is being answered.
    question_ids: Mapped[list[int]] = mapped_column(JSON)
    # Seeds the order of choices and items, so a reload shows the same layout.
    seed: Mapped[int]
    # Sum of the answers' scores and the number of questions asked, kept with the attempt so
    # a later edit to the lesson's quiz does not rewrite old results.
    score: Mapped[float] = mapped_column(default=0.0)
    max_score: Mapped[int] = mapped_column(default=0)
    # The assignment whose policy the attempt follows (None: practice), and when that policy
    # shows the right answers, fixed at the start so a policy edit cannot reveal them midway.
    assignment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assignments.id", ondelete="SET NULL"), index=True
    )
    answers_shown: Mapped[str] = mapped_column(
        String(16), default="each_question", server_default="each_question"
    )
    # Set when a corrected answer key changed the score of one of its answers.
    regraded_at: Mapped[datetime | None]

    lesson: Mapped[Lesson] = relationship()
    answers: Mapped[list[QuizAnswer]] = relationship(back_populates="attempt")

    @property
    def percent(self) -> int | None:
        """The score as every page shows it; None until handed in."""
        if self.submitted_at is None or not self.max_score:
            return None
        return percent(self.score, self.max_score)


class QuizAnswer(db.Model):
    __tablename__ = "quiz_answers"
    # One answer per question per attempt: a double-submitted answer cannot count twice.
    __table_args__ = (UniqueConstraint("attempt_id", "question_id"),)

    id: Mapped[intpk]
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempts.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    response: Mapped[Any] = mapped_column(JSON)
    is_correct: Mapped[bool]
    score: Mapped[float]
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)
    # From when the server showed the question to when the answer arrived.
    time_taken_ms: Mapped[int | None]
    # The score first given, kept when a corrected answer key regrades the answer.
    regraded_from: Mapped[float | None]

    attempt: Mapped[QuizAttempt] = relationship(back_populates="answers")


class ActivityDay(db.Model):
    """What a learner did on one of their days (in their time zone): streaks and daily goals."""

    __tablename__ = "activity_days"
    __table_args__ = (CheckConstraint("answers >= 0 AND reviews >= 0", name="counts"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(primary_key=True)
    answers: Mapped[int] = mapped_column(default=0)
    reviews: Mapped[int] = mapped_column(default=0)
