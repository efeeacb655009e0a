"""Who may open and press what, everywhere in the app: every route of the URL map (all but
`static`), for six kinds of viewer, with the status each should get. The routes are read from
the app itself, so that a route added later without a line in these tables fails here.

Pages are checked with GET; actions with POST, twice: those a viewer may not do are sent
anyway, as a forged request would be, and must leave the database as it was; those a viewer
may do are done, one viewer's column at a time, and must do what they say."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from quizapp.db import utcnow
from quizapp.models import (
    AssignmentExtension,
    ClassInvitation,
    ClassMembership,
    Classroom,
    Lesson,
    LessonProgress,
    OutboxMessage,
    QuizAnswer,
    QuizAttempt,
    ReviewCard,
    ReviewLog,
    User,
    UserSession,
)
from quizapp.services import classes
from quizapp.services.sessions import open_session
from tests.conftest import BrowserClient
from tests.factories import (
    DEFAULT_PASSWORD,
    quick_learners,
    sync_tree,
    time_passes,
    write_content,
)
from tests.web.pages import FormPage

# "learner" and "instructor" belong to class A; the "other" two to class B only. Class A's
# learner has taken a quiz and holds review cards; the ids in the URLs are theirs.
VIEWERS = ("anonymous", "learner", "other learner", "instructor", "other instructor", "admin")


@dataclass(frozen=True)
class Redirect:
    """A redirect to a page; `path` may name the requested URL as {url}."""

    path: str
    status: int = 302

    def __str__(self) -> str:
        return f"{self.status} to {self.path}"


LOGIN = Redirect("/account/login")  # anonymous visitors are sent to the login page
HOME = Redirect("/today")  # signed-in viewers have no use for the forms to sign in or up
ONWARD = Redirect("{url}/questions/1")  # an unfinished attempt opens at its next question
OK = None  # in the POST table: this viewer may do it (see the last tests)

# The status of every page for each viewer, in the order of VIEWERS.
GET_EXPECTED: dict[str, tuple[int | Redirect, ...]] = {
    # endpoint:               anonymous, learner, other learner, instructor, other instr., admin
    # Public: the course is there to be found, and monitors check the app's health.
    "learn.catalogue": (200, 200, 200, 200, 200, 200),
    "learn.module": (200, 200, 200, 200, 200, 200),
    "learn.lesson": (200, 200, 200, 200, 200, 200),
    "health.healthz": (200, 200, 200, 200, 200, 200),
    # Signing in or up is for visitors.
    "auth.login": (200, HOME, HOME, HOME, HOME, HOME),
    "auth.register": (200, HOME, HOME, HOME, HOME, HOME),
    # Each signed-in viewer's own account, day and reviews: the URL names no one else.
    "auth.settings": (LOGIN, 200, 200, 200, 200, 200),
    "auth.change_password": (LOGIN, 200, 200, 200, 200, 200),
    "auth.export": (LOGIN, 200, 200, 200, 200, 200),
    "auth.delete_account": (LOGIN, 200, 200, 200, 200, 200),
    "learn.today": (LOGIN, 200, 200, 200, 200, 200),
    "review.session": (LOGIN, 200, 200, 200, 200, 200),
    "review.stats": (LOGIN, 200, 200, 200, 200, 200),
    "review.offline": (LOGIN, 200, 200, 200, 200, 200),
    "review.offline_pack": (LOGIN, 200, 200, 200, 200, 200),
    # What makes the site installable is public, like its stylesheet.
    "pwa.manifest": (200, 200, 200, 200, 200, 200),
    "pwa.service_worker": (200, 200, 200, 200, 200, 200),
    # Class A's learner's quiz attempt is theirs alone: to anyone else, their instructor and
    # admins included, it looks like no attempt at all, so ids cannot be probed. Instructors
    # see their learners' results on the class pages instead.
    "quiz.attempt": (LOGIN, ONWARD, 404, 404, 404, 404),
    "quiz.question": (LOGIN, 200, 404, 404, 404, 404),
    "quiz.results": (LOGIN, 200, 404, 404, 404, 404),
    "quiz.review": (LOGIN, 200, 404, 404, 404, 404),
    # A lesson's attempts list only the viewer's own: the URL names a lesson, not a person.
    "quiz.history": (LOGIN, 200, 200, 200, 200, 200),
    # Classes: their learners see the overview, their instructors and admins everything.
    "classes.index": (LOGIN, 200, 200, 200, 200, 200),
    "classes.join": (LOGIN, 200, 200, 200, 200, 200),
    # The notice after a card is set aside: its learner's alone. Theirs is not set aside, so
    # they are sent on to their reviews.
    "review.set_aside": (LOGIN, Redirect("/review", 303), 404, 404, 404, 404),
    # Any signed-in account may start a class (and so teach it).
    "classes.new": (LOGIN, 200, 200, 200, 200, 200),
    "classes.overview": (LOGIN, 200, 404, 200, 404, 200),
    "classes.edit": (LOGIN, 403, 404, 200, 404, 200),
    "classes.new_assignment": (LOGIN, 403, 404, 200, 404, 200),
    # The assign form's workload, opened with no target or date: its instructors are told
    # what to choose (400); learners are refused and outsiders learn nothing, as on the form.
    "classes.forecast": (LOGIN, 403, 404, 400, 404, 400),
    "classes.edit_assignment": (LOGIN, 403, 404, 200, 404, 200),
    "classes.extensions_page": (LOGIN, 403, 404, 200, 404, 200),
    "classes.analysis": (LOGIN, 403, 404, 200, 404, 200),
    "classes.grades": (LOGIN, 403, 404, 200, 404, 200),
    "classes.grades_csv": (LOGIN, 403, 404, 200, 404, 200),
    "classes.roster_csv": (LOGIN, 403, 404, 200, 404, 200),
    "classes.learner": (LOGIN, 403, 404, 200, 404, 200),
    "classes.attempt": (LOGIN, 403, 404, 200, 404, 200),
    "classes.statistics_csv": (LOGIN, 403, 404, 200, 404, 200),
    # Deciding a class's fate is its owner's: its other instructors, admins looking in
    # included, and its learners are refused; outsiders learn nothing.
    "classes.delete": (LOGIN, 403, 404, 200, 404, 403),
    "admin.users": (LOGIN, 403, 403, 403, 403, 200),
    # Getting back into an account is open to all; a link whose token is not one of ours
    # (as the URLs here carry) is a clear refusal for everyone.
    "recovery.forgot_password": (200, 200, 200, 200, 200, 200),
    "recovery.reset_password": (400, 400, 400, 400, 400, 400),
    "recovery.verify_email": (400, 400, 400, 400, 400, 400),
    "recovery.change_email": (LOGIN, 200, 200, 200, 200, 200),
    "reminders.unsubscribe": (404, 404, 404, 404, 404, 404),
    # Reminding a class is its instructors' business.
    "reminders.class_reminder": (LOGIN, 403, 404, 200, 404, 200),
    # An invitation link that is not one of ours opens nothing, for anyone.
    "invitations.open": (404, 404, 404, 404, 404, 404),
}

# The status of every action for each viewer; OK where the viewer may do it.
POST_EXPECTED: dict[str, tuple[int | Redirect | None, ...]] = {
    # endpoint:               anonymous, learner, other learner, instructor, other instr., admin
    # Signing in or up is for visitors; a signed-in viewer is sent on, and nothing changes.
    "auth.login": (OK, HOME, HOME, HOME, HOME, HOME),
    "auth.register": (OK, HOME, HOME, HOME, HOME, HOME),
    # Logging out is open to all; for a visitor who is not signed in it changes nothing.
    "auth.logout": (OK, OK, OK, OK, OK, OK),
    # Everyone signed in manages their own account, and only their own.
    "auth.settings": (LOGIN, OK, OK, OK, OK, OK),
    "auth.change_password": (LOGIN, OK, OK, OK, OK, OK),
    "auth.delete_account": (LOGIN, OK, OK, OK, OK, OK),
    # Anyone signed in may learn, instructors and admins too, each on their own record.
    "learn.mark_read": (LOGIN, OK, OK, OK, OK, OK),
    "quiz.start": (LOGIN, OK, OK, OK, OK, OK),
    # Undo takes back the viewer's own last review; with none, there is nothing to undo.
    "review.undo": (LOGIN, OK, OK, OK, OK, OK),
    # Offline ratings come as JSON with the token in a header; a form post is refused whole,
    # for everyone (the JSON is tested in test_offline_reviews.py, cards others' included).
    "review.sync": (LOGIN, 400, 400, 400, 400, 400),
    # Answering in class A's learner's attempt, or on their card: theirs alone, as above.
    "quiz.question": (LOGIN, OK, 404, 404, 404, 404),
    "review.answer": (LOGIN, OK, 404, 404, 404, 404),
    "review.rate": (LOGIN, OK, 404, 404, 404, 404),
    # Bringing back a card set aside: theirs is not set aside, which is a conflict.
    "review.keep_reviewing": (LOGIN, 409, 404, 404, 404, 404),
    # Anyone signed in may create a class, becoming its instructor.
    "classes.new": (LOGIN, OK, OK, OK, OK, OK),
    # Anyone signed in who holds the code may join; those already in the class get a 409.
    "classes.join": (LOGIN, 409, OK, 409, OK, OK),
    # Only a learner of the class can leave it; its instructors, and admins who are not on
    # its roster, are told they cannot.
    "classes.leave": (LOGIN, OK, 404, 400, 404, 400),
    # The instructor's actions: a learner of the class is refused, outsiders learn nothing.
    "classes.edit": (LOGIN, 403, 404, OK, 404, OK),
    "classes.change_code": (LOGIN, 403, 404, OK, 404, OK),
    "classes.add_instructor": (LOGIN, 403, 404, OK, 404, OK),
    "classes.remove_learner": (LOGIN, 403, 404, OK, 404, OK),
    "classes.remove_instructor": (LOGIN, 403, 404, OK, 404, OK),
    "classes.new_assignment": (LOGIN, 403, 404, OK, 404, OK),
    "classes.edit_assignment": (LOGIN, 403, 404, OK, 404, OK),
    "classes.delete_assignment": (LOGIN, 403, 404, OK, 404, OK),
    "classes.extensions_page": (LOGIN, 403, 404, OK, 404, OK),
    "classes.remove_extension": (LOGIN, 403, 404, OK, 404, OK),
    # The owner's decisions (class A's instructor owns it), refused to everyone else.
    "classes.transfer_ownership": (LOGIN, 403, 404, OK, 404, 403),
    "classes.archive": (LOGIN, 403, 404, OK, 404, 403),
    "classes.restore": (LOGIN, 403, 404, OK, 404, 403),
    "classes.delete": (LOGIN, 403, 404, OK, 404, 403),
    "admin.change_role": (LOGIN, 403, 403, 403, 403, OK),
    # Anyone may ask for a reset link (the answer never says whether the address has an
    # account); a link that is not one of ours changes nothing.
    "recovery.forgot_password": (OK, OK, OK, OK, OK, OK),
    "recovery.reset_password": (400, 400, 400, 400, 400, 400),
    "recovery.resend_verification": (LOGIN, OK, OK, OK, OK, OK),
    "recovery.change_email": (LOGIN, OK, OK, OK, OK, OK),
    "reminders.preferences": (LOGIN, OK, OK, OK, OK, OK),
    "reminders.unsubscribe": (404, 404, 404, 404, 404, 404),
    "reminders.class_reminder": (LOGIN, 403, 404, OK, 404, OK),
    # Inviting to class A, and withdrawing its pending invitation, are its instructors' acts.
    "invitations.invite": (LOGIN, 403, 404, OK, 404, OK),
    "invitations.revoke": (LOGIN, 403, 404, OK, 404, OK),
    "invitations.open": (404, 404, 404, 404, 404, 404),
    # The session in the URL is one of class A's learner's devices: nobody else's to end.
    "auth.end_session": (LOGIN, OK, 404, 404, 404, 404),
    "auth.end_other_sessions": (LOGIN, OK, OK, OK, OK, OK),
    "auth.end_all_sessions": (LOGIN, OK, OK, OK, OK, OK),
}

FAR_FUTURE = datetime(2030, 1, 1, 17, 0)
FINISHED_LESSON = "module-1-lesson-1"  # class A's learner took its quiz to the end
OPEN_LESSON = "module-1-lesson-2"  # and started this one's, without answering yet
ACCOUNTS = {
    "learner": ("learner-a@example.com", "learner"),
    "other learner": ("learner-b@example.com", "learner"),
    "instructor": ("teacher-a@example.com", "instructor"),
    "other instructor": ("teacher-b@example.com", "instructor"),
    "admin": ("admin@example.com", "admin"),
}
QUESTIONS = 5  # in each lesson's quiz, the fewest a lesson may have
NEW_PASSWORD = "plum kettle harbour lamp"


@dataclass
class School:
    """Two classes, A and B, each with an instructor, a learner and an assignment; an admin;
    class A's learner's finished and unfinished quiz attempts and review cards; and one
    browser per viewer, signed in but for the anonymous one."""

    class_a: int
    class_b: int
    code_a: str
    instructor_a: int
    instructor_b: int
    learner_a: int
    learner_b: int
    assignment_a: int
    assignment_b: int
    emails: dict[str, str]
    clients: dict[str, BrowserClient] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    # Class A's learner's: the attempts, the card the review page shows first, and what their
    # browser sends to answer the open attempt's first question, that card, and to rate it.
    # A second device class A's learner is signed in on.
    spare_session: int = 0
    # An invitation to class A that nobody has answered yet.
    invitation: int = 0
    finished_attempt: int = 0
    open_attempt: int = 0
    card: int = 0
    answer_form: dict = field(default_factory=dict)
    review_form: dict = field(default_factory=dict)
    rate_form: dict = field(default_factory=dict)

    def url(self, rule, **values) -> str:
        """The rule's URL with class A's (and its learner's) ids, or the given ones."""
        defaults = {
            "class_id": self.class_a,
            "user_id": self.learner_a,
            "assignment_id": self.assignment_a,
            "change": "new",
            "code": self.code_a,
            # The lesson pages show the lesson whose quiz class A's learner left open.
            "slug": "module-1" if rule.endpoint == "learn.module" else OPEN_LESSON,
            # Results exist once an attempt is finished; the other pages show the open one.
            "attempt_id": self.finished_attempt
            if rule.endpoint in ("quiz.results", "quiz.review", "classes.attempt")
            else self.open_attempt,
            "position": 1,
            "card_id": self.card,
            "session_id": self.spare_session,
            "invitation_id": self.invitation,
            "token": "not-a-valid-token",
        }
        _, url = rule.build({name: values.get(name, defaults[name]) for name in rule.arguments})
        return url

    def form_data(self, endpoint: str) -> dict[str, str]:
        """What a browser would send to the endpoint, but for the CSRF token: valid data."""
        return {
            "auth.login": {"email": self.emails["learner"], "password": DEFAULT_PASSWORD},
            "auth.register": {
                "email": "newcomer@example.com",
                "display_name": "Newcomer",
                "password": NEW_PASSWORD,
                "confirm": NEW_PASSWORD,
                "time_zone": "UTC",
            },
            "auth.settings": {
                "display_name": "Renamed viewer",
                "time_zone": "Europe/Paris",
                "daily_goal": "30",
                "desired_retention": "0.85",
                "new_cards_per_day": "10",
                "reviews_per_day": "100",
            },
            "auth.change_password": {
                "current_password": DEFAULT_PASSWORD,
                "new_password": NEW_PASSWORD,
                "confirm": NEW_PASSWORD,
            },
            "auth.delete_account": {"password": DEFAULT_PASSWORD},
            "quiz.question": self.answer_form,
            "review.answer": self.review_form,
            "review.rate": self.rate_form,
            "classes.new": {"name": "Night shift", "description": "", "time_zone": "UTC"},
            "classes.join": {"code": self.code_a},
            "classes.edit": {"name": "Renamed", "description": "Taken over", "time_zone": "UTC"},
            "classes.add_instructor": {"email": self.emails["other instructor"]},
            "classes.new_assignment": {
                "target": "lesson:module-1-lesson-2",
                "due": "2030-02-01T09:00",
                "pass_mark": "80",
            },
            "classes.edit_assignment": {"due": "2030-03-01T09:00", "pass_mark": "50"},
            "classes.extensions_page": {"learners": str(self.learner_a), "due": "2031-03-01T09:00"},
            # Class B's instructor, who teaches class A too once its owner adds them.
            "classes.transfer_ownership": {"user_id": str(self.instructor_b)},
            "classes.delete": {"confirm_name": "Line 3"},
            "admin.change_role": {"role": "admin"},
            "invitations.invite": {"addresses": "invitee@example.com"},
        }.get(endpoint, {})

    def post(self, viewer: str, url: str, endpoint: str, data: dict | None = None):
        """The request the viewer's browser would send, with its own valid CSRF token."""
        form = self.form_data(endpoint) if data is None else data
        return self.clients[viewer].post(url, data={**form, "csrf_token": self.tokens[viewer]})

    def new_browser(self, viewer: str, password: str | None = None) -> BrowserClient:
        """A fresh browser for the viewer, signed in with the password unless anonymous."""
        client = self.clients[viewer] = self.clients["anonymous"].application.test_client()
        if viewer == "anonymous":
            self.tokens[viewer] = client.csrf_token("/account/login")
        else:
            response = client.login(self.emails[viewer], password or DEFAULT_PASSWORD)
            assert response.status_code == 302, viewer
            self.tokens[viewer] = client.csrf_token("/classes")
        return client


def browser_form(html: str, answer: str = "The right one") -> dict:
    """The form data of a question page answered as a learner would, but the CSRF token."""
    data = FormPage(html).answer(answer)
    data.pop("csrf_token")
    return data


def start_quiz(world: School, lesson: str) -> int:
    response = world.post("learner", f"/lessons/{lesson}/quiz", "quiz.start")
    assert response.status_code == 303, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def learner_activity(world: School) -> None:
    """Class A's learner, through the pages: finishes one quiz (each answer makes a review
    card), starts another, and opens a card on the review page."""
    learner = world.clients["learner"]
    world.finished_attempt = start_quiz(world, FINISHED_LESSON)
    for position in range(1, QUESTIONS + 1):
        url = f"/attempts/{world.finished_attempt}/questions/{position}"
        answered = world.post("learner", url, "quiz.question", browser_form(learner.get(url).text))
        assert answered.status_code == 303, answered.text
    # Its questions come back to review ten minutes later.
    time_passes(world.learner_a, minutes=10)
    world.open_attempt = start_quiz(world, OPEN_LESSON)
    question = learner.get(f"/attempts/{world.open_attempt}/questions/1").text
    world.answer_form = browser_form(question)
    review = learner.get("/review").text
    world.card = int(re.search(r'action="/review/(\d+)"', review)[1])
    world.review_form = browser_form(review)
    reveal = world.post("learner", f"/review/{world.card}", "review.answer")
    assert reveal.status_code == 200, reveal.text
    ticket = re.search(r'name="ticket" type="hidden" value="([^"]+)"', reveal.text)[1]
    world.rate_form = {"ticket": ticket, "rating": "3"}  # Good


@pytest.fixture
def school(app, db, tmp_path) -> School:
    sync_tree(write_content(tmp_path, lessons_per_module=2, questions_per_lesson=QUESTIONS))
    now = utcnow()
    # One password hash for all five: hashing five passwords (scrypt) for every test would
    # take most of its time. They still sign in through the login form.
    users = dict(zip(ACCOUNTS, quick_learners(len(ACCOUNTS), prefix="school"), strict=True))
    for viewer, (email, role) in ACCOUNTS.items():
        users[viewer].email, users[viewer].role = email, role
        users[viewer].email_verified_at = now
    db.session.flush()
    spare = open_session(
        user=users["learner"], user_agent="Firefox/1 Android", remember=True, now=now
    )
    spare_session = db.session.scalar(
        select(UserSession.id).where(UserSession.user_id == users["learner"].id)
    )
    class_a = classes.create_class(
        owner=users["instructor"], name="Line 3", description="", time_zone="UTC"
    )
    class_b = classes.create_class(
        owner=users["other instructor"], name="Line 4", description="", time_zone="UTC"
    )
    classes.join_class(user=users["learner"], code=class_a.join_code, now=now)
    classes.join_class(user=users["other learner"], code=class_b.join_code, now=now)
    assignments = [
        classes.create_assignment(
            classroom=classroom,
            by=users[teacher],
            target="module:module-1",
            due_local=FAR_FUTURE,
            pass_mark=None,
            now=now,
        )
        for classroom, teacher in ((class_a, "instructor"), (class_b, "other instructor"))
    ]
    db.session.commit()
    world = School(
        class_a=class_a.id,
        class_b=class_b.id,
        code_a=class_a.join_code,
        instructor_a=users["instructor"].id,
        instructor_b=users["other instructor"].id,
        learner_a=users["learner"].id,
        learner_b=users["other learner"].id,
        assignment_a=assignments[0].id,
        assignment_b=assignments[1].id,
        emails={viewer: user.email for viewer, user in users.items()},
        spare_session=spare_session,
    )
    pending = ClassInvitation(class_id=class_a.id, email="pending@example.com")
    db.session.add(pending)
    db.session.commit()
    world.invitation = pending.id
    assert spare
    world.clients["anonymous"] = app.test_client()
    for viewer in VIEWERS:
        world.new_browser(viewer)
    learner_activity(world)
    return world


def app_rules(app, method: str):
    """Every route of the app that answers `method`, but the static files."""
    rules = [
        rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static" and method in rule.methods
    ]
    assert rules
    return sorted(rules, key=lambda rule: rule.rule)


def database_state(db) -> dict[str, list]:
    """Every row of every table, read fresh from the database."""
    db.session.rollback()
    return {
        table.name: db.session.execute(select(table).order_by(*table.primary_key.columns)).all()
        for table in db.metadata.sorted_tables
    }


def answered_as_expected(response, expected: int | Redirect, url: str) -> bool:
    if isinstance(expected, Redirect):
        location = urlsplit(response.headers.get("Location", "")).path
        return (response.status_code, location) == (expected.status, expected.path.format(url=url))
    return response.status_code == expected


def outcome(response) -> str:
    location = response.headers.get("Location")
    return f"{response.status_code} to {location}" if location else str(response.status_code)


def went_to_login(response) -> bool:
    return answered_as_expected(response, LOGIN, "")


def count(db, model, *where) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def user_row(db, school: School, viewer: str) -> User | None:
    db.session.rollback()
    return db.session.scalar(select(User).where(User.email == school.emails[viewer]))


def user_id(db, school: School, viewer: str) -> int:
    return user_row(db, school, viewer).id


def lesson_id(db, slug: str = OPEN_LESSON) -> int:
    return db.session.scalar(select(Lesson.id).where(Lesson.slug == slug))


def may(viewer: str, endpoint: str) -> bool:
    return POST_EXPECTED[endpoint][VIEWERS.index(viewer)] is OK


def test_every_route_has_a_line_in_the_tables(app):
    """A new route must say who may use it before it ships."""
    for method, table in (("GET", GET_EXPECTED), ("POST", POST_EXPECTED)):
        endpoints = {rule.endpoint for rule in app_rules(app, method)}
        assert endpoints - table.keys() == set(), f"{method} routes missing from the table"
        assert table.keys() - endpoints == set(), f"{method} table names routes that are gone"
    for table in (GET_EXPECTED, POST_EXPECTED):
        for endpoint, statuses in table.items():
            assert len(statuses) == len(VIEWERS), endpoint
    covered = {endpoint.split(".")[0] for endpoint in GET_EXPECTED.keys() | POST_EXPECTED.keys()}
    assert covered == set(app.blueprints), "every blueprint is in the tables"
    assert {"GET", "POST"} >= {
        method for rule in app.url_map.iter_rules() for method in rule.methods - {"HEAD", "OPTIONS"}
    }, "a route answers a method these tables do not check"


def test_every_page_answers_each_viewer_as_expected(app, db, school):
    before = database_state(db)
    wrong = []
    for rule in app_rules(app, "GET"):
        url = school.url(rule)
        for viewer, expected in zip(VIEWERS, GET_EXPECTED[rule.endpoint], strict=True):
            response = school.clients[viewer].get(url)
            if not answered_as_expected(response, expected, url):
                wrong.append(
                    (rule.endpoint, url, viewer, f"expected {expected}, got {outcome(response)}")
                )
    assert wrong == []
    # Pages change nothing, but that a lesson page records that the viewer opened it: the
    # four signed-in viewers who had not opened it before have started it now.
    after = database_state(db)
    progress_before, progress_after = before.pop("lesson_progress"), after.pop("lesson_progress")
    assert after == before, "opening a page changed the database"
    assert set(progress_before) <= set(progress_after)
    opened = set(progress_after) - set(progress_before)
    assert sorted(row.user_id for row in opened) == sorted(
        user_id(db, school, viewer) for viewer in VIEWERS[2:]
    )
    assert {(row.lesson_id, row.completed_at) for row in opened} == {(lesson_id(db), None)}

    download = school.clients["instructor"].get(f"/classes/{school.class_a}/gradebook.csv")
    assert download.mimetype == "text/csv"
    assert "attachment" in download.headers["Content-Disposition"]
    export = school.clients["other learner"].get("/account/export")
    assert export.mimetype == "application/json"
    assert "learner-b@example.com" in export.text and "learner-a@example.com" not in export.text
    forbidden = school.clients["learner"].get(f"/classes/{school.class_a}/gradebook")
    assert "Not allowed" in forbidden.text
    hidden = school.clients["other learner"].get(f"/classes/{school.class_a}")
    assert "Page not found" in hidden.text and "Line 3" not in hidden.text
    results = f"/attempts/{school.finished_attempt}/results"
    assert "Lesson 1.1" in school.clients["learner"].get(results).text
    for viewer in ("other learner", "instructor", "admin"):
        page = school.clients[viewer].get(results).text
        assert "Page not found" in page and "Lesson 1.1" not in page, viewer


def test_refused_actions_change_nothing(app, db, school):
    """Every viewer who may not do an action sends it anyway, with a valid CSRF token and
    valid form data, as a forged request would; the answer is the expected refusal and the
    database is untouched."""
    before = database_state(db)
    wrong = []
    refusals = 0
    for rule in app_rules(app, "POST"):
        url = school.url(rule)
        for viewer, expected in zip(VIEWERS, POST_EXPECTED[rule.endpoint], strict=True):
            if expected is OK:
                continue
            refusals += 1
            response = school.post(viewer, url, rule.endpoint)
            if not answered_as_expected(response, expected, url):
                wrong.append(
                    (rule.endpoint, url, viewer, f"expected {expected}, got {outcome(response)}")
                )
            if database_state(db) != before:
                wrong.append((rule.endpoint, url, viewer, "changed the database"))
                before = database_state(db)
    assert refusals > 70
    assert wrong == []

    # The refusals that are not about permissions say why.
    join = school.post("learner", "/classes/join", "classes.join")
    assert "You are already in Line 3." in join.text
    join = school.post("instructor", "/classes/join", "classes.join")
    assert "You teach Line 3." in join.text
    leave = school.post("instructor", f"/classes/{school.class_a}/leave", "classes.leave")
    assert "Only learners leave a class" in leave.text
    only_admin = school.post("admin", "/account/delete", "auth.delete_account")
    assert only_admin.status_code == 400 and "You are the only admin" in only_admin.text
    assert database_state(db) == before


def test_ids_from_another_class_or_no_class_are_not_found(app, db, school):
    """Class A's URL with class B's learner or assignment: 404, even for those who may see
    class A, and class B keeps its learner and its assignment. A class id that does not
    exist is a 404 on every page, even for an admin."""
    a = school.class_a
    pages = [
        f"/classes/{a}/learners/{school.learner_b}",
        f"/classes/{a}/assignments/{school.assignment_b}",
        f"/classes/{a}/assignments/{school.assignment_b}/edit",
        # An instructor of the class is not one of its learners either.
        f"/classes/{a}/learners/{school.instructor_a}",
    ]
    actions = [
        (f"/classes/{a}/learners/{school.learner_b}/remove", "classes.remove_learner"),
        (f"/classes/{a}/assignments/{school.assignment_b}/delete", "classes.delete_assignment"),
        (f"/classes/{a}/assignments/{school.assignment_b}/edit", "classes.edit_assignment"),
    ]
    before = database_state(db)
    for viewer in ("instructor", "admin"):
        for url in pages:
            assert school.clients[viewer].get(url).status_code == 404, (url, viewer)
        for url, endpoint in actions:
            assert school.post(viewer, url, endpoint).status_code == 404, (url, viewer)
    assert database_state(db) == before

    missing = school.class_a + school.class_b + 1000
    for rule in app_rules(app, "GET"):
        if "class_id" in rule.arguments:
            url = school.url(rule, class_id=missing)
            assert school.clients["admin"].get(url).status_code == 404, url


def test_attempts_and_cards_that_do_not_exist_are_not_found(app, db, school):
    """To their own learner too, a missing attempt, question or card is a 404, the same
    answer others get for theirs."""
    missing = 10_000 + school.open_attempt + school.card
    learner = school.clients["learner"]
    before = database_state(db)
    for url in (
        f"/attempts/{missing}",
        f"/attempts/{missing}/questions/1",
        f"/attempts/{missing}/results",
        f"/attempts/{school.open_attempt}/questions/{QUESTIONS + 1}",
        f"/attempts/{school.open_attempt}/questions/0",
    ):
        assert learner.get(url).status_code == 404, url
    for url, endpoint in (
        (f"/attempts/{missing}/questions/1", "quiz.question"),
        (f"/review/{missing}", "review.answer"),
        (f"/review/{missing}/rate", "review.rate"),
    ):
        assert school.post("learner", url, endpoint).status_code == 404, url
    assert database_state(db) == before


@pytest.mark.parametrize("viewer", VIEWERS)
def test_each_viewer_can_do_every_action_the_table_allows(app, db, school, viewer):
    """The other half of the POST table, one viewer's column at a time: the same requests,
    from those allowed, do what they should (so the refusals above are about who asks, not
    about the form data). Actions that end the session or the account come last."""
    rules = {rule.endpoint: rule for rule in app_rules(app, "POST")}
    allowed = {endpoint for endpoint in POST_EXPECTED if may(viewer, endpoint)}
    done: set[str] = set()

    def send(endpoint, expected: int | Redirect, data=None, **values):
        assert may(viewer, endpoint), (endpoint, viewer)
        url = school.url(rules[endpoint], **values)
        response = school.post(viewer, url, endpoint, data)
        assert answered_as_expected(response, expected, url), (endpoint, outcome(response))
        done.add(endpoint)
        return response

    me = user_id(db, school, viewer) if viewer != "anonymous" else None
    client = school.clients[viewer]

    # Classes, and the admin's one action.
    if may(viewer, "reminders.class_reminder"):
        send("reminders.class_reminder", Redirect(f"/classes/{school.class_a}/gradebook", 303))
        to_learner = OutboxMessage.recipient == school.emails["learner"]
        assert count(db, OutboxMessage, OutboxMessage.kind == "class-reminder", to_learner) == 1
    if may(viewer, "invitations.invite"):
        send("invitations.invite", Redirect(f"/classes/{school.class_a}", 303))
        assert count(db, ClassInvitation, ClassInvitation.email == "invitee@example.com") == 1
        assert count(db, OutboxMessage, OutboxMessage.recipient == "invitee@example.com") == 1
    if may(viewer, "invitations.revoke"):
        send("invitations.revoke", Redirect(f"/classes/{school.class_a}", 303))
        assert count(db, ClassInvitation, ClassInvitation.id == school.invitation) == 0
    if may(viewer, "classes.edit"):
        teach_class_a(school, db, send)
    if may(viewer, "classes.archive"):
        own_class_a(school, db, send)
    in_class_a = (ClassMembership.class_id == school.class_a, ClassMembership.user_id == me)
    if may(viewer, "classes.join"):
        send("classes.join", 303)
        assert count(db, ClassMembership, *in_class_a, ClassMembership.role == "learner") == 1
    if may(viewer, "classes.leave"):
        send("classes.leave", 303)
        assert count(db, ClassMembership, *in_class_a) == 0
    if may(viewer, "classes.new"):
        owned = count(db, Classroom, Classroom.owner_id == me)
        send("classes.new", 303)
        assert count(db, Classroom, Classroom.owner_id == me) == owned + 1
    if may(viewer, "classes.delete"):
        # The class just made: class A was handed over above.
        night = db.session.scalar(select(Classroom.id).where(Classroom.name == "Night shift"))
        send(
            "classes.delete",
            Redirect("/classes", 303),
            {"confirm_name": "Night shift"},
            class_id=night,
        )
        assert count(db, Classroom, Classroom.id == night) == 0
    if may(viewer, "admin.change_role"):
        send("admin.change_role", Redirect("/admin/users", 303))
        assert user_row(db, school, "learner").role == "admin"

    # Learning, each on their own record.
    if may(viewer, "learn.mark_read"):
        send("learn.mark_read", 303)
        read = (LessonProgress.user_id == me, LessonProgress.lesson_id == lesson_id(db))
        assert count(db, LessonProgress, *read, LessonProgress.completed_at.is_not(None)) == 1
    if may(viewer, "quiz.start"):
        started = send("quiz.start", 303)
        attempt_id = int(started.headers["Location"].rsplit("/", 1)[1])
        db.session.rollback()
        assert db.session.get(QuizAttempt, attempt_id).user_id == me
        if viewer == "learner":
            assert attempt_id == school.open_attempt, "an unfinished attempt is resumed"
    if may(viewer, "quiz.question"):
        send("quiz.question", Redirect("{url}", 303))  # to the feedback, at the same URL
        assert count(db, QuizAnswer, QuizAnswer.attempt_id == school.open_attempt) == 1
    if may(viewer, "review.answer"):
        logs = count(db, ReviewLog)
        reveal = send("review.answer", 200)
        assert "Good" in reveal.text and count(db, ReviewLog) == logs, "nothing until rated"
    if may(viewer, "review.rate"):
        send("review.rate", Redirect("/review", 303))
        # The quiz answer that began the card, then this review.
        assert count(db, ReviewLog, ReviewLog.card_id == school.card) == 2
        assert count(db, ReviewCard, ReviewCard.id == school.card, ReviewCard.reps == 2) == 1
    if may(viewer, "review.undo"):
        send("review.undo", Redirect("/review", 303))
        # Class A's learner's rating above is taken back; the others had none to undo.
        voided = count(db, ReviewLog, ReviewLog.voided_at.is_not(None))
        assert voided == (1 if viewer == "learner" else 0)

    # Mail about the account, and reminders.
    if may(viewer, "recovery.forgot_password"):
        sent = {"email": school.emails["learner"]}
        send("recovery.forgot_password", Redirect("/account/forgot", 303), sent)
        assert count(db, OutboxMessage, OutboxMessage.kind == "password-reset") == 1
    if may(viewer, "recovery.resend_verification"):
        send("recovery.resend_verification", Redirect("/account/settings", 303))
        # Every viewer's address is confirmed already: nothing to send.
        assert count(db, OutboxMessage, OutboxMessage.kind == "verify-email") == 0
    if may(viewer, "recovery.change_email"):
        moving = {"new_email": "moved@example.com", "password": DEFAULT_PASSWORD}
        send("recovery.change_email", Redirect("/account/settings", 303), moving)
        assert count(db, OutboxMessage, OutboxMessage.recipient == "moved@example.com") == 1
        assert user_row(db, school, viewer) is not None, "the address changes with the link"
    if may(viewer, "reminders.preferences"):
        choice = {"reminder_hour": "7", "remind_reviews": "y"}
        send("reminders.preferences", Redirect("/account/settings", 303), choice)
        row = user_row(db, school, viewer)
        assert (row.reminder_hour, row.remind_reviews, row.remind_overdue) == (7, True, False)

    # The account: settings, a new password, logging out and in again, then deleting it.
    if may(viewer, "auth.settings"):
        send("auth.settings", Redirect("/account/settings", 303))
        assert user_row(db, school, viewer).display_name == "Renamed viewer"
    # Before the new password, which ends every other session.
    if may(viewer, "auth.end_session"):
        send("auth.end_session", Redirect("/account/settings", 303))
        assert count(db, UserSession, UserSession.id == school.spare_session) == 0
    if may(viewer, "auth.change_password"):
        old_hash = user_row(db, school, viewer).password_hash
        send("auth.change_password", Redirect("/account/settings"))
        assert user_row(db, school, viewer).password_hash != old_hash
        assert client.get("/account/settings").status_code == 200, "still signed in here"
    if may(viewer, "auth.end_other_sessions"):
        other = client.application.test_client()
        assert other.login(school.emails[viewer], NEW_PASSWORD).status_code == 302
        send("auth.end_other_sessions", Redirect("/account/settings", 303))
        assert went_to_login(other.get("/today")), "the other device is signed out"
        assert client.get("/today").status_code == 200, "this one is not"
    if may(viewer, "auth.end_all_sessions"):
        send("auth.end_all_sessions", Redirect("/", 303))
        assert went_to_login(client.get("/today"))
        assert count(db, UserSession, UserSession.user_id == me) == 0
        client = school.new_browser(viewer, NEW_PASSWORD)
    if may(viewer, "auth.logout"):
        state = database_state(db)
        send("auth.logout", Redirect("/", 303))
        assert went_to_login(client.get("/today"))
        # The browser's session is gone from the server; nothing else changed.
        after = database_state(db)
        assert len(after.pop("user_sessions")) == len(state.pop("user_sessions")) - (
            viewer != "anonymous"
        )
        assert after == state
    if may(viewer, "auth.login"):
        send("auth.login", HOME)
        assert client.get("/today").status_code == 200
        client = school.new_browser(viewer)
    if may(viewer, "auth.register"):
        send("auth.register", HOME)
        assert client.get("/today").status_code == 200
        assert count(db, User, User.email == "newcomer@example.com") == 1
    if may(viewer, "auth.delete_account"):
        # Signed in again with the password changed above. The admin may go: class A's
        # learner was made an admin above (the only admin may not: see the refusals).
        client = school.new_browser(viewer, NEW_PASSWORD)
        send("auth.delete_account", Redirect("/", 303), {"password": NEW_PASSWORD})
        assert user_row(db, school, viewer) is None
        assert went_to_login(client.get("/today"))

    assert done == allowed


def teach_class_a(school: School, db, send) -> None:
    """An instructor's day with class A, as its instructor or an admin."""
    a = school.class_a
    before = database_state(db)
    send("classes.edit", 303)
    send("classes.new_assignment", 303)
    send("classes.edit_assignment", 303)
    send("classes.extensions_page", 303)
    extended = (AssignmentExtension.user_id == school.learner_a,)
    assert count(db, AssignmentExtension, *extended) == 1
    send("classes.remove_extension", 303)
    assert count(db, AssignmentExtension, *extended) == 0
    send("classes.delete_assignment", 303)
    send("classes.add_instructor", 303)
    colleague = user_id(db, school, "other instructor")
    send("classes.remove_instructor", 303, user_id=colleague)
    assert count(db, ClassMembership, ClassMembership.user_id == colleague) == 1, "class B only"
    send("classes.add_instructor", 303)
    send("classes.change_code", 303, change="close")
    send("classes.change_code", 303, change="open")
    send("classes.remove_learner", 303)
    send("classes.change_code", 303, change="new")

    after = database_state(db)
    renamed = after["classes"][0]
    assert (renamed.name, renamed.description) == ("Renamed", "Taken over")
    assert renamed.join_code != before["classes"][0].join_code, "the join code is new"
    roster_of_a = [row.role for row in after["class_memberships"] if row.class_id == a]
    assert sorted(roster_of_a) == ["instructor", "instructor"], "two teachers, no learner left"
    # The module assignment was removed; the lesson assigned on the way stays.
    assert [row.lesson_id is not None for row in after["assignments"] if row.class_id == a] == [
        True
    ]
    school.code_a = renamed.join_code  # for whoever joins next


def own_class_a(school: School, db, send) -> None:
    """The owner's decisions about class A, after a day's teaching: archive it, restore it,
    then hand it to class B's instructor, whom the day made a co-instructor."""
    a = school.class_a
    send("classes.archive", 303)
    assert count(db, Classroom, Classroom.id == a, Classroom.archived_at.is_not(None)) == 1
    send("classes.restore", 303)
    assert count(db, Classroom, Classroom.id == a, Classroom.archived_at.is_(None)) == 1
    send("classes.transfer_ownership", 303)
    assert count(db, Classroom, Classroom.id == a, Classroom.owner_id == school.instructor_b) == 1
    still = (ClassMembership.class_id == a, ClassMembership.user_id == school.instructor_a)
    assert count(db, ClassMembership, *still, ClassMembership.role == "instructor") == 1


def test_an_admin_who_joined_as_a_learner_can_leave_again(db, school):
    assert school.post("admin", "/classes/join", "classes.join").status_code == 303
    leave = school.post("admin", f"/classes/{school.class_a}/leave", "classes.leave")
    assert leave.status_code == 303
    assert (
        db.session.scalar(
            select(ClassMembership).where(
                ClassMembership.class_id == school.class_a,
                ClassMembership.user_id
                == db.session.scalar(select(User.id).where(User.email == school.emails["admin"])),
            )
        )
        is None
    )


def test_an_instructor_demoted_to_learner_loses_the_instructor_pages(db, school):
    data = {"csrf_token": school.tokens["admin"], "role": "learner"}
    demoted = school.clients["admin"].post(f"/admin/users/{school.instructor_a}/role", data=data)
    assert demoted.status_code == 303
    former = school.clients["instructor"]
    assert former.get(f"/classes/{school.class_a}/gradebook").status_code == 403
    assert former.get(f"/classes/{school.class_a}/edit").status_code == 403
    code = school.post("instructor", f"/classes/{school.class_a}/code/new", "classes.change_code")
    assert code.status_code == 403
    assert former.get(f"/classes/{school.class_a}").status_code == 200
