"""Review statistics for one learner: a fixed number of queries however long the history."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, select

from quizapp.core.progress import Recall, learner_day, recall_of
from quizapp.core.scheduling import LEECH_THRESHOLD, CardState, Rating, retrievability
from quizapp.core.workload import DayLoad
from quizapp.db import db
from quizapp.models import ActivityDay, Lesson, Module, Question, ReviewCard, ReviewLog, User
from quizapp.services.reviews import memory_of
from quizapp.services.workload import assignment_load

HISTORY_DAYS = 30
FORECAST_DAYS = 30
HEATMAP_WEEKS = 26
# Anki's line between young and mature cards: an interval of three weeks or more.
MATURE_DAYS = 21
# A question a learner can still meet: neither it, its lesson nor its module retired.
_LIVE = and_(
    Question.retired_at.is_(None), Lesson.retired_at.is_(None), Module.retired_at.is_(None)
)


@dataclass(frozen=True)
class ModuleMastery:
    module: Module
    recall: Recall


@dataclass(frozen=True)
class ReviewStats:
    today: date
    reviews_per_day: list[tuple[date, int]]
    heatmap: dict[date, int]
    # Reviews expected each day: of the cards coming due, and (in `assigned`, day by day) of
    # the questions the learner's open assignments still ask them to learn.
    forecast: list[tuple[date, float]]
    by_state: dict[str, int]
    mature_reviews: int
    mature_retention: int | None
    modules: list[ModuleMastery]
    # Over every live question: the modules' figures taken together.
    recall: Recall
    assigned: tuple[DayLoad, ...] = ()
    assigned_questions: int = 0
    assigned_count: int = 0

    @property
    def leech_threshold(self) -> int:
        return LEECH_THRESHOLD

    @property
    def mature_days(self) -> int:
        return MATURE_DAYS

    @property
    def weeks(self) -> list[tuple[date, int, int]]:
        """The calendar's columns as rows: each week from Monday, its reviews and active days."""
        first = self.today - timedelta(days=self.today.weekday(), weeks=HEATMAP_WEEKS - 1)
        rows = []
        for week in range(HEATMAP_WEEKS):
            start = first + timedelta(weeks=week)
            counts = [self.heatmap.get(start + timedelta(days=d), 0) for d in range(7)]
            rows.append((start, sum(counts), sum(count > 0 for count in counts)))
        return rows


def review_stats(*, user: User, now: datetime) -> ReviewStats:
    today = learner_day(now, user.time_zone)
    since = today - timedelta(weeks=HEATMAP_WEEKS)
    heatmap = dict(
        db.session.execute(
            select(ActivityDay.day, ActivityDay.reviews).where(
                ActivityDay.user_id == user.id, ActivityDay.day > since, ActivityDay.reviews > 0
            )
        ).all()
    )
    days = [today - timedelta(days=n) for n in range(HISTORY_DAYS - 1, -1, -1)]
    cards = db.session.execute(
        select(ReviewCard, Lesson.module_id, _LIVE.label("live"))
        .join(Question, Question.id == ReviewCard.question_id)
        .join(Lesson, Lesson.id == Question.lesson_id)
        .join(Module, Module.id == Lesson.module_id)
        .where(ReviewCard.user_id == user.id)
    ).all()
    by_state: Counter[str] = Counter()
    due_days: Counter[date] = Counter()
    learned: Counter[int] = Counter()
    in_review: dict[int, list[float]] = {}
    for card, module_id, live in cards:
        memory = memory_of(card)
        if memory.is_leech:
            by_state["leech"] += 1
        by_state["new" if memory.is_new else CardState(card.state).name.lower()] += 1
        if card.suspended_at is None:
            due_days[max(today, learner_day(card.due, user.time_zone))] += 1
        # Mastery is of the course as it stands: cards of retired questions are left out.
        if live and not memory.is_new:
            learned[module_id] += 1
            if card.suspended_at is None:
                in_review.setdefault(module_id, []).append(retrievability(memory, now))
    assigned = assignment_load(user=user, now=now, days=FORECAST_DAYS)
    # Each review due brings back the share expected to be forgotten the next day.
    forecast, carried = [], 0.0
    for n in range(FORECAST_DAYS):
        day = today + timedelta(days=n)
        expected = due_days[day] + carried
        forecast.append((day, round(expected + assigned.days[n].reviews, 1)))
        carried = expected * (1 - user.desired_retention)
    recent = db.session.execute(
        select(ReviewLog.rating, ReviewLog.card_before).where(
            ReviewLog.user_id == user.id,
            ReviewLog.voided_at.is_(None),
            ReviewLog.reviewed_at >= now - timedelta(days=HISTORY_DAYS),
        )
    ).all()
    mature = [
        rating
        for rating, before in recent
        if before.get("state") == int(CardState.REVIEW)
        and (before.get("stability") or 0) >= MATURE_DAYS
    ]
    questions = db.session.execute(
        select(Module, func.count(Question.id))
        .join(Lesson, Lesson.module_id == Module.id)
        .join(Question, Question.lesson_id == Lesson.id)
        .where(_LIVE)
        .group_by(Module.id)
        .order_by(Module.position)
    ).all()
    modules = [
        ModuleMastery(
            module,
            recall_of(
                questions=count,
                learned=learned[module.id],
                in_review=in_review.get(module.id, []),
            ),
        )
        for module, count in questions
    ]
    return ReviewStats(
        today=today,
        reviews_per_day=[(day, heatmap.get(day, 0)) for day in days],
        heatmap=heatmap,
        forecast=forecast,
        by_state={
            key: by_state[key] for key in ("new", "learning", "review", "relearning", "leech")
        },
        mature_reviews=len(mature),
        mature_retention=(
            int(100 * sum(r > Rating.AGAIN for r in mature) / len(mature)) if mature else None
        ),
        modules=modules,
        assigned=assigned.days,
        assigned_questions=assigned.questions,
        assigned_count=assigned.assignments,
        recall=recall_of(
            questions=sum(m.recall.questions for m in modules),
            learned=sum(m.recall.learned for m in modules),
            in_review=[r for m, _ in questions for r in in_review.get(m.id, [])],
        ),
    )


__all__ = ["LEECH_THRESHOLD", "ReviewStats", "review_stats"]
