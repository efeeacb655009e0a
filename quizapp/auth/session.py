"""How a request finds its user, and where a signed-in user may be sent next."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask

from quizapp.db import utcnow
from quizapp.extensions import login_manager
from quizapp.services.sessions import user_by_session_token


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Log in to see that page."
    login_manager.login_message_category = "info"
    # "basic" marks a session seen from another browser or address as not fresh instead of
    # dropping it ("strong"), which would log out learners whose phone changes networks.
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)


def load_user(token: str):
    """The user of the session the cookie names; None once that session has ended."""
    return user_by_session_token(token, now=utcnow())


def safe_next(target: str | None) -> str | None:
    """`target` when it is a path on this site, else None: no open redirects."""
    if not target or len(target) > 2000:
        return None
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
