"""Sessions live on the server: signing out, from this device or another, ends them for good."""

from __future__ import annotations

from sqlalchemy import func, select

from quizapp.models import UserSession
from tests.conftest import signed_in
from tests.factories import DEFAULT_PASSWORD

PHONE = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36"
LAPTOP = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def signed_out(client) -> bool:
    response = client.get("/today")
    return response.status_code == 302 and "/account/login" in response.headers["Location"]


def copy_cookies(source, target) -> None:
    for name in ("session", "remember_token"):
        cookie = source.get_cookie(name)
        if cookie is not None:
            target.set_cookie(name, cookie.value)


def sessions_of(db, user) -> int:
    db.session.rollback()
    return db.session.scalar(
        select(func.count()).select_from(UserSession).where(UserSession.user_id == user.id)
    )


def test_a_cookie_copied_before_logging_out_is_refused_afterwards(app, db, user):
    browser = app.test_client()
    data = {"email": user.email, "password": DEFAULT_PASSWORD, "remember": "y"}
    assert browser.submit("/account/login", data, form_url="/account/login").status_code == 302
    thief = app.test_client()
    copy_cookies(browser, thief)
    assert thief.get("/today").status_code == 200, "a copied cookie works while signed in"
    remembered = browser.get_cookie("remember_token").value

    assert browser.submit("/account/logout", {}, form_url="/today").status_code == 303
    assert signed_out(browser)
    # The copy still holds the session and the 30-day remember cookie; neither works.
    assert signed_out(thief)
    only_remember = app.test_client()
    only_remember.set_cookie("remember_token", remembered)
    assert signed_out(only_remember)
    assert sessions_of(db, user) == 0


def test_the_remember_cookie_alone_signs_in_until_logout(app, db, user):
    browser = app.test_client()
    data = {"email": user.email, "password": DEFAULT_PASSWORD, "remember": "y"}
    browser.submit("/account/login", data, form_url="/account/login")
    remembered = browser.get_cookie("remember_token").value
    later = app.test_client()  # the browser restarted: no session cookie, only the token
    later.set_cookie("remember_token", remembered)
    assert later.get("/today").status_code == 200
    later.submit("/account/logout", {}, form_url="/today")
    again = app.test_client()
    again.set_cookie("remember_token", remembered)
    assert signed_out(again)


def test_settings_lists_devices_and_signs_one_out(app, db, user):
    phone = app.test_client()
    phone.environ_base["HTTP_USER_AGENT"] = PHONE
    assert phone.login(user.email).status_code == 302
    laptop = app.test_client()
    laptop.environ_base["HTTP_USER_AGENT"] = LAPTOP
    assert laptop.login(user.email).status_code == 302

    page = laptop.get("/account/settings").get_data(as_text=True)
    assert "Chrome on Android" in page and "Firefox on Linux" in page
    assert (
        page.index("Firefox on Linux") < page.index("This device") < page.index("Chrome on Android")
    ), "this device comes first, marked"

    phone_session = db.session.scalar(
        select(UserSession.id).where(
            UserSession.user_id == user.id, UserSession.device == "Chrome on Android"
        )
    )
    response = laptop.submit(
        f"/account/sessions/{phone_session}/end", {}, form_url="/account/settings"
    )
    assert response.status_code == 303
    assert signed_out(phone)
    assert laptop.get("/today").status_code == 200
    assert "Chrome on Android" not in laptop.get("/account/settings").get_data(as_text=True)


def test_another_persons_session_cannot_be_ended(app, db, user):
    from tests.factories import create_user

    other = create_user()
    theirs = signed_in(app, other)
    their_session = db.session.scalar(select(UserSession.id).where(UserSession.user_id == other.id))
    mine = signed_in(app, user)
    response = mine.submit(
        f"/account/sessions/{their_session}/end", {}, form_url="/account/settings"
    )
    assert response.status_code == 404
    assert theirs.get("/today").status_code == 200


def test_sign_out_everywhere_else_and_everywhere(app, db, user):
    first, second, third = (signed_in(app, user) for _ in range(3))
    response = first.submit("/account/sessions/end-others", {}, form_url="/account/settings")
    assert response.status_code == 303
    assert "Signed out everywhere else (2 devices)" in first.get("/account/settings").text
    assert signed_out(second) and signed_out(third)
    assert sessions_of(db, user) == 1

    fourth = signed_in(app, user)
    first.submit("/account/sessions/end-all", {}, form_url="/account/settings")
    assert signed_out(first) and signed_out(fourth)
    assert sessions_of(db, user) == 0


def test_changing_the_password_ends_the_other_sessions_only(app, db, user):
    here, elsewhere = signed_in(app, user), signed_in(app, user)
    new = "plum kettle harbour lamp"
    data = {"current_password": DEFAULT_PASSWORD, "new_password": new, "confirm": new}
    assert here.submit("/account/password", data).status_code == 302
    assert here.get("/today").status_code == 200
    assert signed_out(elsewhere)


def test_an_idle_session_expires_and_a_used_one_lives_on(app, db, user, clock):
    used, idle = signed_in(app, user), signed_in(app, user)
    for _ in range(3):  # six weeks of weekly visits keep it alive
        clock.advance(days=13)
        assert used.get("/today").status_code == 200
    assert signed_out(idle), "fourteen days without a request end a session"

    result = app.test_cli_runner().invoke(args=["users", "prune-sessions"])
    assert result.exit_code == 0 and "1 expired session(s) deleted." in result.output
    assert sessions_of(db, user) == 1


def test_a_remembered_session_lasts_a_month_of_absence(app, db, user, clock):
    browser = app.test_client()
    data = {"email": user.email, "password": DEFAULT_PASSWORD, "remember": "y"}
    browser.submit("/account/login", data, form_url="/account/login")
    clock.advance(days=29)
    assert browser.get("/today").status_code == 200
    clock.advance(days=31)
    assert signed_out(browser)


def test_the_data_export_lists_the_signed_in_devices(app, db, user):
    phone = app.test_client()
    phone.environ_base["HTTP_USER_AGENT"] = PHONE
    phone.login(user.email)
    exported = phone.get("/account/export").get_json()
    assert [d["device"] for d in exported["signed_in_devices"]] == ["Chrome on Android"]
    assert exported["account"]["reminders"]["reviews"] is False
