"""Spaced repetition: one FSRS card per learner and question, and an append-only log."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quizapp.db import created_at, db, intpk

if TYPE_CHECKING:
    from quizapp.models.content import Question

REVIEW, QUIZ = "review", "quiz"


class ReviewCard(db.Model):
    __tablename__ = "review_cards"
    __table_args__ = (
        UniqueConstraint("user_id", "question_id"),
        # The review queue: a learner's cards ordered by due time.
        Index("ix_review_cards_user_id_due", "user_id", "due"),
        CheckConstraint("state IN (1, 2, 3)", name="state"),
    )

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    # Mirrors fsrs.Card: state 1 learning, 2 review, 3 relearning.
    state: Mapped[int] = mapped_column(default=1)
    step: Mapped[int | None]
    stability: Mapped[float | None]
    difficulty: Mapped[float | None]
    due: Mapped[datetime]
    last_review: Mapped[datetime | None]
    suspended_at: Mapped[datetime | None]
    created_at: Mapped[created_at]
    # Ours, not fsrs's: reviews so far (0 means new) and failures (8 make a leech).
    reps: Mapped[int] = mapped_column(default=0, server_default="0")
    lapses: Mapped[int] = mapped_column(default=0, server_default="0")

    question: Mapped[Question] = relationship()


class ReviewLog(db.Model):
    """One row per review, never updated: the history FSRS optimisation and stats read."""

    __tablename__ = "review_logs"
    __table_args__ = (
        Index("ix_review_logs_user_id_reviewed_at", "user_id", "reviewed_at"),
        CheckConstraint("rating BETWEEN 1 AND 4", name="rating"),
        CheckConstraint("kind IN ('review', 'quiz')", name="kind"),
    )

    id: Mapped[intpk]
    card_id: Mapped[int] = mapped_column(
        ForeignKey("review_cards.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    rating: Mapped[int]
    reviewed_at: Mapped[datetime]
    duration_ms: Mapped[int | None]
    # The card as the review left it, so stats need no replay of the scheduler.
    state: Mapped[int]
    step: Mapped[int | None]
    stability: Mapped[float | None]
    difficulty: Mapped[float | None]
    due: Mapped[datetime]
    # The card as it was before, so undo restores it exactly; an undone review is voided,
    # never deleted, and every reader skips it.
    card_before: Mapped[dict[str, Any]] = mapped_column(JSON)
    voided_at: Mapped[datetime | None]
    # The card's first review: counted against the daily limit of new cards.
    was_new: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    # "quiz": the quiz answer a card was born from, its first step (Good if right, Again if
    # not), so a question just answered is not asked again within the minute. Replayed like
    # any review, it is neither counted as one nor undone from the review page.
    kind: Mapped[str] = mapped_column(String(8), default=REVIEW, server_default=REVIEW)
    # The memory model that scheduled this review (None: FSRS's defaults), so a rebuild
    # replays each review with the weights it was scheduled with.
    model_id: Mapped[int | None] = mapped_column(ForeignKey("memory_models.id"))
    # The id a device gave a rating made offline: the same rating sent twice is stored once.
    client_id: Mapped[str | None] = mapped_column(String(36), unique=True, index=True)


def _decay_of_parameters(context) -> float:
    return context.get_current_parameters()["parameters"][20]


class MemoryModel(db.Model):
    """One version of FSRS weights fitted to a learner's reviews (or, with no user, to
    everyone's), kept because it predicted held-out reviews better than the weights in use.
    Never updated or deleted while reviews it scheduled remain."""

    __tablename__ = "memory_models"
    __table_args__ = (
        CheckConstraint("reviews >= 0", name="reviews"),
        Index("ix_memory_models_user_id_created_at", "user_id", "created_at"),
    )

    id: Mapped[intpk]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    parameters: Mapped[list[float]] = mapped_column(JSON)
    # parameters[20], the forgetting curve's decay, as a column: the gradebook sums each
    # learner's curve over their cards in SQL, which cannot read a JSON array portably.
    decay: Mapped[float] = mapped_column(default=_decay_of_parameters)
    # What it was fitted on, and how it and the weights it replaced scored on the reviews
    # held back from the fit.
    reviews: Mapped[int]
    log_loss: Mapped[float]
    rmse: Mapped[float]
    baseline_log_loss: Mapped[float]
    baseline_rmse: Mapped[float]
    created_at: Mapped[created_at]
