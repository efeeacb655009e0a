"""Memory models fitted to simulated learners whose memories differ from FSRS's defaults: the
fit predicts their later reviews better, and is kept; too little history, or broken input,
keeps the weights in use."""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, timedelta

import fsrs_rs_python as engine
import pytest

from quizapp.core.memory_model import (
    MIN_REVIEWS,
    ReviewEvent,
    Score,
    fit,
    score,
    training_items,
    valid_parameters,
)
from quizapp.core.scheduling import (
    DEFAULT_PARAMETERS,
    CardState,
    Memory,
    Rating,
    ReviewSettings,
    review,
)

START = datetime(2026, 1, 5, 9, tzinfo=UTC)


def weights(**changes: float) -> tuple[float, ...]:
    """FSRS's defaults with some weights scaled: w0..w3 are the first stabilities."""
    values = list(DEFAULT_PARAMETERS)
    for name, factor in changes.items():
        values[int(name[1:])] *= factor
    return tuple(values)


def simulate(true: tuple[float, ...], *, cards: int, days: int, seed: int) -> list[ReviewEvent]:
    """A learner whose memory follows `true`, scheduled with the defaults at 90% retention,
    as everyone is before a fit: each review is recalled with the probability `true` gives."""
    rng = random.Random(seed)
    scheduler, memory = engine.FSRS(list(DEFAULT_PARAMETERS)), engine.FSRS(list(true))
    decay = -true[20]
    factor = 0.9 ** (1 / decay) - 1
    events = []
    for card in range(cards):
        day, last, state, real = rng.randrange(0, days // 2), None, None, None
        while day < days:
            if state is None:
                rating = rng.choice((1, 3, 3, 3, 4))
            else:
                recall = (1 + factor * (day - last) / real.stability) ** decay
                rating = 3 if rng.random() < recall else 1
            elapsed = 0 if last is None else day - last
            at = START + timedelta(days=day, minutes=card)
            events.append(ReviewEvent(card, at, at.date(), rating))
            chosen = {1: "again", 3: "good", 4: "easy"}[rating]
            scheduled = getattr(scheduler.next_states(state, 0.9, elapsed), chosen)
            state, interval = scheduled.memory, scheduled.interval
            real = getattr(memory.next_states(real, 0.9, elapsed), chosen).memory
            last, day = day, day + max(1, round(interval))
    return events


# Learners unlike the defaults, each with the history (cards, days) a fit needs to show it.
LEARNERS = {
    "forgets fast": (weights(w0=0.25, w1=0.3, w2=0.4, w3=0.35, w8=0.7), 120, 150),
    "memory grows slowly": (weights(w8=0.5), 120, 150),
    "remembers long": (weights(w0=3.0, w1=3.0, w2=2.5, w3=2.0, w8=1.3), 250, 200),
    "finds it hard": (weights(w4=1.3, w6=1.5), 250, 200),
}


@pytest.mark.parametrize("name", LEARNERS)
def test_a_fit_to_a_learner_unlike_the_defaults_predicts_their_later_reviews_better(name):
    true, cards, days = LEARNERS[name]
    events = simulate(true, cards=cards, days=days, seed=7)
    result = fit(events)
    assert result.kept, result.reason
    assert result.reviews >= MIN_REVIEWS
    fitted, default = result.fitted, result.baseline
    # The figures, for whoever reads the test output (pytest -s).
    print(
        f"\n{name}: {result.reviews} reviews; held-out log loss {fitted.log_loss:.4f} "
        f"(defaults {default.log_loss:.4f}), RMSE {fitted.rmse:.4f} (defaults {default.rmse:.4f})"
    )
    assert fitted.log_loss < default.log_loss and fitted.rmse <= default.rmse
    assert valid_parameters(result.parameters) == result.parameters
    # Kept weights also do no worse than the defaults on the whole history.
    items = [item for _, item in training_items(events)]
    assert score(result.parameters, items).beats(score(DEFAULT_PARAMETERS, items))


def test_a_learner_with_too_little_history_keeps_the_weights_in_use():
    events = simulate(LEARNERS["forgets fast"][0], cards=12, days=40, seed=3)
    result = fit(events)
    assert not result.kept and result.parameters is None
    assert result.reason == f"too little history: {result.reviews} of {MIN_REVIEWS} reviews"
    assert fit([]).reason == f"too little history: 0 of {MIN_REVIEWS} reviews"


def test_weights_that_already_predict_best_are_not_replaced_by_a_worse_fit():
    true, cards, days = LEARNERS["remembers long"]
    events = simulate(true, cards=cards, days=days, seed=11)
    result = fit(events, current=true)
    if result.kept:  # a fit may beat even the true weights on a finite sample, never lose
        assert result.fitted.beats(result.baseline)
    else:
        assert result.reason in (
            "no better on the held-out reviews",
            "no better on the whole history",
        )


def test_duplicated_and_shuffled_rows_give_the_same_items():
    events = simulate(LEARNERS["forgets fast"][0], cards=20, days=60, seed=5)
    shuffled = list(events) * 2
    random.Random(1).shuffle(shuffled)

    def shape(items):
        return [(at, [repr(r) for r in item.reviews]) for at, item in items]

    assert shape(training_items(shuffled)) == shape(training_items(events))
    # A rating outside the four is not a review: it is left out, not trained on.
    odd = ReviewEvent(999, START, START.date(), 7)
    assert shape(training_items([*events, odd])) == shape(training_items(events))


def test_items_count_days_between_reviews_on_the_learners_calendar():
    late = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
    events = [
        ReviewEvent(1, late, date(2026, 3, 2), 3),
        # Half an hour later but the next learner day: one day elapsed, not zero.
        ReviewEvent(1, late + timedelta(minutes=30), date(2026, 3, 3), 3),
        ReviewEvent(1, late + timedelta(days=4), date(2026, 3, 7), 1),
    ]
    (_, first), (_, second) = training_items(events)
    assert [repr(r) for r in second.reviews] == [
        repr(engine.FSRSReview(3, 0)),
        repr(engine.FSRSReview(3, 1)),
        repr(engine.FSRSReview(1, 4)),
    ]
    assert len(first.reviews) == 2


@pytest.mark.parametrize(
    "weights_in",
    [
        None,
        [],
        list(DEFAULT_PARAMETERS[:20]),
        [*DEFAULT_PARAMETERS[:20], math.nan],
        [math.inf, *DEFAULT_PARAMETERS[1:]],
        [-1.0, *DEFAULT_PARAMETERS[1:]],
        [*DEFAULT_PARAMETERS[:20], 5.0],
    ],
)
def test_weights_that_are_missing_non_finite_or_out_of_range_are_refused(weights_in):
    assert valid_parameters(weights_in) is None


def test_a_score_beats_another_only_when_better_on_log_loss_and_no_worse_on_rmse():
    assert Score(0.30, 0.05).beats(Score(0.31, 0.05))
    assert not Score(0.30, 0.06).beats(Score(0.31, 0.05))
    assert not Score(0.31, 0.04).beats(Score(0.31, 0.05))


@pytest.mark.parametrize("weights_in", [DEFAULT_PARAMETERS, LEARNERS["forgets fast"][0]])
def test_the_engine_that_fits_and_the_scheduler_agree_on_the_same_21_weights(weights_in):
    """fsrs-rs scores the weights that fsrs then schedules with: same defaults, and the same
    memory after a review, to float32 precision."""
    assert list(engine.DEFAULT_PARAMETERS) == pytest.approx(list(DEFAULT_PARAMETERS), rel=1e-6)
    fitted = engine.FSRS(list(weights_in)).next_states(engine.MemoryState(5.0, 6.0), 0.9, 7)
    settings = ReviewSettings(fuzz=False, parameters=tuple(weights_in))
    before = Memory(
        due=START, state=CardState.REVIEW, stability=5.0, difficulty=6.0, last_review=START
    )
    for rating, state in ((Rating.GOOD, fitted.good), (Rating.AGAIN, fitted.again)):
        after = review(before, rating, START + timedelta(days=7), settings)
        assert after.stability == pytest.approx(state.memory.stability, rel=1e-5)
        assert after.difficulty == pytest.approx(state.memory.difficulty, rel=1e-5)
