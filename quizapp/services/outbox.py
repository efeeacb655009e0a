"""The outbox: messages are queued as rows in the caller's transaction and delivered later
by `flask mail send`, with retries, by as many senders as there are servers."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.utils import make_msgid

from sqlalchemy import select, update

from quizapp.db import db, upsert
from quizapp.mail.transport import Outgoing, PermanentFailure, TemporaryFailure, Transport
from quizapp.models.mail import FAILED, PENDING, SENT, OutboxMessage

# Retries wait 1, 2, 4 ... minutes, at most 6 hours; after this many attempts over about a
# day and a half, the message is marked failed for a person to look at.
MAX_ATTEMPTS = 12
MAX_BACKOFF = timedelta(hours=6)
# A claimed message is not offered to other senders for this long, which outlasts a batch
# even when each of its 10 messages waits out the 20 s SMTP time-out. A sender that dies
# mid-batch loses its claim after it, and the message goes out again (see README).
CLAIM_LEASE = timedelta(minutes=5)
BATCH = 10


@dataclass(frozen=True)
class Mail:
    """A composed message, ready to queue."""

    kind: str
    recipient: str
    subject: str
    text_body: str
    html_body: str
    # The dedupe key, with kind and recipient: at most one message per (kind, recipient,
    # about, day).
    about: str
    day: date
    user_id: int | None = None
    headers: dict[str, str] | None = None


@upsert
def _insert_new_many(insert):
    # One executemany, whatever the number of rows; the driver's row count says how many
    # were new, read before the cursor closes.
    return (
        insert(OutboxMessage)
        .on_conflict_do_nothing(index_elements=["kind", "recipient", "about", "day"])
        .execution_options(preserve_rowcount=True)
    )


def queue_mails(mails: Sequence[Mail], *, domain: str, now: datetime) -> int:
    """Queue each of `mails` whose key is not taken, in one statement however many there
    are (a scheduled run queues thousands); how many were queued."""
    if not mails:
        return 0
    result = db.session.connection().execute(
        _insert_new_many(), [_row(mail, domain, now) for mail in mails]
    )
    if result.rowcount:
        db.session.info["mail_queued"] = True
    return result.rowcount


def queue_mail(mail: Mail, *, domain: str, now: datetime) -> bool:
    """Queue `mail` unless a message with the same key is queued or sent already; whether it
    was. Safe against two requests or servers queueing the same key at once."""
    return queue_mails([mail], domain=domain, now=now) == 1


def _row(mail: Mail, domain: str, now: datetime) -> dict:
    return {
        "kind": mail.kind,
        "recipient": mail.recipient,
        "about": mail.about,
        "day": mail.day,
        "user_id": mail.user_id,
        "subject": mail.subject,
        "text_body": mail.text_body,
        "html_body": mail.html_body,
        "headers": mail.headers or {},
        "message_id": make_msgid(domain=domain),
        "status": PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


def backoff(attempts: int) -> timedelta:
    return min(timedelta(minutes=2 ** max(0, attempts - 1)), MAX_BACKOFF)


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        return (
            f"{self.sent} sent, {self.retrying} waiting to be retried, {self.failed} failed "
            f"in {self.seconds:.1f} s."
        )


def _claim(now: datetime, limit: int) -> list[int]:
    """Take up to `limit` due messages for this sender and commit, so others skip them.
    On PostgreSQL, rows another sender is claiming are skipped rather than waited for; the
    guarded update makes a row claimed once on every database."""
    due = (
        select(OutboxMessage.id)
        .where(OutboxMessage.status == PENDING, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list(db.session.scalars(due))
    claimed: list[int] = []
    if ids:
        claimed = list(
            db.session.scalars(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id.in_(ids),
                    OutboxMessage.status == PENDING,
                    OutboxMessage.next_attempt_at <= now,
                )
                .values(next_attempt_at=now + CLAIM_LEASE, attempts=OutboxMessage.attempts + 1)
                .returning(OutboxMessage.id)
            )
        )
    db.session.commit()
    return sorted(claimed)


def deliver_pending(
    transport: Transport,
    *,
    sender: str,
    clock: Callable[[], datetime],
    limit: int | None = None,
) -> DeliveryReport:
    """Send every message due now, committing after each one, so a crash loses at most the
    mark on the message being sent (which then goes out a second time, same Message-ID)."""
    report = DeliveryReport()
    started = time.perf_counter()
    try:
        while True:
            done = report.sent + report.retrying + report.failed
            batch = BATCH if limit is None else min(BATCH, limit - done)
            if batch <= 0:
                break
            claimed = _claim(clock(), batch)
            if not claimed:
                break
            for message_id in claimed:
                row = db.session.get(OutboxMessage, message_id)
                _deliver_one(transport, row, sender, clock, report)
                db.session.commit()
    finally:
        transport.close()
    report.seconds = time.perf_counter() - started
    return report


def _deliver_one(
    transport: Transport,
    row: OutboxMessage | None,
    sender: str,
    clock: Callable[[], datetime],
    report: DeliveryReport,
) -> None:
    if row is None:  # its account was deleted meanwhile, and the message with it
        return
    try:
        transport.send(
            Outgoing(
                id=row.id,
                message_id=row.message_id,
                sender=sender,
                recipient=row.recipient,
                subject=row.subject,
                text_body=row.text_body,
                html_body=row.html_body,
                headers=dict(row.headers or {}),
                created_at=row.created_at,
            )
        )
    except PermanentFailure as error:
        row.status, row.last_error = FAILED, str(error)[:2000]
        report.failed += 1
    except TemporaryFailure as error:
        row.last_error = str(error)[:2000]
        if row.attempts >= MAX_ATTEMPTS:
            row.status = FAILED
            report.failed += 1
        else:
            row.next_attempt_at = clock() + backoff(row.attempts)
            report.retrying += 1
    else:
        row.status, row.sent_at, row.last_error = SENT, clock(), None
        report.sent += 1
