"""A populated class for people trying the product: an instructor, a dozen learners and three
weeks of made-up but plausible work, all written through the same services the pages use, so
every gradebook, status, analysis and chart reads it as it would read real use."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from werkzeug.datastructures import MultiDict

from quizapp.core.assignments import reaches_pass_mark
from quizapp.core.classes import local_time
from quizapp.core.numbers import plain_number
from quizapp.core.questions import Numeric, QuestionSpec
from quizapp.core.scheduling import Rating, recall_probability
from quizapp.models import Classroom, Lesson, QuizAttempt, User
from quizapp.services import classes, progress, quizzes, reviews
from quizapp.services.accounts import register_user, user_by_email
from quizapp.services.catalogue import catalogue_modules
from quizapp.services.errors import Refused

INSTRUCTOR_EMAIL = "instructor@demo.example.com"
CLASS_TIME_ZONE = "Europe/London"
DAYS_OF_HISTORY = 21


@dataclass(frozen=True)
class Persona:
    name: str
    # Chance of answering a question right, before the question's own difficulty.
    skill: float
    # Chance of doing a review session on any given day.
    diligence: float
    # Days after the class started that the learner takes each quiz of the first module; an
    # empty plan never starts, a short one stops part-way.
    module_days: tuple[int, ...]


# Five finish the first module early, three finish it late, two stop part-way (overdue), one
# has only read a lesson and one has done nothing yet.
PERSONAS = (
    Persona("Amara Okafor", 0.9, 0.9, (1, 2, 3, 4, 5)),
    Persona("Bruno Silva", 0.8, 0.7, (2, 3, 5, 6, 8)),
    Persona("Chen Wei", 0.85, 0.8, (1, 1, 2, 4, 6)),
    Persona("Dana Kowalski", 0.7, 0.6, (3, 5, 7, 9, 11)),
    Persona("Elif Demir", 0.75, 0.5, (4, 6, 8, 10, 12)),
    Persona("Farid Haddad", 0.65, 0.4, (9, 12, 15, 16, 17)),
    Persona("Grace Mensah", 0.6, 0.3, (10, 14, 16, 18, 19)),
    Persona("Hiro Tanaka", 0.7, 0.5, (12, 15, 17, 18, 20)),
    Persona("Isla Murphy", 0.55, 0.3, (6, 11)),
    Persona("Jonas Berg", 0.5, 0.2, (13,)),
    Persona("Kiri Ngata", 0.6, 0.0, ()),
    Persona("Lena Fischer", 0.6, 0.0, ()),
)


@dataclass(frozen=True)
class DemoLogins:
    instructor: str
    learners: list[str]
    password: str
    classroom: Classroom


def mistaken_response(spec: QuestionSpec, rng: random.Random):
    """A plausible mistake for the question's type."""
    right = spec.right_response()
    data = spec.data()
    if spec.type_name == "single_choice":
        return rng.choice([c["id"] for c in data["choices"] if not c.get("correct")])
    if spec.type_name == "multiple_select":
        wrong = [c["id"] for c in data["choices"] if not c.get("correct")]
        return sorted([*right[1:], rng.choice(wrong)])
    if spec.type_name == "true_false":
        return not right
    if spec.type_name == "ordering":
        swapped = list(right)
        i = rng.randrange(len(swapped) - 1)
        swapped[i], swapped[i + 1] = swapped[i + 1], swapped[i]
        return swapped
    if spec.type_name == "matching":
        ids = list(right)
        a, b = rng.sample(ids, 2)
        return {**right, a: right[b], b: right[a]}
    if isinstance(spec, Numeric):
        # Off by a tenth, or by the step just outside the tolerance: the usual slips.
        off = max(abs(spec.value) / 10, spec.margin * 2, Decimal(1))
        return plain_number(spec.value + rng.choice([off, -off]))
    return rng.choice(["not sure", "quality control", "the supervisor"])


def _pass_quiz(
    user: User,
    lesson: Lesson,
    at: datetime,
    skill: float,
    pass_mark: int | None,
    rng: random.Random,
) -> None:
    """Retakes the quiz until it reaches the pass mark, as a learner with an assignment does.
    Each retake follows the feedback, so it goes better, and every persona ends the term with
    the standing it was written for whatever the dice say."""
    while True:
        attempt = _take_quiz(user, lesson, at, skill, rng)
        if reaches_pass_mark(attempt.score / attempt.max_score, pass_mark):
            return
        at = attempt.submitted_at + timedelta(minutes=10)
        skill += 0.2


