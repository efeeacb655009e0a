"""Reminders by mail, as learners and instructors meet them: opting in, the messages that
`flask reminders queue` and the instructor's button send through a real SMTP server, and
one-click unsubscribe."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from itsdangerous.encoding import base64_encode

from quizapp.core.tokens import make_token
from quizapp.models import User
from quizapp.services import classes
from quizapp.services.reminders import queue_reminders
from tests.conftest import send_mail, signed_in
from tests.factories import class_activity, create_user, quick_learners
from tests.smtp import html_of, links_in, path_of, text_of
from tests.web.pages import RIGHT_ANSWERS, assert_accessible
from tests.web.test_quiz import take_quiz
from tests.web.test_review import answer_card, rate

LESSON = "module-1-lesson-1"
CHICAGO = "America/Chicago"
# A Monday; Chicago is on standard time (UTC-6) from November to March.
START = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
HOUR = 7


def chicago(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant given as Chicago's wall clock on a day of December 2026 (UTC-6)."""
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC) + timedelta(hours=6)


def text(response) -> str:
    return response.get_data(as_text=True)


def queue(app) -> str:
    """Run `flask reminders queue` once, as cron would; its one-line report."""
    result = app.test_cli_runner().invoke(args=["reminders", "queue"])
    assert result.exit_code == 0, result.output
    return result.output


def opt_in(client, *, hour: int, reviews=False, due_soon=False, overdue=False):
    data = {"reminder_hour": str(hour)}
    for name, on in (
        ("remind_reviews", reviews),
        ("remind_due_soon", due_soon),
        ("remind_overdue", overdue),
    ):
        if on:
            data[name] = "y"
    return client.submit("/account/reminders", data, form_url="/account/settings")


def verify(db, user, now) -> None:
    """The learner opened the link that confirms their address."""
    db.session.get(User, user.id).email_verified_at = now
    db.session.commit()


def settings_of(db, user) -> tuple[bool, bool, bool, int]:
    db.session.expire_all()
    fresh = db.session.get(User, user.id)
    return fresh.remind_reviews, fresh.remind_due_soon, fresh.remind_overdue, fresh.reminder_hour


def learner_with_due_reviews(app, db, clock, *, verified=True, **prefs):
    """A learner in Chicago who answered a quiz four days after START and, ten minutes later,
    rated its six cards Easy (due four days on: eight days after START), opted in at 07:00
    as `prefs` say (reviews by default)."""
    clock.now = START + timedelta(days=4, minutes=-10)
    user = create_user(time_zone=CHICAGO)
    client = signed_in(app, user)
    take_quiz(client, RIGHT_ANSWERS)
    clock.advance(minutes=10)
    for _ in range(6):
        card_id, reveal = answer_card(client)
        assert rate(client, card_id, reveal, 4).status_code == 303
    assert opt_in(client, hour=HOUR, **(prefs or {"reviews": True})).status_code == 303
    if verified:
        verify(db, user, START)
    return user, client


def reviews_left_on(client) -> int:
    today = text(client.get("/today"))
    return int(re.search(r'<p class="big-number">(\d+)</p>', today)[1])


# ---------------------------------------------------------------------------------------------
# Review reminders


def test_review_reminder_comes_once_at_the_learners_hour(app, db, course, clock, inbox):
    user, client = learner_with_due_reviews(app, db, clock)
    # At 06:55 in Chicago (12:55 UTC) it is not the learner's hour yet.
    clock.now = chicago(3, HOUR - 1, 55)
    assert queue(app).startswith("0 reminder(s) queued")
    clock.now = chicago(3, HOUR, 5)
    assert queue(app).startswith("1 reminder(s) queued (1 reviews")
    # Again at once, as a second server would, and at the next quarter hour: nothing new.
    assert queue(app).startswith("0 reminder(s) queued")
    clock.advance(minutes=15)
    assert queue(app).startswith("0 reminder(s) queued")
    send_mail(app)

    message = inbox.only_to(user.email)
    assert message["Subject"] == "6 reviews are due"
    body = text_of(message)
    assert "6 reviews are waiting for you" in body and "About 1 minute" in body
    assert "6 reviews are waiting for you" in html_of(message)
    # The same count the learner's dashboard shows when they follow the link.
    assert reviews_left_on(client) == 6
    # The button is a full link (a mail client has no page to resolve it against), the same
    # in both parts, and leads to the first due card.
    review_link = re.search(r'<a href="(https?://[^"]+)"[^>]*>Start reviewing<', html_of(message))[
        1
    ]
    assert path_of(review_link) == "/review" and review_link in links_in(message)
    assert 'action="/review/' in text(client.get(path_of(review_link)))
    unsubscribe = re.fullmatch(r"<(https?://\S+)>", message["List-Unsubscribe"])[1]
    assert unsubscribe in links_in(message)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # The next day at the same hour, with the reviews still waiting: the next reminder.
    clock.advance(days=1)
    assert queue(app).startswith("1 reminder(s) queued")
    send_mail(app)
    assert len(inbox.to(user.email)) == 2


