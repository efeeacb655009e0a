"""Fuzzing every form and query string (issue 7): random, oversized, unicode and malformed
input, sent with a valid CSRF token by a viewer allowed to use the route, so that it reaches
the form logic. No answer may be a 500; a refused request (4xx) writes nothing at all; an
accepted one writes only where the route may write, and what it stored is what was sent.

The routes come from the app's URL map: a POST route, a GET route reading its query string or
a URL with a text parameter added without an entry in the tables below fails here. Every URL
with an id is fuzzed with ids no row has, from the map alone.

Each route gets one world (`World`, built once per test function) and hypothesis sends many
requests into it. A refused request leaves the world as it was; an accepted one changes it as
the app allows, so every example compares against a fresh snapshot of the whole database, and
routes whose success would stop the next examples from reaching the form (deleting the
assignment, leaving the class, logging out...) put the world back before each example."""

from __future__ import annotations

import inspect
import itertools
import re
import time
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from unittest import mock
from urllib.parse import quote, urlsplit

import pytest
from hypothesis import example, given, seed, settings
from hypothesis import strategies as st
from itsdangerous import TimestampSigner
from markupsafe import escape
from sqlalchemy import delete, func, select, update
from werkzeug.datastructures import MultiDict
from werkzeug.security import check_password_hash
from werkzeug.test import encode_multipart

from quizapp.core.accounts import email_problem, normalize_email
from quizapp.core.assignments import AnswersShown, AttemptPolicy, ScoreCounts
from quizapp.core.classes import due_from_local, local_time
from quizapp.core.scheduling import LEECH_THRESHOLD, Rating, light_days_mask
from quizapp.core.tokens import fingerprint, make_token
from quizapp.db import utcnow
from quizapp.models import (
    ROLES,
    Assignment,
    AssignmentExtension,
    ClassInvitation,
    ClassMembership,
    Classroom,
    Lesson,
    LessonProgress,
    OutboxMessage,
    Question,
    QuizAnswer,
    QuizAttempt,
    ReviewCard,
    ReviewLog,
    User,
    UserSession,
)
from quizapp.quiz.forms import AnswerForm
from quizapp.review.views import signer
from quizapp.services import classes, quizzes, reviews
from quizapp.services.account_mail import RESET, VERIFY
from quizapp.services.invitations import INVITATION, LIFETIME, MOST_AT_ONCE
from quizapp.services.reminders import CLASS_REMINDER, OPT_OUTS, _unsubscribe_url
from quizapp.services.sessions import open_session
from tests.conftest import BrowserClient
from tests.factories import DEFAULT_PASSWORD, quick_learners, sync_tree, write_content

MAX_BODY = 1024 * 1024  # the app's MAX_CONTENT_LENGTH, checked below
CONTENT_TABLES = frozenset({"modules", "lessons", "questions"})
QUESTION_TYPES = ("single", "multiple", "truefalse", "ordering", "matching", "short")
NEW_PASSWORD = "plum orbit gravel 42"
WRONG_PASSWORD = "not the password 7"
# Valid-looking due dates, a few weeks ahead of whenever the suite runs.
SOON = date.today() + timedelta(days=40)
DUE = f"{SOON.isoformat()}T09:00"
DUE_WITH_SECONDS = f"{(SOON + timedelta(days=9)).isoformat()}T17:30:00"
# After any due date the assignment forms can set: an extension's.
LATER_DUE = f"{(SOON + timedelta(days=60)).isoformat()}T18:00"


def stream(*names: str) -> int:
    """A fixed seed of its own for each route and variant: derandomize alone would give every
    inner test function the same one, and so the same choices."""
    return zlib.crc32(" ".join(names).encode())


FUZZ = settings(max_examples=25, deadline=None, derandomize=True, print_blob=False)
# Routes that check or hash a password spend ~0.15 s of scrypt on most examples: fewer.
HASHING = 15
# Buttons without fields, where only stray keys and the encoding vary: fewer still.
NO_FIELDS = 10


