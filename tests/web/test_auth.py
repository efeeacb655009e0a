"""Accounts as a browser uses them: register, log in, change password, log out, bad input."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from quizapp.extensions import limiter
from quizapp.models import User
from tests.conftest import BrowserClient, dispose, make_app
from tests.factories import DEFAULT_PASSWORD, create_user


def user_count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def register(client, follow_redirects=False, **overrides):
    data = {
        "email": "ada@example.com",
        "display_name": "Ada",
        "password": DEFAULT_PASSWORD,
        "confirm": DEFAULT_PASSWORD,
        "time_zone": "Europe/London",
    }
    data.update(overrides)
    return client.submit("/account/register", data, follow_redirects=follow_redirects)


def test_register_logs_the_new_learner_in(client, db):
    response = register(client, follow_redirects=True)
    assert response.status_code == 200
    assert "Welcome, Ada!" in response.get_data(as_text=True)
    user = db.session.scalar(select(User))
    assert (user.email, user.role, user.time_zone) == (
        "ada@example.com",
        "learner",
        "Europe/London",
    )
    assert user.password_hash.startswith("scrypt:") and DEFAULT_PASSWORD not in user.password_hash
    assert "Log out" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("email", ["ADA@example.com", "  ada@EXAMPLE.com "])
def test_duplicate_email_in_any_case_is_refused(client, db, email):
    create_user(email="ada@example.com")
    response = register(client, email=email)
    assert response.status_code == 400
    assert "An account with this email already exists" in response.get_data(as_text=True)
    assert user_count(db) == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"password": "short", "confirm": "short"}, "Use at least 10 characters."),
        ({"password": "password123", "confirm": "password123"}, "too easy to guess"),
        (
            {"password": "x" * 129, "confirm": "x" * 129},
            "Field cannot be longer than 128 characters.",
        ),
        ({"confirm": "something else entirely"}, "The two passwords do not match."),
        ({"email": "not-an-email"}, "Enter a valid email address"),
        ({"email": "a" * 250 + "@example.com"}, "Use at most 254 characters."),
        ({"display_name": "n" * 81}, "Use at most 80 characters."),
        ({"display_name": "   "}, "Enter a display name."),
        ({"time_zone": "Mars/Olympus_Mons"}, "Not a valid choice"),
    ],
)
def test_bad_registration_input_is_explained_on_the_form(client, db, overrides, message):
    response = register(client, **overrides)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page
    assert 'aria-invalid="true"' in page
    assert user_count(db) == 0


@pytest.mark.parametrize("token", [None, "tampered-token"])
def test_registration_without_a_valid_csrf_token_is_refused(client, db, token):
    data = {
        "email": "ada@example.com",
        "display_name": "Ada",
        "password": DEFAULT_PASSWORD,
        "confirm": DEFAULT_PASSWORD,
        "time_zone": "UTC",
    }
    if token:
        data["csrf_token"] = token
    response = client.post("/account/register", data=data)
    assert response.status_code == 400
    assert "CSRF token" in response.get_data(as_text=True)
    assert user_count(db) == 0


def test_login_and_logout(client, user):
    response = client.login(user.email.upper(), follow_redirects=True)
    assert "Welcome back" in response.get_data(as_text=True)
    response = client.submit("/account/logout", {}, form_url="/", follow_redirects=True)
    assert response.status_code == 200
    assert "You are logged out." in response.get_data(as_text=True)
    assert client.get("/account/password").status_code == 302


def test_logout_needs_the_csrf_token(logged_in):
    response = logged_in.post("/account/logout")
    assert response.status_code == 400
    assert logged_in.get("/account/password").status_code == 200


def test_failed_login_does_not_reveal_whether_the_email_exists(client, user):
    wrong_password = client.login(user.email, "not the password at all")
    unknown_email = client.login("nobody@example.com", "not the password at all")
    assert wrong_password.status_code == unknown_email.status_code == 400

    def error_text(response):
        return re.search(
            r'<div class="form-errors".*?</div>', response.get_data(as_text=True), re.S
        ).group(0)

    assert error_text(wrong_password) == error_text(unknown_email)
    assert "The email or password is not correct." in error_text(unknown_email)


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/lessons/x", "/lessons/x"),
        ("https://evil.example/", "/today"),
        ("//evil.example/", "/today"),
        ("/\\evil.example", "/today"),
        ("javascript:alert(1)", "/today"),
    ],
)
def test_next_only_redirects_within_the_site(client, user, next_url, expected):
    response = client.submit(
        "/account/login",
        {"email": user.email, "password": DEFAULT_PASSWORD},
        form_url="/account/login",
        query_string={"next": next_url},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_login_required_pages_send_you_back_after_login(client, user):
    response = client.get("/account/password")
    assert response.status_code == 302 and "next=" in response.headers["Location"]


def test_change_password_ends_other_sessions(app, logged_in, user, db):
    other_device = app.test_client()
    other_device.login(user.email)
    assert other_device.get("/account/password").status_code == 200

    response = logged_in.submit(
        "/account/password",
        {
            "current_password": DEFAULT_PASSWORD,
            "new_password": "a brand new secret",
            "confirm": "a brand new secret",
        },
        follow_redirects=True,
    )
    assert "Your password is changed." in response.get_data(as_text=True)
    assert logged_in.get("/account/password").status_code == 200
    assert other_device.get("/account/password").status_code == 302

    logged_in.submit("/account/logout", {}, form_url="/")
    assert logged_in.login(user.email, DEFAULT_PASSWORD).status_code == 400
    assert logged_in.login(user.email, "a brand new secret").status_code == 302


@pytest.mark.parametrize(
    ("current", "new", "message"),
    [
        ("wrong current password", "a brand new secret", "Your current password is not correct."),
        (DEFAULT_PASSWORD, DEFAULT_PASSWORD, "different from the current one"),
        (DEFAULT_PASSWORD, "1234567890", "too easy to guess"),
    ],
)
def test_change_password_bad_input(logged_in, user, db, current, new, message):
    before = user.password_hash
    response = logged_in.submit(
        "/account/password", {"current_password": current, "new_password": new, "confirm": new}
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash == before


def test_session_cookie_flags(client, user):
    response = client.login(user.email)
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_cookies_are_secure(database_url, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    app = make_app(database_url, ENV_NAME="production")
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]


@pytest.fixture
def limited_app(app, database_url):
    limited = make_app(database_url, RATELIMIT_ENABLED=True)
    yield limited
    # The limiter is one object shared by every app in this process: hand it back disabled.
    limiter.reset()
    limiter.init_app(app)
    dispose(limited)


def test_repeated_login_attempts_are_rate_limited(limited_app, db):
    limited_app.test_client_class = BrowserClient
    client = limited_app.test_client()
    statuses = [
        client.login("someone@example.com", "wrong password here").status_code for _ in range(11)
    ]
    assert statuses[:10] == [400] * 10
    assert statuses[10] == 429
    assert "Too many attempts" in client.login("someone@example.com", "x" * 12).get_data(
        as_text=True
    )


def test_join_codes_are_limited_per_account_not_per_network(limited_app, db):
    limited_app.test_client_class = BrowserClient
    first, second = limited_app.test_client(), limited_app.test_client()
    first.login(create_user().email)
    second.login(create_user().email)
    guesses = [
        first.submit("/classes/join", {"code": f"WRONG{n:03d}"}, form_url="/classes").status_code
        for n in range(11)
    ]
    assert guesses[:10] == [400] * 10 and guesses[10] == 429
    # A classmate on the same network is not held back by the first learner's attempts.
    assert (
        second.submit("/classes/join", {"code": "WRONG999"}, form_url="/classes").status_code == 400
    )
    assert second.get("/classes/join").status_code == 200


def test_a_nul_byte_anywhere_is_a_bad_request(logged_in):
    assert logged_in.get("/classes/join/AB%00CD").status_code == 400
    assert logged_in.get("/admin/users?q=%00").status_code == 400
    response = logged_in.submit("/classes/join", {"code": "AB\x00CD"}, form_url="/classes")
    assert response.status_code == 400


def test_password_guesses_through_account_deletion_are_rate_limited(limited_app, db):
    limited_app.test_client_class = BrowserClient
    client = limited_app.test_client()
    user = create_user()
    assert client.login(user.email).status_code == 302
    token = client.csrf_token("/account/delete")
    statuses = [
        client.post(
            "/account/delete", data={"csrf_token": token, "password": f"guess {n}"}
        ).status_code
        for n in range(11)
    ]
    assert statuses == [400] * 10 + [429]
    assert client.get("/today").status_code == 200, "still signed in, account intact"
