"""Workload forecasts: the new questions, reviews and minutes a day a learner can expect while
learning a set of questions by a date, from fsrs-rs's simulator (Anki's own workload simulator)
run on FSRS weights.

The simulator draws ratings at random, and one learner's few dozen questions make lumpy days
that say more about the dice than about the work; so a "typical learner" is the mean of many
simulated at once (a deck of their questions together), with a fixed seed so that the same
inputs always give the same figures."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import fsrs_rs_python as engine

from quizapp.core.words import plural

# A forecast stops a year out: FSRS's weights, a class and a course all change before then.
MAX_DAYS = 365
# About this many simulated cards in all, however few questions: a year of 4,000 cards takes
# the simulator some 40 ms, and averages out its dice to a tenth of a review a day.
SIMULATED_CARDS = 4000
SEED = 0
DATE_PATTERN = "%d %b"

# Anki's simulator's times, in seconds, by the card's state (learning, review, relearning) and
# the rating (Again, Hard, Good, Easy): measured on Anki users' logs.
_DEFAULTS = engine.default_simulator_config()


class ForecastRefused(ValueError):
    """Input no forecast can be made for; the message says what to change."""


@dataclass(frozen=True)
class Horizon:
    """The days a forecast covers: today through the due day, at most MAX_DAYS."""

    days: int
    clipped: bool

    @property
    def note(self) -> str | None:
        if not self.clipped:
            return None
        return f"Shown for the first {MAX_DAYS} days only: the due date is further off."


def horizon(today: date, due: date) -> Horizon:
    """The days from today through the due day; refused once the due day has passed."""
    if due < today:
        raise ForecastRefused("That due date has passed: choose one in the future.")
    days = (due - today).days + 1
    return Horizon(min(days, MAX_DAYS), days > MAX_DAYS)


@dataclass(frozen=True)
class DayLoad:
    """One day (or week) of a typical learner's work: questions met for the first time in a
    quiz, reviews of questions met on earlier days, and the minutes both take."""

    day_index: int
    new: float
    reviews: float
    minutes: float


@dataclass(frozen=True)
class Forecast:
    days: tuple[DayLoad, ...]
    new_cards: int
    # What a review takes in these figures, on average, and whether it was measured on the
    # learners' own logged reviews or is the simulator's default.
    seconds_per_review: float
    measured: bool

    @property
    def empty(self) -> bool:
        return self.new_cards == 0 or not self.days

    @property
    def total_reviews(self) -> float:
        return sum(day.reviews for day in self.days)

    @property
    def total_minutes(self) -> float:
        return sum(day.minutes for day in self.days)

    def weeks(self) -> tuple[DayLoad, ...]:
        """The days in sevens from the first, each week's load summed."""
        return tuple(
            DayLoad(
                start,
                sum(day.new for day in self.days[start : start + 7]),
                sum(day.reviews for day in self.days[start : start + 7]),
                sum(day.minutes for day in self.days[start : start + 7]),
            )
            for start in range(0, len(self.days), 7)
        )

    def table(self, start: date) -> tuple[str, list[tuple[date, DayLoad]]]:
        """Rows for a table: by day up to a month, by week beyond (a year of days is no table
        to read), with the heading of the first column."""
        by_week = len(self.days) > 31
        rows = self.weeks() if by_week else self.days
        return (
            "Week starting" if by_week else "Day",
            [(start + timedelta(days=row.day_index), row) for row in rows],
        )

    def summary(self, *, start: date, who: str) -> str:
        """One line: "A typical learner: about 3 new questions and 6 reviews a day, 4 minutes,
        until 14 Dec." """
        if self.empty:
            return f"{who}: nothing to learn, so no reviews."
        count = len(self.days)
        last = (start + timedelta(days=count - 1)).strftime(DATE_PATTERN)
        new = _about(sum(day.new for day in self.days) / count, "new question")
        reviews = _about(self.total_reviews / count, "review")
        minutes = self.total_minutes / count
        time = "under a minute" if minutes < 0.5 else f"{plural(round(minutes), 'minute')}"
        if self.total_reviews < 0.05:
            # Due today or tomorrow: the questions are met before any can come back.
            return f"{who}: about {new} a day and no reviews yet, {time}, until {last}."
        return f"{who}: about {new} and {reviews} a day, {time}, until {last}."

    def timing(self, whose: str) -> str:
        """Where the minutes come from, in words."""
        seconds = round(self.seconds_per_review)
        if self.measured:
            return (
                f"Minutes assume {seconds} seconds a review, the median of {whose} timed "
                "reviews, and proportionately longer for new questions and forgotten ones."
            )
        return (
            f"Minutes assume about {seconds} seconds a review, the typical time in Anki's "
            f"workload simulator: {whose} reviews are too few to time yet."
        )


