"""The outbox delivers through a real SMTP server: nothing lost while the server is down or
refuses, nothing queued or sent twice, however many senders run."""

from __future__ import annotations

import re
import threading
from datetime import date
from email import message_from_bytes, policy

import pytest
from sqlalchemy import select

from quizapp.db import utcnow
from quizapp.mail.setup import mail_sender, mail_transport
from quizapp.mail.transport import MailConfigError, parse_mail_url
from quizapp.models.mail import FAILED, PENDING, SENT, OutboxMessage
from quizapp.services.outbox import MAX_ATTEMPTS, Mail, deliver_pending, queue_mail
from tests.conftest import make_app, send_mail
from tests.smtp import free_port, html_of, text_of


def letter(n: int = 1, **overrides) -> Mail:
    values = dict(
        kind="test",
        recipient=f"person{n}@example.com",
        subject=f"Message {n}",
        text_body=f"Plain text {n}: http://127.0.0.1:5000/today",
        html_body=f"<p>HTML {n}</p>",
        about="",
        day=date(2026, 12, 6),
        headers={"List-Unsubscribe": "<http://127.0.0.1:5000/x>"},
    )
    return Mail(**{**values, **overrides})


def queue(db, *mails: Mail, now=None) -> None:
    for mail in mails:
        queue_mail(mail, domain="quiz.example", now=now or utcnow())
    db.session.commit()


def deliver(app, clock=utcnow):
    with app.app_context():
        return deliver_pending(mail_transport(), sender=mail_sender(), clock=clock)


def rows(db) -> list[OutboxMessage]:
    db.session.rollback()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_a_queued_message_arrives_with_both_parts_and_its_headers(app, db, inbox):
    queue(db, letter())
    assert send_mail(app).startswith("1 sent, 0 waiting to be retried, 0 failed")
    message = inbox.only_to("person1@example.com")
    assert message["Subject"] == "Message 1"
    assert message["From"] == "quizapp <no-reply@localhost>"
    assert message["List-Unsubscribe"] == "<http://127.0.0.1:5000/x>"
    assert message["Message-ID"].endswith("@quiz.example>")
    assert "Plain text 1" in text_of(message) and "<p>HTML 1</p>" in html_of(message)
    [row] = rows(db)
    assert row.status == SENT and row.sent_at is not None and row.attempts == 1
    assert send_mail(app).startswith("0 sent"), "nothing goes out twice"
    assert len(inbox.messages) == 1


def test_the_same_key_is_queued_once(app, db):
    queue(db, letter(), letter(subject="Again, the same day"))
    assert [r.subject for r in rows(db)] == ["Message 1"]
    queue(db, letter(day=date(2026, 12, 7)), letter(about="assignment:3"))
    assert len(rows(db)) == 3