# --- Values -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Long:
    """A very long field value, drawn as a short unit and a size so a failing example prints
    in one line."""

    unit: str
    size: int

    def __str__(self) -> str:
        return (self.unit * (self.size // len(self.unit) + 1))[: self.size]


def _typed_code(code: str) -> str:
    return f" {code[:4].lower()}-{code[4:].lower()} "


# Small changes to a valid value: spacing, case, a NUL, invisible or combining characters.
TWEAKS: dict[str, Callable[[str], str]] = {
    "": lambda v: v,
    "padded": lambda v: f"  {v}\t\r\n",
    "upper": str.upper,
    "nul": lambda v: v + "\x00",
    "doubled": lambda v: v + v,
    "zero-width": lambda v: "\u200b" + v + "\ufeff",
    "combining": lambda v: v + "\u0301",
    "rtl": lambda v: "\u202e" + v + "\u202c",
    "fullwidth": lambda v: "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in v),
    "chopped": lambda v: v[:-1],
    "superscript": lambda v: v.translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")),
    "arabic-indic": lambda v: v.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")),
    "typed": _typed_code,
}


@dataclass(frozen=True)
class Live:
    """A value only the world knows when the example runs (a password, a join code, a signed
    hidden field): hypothesis draws the choice, the world fills in the value."""

    name: str
    how: str = ""


Value = str | Live | Long | list  # a list is the same key sent several times

TRICKY = [
    "\x00",
    "a\x00b",
    "\u202eevil\u202c",  # right-to-left override
    "\u200f\u200e",  # right-to-left and left-to-right marks
    "\u200b\u2060\ufeff",  # zero-width characters
    "e\u0301\u0301\u0301\u0308",  # stacked combining marks
    "Z\u0351\u0363\u0364\u0350\u0345a\u035cl\u0352g\u0351o",
    "\U0001f600\U0001f4a9\U0001f1eb\U0001f1f7",  # astral emoji and a flag
    "\U0001d518\U0001d52b\U0001d526",  # mathematical letters
    "\U0010ffff\uffff\ufffe",  # non-characters
    "\u0085\u2028\u2029",  # line separators
    "\ufdfa\u3300\ufb03",  # compatibility characters that NFKC expands
    "İıßẞǅ",  # letters whose case mapping changes length
    "<script>alert(1)</script>",
    "\"'><img src=x onerror=alert(1)>",
    "{{ 7 * 7 }}{% raw %}",
    "' OR 1=1 --",
    "%_\\",
    "%00",
    "../../etc/passwd",
    "\r\nSet-Cookie: x=1",
    "\ud7ff\ue000",
]
NUMBERS = [
    "-1",
    "0",
    "-0",
    "00001",
    "1e309",
    "-1e309",
    "1e-400",
    "NaN",
    "nan",
    "inf",
    "-Infinity",
    "99999999999999999999999",
    "-99999999999999999999999",
    "9" * 5000,
    "1.5",
    "0.5",
    "0.7",
    "0.97",
    "0.9700000000000001",
    "0x10",
    "1_000",
    "+5",
    " 7 ",
    "٣",  # Arabic-Indic digit: a decimal digit to int()
    "²",  # superscript two: isdigit() but not a decimal digit
    "\uff15",  # fullwidth digit five
    "½",
    "1,5",
    "100",
    "101",
    "500",
    "501",
    "999",
    "1000",
    "9999",
    "10000",
]
DATETIMES = [
    "0001-01-01T00:00",
    "0002-01-01T00:00",
    "0000-01-01T00:00",
    "1970-01-01T00:00",
    "9999-12-31T23:59",
    "10000-01-01T00:00",
    "2030-02-30T09:00",
    "2030-13-01T09:00",
    "2030-01-01T24:00",
    "2030-01-01T23:60",
    "2030-01-01T09:00:60",
    "2030-01-01",
    "2030-01-01 09:00",
    "2030-01-01T09:00Z",
    "2030-01-01T09:00+02:00",
    "2030-01-01T09:00:00.000",
    "2030-03-31T01:30",  # in the gap of Europe's change to summer time
    "2030-10-27T01:30",  # twice in Europe's change back
    "\u0662\u0660\u0663\u0660-\u0660\u0661-\u0660\u0661T09:00",  # Arabic-Indic digits
    "+2030-01-01T09:00",
    "T",
]

TEXT = st.characters(codec="utf-8")  # every code point but the surrogates
BLANK = st.text(alphabet=" \t\r\n\x0b\x0c\u00a0\u2003\u3000\u200b\ufeff\u1680", min_size=1)
# Mostly characters of one to three bytes: 100k four-byte ones, percent-encoded, make a body
# over the limit, which only ever tests the 413.
LONG = st.builds(
    Long,
    st.one_of(
        st.sampled_from(["a", " ", "é", "\u202e", "名", "\u0301", "ab\x00", "\U0001f600"]),
        st.text(TEXT, min_size=1, max_size=3),
    ),
    st.integers(min_value=10_000, max_value=100_000),
)
DATETIME_TEXT = st.one_of(
    st.sampled_from(DATETIMES),
    st.datetimes().map(lambda d: d.isoformat(timespec="minutes")),
    st.integers(min_value=-800, max_value=2500).map(
        lambda days: f"{(date.today() + timedelta(days=days)).isoformat()}T12:00"
    ),
)
SHORT_NASTY = [
    st.just(""),
    BLANK,
    st.text(TEXT, max_size=40),  # any code point: NUL, RTL marks, combining, astral...
    st.text(st.characters(min_codepoint=0x10000, codec="utf-8"), min_size=1, max_size=8),
    st.sampled_from(TRICKY),
    st.sampled_from(NUMBERS),
    st.integers().map(str),
    st.floats().map(str),
    DATETIME_TEXT,
]
NASTY = st.one_of(*SHORT_NASTY, LONG)
EXTRA_KEYS = st.one_of(
    st.sampled_from(["csrf_token", "submit", "id", "role", "user_id", "next", "__proto__", "a[]"]),
    st.text(TEXT, min_size=1, max_size=12),
)


def tweaked(value: str | Live, how: str) -> str | Live:
    return Live(value.name, how) if isinstance(value, Live) else TWEAKS[how](value)


KINDS = ("valid", "valid", "tweaked", "nasty", "repeated", "missing")


@st.composite
def form_data(
    draw, fields: Mapping[str, Sequence[str | Live]], hidden: frozenset[str] = frozenset()
) -> dict[str, Value]:
    """A value for each of the form's fields, mostly valid-looking (so that whole forms get
    through often enough to reach the services), else nasty, repeated or missing; plus a few
    fields the form does not know. Hidden fields the server signs are valid more often still,
    or the fuzz would hardly ever get past them to the answer."""
    data: dict[str, Value] = {}
    for name, valid in fields.items():
        good = st.sampled_from(list(valid))
        one = st.one_of(good, st.builds(tweaked, good, st.sampled_from(sorted(TWEAKS))), NASTY)
        kinds = KINDS + ("valid",) * (8 if name in hidden else 0)
        kind = draw(st.sampled_from(kinds))
        if kind == "valid":
            data[name] = draw(good)
        elif kind == "tweaked":
            data[name] = tweaked(draw(good), draw(st.sampled_from(sorted(TWEAKS))))
        elif kind == "nasty":
            data[name] = draw(NASTY)
        elif kind == "repeated":
            data[name] = draw(st.lists(one, min_size=2, max_size=3))
    short = st.one_of(*SHORT_NASTY)
    extras = draw(st.dictionaries(EXTRA_KEYS, st.one_of(short, st.lists(short)), max_size=2))
    for name, value in extras.items():
        data.setdefault(name, value)
    return data


@dataclass(frozen=True)
class Sample:
    """One fuzzed request: which variant of the route (URL), the form and the query string,
    how the body is encoded, and, for a body over the limit, its size."""

    variant: str
    form: Mapping[str, Value] = field(default_factory=dict)
    query: Mapping[str, Value] = field(default_factory=dict)
    encoding: str = "urlencoded"
    oversized: int | None = None


# --- The world ----------------------------------------------------------------------------------


@dataclass
class Sent:
    """What was sent, resolved, and what came back."""

    variant: str
    form: dict[str, list[str]]
    query: dict[str, list[str]]
    response: Any
    before: dict[str, list]
    after: dict[str, list]
    landing: Any = None

    def first(self, name: str) -> str | None:
        """The value a WTForms field reads: the first one sent, None if none was."""
        values = self.form.get(name)
        return values[0] if values else None


class World:
    """Two classes, an assignment, a learner with a quiz under way and due review cards, an
    instructor, a colleague, an admin, a learner in no class and one about to leave; one
    signed-in browser for each."""

    def __init__(self, app, db) -> None:
        self.app = app
        self.db = db
        self.ids: dict[str, int] = {}
        self.emails: dict[str, str] = {}
        self.passwords: dict[str, str] = {}
        self.clients: dict[str, BrowserClient] = {}
        self.sessions: dict[str, int] = {}  # who -> id of the session their browser is in
        self.tokens: dict[str, str] = {}
        self.questions: dict[str, tuple[int, str]] = {}  # quiz: type -> (question id, slug)
        self.cards: dict[str, int] = {}  # review: type -> card id
        self.fresh_emails = itertools.count(1)
        # Pasted address lists: text -> the well-formed addresses in it, normalised.
        self.invitees: dict[str, list[str]] = {}
        self.leaver_gone = False

    @property
    def session(self):
        return self.db.session

    def build(self) -> None:
        now = utcnow()
        people = {}
        for who, role in (
            ("learner", "learner"),
            ("instructor", "instructor"),
            ("colleague", "instructor"),
            ("admin", "admin"),
            ("joiner", "learner"),
        ):
            (user,) = quick_learners(1, prefix=who)
            user.role = role
            people[who] = user
        self.session.flush()
        class_a = classes.create_class(
            owner=people["instructor"], name="Line 3", description="Day shift", time_zone="UTC"
        )
        classes.join_class(user=people["learner"], code=class_a.join_code, now=now)
        self.ids["class_a"] = class_a.id
        assignment = self.add_assignment(people["instructor"])
        lesson = self.lesson("module-1-lesson-1")
        attempt = quizzes.start_attempt(user=people["learner"], lesson=lesson, now=now)
        # A fixed order and shuffle, so every run lays the questions out the same way.
        attempt.question_ids = sorted(attempt.question_ids)
        attempt.seed = 7
        for question in self.session.scalars(
            select(Question).where(Question.lesson_id == lesson.id)
        ):
            self.questions[question.slug.rsplit("-", 1)[1]] = (question.id, question.slug)
        for question in self.session.scalars(
            select(Question).join(Lesson).where(Lesson.slug == "module-2-lesson-1")
        ):
            card = ReviewCard(
                user_id=people["learner"].id,
                question_id=question.id,
                state=2,
                step=None,
                stability=3.0,
                difficulty=5.0,
                due=now - timedelta(hours=1),
                last_review=now - timedelta(days=3),
                reps=1,
            )
            self.session.add(card)
            self.session.flush()
            self.cards[question.slug.rsplit("-", 1)[1]] = card.id
        self.session.commit()
        self.ids.update(
            {who: user.id for who, user in people.items()},
            assignment=assignment.id,
            attempt=attempt.id,
            nobody=10**6,
        )
        self.emails.update({who: user.email for who, user in people.items()})
        self.passwords.update({who: DEFAULT_PASSWORD for who in people})
        for who in people:
            self.sign_in(who)
        self.clients["anonymous"] = self.app.test_client()
        self.make_leaver()

    def make_leaver(self) -> None:
        """An instructor who owns a class (with the colleague as co-teacher and an assignment
        they set), learns in class A and has a review card: what deleting an account must
        untangle."""
        (leaver,) = quick_learners(1, prefix="leaver")
        leaver.role = "instructor"
        self.session.flush()
        class_c = classes.create_class(
            owner=leaver, name="Leaver's class", description="", time_zone="Europe/Paris"
        )
        classes.add_instructor(classroom=class_c, email=self.emails["colleague"])
        classes.create_assignment(
            classroom=class_c,
            by=leaver,
            target="lesson:module-1-lesson-1",
            due_local=datetime.combine(SOON, datetime.min.time()),
            pass_mark=50,
            now=utcnow(),
        )
        self.session.add(ClassMembership(class_id=self.ids["class_a"], user_id=leaver.id))
        question_id = self.questions["single"][0]
        self.session.add(ReviewCard(user_id=leaver.id, question_id=question_id, due=utcnow()))
        self.session.commit()
        self.ids.update(leaver=leaver.id, class_c=class_c.id)
        self.emails["leaver"] = leaver.email
        self.passwords["leaver"] = DEFAULT_PASSWORD
        self.leaver_gone = False
        self.sign_in("leaver")

    def add_assignment(self, by: User | None = None) -> Assignment:
        classroom = self.session.get(Classroom, self.ids["class_a"])
        assignment = classes.create_assignment(
            classroom=classroom,
            by=by or self.session.get(User, self.ids["instructor"]),
            target="module:module-1",
            due_local=datetime.combine(SOON, datetime.min.time()),
            pass_mark=None,
            now=utcnow(),
        )
        self.session.flush()
        return assignment

    def lesson(self, slug: str) -> Lesson:
        return self.session.scalar(select(Lesson).where(Lesson.slug == slug))

    # Browsers

    def sign_in(self, who: str) -> None:
        """A browser signed in as `who`, through the session Flask-Login reads (a real login
        per world and viewer would cost a password hash each)."""
        client = self.app.test_client()
        user = self.session.get(User, self.ids[who])
        token = open_session(user=user, user_agent="", remember=False, now=utcnow())
        self.session.commit()
        with client.session_transaction() as session:
            session["_user_id"] = token
            session["_fresh"] = True
        self.clients[who] = client
        self.sessions[who] = self.newest_session(who)
        self.tokens.pop(who, None)

    def newest_session(self, who: str) -> int:
        return self.session.scalar(
            select(UserSession.id)
            .where(UserSession.user_id == self.ids[who])
            .order_by(UserSession.id.desc())
            .limit(1)
        )

    def signed_in_again(self, who: str) -> None:
        """After a request that may have ended the browser's session: a new one if it did."""
        self.fresh()
        if self.session.get(UserSession, self.sessions[who]) is None:
            self.sign_in(who)

    def spare_session(self, who: str) -> int:
        """Another device signed in as `who` (a phone, say), opened unless there is one."""
        self.fresh()
        spare = self.session.scalar(
            select(UserSession.id).where(
                UserSession.user_id == self.ids[who], UserSession.id != self.sessions[who]
            )
        )
        if spare is None:
            user = self.session.get(User, self.ids[who])
            phone = "Mozilla/5.0 (Android 14; Mobile; rv:126.0) Gecko/126.0 Firefox/126.0"
            open_session(user=user, user_agent=phone, remember=True, now=utcnow())
            self.session.commit()
            spare = self.newest_session(who)
        return spare

    def reset_anonymous(self) -> None:
        self.clients["anonymous"] = self.app.test_client()
        self.tokens.pop("anonymous", None)

    def token(self, who: str) -> str:
        if who not in self.tokens:
            page = "/account/login" if who == "anonymous" else "/account/password"
            self.tokens[who] = self.clients[who].csrf_token(page)
        return self.tokens[who]

    # The database, read fresh

    def fresh(self) -> None:
        """Forget what the test's session read: the requests wrote through their own."""
        self.session.rollback()

    def rows(self) -> dict[str, list]:
        """Every row of every table in primary-key order; for the content tables, which no
        request writes and which hold whole lessons, only their row counts."""
        with self.db.engine.connect() as connection:
            return {
                table.name: connection.execute(
                    select(func.count()).select_from(table)
                    if table.name in CONTENT_TABLES
                    else table.select().order_by(*table.primary_key.columns)
                ).all()
                for table in self.db.metadata.sorted_tables
            }

    def user(self, who: str) -> User | None:
        self.fresh()
        return self.session.get(User, self.ids[who])

    def classroom(self) -> Classroom:
        self.fresh()
        return self.session.get(Classroom, self.ids["class_a"])

    def membership(self, who: str) -> ClassMembership | None:
        self.fresh()
        return self.session.scalar(
            select(ClassMembership).where(
                ClassMembership.class_id == self.ids["class_a"],
                ClassMembership.user_id == self.ids[who],
            )
        )

    def ensure_member(self, who: str) -> None:
        if self.membership(who) is None:
            self.session.add(ClassMembership(class_id=self.ids["class_a"], user_id=self.ids[who]))
            self.session.commit()

    def position(self, kind: str) -> int:
        self.fresh()
        attempt = self.session.get(QuizAttempt, self.ids["attempt"])
        return attempt.question_ids.index(self.questions[kind][0]) + 1

    def card(self, kind: str) -> ReviewCard:
        self.fresh()
        return self.session.get(ReviewCard, self.cards[kind])

    # Values only the world knows

    def live(self, name: str, variant: str, form: dict[str, list[str]]) -> str:
        kind, _, arg = name.partition(":")
        if kind == "password":
            return self.passwords[arg]
        if kind == "email":
            return self.emails[arg]
        if kind == "fresh-email":
            return f"new{next(self.fresh_emails)}@example.com"
        if kind == "same":
            return (form.get(arg) or [""])[0]
        if kind == "code":
            return self.classroom().join_code
        if kind == "id":
            return str(self.ids[arg])
        if kind == "sort":
            return f"a{self.ids['assignment']}"
        if kind == "due":  # the assignment's due date as the form shows it
            self.fresh()
            assignment = self.session.get(Assignment, self.ids["assignment"])
            return f"{local_time(assignment.due_at, self.classroom().time_zone):%Y-%m-%dT%H:%M}"
        if kind == "quiz-question":
            return self.questions[variant][1]
        if kind == "quiz-shown":
            position = self.position(variant)
            if arg == "elsewhere":
                position = position % len(QUESTION_TYPES) + 1
            return self.stamp(self.questions[variant][1], self.ids["attempt"], position)
        if kind == "review-question":
            return self.questions[variant][1].replace("module-1-lesson-1", "module-2-lesson-1")
        if kind == "review-shown":
            card = self.card(variant)
            reps = card.reps + 1 if arg == "elsewhere" else card.reps
            return self.stamp("", card.id, reps)
        if kind == "ticket":
            if arg == "other":  # a ticket for another card
                variant = QUESTION_TYPES[QUESTION_TYPES.index(variant) - 1]
            card = self.card(variant)
            reps = card.reps - 1 if arg == "stale" else card.reps  # already rated, say
            with self.app.app_context():
                return signer().dumps([card.id, reps, 1500])
        if kind in ("reset-token", "used-reset-token"):
            return self.reset_token(arg, used=kind == "used-reset-token")
        if kind == "verify-token":  # the link that confirms the account's own address
            user = self.user(arg)
            return make_token(
                self.app.config["SECRET_KEY"], VERIFY, {"u": user.id, "e": user.email}
            )
        if kind == "unsubscribe":  # the link at the foot of the learner's reminders of a kind
            with self.app.app_context():
                url = _unsubscribe_url(self.ids["learner"], arg)
            return urlsplit(url).path.rsplit("/", 1)[1]
        if kind == "invitees":
            return self.invitee_text(arg)
        if kind in ("invitation", "old-invitation"):  # "who" or "who/class_c"
            who, _, class_key = arg.partition("/")
            age = LIFETIME + timedelta(days=1) if kind == "old-invitation" else timedelta(0)
            return self.invitation_token(self.invitation(who, class_key or "class_a"), age=age)
        if kind == "withdrawn-invitation":  # no row has its id
            return self.invitation_token(self.ids["nobody"])
        raise AssertionError(f"no live value {name!r}")

    def invitee_text(self, kind: str) -> str:
        """Addresses as an instructor pastes them, in several shapes; the well-formed ones
        (normalised) are kept in `invitees`, for the check to tell which must be invited."""
        emails = self.emails

        def fresh() -> str:
            return f"new{next(self.fresh_emails)}@example.com"

        if kind == "new":
            a, b, c = fresh(), fresh(), fresh()
            # nia's address comes back example after example: invited again after withdrawn.
            text = f'Nia New <nia@example.com>, {a}; "Doe, Jane" <{b}>\n\t{c.upper()}'
            valid = ["nia@example.com", a, b, c]
        elif kind == "mixed":
            a = fresh()
            text = (
                f"{emails['learner']}\t{emails['joiner'].upper()}\n{emails['instructor']};"
                f"{emails['colleague']}, not-an-address,, pending@example.com; {a} {a.upper()}"
            )
            valid = [
                emails["learner"],
                emails["joiner"],
                emails["instructor"],
                emails["colleague"],
                "pending@example.com",
                a,
            ]
        elif kind == "nobody":
            text = f"{emails['learner']}, pending@example.com\n{emails['colleague']} nope"
            valid = [emails["learner"], "pending@example.com", emails["colleague"]]
        else:  # "most" or "too-many"
            valid = [fresh() for _ in range(MOST_AT_ONCE + (kind == "too-many"))]
            text = "\n".join(valid)
        self.invitees[text] = valid
        return text

    def invitation(self, who: str, class_key: str = "class_a", *, accepted: bool = False) -> int:
        """The id of the invitation of `who` (someone of the world, or an address) to a
        class, made by its owner (accepted, if `accepted`) when there is none."""
        self.fresh()
        email, class_id = self.emails.get(who, who), self.ids[class_key]
        found = self.session.scalar(
            select(ClassInvitation.id).where(
                ClassInvitation.class_id == class_id, ClassInvitation.email == email
            )
        )
        if found is None:
            invitation = ClassInvitation(
                class_id=class_id,
                email=email,
                invited_by_id=self.session.get(Classroom, class_id).owner_id,
                accepted_at=utcnow() if accepted else None,
            )
            self.session.add(invitation)
            self.session.commit()
            found = invitation.id
        return found

    def invitation_token(self, invitation_id: int, *, age: timedelta = timedelta(0)) -> str:
        """The token of the link an invitation mail carries, as if mailed `age` ago."""
        signed_at = int(time.time() - age.total_seconds())
        with mock.patch.object(TimestampSigner, "get_timestamp", lambda signer: signed_at):
            return make_token(self.app.config["SECRET_KEY"], INVITATION, {"i": invitation_id})

    def reset_token(self, who: str, *, used: bool = False) -> str:
        """The token of the link a password-reset mail to `who` carries now. `used`: one made
        for a password the account no longer has (the link was used, or the password changed
        since), told apart only by the fingerprint of the password hash it names."""
        user = self.user(who)
        held = "a password hash since replaced" if used else user.password_hash
        return make_token(
            self.app.config["SECRET_KEY"], RESET, {"u": user.id, "p": fingerprint(held)}
        )

    def stamp(self, slug: str, *key: int) -> str:
        """The signed `shown` field of an answer form shown at `key`, as the page has it."""
        with self.app.test_request_context():
            form = AnswerForm(meta={"csrf": False})
            form.show(slug, *key)
            return form.shown.data

    def resolve(self, data: Mapping[str, Value], variant: str) -> dict[str, list[str]]:
        resolved: dict[str, list[str]] = {}
        for name, value in data.items():
            values = value if isinstance(value, list) else [value]
            resolved[name] = [self.resolve_one(v, variant, resolved) for v in values]
        return resolved

    def resolve_one(self, value: str | Live | Long, variant: str, form) -> str:
        if isinstance(value, Live):
            return TWEAKS[value.how](self.live(value.name, variant, form))
        return str(value)


# --- Routes -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """How to fuzz one route: who sends it (someone allowed, so the fuzz reaches the form),
    where (per variant: a question type, a role...), and the fields with valid-looking values
    (the first of each must be accepted, or refused as `refused` says). `writes` names the
    tables a success may change ("*": any), `prepare` puts the world back before each
    example, `check` reads what an accepted request stored, `refused` gives the status the
    input must be refused with (None: any outcome but a 500), `after` signs in again.
    `hidden` fields are signed by the server: valid more often, or nothing gets past them."""

    viewer: str
    path: Callable[[World, str], str]
    fields: Mapping[str, Sequence[str | Live]] = field(default_factory=dict)
    query: Mapping[str, Sequence[str | Live]] = field(default_factory=dict)
    variants: tuple[str, ...] = ("",)
    writes: frozenset[str] = frozenset()
    prepare: Callable[[World, str], None] | None = None
    check: Callable[[World, Sent], None] | None = None
    refused: Callable[[World, Sent], int | None] | None = None
    after: Callable[[World], None] | None = None
    hidden: frozenset[str] = frozenset()
    examples: int = FUZZ.max_examples  # per route, shared among its variants
    by_variant: Mapping[str, Mapping[str, Sequence[str | Live]]] = field(default_factory=dict)

    def fields_for(self, variant: str) -> dict[str, Sequence[str | Live]]:
        return {**self.fields, **self.by_variant.get(variant, {})}


def _fixed(path: str) -> Callable[[World, str], str]:
    return lambda world, variant: path


def _in_class(tail: str) -> Callable[[World, str], str]:
    return lambda world, variant: f"/classes/{world.ids['class_a']}{tail}"


def parse_due(values: list[str]) -> datetime:
    """What DateTimeLocalField reads: every value joined by spaces, in one of its formats."""
    text = " ".join(values)
    for pattern in ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            pass
    raise AssertionError(f"an unreadable due date {text!r} was accepted")


def expected_pass_mark(sent: Sent) -> int | None:
    raw = sent.first("pass_mark")
    return None if raw is None or not raw.strip() else int(raw)


def old(sent: Sent, table: str, row_id: int, column: str):
    row = next(r for r in sent.before[table] if r.id == row_id)
    return getattr(row, column)


# Checks of what an accepted request stored


def check_role(world: World, sent: Sent) -> None:
    assert world.user(sent.variant).role == sent.first("role")


def refuse_role(world: World, sent: Sent) -> int | None:
    role = sent.first("role")
    if role not in ROLES:
        return 400
    if sent.variant == "nobody":
        return 404
    if sent.variant == "admin" and role != "admin":
        return 400  # no admin demotes themselves
    return None


def check_password(world: World, sent: Sent) -> None:
    new = sent.first("new_password")
    assert check_password_hash(world.user("learner").password_hash, new)
    assert new == sent.first("confirm") and 10 <= len(new) <= 128
    world.passwords["learner"] = new
    assert sent.landing.status_code == 200, "changing the password signs this browser out"


def refuse_password(world: World, sent: Sent) -> int | None:
    return 400 if sent.first("current_password") != world.passwords["learner"] else None


def check_deleted(world: World, sent: Sent) -> None:
    assert world.user("leaver") is None
    class_c = world.session.get(Classroom, world.ids["class_c"])
    assert class_c.owner_id == world.ids["colleague"], "the co-teacher takes the class over"
    set_by = world.session.scalars(
        select(Assignment.created_by_id).where(Assignment.class_id == class_c.id)
    ).all()
    assert set_by == [world.ids["colleague"]]
    assert (
        world.session.scalar(
            select(func.count())
            .select_from(ReviewCard)
            .where(ReviewCard.user_id == world.ids["leaver"])
        )
        == 0
    )
    assert world.clients["leaver"].get("/today").status_code == 302, "signed out"
    world.leaver_gone = True


def prepare_leaver(world: World, variant: str) -> None:
    if world.leaver_gone:
        world.make_leaver()


def refuse_delete(world: World, sent: Sent) -> int | None:
    # A wrong password (or none) is a 400 that changes nothing.
    return 400 if sent.first("password") != world.passwords["leaver"] else None


def check_login(world: World, sent: Sent) -> None:
    assert sent.first("password") == DEFAULT_PASSWORD
    assert world.clients["anonymous"].get("/today").status_code == 200, "signed in"


def refuse_login(world: World, sent: Sent) -> int | None:
    return 400 if sent.first("password") != DEFAULT_PASSWORD else None


def check_logout(world: World, sent: Sent) -> None:
    assert world.clients["learner"].get("/today").status_code == 302, "signed out"


REGISTER_NEXT = ["/classes", "//evil.example/", "https://evil.example/", "/\\evil.example"]


def check_registered(world: World, sent: Sent) -> None:
    world.fresh()
    user = world.session.scalar(
        select(User).where(User.email == normalize_email(sent.first("email")))
    )
    assert user is not None and user.role == "learner"
    assert user.display_name == sent.first("display_name").strip()
    assert user.time_zone == (sent.first("time_zone") or "UTC")
    # What the database column holds (PostgreSQL refuses longer values).
    assert len(user.email) <= 254, f"stored an email of {len(user.email)} characters"
    assert len(user.display_name) <= 80
    assert check_password_hash(user.password_hash, sent.first("password"))
    # On to the page an invitation names, if it is one of this site's; else to today.
    sent_next = (sent.query.get("next") or [None])[0]
    if sent_next in REGISTER_NEXT:
        expected = "/classes" if sent_next == "/classes" else "/today"
        assert urlsplit(sent.response.headers["Location"]).path == expected


def check_settings(world: World, sent: Sent) -> None:
    user = world.user("learner")
    uid = world.ids["learner"]
    parse = {
        "display_name": str.strip,
        "time_zone": str,
        "daily_goal": int,
        "desired_retention": float,
        "new_cards_per_day": int,
        "reviews_per_day": int,
    }
    for name, read in parse.items():
        raw = sent.first(name)
        expected = old(sent, "users", uid, name) if raw is None else read(raw)
        assert getattr(user, name) == expected, name
    assert 1 <= user.daily_goal <= 500 and 0.7 <= user.desired_retention <= 0.97
    assert len(user.display_name) <= 80
    # Saved only when every day sent is a day of the week; none sent means none light.
    assert user.light_days == light_days_mask(
        int(day) for day in sent.form.get("light_weekdays", [])
    )


def prepare_instructor(world: World, variant: str) -> None:
    world.fresh()
    world.session.execute(
        delete(ClassMembership).where(
            ClassMembership.class_id == world.ids["class_a"],
            ClassMembership.user_id.in_([world.ids["colleague"], world.ids["admin"]]),
        )
    )
    world.session.commit()


def check_instructor(world: World, sent: Sent) -> None:
    world.fresh()
    user = world.session.scalar(
        select(User).where(User.email == normalize_email(sent.first("email")))
    )
    assert user.role in ("instructor", "admin")
    membership = world.session.scalar(
        select(ClassMembership).where(
            ClassMembership.class_id == world.ids["class_a"], ClassMembership.user_id == user.id
        )
    )
    assert membership.role == "instructor"


def check_code(world: World, sent: Sent) -> None:
    classroom = world.classroom()
    if sent.variant == "new":
        assert classroom.join_code != old(sent, "classes", classroom.id, "join_code")
    else:
        assert classroom.joining_open is (sent.variant == "open")


def prepare_assignment(world: World, variant: str) -> None:
    world.fresh()
    if world.session.get(Assignment, world.ids["assignment"]) is None:
        world.ids["assignment"] = world.add_assignment().id
        world.session.commit()


def check_assignment_gone(world: World, sent: Sent) -> None:
    world.fresh()
    assert world.session.get(Assignment, world.ids["assignment"]) is None


def check_class_details(classroom: Classroom, sent: Sent, *, creating: bool) -> None:
    def expected(name: str, default: str) -> str:
        raw = sent.first(name)
        return default if raw is None else raw.strip()

    before = (
        (lambda column: "")
        if creating
        else (lambda column: old(sent, "classes", classroom.id, column))
    )
    assert classroom.name == expected("name", before("name"))
    assert classroom.description == expected("description", before("description"))
    zone = sent.first("time_zone")
    assert classroom.time_zone == (zone if zone is not None else before("time_zone") or "UTC")
    assert 0 < len(classroom.name) <= 120 and len(classroom.description) <= 2000


def check_edit(world: World, sent: Sent) -> None:
    check_class_details(world.classroom(), sent, creating=False)


def check_new_class(world: World, sent: Sent) -> None:
    world.fresh()
    classroom = world.session.scalar(select(Classroom).order_by(Classroom.id.desc()).limit(1))
    assert classroom.id not in {row.id for row in sent.before["classes"]}
    assert classroom.owner_id == world.ids["instructor"]
    check_class_details(classroom, sent, creating=True)


ATTEMPTS = ["3", "unlimited", "1", "10", "0", "11"]


def expected_policy(sent: Sent) -> AttemptPolicy:
    # A field left out takes the form's default: the best of three, answers after the attempt.
    attempts = sent.first("attempts") or "3"
    return AttemptPolicy(
        None if attempts == "unlimited" else int(attempts),
        AnswersShown(sent.first("answers_shown") or "after_attempt"),
        ScoreCounts(sent.first("score_counts") or "best"),
    )


def prepare_extension(world: World, variant: str) -> None:
    """The assignment, its learner in the class and no extension but the learner's own."""
    prepare_assignment(world, variant)
    world.ensure_member("learner")
    world.session.execute(delete(AssignmentExtension))
    assignment = world.session.get(Assignment, world.ids["assignment"])
    world.session.add(
        AssignmentExtension(
            assignment_id=assignment.id,
            user_id=world.ids["learner"],
            due_at=assignment.due_at + timedelta(days=1),
        )
    )
    world.session.commit()


def check_extension(world: World, sent: Sent) -> None:
    world.fresh()
    assignment = world.session.get(Assignment, world.ids["assignment"])
    extension = world.session.scalar(select(AssignmentExtension))
    assert extension.user_id == world.ids["learner"] == int(sent.first("learners"))
    due = due_from_local(parse_due(sent.form["due"]), world.classroom().time_zone)
    assert extension.due_at == due > assignment.due_at


def check_extension_gone(world: World, sent: Sent) -> None:
    world.fresh()
    assert world.session.scalar(select(AssignmentExtension)) is None


def check_edit_assignment(world: World, sent: Sent) -> None:
    world.fresh()
    assignment = world.session.get(Assignment, world.ids["assignment"])
    assert assignment.policy == expected_policy(sent)
    due = due_from_local(parse_due(sent.form["due"]), world.classroom().time_zone)
    assert assignment.due_at == due
    assert assignment.pass_mark == expected_pass_mark(sent)
    assert assignment.instructions == (sent.first("instructions") or "").strip()


def prepare_new_assignment(world: World, variant: str) -> None:
    world.fresh()
    world.session.execute(
        delete(Assignment).where(
            Assignment.class_id == world.ids["class_a"], Assignment.id != world.ids["assignment"]
        )
    )
    world.session.commit()


def check_new_assignment(world: World, sent: Sent) -> None:
    world.fresh()
    assignment = world.session.scalar(select(Assignment).order_by(Assignment.id.desc()).limit(1))
    assert assignment.id not in {row.id for row in sent.before["assignments"]}
    kind, _, slug = sent.first("target").partition(":")
    target = assignment.module if kind == "module" else assignment.lesson
    assert target is not None and target.slug == slug
    assert assignment.due_at == due_from_local(
        parse_due(sent.form["due"]), world.classroom().time_zone
    )
    assert assignment.pass_mark == expected_pass_mark(sent)
    assert assignment.instructions == (sent.first("instructions") or "").strip()
    assert assignment.policy == expected_policy(sent)


def prepare_joiner(world: World, variant: str) -> None:
    world.fresh()
    world.session.execute(
        delete(ClassMembership).where(
            ClassMembership.class_id == world.ids["class_a"],
            ClassMembership.user_id == world.ids["joiner"],
        )
    )
    world.session.commit()


def check_joined(world: World, sent: Sent) -> None:
    assert world.membership("joiner").role == "learner"


def check_learner_gone(world: World, sent: Sent) -> None:
    assert world.membership("learner") is None


def prepare_co_instructor(world: World, variant: str) -> None:
    """The colleague teaches class A again, and the learner is in it, before each example."""
    membership = world.membership("colleague")
    if membership is None:
        world.session.add(
            ClassMembership(
                class_id=world.ids["class_a"], user_id=world.ids["colleague"], role="instructor"
            )
        )
        world.session.commit()
    world.ensure_member("learner")


def check_instructor_gone(world: World, sent: Sent) -> None:
    assert world.membership("colleague") is None
    assert world.membership("instructor").role == "instructor", "the owner stays"


def refuse_instructor_removal(world: World, sent: Sent) -> int | None:
    # The owner stays (400); a learner is no instructor of the class (404).
    return {"colleague": None, "instructor": 400, "learner": 404}[sent.variant]


def check_read(world: World, sent: Sent) -> None:
    world.fresh()
    progress = world.session.scalar(
        select(LessonProgress).where(
            LessonProgress.user_id == world.ids["learner"],
            LessonProgress.lesson_id == world.lesson("module-1-lesson-2").id,
        )
    )
    assert progress.completed_at is not None


def prepare_question(world: World, variant: str) -> None:
    """The question of this type open again in the attempt."""
    world.fresh()
    world.session.execute(
        delete(QuizAnswer).where(
            QuizAnswer.attempt_id == world.ids["attempt"],
            QuizAnswer.question_id == world.questions[variant][0],
        )
    )
    attempt = world.session.get(QuizAttempt, world.ids["attempt"])
    attempt.submitted_at = None
    attempt.score = 0.0
    world.session.commit()


def check_answered(world: World, sent: Sent) -> None:
    world.fresh()
    answer = world.session.scalar(
        select(QuizAnswer).where(
            QuizAnswer.attempt_id == world.ids["attempt"],
            QuizAnswer.question_id == world.questions[sent.variant][0],
        )
    )
    assert answer is not None and 0.0 <= answer.score <= 1.0
    assert sent.first("question") == world.questions[sent.variant][1]


def check_started(world: World, sent: Sent) -> None:
    world.fresh()
    lesson = world.lesson(sent.variant)
    assert world.session.scalar(
        select(QuizAttempt).where(
            QuizAttempt.user_id == world.ids["learner"],
            QuizAttempt.lesson_id == lesson.id,
            QuizAttempt.submitted_at.is_(None),
        )
    )


def check_revealed(world: World, sent: Sent) -> None:
    assert sent.response.status_code == 200
    assert 'name="ticket"' in sent.response.get_data(as_text=True)


def check_rated(world: World, sent: Sent) -> None:
    card = world.card(sent.variant)
    assert card.reps == old(sent, "review_cards", card.id, "reps") + 1
    log = world.session.scalar(select(ReviewLog).order_by(ReviewLog.id.desc()).limit(1))
    assert log.card_id == card.id and log.rating == int(sent.first("rating"))


def prepare_undo(world: World, variant: str) -> None:
    """A review to undo."""
    world.fresh()
    if world.session.scalar(select(ReviewLog.id).where(ReviewLog.voided_at.is_(None))) is None:
        card = world.session.get(ReviewCard, world.cards["single"])
        reviews.record_review(
            user=world.session.get(User, world.ids["learner"]),
            card=card,
            reps_seen=card.reps,
            rating=Rating.GOOD,
            now=utcnow(),
            duration_ms=1000,
        )
        world.session.commit()


def prepare_set_aside(world: World, variant: str) -> None:
    """A card of the learner's set aside as a leech, or (variant "in reviews") not."""
    world.fresh()
    world.session.execute(
        update(ReviewCard)
        .where(ReviewCard.id == world.cards["single"])
        .values(
            lapses=LEECH_THRESHOLD,
            suspended_at=None if variant == "in reviews" else utcnow(),
        )
    )
    world.session.commit()


def check_kept(world: World, sent: Sent) -> None:
    world.fresh()
    assert world.session.get(ReviewCard, world.cards["single"]).suspended_at is None


def check_undone(world: World, sent: Sent) -> None:
    world.fresh()
    assert world.session.scalar(select(ReviewLog.id).where(ReviewLog.voided_at.is_(None))) is None


def new_rows(sent: Sent, table: str) -> list:
    return [row for row in sent.after[table] if row not in sent.before[table]]


def mailed_path(letter) -> str:
    """The path of the link a queued message asks to open (its own line in the text)."""
    match = re.search(r"^https?://\S+$", letter.text_body, re.MULTILINE)
    assert match, f"no link in the {letter.kind} message"
    return urlsplit(match.group()).path


def signed_in(world: World, who: str) -> bool:
    return world.clients[who].get("/today").status_code == 200


def others_sessions(rows: list, world: World) -> list:
    return [row for row in rows if row.user_id != world.ids["learner"]]


def learner_sessions(rows: list, world: World) -> set[int]:
    return {row.id for row in rows if row.user_id == world.ids["learner"]}


def prepare_spare_session(world: World, variant: str) -> None:
    world.ids["spare_session"] = world.spare_session("learner")


def end_session_path(world: World, variant: str) -> str:
    # The learner's phone, the learner's own browser, or another user's session.
    session_id = {
        "other": world.ids["spare_session"],
        "current": world.sessions["learner"],
        "foreign": world.sessions["instructor"],
    }[variant]
    return f"/account/sessions/{session_id}/end"


def check_session_ended(world: World, sent: Sent) -> None:
    ended = world.ids["spare_session"] if sent.variant == "other" else world.sessions["learner"]
    before, after = sent.before["user_sessions"], sent.after["user_sessions"]
    assert {row.id for row in before} - {row.id for row in after} == {ended}
    # Ending this browser's own session signs it out, as logging out does.
    assert signed_in(world, "learner") is (sent.variant == "other")


def check_others_ended(world: World, sent: Sent) -> None:
    before, after = sent.before["user_sessions"], sent.after["user_sessions"]
    assert learner_sessions(after, world) == {world.sessions["learner"]}
    assert others_sessions(after, world) == others_sessions(before, world)
    assert signed_in(world, "learner")


def check_all_ended(world: World, sent: Sent) -> None:
    before, after = sent.before["user_sessions"], sent.after["user_sessions"]
    assert learner_sessions(after, world) == set()
    assert others_sessions(after, world) == others_sessions(before, world)
    assert not signed_in(world, "learner")


def check_forgot(world: World, sent: Sent) -> None:
    # The same answer whether or not an account has the address.
    assert sent.response.status_code == 303
    assert urlsplit(sent.response.headers["Location"]).path == "/account/forgot"
    world.fresh()
    user = world.session.scalar(
        select(User).where(User.email == normalize_email(sent.first("email")))
    )
    new = new_rows(sent, "outbox")
    if user is None:
        assert not new, "a reset mail for an address no account has"
        return
    letters = [row for row in sent.after["outbox"] if row.kind == RESET and row.user_id == user.id]
    assert letters, "no reset mail for an existing account"
    # To the account's address, not the one typed; one a quarter hour, named in `about`.
    assert {row.recipient for row in letters} == {user.email}
    assert len({(row.day, row.about) for row in letters}) == len(letters) and len(new) <= 1
    # Its link opens the form for this account.
    page = world.clients["anonymous"].get(mailed_path(letters[-1]))
    assert page.status_code == 200 and user.email in page.get_data(as_text=True)


def refuse_forgot(world: World, sent: Sent) -> int | None:
    email = sent.first("email")
    return 400 if email is None or "@" not in email or len(email.strip()) > 254 else None


def reset_path(world: World, variant: str) -> str:
    return f"/account/reset/{world.reset_token('joiner', used=variant == 'used')}"


def check_reset(world: World, sent: Sent) -> None:
    new = sent.first("password")
    assert new == sent.first("confirm")
    user = world.user("joiner")
    assert check_password_hash(user.password_hash, new)
    world.passwords["joiner"] = new
    assert user.email_verified_at is not None, "opening the link proves the address is read"
    assert urlsplit(sent.response.headers["Location"]).path == "/account/login"
    assert not [row for row in sent.after["user_sessions"] if row.user_id == user.id]
    # The link worked once.
    assert world.clients["anonymous"].get(sent.response.request.path).status_code == 400


def refuse_reset(world: World, sent: Sent) -> int | None:
    if sent.variant == "used":
        return 400
    password = sent.first("password")
    if not password or not password.strip() or password != sent.first("confirm"):
        return 400
    return None


def prepare_verification(world: World, variant: str) -> None:
    world.fresh()
    learner = world.session.get(User, world.ids["learner"])
    learner.email_verified_at = utcnow() if variant == "verified" else None
    world.session.execute(delete(OutboxMessage).where(OutboxMessage.kind == VERIFY))
    world.session.commit()


def check_verification_sent(world: World, sent: Sent) -> None:
    new = new_rows(sent, "outbox")
    if sent.variant == "verified":
        assert not new, "a confirmed address needs no link"
        return
    (letter,) = new
    assert letter.kind == VERIFY and letter.user_id == world.ids["learner"]
    assert letter.recipient == world.emails["learner"]
    assert world.clients["anonymous"].get(mailed_path(letter)).status_code == 302
    assert world.user("learner").email_verified_at is not None, "the link confirms it"


def check_email_change(world: World, sent: Sent) -> None:
    new = normalize_email(sent.first("new_email"))
    assert world.user("learner").email == world.emails["learner"], "changed before the link"
    (letter,) = [row for row in sent.after["outbox"] if row.kind == VERIFY and row.recipient == new]
    assert letter.user_id == world.ids["learner"]
    # Opening the link moves the account to the new address.
    assert world.clients["learner"].get(mailed_path(letter)).status_code == 302
    learner = world.user("learner")
    assert learner.email == new and learner.email_verified_at is not None
    assert len(learner.email) <= 254
    world.emails["learner"] = new


def refuse_email_change(world: World, sent: Sent) -> int | None:
    new = sent.first("new_email")
    if sent.first("password") != world.passwords["learner"] or new is None:
        return 400
    world.fresh()
    if world.session.scalar(select(User.id).where(User.email == normalize_email(new))):
        return 400  # another account's address, or already the learner's
    return None


def hour_sent(sent: Sent) -> int | None:
    """The reminder hour a valid choice sent: SelectField(coerce=int) reads int() of it."""
    try:
        hour = int(sent.first("reminder_hour"))
    except (TypeError, ValueError):
        return None
    return hour if 0 <= hour <= 23 else None


def check_reminders(world: World, sent: Sent) -> None:
    learner = world.user("learner")
    assert learner.reminder_hour == hour_sent(sent)
    for name in ("remind_reviews", "remind_due_soon", "remind_overdue"):
        # A checkbox is ticked when sent with any value but "" or "false" (BooleanField).
        assert getattr(learner, name) is (sent.first(name) not in (None, "", "false")), name


def prepare_subscribed(world: World, variant: str) -> None:
    world.fresh()
    learner = world.session.get(User, world.ids["learner"])
    for setting, _ in OPT_OUTS.values():
        setattr(learner, setting, True)
    world.session.commit()


def unsubscribe_path(world: World, variant: str) -> str:
    return f"/mail/unsubscribe/{world.live(f'unsubscribe:{variant}', variant, {})}"


def check_unsubscribed(world: World, sent: Sent) -> None:
    learner = world.user("learner")
    for kind, (setting, _) in OPT_OUTS.items():
        assert getattr(learner, setting) is (kind != sent.variant), setting
    # A mail client's own button (RFC 8058) posts to the link with no session or CSRF token.
    prepare_subscribed(world, sent.variant)
    one_click = world.app.test_client().post(
        sent.response.request.path, data={"List-Unsubscribe": "One-Click"}
    )
    assert one_click.status_code == 200
    assert not getattr(world.user("learner"), OPT_OUTS[sent.variant][0])


def prepare_class_reminder(world: World, variant: str) -> None:
    """The learner (unfinished) with a confirmed address unless nobody is to be reached; the
    leaver (unfinished) never confirmed theirs; no reminder yet today unless `again`."""
    world.fresh()
    assignment = world.session.get(Assignment, world.ids["assignment"])
    assignment.last_reminded_at = utcnow() if variant == "again" else None
    learner = world.session.get(User, world.ids["learner"])
    learner.email_verified_at = None if variant == "unreachable" else utcnow()
    world.session.execute(delete(OutboxMessage).where(OutboxMessage.kind == CLASS_REMINDER))
    world.session.commit()


def check_class_reminder(world: World, sent: Sent) -> None:
    world.fresh()
    assert world.session.get(Assignment, world.ids["assignment"]).last_reminded_at is not None
    new = new_rows(sent, "outbox")
    assert [(row.kind, row.user_id) for row in new] == [(CLASS_REMINDER, world.ids["learner"])]
    assert all(len(row.subject) <= 200 for row in new)


def prepare_invite(world: World, variant: str) -> None:
    """Class A's invitations withdrawn but one to pending@example.com, and the invitation
    mail to all but nia (hers stays queued, as on the day hers was withdrawn); the joiner's
    address confirmed, the colleague's not; the longest names there can be, or short ones."""
    world.fresh()
    class_id = world.ids["class_a"]
    world.session.execute(delete(ClassInvitation).where(ClassInvitation.class_id == class_id))
    world.session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.kind == INVITATION, OutboxMessage.recipient != "nia@example.com"
        )
    )
    long = variant == "long-names"
    world.session.get(Classroom, class_id).name = "C" * 120 if long else "Line 3"
    world.session.get(User, world.ids["instructor"]).display_name = "I" * 80 if long else "Ines"
    world.session.get(User, world.ids["joiner"]).email_verified_at = utcnow()
    world.session.get(User, world.ids["colleague"]).email_verified_at = None
    world.session.commit()
    world.invitation("pending@example.com")


