"""Transports: SMTP from `MAIL_URL`, or `.eml` files in the instance folder without it."""

from __future__ import annotations

import contextlib
import logging
import re
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

log = logging.getLogger("quizapp.mail")


class MailConfigError(ValueError):
    """MAIL_URL cannot be understood; raised at start-up."""


class TemporaryFailure(Exception):
    """The message may go through later: the server was down, slow, or said 4xx."""


class PermanentFailure(Exception):
    """The server refused the message for good (5xx): retrying sends nothing."""


@dataclass(frozen=True)
class Outgoing:
    """What a transport needs of a queued message."""

    id: int
    message_id: str
    sender: str
    recipient: str
    subject: str
    text_body: str
    html_body: str
    headers: dict[str, str]
    created_at: object

    def as_email(self) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = self.recipient
        message["Subject"] = self.subject
        message["Date"] = format_datetime(self.created_at)
        message["Message-ID"] = self.message_id
        for name, value in self.headers.items():
            message[name] = value
        message.set_content(self.text_body)
        message.add_alternative(self.html_body, subtype="html")
        return message


class Transport(Protocol):
    def send(self, outgoing: Outgoing) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class SMTPSettings:
    host: str
    port: int
    tls: str  # "none", "starttls" or "ssl"
    username: str | None
    password: str | None
    timeout: float


def parse_mail_url(url: str) -> SMTPSettings:
    """`smtp://user:password@host:587?starttls=1`, `smtps://user:password@host` (465)."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise MailConfigError("MAIL_URL must start with smtp:// or smtps://")
    if not parts.hostname:
        raise MailConfigError("MAIL_URL names no host")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    starttls = query.get("starttls", "0").lower() in ("1", "true", "yes")
    try:
        timeout = float(query.get("timeout", "20"))
        port = parts.port
    except ValueError:
        raise MailConfigError("MAIL_URL has a port or timeout that is not a number") from None
    if parts.scheme == "smtps":
        tls, default_port = "ssl", 465
    else:
        tls, default_port = ("starttls", 587) if starttls else ("none", 25)
    return SMTPSettings(
        host=parts.hostname,
        port=port or default_port,
        tls=tls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        timeout=timeout,
    )


class SMTPTransport:
    """One connection, opened at the first message and reused until it fails or is closed."""

    def __init__(self, settings: SMTPSettings) -> None:
        self.settings = settings
        self._client: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        context = ssl.create_default_context()
        if s.tls == "ssl":
            client = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
        else:
            client = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            if s.tls == "starttls":
                client.starttls(context=context)
        if s.username:
            client.login(s.username, s.password or "")
        return client

    def send(self, outgoing: Outgoing) -> None:
        try:
            if self._client is None:
                self._client = self._connect()
            self._client.send_message(outgoing.as_email())
        except smtplib.SMTPRecipientsRefused as error:
            self._drop()
            codes = [code for code, _ in error.recipients.values()]
            raise _by_code(min(codes), error) from error
        except smtplib.SMTPResponseException as error:
            # Sender refused, data refused, or an error on connecting or logging in.
            self._drop()
            raise _by_code(error.smtp_code, error) from error
        except (smtplib.SMTPException, OSError) as error:
            # Refused connection, time-out, a connection dropped mid-message.
            self._drop()
            raise TemporaryFailure(f"{type(error).__name__}: {error}") from error

    def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(OSError):
                client.close()

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                client.quit()
            except (smtplib.SMTPException, OSError):
                client.close()


def _by_code(code: int, error: Exception) -> Exception:
    text = f"{code}: {error}"
    return PermanentFailure(text) if 500 <= code < 600 else TemporaryFailure(text)


_LINK = re.compile(r"https?://\S+")


class FileTransport:
    """Development without a mail server: each message becomes a file a mail client opens,
    and the log says what it was and the link it carries, to click."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, outgoing: Outgoing) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = outgoing.created_at.strftime("%Y%m%d-%H%M%S")
        path = self.folder / f"{stamp}-{outgoing.id}.eml"
        path.write_bytes(outgoing.as_email().as_bytes())
        link = _LINK.search(outgoing.text_body)
        log.warning(
            "Mail to %s: %s%s (%s)",
            outgoing.recipient,
            outgoing.subject,
            f" {link.group(0)}" if link else "",
            path,
        )

    def close(self) -> None:
        pass
