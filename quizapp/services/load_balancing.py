"""Load balancing, as in Anki 24.11: an interval of days lands on the day of its fuzz range
with the fewest of the learner's cards due, lighter weekdays counting as half a day."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select

from quizapp.core.progress import day_end, learner_day
from quizapp.core.scheduling import (
    MAX_LOAD_BALANCE_INTERVAL,
    CardState,
    Memory,
    Rating,
    ReviewSettings,
    balanced_interval,
    fuzz_range,
    light_weekdays,
    review,
)
from quizapp.db import UTCDateTime, db
from quizapp.models import ReviewCard, User

_USER = bindparam("user_id")
# Cards due on each day of a fuzz range, in one indexed read of the learner's (user_id, due)
# range: each column counts the cards due before one edge, so a day's count is the difference
# of two. Built for the widest range load balancing looks at; a narrower one repeats its end.
_WIDEST_RANGE = fuzz_range(MAX_LOAD_BALANCE_INTERVAL, MAX_LOAD_BALANCE_INTERVAL * 2)
_EDGES = [
    bindparam(f"edge{n}", type_=UTCDateTime())
    for n in range(_WIDEST_RANGE[1] - _WIDEST_RANGE[0] + 2)
]
_DUE_BEFORE_EDGES = select(
    *(func.count().filter(ReviewCard.due < edge) for edge in _EDGES[1:])
).where(
    ReviewCard.user_id == _USER,
    ReviewCard.suspended_at.is_(None),
    ReviewCard.due >= _EDGES[0],
    ReviewCard.due < _EDGES[-1],
)


def balanced_review(
    user: User, before: Memory, rating: Rating, now: datetime, settings: ReviewSettings
) -> Memory:
    """The memory after the review. Where fsrs would fuzz an interval of days, load balancing
    takes its place, as in Anki: the day in the fuzz range with the fewest of the learner's
    cards due (one query). With fuzz on, the query runs for every rating, balanced or not, so
    the review step costs the same queries whatever the card's state."""
    after = review(before, rating, now, replace(settings, fuzz=False))
    if not settings.fuzz:
        return after
    target = (after.due - now).days
    balanced = after.state is CardState.REVIEW and 3 <= target <= MAX_LOAD_BALANCE_INTERVAL
    low, high = fuzz_range(target, settings.maximum_interval_days) if balanced else (0, -1)
    days = [learner_day(now + timedelta(days=n), user.time_zone) for n in range(low, high + 1)]
    edges = [day_end(days[0] - timedelta(days=1), user.time_zone)] if days else [now]
    edges += [day_end(day, user.time_zone) for day in days]
    edges += edges[-1:] * (len(_EDGES) - len(edges))
    due_before = db.session.execute(
        _DUE_BEFORE_EDGES,
        {
            "user_id": user.id,
            **{edge.key: value for edge, value in zip(_EDGES, edges, strict=True)},
        },
    ).one()
    if not balanced:
        # Past the balancing range fsrs's own fuzz spreads the card; learning steps stay.
        beyond = after.state is CardState.REVIEW and target > MAX_LOAD_BALANCE_INTERVAL
        return review(before, rating, now, settings) if beyond else after
    light = light_weekdays(user.light_days)
    chosen = balanced_interval(
        target,
        [
            (interval, due_before[n] - (due_before[n - 1] if n else 0), day.weekday() in light)
            for n, (interval, day) in enumerate(zip(range(low, high + 1), days, strict=True))
        ],
    )
    return replace(after, due=now + timedelta(days=chosen))