def not_invitable(world: World, sent: Sent) -> set[str]:
    """Addresses of class A's people, of its invitations, and of unconfirmed accounts."""
    class_id = world.ids["class_a"]
    users = {row.id: row for row in sent.before["users"]}
    members = {
        users[row.user_id].email
        for row in sent.before["class_memberships"]
        if row.class_id == class_id
    }
    invited = {row.email for row in sent.before["class_invitations"] if row.class_id == class_id}
    return members | invited | {row.email for row in users.values() if not row.email_verified_at}


def invitable(world: World, sent: Sent) -> list[str] | None:
    """The addresses a pasted list from `invitee_text` must invite, in order; None for text
    of other shapes."""
    listed = world.invitees.get(sent.first("addresses") or "")
    if listed is None:
        return None
    taken = not_invitable(world, sent)
    return [email for email in dict.fromkeys(listed) if email not in taken]


def refuse_invite(world: World, sent: Sent) -> int | None:
    text = sent.first("addresses")
    if text is None or not text.strip() or len(text) > 20_000:
        return 400  # the form's own limits
    if "@" not in normalize_email(text):
        return 400
    expected = invitable(world, sent)
    if expected is not None and (not expected or len(world.invitees[text]) > MOST_AT_ONCE):
        return 400  # nobody to invite, or too many at once
    return None