def _take_quiz(
    user: User, lesson: Lesson, at: datetime, skill: float, rng: random.Random
) -> QuizAttempt:
    attempt = quizzes.start_attempt(user=user, lesson=lesson, now=at)
    for position in range(1, len(attempt.question_ids) + 1):
        step = quizzes.question_step(attempt, position)
        # Each question has its own difficulty, so item analysis finds easy and hard ones.
        difficulty = random.Random(step.question.id).uniform(-0.3, 0.15)
        right = step.spec.right_response()
        response = right if rng.random() < skill - difficulty else mistaken_response(step.spec, rng)
        values = MultiDict(
            [(k, v) for k, vs in step.spec.form_values(step.layout, response).items() for v in vs]
        )
        seconds = rng.randint(8, 60)
        at += timedelta(seconds=seconds)
        quizzes.submit_answer(
            user=user, step=step, values=values.getlist, time_taken_ms=seconds * 1000, now=at
        )
    return attempt


def _review_day(user: User, at: datetime, skill: float, rng: random.Random) -> None:
    for _ in range(40):
        card = reviews.next_card(user=user, now=at)
        if card is None:
            return
        chance = (
            skill if card.reps == 0 else recall_probability(card.stability, card.last_review, at)
        )
        rating = Rating.GOOD if rng.random() < chance else Rating.AGAIN
        seconds = rng.randint(4, 30)
        reviews.record_review(
            user=user,
            card=card,
            reps_seen=card.reps,
            rating=rating,
            now=at,
            duration_ms=seconds * 1000,
        )
        at += timedelta(seconds=seconds + 5)


def create_demo(*, now: datetime, password: str, seed: int = 2026) -> DemoLogins:
    """The demo class and its history, ending at `now`; refused if it already exists."""
    if user_by_email(INSTRUCTOR_EMAIL) is not None:
        raise Refused(409, f"The demo is already loaded: log in as {INSTRUCTOR_EMAIL}.")
    modules = [entry for entry in catalogue_modules() if entry.lessons]
    if len(modules) < 2:
        raise Refused(400, "Load the course content first: flask --app quizapp content sync")
    rng = random.Random(seed)
    start = now - timedelta(days=DAYS_OF_HISTORY)
    instructor = register_user(
        email=INSTRUCTOR_EMAIL, display_name="Morgan Reyes", password=password, role="instructor"
    )
    instructor.email_verified_at = start
    classroom = classes.create_class(
        owner=instructor,
        name="Production management: spring cohort",
        description="Three weeks in: module 1 was due last week, module 2 is under way.",
        time_zone=CLASS_TIME_ZONE,
    )

    def due(days: int, hour: int = 17):
        local = local_time(start + timedelta(days=days), CLASS_TIME_ZONE)
        return local.replace(hour=hour, minute=0, second=0, microsecond=0, tzinfo=None)

    first, second = modules[0], modules[1]
    first_pass_mark = 60
    for target, days, pass_mark in (
        (f"module:{first.module.slug}", 14, first_pass_mark),
        (f"lesson:{second.lessons[0].slug}", DAYS_OF_HISTORY + 2, None),
        (f"module:{second.module.slug}", DAYS_OF_HISTORY + 10, 70),
    ):
        classes.create_assignment(
            classroom=classroom,
            by=instructor,
            target=target,
            due_local=due(days),
            pass_mark=pass_mark,
            now=start,
        )
    learners = []
    for index, persona in enumerate(PERSONAS):
        first_name = persona.name.split()[0].lower()
        user = register_user(
            email=f"{first_name}@demo.example.com",
            display_name=persona.name,
            password=password,
            time_zone=CLASS_TIME_ZONE,
        )
        # Confirmed, so that the instructor's reminders reach the demo's outbox.
        user.email_verified_at = start
        learners.append(user.email)
        classes.join_class(user=user, code=classroom.join_code, now=start + timedelta(hours=index))
        plan = [
            (start + timedelta(days=day, hours=18 + rng.random() * 3), lesson, first_pass_mark)
            for day, lesson in zip(persona.module_days, first.lessons, strict=False)
        ]
        # The keenest also start the second module.
        if persona.module_days and persona.module_days[-1] <= 8:
            plan += [
                (start + timedelta(days=15 + n * 2, hours=19), lesson, None)
                for n, lesson in enumerate(second.lessons[:2])
            ]
        if not persona.module_days and index % 2 == 0:
            progress.lesson_started(
                user=user, lesson=first.lessons[0], now=start + timedelta(days=2)
            )
        for day in range(DAYS_OF_HISTORY):
            morning = start + timedelta(days=day, hours=7 + rng.random() * 2)
            if plan and rng.random() < persona.diligence:
                _review_day(user, morning, persona.skill, rng)
            for entry in [p for p in plan if p[0] < start + timedelta(days=day + 1)]:
                at, lesson, pass_mark = entry
                _pass_quiz(user, lesson, at, persona.skill, pass_mark, rng)
                plan.remove(entry)
    return DemoLogins(INSTRUCTOR_EMAIL, learners, password, classroom)