def test_review_reminder_counts_reviews_due_later_in_the_learners_day(
    app, db, course, clock, inbox
):
    """The dashboard counts a review due at any time before the learner's day ends (4 a.m.);
    a reminder sent before the hour the cards fell due says the same."""
    user, client = learner_with_due_reviews(app, db, clock)
    # The cards fell due at 06:00 in Chicago on 1 December; the reminder goes at 07:00, so
    # choose 05:00 instead, an hour before.
    assert opt_in(client, hour=5, reviews=True).status_code == 303
    clock.now = chicago(1, 5, 5)
    assert reviews_left_on(client) == 6
    assert queue(app).startswith("1 reminder(s) queued")
    send_mail(app)
    assert inbox.only_to(user.email)["Subject"] == "6 reviews are due"


def test_no_review_reminder_without_due_reviews_or_a_verified_address(
    app, db, course, clock, inbox
):
    unverified, _ = learner_with_due_reviews(app, db, clock, verified=False)
    not_yet, _ = learner_with_due_reviews(app, db, clock)
    # Opted in, verified, nothing to review at all.
    clock.now = START
    idle = create_user(time_zone=CHICAGO)
    assert opt_in(signed_in(app, idle), hour=HOUR, reviews=True).status_code == 303
    verify(db, idle, START)
    # Opted in only to assignment notices, with reviews due.
    other_kind, _ = learner_with_due_reviews(app, db, clock, due_soon=True, overdue=True)

    # The day after the quiz, at 07:05: the cards rated Easy are a week away.
    clock.now = START + timedelta(days=1, hours=1, minutes=5)
    assert queue(app).startswith("0 reminder(s) queued")
    # Ten days later the cards are due; only the verified learner who asked is told.
    clock.now = chicago(3, HOUR, 5)
    assert queue(app).startswith("1 reminder(s) queued")
    send_mail(app)
    assert [m["To"] for m in inbox.messages] == [not_yet.email]
    assert inbox.to(unverified.email) == inbox.to(idle.email) == inbox.to(other_kind.email) == []


# ---------------------------------------------------------------------------------------------
# Unsubscribe


def reminder_for(app, db, clock, inbox, **prefs):
    user, client = learner_with_due_reviews(app, db, clock, **prefs)
    clock.now = chicago(3, HOUR, 5)
    queue(app)
    send_mail(app)
    return user, client, inbox.only_to(user.email)


def test_the_unsubscribe_link_asks_once_then_stops_only_that_kind(app, db, course, clock, inbox):
    user, _, message = reminder_for(
        app, db, clock, inbox, reviews=True, due_soon=True, overdue=True
    )
    link = message["List-Unsubscribe"].strip("<>")
    browser = app.test_client()  # the mail client's browser, not signed in
    page = browser.get(path_of(link))
    assert page.status_code == 200
    html = text(page)
    assert html.count("<button") == 1 and "reviews waiting for you" in html
    # Opening the link changes nothing: mail scanners follow links.
    assert settings_of(db, user) == (True, True, True, HOUR)

    done = browser.post(path_of(link))
    assert done.status_code == 200 and "You are unsubscribed" in text(done)
    assert settings_of(db, user) == (False, True, True, HOUR)
    # Pressed again (a second tab, a double click): still unsubscribed, nothing else moves.
    again = browser.post(path_of(link))
    assert again.status_code == 200
    assert settings_of(db, user) == (False, True, True, HOUR)
    assert "Nothing to do" in text(browser.get(path_of(link)))

    # The next day, reviews still due: no reminder.
    clock.advance(days=1)
    assert queue(app).startswith("0 reminder(s) queued")