def check_invited(world: World, sent: Sent) -> None:
    text = sent.first("addresses")
    new = new_rows(sent, "class_invitations")
    assert all(row in sent.after["class_invitations"] for row in sent.before["class_invitations"])
    emails = [row.email for row in new]
    assert {(row.class_id, row.invited_by_id, row.accepted_at) for row in new} == {
        (world.ids["class_a"], world.ids["instructor"], None)
    }
    expected = invitable(world, sent)
    if expected is not None:
        assert emails == expected
    else:  # text of other shapes: each one invited is a new, well-formed address in it
        taken = not_invitable(world, sent)
        assert len(set(emails)) == len(emails) and not set(emails) & taken
        assert all(email in normalize_email(text) and not email_problem(email) for email in emails)
    letters = new_rows(sent, "outbox")
    assert sorted((row.kind, row.recipient) for row in letters) == [
        (INVITATION, email) for email in sorted(emails)
    ], "one message to each address invited, none to the others"
    assert all(len(row.subject) <= 200 for row in letters)
    # The link in a message opens its invitation.
    page = world.clients["anonymous"].get(mailed_path(letters[0]))
    assert page.status_code == 200
    assert str(escape(letters[0].recipient)) in page.get_data(as_text=True)


# What each variant withdraws: the address, the class and whether it was accepted already.
REVOKED = {
    "pending": ("pending@example.com", "class_a", False),
    "accepted": ("accepted@example.com", "class_a", True),
    "other-class": ("pending@example.com", "class_c", False),
}


