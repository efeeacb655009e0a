"""Mail about the account itself: checking an address, resetting a forgotten password."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from werkzeug.security import check_password_hash

from quizapp.core.accounts import email_problem, normalize_email
from quizapp.core.tokens import TokenProblem, fingerprint, make_token, read_token
from quizapp.db import db
from quizapp.mail.setup import absolute_url
from quizapp.models import User
from quizapp.services.accounts import AccountError, set_password, user_by_email
from quizapp.services.letters import Letter, post_letter

RESET_LIFETIME = timedelta(hours=1)
VERIFY_LIFETIME = timedelta(days=3)
RESET, VERIFY = "password-reset", "verify-email"


class LinkProblem(ValueError):
    """A mailed link that cannot be used; the message says what to do instead."""


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


def _window(now: datetime) -> str:
    """A quarter of an hour: the same account gets at most one such message in each, however
    often the form is sent (the rate limit bounds the rest)."""
    return f"{now:%H}:{now.minute // 15 * 15:02d}"


def _open_link(
    purpose: str, token: str, *, now: datetime, max_age: timedelta, expired: str, invalid: str
) -> tuple[dict, User | None]:
    """A mailed link's payload and the account it names (None if that is gone), or
    LinkProblem with the words for an expired or an invalid link."""
    try:
        payload = read_token(_secret(), purpose, token, now=now, max_age=max_age)
    except TokenProblem as problem:
        raise LinkProblem(expired if str(problem) == "expired" else invalid) from None
    user_id = payload.get("u")
    return payload, db.session.get(User, user_id) if isinstance(user_id, int) else None


# ---------------------------------------------------------------------------------------------
# Checking an address


def send_verification(user: User, *, email: str, now: datetime) -> bool:
    """Queue a link that proves `email` (the account's, or one it is changing to) is read by
    its owner."""
    token = make_token(_secret(), VERIFY, {"u": user.id, "e": email})
    changing = email != user.email
    paragraphs = (
        [f"You asked to change the email address of your account to {email}."]
        if changing
        else [
            f"Please confirm that {email} is your address, so that reminders, from us or from "
            "your instructors, can reach you. Learning works without it."
        ]
    )
    paragraphs.append(f"The link works for {VERIFY_LIFETIME.days} days.")
    return post_letter(
        Letter(
            kind=VERIFY,
            recipient=email,
            subject="Confirm your new email address" if changing else "Confirm your email address",
            greeting=f"Hello {user.display_name},",
            paragraphs=paragraphs,
            action_label="Confirm this address",
            action_url=absolute_url("recovery.verify_email", token=token),
            about=f"user:{user.id}@{_window(now)}",
            day=now.date(),
            user_id=user.id,
            footer=[
                "You get this message because this address was entered on quizapp. "
                "If it was not you, ignore it: nothing changes."
            ],
        ),
        now=now,
    )


def verify_email(token: str, *, now: datetime, signed_in_as: int | None) -> User:
    """Mark the address in the token as verified, switching the account to it if it was a
    change; LinkProblem if the link is bad, old, or the address is now someone else's.

    A change takes effect only in a browser signed in to the account: otherwise whoever owns
    a mistyped new address could open the link, receive the account's address, and then
    its password reset."""
    payload, user = _open_link(
        VERIFY,
        token,
        now=now,
        max_age=VERIFY_LIFETIME,
        expired="This link has expired. Send yourself a new one from Settings.",
        invalid="This link is not valid. Check that you copied all of it.",
    )
    email = payload.get("e")
    if user is None or not isinstance(email, str):
        raise LinkProblem("This link is not valid: its account no longer exists.")
    if email != user.email:
        if signed_in_as != user.id:
            raise LinkProblem(
                "To change your account's address, log in first, then open this link again "
                "in the same browser."
            )
        other = user_by_email(email)
        if other is not None and other.id != user.id:
            raise LinkProblem(f"{email} already belongs to another account.")
        user.email = email
        user.email_verified_at = now
    elif user.email_verified_at is None:
        user.email_verified_at = now
    db.session.flush()
    return user


def request_email_change(user: User, *, new_email: str, password: str, now: datetime) -> str:
    """Send a link to `new_email`; the account switches to it when the link is opened.
    Returns the normalised address. AccountError names the field at fault."""
    if not check_password_hash(user.password_hash, password):
        raise AccountError("password", "Your password is not correct.")
    new_email = normalize_email(new_email)
    if problem := email_problem(new_email):
        raise AccountError("new_email", problem)
    if new_email == user.email:
        raise AccountError("new_email", "This is already your address.")
    if user_by_email(new_email) is not None:
        raise AccountError("new_email", "Another account uses this address.")
    send_verification(user, email=new_email, now=now)
    return new_email


# ---------------------------------------------------------------------------------------------
# A forgotten password


def request_password_reset(email: str, *, now: datetime) -> None:
    """Queue a reset link if an account has this address; the caller answers the same
    either way, so the form tells nobody which addresses have accounts."""
    user = user_by_email(email)
    if user is None:
        return
    token = make_token(_secret(), RESET, {"u": user.id, "p": fingerprint(user.password_hash)})
    post_letter(
        Letter(
            kind=RESET,
            recipient=user.email,
            subject="Reset your quizapp password",
            greeting=f"Hello {user.display_name},",
            paragraphs=[
                "Someone, probably you, asked to reset the password of your account. Choose "
                "a new one with the link below.",
                "The link works once, for one hour. Resetting signs you out on every device.",
            ],
            action_label="Choose a new password",
            action_url=absolute_url("recovery.reset_password", token=token),
            about=f"user:{user.id}@{_window(now)}",
            day=now.date(),
            user_id=user.id,
            footer=[
                "If you did not ask for this, ignore this message: your password stays as it is."
            ],
        ),
        now=now,
    )


@dataclass(frozen=True)
class ResetLink:
    user: User


def check_reset_link(token: str, *, now: datetime) -> ResetLink:
    """The account a reset link may change, or LinkProblem. A link stops working after an
    hour and as soon as the password changes, which using it does."""
    payload, user = _open_link(
        RESET,
        token,
        now=now,
        max_age=RESET_LIFETIME,
        expired="This link has expired: reset links work for one hour. Ask for a new one.",
        invalid="This link is not valid. Check that you copied all of it, or ask for a new one.",
    )
    if user is None or payload.get("p") != fingerprint(user.password_hash):
        raise LinkProblem(
            "This link has already been used, or your password has changed since it was "
            "sent. Ask for a new one if you still need it."
        )
    return ResetLink(user)


def reset_password(token: str, *, new_password: str, now: datetime) -> User:
    """Set the password a valid link allows and end every session of the account. Opening
    the link proves the address is read, so it counts as verified."""
    user = check_reset_link(token, now=now).user
    # Loaded outside any session of its own, so this ends every one.
    set_password(user, new_password, field="password")
    user.email_verified_at = user.email_verified_at or now
    db.session.flush()
    return user
