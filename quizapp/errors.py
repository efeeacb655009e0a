"""Error pages in the site's look."""

from __future__ import annotations

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException, SecurityError

from quizapp.db import db
from quizapp.services.errors import Refused

TITLES = {
    400: "Bad request",
    403: "Not allowed",
    404: "Page not found",
    405: "Method not allowed",
    409: "Already done",
    413: "Too much data",
    415: "Not accepted",
    429: "Too many attempts",
    500: "Something went wrong",
}


def render_error(code: int, description: str | None = None):
    title = TITLES.get(code, "Error")
    return render_template(
        "errors/error.html",
        code=code,
        title=title,
        description=description,
        # A failing database must not fail its own error page: the tabs go without counts.
        navigation_counts=code < 500,
    ), code


def init_errors(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        description = None if code in (404, 500) else error.description
        return render_error(code, description)

    @app.errorhandler(SecurityError)
    def untrusted_host(error: SecurityError):
        # A Host outside TRUSTED_HOSTS is refused before the request has URLs to build, so
        # the site's page (its links are url_for calls) cannot be drawn: plain text it is.
        return (
            "Bad request: this site does not answer to that host name.\n",
            400,
            {"Content-Type": "text/plain; charset=utf-8"},
        )

    @app.errorhandler(Refused)
    def refused(error: Refused):
        db.session.rollback()
        return render_error(error.status, error.message)

    @app.errorhandler(500)
    def server_error(error):
        # Whatever the request half-wrote must not leak into the next one on this session.
        db.session.rollback()
        return render_error(500)
