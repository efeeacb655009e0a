"""A real SMTP server in the test process (aiosmtpd), and what it received."""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage
from urllib.parse import urlsplit

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """The server's handler: keeps every accepted message, or misbehaves as told."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        # An SMTP reply to give instead of accepting ("550 ..." refuses for good, "451 ..."
        # for now), seconds to stall before answering, or a connection dropped mid-message.
        self.reply: str | None = None
        self.stall = 0.0
        self.drop = False

    async def handle_DATA(self, server, session, envelope):
        if self.drop:
            server.transport.close()
            return None
        if self.stall:
            await asyncio.sleep(self.stall)
        if self.reply:
            return self.reply
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def only_to(self, address: str) -> EmailMessage:
        received = self.to(address)
        assert len(received) == 1, [m["Subject"] for m in received]
        return received[0]


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def links_in(message: EmailMessage) -> list[str]:
    return re.findall(r"https?://\S+", text_of(message))


def path_of(link: str) -> str:
    """The link as the test client requests it: its path and query."""
    parts = urlsplit(link)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@contextmanager
def smtp_server() -> Iterator[tuple[Inbox, str]]:
    """A running server and the MAIL_URL that reaches it."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, f"smtp://127.0.0.1:{port}?timeout=1"
    finally:
        controller.stop()
