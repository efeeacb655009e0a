"""The benchmark's dataset: learners, classes, quiz attempts, review cards and their logs, as rows
for the app's own tables, built in memory in a few seconds and bulk-loaded by bench/store.py.

The shape follows how the app is used: classes of learners who start together and work
through the course in order at their own pace (some drop out), take each lesson's quiz (and
sometimes retake it), and review the cards their answers created, diligently, casually or not
at all. Card states and logs come from histories made by the app's scheduler
(bench/histories.py), so the review pages, stats, gradebook and item analysis read them as
they would read real use.

All times are whole seconds since the Unix epoch until they are written out as UTC strings in
the layout SQLAlchemy uses on SQLite, which PostgreSQL reads as well (with TimeZone UTC).
"""

from __future__ import annotations

import bisect
import functools
import gc
import json
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from werkzeug.security import generate_password_hash

from bench.histories import NEW, Card, Review, library
from quizapp.core.classes import new_join_code
from quizapp.core.progress import DAY_STARTS_AT

DAY = 86400
PASSWORD = "bench learner password"
EMAIL_DOMAIN = "bench.example.com"
# How often each kind of learner has a review session on any given day.
REVIEWERS = {"casual": (0.15, 0.45), "diligent": (0.7, 0.95)}
# Shares of learners: how far they get in the course, and how they review.
ENGAGEMENT = {"dropped": 30, "steady": 50, "keen": 20}
REVIEWING = {"never": 80, "casual": 13, "diligent": 7}
TIME_ZONES = (
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Africa/Lagos",
)
FIRST_NAMES = (  # noqa: SIM905 (a list of words reads better as words)
    "Amara Bruno Chen Dana Elif Farid Grace Hiro Isla Jonas Kiri Lena Mateo Nadia Oren "
    "Priya Quinn Rosa Sami Tara Umar Vera Wen Ximena Yusuf Zofia Aiko Bilal Carmen Dmitri"
).split()
LAST_NAMES = (  # noqa: SIM905 (a list of words reads better as words)
    "Okafor Silva Wei Kowalski Demir Haddad Mensah Tanaka Murphy Berg Ngata Fischer Rossi "
    "Novak Cohen Sharma Byrne Lopez Aziz Dubois Hansen Ivanova Kim Moreau Nakamura Olsen "
    "Petrov Reyes Schmidt Varga"
).split()


@dataclass(frozen=True)
class Scale:
    learners: int
    classes: int
    class_size: int
    assignments_per_class: int
    # A ceiling: the natural histories are cut back to it; a tiny scale may stay below.
    review_logs: int
    days: int = 180


FULL = Scale(
    learners=10_000, classes=100, class_size=100, assignments_per_class=5, review_logs=1_000_000
)
# For counting queries: the same shapes with ten learners in one class.
TINY = Scale(learners=10, classes=1, class_size=10, assignments_per_class=5, review_logs=1_000)


def learner_email(number: int) -> str:
    return f"learner{number}@{EMAIL_DOMAIN}"


def instructor_email(number: int) -> str:
    return f"instructor{number}@{EMAIL_DOMAIN}"


@dataclass(frozen=True)
class Answer:
    """A stored response to a question as JSON, with the grade the app gives it."""

    response: str
    score: float
    correct: bool


@dataclass(frozen=True)
class QuestionInfo:
    id: int
    # Subtracted from a learner's skill: item analysis should find easy and hard questions.
    difficulty: float
    right: Answer
    wrong: tuple[Answer, ...]


@dataclass(frozen=True)
class LessonInfo:
    id: int
    slug: str
    module_id: int
    minutes: int
    questions: tuple[QuestionInfo, ...]


@dataclass(frozen=True)
class Course:
    """The live catalogue as loaded by the app's content sync, in course order."""

    module_ids: tuple[int, ...]
    lessons: tuple[LessonInfo, ...]


@dataclass
class Table:
    name: str
    columns: tuple[str, ...]
    rows: list[tuple] = field(default_factory=list)


@dataclass
class Dataset:
    tables: list[Table]
    # What the load generator needs to sign in and find the classes (JSON-ready).
    accounts: dict[str, Any]

    def counts(self) -> dict[str, int]:
        return {table.name: len(table.rows) for table in self.tables}


# ---------------------------------------------------------------------------------------------
# Times


