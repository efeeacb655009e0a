"""Two identical submissions at the same moment, on two real PostgreSQL connections: one row is
stored and the other request is told the first answer stands.

One connection writes the answer and holds its transaction open; a second request, in another
thread with its own connection, submits the same thing and must wait on the database's lock.
Only then does the first commit. SQLite has a single writer and cannot interleave like this,
so these run on PostgreSQL only (`make test` and `.ci/run` start one)."""

from __future__ import annotations

import re
import threading
import time

import pytest
from sqlalchemy import func, select, text
from werkzeug.datastructures import MultiDict

from quizapp.db import utcnow
from quizapp.models import QuizAnswer, ReviewCard, ReviewLog
from quizapp.services import quizzes, reviews
from quizapp.services.reviews import Rating
from tests.web.pages import RIGHT_ANSWERS, FormPage
from tests.web.test_quiz import question_name, start_quiz, take_quiz
from tests.web.test_review import answer_card


@pytest.fixture(autouse=True)
def postgres_only(is_postgres):
    if not is_postgres:
        pytest.skip("needs two PostgreSQL connections; runs in the PostgreSQL half of make test")


class InThread(threading.Thread):
    """Runs one request in its own thread, so with its own app context and connection."""

    def __init__(self, send):
        super().__init__(daemon=True)
        self.send = send
        self.response = None

    def run(self):
        self.response = self.send()


def wait_until_blocked_on_a_lock(db, timeout: float = 10.0) -> None:
    """Return once another connection is waiting for a lock this test's transaction holds."""
    deadline = time.monotonic() + timeout
    with db.engine.connect() as watcher:
        while time.monotonic() < deadline:
            waiting = watcher.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            ).scalar()
            watcher.commit()
            if waiting:
                return
            time.sleep(0.02)
    raise AssertionError("the second request never waited for the first one's lock")


def test_the_same_quiz_answer_twice_at_once_stores_one_row(db, course, logged_in, user):
    attempt_url = start_quiz(logged_in)
    question_url = logged_in.get(attempt_url).headers["Location"]
    page = FormPage(logged_in.get(question_url).text)
    form = page.answer(RIGHT_ANSWERS[question_name(page)])
    attempt_id, position = map(int, re.findall(r"\d+", question_url))

    # The first request has written its answer but not committed yet.
    step = quizzes.question_step(
        quizzes.learner_attempt(user=user, attempt_id=attempt_id), position
    )
    quizzes.submit_answer(
        user=user, step=step, values=MultiDict(form).getlist, time_taken_ms=1, now=utcnow()
    )
    second = InThread(lambda: logged_in.post(question_url, data=form))
    second.start()
    wait_until_blocked_on_a_lock(db)
    db.session.commit()
    second.join(timeout=10)

    assert second.response.status_code == 409
    assert "first answer stands" in second.response.text
    assert db.session.scalar(select(func.count()).select_from(QuizAnswer)) == 1


def test_the_same_review_rating_twice_at_once_stores_one_log_row(
    db, course, logged_in, user, clock
):
    take_quiz(logged_in, RIGHT_ANSWERS)
    clock.advance(minutes=10)  # the quiz's questions are due for their next step
    card_id, reveal = answer_card(logged_in)
    ticket = re.search(r'name="ticket" type="hidden" value="([^"]+)"', reveal)[1]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', reveal)[1]
    card = db.session.get(ReviewCard, int(card_id))

    reviews.record_review(
        user=user,
        card=card,
        reps_seen=card.reps,
        rating=Rating.GOOD,
        now=utcnow(),
        duration_ms=1,
    )
    second = InThread(
        lambda: logged_in.post(
            f"/review/{card_id}/rate", data={"csrf_token": token, "ticket": ticket, "rating": "3"}
        )
    )
    second.start()
    wait_until_blocked_on_a_lock(db)
    db.session.commit()
    second.join(timeout=10)

    assert second.response.status_code == 409
    reviewed = select(func.count()).where(ReviewLog.kind == "review")  # not the quiz's rows
    assert db.session.scalar(reviewed) == 1
    db.session.refresh(card)
    assert card.reps == 2  # the quiz answer, then the one rating