def revoke_path(world: World, variant: str) -> str:
    email, class_key, accepted = REVOKED[variant]
    invitation_id = world.invitation(email, class_key, accepted=accepted)
    return f"/classes/{world.ids['class_a']}/invitations/{invitation_id}/revoke"


def check_revoked(world: World, sent: Sent) -> None:
    before, after = sent.before["class_invitations"], sent.after["class_invitations"]
    (gone,) = [row for row in before if row not in after]
    assert len(after) == len(before) - 1
    assert (gone.class_id, gone.email, gone.accepted_at) == (
        world.ids["class_a"],
        "pending@example.com",
        None,
    )
    assert sent.response.request.path.endswith(f"/invitations/{gone.id}/revoke")
    # Its link no longer opens.
    link = f"/invitations/{world.invitation_token(gone.id)}"
    assert world.clients["anonymous"].get(link).status_code == 404


# The link each variant opens, as the joiner: their own, one sent to the colleague, one
# withdrawn, one mailed too long ago.
INVITATION_LINKS = {
    "own": "invitation:joiner",
    "other": "invitation:colleague",
    "withdrawn": "withdrawn-invitation",
    "expired": "old-invitation:joiner",
}


def invitation_path(world: World, variant: str) -> str:
    return f"/invitations/{world.live(INVITATION_LINKS[variant], variant, {})}"


def prepare_invitation(world: World, variant: str) -> None:
    """The joiner in no class and unconfirmed; the invitations in class A pending again."""
    prepare_joiner(world, variant)
    world.session.get(User, world.ids["joiner"]).email_verified_at = None
    for invitation in world.session.scalars(
        select(ClassInvitation).where(ClassInvitation.class_id == world.ids["class_a"])
    ):
        invitation.accepted_at = None
    world.session.commit()


def check_accepted(world: World, sent: Sent) -> None:
    assert world.membership("joiner").role == "learner"
    assert urlsplit(sent.response.headers["Location"]).path == f"/classes/{world.ids['class_a']}"
    (accepted,) = new_rows(sent, "class_invitations")
    assert accepted.email == world.emails["joiner"] and accepted.accepted_at is not None
    assert world.user("joiner").email_verified_at is not None, "the mailed link proves it"


def check_register_page(world: World, sent: Sent) -> None:
    # The address an invitation sends along, filled in as the form shows it.
    email = (sent.query.get("email") or [""])[0][:254].strip()
    assert f'value="{escape(email)}"' in sent.response.get_data(as_text=True)


def prepare_owned(world: World, variant: str) -> None:
    """Class A owned by the instructor again, archived for the "archived" variant only, with
    the colleague teaching it and the learner in it."""
    world.fresh()
    classroom = world.session.get(Classroom, world.ids["class_a"])
    classroom.owner_id = world.ids["instructor"]
    classroom.archived_at = utcnow() if variant == "archived" else None
    world.session.commit()
    prepare_co_instructor(world, variant)


def refuse_transfer(world: World, sent: Sent) -> int | None:
    # What the form reads (int() of the first value); only the colleague teaches class A.
    try:
        chosen = int(sent.first("user_id"))
    except (TypeError, ValueError):
        return 400
    return None if chosen == world.ids["colleague"] else 400


def check_transferred(world: World, sent: Sent) -> None:
    assert world.classroom().owner_id == world.ids["colleague"]
    assert world.membership("instructor").role == "instructor", "the old owner stays on"


def check_archived(world: World, sent: Sent) -> None:
    assert world.classroom().archived_at is not None


def check_restored(world: World, sent: Sent) -> None:
    assert world.classroom().archived_at is None


SPARE = "Spare class"


def prepare_spare_class(world: World, variant: str) -> None:
    """A class of the instructor's, with a learner, an assignment and an invitation, made
    again after each example that deleted it."""
    world.fresh()
    if world.ids.get("spare") and world.session.get(Classroom, world.ids["spare"]):
        return
    owner = world.session.get(User, world.ids["instructor"])
    spare = classes.create_class(owner=owner, name=SPARE, description="", time_zone="UTC")
    world.session.add(ClassMembership(class_id=spare.id, user_id=world.ids["joiner"]))
    world.session.add(ClassInvitation(class_id=spare.id, email="spare@example.com"))
    classes.create_assignment(
        classroom=spare,
        by=owner,
        target="module:module-1",
        due_local=datetime.combine(SOON, datetime.min.time()),
        pass_mark=None,
        now=utcnow(),
    )
    world.session.commit()
    world.ids["spare"] = spare.id


def refuse_class_deletion(world: World, sent: Sent) -> int | None:
    typed = sent.first("confirm_name")
    return None if typed is not None and typed.strip() == SPARE else 400


def check_class_deleted(world: World, sent: Sent) -> None:
    spare = world.ids["spare"]
    for table in ("class_memberships", "assignments", "class_invitations"):
        assert [row for row in sent.after[table] if row.class_id == spare] == [], table
    assert [row.id for row in sent.after["classes"]] == [world.ids["class_a"], world.ids["class_c"]]


NAMES = ["Line 3 (nights)", "Zoë\u2019s 名前 class", "\u05e9\u05dc\u05d5\u05dd class", "A" * 120]
ZONES = ["UTC", "Europe/Paris", "Pacific/Kiritimati", "America/St_Johns", "Etc/GMT+12"]
# The answer fields of each question type, the first values a right or wrong answer.
ANSWERS: dict[str, dict[str, list[str | Live]]] = {
    "single": {"choice": ["1", "2", "3", "4", "true"]},
    "multiple": {"choice": ["1", "2", "3", "4", "5"]},
    "truefalse": {"choice": ["true", "false", "1"]},
    "ordering": {
        "position-1": ["1", "2", "3", "4"],
        "position-2": ["2", "3", "1", "0"],
        "position-3": ["3", "1", "2", "-1"],
    },
    "matching": {
        "match-1": ["m1", "m2", "m3", "m4"],
        "match-2": ["m2", "m3", "m1", "1"],
        "match-3": ["m3", "m1", "m2", "m0"],
    },
    "short": {"answer": ["MES", " manufacturing Execution system. ", "ERP", "x" * 501]},
}
CARD_WRITES = frozenset({"review_cards", "review_logs", "activity_days"})

# Markdown an instructor might write, and what no page may run.
INSTRUCTIONS = ["", "Read **both** lessons.", "<script>alert(1)</script>", "x" * 5000]

