"""Accounts as a browser uses them: register, log in, change password, log out, bad input."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from quizapp.extensions import limiter
from quizapp.models import OutboxMessage, User
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
        # A right-to-left override would show the name, and what follows it, reversed.
        (
            {"display_name": "Ada \u202eecalevoL"},
            "Use letters, digits, spaces and punctuation only; line breaks and text-direction "
            "controls are not allowed.",
        ),
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


def test_settings_refuse_a_display_name_with_a_line_break(logged_in, user, db):
    before = user.display_name
    settings = {
        "display_name": "Ada\u2028Lovelace",
        "time_zone": "UTC",
        "daily_goal": "20",
        "desired_retention": "0.9",
        "new_cards_per_day": "20",
        "reviews_per_day": "200",
    }
    response = logged_in.submit("/account/settings", settings)
    assert response.status_code == 400
    assert "line breaks and text-direction controls are not allowed" in response.text
    db.session.expire_all()
    assert db.session.get(User, user.id).display_name == before


def test_lighter_days_are_saved_shown_and_refused_when_tampered(logged_in, user, db):
    settings = {
        "display_name": "Ada",
        "time_zone": "UTC",
        "daily_goal": "20",
        "desired_retention": "0.9",
        "new_cards_per_day": "20",
        "reviews_per_day": "200",
    }
    saved = logged_in.post(
        "/account/settings",
        data={
            **settings,
            "light_weekdays": ["5", "6"],
            "csrf_token": logged_in.csrf_token("/account/settings"),
        },
    )
    assert saved.status_code == 303
    db.session.expire_all()
    assert db.session.get(User, user.id).light_days == 0b1100000
    page = logged_in.get("/account/settings").text
    assert re.search(r'checked[^>]*value="5"|value="5"[^>]*checked', page)
    assert not re.search(r'checked[^>]*value="0"|value="0"[^>]*checked', page)
    tampered = logged_in.post(
        "/account/settings",
        data={
            **settings,
            "light_weekdays": ["9"],
            "csrf_token": logged_in.csrf_token("/account/settings"),
        },
    )
    assert tampered.status_code == 400 and "Lighter days" in tampered.text
    db.session.expire_all()
    assert db.session.get(User, user.id).light_days == 0b1100000


def test_session_cookie_flags(client, user):
    response = client.login(user.email)
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_cookies_are_secure(database_url, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    app = make_app(database_url, ENV_NAME="production", SERVER_NAME="quiz.example.com")
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]


@pytest.fixture
def limited_apps(app, database_url):
    """Builds apps with the rate limits on; keyword arguments are make_app's overrides."""
    built = []

    def build(**overrides):
        limited = make_app(database_url, RATELIMIT_ENABLED=True, **overrides)
        limited.test_client_class = BrowserClient
        built.append(limited)
        return limited

    yield build
    # The limiter is one object shared by every app in this process: hand it back disabled.
    limiter.reset()
    limiter.init_app(app)
    for limited in built:
        dispose(limited)


@pytest.fixture
def limited_app(limited_apps):
    return limited_apps()


def login_from(client, address: str, email: str, password: str = "wrong password here"):
    """A login posted through a proxy that says the browser's address is `address`."""
    return client.login(email, password, headers={"X-Forwarded-For": address})


@pytest.mark.parametrize(("proxies", "neighbour"), [(1, 400), (0, 429)])
def test_clients_behind_a_trusted_proxy_have_login_limits_of_their_own(
    limited_apps, db, proxies, neighbour
):
    app = limited_apps(TRUSTED_PROXIES=proxies)
    guesser, other = app.test_client(), app.test_client()
    # A new email every time, so only the per-address limit is at work. The guesser also
    # makes up addresses of its own, which the proxy passes on before the one it saw.
    statuses = [
        login_from(guesser, f"198.51.100.{n}, 203.0.113.1", f"guess{n}@example.com").status_code
        for n in range(11)
    ]
    assert statuses == [400] * 10 + [429]
    # With the proxy trusted, a neighbour is not held back; without it, every client has
    # the proxy's address and shares one limit.
    assert login_from(other, "203.0.113.2", "neighbour@example.com").status_code == neighbour


def test_failed_logins_are_limited_per_account_whatever_the_address(limited_apps, db):
    app = limited_apps(TRUSTED_PROXIES=1)
    attacker, owner, bystander = app.test_client(), app.test_client(), app.test_client()
    target, other = create_user(), create_user()
    guesses = [login_from(attacker, f"203.0.113.{n}", target.email).status_code for n in range(9)]
    assert guesses == [400] * 9
    # The owner signing in meanwhile is not a failure, and does not count.
    assert login_from(owner, "192.0.2.1", target.email, DEFAULT_PASSWORD).status_code == 302
    # The same account however its email is written: this is the tenth failure.
    assert login_from(attacker, "203.0.113.9", target.email.upper()).status_code == 400

    # Ten failures: from any address, even with the right password, the account is paused.
    paused = login_from(attacker, "203.0.113.10", target.email, DEFAULT_PASSWORD)
    assert paused.status_code == 429
    page = paused.get_data(as_text=True)
    assert "Too many attempts" in page
    assert "logging in to it with a password is paused for up to 15 minutes" in page
    assert login_from(bystander, "192.0.2.2", target.email, DEFAULT_PASSWORD).status_code == 429
    # Other accounts are not: not even from the attacker's address.
    assert login_from(bystander, "203.0.113.10", other.email, DEFAULT_PASSWORD).status_code == 302


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


def test_a_flood_of_reset_requests_is_held_back_per_account_and_per_client(limited_apps, db):
    app = limited_apps(TRUSTED_PROXIES=1)
    target = create_user()
    flooder = app.test_client()
    token = flooder.csrf_token("/account/forgot")

    def ask(email: str, address: str) -> int:
        data = {"csrf_token": token, "email": email}
        return flooder.post(
            "/account/forgot", data=data, headers={"X-Forwarded-For": address}
        ).status_code

    # From ever new addresses, one inbox gets three requests an hour through.
    statuses = [ask(target.email.upper(), f"198.51.100.{n}") for n in range(4)]
    assert statuses == [303, 303, 303, 429]
    # From one address, five a quarter hour, whatever the accounts.
    statuses = [ask(f"someone{n}@example.com", "203.0.113.9") for n in range(6)]
    assert statuses == [303] * 5 + [429]
    db.session.rollback()
    queued = db.session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.kind == "password-reset")
    )
    assert queued == 1, "and a quarter hour's requests for one account send one message"
