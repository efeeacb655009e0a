"""The mail journeys in Chromium, with a real SMTP server in the test process: a new learner
confirms their address, forgets their password and resets it from the mail (which signs out
their other devices, and a cookie copied before logging out stays refused), opts in to review
reminders and gets one at the hour they chose, then unsubscribes with one click; an
instructor reminds the two learners who have not passed, and only them.

Mail leaves as it does in production: the pages queue it in the outbox, and the test runs
`flask mail send` (and `flask reminders queue`) as cron would. SERVER_NAME is the live
server's address, so the links in the messages are opened in the browser as they are.

The clock is moved with the `clock` fixture, which replaces `utcnow` in every quizapp module.
Module globals are shared by the live server's thread, so the pages, the commands and the
test all see the same frozen time, and the chosen hour is reached without waiting for it or
racing the real clock over an hour boundary (picking "the current hour" would fail for a
run that starts at 06:59:58)."""

from __future__ import annotations

import json
import random
import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from quizapp.core.classes import local_time
from quizapp.models import Lesson
from quizapp.services import classes, quizzes
from quizapp.services.demo import mistaken_response
from tests.browser.journeys import (
    ASSIGNED_LESSON,
    answer_review_card,
    classes_page,
    flash,
    heading,
    log_in,
    log_out,
    nav,
    open_lesson,
    register,
    take_quiz,
    unique,
)
from tests.browser.support import (
    PASSWORD,
    WIDTHS,
    PageChecks,
    assert_no_horizontal_scroll,
    axe_scan,
    blocking_violations,
    course,
    expect,
)
from tests.conftest import send_mail
from tests.factories import create_user
from tests.smtp import links_in, path_of, smtp_server, text_of

NEW_PASSWORD = "a brand new passphrase"
PARIS = ZoneInfo("Europe/Paris")
# The phone is 390 px wide here (a current iPhone), the laptop 1280 px.
PIXELS = {"phone": 390, "desktop": 1280}


class Shots(PageChecks):
    """PageChecks at 390 px on the phone: no sideways scrolling there, a full-page
    screenshot named `<page>-<pixels>.png`, and an axe scan (its report beside it in axe/)
    when axe-core could be had."""

    def __call__(self, page, name: str) -> None:
        pixels = PIXELS[self.width]
        if WIDTHS[self.width].get("is_mobile"):
            assert_no_horizontal_scroll(page, pixels, name)
        shots = self.folder / "screenshots"
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=shots / f"{name}-{pixels}.png", full_page=True, scale="css")
        if self.axe_source:
            results = axe_scan(page, self.axe_source)
            reports = self.folder / "axe"
            reports.mkdir(parents=True, exist_ok=True)
            (reports / f"{name}-{pixels}.json").write_text(
                json.dumps({"page": name, "width": pixels, **results}, indent=1)
            )
            self.violations += [
                f"{name} ({pixels}px, {page.url}): {v}" for v in blocking_violations(results)
            ]
        self.visited.append(name)


@pytest.fixture
def shots(checks) -> Shots:
    return Shots(checks.width, checks.folder, checks.axe_source)


@pytest.fixture
def open_page(new_page, width):
    """A new visitor at 390 px (phone) or 1280 px (desktop)."""

    def opener():
        return new_page(
            viewport={"width": PIXELS[width], "height": 844 if width == "phone" else 800}
        )

    return opener


@pytest.fixture
def mailbox(server, monkeypatch):
    """A real SMTP server for this test; the live server's mail goes to it, with links to
    the live server."""
    with smtp_server() as (received, url):
        monkeypatch.setitem(server.app.config, "MAIL_URL", url)
        monkeypatch.setitem(server.app.config, "SERVER_NAME", server.url.split("//", 1)[1])
        yield received


def run(app, *args: str) -> str:
    """A `flask` command, as cron runs it; its one-line report."""
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


def deliver(app) -> None:
    """`flask mail send`, as cron runs it. Everything queued goes, other tests' mail too, so
    what arrived is checked in the inbox, by address."""
    assert ", 0 waiting to be retried, 0 failed" in send_mail(app)


def link_to(message, path: str) -> str:
    """The one link in the message's text to a page under `path`, as the message has it."""
    found = [link for link in links_in(message) if path_of(link).startswith(path)]
    assert len(found) == 1, (path, links_in(message))
    return found[0]


