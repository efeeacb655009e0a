"""Fitting a memory model to a review history, and keeping it only when it predicts better.

The engine is fsrs-rs, the Rust FSRS inside Anki (`fsrs_rs_python`): it trains the 21 FSRS-6
weights and scores them. The scheduler (`fsrs`, in scheduling.py) runs on the same 21
weights, so what is fitted here schedules as it was scored.

The rule, as Anki's maintainers require of re-optimisation: never worse. A history is split
in time; weights trained on the earlier part must predict the later part (reviews the fit
never saw) better than the weights in use, on log loss and on RMSE over bins. Only then are
the weights trained on the whole history kept, and only if they also do no worse than the
weights in use on the whole history (Anki's own check)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import fsrs_rs_python as engine
from fsrs.scheduler import DEFAULT_PARAMETERS, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS

# Below this many reviews a learner keeps the site's model (or the defaults): the later fifth
# held back to test a fit would be under 80 reviews, too few to tell a better model from luck,
# and a few hundred reviews is where FSRS fits start to differ reliably from the defaults.
MIN_REVIEWS = 400
# The later share of the history, in time, that the fit never sees and is judged on.
HELD_OUT_SHARE = 0.2


@dataclass(frozen=True)
class ReviewEvent:
    """One rating of one card, on the learner's day (which ends at 4 a.m. their time)."""

    card_id: int
    reviewed_at: datetime
    day: date
    rating: int


@dataclass(frozen=True)
class Score:
    log_loss: float
    rmse: float

    def beats(self, other: Score) -> bool:
        """Strictly better log loss, and RMSE no worse: better on what both measure."""
        return self.log_loss < other.log_loss and self.rmse <= other.rmse


@dataclass(frozen=True)
class Fit:
    """The outcome of fitting one history: the weights to keep (None when the ones in use
    stay, with the reason in words) and the scores on the held-out reviews."""

    reviews: int
    parameters: tuple[float, ...] | None
    reason: str
    fitted: Score | None = None
    baseline: Score | None = None

    @property
    def kept(self) -> bool:
        return self.parameters is not None


def training_items(events: Iterable[ReviewEvent]) -> list[tuple[datetime, engine.FSRSItem]]:
    """fsrs-rs's training items, each with the time of its last review: for every review of
    a card a day or more after the one before, the card's ratings so far with the days between
    them. Duplicate rows (the same card rated at the same instant) count once; order does not
    matter."""
    by_card: dict[int, dict[datetime, ReviewEvent]] = {}
    for event in events:
        if 1 <= event.rating <= 4:
            by_card.setdefault(event.card_id, {}).setdefault(event.reviewed_at, event)
    items = []
    for history in by_card.values():
        ordered = [history[at] for at in sorted(history)]
        reviews = []
        for index, event in enumerate(ordered):
            elapsed = max(0, (event.day - ordered[index - 1].day).days) if index else 0
            reviews.append(engine.FSRSReview(event.rating, elapsed))
            # An item is a prediction of recall after a gap of days: a same-day step (a
            # learning step) is context for later items, not one itself, as in Anki.
            if elapsed > 0:
                items.append((event.reviewed_at, engine.FSRSItem(list(reviews))))
    items.sort(key=lambda pair: pair[0])
    return items


def valid_parameters(parameters: Sequence[float] | None) -> tuple[float, ...] | None:
    """The weights as a tuple when there are 21 of them, all finite and within the bounds
    the scheduler accepts; else None."""
    if parameters is None or len(parameters) != len(DEFAULT_PARAMETERS):
        return None
    weights = tuple(float(w) for w in parameters)
    for weight, low, high in zip(
        weights, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS, strict=True
    ):
        if not math.isfinite(weight) or not low <= weight <= high:
            return None
    return weights


def score(parameters: Sequence[float], items: Sequence[engine.FSRSItem]) -> Score:
    evaluation = engine.FSRS(list(parameters)).evaluate(list(items))
    return Score(evaluation.log_loss, evaluation.rmse_bins)


def _train(items: Sequence[engine.FSRSItem]) -> tuple[float, ...] | None:
    return valid_parameters(engine.FSRS(list(DEFAULT_PARAMETERS)).compute_parameters(list(items)))


def fit(
    events: Iterable[ReviewEvent],
    current: Sequence[float] = DEFAULT_PARAMETERS,
    *,
    min_reviews: int = MIN_REVIEWS,
) -> Fit:
    """Fit weights to a history and say whether to keep them instead of `current`."""
    items = [item for _, item in training_items(events)]
    count = len(items)
    if count < min_reviews:
        return Fit(count, None, f"too little history: {count} of {min_reviews} reviews")
    cut = count - max(1, round(count * HELD_OUT_SHARE))
    earlier, later = items[:cut], items[cut:]
    trained = _train(earlier)
    if trained is None:
        return Fit(count, None, "the fit gave weights out of range")
    fitted, baseline = score(trained, later), score(current, later)
    if not math.isfinite(fitted.log_loss) or not fitted.beats(baseline):
        return Fit(count, None, "no better on the held-out reviews", fitted, baseline)
    final = _train(items)
    if final is None:
        return Fit(count, None, "the fit gave weights out of range", fitted, baseline)
    if not score(final, items).beats(score(current, items)):
        return Fit(count, None, "no better on the whole history", fitted, baseline)
    return Fit(count, final, "predicts the held-out reviews better", fitted, baseline)


def improvement_percent(fitted: Score, baseline: Score) -> int:
    """How much lower the fitted log loss is, as a whole percentage of the baseline's."""
    if baseline.log_loss <= 0:
        return 0
    return max(0, round(100 * (baseline.log_loss - fitted.log_loss) / baseline.log_loss))
