"""Spaced repetition on top of the `fsrs` package (FSRS-6): pure functions of (memory, rating,
settings, now), so computing the next state is separate from saving it and tests fix time.

What fsrs leaves to us: a "new" card (ours: a card never reviewed), counters of reviews and
lapses, undo (a snapshot kept with each log row), and the learner's day.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import lru_cache

import fsrs
from fsrs.scheduler import DEFAULT_PARAMETERS

# After this many failures a card is a leech: the question, not the learner's memory, is
# probably the problem, so it is set aside and flagged to the learner and their instructors.
LEECH_THRESHOLD = 8


class Rating(enum.IntEnum):
    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4

    @property
    def label(self) -> str:
        return self.name.capitalize()


class CardState(enum.IntEnum):
    LEARNING = 1
    REVIEW = 2
    RELEARNING = 3


@dataclass(frozen=True)
class ReviewSettings:
    desired_retention: float = 0.9
    maximum_interval_days: int = 36500
    # On in production so cards learned together drift apart; off in tests for known dates.
    fuzz: bool = True
    # The memory model's 21 FSRS-6 weights: FSRS's defaults until one fitted to the learner,
    # or to everyone on the site, predicts their reviews better (core/memory_model.py).
    parameters: tuple[float, ...] = DEFAULT_PARAMETERS


@dataclass(frozen=True)
class Memory:
    """A learner's memory of one question as FSRS models it, plus our own counters."""

    due: datetime
    state: CardState = CardState.LEARNING
    step: int | None = 0
    stability: float | None = None
    difficulty: float | None = None
    last_review: datetime | None = None
    reps: int = 0
    lapses: int = 0

    @property
    def is_new(self) -> bool:
        return self.reps == 0

    @property
    def is_leech(self) -> bool:
        return self.lapses >= LEECH_THRESHOLD


