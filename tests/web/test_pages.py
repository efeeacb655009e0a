"""Pages a visitor sees: catalogue, lessons, errors; accessible, safe, constant in queries."""

from __future__ import annotations

import io
import re
from datetime import datetime

import pytest
from sqlalchemy import select

from tests.factories import create_user, sync_tree, write_content
from tests.web.pages import assert_accessible, assert_local_assets_only


@pytest.fixture
def shipped_content(app, db):
    from pathlib import Path

    sync_tree(Path(app.config["CONTENT_DIR"]))
    db.session.commit()


def test_catalogue_lists_every_module_and_lesson(client, shipped_content):
    page = client.get("/").get_data(as_text=True)
    assert "Duties and responsibilities" in page
    assert "Module 7" in page
    assert page.count('href="/lessons/') >= 24
    assert_accessible(page)
    assert_local_assets_only(page)


def test_lesson_page_renders_markdown_objectives_and_neighbours(client, shipped_content):
    response = client.get("/lessons/duties-planning-resources")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<h2" in page and "By the end of this lesson you can" in page
    assert 'rel="prev"' in page and 'rel="next"' in page
    assert "<cite>Production Manager Career Path Guide</cite>, Jobicy" in page
    assert_accessible(page)


def test_unknown_and_retired_lessons_are_404_in_the_site_look(client, db, tmp_path):
    root = write_content(tmp_path, lessons_per_module=2)
    sync_tree(root)
    (root / "lessons/module-1/02-lesson-2.md").unlink()
    (root / "questions/module-1-lesson-2.yaml").unlink()
    sync_tree(root)
    db.session.commit()
    for url in ("/lessons/no-such-lesson", "/lessons/module-1-lesson-2"):
        response = client.get(url)
        assert response.status_code == 404
        page = response.get_data(as_text=True)
        assert "Page not found" in page and 'class="site-header"' in page


def test_lesson_html_is_sanitized(client, db, tmp_path):
    root = write_content(tmp_path)
    lesson = root / "lessons/module-1/01-lesson-1.md"
    lesson.write_text(lesson.read_text() + "\n[click](javascript:alert(1)) and `<b>code</b>`\n")
    sync_tree(root)
    db.session.commit()
    page = client.get("/lessons/module-1-lesson-1").get_data(as_text=True)
    assert 'href="javascript:' not in page
    assert "&lt;b&gt;code&lt;/b&gt;" in page


def test_forms_are_accessible(client, db):
    for url in ("/account/register", "/account/login"):
        assert_accessible(client.get(url).get_data(as_text=True))


def test_security_headers(client, db):
    headers = client.get("/").headers
    policy = headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self';" in policy
    assert "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"


def test_no_page_has_an_inline_script(client, db, shipped_content):
    """The policy forbids inline scripts, so one in a template would silently not run."""
    for url in ("/", "/lessons/module-1-lesson-1", "/account/login", "/account/register"):
        html = client.get(url).get_data(as_text=True)
        assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == [], url
        assert not re.search(r"\son[a-z]+=", html), f"inline event handler on {url}"


