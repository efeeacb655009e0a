"""Workload forecasts for pages (core/workload.py simulates): what an assignment being set asks
of a class's typical learner each day until it is due, and what a learner's open assignments
add to their own next 30 days. A fixed number of queries each, whatever the data's size."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, or_, select

from quizapp.core.classes import local_time, median
from quizapp.core.progress import learner_day
from quizapp.core.workload import (
    DayLoad,
    Forecast,
    ForecastRefused,
    Horizon,
    combined,
    forecast,
    horizon,
)
from quizapp.db import db
from quizapp.models import (
    Assignment,
    ClassMembership,
    Classroom,
    Lesson,
    Module,
    Question,
    ReviewCard,
    ReviewLog,
    User,
)
from quizapp.models.classes import LEARNER
from quizapp.models.review import REVIEW
from quizapp.services.classes import ClassFormError, due_instant
from quizapp.services.memory_models import site_model
from quizapp.services.open_assignments import OWN_DUE_AT, open_assignments
from quizapp.services.reviews import model_parameters

# The retention a class's typical learner asks for: the site's default, which few change.
TYPICAL_RETENTION = 0.9
# A review's time is the median of the class's reviews over this many days, once there are
# enough of them to mean something; a sample caps what one forecast reads.
TIMED_DAYS = 30
MIN_TIMED_REVIEWS = 20
TIMED_SAMPLE = 5000
# An answer left open while the learner made tea is not a review's time.
LONGEST_REVIEW_MS = 5 * 60 * 1000
# The learner's own forecast: as long as the review statistics' forecast of cards due.
LEARNER_DAYS = 30


def class_parameters() -> tuple[tuple[float, ...], bool]:
    """The FSRS weights of a class's typical learner: the site's memory model, fitted on
    everyone's reviews, or FSRS's defaults before there is one; and whether they are fitted
    (one query)."""
    model = site_model()
    return model_parameters(model), model is not None


def target_questions(target: str) -> int:
    """How many questions a learner meets doing a live module or lesson ("module:slug",
    "lesson:slug"): each lesson's live questions, or as many as one attempt of its quiz asks
    (one query). An unknown target is refused."""
    kind, _, slug = target.partition(":")
    if kind == "module":
        chosen = Module.slug == slug
    elif kind == "lesson":
        chosen = Lesson.slug == slug
    else:
        raise ClassFormError("target", "Choose a module or lesson from the list.")
    rows = db.session.execute(
        select(Lesson.questions_per_attempt, func.count(Question.id))
        .join(Module, Module.id == Lesson.module_id)
        .outerjoin(Question, and_(Question.lesson_id == Lesson.id, Question.retired_at.is_(None)))
        .where(chosen, Lesson.retired_at.is_(None), Module.retired_at.is_(None))
        .group_by(Lesson.id, Lesson.questions_per_attempt)
    ).all()
    if not rows:
        raise ClassFormError("target", "Choose a module or lesson from the list.")
    return sum(count if asked is None else min(asked, count) for asked, count in rows)


def class_review_seconds(classroom: Classroom, *, now: datetime) -> float | None:
    """The median time the class's learners took over a review lately, or None while they
    have too few timed reviews for a median to mean anything (one query)."""
    durations = db.session.scalars(
        select(ReviewLog.duration_ms)
        .join(ClassMembership, ClassMembership.user_id == ReviewLog.user_id)
        .where(
            ClassMembership.class_id == classroom.id,
            ClassMembership.role == LEARNER,
            ReviewLog.reviewed_at >= now - timedelta(days=TIMED_DAYS),
            ReviewLog.kind == REVIEW,
            ReviewLog.voided_at.is_(None),
            ReviewLog.duration_ms.between(1, LONGEST_REVIEW_MS),
        )
        .limit(TIMED_SAMPLE)
    ).all()
    if len(durations) < MIN_TIMED_REVIEWS:
        return None
    return median(durations) / 1000


@dataclass(frozen=True)
class ClassForecast:
    """A class's typical learner's load for one assignment, from today to its due day."""

    forecast: Forecast
    start: date
    horizon: Horizon
    fitted: bool

    @property
    def summary(self) -> str:
        return self.forecast.summary(start=self.start, who="A typical learner")

    @property
    def timing(self) -> str:
        return self.forecast.timing("this class's")

    @property
    def model(self) -> str:
        if self.fitted:
            return "the memory model fitted on this site's reviews"
        return "FSRS's default memory model, as none is fitted on this site's reviews yet"

    @property
    def table(self) -> tuple[str, list[tuple[date, DayLoad]]]:
        return self.forecast.table(self.start)


def class_forecast(
    *, classroom: Classroom, target: str, due_local: datetime, now: datetime
) -> ClassForecast:
    """What assigning `target` due at `due_local` (in the class's time zone) would ask of a
    typical learner of the class each day: its questions learned evenly until the due day,
    reviewed with the class's weights (three queries). A target that is not live, or a due
    date the assignment form would refuse, is refused with the form's words."""
    questions = target_questions(target)
    due_at = due_instant(classroom, due_local, now=now)
    start = local_time(now, classroom.time_zone).date()
    try:
        days = horizon(start, local_time(due_at, classroom.time_zone).date())
    except ForecastRefused as refused:
        raise ClassFormError("due", str(refused)) from None
    parameters, fitted = class_parameters()
    result = forecast(
        parameters,
        desired_retention=TYPICAL_RETENTION,
        new_cards=questions,
        days=days.days,
        seconds_per_review=class_review_seconds(classroom, now=now),
    )
    return ClassForecast(result, start, days, fitted)


@dataclass(frozen=True)
class AssignmentLoad:
    """What a learner's open assignments add to their next days: the questions still to learn
    in them, met evenly until each one's due day, and their reviews."""

    days: tuple[DayLoad, ...]
    assignments: int
    questions: int


def assignment_load(*, user: User, now: datetime, days: int = LEARNER_DAYS) -> AssignmentLoad:
    """The load of the learner's assignments still open (not yet due, in classes not archived,
    their own extended due date if they have one), from the questions of each that they have
    not learned yet, with their own weights and retention (one query)."""
    due = OWN_DUE_AT
    rows = db.session.execute(
        open_assignments(
            select(
                Assignment.id,
                due,
                Lesson.questions_per_attempt,
                func.count(Question.id),
                func.count(ReviewCard.id),
            ).select_from(Assignment),
            user_id=user.id,
            now=now,
        )
        .join(
            Lesson, or_(Lesson.id == Assignment.lesson_id, Lesson.module_id == Assignment.module_id)
        )
        .join(Module, Module.id == Lesson.module_id)
        .join(Question, Question.lesson_id == Lesson.id)
        # Learned: reviewed at least once. A question with no card, or a card never rated,
        # is still to learn.
        .outerjoin(
            ReviewCard,
            and_(
                ReviewCard.user_id == user.id,
                ReviewCard.question_id == Question.id,
                ReviewCard.reps > 0,
            ),
        )
        .where(
            Lesson.retired_at.is_(None),
            Module.retired_at.is_(None),
            Question.retired_at.is_(None),
        )
        .group_by(Assignment.id, due, Lesson.id, Lesson.questions_per_attempt)
    ).all()
    to_learn: dict[int, int] = {}
    due_at: dict[int, datetime] = {}
    for assignment_id, when, asked, questions, learned in rows:
        # A quiz that asks only some of its questions teaches only those.
        meets = questions if asked is None else min(asked, questions)
        to_learn[assignment_id] = to_learn.get(assignment_id, 0) + max(0, meets - learned)
        due_at[assignment_id] = when
    today = learner_day(now, user.time_zone)
    parameters = model_parameters(user.memory_model)
    forecasts = [
        forecast(
            parameters,
            desired_retention=user.desired_retention,
            new_cards=count,
            days=days,
            learn_days=_learn_days(today, due_at[assignment_id], user.time_zone),
        )
        for assignment_id, count in to_learn.items()
        if count
    ]
    return AssignmentLoad(
        combined(forecasts, days), len(forecasts), sum(f.new_cards for f in forecasts)
    )


def _learn_days(today: date, due: datetime, time_zone: str) -> int:
    """Today through the due day: the days left to learn an assignment's questions in."""
    return max(1, (learner_day(due, time_zone) - today).days + 1)