def sets_aside(lapses: int) -> bool:
    """Whether the failure that brings a card to `lapses` sets it aside as a leech: at the
    threshold, then every half threshold more, as Anki does, so a learner who chose to keep
    reviewing it is asked again if it keeps failing."""
    beyond = lapses - LEECH_THRESHOLD
    return beyond >= 0 and beyond % (LEECH_THRESHOLD // 2) == 0


def new_memory(now: datetime) -> Memory:
    """A card never reviewed, due at once."""
    return Memory(due=now)


@lru_cache(maxsize=64)
def _scheduler(settings: ReviewSettings) -> fsrs.Scheduler:
    return fsrs.Scheduler(
        parameters=settings.parameters,
        desired_retention=settings.desired_retention,
        maximum_interval=settings.maximum_interval_days,
        enable_fuzzing=settings.fuzz,
    )


def _card(memory: Memory) -> fsrs.Card:
    # card_id is given so fsrs does not derive one from the clock (it sleeps to do that).
    return fsrs.Card(
        card_id=1,
        state=fsrs.State(int(memory.state)),
        step=memory.step,
        stability=memory.stability,
        difficulty=memory.difficulty,
        due=memory.due,
        last_review=memory.last_review,
    )


def review(memory: Memory, rating: Rating, now: datetime, settings: ReviewSettings) -> Memory:
    """The memory after a review at `now` (timezone-aware); `memory` itself is unchanged."""
    if now.tzinfo is None:
        raise ValueError("review times must be timezone-aware")
    card, _ = _scheduler(settings).review_card(_card(memory), fsrs.Rating(int(rating)), now)
    return Memory(
        due=card.due,
        state=CardState(int(card.state)),
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        last_review=card.last_review,
        reps=memory.reps + 1,
        lapses=memory.lapses + (rating is Rating.AGAIN),
    )


# As in Anki, load balancing stops at three months: a day either way then changes nothing.
MAX_LOAD_BALANCE_INTERVAL = 90
# A light day (Anki's "easy days") counts as this share of a normal day, so it gets about half
# the reviews.
LIGHT_DAY_SHARE = 0.5


def fuzz_range(interval_days: int, maximum_interval_days: int) -> tuple[int, int]:
    """The intervals, in days and both inclusive, fsrs may fuzz `interval_days` to: its own
    bounds (and Anki's), so a balanced interval is one fuzz could have given."""
    delta = 1.0 + sum(
        factor * max(min(float(interval_days), end) - start, 0.0)
        for start, end, factor in ((2.5, 7.0, 0.15), (7.0, 20.0, 0.1), (20.0, math.inf, 0.05))
    )
    low = max(2, round(interval_days - delta))
    high = min(round(interval_days + delta), maximum_interval_days)
    return min(low, high), high


def balanced_interval(target: int, days: Sequence[tuple[int, int, bool]]) -> int:
    """Load balancing as in Anki 24.11, with its choice made plain: among `days` (an interval
    within the fuzz range, the cards already due on that day, whether it is a light day),
    the day with the fewest cards due, a light day counting as half a day; ties go to the
    interval nearest `target`, then the shorter."""

    def load(day: tuple[int, int, bool]) -> tuple[float, int, int]:
        interval, due, light = day
        return (due / (LIGHT_DAY_SHARE if light else 1.0), abs(interval - target), interval)

    return min(days, key=load)[0]


def light_weekdays(mask: int) -> frozenset[int]:
    """The weekdays (0 Monday to 6 Sunday) a learner marked light, stored as bits."""
    return frozenset(day for day in range(7) if mask >> day & 1)


def light_days_mask(weekdays: Iterable[int]) -> int:
    return sum(1 << day for day in set(weekdays))


def before_due_date(after: Memory, now: datetime, due_date: datetime | None) -> Memory:
    """The memory a review leaves, its next review brought forward to a day before `due_date`
    (the earliest due date of the learner's assignments not yet due that hold the card) when
    it would otherwise come on it or after it; never later than FSRS's own choice.

    FSRS aims each interval at the learner's desired retention at the next review, so recall
    at a due date before that review stays above it. A class works to due dates, though, and
    a review the day before one brings recall back near certainty when it counts, as exam
    preparation in Anki does by reviewing ahead. An interval shorter than a day is left alone:
    learning steps already come back within the day."""
    if due_date is None or after.state is not CardState.REVIEW or after.due < due_date:
        return after
    eve = due_date - timedelta(days=1)
    if eve - now < timedelta(days=1):
        return after
    return replace(after, due=eve)


def preview(memory: Memory, now: datetime, settings: ReviewSettings) -> dict[Rating, Memory]:
    """The memory each rating would give, as on Anki's answer buttons."""
    return {rating: review(memory, rating, now, settings) for rating in Rating}


# FSRS-6's forgetting curve, R = (1 + factor * t / S) ** -w20 with factor = 0.9 ** (-1 / w20) - 1,
# written out so a gradebook can evaluate tens of thousands of cards without building an
# fsrs.Card for each; a test checks it against fsrs's own function.
def recall_probability(
    stability: float | None,
    last_review: datetime | None,
    at: datetime,
    decay_weight: float = DEFAULT_PARAMETERS[20],
) -> float:
    """The chance (0 to 1) of recalling an answer at `at`; 0 for a card never reviewed.
    As in fsrs, only whole days since the last review count. `decay_weight` is w20 of the
    learner's memory model, the shape of their forgetting curve."""
    if stability is None or last_review is None:
        return 0.0
    elapsed_days = max(0, (at - last_review).days)
    factor = 0.9 ** (-1 / decay_weight) - 1
    return (1 + factor * elapsed_days / stability) ** -decay_weight


def retrievability(memory: Memory, now: datetime) -> float:
    """The chance (0 to 1) of recalling the answer at `now`; 0 for a card never reviewed."""
    if memory.is_new:
        return 0.0
    return recall_probability(memory.stability, memory.last_review, now)


@dataclass(frozen=True)
class LoggedReview:
    rating: Rating
    reviewed_at: datetime
    due: datetime
    # The weights that scheduled this review, as its log row records them.
    parameters: tuple[float, ...] = DEFAULT_PARAMETERS


def replay(
    reviews: Iterable[LoggedReview], *, created: datetime, settings: ReviewSettings
) -> Memory:
    """The memory a card's review log leads to. Fuzzing only moves due dates, so the memory
    state is recomputed exactly and the due dates are taken from the log."""
    memory = new_memory(created)
    for logged in reviews:
        step = replace(settings, fuzz=False, parameters=logged.parameters)
        memory = replace(review(memory, logged.rating, logged.reviewed_at, step), due=logged.due)
    return memory


def suggested_rating(score: float) -> Rating:
    """The rating an answer's grade suggests (a fraction of full marks): a wrong answer
    Again, a partly right one Hard, a right one Good. The learner may pick any of the four:
    a lucky guess deserves Again, an answer known cold Easy."""
    if score >= 1:
        return Rating.GOOD
    return Rating.HARD if score > 0 else Rating.AGAIN


_UNITS = {"min": "minute", "h": "hour", "d": "day", "mo": "month", "y": "year"}


def spell_interval(wait: timedelta) -> str:
    """`format_interval` in words, as a screen reader should say it: "1 minute", "8 days",
    "2.5 months"."""
    number, unit = format_interval(wait).split()
    word = _UNITS[unit]
    return f"{number} {word}" if number == "1" else f"{number} {word}s"


def format_interval(wait: timedelta) -> str:
    """A wait in the units a learner thinks in: "1 min", "10 min", "3 h", "4 d", "2.5 mo"."""
    seconds = max(0.0, wait.total_seconds())
    minutes, hours, days = seconds / 60, seconds / 3600, seconds / 86400
    if minutes < 60:
        return f"{max(1, round(minutes))} min"
    if hours < 24:
        return f"{round(hours)} h"
    if days < 30:
        return f"{round(days)} d"
    if days < 365:
        return f"{days / 30:.1f} mo".replace(".0 ", " ")
    return f"{days / 365:.1f} y".replace(".0 ", " ")
