"""The requests the benchmark measures, made as a browser makes them: forms read from the page,
CSRF tokens and signed fields sent back, redirects followed by hand.

A flow works through any `Browser`: bench/load.py's over HTTP, which reports each request's
time, and bench/queries.py's through Flask's test client, which reports its SQL statements;
so the requests timed under load are the very requests whose queries are counted. Each flow
returns what its measured requests cost, by name; requests it needs on the way (fetching the
question before answering it) are not counted.

This module imports nothing of the app: the load generator stays a small process.
"""

from __future__ import annotations

import html
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol
from urllib.parse import urlsplit

Form = Sequence[tuple[str, str]]
Headers = dict[str, str]


class Page:
    """A response: its status, where it redirects, its body, and what it cost the browser
    that fetched it (seconds, or SQL statements)."""

    def __init__(self, status: int, location: str | None, body: bytes, cost: float) -> None:
        self.status, self.body, self.cost = status, body, cost
        # Only the path matters: the server is the same one.
        self.location = None if location is None else _path(location)

    @cached_property
    def text(self) -> str:
        return self.body.decode()


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


class Browser(Protocol):
    def request(
        self, method: str, path: str, form: Form | None = None, headers: Headers | None = None
    ) -> Page: ...


class FlowError(Exception):
    """The app answered something a browser would not expect: a bug or a broken benchmark."""


def expect(page: Page, status: int, what: str) -> Page:
    if page.status != status:
        snippet = re.sub(r"\s+", " ", page.body[:300].decode(errors="replace"))
        raise FlowError(f"{what}: HTTP {page.status}, expected {status}: {snippet}")
    return page


# ---------------------------------------------------------------------------------------------
# Reading forms

_INPUT = re.compile(r"<input\b([^>]*)>")
_ATTRIBUTE = re.compile(r'([\w-]+)="([^"]*)"')
_SELECT = re.compile(r'<select\b[^>]*?\bname="([^"]+)"[^>]*>(.*?)</select>', re.S)
_OPTION = re.compile(r'<option value="([^"]+)"')
_RATING = re.compile(r'<button\b[^>]*\bname="rating" value="(\d)"')
_SHORT_ANSWERS = ("MES", "the production plan", "not sure", "quality control")


def _inputs(text: str) -> list[dict[str, str]]:
    return [
        {name: html.unescape(value) for name, value in _ATTRIBUTE.findall(tag)}
        for tag in _INPUT.findall(text)
    ]


def hidden(text: str, name: str) -> str:
    for field in _inputs(text):
        if field.get("name") == name and field.get("type") == "hidden":
            return field["value"]
    raise FlowError(f"no {name} field on the page")


def answer_form(text: str, rng: random.Random) -> list[tuple[str, str]]:
    """The page's question form filled in as a learner might: any of the choices (the page
    does not say which is right), items placed in some order, a typed answer."""
    form = [(name, hidden(text, name)) for name in ("csrf_token", "question", "shown")]
    fields = _inputs(text)
    choices = [f for f in fields if f.get("name") == "choice"]
    selects = _SELECT.findall(text)
    if choices:
        values = [f["value"] for f in choices]
        if choices[0].get("type") == "checkbox":
            picked = rng.sample(values, rng.randint(1, min(3, len(values))))
        else:
            picked = [rng.choice(values)]
        form += [("choice", value) for value in picked]
    elif selects:
        # Ordering takes positions 1..n, matching the targets' tokens: each used once.
        options = _OPTION.findall(selects[0][1])
        rng.shuffle(options)
        form += [(name, option) for (name, _), option in zip(selects, options, strict=True)]
    elif any(f.get("name") == "answer" and f.get("inputmode") == "decimal" for f in fields):
        # A numeric question: a number, with a decimal comma now and then.
        form.append(("answer", rng.choice(("12.5", "72", "0,85", "1 250"))))
    elif any(f.get("name") == "answer" for f in fields):
        form.append(("answer", rng.choice(_SHORT_ANSWERS)))
    else:
        raise FlowError("no answer fields on the question page")
    return form


# ---------------------------------------------------------------------------------------------
# Users


@dataclass
class User:
    """A signed-in browser and where its user is: the quiz question or review card on screen."""

    browser: Browser
    email: str
    rng: random.Random
    lesson_index: int = 0
    attempt: str | None = None
    question: tuple[str, str] | None = None
    review_page: str | None = None
    reviewed: int = 0
    # In the middle of something (a quiz, a review session): the load generator stays with
    # this user for the next request, as a learner answers question after question.
    busy: bool = False

    def reset(self) -> None:
        """Forget what is on screen (after an error): start again from a fresh page."""
        self.attempt, self.question, self.review_page = None, None, None
        self.reviewed, self.busy = 0, False


def login(browser: Browser, email: str, password: str, rng: random.Random) -> User:
    """Sign in through the login form. Signing in starts a fresh session, so the form's CSRF
    token is not reused: later forms bring their own."""
    form = expect(browser.request("GET", "/account/login"), 200, "login form")
    data = [
        ("csrf_token", hidden(form.text, "csrf_token")),
        ("email", email),
        ("password", password),
    ]
    signed_in = expect(browser.request("POST", "/account/login", data), 302, f"login {email}")
    if signed_in.location != "/today":
        raise FlowError(f"login {email} went to {signed_in.location}")
    return User(browser, email, rng)


