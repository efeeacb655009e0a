"""Signed, expiring tokens for links sent by mail (password reset, address check, unsubscribe).

Nothing is stored: a token carries its purpose, its payload and when it was made, signed
with the site's secret. What makes one single-use is in the payload (a reset token names the
password it replaces, so it stops working once the password changes)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer


class TokenProblem(ValueError):
    """A token that is tampered with, made for another purpose, or too old."""


def _serializer(secret: str, purpose: str) -> URLSafeTimedSerializer:
    # The purpose is the salt: a token made for one link is refused by every other.
    return URLSafeTimedSerializer(secret, salt=f"quizapp/{purpose}")


def make_token(secret: str, purpose: str, payload: dict[str, Any]) -> str:
    return _serializer(secret, purpose).dumps(payload)


def read_token(
    secret: str, purpose: str, token: str, *, now: datetime, max_age: timedelta | None
) -> dict[str, Any]:
    """The payload of a token made for `purpose` no longer ago than `max_age` (None: any
    age), or TokenProblem. `now` is passed in, not read from the clock, so tests move it."""
    try:
        payload, signed_at = _serializer(secret, purpose).loads(token, return_timestamp=True)
    except BadSignature:
        raise TokenProblem("invalid") from None
    if not isinstance(payload, dict):
        raise TokenProblem("invalid")
    signed_at = signed_at.astimezone(UTC) if signed_at.tzinfo else signed_at.replace(tzinfo=UTC)
    if max_age is not None and now - signed_at > max_age:
        raise TokenProblem("expired")
    return payload


def fingerprint(secret_value: str) -> str:
    """A short digest of a stored secret (a password hash) to bind a token to it."""
    return hashlib.sha256(secret_value.encode()).hexdigest()[:20]
