"""Workload forecasts from Anki's simulator: sane figures, more questions more work, and input
that cannot be forecast refused in words."""

from __future__ import annotations

import time
from datetime import date

import pytest

from quizapp.core.scheduling import DEFAULT_PARAMETERS
from quizapp.core.workload import (
    MAX_DAYS,
    ForecastRefused,
    combined,
    default_seconds_per_review,
    forecast,
    horizon,
)

TODAY = date(2026, 12, 1)


def typical(new_cards: int, days: int = 14, **options):
    return forecast(
        DEFAULT_PARAMETERS, desired_retention=0.9, new_cards=new_cards, days=days, **options
    )


def test_a_lessons_questions_are_met_evenly_then_reviewed():
    result = typical(28)
    assert len(result.days) == 14
    assert [round(day.new, 6) for day in result.days] == [2.0] * 14
    # Nothing met yet comes back on the first day; from then on, more each day on average.
    assert result.days[0].reviews == 0
    assert 0 < result.total_reviews < 28 * 14
    assert all(day.minutes > 0 for day in result.days)
    # At about 14 seconds a review, and longer to learn: minutes in proportion.
    assert result.total_reviews * 14 / 60 < result.total_minutes < result.total_reviews + 28


def test_more_questions_more_reviews_and_minutes():
    small, large = typical(10), typical(60)
    assert large.total_reviews > 4 * small.total_reviews
    assert large.total_minutes > 4 * small.total_minutes


def test_the_same_input_gives_the_same_forecast():
    assert typical(17) == typical(17)


def test_a_higher_retention_asks_for_more_reviews():
    lax = forecast(DEFAULT_PARAMETERS, desired_retention=0.8, new_cards=30, days=60)
    strict = forecast(DEFAULT_PARAMETERS, desired_retention=0.95, new_cards=30, days=60)
    assert strict.total_reviews > lax.total_reviews


def test_measured_seconds_scale_the_minutes_not_the_reviews():
    assumed, measured = typical(30), typical(30, seconds_per_review=7)
    assert not assumed.measured and measured.measured
    assert assumed.seconds_per_review == pytest.approx(default_seconds_per_review(0.9))
    assert measured.total_reviews == assumed.total_reviews
    ratio = 7 / default_seconds_per_review(0.9)
    assert measured.total_minutes == pytest.approx(assumed.total_minutes * ratio)
    assert "7 seconds a review, the median of this class's timed reviews" in measured.timing(
        "this class's"
    )
    assert "Anki's workload simulator" in assumed.timing("this class's")


def test_nothing_to_learn_is_an_empty_forecast():
    result = typical(0)
    assert result.empty and result.total_reviews == 0 and result.total_minutes == 0
    assert len(result.days) == 14
    assert result.summary(start=TODAY, who="A typical learner") == (
        "A typical learner: nothing to learn, so no reviews."
    )


def test_the_summary_reads_as_one_line():
    result = typical(28)
    line = result.summary(start=TODAY, who="A typical learner")
    assert line.startswith("A typical learner: about 2 new questions and ")
    assert line.endswith(" minutes, until 14 Dec.")
    # A question every few days is not rounded to none.
    assert "about 0.2 new questions" in typical(3).summary(start=TODAY, who="You")
    assert (
        typical(12, days=1)
        .summary(start=TODAY, who="You")
        .startswith("You: about 12 new questions a day and no reviews yet, ")
    )


def test_learning_may_spread_beyond_the_forecast():
    result = typical(30, days=10, learn_days=30)
    assert sum(day.new for day in result.days) == pytest.approx(10)


def test_a_due_date_in_the_past_is_refused():
    with pytest.raises(ForecastRefused, match="has passed"):
        horizon(TODAY, date(2026, 11, 30))
    assert horizon(TODAY, TODAY).days == 1


def test_a_far_due_date_is_clipped_and_says_so():
    near = horizon(TODAY, date(2026, 12, 14))
    assert (near.days, near.clipped, near.note) == (14, False, None)
    far = horizon(TODAY, date(2030, 1, 1))
    assert (far.days, far.clipped) == (MAX_DAYS, True)
    assert far.note == f"Shown for the first {MAX_DAYS} days only: the due date is further off."
    year = typical(40, days=far.days)
    label, rows = year.table(TODAY)
    assert label == "Week starting" and len(rows) == 53 and rows[1][0] == date(2026, 12, 8)
    assert sum(row.reviews for _, row in rows) == pytest.approx(year.total_reviews)
    assert typical(40).table(TODAY)[0] == "Day"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"days": 0}, "covers 1 to"),
        ({"days": MAX_DAYS + 1}, "covers 1 to"),
        ({"new_cards": -1}, "cannot be negative"),
        ({"desired_retention": 1.0}, "between 0 and 1"),
    ],
)
def test_impossible_input_is_refused(changes, message):
    options = {"desired_retention": 0.9, "new_cards": 10, "days": 14, **changes}
    with pytest.raises(ForecastRefused, match=message):
        forecast(DEFAULT_PARAMETERS, **options)


def test_forecasts_add_up_day_by_day():
    a, b = typical(10, days=5), typical(20, days=3)
    total = combined([a, b], 5)
    # A day's share of a deck that does not divide evenly is rounded up, the last day's down.
    assert [day.new for day in total] == pytest.approx([2 + 20 / 3] * 3 + [2, 2], abs=0.01)
    assert combined([], 2)[1].reviews == 0


def test_a_year_of_a_whole_course_is_quick():
    started = time.perf_counter()
    typical(250, days=MAX_DAYS)
    assert time.perf_counter() - started < 0.3
