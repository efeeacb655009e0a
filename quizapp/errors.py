"""Error pages in the site's look, and the headers every response carries."""

from __future__ import annotations

from flask import Flask, Response, render_template
from werkzeug.exceptions import HTTPException

from quizapp.db import db

# Everything is served by the app itself; nothing from other origins, no inline script.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

TITLES = {
    400: "Bad request",
    403: "Not allowed",
    404: "Page not found",
    405: "Method not allowed",
    413: "Too much data",
    429: "Too many attempts",
    500: "Something went wrong",
}


def render_error(code: int, description: str | None = None):
    title = TITLES.get(code, "Error")
    return render_template(
        "errors/error.html", code=code, title=title, description=description
    ), code


def init_errors(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        description = None if code in (404, 500) else error.description
        return render_error(code, description)

    @app.errorhandler(500)
    def server_error(error):
        # Whatever the request half-wrote must not leak into the next one on this session.
        db.session.rollback()
        return render_error(500)


def add_security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response
