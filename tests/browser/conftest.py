"""Browser fixtures: one live server on a fresh SQLite database with the shipped course, one
Chromium for the whole run, and a new browser context (a new visitor) for each page a test
opens, at a phone or a desktop width.

Without Playwright or Chromium every test here skips with one reason, so `make test` still
passes on a machine that has neither."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import flask_migrate
import pytest
from flask import Flask
from werkzeug.serving import WSGIRequestHandler, make_server

from quizapp.db import db, utcnow
from quizapp.services.content_sync import content_sync
from tests.browser.support import (
    CONTENT_DIR,
    WIDTHS,
    AxeUnavailable,
    PageChecks,
    artifacts_dir,
    axe_source,
    catalogue,
)
from tests.conftest import MIGRATIONS, dispose, make_app

CHROMIUM = os.environ.get("QUIZAPP_E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def unavailable() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "browser tests need Playwright: pip install -e '.[test]'"
    if not os.access(CHROMIUM, os.X_OK):
        return (
            f"browser tests need Chromium at {CHROMIUM} "
            "(apt-get install chromium, or set QUIZAPP_E2E_CHROMIUM)"
        )
    return None


UNAVAILABLE = unavailable()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item) -> None:
    # Skipped from here rather than from a fixture, so the summary says it once, not per test.
    if UNAVAILABLE:
        pytest.skip(UNAVAILABLE)


class QuietHandler(WSGIRequestHandler):
    """Errors still reach stderr; the line per request does not."""

    def log_request(self, *args, **kwargs) -> None:
        pass


@dataclass
class LiveServer:
    app: Flask
    url: str
    errors: list[str] = field(default_factory=list)


def record_errors(app: Flask, errors: list[str]) -> None:
    """Keep every exception the app raises, so a test fails on a server error it caused even
    when the page it shows looks fine."""
    inner = app.wsgi_app

    def wsgi_app(environ, start_response):
        try:
            return inner(environ, start_response)
        except Exception as error:
            errors.append(f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}: {error!r}")
            raise

    app.wsgi_app = wsgi_app


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    """The app on 127.0.0.1 at a free port, CSRF on, on its own migrated SQLite database
    (never TEST_DATABASE_URL) holding the real course."""
    folder = tmp_path_factory.mktemp("e2e")
    app = make_app(
        f"sqlite:///{folder / 'e2e.sqlite'}",
        CONTENT_DIR=str(CONTENT_DIR),
        RATELIMIT_ENABLED=False,
    )
    app.instance_path = str(folder / "instance")
    with app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS)
        content_sync(catalogue(), now=utcnow())
        db.session.commit()
    live = LiveServer(app, "")
    record_errors(app, live.errors)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    live.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    yield live
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)
    dispose(app)


@pytest.fixture
def server(live_server) -> Iterator[LiveServer]:
    """The live server, checked after the test for exceptions the test's requests raised."""
    live_server.errors.clear()
    yield live_server
    assert not live_server.errors, f"the server raised: {live_server.errors}"


@pytest.fixture
def app_db(server) -> Iterator:
    """The live server's database, for setting up what the pages cannot (an instructor)."""
    with server.app.app_context():
        yield db
        db.session.remove()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(params=list(WIDTHS))
def width(request) -> str:
    return request.param


def watch(page, problems: list[str]) -> None:
    """Collect what the user would not see but should never happen: a script error, a console
    error (a CSP violation is one), a server error, a missing stylesheet or script."""
    page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))

    def console(message) -> None:
        # A page answered with 4xx on purpose logs this too; responses are checked below.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.append(f"{page.url}: console error: {message.text}")

    def response(response) -> None:
        request = response.request
        if response.status >= 500 or (
            response.status >= 400 and request.resource_type != "document"
        ):
            problems.append(f"{request.method} {response.url}: {response.status}")

    page.on("console", console)
    page.on("response", response)


@pytest.fixture
def new_page(browser, server, width):
    """`new_page()` opens a page in a new context: another visitor with their own cookies,
    at the test's width. Errors `watch` collects fail the test."""
    contexts, problems = [], []

    def opener(**options):
        context = browser.new_context(
            base_url=server.url,
            timezone_id="Europe/Paris",
            locale="en-GB",
            **{**WIDTHS[width], **options},
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        watch(page, problems)
        return page

    yield opener
    for context in contexts:
        context.close()
    assert not problems, f"errors in the browser: {problems}"


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture(scope="session")
def axe_or_reason() -> tuple[str | None, str | None]:
    """axe-core's source, or why there is none (no network): the journeys then check without
    it, and the tests that need it skip, saying why."""
    try:
        return axe_source(), None
    except AxeUnavailable as error:
        return None, str(error)


@pytest.fixture(scope="session")
def axe_js(axe_or_reason) -> str:
    source, reason = axe_or_reason
    if source is None:
        pytest.skip(reason)
    return source


@pytest.fixture
def checks(width, axe_or_reason) -> PageChecks:
    return PageChecks(width, artifacts_dir(), axe_or_reason[0])