def log_in_with(
    page, *, email: str, password: str = PASSWORD, name: str, remember: bool = False
) -> None:
    page.goto("/account/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    if remember:
        page.get_by_label("Keep me logged in on this device").check()
    page.get_by_role("button", name="Log in").click()
    expect(heading(page, f"Hello, {name}")).to_be_visible()


def settings_page(page) -> None:
    nav(page, "Account")
    expect(heading(page, "Settings")).to_be_visible()


def at_paris(day, hour: int, minute: int = 10) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS).astimezone(UTC)


# -------------------------------------------------------------------------------------------


def test_a_new_learner_confirms_recovers_and_is_reminded_by_mail(
    open_page, shots, mailbox, server, clock
):
    app = server.app
    name = unique("Noor")
    email = f"{name.lower()}@example.com"
    page = open_page()

    # Sign up: the welcome says a link is on its way, and Settings asks for it.
    register(page, lambda *_: None, email=email, name=name)
    flash(page, f"We have sent a link to {email} to check the address.")
    settings_page(page)
    expect(page.locator("#verify")).to_contain_text("Your address is not confirmed yet.")
    shots(page, "mail-settings-unconfirmed")

    # The confirmation arrives; its link, opened in the browser, confirms the address.
    deliver(app)
    confirm = mailbox.only_to(email)
    assert confirm["Subject"] == "Confirm your email address"
    assert f"Hello {name}," in text_of(confirm)
    page.goto(link_to(confirm, "/account/verify/"))
    flash(page, f"Thank you: {email} is confirmed as your address.")
    expect(heading(page, "Settings")).to_be_visible()
    expect(page.locator("main")).to_contain_text(f"Logged in as {email} (confirmed).")
    expect(page.locator("#verify")).to_have_count(0)
    devices = page.locator(".device-list > li")
    expect(devices).to_have_count(1)
    expect(devices.first).to_contain_text("This device")
    shots(page, "mail-settings")

    # Two more browsers sign in, kept logged in: one stays open, one's cookies are copied
    # before it logs out (the remember cookie too, which outlives the browser's session).
    other = open_page()
    log_in_with(other, email=email, name=name, remember=True)
    copied_from = open_page()
    log_in_with(copied_from, email=email, name=name, remember=True)
    page.reload()
    expect(devices).to_have_count(3)
    expect(page.get_by_role("button", name="Sign out everywhere else")).to_be_visible()
    shots(page, "mail-settings-devices")
    copied = copied_from.context.cookies()
    assert {"session", "remember_token"} <= {cookie["name"] for cookie in copied}, copied
    log_out(copied_from)
    flash(copied_from, "You are logged out.")
    replay = open_page()
    replay.context.add_cookies(copied)
    replay.goto("/account/settings")
    expect(heading(replay, "Log in")).to_be_visible()
    flash(replay, "Log in to see that page.")
    page.reload()
    expect(devices).to_have_count(2)

    # Forgot the password: ask for a link from the login page.
    log_out(page)
    flash(page, "You are logged out.")
    page.get_by_role("link", name="Log in", exact=True).click()
    page.get_by_role("link", name="Forgot your password?").click()
    expect(heading(page, "Forgot your password?")).to_be_visible()
    shots(page, "mail-forgot")
    page.get_by_label("Your account's email").fill(email.upper())
    page.get_by_role("button", name="Send me a link").click()
    flash(page, f"If an account uses {email}, we have sent it a link")
    shots(page, "mail-forgot-sent")

    deliver(app)
    reset = [m for m in mailbox.to(email) if m["Subject"] == "Reset your quizapp password"]
    assert len(reset) == 1, [m["Subject"] for m in mailbox.to(email)]
    reset_link = link_to(reset[0], "/account/reset/")
    page.goto(reset_link)
    expect(heading(page, "Choose a new password")).to_be_visible()
    expect(page.locator("main")).to_contain_text(f"For the account {email}.")
    shots(page, "mail-reset")
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(heading(page, "Log in")).to_be_visible()
    flash(page, "Your password is changed and every device is logged out.")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#form-errors")).to_contain_text("The email or password is not correct.")
    log_in_with(page, email=email, password=NEW_PASSWORD, name=name)

    # The browser signed in before the reset is signed out; the link works only once.
    other.reload()
    expect(heading(other, "Log in")).to_be_visible()
    flash(other, "Log in to see that page.")
    other.goto(reset_link)
    expect(other.locator("main")).to_contain_text("This link has already been used")

    # Some reviews: take a quiz; ten minutes on, review two of its cards.
    asked = course().asked[ASSIGNED_LESSON]
    open_lesson(page, ASSIGNED_LESSON)
    take_quiz(page)
    clock.advance(minutes=10)
    nav(page, "Review")
    reviewed = {answer_review_card(page), answer_review_card(page)}
    assert len(reviewed) == 2

    # Opt in to review reminders at 07:00, their time.
    settings_page(page)
    reminders = page.locator("section", has=heading(page, "Reminders by email", level=2))
    reminders.get_by_label("Reviews are waiting").check()
    reminders.get_by_label("Send them at").select_option(label="07:00")
    reminders.get_by_role("button", name="Save reminders").click()
    flash(page, "Your reminders are saved.")
    expect(reminders.get_by_label("Reviews are waiting")).to_be_checked()
    expect(reminders.get_by_label("Send them at")).to_have_value("7")
    shots(page, "mail-settings-reminders")

    # Two days on, all are due: the two reviewed, and the others still at their first
    # step. Cron runs `reminders queue` every half hour: at
    # 06:10 in Paris nothing comes, at 07:10 one message, at 07:40 nothing more.
    def cron_at(instant: datetime) -> list:
        clock.now = instant
        before = len(mailbox.to(email))
        run(app, "reminders", "queue")
        deliver(app)
        return mailbox.to(email)[before:]

    day = (clock.now.astimezone(PARIS) + timedelta(days=2)).date()
    assert cron_at(at_paris(day, 6)) == []
    received = cron_at(at_paris(day, 7))
    assert [m["Subject"] for m in received] == [f"{asked} reviews are due"]
    assert cron_at(at_paris(day, 7, 40)) == []
    reminder = received[0]
    assert f"{asked} reviews are waiting for you" in text_of(reminder)
    unsubscribe_link = link_to(reminder, "/mail/unsubscribe/")
    assert reminder["List-Unsubscribe"] == f"<{unsubscribe_link}>"
    assert reminder["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # Its button opens the review with the cards due.
    page.goto(link_to(reminder, "/review"))
    expect(page.locator(".review-bar")).to_contain_text(f"{asked} due")

    # One click to stop them, from the message, and Settings agrees.
    page.goto(unsubscribe_link)
    expect(heading(page, "Unsubscribe")).to_be_visible()
    expect(page.locator("main")).to_contain_text(
        f"Stop the messages to {email} about reviews waiting for you?"
    )
    shots(page, "mail-unsubscribe")
    page.get_by_role("button", name="Unsubscribe").click()
    expect(heading(page, "You are unsubscribed")).to_be_visible()
    shots(page, "mail-unsubscribed")
    page.locator("main").get_by_role("link", name="Settings").click()
    expect(heading(page, "Settings")).to_be_visible()
    expect(reminders.get_by_label("Reviews are waiting")).not_to_be_checked()
    # The next day at 07:10, with the two cards still due, nothing comes.
    assert cron_at(at_paris(day + timedelta(days=1), 7)) == []

    assert {"mail-settings", "mail-forgot", "mail-reset", "mail-unsubscribe"} <= set(shots.visited)
    shots.assert_accessible()


# -------------------------------------------------------------------------------------------


def answer_quiz(user, lesson: Lesson, *, right: bool, now: datetime) -> None:
    """The learner takes the lesson's quiz, every answer right or every one wrong."""
    attempt = quizzes.start_attempt(user=user, lesson=lesson, now=now)
    rng = random.Random(user.id)
    for position in range(1, len(attempt.question_ids) + 1):
        step = quizzes.question_step(attempt, position)
        spec = step.spec
        response = spec.right_response() if right else mistaken_response(spec, rng)
        values = MultiDict(
            [(k, v) for k, vs in spec.form_values(step.layout, response).items() for v in vs]
        )
        quizzes.submit_answer(
            user=user, step=step, values=values.getlist, time_taken_ms=20_000, now=now
        )


def test_an_instructor_reminds_the_two_learners_who_have_not_passed(
    open_page, shots, mailbox, server, app_db
):
    from quizapp.db import utcnow

    db, now = app_db, utcnow()
    teacher_name = unique("Ines")
    instructor = create_user(
        email=f"{teacher_name.lower()}@example.com", display_name=teacher_name, role="instructor"
    )
    class_name = unique("Night shift")
    classroom = classes.create_class(
        owner=instructor, name=class_name, description="", time_zone="Europe/Paris"
    )
    due = local_time(now + timedelta(days=7), "Europe/Paris").replace(
        hour=18, minute=0, second=0, microsecond=0, tzinfo=None
    )
    classes.create_assignment(
        classroom=classroom,
        by=instructor,
        target=f"lesson:{ASSIGNED_LESSON}",
        due_local=due,
        pass_mark=60,
        now=now,
    )
    lesson = db.session.scalar(select(Lesson).where(Lesson.slug == ASSIGNED_LESSON))
    learners = {}
    for key in ("idle", "failed", "passed"):
        learner_name = unique(key.capitalize())
        user = create_user(email=f"{learner_name.lower()}@example.com", display_name=learner_name)
        classes.join_class(user=user, code=classroom.join_code, now=now)
        user.email_verified_at = now
        if key != "idle":
            answer_quiz(user, lesson, right=key == "passed", now=now)
        learners[key] = (learner_name, user.email)
    db.session.commit()
    db.session.close()  # no read transaction left open while the server writes

    teacher = open_page()
    log_in(teacher, None, email=f"{teacher_name.lower()}@example.com", name=teacher_name)
    classes_page(teacher)
    teacher.get_by_role("link", name=f"Gradebook for {class_name}").click()
    expect(heading(teacher, "Gradebook")).to_be_visible()
    book = teacher.get_by_role("table", name=re.compile(rf"^{class_name}: 3 learners"))
    expect(book.get_by_role("row", name=re.compile(learners["passed"][0]))).to_contain_text(
        "Passed on time"
    )
    expect(book.get_by_role("row", name=re.compile(learners["failed"][0]))).to_contain_text(
        "Below pass mark"
    )

    title = course().lesson_titles[ASSIGNED_LESSON]
    shots(teacher, "mail-gradebook")
    teacher.get_by_role("link", name=re.compile(r"^Remind those who have not finished")).click()
    expect(heading(teacher, "Remind those who have not finished")).to_be_visible()
    expect(teacher.locator("main")).to_contain_text(f"{title}, due ")
    expect(heading(teacher, "2 learners will get one message each", level=2)).to_be_visible()
    recipients = teacher.locator(".recipient-list > li")
    expect(recipients).to_have_count(2)
    expect(recipients.filter(has_text=learners["idle"][0])).to_contain_text("Not started")
    expect(recipients.filter(has_text=learners["failed"][0])).to_contain_text("Below pass mark")
    expect(teacher.locator("main")).not_to_contain_text(learners["passed"][0])
    shots(teacher, "mail-class-reminder")
    teacher.get_by_role("button", name="Send the reminder").click()
    expect(heading(teacher, "Gradebook")).to_be_visible()
    flash(teacher, "Reminder sent to 2 learner")

    deliver(server.app)
    for key in ("idle", "failed"):
        learner_name, email = learners[key]
        message = mailbox.only_to(email)
        assert message["Subject"].startswith(f"Reminder: {title} is due ")
        assert f"{teacher_name} reminds you that {title} in {class_name}" in text_of(message)
    assert mailbox.to(learners["passed"][1]) == []

    # Pressing it again the same day sends nothing more, and the page says why.
    teacher.get_by_role("link", name=re.compile(r"^Remind those who have not finished")).click()
    expect(teacher.locator("main")).to_contain_text(
        "A reminder about this assignment went out today"
    )
    expect(teacher.get_by_role("button", name="Send the reminder")).to_have_count(0)
    shots(teacher, "mail-class-reminder-sent")
    deliver(server.app)
    for key in ("idle", "failed"):
        assert len(mailbox.to(learners[key][1])) == 1

    shots.assert_accessible()