# ---------------------------------------------------------------------------------------------
# Flows: each returns the cost of its measured requests, by name


def _get(user: User, name: str, path: str) -> dict[str, float]:
    return {name: expect(user.browser.request("GET", path), 200, name).cost}


def floor(user: User) -> dict[str, float]:
    return _get(user, "floor", "/healthz")


def dashboard(user: User) -> dict[str, float]:
    return _get(user, "dashboard", "/today")


def lesson(user: User, lessons: Sequence[str]) -> dict[str, float]:
    """A lesson page, signed in: it also records the lesson as started (an upsert)."""
    user.lesson_index += 1
    return _get(user, "lesson", f"/lessons/{lessons[user.lesson_index % len(lessons)]}")


def stats(user: User) -> dict[str, float]:
    return _get(user, "stats", "/review/stats")


def gradebook(user: User, class_id: int) -> dict[str, float]:
    return _get(user, "gradebook", f"/classes/{class_id}/gradebook")


def gradebook_csv(user: User, class_id: int) -> dict[str, float]:
    return _get(user, "gradebook csv", f"/classes/{class_id}/gradebook.csv")


def item_analysis(user: User, class_id: int, assignment_id: int) -> dict[str, float]:
    return _get(user, "item analysis", f"/classes/{class_id}/assignments/{assignment_id}")


def attempt_review(user: User, class_id: int, learner_id: int, attempt_id: int) -> dict[str, float]:
    path = f"/classes/{class_id}/learners/{learner_id}/attempts/{attempt_id}"
    return _get(user, "attempt review", path)


def quiz_answer(user: User, lessons: Sequence[str]) -> dict[str, float]:
    """Answer the question on screen (POST: graded, stored, and a redirect to its feedback),
    then go on to the next question; a quiz is started first when none is under way. The last
    answer of a quiz also scores it and completes the lesson."""
    if user.question is None:
        _start_quiz(user, lessons)
    assert user.question is not None
    path, text = user.question
    answered = user.browser.request("POST", path, answer_form(text, user.rng))
    cost = expect(answered, 303, "quiz answer").cost
    user.busy = _next_question(user)
    return {"quiz answer": cost}


def _start_quiz(user: User, lessons: Sequence[str]) -> None:
    """Open the next lesson and start (or resume) its quiz, as the lesson page's button does."""
    for _ in range(3):
        user.lesson_index += 1
        slug = lessons[user.lesson_index % len(lessons)]
        page = expect(user.browser.request("GET", f"/lessons/{slug}"), 200, "lesson")
        token = [("csrf_token", hidden(page.text, "csrf_token"))]
        started = user.browser.request("POST", f"/lessons/{slug}/quiz", token)
        user.attempt = expect(started, 303, "quiz start").location
        if _next_question(user):
            return
    raise FlowError("no quiz question to answer")


def _next_question(user: User) -> bool:
    """Fetch the attempt's next open question; False when the attempt is finished."""
    assert user.attempt is not None
    where = expect(user.browser.request("GET", user.attempt), 302, "quiz attempt").location
    if where and "/questions/" in where:
        page = expect(user.browser.request("GET", where), 200, "quiz question")
        user.question = (where, page.text)
        return True
    user.attempt, user.question = None, None  # its results page: the next lesson's quiz then
    return False


# Cards a learner reviews in one sitting before the load generator moves on to another.
REVIEW_SESSION = 20
# What quiz.js sends with a rating to get the next card in the same response.
INLINE_HEADER = ("X-Requested-With", "fetch")


def review_step(user: User, *, script: bool = True) -> dict[str, float] | None:
    """Answer the card on screen, rate it, and get the next card. With `script`, as quiz.js
    does: the rating's answer is the next card. Without, as a plain form: the rating
    redirects, and the next card is a third request. None when the learner has nothing left
    to review today."""
    browser = user.browser
    if user.review_page is None:
        user.review_page = expect(browser.request("GET", "/review"), 200, "review").text
    action = re.search(r'action="(/review/\d+)"', user.review_page)
    if action is None:
        user.reset()
        return None
    answer = browser.request("POST", action[1], answer_form(user.review_page, user.rng))
    reveal = expect(answer, 200, "review answer")
    ratings = _RATING.findall(reveal.text)
    if not ratings:
        raise FlowError("no rating buttons after a review answer")
    # Mostly the suggested rating (Good after a right answer), as learners do.
    rating = "3" if "3" in ratings and user.rng.random() < 0.8 else user.rng.choice(ratings)
    form = [
        ("csrf_token", hidden(reveal.text, "csrf_token")),
        ("ticket", hidden(reveal.text, "ticket")),
        ("rating", rating),
    ]
    path = f"{action[1]}/rate"
    if script:
        rated = browser.request("POST", path, form, dict([INLINE_HEADER]))
        user.review_page = expect(rated, 200, "review rating by script").text
        costs = {"review answer": answer.cost, "review rating + next card": rated.cost}
        step = "review step"
    else:
        rated = expect(browser.request("POST", path, form), 303, "review rating")
        following = expect(browser.request("GET", "/review"), 200, "next review")
        user.review_page = following.text
        costs = {
            "review answer": answer.cost,
            "review rate": rated.cost,
            "review next": following.cost,
        }
        step = "review step without script"
    user.reviewed += 1
    user.busy = user.reviewed % REVIEW_SESSION != 0
    return {**costs, step: sum(costs.values())}
