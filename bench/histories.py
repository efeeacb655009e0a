"""Review histories made by the app's own scheduler, to copy onto the synthetic learners' cards.

A history is simulated once, for one card, from the moment its question was first answered,
as a learner of some diligence and skill would review it. Shifting a whole history in time
keeps every interval, so a card built from a shifted history is exactly what the app would
have computed (`flask srs rebuild --check` agrees): tens of thousands of cards can share a few
hundred histories, and a prefix of a history is a valid shorter history.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from quizapp.core.scheduling import (
    CardState,
    Memory,
    Rating,
    ReviewSettings,
    new_memory,
    retrievability,
    review,
)

# Any instant will do: histories are stored as seconds after the card was created.
ORIGIN = datetime(2000, 1, 3, 18, tzinfo=UTC)
# The app's defaults (every synthetic learner keeps them): fuzzing on, as in production.
SETTINGS = ReviewSettings(desired_retention=0.9, maximum_interval_days=36500, fuzz=True)
# As in services/reviews.py: learning steps due this soon are shown in the same session.
LEARN_AHEAD_S = 20 * 60
# A review card counts as due until the learner's day ends, some hours after an evening session.
DAY_LEFT_S = 8 * 3600


@dataclass(frozen=True)
class Card:
    """A card's columns, times in seconds after its creation (last_review None when new)."""

    due: int
    state: int
    step: int | None
    stability: float | None
    difficulty: float | None
    last_review: int | None
    reps: int
    lapses: int


NEW = Card(
    due=0, state=1, step=0, stability=None, difficulty=None, last_review=None, reps=0, lapses=0
)


@dataclass(frozen=True)
class Review:
    """One review of a history: when, the rating, how long it took, and the card after it."""

    at: int
    rating: int
    duration_ms: int
    after: Card


@dataclass(frozen=True)
class Profile:
    """How a learner reviews: the chance of a session on any day, and of knowing an answer."""

    diligence: float
    skill: float


def _seconds(instant: datetime) -> int:
    offset = instant - ORIGIN
    # The scheduler works in whole minutes and days, so nothing is lost here.
    assert offset.microseconds == 0, offset
    return int(offset.total_seconds())


def _card(memory: Memory) -> Card:
    return Card(
        due=_seconds(memory.due),
        state=int(memory.state),
        step=memory.step,
        stability=memory.stability,
        difficulty=memory.difficulty,
        last_review=None if memory.last_review is None else _seconds(memory.last_review),
        reps=memory.reps,
        lapses=memory.lapses,
    )


def _is_due(memory: Memory, at: datetime) -> bool:
    if memory.state == CardState.REVIEW:
        return memory.due < at + timedelta(seconds=DAY_LEFT_S)
    return memory.due <= at + timedelta(seconds=LEARN_AHEAD_S)


def _rating(memory: Memory, at: datetime, skill: float, rng: random.Random) -> Rating:
    recall = skill if memory.is_new else retrievability(memory, at) * (0.9 + 0.1 * skill)
    if rng.random() >= recall:
        return Rating.AGAIN
    return rng.choices((Rating.HARD, Rating.GOOD, Rating.EASY), (12, 78, 10))[0]


def simulate(profile: Profile, days: int, rng: random.Random) -> list[Review]:
    """One card's reviews over `days` days after its question was first answered."""
    memory = new_memory(ORIGIN)
    reviews: list[Review] = []
    for day in range(days):
        # Some learners review the new card the same evening, the rest on a later day.
        if not rng.random() < (profile.diligence if day else profile.diligence / 2):
            continue
        at = ORIGIN + timedelta(days=day, minutes=rng.randint(20 if day == 0 else -60, 90))
        if reviews and at <= ORIGIN + timedelta(seconds=reviews[-1].at):
            continue
        if not _is_due(memory, at):
            continue
        # A session: a card in learning steps (minutes apart) comes back in the same session,
        # a few minutes early at most, until it graduates to days.
        while True:
            rating = _rating(memory, at, profile.skill, rng)
            memory = review(memory, rating, at, SETTINGS)
            seconds = rng.randint(4, 40)
            reviews.append(Review(_seconds(at), int(rating), seconds * 1000, _card(memory)))
            if memory.state == CardState.REVIEW:
                break
            at = max(
                at + timedelta(seconds=seconds + rng.randint(20, 240)),
                memory.due - timedelta(seconds=rng.randint(0, 300)),
            )
    return reviews


def library(profile_of: dict[str, tuple[float, float]], count: int, days: int, seed: int):
    """`count` histories for each kind of reviewer, whose diligence and skill are drawn from
    the ranges given. fsrs fuzzes intervals with the global `random`, seeded here so the same
    seed gives the same histories."""
    rng = random.Random(seed)
    state = random.getstate()
    random.seed(seed)
    try:
        return {
            kind: [
                simulate(Profile(rng.uniform(*diligence), rng.uniform(0.6, 0.95)), days, rng)
                for _ in range(count)
            ]
            for kind, diligence in profile_of.items()
        }
    finally:
        random.setstate(state)