_EPOCH = date(1970, 1, 1)
_dates: dict[int, str] = {}
# Millions of times are written: formatting each from scratch would take most of the build.
_CLOCK = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(DAY)]
_STAMP_CLOCK = [f" {clock}.000000" for clock in _CLOCK]
_ISO_CLOCK = [f"T{clock}+00:00" for clock in _CLOCK]


def _date(days: int) -> str:
    text = _dates.get(days)
    if text is None:
        text = _dates[days] = (_EPOCH + timedelta(days=days)).isoformat()
    return text


def stamp(t: int) -> str:
    """A UTC time as SQLAlchemy writes DateTime on SQLite: "2026-01-31 18:05:09.000000"."""
    days, seconds = divmod(t, DAY)
    return _date(days) + _STAMP_CLOCK[seconds]


def iso(t: int) -> str:
    """A UTC time as `datetime.isoformat` writes it, for the JSON of undo snapshots."""
    days, seconds = divmod(t, DAY)
    return _date(days) + _ISO_CLOCK[seconds]


class LearnerDays:
    """The learner's day of an instant, as quizapp.core.progress.learner_day computes it,
    with each zone's UTC offset looked up once an hour rather than once a row."""

    def __init__(self) -> None:
        self._offsets: dict[tuple[str, int], int] = {}

    def __call__(self, t: int, time_zone: str) -> str:
        key = (time_zone, t // 3600)
        offset = self._offsets.get(key)
        if offset is None:
            local = datetime.fromtimestamp(t, UTC).astimezone(ZoneInfo(time_zone))
            offset = self._offsets[key] = int(local.utcoffset().total_seconds())
        return _date((t + offset - DAY_STARTS_AT.hour * 3600) // DAY)


# ---------------------------------------------------------------------------------------------
# Building


@dataclass
class _Learner:
    id: int
    time_zone: str
    engagement: str
    reviewing: str
    skill: float
    start: int
    # Nothing happens after this: now, or when the learner dropped out.
    active_until: int
    last_seen: int = 0
    # When the last lesson was finished: a lesson opened today comes after it.
    finished: int = 0


@dataclass
class _PendingCard:
    """A card whose history is chosen before any row is written, so the total number of
    reviews can be cut back to the target first."""

    id: int
    learner: _Learner
    question_id: int
    created: int
    history: list[Review] | None = None
    reviews: int = 0


class _Builder:
    def __init__(self, scale: Scale, course: Course, now: int, seed: int) -> None:
        self.scale, self.course, self.now = scale, course, now
        self.rng = random.Random(seed)
        self.histories = library(REVIEWERS, count=150, days=scale.days + 30, seed=seed)
        self.learner_day = LearnerDays()
        self.activity: dict[tuple[int, str], list[int]] = {}
        self.cards: list[_PendingCard] = []
        self.answered: set[tuple[int, int]] = set()
        self.tables = {
            name: Table(name, tuple(columns.split()))
            for name, columns in (
                (
                    "users",
                    "id email display_name password_hash role time_zone daily_goal "
                    "created_at last_login_at desired_retention new_cards_per_day "
                    "reviews_per_day",
                ),
                (
                    "classes",
                    "id name description join_code owner_id created_at archived_at "
                    "joining_open time_zone",
                ),
                ("class_memberships", "id class_id user_id role joined_at"),
                (
                    "assignments",
                    "id class_id module_id lesson_id due_at pass_mark created_by_id created_at",
                ),
                ("lesson_progress", "id user_id lesson_id started_at completed_at"),
                (
                    "quiz_attempts",
                    "id user_id lesson_id started_at submitted_at question_ids "
                    "seed score max_score",
                ),
                (
                    "quiz_answers",
                    "id attempt_id question_id response is_correct score answered_at time_taken_ms",
                ),
                (
                    "review_cards",
                    "id user_id question_id state step stability difficulty due "
                    "last_review suspended_at created_at reps lapses",
                ),
                (
                    "review_logs",
                    "id card_id user_id question_id rating reviewed_at duration_ms "
                    "state step stability difficulty due card_before voided_at was_new",
                ),
                ("activity_days", "user_id day answers reviews"),
            )
        }

    def add(self, table: str, *values) -> int:
        """Append a row whose id is its position (ids are given, not drawn from sequences)."""
        rows = self.tables[table].rows
        rows.append((len(rows) + 1, *values))
        return len(rows)

    def update(self, table: str, row_id: int, **values) -> None:
        """Change some columns of a row added earlier, once its outcome is known."""
        columns = self.tables[table].columns
        row = list(self.tables[table].rows[row_id - 1])
        for name, value in values.items():
            row[columns.index(name)] = value
        self.tables[table].rows[row_id - 1] = tuple(row)

    def count_activity(self, learner: _Learner, t: int, *, answers: int = 0, reviews: int = 0):
        key = (learner.id, self.learner_day(t, learner.time_zone))
        counts = self.activity.setdefault(key, [0, 0])
        counts[0] += answers
        counts[1] += reviews

    # People and classes

    def build(self) -> Dataset:
        scale = self.scale
        # One cheap hash for everyone: logins are setup, not what is measured, and scrypt's
        # deliberate slowness would make signing in a thousand learners take minutes.
        password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
        learners = [self.learner(n, password_hash) for n in range(1, scale.learners + 1)]
        classes = []
        for number in range(1, scale.classes + 1):
            members = learners[(number - 1) * scale.class_size : number * scale.class_size]
            classes.append(self.classroom(number, members, password_hash))
        for learner in learners:
            self.study(learner)
        self.review_cards()
        for learner in learners:
            self.update(
                "users",
                learner.id,
                created_at=stamp(learner.start - 600),
                last_login_at=stamp(max(learner.start, learner.last_seen)),
            )
        for (user_id, day), (answers, reviews) in sorted(self.activity.items()):
            self.tables["activity_days"].rows.append((user_id, day, answers, reviews))
        return Dataset(
            list(self.tables.values()),
            {
                "password": PASSWORD,
                "learners": scale.learners,
                "classes": classes,
                "lessons": [lesson.slug for lesson in self.course.lessons],
            },
        )

    def user(
        self, email: str, name: str, password_hash: str, role: str, time_zone: str, created: int
    ) -> int:
        return self.add(
            "users",
            email,
            name,
            password_hash,
            role,
            time_zone,
            self.rng.choice((10, 20, 20, 30, 50)),
            stamp(created),
            None,
            0.9,
            20,
            200,
        )

    def learner(self, number: int, password_hash: str) -> _Learner:
        rng = self.rng
        time_zone = rng.choice(TIME_ZONES)
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        # A class's learners start with their cohort instead (see `classroom`).
        start = self.now - int(rng.uniform(10, self.scale.days - 5) * DAY)
        user_id = self.user(learner_email(number), name, password_hash, "learner", time_zone, start)
        return _Learner(
            id=user_id,
            time_zone=time_zone,
            engagement=rng.choices(list(ENGAGEMENT), list(ENGAGEMENT.values()))[0],
            reviewing=rng.choices(list(REVIEWING), list(REVIEWING.values()))[0],
            skill=rng.uniform(0.55, 0.95),
            start=start,
            active_until=self.now,
        )

    def classroom(self, number: int, members: list[_Learner], password_hash: str) -> dict:
        """A cohort: an instructor, learners who start within a week of each other, and
        module assignments due at even steps from the class's start to a few weeks from now,
        so every class has work past due and work still to come."""
        rng = self.rng
        start = self.now - int(rng.uniform(10, self.scale.days - 5) * DAY)
        last_due = self.now + int(rng.uniform(20, 60) * DAY)
        time_zone = rng.choice(TIME_ZONES)
        instructor = self.user(
            instructor_email(number),
            f"Instructor {number}",
            password_hash,
            "instructor",
            time_zone,
            start - 3 * DAY,
        )
        class_id = self.add(
            "classes",
            f"Cohort {number}: production management",
            "",
            self.join_code(),
            instructor,
            stamp(start - 2 * DAY),
            None,
            True,
            time_zone,
        )
        self.add("class_memberships", class_id, instructor, "instructor", stamp(start - 2 * DAY))
        first = rng.choices((0, 1, 2), (70, 20, 10))[0]
        modules = self.course.module_ids[first : first + self.scale.assignments_per_class]
        assignments = []
        for index, module_id in enumerate(modules):
            step = (last_due - start) / len(modules)
            due = start + int((index + 1) * step + rng.uniform(-0.1, 0.1) * step)
            assignments.append(
                self.add(
                    "assignments",
                    class_id,
                    module_id,
                    None,
                    stamp(due),
                    (60, 70, None, 80, 60)[index % 5],
                    instructor,
                    stamp(start - DAY),
                )
            )
        for learner in members:
            learner.start = min(start + int(rng.uniform(0, 7) * DAY), self.now - DAY)
            self.add("class_memberships", class_id, learner.id, "learner", stamp(learner.start))
        return {"id": class_id, "instructor": instructor_email(number), "assignments": assignments}

    def join_code(self) -> str:
        used = {row[3] for row in self.tables["classes"].rows}
        while (code := new_join_code(self.rng)) in used:
            pass
        return code

    # Lessons and quizzes

    def study(self, learner: _Learner) -> None:
        """Work through the course in order from the start date, lesson by lesson."""
        rng = self.rng
        gap_days = {"dropped": (0.5, 3), "steady": (2, 8), "keen": (0.5, 2.5)}[learner.engagement]
        last = rng.randint(1, 4) if learner.engagement == "dropped" else len(self.course.lessons)
        t = learner.start
        for index, lesson in enumerate(self.course.lessons[:last]):
            if index:
                t += int(rng.uniform(*gap_days) * DAY)
            if t >= self.now - 3600:
                # Caught up with today: perhaps reading the next lesson, or half-way through
                # its quiz (the dashboard offers to resume it).
                if rng.random() < 0.5:
                    self.open_lesson(learner, lesson)
                break
            t = learner.finished = self.take_lesson(learner, lesson, t)
        if learner.engagement == "dropped":
            learner.active_until = min(self.now, t + int(rng.uniform(0, 14) * DAY))

    def open_lesson(self, learner: _Learner, lesson: LessonInfo) -> None:
        earliest, latest = max(learner.start, learner.finished) + 600, self.now - 3600
        if earliest >= latest:
            return
        t = max(earliest, latest - self.rng.randint(0, 3 * DAY))
        self.add("lesson_progress", learner.id, lesson.id, stamp(t), None)
        if self.rng.random() < 0.4 and len(lesson.questions) > 1:
            answered = self.rng.randint(1, len(lesson.questions) - 1)
            self.attempt(learner, lesson, t + lesson.minutes * 60, answered=answered)

    def take_lesson(self, learner: _Learner, lesson: LessonInfo, t: int) -> int:
        """Read the lesson, take its quiz, maybe retake it; returns when the learner finished."""
        progress = self.add("lesson_progress", learner.id, lesson.id, stamp(t), None)
        finished, fraction = self.attempt(learner, lesson, t + lesson.minutes * 60)
        self.update("lesson_progress", progress, completed_at=stamp(finished))
        if (fraction < 0.7 and self.rng.random() < 0.4) or self.rng.random() < 0.05:
            retake = finished + int(self.rng.uniform(0.3, 3) * DAY)
            if retake < self.now - 1800:
                finished, _ = self.attempt(learner, lesson, retake, bonus=0.1)
        return finished

    def attempt(
        self,
        learner: _Learner,
        lesson: LessonInfo,
        t: int,
        *,
        answered: int | None = None,
        bonus: float = 0.0,
    ) -> tuple[int, float]:
        """A quiz attempt, finished unless `answered` says how many questions were answered;
        each first answer to a question creates its review card. Returns when the attempt
        ended and its score as a fraction."""
        rng = self.rng
        questions = rng.sample(lesson.questions, len(lesson.questions))
        attempt = self.add(
            "quiz_attempts",
            learner.id,
            lesson.id,
            stamp(t),
            None,
            json.dumps([q.id for q in questions]),
            rng.randrange(2**31),
            0.0,
            len(questions),
        )
        answers, score = self.tables["quiz_answers"].rows, 0.0
        for question in questions[:answered]:
            seconds = 10 + int(rng.random() * 66)
            t += seconds
            right = rng.random() < learner.skill - question.difficulty + bonus
            answer = question.right if right else question.wrong[int(rng.random() * 3)]
            answers.append(
                (
                    len(answers) + 1,
                    attempt,
                    question.id,
                    answer.response,
                    answer.correct,
                    answer.score,
                    stamp(t),
                    seconds * 1000,
                )
            )
            score += answer.score
            self.count_activity(learner, t, answers=1)
            self.card(learner, question.id, t)
        if answered is None:
            self.update("quiz_attempts", attempt, submitted_at=stamp(t), score=score)
        learner.last_seen = max(learner.last_seen, t)
        return t, score / len(questions)

    def card(self, learner: _Learner, question_id: int, t: int) -> None:
        """The card an answer creates, the first time the learner answers the question."""
        key = (learner.id, question_id)
        if key in self.answered:
            return
        self.answered.add(key)
        self.cards.append(_PendingCard(len(self.cards) + 1, learner, question_id, t))

    # Reviews

    def review_cards(self) -> None:
        """Give each reviewing learner's card a history from the library, cut at the time the
        learner stopped, then cut the total back to the target and write cards and logs."""
        rng, starts = self.rng, {}
        for kind, histories in self.histories.items():
            starts[kind] = [[review.at for review in history] for history in histories]
        for card in self.cards:
            kind = card.learner.reviewing
            if kind == "never":
                continue
            index = rng.randrange(len(self.histories[kind]))
            card.history = self.histories[kind][index]
            limit = card.learner.active_until - card.created
            card.reviews = bisect.bisect_right(starts[kind][index], limit)
        excess = sum(card.reviews for card in self.cards) - self.scale.review_logs
        # Shorten histories one review at a time, across many cards: as if learners had
        # reviewed a little less, not as if a few had stopped.
        reviewed = [card for card in self.cards if card.reviews]
        rng.shuffle(reviewed)
        while excess > 0:
            for card in reviewed:
                if card.reviews and excess > 0:
                    card.reviews -= 1
                    excess -= 1
        for card in self.cards:
            self.write_card(card)

    def write_card(self, pending: _PendingCard) -> None:
        """The card's log rows and the card as its last review left it. This runs a million
        times, hence the local names and the snapshots' JSON put together from parts."""
        created, learner = pending.created, pending.learner
        user_id, question_id = learner.id, pending.question_id
        history = (pending.history or [])[: pending.reviews]
        logs = self.tables["review_logs"].rows
        before = NEW
        for review in history:
            after = review.after
            logs.append(
                (
                    len(logs) + 1,
                    pending.id,
                    user_id,
                    question_id,
                    review.rating,
                    stamp(created + review.at),
                    review.duration_ms,
                    after.state,
                    after.step,
                    after.stability,
                    after.difficulty,
                    stamp(created + after.due),
                    snapshot(before, created),
                    None,
                    before.reps == 0,
                )
            )
            self.count_activity(learner, created + review.at, reviews=1)
            before = after
        if history:
            learner.last_seen = max(learner.last_seen, created + history[-1].at)
        self.add(
            "review_cards",
            user_id,
            question_id,
            before.state,
            before.step,
            before.stability,
            before.difficulty,
            stamp(created + before.due),
            None if before.last_review is None else stamp(created + before.last_review),
            None,
            stamp(created),
            before.reps,
            before.lapses,
        )


def _number(value: float | None) -> str:
    return "null" if value is None else repr(value)


@functools.cache
def _snapshot_parts(card: Card) -> tuple[str, str]:
    """The JSON of `card` around its due time, which depends on when the card was created."""
    return (
        '{"due": "',
        f'", "state": {card.state}, "step": {_number(card.step)}, '
        f'"stability": {_number(card.stability)}, "difficulty": {_number(card.difficulty)}, '
        f'"last_review": ',
    )


def snapshot(card: Card, created: int) -> str:
    """The card as JSON, as services/reviews.py's `_snapshot` stores it for undo."""
    opening, middle = _snapshot_parts(card)
    last = "null" if card.last_review is None else f'"{iso(created + card.last_review)}"'
    return (
        f"{opening}{iso(created + card.due)}{middle}{last}, "
        f'"reps": {card.reps}, "lapses": {card.lapses}}}'
    )


def build(scale: Scale, course: Course, now: int, seed: int = 2026) -> Dataset:
    """Every row of the dataset, ending at `now` (seconds since the epoch)."""
    # Millions of new tuples would set off full garbage collections over and over, each one
    # walking everything built so far; none of them can be part of a cycle.
    gc.disable()
    try:
        return _Builder(scale, course, now, seed).build()
    finally:
        gc.enable()