def test_a_server_that_is_down_leaves_the_message_waiting(app, db, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_URL", f"smtp://127.0.0.1:{free_port()}?timeout=1")
    queue(db, letter())
    report = deliver(app)
    assert (report.sent, report.retrying, report.failed) == (0, 1, 0)
    [row] = rows(db)
    assert row.status == PENDING and row.attempts == 1 and "Connection" in row.last_error
    assert row.next_attempt_at > utcnow(), "retried later, not in a loop"


@pytest.mark.parametrize("trouble", ["451 Try again later", "stall", "drop"])
def test_a_temporary_failure_is_retried_with_back_off_and_then_delivered(
    app, db, inbox, clock, trouble
):
    if trouble == "stall":
        inbox.stall = 1.5  # longer than the client's one-second time-out
    elif trouble == "drop":
        inbox.drop = True  # the connection closes in the middle of the message
    else:
        inbox.reply = trouble
    queue(db, letter(), now=clock.now)
    assert deliver(app, clock).retrying == 1
    first_wait = rows(db)[0].next_attempt_at - clock.now
    assert deliver(app, clock).retrying == 0, "not due again yet"

    clock.advance(seconds=first_wait.total_seconds() + 1)
    assert deliver(app, clock).retrying == 1
    second_wait = rows(db)[0].next_attempt_at - clock.now
    assert second_wait > first_wait, "each retry waits longer"

    inbox.reply, inbox.stall, inbox.drop = None, 0, False
    clock.advance(hours=1)
    report = deliver(app, clock)
    assert report.sent == 1
    [row] = rows(db)
    assert (row.status, row.attempts) == (SENT, 3)
    assert len(inbox.to("person1@example.com")) == 1


def test_a_refusal_for_good_is_marked_failed_and_the_command_says_so(app, db, inbox):
    inbox.reply = "550 No such mailbox"
    queue(db, letter(1), letter(2))
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code == 1, "a person should look"
    assert "0 sent, 0 waiting to be retried, 2 failed" in result.output
    assert {(r.status, r.last_error[:3]) for r in rows(db)} == {(FAILED, "550")}


def test_a_message_that_keeps_failing_is_given_up_after_its_last_attempt(app, db, inbox, clock):
    inbox.reply = "451 Busy"
    queue(db, letter(), now=clock.now)
    for _ in range(MAX_ATTEMPTS):
        deliver(app, clock)
        clock.advance(hours=7)
    [row] = rows(db)
    assert (row.status, row.attempts) == (FAILED, MAX_ATTEMPTS)


def test_several_senders_at_once_send_each_message_once(app, db, inbox):
    queue(db, *(letter(n) for n in range(30)))
    inbox.stall = 0.02  # long enough for the senders to overlap
    reports = []

    def sender():
        reports.append(deliver(app))

    threads = [threading.Thread(target=sender) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r.sent for r in reports) == 30
    ids = [m["Message-ID"] for m in inbox.messages]
    assert len(ids) == len(set(ids)) == 30
    assert {r.status for r in rows(db)} == {SENT}


def test_without_mail_url_development_writes_files_after_the_request(database_url, db, tmp_path):
    """`make run` needs no mail server: a message is a file the moment its request ends."""
    from tests.conftest import dispose
    from tests.factories import create_user

    create_user(email="dev@example.com")
    dev = make_app(database_url, ENV_NAME="development", SECRET_KEY="x" * 32)
    dev.instance_path = str(tmp_path)
    assert not dev.config.get("MAIL_URL")
    browser = dev.test_client()
    page = browser.get("/account/forgot").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
    browser.post("/account/forgot", data={"csrf_token": token, "email": "dev@example.com"})
    dispose(dev)
    files = list((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 1
    message = message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert message["To"] == "dev@example.com"
    assert "http://127.0.0.1:5000/account/reset/" in text_of(message)
    assert [row.status for row in rows(db)] == [SENT]


@pytest.mark.parametrize(
    ("url", "host", "port", "tls", "user"),
    [
        ("smtp://mail.example:2525", "mail.example", 2525, "none", None),
        (
            "smtp://me%40x.example:p%40ss@mail.example?starttls=1",
            "mail.example",
            587,
            "starttls",
            "me@x.example",
        ),
        ("smtps://u:p@mail.example", "mail.example", 465, "ssl", "u"),
    ],
)
def test_mail_urls(url, host, port, tls, user):
    settings = parse_mail_url(url)
    assert (settings.host, settings.port, settings.tls, settings.username) == (
        host,
        port,
        tls,
        user,
    )


@pytest.mark.parametrize("url", ["http://mail.example", "smtp://", "smtp://h:port"])
def test_a_bad_mail_url_is_refused_at_start_up(url, database_url):
    from quizapp.config import ConfigError

    with pytest.raises((MailConfigError, ConfigError)):
        parse_mail_url(url)
    with pytest.raises(ConfigError, match="MAIL_URL"):
        make_app(database_url, MAIL_URL=url)


def test_links_come_from_configuration_not_from_the_host_header(app, db, inbox, monkeypatch):
    from tests.factories import create_user

    monkeypatch.setitem(app.config, "SERVER_NAME", None)
    monkeypatch.setitem(app.config, "PREFERRED_URL_SCHEME", "https")
    user = create_user()
    browser = app.test_client()
    page = browser.get("/account/forgot", headers={"Host": "evil.example"}).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
    browser.post(
        "/account/forgot",
        data={"csrf_token": token, "email": user.email},
        headers={"Host": "evil.example"},
    )
    send_mail(app)
    body = text_of(inbox.only_to(user.email))
    assert "evil.example" not in body
    assert "https://127.0.0.1:5000/account/reset/" in body
