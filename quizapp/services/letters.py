"""Messages written from one plain layout: a greeting, a few paragraphs, one button, and a
footer that says why the message came and how to stop it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app, render_template

from quizapp.mail.setup import mail_domain
from quizapp.services.outbox import Mail, queue_mail, queue_mails


@dataclass(frozen=True)
class Letter:
    kind: str
    recipient: str
    subject: str
    greeting: str
    paragraphs: list[str]
    action_label: str
    action_url: str
    about: str
    day: date
    user_id: int | None = None
    # Why this message came: the last lines, above the unsubscribe link if there is one.
    footer: list[str] = field(default_factory=list)
    unsubscribe_url: str | None = None


def post_letter(letter: Letter, *, now: datetime) -> bool:
    """Queue the letter in the outbox (in the caller's transaction); False when one with
    the same key went out already."""
    return queue_mail(compose(letter), domain=mail_domain(), now=now)


def post_letters(letters: Sequence[Letter], *, now: datetime) -> int:
    """Queue the letters in one statement, however many; how many were new."""
    return queue_mails([compose(letter) for letter in letters], domain=mail_domain(), now=now)


def compose(letter: Letter) -> Mail:
    context = {"letter": letter, "site": current_app.config.get("SITE_NAME", "quizapp")}
    headers = {}
    if letter.unsubscribe_url:
        # RFC 8058: mail clients offer their own button, which POSTs to the link.
        headers = {
            "List-Unsubscribe": f"<{letter.unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    return Mail(
        kind=letter.kind,
        recipient=letter.recipient,
        subject=letter.subject,
        text_body=render_template("mail/message.txt", **context),
        html_body=render_template("mail/message.html", **context),
        about=letter.about,
        day=letter.day,
        user_id=letter.user_id,
        headers=headers,
    )