# Every POST route. The first variant with the first value of each field is accepted.
POST_ROUTES: dict[str, Route] = {
    "admin.change_role": Route(
        viewer="admin",
        path=lambda world, variant: f"/admin/users/{world.ids[variant]}/role",
        variants=("learner", "admin", "nobody"),
        fields={"role": ["instructor", "learner", "admin"]},
        by_variant={"admin": {"role": ["admin", "learner", "instructor"]}},
        query={"q": ["", "learner", "%_"], "page": ["1", "2"]},
        writes=frozenset({"users"}),
        check=check_role,
        refused=refuse_role,
    ),
    "auth.change_password": Route(
        viewer="learner",
        path=_fixed("/account/password"),
        fields={
            "current_password": [Live("password:learner"), WRONG_PASSWORD],
            "new_password": [NEW_PASSWORD, "Zebra lantern 9 copper", Live("password:learner")],
            "confirm": [Live("same:new_password"), NEW_PASSWORD],
        },
        writes=frozenset({"users"}),
        check=check_password,
        refused=refuse_password,
        examples=HASHING,
    ),
    "auth.delete_account": Route(
        viewer="leaver",
        path=_fixed("/account/delete"),
        fields={"password": [Live("password:leaver"), WRONG_PASSWORD, DEFAULT_PASSWORD.upper()]},
        writes=frozenset({"*"}),
        prepare=prepare_leaver,
        check=check_deleted,
        refused=refuse_delete,
        examples=HASHING,
    ),
    "auth.end_all_sessions": Route(
        viewer="learner",
        path=_fixed("/account/sessions/end-all"),
        writes=frozenset({"user_sessions"}),
        prepare=prepare_spare_session,
        check=check_all_ended,
        after=lambda world: world.signed_in_again("learner"),
        examples=NO_FIELDS,
    ),
    "auth.end_other_sessions": Route(
        viewer="learner",
        path=_fixed("/account/sessions/end-others"),
        writes=frozenset({"user_sessions"}),
        prepare=prepare_spare_session,
        check=check_others_ended,
        examples=NO_FIELDS,
    ),
    "auth.end_session": Route(
        viewer="learner",
        path=end_session_path,
        variants=("other", "current", "foreign"),
        writes=frozenset({"user_sessions"}),
        prepare=prepare_spare_session,
        check=check_session_ended,
        # Another user's session is no page of the learner's.
        refused=lambda world, sent: 404 if sent.variant == "foreign" else None,
        after=lambda world: world.signed_in_again("learner"),
    ),
    "auth.login": Route(
        viewer="anonymous",
        path=_fixed("/account/login"),
        fields={
            "email": [
                Live("email:learner"),
                Live("email:learner", "upper"),
                "nobody@example.com",
                "\ufdfa@example.com",
            ],
            "password": [DEFAULT_PASSWORD, WRONG_PASSWORD],
            "remember": ["y", ""],
        },
        query={"next": ["/classes", "//evil.example/", "https://evil.example/", "/\\evil.example"]},
        writes=frozenset({"users", "user_sessions"}),
        check=check_login,
        refused=refuse_login,
        examples=HASHING,
        after=World.reset_anonymous,
    ),
    "auth.logout": Route(
        viewer="learner",
        path=_fixed("/account/logout"),
        writes=frozenset({"user_sessions"}),
        check=check_logout,
        after=lambda world: world.sign_in("learner"),
    ),
    "auth.register": Route(
        viewer="anonymous",
        path=_fixed("/account/register"),
        fields={
            "email": [
                Live("fresh-email"),
                Live("email:learner"),
                "not an email",
                "İ@example.com",  # lower() makes it longer
                "a@\ufb03.example",  # NFKC makes it longer
                "\u00e9@\u00e9.example",
                '"quoted"@example.com',
                "a@[127.0.0.1]",
            ],
            "display_name": ["New learner", "Zoë 名前 \U0001f600", "A" * 80],
            "password": [NEW_PASSWORD, "short"],
            "confirm": [Live("same:password"), NEW_PASSWORD],
            "time_zone": ZONES,
        },
        # Where an invitation sends the newcomer on to: only ever a page of this site.
        query={"next": REGISTER_NEXT},
        # The account, its first session, and the mail that asks to confirm the address.
        writes=frozenset({"users", "user_sessions", "outbox"}),
        check=check_registered,
        examples=HASHING,
        after=World.reset_anonymous,
    ),
    "auth.settings": Route(
        viewer="learner",
        path=_fixed("/account/settings"),
        fields={
            "display_name": ["Night shift lead", " Zoë 名前 ", "A" * 80],
            "time_zone": ZONES,
            "daily_goal": ["20", "1", "500"],
            "desired_retention": ["0.9", "0.7", "0.97"],
            "new_cards_per_day": ["20", "0", "999"],
            "reviews_per_day": ["200", "1", "9999"],
            "light_weekdays": ["5", "0", "6"],
        },
        writes=frozenset({"users"}),
        check=check_settings,
    ),
    "classes.add_instructor": Route(
        viewer="instructor",
        path=_in_class("/instructors"),
        fields={
            "email": [
                Live("email:colleague"),
                Live("email:admin"),
                Live("email:learner"),
                "nobody@example.com",
            ]
        },
        writes=frozenset({"class_memberships"}),
        prepare=prepare_instructor,
        check=check_instructor,
    ),
    "classes.change_code": Route(
        viewer="instructor",
        path=lambda world, variant: f"/classes/{world.ids['class_a']}/code/{variant}",
        variants=("new", "close", "open"),
        writes=frozenset({"classes"}),
        check=check_code,
    ),
    "classes.archive": Route(
        viewer="instructor",
        path=_in_class("/archive"),
        variants=("active", "archived"),
        writes=frozenset({"classes"}),
        prepare=prepare_owned,
        check=check_archived,
        refused=lambda world, sent: 409 if sent.variant == "archived" else None,
        examples=NO_FIELDS,
    ),
    "classes.delete": Route(
        viewer="instructor",
        path=lambda world, variant: f"/classes/{world.ids['spare']}/delete",
        fields={"confirm_name": [SPARE, f"  {SPARE} ", "spare class", "Spare", "Line 3"]},
        writes=frozenset({"classes", "class_memberships", "assignments", "class_invitations"}),
        prepare=prepare_spare_class,
        check=check_class_deleted,
        refused=refuse_class_deletion,
    ),
    "classes.delete_assignment": Route(
        viewer="instructor",
        path=lambda world, variant: (
            f"/classes/{world.ids['class_a']}/assignments/{world.ids['assignment']}/delete"
        ),
        # Attempts taken for it stay, as practice: their link to it is cleared.
        writes=frozenset({"assignments", "quiz_attempts"}),
        prepare=prepare_assignment,
        check=check_assignment_gone,
    ),
    "classes.extensions_page": Route(
        viewer="instructor",
        path=lambda world, variant: (
            f"/classes/{world.ids['class_a']}/assignments/{world.ids['assignment']}/extensions"
        ),
        fields={
            "learners": [Live("id:learner"), Live("id:nobody"), Live("id:instructor"), "0"],
            "due": [LATER_DUE, DUE_WITH_SECONDS, Live("due")],
        },
        writes=frozenset({"assignment_extensions"}),
        prepare=prepare_extension,
        check=check_extension,
    ),
    "classes.remove_extension": Route(
        viewer="instructor",
        path=lambda world, variant: (
            f"/classes/{world.ids['class_a']}/assignments/{world.ids['assignment']}"
            f"/extensions/{world.ids['learner']}/delete"
        ),
        writes=frozenset({"assignment_extensions"}),
        prepare=prepare_extension,
        check=check_extension_gone,
    ),
    "classes.edit": Route(
        viewer="instructor",
        path=_in_class("/edit"),
        fields={
            "name": NAMES,
            "description": ["Second shift", "", "<b>Bold</b> & **not**"],
            "time_zone": ZONES,
        },
        writes=frozenset({"classes"}),
        check=check_edit,
    ),
    "classes.edit_assignment": Route(
        viewer="instructor",
        path=lambda world, variant: (
            f"/classes/{world.ids['class_a']}/assignments/{world.ids['assignment']}/edit"
        ),
        fields={
            "due": [DUE, DUE_WITH_SECONDS, Live("due")],
            "pass_mark": ["80", "", "1", "100"],
            "instructions": INSTRUCTIONS,
            "attempts": ATTEMPTS,
            "answers_shown": ["after_attempt", "each_question", "after_passing", "after_due"],
            "score_counts": ["best", "first", "last"],
        },
        writes=frozenset({"assignments"}),
        check=check_edit_assignment,
    ),
    "classes.join": Route(
        viewer="joiner",
        path=_fixed("/classes/join"),
        fields={"code": [Live("code"), Live("code", "typed"), "ABCD-EFGH"]},
        writes=frozenset({"class_memberships"}),
        prepare=prepare_joiner,
        check=check_joined,
    ),
    "classes.leave": Route(
        viewer="learner",
        path=_in_class("/leave"),
        writes=frozenset({"class_memberships"}),
        prepare=lambda world, variant: world.ensure_member("learner"),
        check=check_learner_gone,
    ),
    "classes.new": Route(
        viewer="instructor",
        path=_fixed("/classes/new"),
        fields={
            "name": NAMES,
            "description": ["", "Second shift", "<b>Bold</b> & **not**"],
            "time_zone": ZONES,
        },
        writes=frozenset({"classes", "class_memberships"}),
        check=check_new_class,
    ),
    "classes.new_assignment": Route(
        viewer="instructor",
        path=_in_class("/assignments/new"),
        fields={
            "target": [
                "lesson:module-1-lesson-2",
                "module:module-2",
                "lesson:module-2-lesson-1",
                "module:module-1",
                "lesson:no-such-lesson",
                "module:",
            ],
            "due": [DUE, DUE_WITH_SECONDS],
            "pass_mark": ["80", "", "1", "100"],
            "instructions": INSTRUCTIONS,
            "attempts": ATTEMPTS,
            "answers_shown": ["after_attempt", "each_question", "after_passing", "after_due"],
            "score_counts": ["best", "first", "last"],
        },
        writes=frozenset({"assignments"}),
        prepare=prepare_new_assignment,
        check=check_new_assignment,
    ),
    "classes.remove_instructor": Route(
        viewer="instructor",
        path=lambda world, variant: (
            f"/classes/{world.ids['class_a']}/instructors/{world.ids[variant]}/remove"
        ),
        variants=("colleague", "instructor", "learner"),
        writes=frozenset({"class_memberships"}),
        prepare=prepare_co_instructor,
        check=check_instructor_gone,
        refused=refuse_instructor_removal,
        examples=NO_FIELDS,
    ),
    "classes.restore": Route(
        viewer="instructor",
        path=_in_class("/restore"),
        variants=("archived", "active"),
        writes=frozenset({"classes"}),
        prepare=prepare_owned,
        check=check_restored,
        refused=lambda world, sent: 409 if sent.variant == "active" else None,
        examples=NO_FIELDS,
    ),
    "classes.remove_learner": Route(
        viewer="instructor",
        path=lambda world, variant: (
            f"/classes/{world.ids['class_a']}/learners/{world.ids['learner']}/remove"
        ),
        writes=frozenset({"class_memberships"}),
        prepare=lambda world, variant: world.ensure_member("learner"),
        check=check_learner_gone,
    ),
    "classes.transfer_ownership": Route(
        viewer="instructor",
        path=_in_class("/owner"),
        fields={
            "user_id": [
                Live("id:colleague"),
                Live("id:learner"),
                Live("id:instructor"),
                Live("id:admin"),
                Live("id:nobody"),
                "0",
                "2147483648",
            ]
        },
        writes=frozenset({"classes"}),
        prepare=prepare_owned,
        check=check_transferred,
        refused=refuse_transfer,
    ),
    "invitations.invite": Route(
        viewer="instructor",
        path=_in_class("/invitations"),
        # The class and instructor named as long as they may be: the message's subject too.
        variants=("short-names", "long-names"),
        fields={
            "addresses": [
                Live("invitees:new"),
                Live("invitees:mixed"),
                Live("invitees:nobody"),
                Live("invitees:most"),
                Live("invitees:too-many"),
                "nia@example.com",
                "Nia <nia@example.com>",
                "not-an-address",
                "\ufdfa@example.com",  # NFKC puts spaces in it
                "a@[127.0.0.1]",
            ]
        },
        writes=frozenset({"class_invitations", "outbox"}),
        prepare=prepare_invite,
        check=check_invited,
        refused=refuse_invite,
    ),
    "invitations.open": Route(
        viewer="joiner",
        path=invitation_path,
        variants=tuple(INVITATION_LINKS),
        # Joining: the membership, the invitation accepted, the address confirmed.
        writes=frozenset({"class_memberships", "class_invitations", "users"}),
        prepare=prepare_invitation,
        check=check_accepted,
        refused=lambda world, sent: {"other": 403, "withdrawn": 404, "expired": 400}.get(
            sent.variant
        ),
        examples=NO_FIELDS,
    ),
    "invitations.revoke": Route(
        viewer="instructor",
        path=revoke_path,
        variants=tuple(REVOKED),
        writes=frozenset({"class_invitations"}),
        check=check_revoked,
        # Only a pending invitation of this class can be withdrawn.
        refused=lambda world, sent: None if sent.variant == "pending" else 404,
        examples=NO_FIELDS,
    ),
    "learn.mark_read": Route(
        viewer="learner",
        path=_fixed("/lessons/module-1-lesson-2/read"),
        writes=frozenset({"lesson_progress"}),
        check=check_read,
    ),
    "quiz.question": Route(
        viewer="learner",
        path=lambda world, variant: (
            f"/attempts/{world.ids['attempt']}/questions/{world.position(variant)}"
        ),
        variants=QUESTION_TYPES,
        fields={
            "question": [Live("quiz-question")],
            "shown": [Live("quiz-shown"), Live("quiz-shown:elsewhere")],
        },
        by_variant=ANSWERS,
        writes=frozenset(
            {
                "quiz_answers",
                "quiz_attempts",
                "review_cards",
                "review_logs",
                "activity_days",
                "lesson_progress",
            }
        ),
        prepare=prepare_question,
        check=check_answered,
        hidden=frozenset({"question", "shown"}),
    ),
    "quiz.start": Route(
        viewer="learner",
        path=lambda world, variant: f"/lessons/{variant}/quiz",
        variants=("module-1-lesson-2", "module-2-lesson-2"),
        writes=frozenset({"quiz_attempts", "lesson_progress"}),
        check=check_started,
    ),
    "recovery.change_email": Route(
        viewer="learner",
        path=_fixed("/account/email"),
        fields={
            "new_email": [
                Live("fresh-email"),
                Live("fresh-email", "upper"),
                Live("email:instructor"),
                Live("email:learner"),
                "not an email",
                "İ@example.com",  # lower() makes it longer
                "\ufdfa" * 20 + "@example.com",  # NFKC makes it 372 characters
            ],
            "password": [Live("password:learner"), WRONG_PASSWORD],
        },
        # Only the mail to the new address: the account moves when its link is opened.
        writes=frozenset({"outbox"}),
        check=check_email_change,
        refused=refuse_email_change,
        examples=HASHING,
    ),
    "recovery.forgot_password": Route(
        viewer="anonymous",
        path=_fixed("/account/forgot"),
        fields={
            "email": [
                Live("email:learner"),
                Live("email:instructor", "upper"),
                Live("email:admin", "fullwidth"),
                "nobody@example.com",
                "\ufdfa@example.com",
            ]
        },
        writes=frozenset({"outbox"}),
        check=check_forgot,
        refused=refuse_forgot,
    ),
    "recovery.reset_password": Route(
        viewer="anonymous",
        path=reset_path,
        variants=("live", "used"),
        fields={
            "password": [NEW_PASSWORD, "Zebra lantern 9 copper", "short", Live("password:joiner")],
            "confirm": [Live("same:password"), NEW_PASSWORD],
        },
        # The new password, the address counted as confirmed, and every session ended.
        writes=frozenset({"users", "user_sessions"}),
        check=check_reset,
        refused=refuse_reset,
        examples=HASHING,
    ),
    "recovery.resend_verification": Route(
        viewer="learner",
        path=_fixed("/account/verify/resend"),
        variants=("unverified", "verified"),
        writes=frozenset({"outbox"}),
        prepare=prepare_verification,
        check=check_verification_sent,
        examples=NO_FIELDS,
    ),
    "reminders.class_reminder": Route(
        viewer="instructor",
        path=lambda world, variant: (
            f"/classes/{world.ids['class_a']}/assignments/{world.ids['assignment']}/remind"
        ),
        variants=("first", "again", "unreachable"),
        writes=frozenset({"outbox", "assignments"}),
        prepare=prepare_class_reminder,
        check=check_class_reminder,
        # Once a day per assignment, and only when someone can be reached.
        refused=lambda world, sent: None if sent.variant == "first" else 409,
    ),
    "reminders.preferences": Route(
        viewer="learner",
        path=_fixed("/account/reminders"),
        fields={
            "reminder_hour": ["7", "0", "23", "24", "-1"],
            "remind_reviews": ["y", "", "false"],
            "remind_due_soon": ["y", ""],
            "remind_overdue": ["", "y"],
        },
        writes=frozenset({"users"}),
        check=check_reminders,
        refused=lambda world, sent: 400 if hour_sent(sent) is None else None,
    ),
    # No CSRF token needed: the signed link is the proof (send() adds one all the same).
    "reminders.unsubscribe": Route(
        viewer="anonymous",
        path=unsubscribe_path,
        variants=(*OPT_OUTS, CLASS_REMINDER),
        writes=frozenset({"users"}),
        prepare=prepare_subscribed,
        check=check_unsubscribed,
        # A link for reminders nobody can opt out of is not one this site makes.
        refused=lambda world, sent: None if sent.variant in OPT_OUTS else 404,
    ),
    "review.answer": Route(
        viewer="learner",
        path=lambda world, variant: f"/review/{world.cards[variant]}",
        variants=QUESTION_TYPES,
        fields={
            "question": [Live("review-question")],
            "shown": [Live("review-shown"), Live("review-shown:elsewhere")],
        },
        by_variant=ANSWERS,
        check=check_revealed,
        hidden=frozenset({"question", "shown"}),
    ),
    "review.rate": Route(
        viewer="learner",
        path=lambda world, variant: f"/review/{world.cards[variant]}/rate",
        variants=QUESTION_TYPES,
        fields={
            "ticket": [Live("ticket:right"), Live("ticket:stale"), Live("ticket:other")],
            "rating": ["3", "1", "2", "4"],
        },
        writes=CARD_WRITES,
        check=check_rated,
        hidden=frozenset({"ticket"}),
    ),
    "review.keep_reviewing": Route(
        viewer="learner",
        path=lambda world, variant: f"/review/{world.cards['single']}/keep",
        variants=("set aside", "in reviews"),
        writes=frozenset({"review_cards"}),
        prepare=prepare_set_aside,
        check=check_kept,
        refused=lambda world, sent: 409 if sent.variant == "in reviews" else None,
    ),
    # Offline ratings come as JSON with the token in a header (tests/web/test_offline_reviews.py
    # fuzzes the JSON): a form, whatever it holds, is refused whole.
    "review.sync": Route(
        viewer="learner",
        path=_fixed("/review/sync"),
        fields={"ratings": ["[]", '[{"id": 1}]']},
        refused=lambda world, sent: 400,
    ),
    "review.undo": Route(
        viewer="learner",
        path=_fixed("/review/undo"),
        writes=CARD_WRITES,
        prepare=prepare_undo,
        check=check_undone,
    ),
}

