"""Getting back in: a reset link by mail, proving an address, changing it, and the command
line for sites without mail. Mail goes through a real SMTP server (tests/smtp.py)."""

from __future__ import annotations

from sqlalchemy import func, select

from quizapp.core.tokens import make_token
from quizapp.models import OutboxMessage, User
from tests.conftest import send_mail, signed_in
from tests.factories import DEFAULT_PASSWORD, create_user
from tests.smtp import html_of, links_in, path_of, text_of

NEW_PASSWORD = "plum kettle harbour lamp"
ANSWER = "If an account uses"


def ask_for_reset(client, email: str):
    return client.submit("/account/forgot", {"email": email}, follow_redirects=True)


def reset_link(inbox, email: str) -> str:
    message = inbox.only_to(email)
    return path_of(next(link for link in links_in(message) if "/account/reset/" in link))


def outbox_rows(db, **where) -> int:
    db.session.rollback()
    statement = select(func.count()).select_from(OutboxMessage)
    for column, value in where.items():
        statement = statement.where(getattr(OutboxMessage, column) == value)
    return db.session.scalar(statement)


def test_forgotten_password_reset_from_the_mail_signs_every_device_out(app, db, inbox, user):
    old_device = signed_in(app, user)
    browser = app.test_client()
    answer = ask_for_reset(browser, user.email.upper())
    assert answer.status_code == 200 and ANSWER in answer.text
    assert "1 sent" in send_mail(app)

    message = inbox.only_to(user.email)
    assert message["Subject"] == "Reset your quizapp password"
    assert message["Message-ID"].endswith(">") and message["Date"]
    assert "works once, for one hour" in text_of(message)
    link = links_in(message)[0]
    # Absolute, from configuration: the development default, never a request's Host.
    assert link.startswith("http://127.0.0.1:5000/account/reset/")
    assert link in html_of(message)

    form = browser.get(path_of(link))
    assert form.status_code == 200 and user.email in form.text
    done = browser.submit(
        path_of(link), {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, follow_redirects=True
    )
    assert "Your password is changed and every device is logged out" in done.text
    assert old_device.get("/today").status_code == 302
    assert browser.login(user.email, NEW_PASSWORD).status_code == 302
    db.session.rollback()
    assert db.session.get(User, user.id).email_verified_at is not None, "the link proves it"

    # Used once, the link is spent.
    again = app.test_client().get(path_of(link))
    assert again.status_code == 400 and "already been used" in again.text


def test_the_answer_is_the_same_for_unknown_addresses_and_nothing_is_sent(app, db, inbox, user):
    known = ask_for_reset(app.test_client(), user.email)
    unknown = ask_for_reset(app.test_client(), "nobody@example.com")
    strip = lambda page: page.replace(user.email, "X").replace("nobody@example.com", "X")  # noqa: E731
    assert known.status_code == unknown.status_code == 200
    assert strip(known.text).count(ANSWER) == strip(unknown.text).count(ANSWER) == 1
    send_mail(app)
    assert [m["To"] for m in inbox.messages] == [user.email]


def test_requests_in_a_row_send_one_message(app, db, inbox, user):
    browser = app.test_client()
    for _ in range(3):
        ask_for_reset(browser, user.email)
    assert outbox_rows(db, kind="password-reset") == 1
    send_mail(app)
    assert len(inbox.to(user.email)) == 1


def test_an_expired_tampered_or_foreign_link_is_refused(app, db, inbox, user, clock):
    ask_for_reset(app.test_client(), user.email)
    send_mail(app)
    link = reset_link(inbox, user.email)
    browser = app.test_client()

    tampered = browser.get(link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb"))
    assert tampered.status_code == 400 and "not valid" in tampered.text
    with app.app_context():
        foreign = make_token(
            app.config["SECRET_KEY"], "verify-email", {"u": user.id, "e": user.email}
        )
    assert browser.get(f"/account/reset/{foreign}").status_code == 400

    clock.advance(minutes=61)
    expired = browser.get(link)
    assert expired.status_code == 400 and "expired" in expired.text
    posted = browser.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert posted.status_code == 400
    db.session.rollback()
    assert app.test_client().login(user.email).status_code == 302, "the password is unchanged"


def test_a_link_stops_working_when_the_password_changes_another_way(app, db, inbox, user):
    ask_for_reset(app.test_client(), user.email)
    send_mail(app)
    link = reset_link(inbox, user.email)
    signed_in(app, user).submit(
        "/account/password",
        {
            "current_password": DEFAULT_PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert app.test_client().get(link).status_code == 400


def test_a_weak_new_password_is_refused_and_the_link_still_works(app, db, inbox, user):
    ask_for_reset(app.test_client(), user.email)
    send_mail(app)
    link = reset_link(inbox, user.email)
    browser = app.test_client()
    weak = browser.submit(link, {"password": "1234567890", "confirm": "1234567890"})
    assert weak.status_code == 400 and "too easy to guess" in weak.text
    mismatch = browser.submit(link, {"password": NEW_PASSWORD, "confirm": "something else 1"})
    assert mismatch.status_code == 400 and "do not match" in mismatch.text
    assert (
        browser.submit(link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 303
    )


def test_signing_up_sends_a_link_that_confirms_the_address(app, db, inbox):
    browser = app.test_client()
    data = {
        "email": "nia@example.com",
        "display_name": "Nia",
        "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD,
        "time_zone": "UTC",
    }
    assert browser.submit("/account/register", data).status_code == 302
    settings = browser.get("/account/settings").text
    assert "not confirmed yet" in settings
    send_mail(app)
    message = inbox.only_to("nia@example.com")
    assert message["Subject"] == "Confirm your email address"
    confirmed = browser.get(path_of(links_in(message)[0]), follow_redirects=True)
    assert "nia@example.com is confirmed" in confirmed.text
    assert "not confirmed yet" not in browser.get("/account/settings").text
    # Opening it again is harmless.
    assert browser.get(path_of(links_in(message)[0])).status_code == 302


def test_changing_the_address_waits_for_the_new_one_to_be_confirmed(app, db, inbox, user):
    browser = signed_in(app, user)
    wrong = browser.submit(
        "/account/email", {"new_email": "new@example.com", "password": "nope nope nope"}
    )
    assert wrong.status_code == 400 and "password is not correct" in wrong.text
    taken = create_user(email="taken@example.com")
    clash = browser.submit(
        "/account/email", {"new_email": taken.email, "password": DEFAULT_PASSWORD}
    )
    assert clash.status_code == 400 and "Another account uses this address" in clash.text

    moved = browser.submit(
        "/account/email", {"new_email": "New@Example.com", "password": DEFAULT_PASSWORD}
    )
    assert moved.status_code == 303
    db.session.rollback()
    assert db.session.get(User, user.id).email == user.email, "unchanged until confirmed"
    send_mail(app)
    message = inbox.only_to("new@example.com")
    assert message["Subject"] == "Confirm your new email address"
    browser.get(path_of(links_in(message)[0]))
    db.session.rollback()
    changed = db.session.get(User, user.id)
    assert changed.email == "new@example.com" and changed.email_verified_at is not None
    assert app.test_client().login("new@example.com").status_code == 302


def test_a_change_link_for_an_address_taken_meanwhile_is_refused(app, db, inbox, user):
    browser = signed_in(app, user)
    browser.submit("/account/email", {"new_email": "new@example.com", "password": DEFAULT_PASSWORD})
    send_mail(app)
    create_user(email="new@example.com")
    response = browser.get(path_of(links_in(inbox.only_to("new@example.com"))[0]))
    assert response.status_code == 400 and "already belongs to another account" in response.text
    db.session.rollback()
    assert db.session.get(User, user.id).email == user.email


def test_set_password_from_the_command_line_ends_every_session(app, db, user):
    browser = signed_in(app, user)
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["users", "set-password", "--email", user.email.upper()],
        input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert "every session of it has ended" in result.output
    assert browser.get("/today").status_code == 302
    assert app.test_client().login(user.email, NEW_PASSWORD).status_code == 302

    weak = runner.invoke(
        args=["users", "set-password", "--email", user.email], input="1234567890\n1234567890\n"
    )
    assert weak.exit_code != 0 and "too easy to guess" in weak.output
    missing = runner.invoke(
        args=["users", "set-password", "--email", "nobody@example.com"],
        input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n",
    )
    assert missing.exit_code != 0 and "No account" in missing.output


def test_a_change_link_opened_outside_the_account_changes_nothing(app, db, inbox, user):
    """Whoever owns a mistyped new address must not get the account by opening the link."""
    signed_in(app, user).submit(
        "/account/email", {"new_email": "typo@example.com", "password": DEFAULT_PASSWORD}
    )
    send_mail(app)
    link = path_of(links_in(inbox.only_to("typo@example.com"))[0])
    stranger = app.test_client()
    response = stranger.get(link)
    assert response.status_code == 400 and "log in first" in response.text
    db.session.rollback()
    assert db.session.get(User, user.id).email == user.email
