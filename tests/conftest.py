"""Fixtures: one migrated database per run (SQLite, or PostgreSQL from TEST_DATABASE_URL),
emptied after every test, and a client that speaks CSRF like a browser."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import flask_migrate
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from quizapp import create_app
from quizapp.db import db as _db
from tests.factories import DEFAULT_PASSWORD, create_user

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = str(ROOT / "migrations")


def reset_postgres_schema(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def make_app(database_url: str, **overrides) -> Flask:
    return create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": database_url, **overrides})


def dispose(app: Flask) -> None:
    """Close an app's pooled connections, which PostgreSQL would otherwise hold open."""
    with app.app_context():
        _db.engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        reset_postgres_schema(url)
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory) -> Flask:
    app = make_app(database_url, CONTENT_DIR=str(ROOT / "content"))
    app.test_client_class = BrowserClient
    app.instance_path = str(tmp_path_factory.mktemp("instance"))
    with app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS)
    yield app
    dispose(app)


@pytest.fixture
def db(app):
    """The database, inside an app context, emptied again when the test ends."""
    with app.app_context():
        yield _db
        _db.session.rollback()
        _db.session.remove()
        with _db.engine.begin() as connection:
            for table in reversed(_db.metadata.sorted_tables):
                connection.execute(table.delete())


class BrowserClient(FlaskClient):
    """A test client that fills in the CSRF token from the form page, as a browser would."""

    def open(self, *args, **kwargs):
        # A fresh app context per request, as in production: otherwise the test's own context
        # (and its `g`, where Flask-Login caches the user) would leak from one request to the next.
        with self.application.app_context():
            return super().open(*args, **kwargs)

    def csrf_token(self, url: str) -> str:
        page = self.get(url).get_data(as_text=True)
        match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        assert match, f"no CSRF token on {url}"
        return match.group(1)

    def submit(self, url: str, data: dict, *, form_url: str | None = None, **kwargs):
        token = self.csrf_token(form_url or url)
        return self.post(url, data={"csrf_token": token, **data}, **kwargs)

    def login(self, email: str, password: str = DEFAULT_PASSWORD, **kwargs):
        return self.submit("/account/login", {"email": email, "password": password}, **kwargs)


def signed_in(app, user) -> BrowserClient:
    """A new browser, logged in as `user`."""
    client = app.test_client()
    assert client.login(user.email).status_code == 302
    return client


@pytest.fixture
def client(app, db) -> BrowserClient:
    return app.test_client()


@pytest.fixture
def user(db):
    return create_user()


@pytest.fixture
def logged_in(client, user) -> BrowserClient:
    response = client.login(user.email)
    assert response.status_code == 302
    return client


# The tables that grow with every learner's activity: reading one of them whole is a bug.
ACTIVITY_TABLES = (
    "activity_days",
    "lesson_progress",
    "quiz_answers",
    "quiz_attempts",
    "review_cards",
    "review_logs",
)


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []
        self.parameters: list[object] = []

    @property
    def count(self) -> int:
        return len(self.statements)

    def whole_table_reads(self, dbapi_connection) -> list[str]:
        """The statements whose SQLite plan reads an activity table from end to end rather
        than through an index (SQLite's planner picks an index whatever the table's size)."""
        found = []
        cursor = dbapi_connection.cursor()
        for statement, parameters in zip(self.statements, self.parameters, strict=True):
            if isinstance(parameters, list):  # executemany: inserts, never a read
                continue
            for *_, detail in cursor.execute(f"EXPLAIN QUERY PLAN {statement}", parameters):
                if any(re.match(rf"SCAN {table}\b", detail) for table in ACTIVITY_TABLES):
                    found.append(f"{detail}: {statement}")
        return found


@pytest.fixture
def count_queries(db):
    """`with count_queries() as counter:` records every SQL statement run inside it, and on
    SQLite fails if one of them reads an activity table whole. Such a statement passes every
    other test and makes its page ten times slower at scale (a list condition compared with
    1, as a typed expression once was, stops SQLite using the index)."""

    @contextmanager
    def counting() -> Iterator[QueryCounter]:
        counter = QueryCounter()

        def record(conn, cursor, statement, parameters, context, executemany):
            counter.statements.append(statement)
            counter.parameters.append(parameters)

        event.listen(_db.engine, "before_cursor_execute", record)
        try:
            yield counter
        finally:
            event.remove(_db.engine, "before_cursor_execute", record)
        if _db.engine.dialect.name == "sqlite":
            dbapi_connection = _db.session.connection().connection.dbapi_connection
            assert counter.whole_table_reads(dbapi_connection) == []

    return counting


@pytest.fixture(scope="session")
def is_postgres(database_url) -> bool:
    return make_url(database_url).get_backend_name() == "postgresql"


class Clock:
    """The time every view sees; tests move it forward to reach due dates and reviews."""

    def __init__(self, now) -> None:
        self.now = now

    def __call__(self):
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """Freeze `utcnow` in every quizapp module that imported it, at the real time now."""
    import sys

    from quizapp import db as db_module

    real = db_module.utcnow
    fake = Clock(real())
    for name, module in list(sys.modules.items()):
        if name.startswith("quizapp.") and getattr(module, "utcnow", None) is real:
            monkeypatch.setattr(module, "utcnow", fake)
    return fake


@pytest.fixture
def inbox(app, monkeypatch):
    """A real SMTP server for this test, which the app's MAIL_URL points at."""
    from tests.smtp import smtp_server

    with smtp_server() as (received, url):
        monkeypatch.setitem(app.config, "MAIL_URL", url)
        yield received


def send_mail(app) -> str:
    """Run `flask mail send` once, as cron would; its one-line report."""
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.output