def test_one_click_unsubscribe_from_the_mail_client(app, db, course, clock, inbox):
    user, _, message = reminder_for(app, db, clock, inbox)
    link = message["List-Unsubscribe"].strip("<>")
    # What a mail client sends (RFC 8058): a form body, no cookies, no CSRF token.
    response = app.test_client().post(
        path_of(link),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert settings_of(db, user)[0] is False


def test_a_tampered_unsubscribe_link_is_refused(app, db, course, clock, inbox):
    user, _, message = reminder_for(app, db, clock, inbox)
    other = create_user()
    db.session.get(User, other.id).remind_reviews = True
    db.session.commit()
    path = path_of(message["List-Unsubscribe"].strip("<>"))
    base, token = path.rsplit("/", 1)
    # The learner puts another account's id in their own link, keeping its signature.
    _, stamp, signature = token.rsplit(".", 2)
    payload = base64_encode(json.dumps({"u": other.id, "k": "reviews"}, separators=(",", ":")))
    forged = f"{payload.decode()}.{stamp}.{signature}"
    # A link the site signed, but for another purpose, and one signed with another secret.
    wrong_purpose = make_token(
        app.config["SECRET_KEY"], "verify-email", {"u": other.id, "k": "reviews"}
    )
    wrong_secret = make_token("not the secret", "unsubscribe", {"u": other.id, "k": "reviews"})
    browser = app.test_client()
    for bad in (forged, wrong_purpose, wrong_secret, token[:-3], "nonsense"):
        assert browser.get(f"{base}/{bad}").status_code == 404
        response = browser.post(f"{base}/{bad}", data="List-Unsubscribe=One-Click")
        assert response.status_code == 404
    assert settings_of(db, other)[0] is True
    assert settings_of(db, user)[0] is True
    # The link as sent still works: the refusals were about the tampering.
    assert browser.post(path).status_code == 200
    assert settings_of(db, user)[0] is False


# ---------------------------------------------------------------------------------------------
# Assignment notices


def test_due_soon_and_overdue_notices_come_once_each_to_those_who_have_not_passed(
    app, db, course, clock, inbox
):
    clock.now = START
    teacher = create_user(role="instructor")
    classroom = classes.create_class(
        owner=teacher, name="Line leads", description="", time_zone="Europe/Paris"
    )
    # Due on Thursday 3 December at 18:00 in Paris: 11:00 in Chicago.
    classes.create_assignment(
        classroom=classroom,
        by=teacher,
        target=f"lesson:{LESSON}",
        due_local=datetime(2026, 12, 3, 18, 0),
        pass_mark=80,
        now=START,
    )
    db.session.commit()
    behind, done = (create_user(time_zone=CHICAGO) for _ in range(2))
    for learner in (behind, done):
        classes.join_class(user=learner, code=classroom.join_code, now=START)
        db.session.commit()
        client = signed_in(app, learner)
        assert opt_in(client, hour=HOUR, due_soon=True, overdue=True).status_code == 303
        verify(db, learner, START)
    take_quiz(signed_in(app, done), RIGHT_ANSWERS)

    # Wednesday 07:05: due tomorrow at 11:00 is more than a day away.
    clock.now = chicago(2, HOUR, 5)
    assert queue(app).startswith("0 reminder(s) queued")
    # Thursday 07:05, four hours before: due within a day. Cron comes back every quarter.
    clock.now = chicago(3, HOUR, 5)
    assert "1 due soon" in queue(app)
    for _ in range(3):
        clock.advance(minutes=15)
        assert queue(app).startswith("0 reminder(s) queued")
    # Friday 07:05: it has become overdue.
    clock.now = chicago(4, HOUR, 5)
    assert "1 overdue" in queue(app)
    clock.advance(minutes=15)
    assert queue(app).startswith("0 reminder(s) queued")
    # Saturday: still overdue, but the notice went yesterday.
    clock.now = chicago(5, HOUR, 5)
    assert queue(app).startswith("0 reminder(s) queued")
    send_mail(app)

    assert inbox.to(done.email) == []
    soon, overdue = inbox.to(behind.email)
    assert soon["Subject"] == "Due within a day: Lesson 1.1"
    line = "Lesson 1.1 (Line leads), due Thu 03 Dec 2026, 18:00 (Europe/Paris): Not started."
    assert line in text_of(soon)
    assert overdue["Subject"] == "Overdue: Lesson 1.1"
    assert "Overdue." in text_of(overdue)
    for message in (soon, overdue):
        assert any(path_of(link) == "/today" for link in links_in(message))
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # Each notice's link stops its own kind.
    app.test_client().post(path_of(overdue["List-Unsubscribe"].strip("<>")))
    assert settings_of(db, behind) == (False, True, False, HOUR)


def test_an_assignment_due_within_the_reminder_hour_is_noticed_once_of_each_kind(
    app, db, course, clock, inbox
):
    """Cron runs four times in the learner's hour: an assignment due at 07:20 must not be
    'overdue' on two days, nor 'due within a day' on two days."""
    clock.now = START
    teacher = create_user(role="instructor")
    classroom = classes.create_class(owner=teacher, name="C", description="", time_zone=CHICAGO)
    for target, day in ((f"lesson:{LESSON}", 3), ("lesson:module-1-lesson-2", 5)):
        classes.create_assignment(
            classroom=classroom,
            by=teacher,
            target=target,
            due_local=datetime(2026, 12, day, HOUR, 20),
            pass_mark=None,
            now=START,
        )
    learner = create_user(time_zone=CHICAGO)
    classes.join_class(user=learner, code=classroom.join_code, now=START)
    db.session.commit()
    client = signed_in(app, learner)
    assert opt_in(client, hour=HOUR, due_soon=True, overdue=True).status_code == 303
    verify(db, learner, START)
    # Cron every quarter of an hour from Wednesday to Sunday.
    clock.now = chicago(2, 0)
    for _ in range(5 * 24 * 4):
        queue(app)
        clock.advance(minutes=15)
    send_mail(app)
    subjects = sorted(m["Subject"] for m in inbox.to(learner.email))
    assert subjects == [
        "Due within a day: Lesson 1.1",
        "Due within a day: Lesson 1.2",
        "Overdue: Lesson 1.1",
        "Overdue: Lesson 1.2",
    ]


# ---------------------------------------------------------------------------------------------
# An instructor reminds those who have not finished


@pytest.fixture
def reminder_class(app, db, course, clock):
    clock.now = START
    teacher = create_user(role="instructor", display_name="Ines")
    classroom = classes.create_class(
        owner=teacher, name="Line leads", description="", time_zone="UTC"
    )
    assignment = classes.create_assignment(
        classroom=classroom,
        by=teacher,
        target=f"lesson:{LESSON}",
        due_local=datetime(2026, 11, 30, 17, 0),
        pass_mark=None,
        now=START,
    )
    db.session.commit()
    people = {}
    for name in ("Ada", "Ben", "Cy", "Dee"):
        people[name] = create_user(display_name=name)
        classes.join_class(user=people[name], code=classroom.join_code, now=START)
        db.session.commit()
        if name != "Dee":
            verify(db, people[name], START)
    # Cy has finished; Ada and Ben have not; Dee has not and never confirmed her address.
    take_quiz(signed_in(app, people["Cy"]), RIGHT_ANSWERS)
    url = f"/classes/{classroom.id}/assignments/{assignment.id}/remind"
    return teacher, people, url


def names_listed(html: str) -> list[str]:
    return re.findall(r"<li>([^<(]+?) \(", html)


def test_an_instructor_reminds_those_who_have_not_finished_once_a_day(
    app, db, clock, inbox, reminder_class
):
    teacher, people, url = reminder_class
    client = signed_in(app, teacher)
    preview = text(client.get(url))
    assert_accessible(preview)
    will_get, unreachable = preview.split("Not reachable by email")
    assert "2 learners will get one message each" in will_get
    assert names_listed(will_get) == ["Ada", "Ben"]
    assert names_listed(unreachable) == ["Dee"]

    token = client.csrf_token(url)
    sent = client.post(url, data={"csrf_token": token})
    assert sent.status_code == 303
    assert "Reminder sent to 2 learner(s)" in text(client.get(sent.headers["Location"]))
    send_mail(app)
    for name in ("Ada", "Ben"):
        message = inbox.only_to(people[name].email)
        assert message["Subject"].startswith("Reminder: Lesson 1.1 is due")
        assert "Ines reminds you that Lesson 1.1 in Line leads is due" in text_of(message)
    assert inbox.to(people["Cy"].email) == inbox.to(people["Dee"].email) == []

    # Pressed again the same day (another tab, a double click): refused, nothing queued.
    again = client.post(url, data={"csrf_token": token})
    assert again.status_code == 409
    assert "went out today" in text(client.get(url))
    send_mail(app)
    assert len(inbox.messages) == 2

    # The next day it may go again.
    clock.advance(days=1)
    assert "2 learners will get one message each" in text(client.get(url))
    assert client.post(url, data={"csrf_token": client.csrf_token(url)}).status_code == 303
    send_mail(app)
    assert len(inbox.to(people["Ada"].email)) == len(inbox.to(people["Ben"].email)) == 2


def test_only_the_class_instructors_can_send_a_reminder(app, db, clock, inbox, reminder_class):
    teacher, people, url = reminder_class
    stranger_teacher = create_user(role="instructor")
    classes.create_class(owner=stranger_teacher, name="Other", description="", time_zone="UTC")
    db.session.commit()
    other = signed_in(app, stranger_teacher)
    assert other.get(url).status_code == 404
    token = other.csrf_token("/classes")
    assert other.post(url, data={"csrf_token": token}).status_code == 404
    learner = signed_in(app, people["Ada"])
    assert learner.get(url).status_code == 403
    token = learner.csrf_token("/classes")
    assert learner.post(url, data={"csrf_token": token}).status_code == 403
    send_mail(app)
    assert inbox.messages == []
    # The class's own instructor still can: the refusals were not a broken page.
    assert signed_in(app, teacher).get(url).status_code == 200


# ---------------------------------------------------------------------------------------------
# The scheduled run at scale, and the settings


def test_queue_reminders_runs_the_same_statements_for_3_or_30_learners(
    app, db, course, count_queries
):
    now = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
    teacher = create_user(role="instructor")
    classroom = classes.create_class(owner=teacher, name="C", description="", time_zone="UTC")
    # One assignment due later today, one that fell due in the night; pass mark 100 and
    # half the answers right: nobody has passed.
    for target, due in ((f"lesson:{LESSON}", 20), ("lesson:module-1-lesson-2", 2)):
        classes.create_assignment(
            classroom=classroom,
            by=teacher,
            target=target,
            due_local=datetime(2026, 12, 3, due),
            pass_mark=100,
            now=START,
        )

    def learners(count: int, hour: int) -> list[User]:
        made = quick_learners(count)
        for learner in made:
            learner.email_verified_at = START
            learner.reminder_hour = hour
            learner.remind_reviews = learner.remind_due_soon = learner.remind_overdue = True
        # Their cards fall due a day after START, long before `now`.
        class_activity(classroom, made, now=START)
        return made

    learners(3, hour=10)
    learners(30, hour=11)
    db.session.commit()

    counts = []
    for at, learners_now in ((now, 3), (now + timedelta(hours=1), 30)):
        # As cron runs it: a new process, nothing loaded yet.
        db.session.close()
        with count_queries() as counter:
            report = queue_reminders(now=at)
        db.session.commit()
        assert (report.considered, report.reviews, report.due_soon, report.overdue) == (
            learners_now,
            learners_now,
            learners_now,
            learners_now,
        )
        counts.append(counter.count)
    # The learners at their hour; their reviews; their assignments near due; the catalogue's
    # lessons and questions; their quizzes, lessons opened and extensions (the gradebook's
    # standings); one INSERT for each kind of message.
    assert counts[0] == counts[1] <= 11, counts


@pytest.mark.parametrize("hour", ["99", "-1", "x", ""])
def test_a_bad_reminder_hour_is_refused_and_nothing_is_stored(app, db, logged_in, user, hour):
    response = logged_in.submit(
        "/account/reminders",
        {"reminder_hour": hour, "remind_reviews": "y"},
        form_url="/account/settings",
    )
    assert response.status_code == 400
    assert 'id="reminder_hour-error"' in text(response)
    assert settings_of(db, user) == (False, False, False, 18)


def test_reminder_settings_are_saved_and_shown(app, db, logged_in, user):
    response = opt_in(logged_in, hour=6, overdue=True)
    assert response.status_code == 303
    page = text(logged_in.get(response.headers["Location"]))
    assert "Your reminders are saved. They start once you confirm your address" in page
    assert '<option selected value="6">06:00</option>' in page
    assert '<input checked id="remind_overdue"' in page
    assert settings_of(db, user) == (False, False, True, 6)