def _about(value: float, noun: str) -> str:
    # A tenth of a question a day is not none: below one, a decimal says how rare it is.
    if 0 < value < 0.95:
        return f"{value:.1f} {noun}s"
    return plural(round(value), noun)


def default_seconds_per_review(desired_retention: float) -> float:
    """The simulator's mean time for a review at this retention: a recalled card's time by
    how often each passing rating is given, a forgotten one's for the rest."""
    again, *passing = _DEFAULTS.state_rating_costs[1]
    shares = _DEFAULTS.review_rating_prob
    recalled = sum(share * cost for share, cost in zip(shares, passing, strict=True))
    return desired_retention * recalled + (1 - desired_retention) * again


def forecast(
    parameters: Sequence[float],
    *,
    desired_retention: float,
    new_cards: int,
    days: int,
    learn_days: int | None = None,
    seconds_per_review: float | None = None,
) -> Forecast:
    """The mean day-by-day load, for `days` days, of a learner who meets `new_cards` questions
    evenly over `learn_days` days (by default the `days`; more spreads them beyond the
    forecast) and reviews them with these FSRS weights at this retention. Without
    `seconds_per_review`, Anki's simulator times are used; with it, they are scaled so that a
    review takes that long on average."""
    if not 1 <= days <= MAX_DAYS:
        raise ForecastRefused(f"A forecast covers 1 to {MAX_DAYS} days.")
    if new_cards < 0:
        raise ForecastRefused("The number of questions cannot be negative.")
    if not 0 < desired_retention < 1:
        raise ForecastRefused("The desired retention is a share between 0 and 1.")
    learn_days = days if learn_days is None else max(1, learn_days)
    default_seconds = default_seconds_per_review(desired_retention)
    measured = seconds_per_review is not None and seconds_per_review > 0
    seconds = seconds_per_review if measured else default_seconds
    if new_cards == 0:
        # The simulator refuses an empty deck; nothing to learn is no work at all.
        empty = tuple(DayLoad(n, 0.0, 0.0, 0.0) for n in range(days))
        return Forecast(empty, 0, seconds, measured)
    learners = max(1, SIMULATED_CARDS // new_cards)
    deck = new_cards * learners
    config = engine.default_simulator_config()
    config.deck_size = deck
    config.learn_span = days
    config.learn_limit = math.ceil(deck / learn_days)
    # No daily caps: the forecast is of the work there is, not of what a cap would leave.
    config.max_cost_perday = math.inf
    scale = seconds / default_seconds
    config.state_rating_costs = [
        [cost * scale for cost in costs] for costs in _DEFAULTS.state_rating_costs
    ]
    result = engine.simulate(list(parameters), desired_retention, config, SEED)
    loads = tuple(
        DayLoad(n, learned / learners, reviewed / learners, cost / learners / 60)
        for n, (learned, reviewed, cost) in enumerate(
            zip(
                result.learn_cnt_per_day,
                result.review_cnt_per_day,
                result.cost_per_day,
                strict=True,
            )
        )
    )
    return Forecast(loads, new_cards, seconds, measured)


def combined(forecasts: Iterable[Forecast], days: int) -> tuple[DayLoad, ...]:
    """Several forecasts' loads added day by day over `days` days (shorter ones count as 0)."""
    totals = [[0.0, 0.0, 0.0] for _ in range(days)]
    for each in forecasts:
        for day in each.days[:days]:
            total = totals[day.day_index]
            total[0] += day.new
            total[1] += day.reviews
            total[2] += day.minutes
    return tuple(DayLoad(n, *total) for n, total in enumerate(totals))