# Every GET route that reads its query string; GET routes that do not are listed after it.
QUERY_ROUTES: dict[str, Route] = {
    "admin.users": Route(
        viewer="admin",
        path=_fixed("/admin/users"),
        query={"q": ["", "learner", "%", "_", "LEARNER"], "page": ["1", "2", "0", "999999"]},
    ),
    # Signed in, the login page sends the learner on to `next`: it must stay on this site.
    "auth.login": Route(
        viewer="learner",
        path=_fixed("/account/login"),
        query={
            "next": [
                "/classes",
                "//evil.example/",
                "https://evil.example/",
                "/\\evil.example",
                "/\t/evil.example",
                "javascript:alert(1)",
                "/%2F%2Fevil.example",
            ]
        },
    ),
    # An invitation links here with the address to fill in, and itself as `next`.
    "auth.register": Route(
        viewer="anonymous",
        path=_fixed("/account/register"),
        query={
            "email": [
                "nia@example.com",
                Live("email:learner", "padded"),
                "İ@example.com",
                '"><script>alert(1)</script>@example.com',
                "a" * 300 + "@example.com",
            ],
            "next": ["/invitations/x", "//evil.example/", "https://evil.example/"],
        },
        check=check_register_page,
    ),
    "classes.overview": Route(
        viewer="instructor",
        path=_in_class(""),
        query={
            "roster_sort": ["name", "joined", "active", "email", ""],
            "roster_order": ["desc", "asc", "up"],
        },
    ),
    # The assign form's workload panel, which its script fetches as the fields change.
    "classes.forecast": Route(
        viewer="instructor",
        path=_in_class("/forecast"),
        query={
            "target": [
                "module:module-1",
                "lesson:module-2-lesson-1",
                "lesson:no-such-lesson",
                "module:",
                ":",
            ],
            "due": [
                DUE,
                DUE_WITH_SECONDS,
                "2020-01-01T09:00",
                "9999-12-31T23:59",
                "0001-01-01T00:00",
                "2026-02-30T09:00",
            ],
        },
    ),
    "classes.grades": Route(
        viewer="instructor",
        path=_in_class("/gradebook"),
        query={
            "sort": ["name", "email", "leeches", Live("sort"), "a0", "a", "a²"],
            "dir": ["desc", "asc"],
            "assignment": [Live("id:assignment"), "0", "x", "99999999999999999999"],
            "status": ["not-started", "overdue", "passed-late", "nonsense"],
        },
    ),
}
GET_WITHOUT_QUERY = frozenset(
    {
        "auth.change_password",
        "auth.delete_account",
        "auth.export",
        "auth.settings",
        "classes.analysis",
        "classes.attempt",
        "classes.delete",
        "classes.edit",
        "classes.edit_assignment",
        "classes.extensions_page",
        "classes.grades_csv",
        "classes.index",
        "classes.join",
        "classes.learner",
        "classes.new",
        "classes.new_assignment",
        "classes.roster_csv",
        "classes.statistics_csv",
        "health.healthz",
        "invitations.open",
        "learn.catalogue",
        "learn.lesson",
        "learn.module",
        "learn.today",
        "pwa.manifest",
        "pwa.service_worker",
        "quiz.attempt",
        "quiz.history",
        "quiz.question",
        "quiz.results",
        "quiz.review",
        "recovery.change_email",
        "recovery.forgot_password",
        "recovery.reset_password",
        "recovery.verify_email",
        "reminders.class_reminder",
        "reminders.unsubscribe",
        "review.offline",
        "review.offline_pack",
        "review.session",
        "review.set_aside",
        "review.stats",
        "static",
    }
)

# Every URL with a text parameter: its valid values, and what opening it (with GET or POST,
# whichever it takes; POST with no fields) may write.
TEXT_PARAMETERS: dict[str, tuple[list[str | Live], frozenset[str]]] = {
    # The reset form posted empty changes nothing; confirming marks the address confirmed;
    # a POST to an unsubscribe link turns that reminder off.
    "/account/reset/<token>": ([Live("reset-token:learner")], frozenset()),
    "/account/verify/<token>": ([Live("verify-token:learner")], frozenset({"users"})),
    "/mail/unsubscribe/<token>": (
        [Live("unsubscribe:reviews"), Live("unsubscribe:overdue")],
        frozenset({"users"}),
    ),
    "/classes/join/<code>": ([Live("code"), Live("code", "typed")], frozenset()),
    # The learner's own invitation to the leaver's class: a POST joins it.
    "/invitations/<token>": (
        [Live("invitation:learner/class_c")],
        frozenset({"class_memberships", "class_invitations", "users"}),
    ),
    "/lessons/<slug>": (["module-1-lesson-1"], frozenset({"lesson_progress"})),
    "/lessons/<slug>/quiz": (
        ["module-1-lesson-2"],
        frozenset({"quiz_attempts", "lesson_progress"}),
    ),
    "/lessons/<slug>/read": (["module-1-lesson-2"], frozenset({"lesson_progress"})),
    "/lessons/<slug>/attempts": (["module-1-lesson-1"], frozenset()),
    "/modules/<slug>": (["module-1"], frozenset()),
    "/static/<path:filename>": (["css/app.css", "js/app.js"], frozenset()),
}

# Inputs that once gave a 500 or stored something wrong, kept as explicit examples.
QUIZ_SHOWN = {"question": Live("quiz-question"), "shown": Live("quiz-shown")}
REVIEW_SHOWN = {"question": Live("review-question"), "shown": Live("review-shown")}
REGRESSIONS: dict[str, list[Sample]] = {
    "quiz.question": [
        # "²".isdigit() but int("²") raises: a 500 from Ordering.response_from_form.
        Sample("ordering", {**QUIZ_SHOWN, "position-1": "²", "position-2": "1", "position-3": "3"}),
        # So does int() of more than 4300 digits.
        Sample("ordering", {**QUIZ_SHOWN, "position-1": "1" * 4301}),
        # A NUL in the second value of a key passes refuse_nul_bytes, which reads the first.
        Sample("short", {**QUIZ_SHOWN, "answer": [" ", "MES\x00"]}),
    ],
    "review.answer": [
        Sample(
            "ordering", {**REVIEW_SHOWN, "position-1": "²", "position-2": "1", "position-3": "3"}
        ),
    ],
    "invitations.invite": [
        # An address and 3000 characters that are none, reported whole in a flash: a session
        # cookie of 20 KB, which browsers drop (and Werkzeug warns about).
        Sample(
            "short-names",
            {
                "addresses": "zed@example.com "
                + "".join(chr(0x4E00 + zlib.crc32(b"%d" % n) % 20000) for n in range(3000))
            },
        ),
    ],
    "auth.register": [
        # 32 characters, 72 bytes: valid and short enough, but NFKC makes it 372 characters.
        Sample(
            "",
            {
                "email": "\ufdfa" * 20 + "@example.com",
                "display_name": "New learner",
                "password": NEW_PASSWORD,
                "confirm": NEW_PASSWORD,
                "time_zone": "UTC",
            },
        ),
    ],
}


# --- Sending ------------------------------------------------------------------------------------


