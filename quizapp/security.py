"""Headers every response carries, and input no request may carry."""

from __future__ import annotations

from flask import Flask, Response, abort, g, request
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from werkzeug.routing import IntegerConverter

# Everything is served by the app itself; nothing from other origins, no inline script.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def add_security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def refuse_uploads():
    """No page takes a file. A multipart body is refused before it is parsed, so nobody can
    make the server spool uploads to disk."""
    if request.mimetype == "multipart/form-data":
        abort(415, "This site does not accept file uploads.")


def refuse_nul_bytes():
    """A NUL byte is never part of real input, and PostgreSQL refuses it in text: turn it
    away as a bad request here instead of as a database error later."""
    # Every value of every key: a NUL hidden in a repeated field would otherwise get through.
    values = [
        request.path,
        *(value for _, value in request.args.items(multi=True)),
        *(value for _, value in request.form.items(multi=True)),
    ]
    if any("\x00" in value for value in values):
        abort(400, "The request contained a character that cannot be stored.")
    return None


class DatabaseIdConverter(IntegerConverter):
    """`<int:...>` in URLs, capped at the largest id a database integer column holds: a larger
    one is no page at all (404), not an overflow inside the database driver (500)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


# Sent by the service worker and offline.js with the requests they make behind the page.
BACKGROUND_HEADER = "X-Quizapp-Background"


# Files the browser and the service worker fetch alongside the pages, at any moment.
_FILES = frozenset({"static", "pwa.manifest", "pwa.service_worker"})


def mark_background_request() -> None:
    g.background_request = (
        request.headers.get(BACKGROUND_HEADER) == "1" or request.endpoint in _FILES
    )


class ForegroundSessionInterface(SecureCookieSessionInterface):
    """The session cookie, left alone by requests made behind the page. Every response
    rewrites it (Flask-Login refreshes the remember marker each request), so a background
    request answered after the page's own would put back a cookie without that page's
    message ("Welcome to the class"). Background requests and files change nothing the
    session holds."""

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        if g.get("background_request"):
            return False
        return super().should_set_cookie(app, session)