def test_oversized_bodies_and_uploads_are_refused_before_any_work(logged_in, db):
    too_big = logged_in.post("/account/settings", data={"display_name": "x" * (1024 * 1024)})
    assert too_big.status_code == 413
    assert "Too much data" in too_big.get_data(as_text=True)

    upload = logged_in.post(
        "/account/settings",
        data={"display_name": "Ada", "file": (io.BytesIO(b"GIF89a"), "cat.gif")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 415
    assert "does not accept file uploads" in upload.get_data(as_text=True)


def test_static_assets_are_served(client, db):
    for url in (
        "/static/css/app.css",
        "/static/js/app.js",
        "/static/js/timezone.js",
        "/static/favicon.svg",
    ):
        response = client.get(url)
        assert response.status_code == 200
        response.close()


def test_wrong_method_gets_the_site_error_page(client, db):
    response = client.get("/account/logout")
    assert response.status_code == 405
    assert 'class="site-header"' in response.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/", "/lessons/module-1-lesson-1"])
def test_pages_run_the_same_number_of_queries_whatever_the_catalogue_size(
    client, db, tmp_path, count_queries, url
):
    def queries_with(modules, lessons):
        root = write_content(
            tmp_path / f"{modules}-{lessons}", modules=modules, lessons_per_module=lessons
        )
        sync_tree(root)
        db.session.commit()
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        return counter.count

    small = queries_with(1, 1)
    large = queries_with(6, 5)
    assert small == large
    assert small <= 4


def test_every_post_route_rejects_a_missing_csrf_token(app, db, logged_in, user, tmp_path):
    """Signed in or not, a POST without a token is refused; routes that only make sense for
    one of the two may redirect the other, but none accepts the request."""
    from quizapp.core.tokens import make_token
    from quizapp.db import utcnow
    from quizapp.models import ClassInvitation, Question, QuizAttempt, ReviewCard, UserSession
    from quizapp.services import classes

    sync_tree(write_content(tmp_path))
    db.session.commit()
    lesson = "module-1-lesson-1"
    started = logged_in.submit(f"/lessons/{lesson}/quiz", {}, form_url=f"/lessons/{lesson}")
    assert started.status_code == 303
    card = ReviewCard(
        user_id=user.id, question_id=db.session.scalar(select(Question.id)), due=utcnow()
    )
    db.session.add(card)
    # An admin teaching a class with a learner and an assignment, so that every class and
    # admin route gets past its permission check and reaches the CSRF check.
    user.role = "admin"
    classroom = classes.create_class(owner=user, name="Line 3", description="", time_zone="UTC")
    learner = create_user()
    classes.join_class(user=learner, code=classroom.join_code, now=utcnow())
    assignment = classes.create_assignment(
        classroom=classroom,
        by=user,
        target="module:module-1",
        due_local=datetime(2030, 1, 1, 17, 0),
        pass_mark=None,
        now=utcnow(),
    )
    invitation = ClassInvitation(class_id=classroom.id, email="invited@example.com")
    db.session.add(invitation)
    db.session.commit()
    # Real values for every URL parameter, so the request reaches the CSRF check.
    values = {
        "slug": lesson,
        "attempt_id": db.session.scalar(select(QuizAttempt.id)),
        "position": 1,
        "card_id": card.id,
        "class_id": classroom.id,
        "user_id": learner.id,
        "assignment_id": assignment.id,
        "change": "new",
        "session_id": db.session.scalar(select(UserSession.id)),
        "invitation_id": invitation.id,
        "token": "not-a-valid-token",
    }
    anonymous = app.test_client()
    # Unsubscribing is proved by its signed link, which mail clients POST to with nothing
    # else (RFC 8058); tests/web/test_reminders.py checks it takes no token.
    post_rules = [
        r
        for r in app.url_map.iter_rules()
        if "POST" in r.methods and r.endpoint != "reminders.unsubscribe"
    ]
    assert post_rules
    with app.app_context():
        invitation_token = make_token(
            app.config["SECRET_KEY"], "class-invitation", {"i": invitation.id}
        )
    for rule in post_rules:
        # An invitation's own link, so the request gets past the link to the token check.
        own = {"token": invitation_token} if rule.endpoint == "invitations.open" else {}
        _, url = rule.build({name: {**values, **own}[name] for name in rule.arguments})
        statuses = {anonymous.post(url).status_code, logged_in.post(url).status_code}
        assert 400 in statuses and not any(200 <= s < 300 for s in statuses), (url, statuses)


def test_a_server_error_shows_the_site_page_and_writes_nothing(database_url, db):
    from quizapp.models import User
    from tests.conftest import dispose, make_app

    app = make_app(database_url, PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom")
    def boom():
        db.session.add(User(email="half@example.com", display_name="x", password_hash="x"))
        db.session.flush()
        raise RuntimeError("a bug half-way through a request")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Something went wrong" in page and 'class="site-header"' in page
    assert db.session.scalars(select(User.email)).all() == []
    dispose(app)


def test_health_check_answers_without_a_login_and_is_never_cached(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok\n"
    assert response.headers["Cache-Control"] == "no-store"