# Mostly what forms send; multipart now and then (the app refuses it: it takes no files).
ENCODINGS = st.sampled_from(("urlencoded",) * 9 + ("multipart",))


def samples(route: Route, variant: str) -> st.SearchStrategy[Sample]:
    normal = st.builds(
        Sample,
        variant=st.just(variant),
        form=form_data(route.fields_for(variant), route.hidden),
        query=form_data(route.query) if route.query else st.just({}),
        encoding=ENCODINGS,
    )
    oversized = st.builds(
        Sample,
        variant=st.just(variant),
        encoding=ENCODINGS,
        oversized=st.integers(min_value=MAX_BODY + 1, max_value=MAX_BODY + 64 * 1024),
    )
    # One example in twelve is over the limit (one_of would pick either half as often).
    return st.sampled_from(["normal"] * 11 + ["oversized"]).flatmap(
        lambda kind: normal if kind == "normal" else oversized
    )


def on_site(location: str) -> bool:
    parts = urlsplit(location)
    return (
        parts.scheme in ("", "http")
        and parts.netloc in ("", "localhost")
        and not location.startswith(("//", "/\\"))
    )


def has_nul(value) -> bool:
    """A NUL anywhere in a row, its JSON included (PostgreSQL cannot store one in text)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(has_nul(v) for v in value)
    return False


def changed_tables(before: dict[str, list], after: dict[str, list]) -> set[str]:
    return {name for name in before if before[name] != after[name]}


def send(world: World, route: Route, sample: Sample, method: str = "POST") -> Sent:
    """Send one sample and check the rules every request keeps; returns what happened."""
    if route.prepare:
        route.prepare(world, sample.variant)
    client = world.clients[route.viewer]
    url = route.path(world, sample.variant)
    form = world.resolve(sample.form, sample.variant)
    query = world.resolve(sample.query, sample.variant)
    query_string = MultiDict([(k, v) for k, values in query.items() for v in values])
    before = world.rows()
    if method == "GET":
        response = client.get(url, query_string=query_string)
    else:
        body = [("csrf_token", world.token(route.viewer))]
        if sample.oversized:
            body.append(("filler", "x" * sample.oversized))
        body += [(k, v) for k, values in form.items() for v in values]
        if sample.encoding == "multipart":
            # Encoded here, in memory: the test client would spool a large body to a
            # temporary file and leave it open when the app does not read it.
            boundary, data = encode_multipart(MultiDict(body))
            content_type = f'multipart/form-data; boundary="{boundary}"'
        else:
            data, content_type = MultiDict(body), "application/x-www-form-urlencoded"
        response = client.post(url, data=data, query_string=query_string, content_type=content_type)
    response.close()
    status = response.status_code
    after = world.rows()
    sent = Sent(sample.variant, form, query, response, before, after)
    assert status < 500, status
    changed = changed_tables(before, after)
    if sample.oversized:
        # Multipart bodies are refused unread (415): no page takes a file.
        allowed = (413, 415) if sample.encoding == "multipart" else (413,)
        assert status in allowed, f"a body over the limit got {status}"
    expected = route.refused(world, sent) if route.refused else None
    if 400 <= status < 500:
        assert not changed, f"refused with {status} but wrote to {sorted(changed)}"
        # The refusal the input calls for, unless the body was refused whole first.
        assert status in (expected, 413, 415) or expected is None, (status, expected)
        return sent
    assert expected is None, f"accepted with {status} what must be refused with {expected}"
    if "*" not in route.writes:
        assert changed <= route.writes, f"also wrote to {sorted(changed - route.writes)}"
    for table in changed:
        stored = [row for row in after[table] if row not in before[table] and has_nul(tuple(row))]
        assert not stored, f"stored a NUL character in {table}: {stored}"
    if 300 <= status < 400:
        location = response.headers["Location"]
        assert on_site(location), location
        # As a browser would: this also shows the stored values and empties the flashes.
        sent.landing = client.get(location)
        sent.landing.close()
        assert sent.landing.status_code < 500, (location, sent.landing.status_code)
    if route.check:
        route.check(world, sent)
    if route.after:
        route.after(world)  # signs in again where the request started a new session
    return sent


def text_values(valid: Sequence[str | Live]) -> st.SearchStrategy:
    good = st.sampled_from(list(valid))
    return st.one_of(good, st.builds(tweaked, good, st.sampled_from(sorted(TWEAKS))), NASTY)


def fill(rule: str, text: str) -> str:
    """The rule's URL with `text`, percent-encoded, for its one parameter."""
    start, end = rule.index("<"), rule.index(">") + 1
    safe = "/" if rule[start:end].startswith("<path:") else ""
    return rule[:start] + quote(text, safe=safe) + rule[end:]


def valid_sample(route: Route, variant: str) -> Sample:
    return Sample(variant, {name: values[0] for name, values in route.fields_for(variant).items()})


@pytest.fixture
def world(app, db, tmp_path) -> World:
    sync_tree(write_content(tmp_path, modules=2, lessons_per_module=2, all_types=True))
    db.session.commit()
    assert app.config["MAX_CONTENT_LENGTH"] == MAX_BODY
    built = World(app, db)
    built.build()
    return built


# --- Tests --------------------------------------------------------------------------------------


def view_reads_query(app, endpoint: str) -> bool:
    return "request.args" in inspect.getsource(inspect.unwrap(app.view_functions[endpoint]))


def text_parameter_rules(app) -> set[str]:
    """Rules with a parameter that takes text: anything but an int or a fixed choice."""
    return {
        rule.rule
        for rule in app.url_map.iter_rules()
        if any(
            converter in ("", "string", "path")
            for converter in re.findall(r"<(?:(\w+)(?:\([^)]*\))?:)?\w+>", rule.rule)
        )
    }


def test_every_route_has_a_fuzz_entry(app):
    """A new POST route, GET route reading its query string or URL with a text parameter
    fails here until it has an entry above."""
    rules = list(app.url_map.iter_rules())
    post = {rule.endpoint for rule in rules if "POST" in rule.methods}
    get = {rule.endpoint for rule in rules if "GET" in rule.methods}
    assert post - POST_ROUTES.keys() == set(), "POST routes without a fuzz entry"
    assert POST_ROUTES.keys() - post == set(), "fuzz entries for POST routes that are gone"
    assert get - QUERY_ROUTES.keys() - GET_WITHOUT_QUERY == set(), "GET routes not listed"
    assert (QUERY_ROUTES.keys() | GET_WITHOUT_QUERY) - get == set(), "listed routes are gone"
    assert QUERY_ROUTES.keys() & GET_WITHOUT_QUERY == set()
    for endpoint in post | get:
        if view_reads_query(app, endpoint):
            entry = QUERY_ROUTES.get(endpoint) or POST_ROUTES.get(endpoint)
            assert entry and entry.query, f"{endpoint} reads its query string: fuzz it"
    for endpoint in GET_WITHOUT_QUERY:
        assert not view_reads_query(app, endpoint), f"{endpoint} reads its query string"
    assert text_parameter_rules(app) == TEXT_PARAMETERS.keys()


@pytest.mark.parametrize("endpoint", sorted(POST_ROUTES))
def test_fuzzed_forms_never_fail_and_refusals_write_nothing(world, endpoint):
    route = POST_ROUTES[endpoint]
    # The table is right: valid data from this viewer gets through to a success, or to the
    # refusal the table expects (a missing user, an admin demoting themselves)...
    for variant in route.variants:
        sent = send(world, route, valid_sample(route, variant))
        status = sent.response.status_code
        assert status < 400 or (route.refused and route.refused(world, sent) == status)
    # ... and a body over the limit is refused whole, however it is encoded.
    for encoding in ("urlencoded", "multipart"):
        send(world, route, Sample(route.variants[0], encoding=encoding, oversized=MAX_BODY + 1))

    # The world is built once for all the examples, which run in an inner @given function:
    # the fixture is not handed to hypothesis, so no function_scoped_fixture health check to
    # suppress, and that is sound because every example compares with a fresh snapshot of
    # the database, and `prepare` restores what a success took away (an assignment, a
    # membership, the account), so nothing carried over can hide a failure. Each variant (a
    # question type, a role...) gets examples, and a seed, of its own.
    failures: list[Exception] = []
    for variant in route.variants:

        @settings(FUZZ, max_examples=max(route.examples // len(route.variants), 8))
        @seed(stream(endpoint, variant))
        @given(sample=samples(route, variant))
        def fuzz(sample):
            send(world, route, sample)

        for sample in REGRESSIONS.get(endpoint, ()):
            if sample.variant == variant:
                fuzz = example(sample)(fuzz)
        try:
            fuzz()
        except Exception as error:  # every variant runs, so each failure shows
            failures.append(error)
    if len(failures) == 1:
        raise failures[0]
    if failures:
        raise ExceptionGroup(f"{endpoint}: {len(failures)} variants failed", failures)


@pytest.mark.parametrize("endpoint", sorted(QUERY_ROUTES))
def test_fuzzed_query_strings_never_fail_or_write(world, endpoint):
    route = QUERY_ROUTES[endpoint]
    normal = send(world, route, Sample("", query={k: v[0] for k, v in route.query.items()}), "GET")
    assert normal.response.status_code < 400

    @FUZZ
    @seed(stream(endpoint))
    @given(query=form_data(route.query))
    def fuzz(query):
        send(world, route, Sample("", query=query), "GET")  # writes=∅: no GET may write

    fuzz()


def test_fuzzed_text_in_urls_never_fails(app, world):
    """Every URL with a text parameter, fuzzed in that parameter (percent-encoded)."""
    rules = {rule.rule: rule for rule in app.url_map.iter_rules()}

    def methods(rule: str) -> list[str]:
        return sorted({"GET", "POST"} & rules[rule].methods)

    def send_to(rule: str, value: str | Live | Long, method: str):
        route = Route(
            viewer="learner",
            path=lambda world, variant: fill(rule, world.resolve_one(value, variant, {})),
            writes=TEXT_PARAMETERS[rule][1],
        )
        return send(world, route, Sample(""), method)

    for rule, (valid, _) in TEXT_PARAMETERS.items():
        # GET where the URL takes both: a reset form posted empty is refused.
        assert send_to(rule, valid[0], methods(rule)[0]).response.status_code < 400, rule

    @settings(FUZZ, max_examples=40)
    @seed(stream("text in URLs"))
    @given(data=st.data())
    def fuzz(data):
        rule = data.draw(st.sampled_from(sorted(TEXT_PARAMETERS)), label="rule")
        method = data.draw(st.sampled_from(methods(rule)), label="method")
        send_to(rule, data.draw(text_values(TEXT_PARAMETERS[rule][0]), label="value"), method)

    fuzz()


# Ids no row has: past any id yet made, past 32 and 64 bits, and far past.
HUGE_IDS = st.one_of(
    st.sampled_from([0, 2**31 - 1, 2**31, 2**53 + 1, 2**63 - 1, 2**63, 2**64, 10**30]),
    st.integers(min_value=10**6, max_value=10**40),
)


def int_rules(app) -> dict[str, tuple[set[str], Any]]:
    return {
        rule.rule: ({"GET", "POST"} & rule.methods, rule)
        for rule in app.url_map.iter_rules()
        if "<int:" in rule.rule
    }


@st.composite
def id_targets(draw, rules: dict[str, tuple[set[str], Any]], class_id: int):
    """A rule with an id URL, a method, and ids: a real class (so that the ids after it are
    looked up too) or one too large for any table."""
    rule = draw(st.sampled_from(sorted(rules)))
    methods, rule_object = rules[rule]
    values: dict[str, Any] = {}
    for argument in sorted(rule_object.arguments):
        if argument == "change":
            values[argument] = draw(st.sampled_from(["new", "open", "close"]))
        elif argument == "class_id":
            values[argument] = draw(st.one_of(st.just(class_id), HUGE_IDS))
        else:
            values[argument] = draw(HUGE_IDS)
    return rule, draw(st.sampled_from(sorted(methods))), values


def test_fuzzed_ids_in_urls_never_fail(app, world):
    """Every URL with an id, with ids no row has, from an admin (who may open every class):
    a 404, never a 500, and nothing written."""
    rules = int_rules(app)

    @settings(FUZZ, max_examples=40)
    @seed(stream("ids in URLs"))
    @given(target=id_targets(rules, world.ids["class_a"]))
    @example(target=("/classes/<int:class_id>", "GET", {"class_id": 2**63}))
    @example(target=("/attempts/<int:attempt_id>", "GET", {"attempt_id": 10**30}))
    def fuzz(target):
        rule, method, values = target
        _, url = rules[rule][1].build(values)
        route = Route(viewer="admin", path=lambda world, variant: url, writes=frozenset({"*"}))
        send(world, route, Sample(""), method)

    fuzz()
