"""The outbox: every message is a row first, written in the transaction that caused it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from quizapp.db import created_at, db, intpk, utcnow

PENDING, SENT, FAILED = "pending", "sent", "failed"


class OutboxMessage(db.Model):
    __tablename__ = "outbox"
    __table_args__ = (
        # The dedupe key: the same kind of message about the same thing goes to an address
        # at most once a day, however often (or on however many servers) it is queued.
        UniqueConstraint("kind", "recipient", "about", "day"),
        CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status"),
        # What the sender claims: pending rows whose next attempt is due.
        Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[intpk]
    kind: Mapped[str] = mapped_column(String(32))
    recipient: Mapped[str] = mapped_column(String(254))
    # What the message is about ("assignment:12"), or a time window for repeatable ones.
    about: Mapped[str] = mapped_column(String(64), default="")
    day: Mapped[date]
    # Deleting an account deletes the mail still waiting for it.
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    subject: Mapped[str] = mapped_column(String(200))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    # Extra headers (List-Unsubscribe); the standard ones are made when it is sent.
    headers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # Fixed when queued, so a message sent twice (a sender that died before marking it)
    # carries the same id and mail clients show it once.
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[created_at]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
