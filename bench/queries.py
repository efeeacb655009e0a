"""SQL statements per request, counted in-process with Flask's test client and a SQLAlchemy
`before_cursor_execute` listener (as tests/conftest.py's count_queries does), on the tiny and
the full dataset: a page whose count grows with the data runs a query per row somewhere.

The flows are bench/flows.py's, the same requests the load generator times.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from sqlalchemy import event, func, select
from werkzeug.datastructures import MultiDict

from bench import flows
from bench.dataset import PASSWORD
from bench.flows import Form, Headers, Page, User
from bench.store import app_for
from quizapp.db import db

# Learners counted at each scale: a count can depend on what a learner has on screen (say, a
# quiz to resume on the dashboard), so the largest of a few is compared.
LEARNERS = 3
# Pages that are not measured under load but must work on the big dataset.
SMOKE_PAGES = ("/", "/review", "/classes", "/account/settings")


class CountingBrowser:
    """A test client whose pages cost the number of SQL statements they ran."""

    def __init__(self, app, statements: list[str]) -> None:
        self.client = app.test_client()
        self.statements = statements

    def request(
        self, method: str, path: str, form: Form | None = None, headers: Headers | None = None
    ) -> Page:
        before = len(self.statements)
        # Outside any app context: each request gets a fresh one, as in production.
        response = self.client.open(
            path, method=method, data=MultiDict(form or []), headers=headers or {}
        )
        cost = len(self.statements) - before
        return Page(response.status_code, response.headers.get("Location"), response.data, cost)


def _candidates() -> tuple[list[str], dict[str, Any]]:
    """Learners with cards to review (new ones, at least), and the instructor of the first
    class with the most assignments, with that class's ids."""
    from quizapp.models import Assignment, ClassMembership, ReviewCard, User

    learners = db.session.scalars(
        select(User.email)
        .join(ReviewCard, ReviewCard.user_id == User.id)
        .join(ClassMembership, ClassMembership.user_id == User.id)
        .where(User.role == "learner", ReviewCard.reps == 0)
        .group_by(User.id, User.email)
        .having(func.count() >= 5)
        .order_by(User.id)
        .limit(4 * LEARNERS)
    ).all()
    class_id, _ = db.session.execute(
        select(Assignment.class_id, func.count())
        .group_by(Assignment.class_id)
        .order_by(func.count().desc(), Assignment.class_id)
        .limit(1)
    ).one()
    instructor = db.session.scalar(
        select(User.email)
        .join(ClassMembership, ClassMembership.user_id == User.id)
        .where(ClassMembership.class_id == class_id, ClassMembership.role == "instructor")
        .limit(1)
    )
    assignments = db.session.scalars(
        select(Assignment.id).where(Assignment.class_id == class_id).order_by(Assignment.id)
    ).all()
    return learners, {"id": class_id, "instructor": instructor, "assignments": assignments}


def class_attempts(url: str, class_ids: list[int], per_class: int = 40) -> dict[int, list]:
    """Some finished attempts of each class's learners on the modules it assigns, as
    [learner id, attempt id] pairs: what an instructor opens from the gradebook."""
    from quizapp.models import Assignment, ClassMembership, Lesson, QuizAttempt

    found: dict[int, list] = {class_id: [] for class_id in class_ids}
    with app_for(url).app_context():
        rows = db.session.execute(
            select(ClassMembership.class_id, QuizAttempt.user_id, QuizAttempt.id)
            .join(QuizAttempt, QuizAttempt.user_id == ClassMembership.user_id)
            .join(Lesson, Lesson.id == QuizAttempt.lesson_id)
            .join(
                Assignment,
                (Assignment.class_id == ClassMembership.class_id)
                & (Assignment.module_id == Lesson.module_id),
            )
            .where(
                ClassMembership.class_id.in_(class_ids),
                ClassMembership.role == "learner",
                QuizAttempt.submitted_at.is_not(None),
            )
            .order_by(ClassMembership.class_id, QuizAttempt.id)
        )
        for class_id, learner_id, attempt_id in rows:
            if len(found[class_id]) < per_class:
                found[class_id].append([learner_id, attempt_id])
        db.engine.dispose()
    return found


def count(url: str, lessons: list[str]) -> dict[str, Any]:
    """Statements per measured request (the largest over a few learners), and any smoke page
    that failed."""
    app = app_for(url)
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    with app.app_context():
        learners, classroom = _candidates()
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    counts: dict[str, list[int]] = {}
    broken: list[str] = []

    def measure(flow: Callable[[User], dict[str, float] | None], user: User) -> bool:
        flow(user)  # once to settle (a quiz to start, a first card to fetch), then counted
        costs = flow(user)
        if costs is None:
            return False
        for name, cost in costs.items():
            counts.setdefault(name, []).append(int(cost))
        return True

    try:
        counted = 0
        for email in learners:
            user = flows.login(CountingBrowser(app, statements), email, PASSWORD, random.Random(1))
            # Only learners with four cards left today can show both kinds of review step.
            if not measure(flows.review_step, user) or not measure(
                lambda user: flows.review_step(user, script=False), user
            ):
                continue
            measure(flows.floor, user)
            measure(flows.dashboard, user)
            measure(lambda user: flows.lesson(user, lessons), user)
            measure(lambda user: flows.quiz_answer(user, lessons), user)
            measure(flows.stats, user)
            for path in SMOKE_PAGES:
                page = user.browser.request("GET", path)
                if page.status != 200:
                    broken.append(f"{path} as a learner: HTTP {page.status}")
            counted += 1
            if counted == LEARNERS:
                break
        if not counted:
            raise RuntimeError("no learner with cards to review was found to count queries")
        teacher = flows.login(
            CountingBrowser(app, statements), classroom["instructor"], PASSWORD, random.Random(1)
        )
        class_id, first = classroom["id"], classroom["assignments"][0]
        measure(lambda user: flows.gradebook(user, class_id), teacher)
        measure(lambda user: flows.gradebook_csv(user, class_id), teacher)
        measure(lambda user: flows.item_analysis(user, class_id, first), teacher)
        attempts = class_attempts(url, [class_id], per_class=1)[class_id]
        if attempts:
            learner_id, attempt_id = attempts[0]
            measure(
                lambda user: flows.attempt_review(user, class_id, learner_id, attempt_id), teacher
            )
        else:
            broken.append(f"class {class_id} has no finished attempt to review")
        for path in (f"/classes/{class_id}", f"/classes/{class_id}/gradebook?sort=a{first}"):
            page = teacher.browser.request("GET", path)
            if page.status != 200:
                broken.append(f"{path} as an instructor: HTTP {page.status}")
    finally:
        event.remove(engine, "before_cursor_execute", record)
        with app.app_context():
            db.engine.dispose()
    return {
        "queries": {name: max(values) for name, values in counts.items()},
        "queries_seen": {name: sorted(set(values)) for name, values in counts.items()},
        "learners": counted,
        "broken": broken,
    }
