from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from quizapp.core.progress import (
    DailyGoal,
    LessonStatus,
    day_end,
    learner_day,
    lesson_status,
    percent,
    recall_of,
    streak,
)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("instant", "zone", "day"),
    [
        # Just after local midnight still belongs to the evening before: days end at 4 a.m.
        (utc(2026, 3, 10, 23, 30), "UTC", date(2026, 3, 10)),
        (utc(2026, 3, 11, 0, 30), "UTC", date(2026, 3, 10)),
        (utc(2026, 3, 11, 3, 59), "UTC", date(2026, 3, 10)),
        (utc(2026, 3, 11, 4, 0), "UTC", date(2026, 3, 11)),
        # The same instant is a different day in Tokyo (UTC+9) and in Los Angeles (UTC-7).
        (utc(2026, 3, 11, 20, 0), "Asia/Tokyo", date(2026, 3, 12)),
        (utc(2026, 3, 11, 20, 0), "America/Los_Angeles", date(2026, 3, 11)),
        (utc(2026, 3, 11, 10, 0), "America/Los_Angeles", date(2026, 3, 10)),
        # Half-hour zones.
        (utc(2026, 3, 10, 22, 29), "Asia/Kolkata", date(2026, 3, 10)),
        (utc(2026, 3, 10, 22, 30), "Asia/Kolkata", date(2026, 3, 11)),
    ],
)
def test_learner_day_follows_the_time_zone_and_the_4am_rollover(instant, zone, day):
    assert learner_day(instant, zone) == day


def test_day_end_is_4am_local_the_next_morning_even_across_a_clock_change():
    assert day_end(date(2026, 3, 10), "UTC") == utc(2026, 3, 11, 4)
    # Clocks in New York go forward on 8 March 2026: 4 a.m. is then UTC-4, not UTC-5.
    assert day_end(date(2026, 3, 7), "America/New_York") == utc(2026, 3, 8, 8)
    assert day_end(date(2026, 3, 8), "America/New_York") == utc(2026, 3, 9, 8)
    assert day_end(date(2026, 3, 6), "America/New_York") == utc(2026, 3, 7, 9)
    for zone in ("UTC", "Asia/Tokyo", "America/Los_Angeles"):
        end = day_end(date(2026, 5, 1), zone)
        assert learner_day(end - timedelta(seconds=1), zone) == date(2026, 5, 1)
        assert learner_day(end, zone) == date(2026, 5, 2)


def days(*offsets, today=date(2026, 5, 20)):
    return [today - timedelta(days=n) for n in offsets]


@pytest.mark.parametrize(
    ("active", "length", "today_active", "at_risk"),
    [
        ([], 0, False, False),
        (days(0), 1, True, False),
        (days(0, 1, 2), 3, True, False),
        # Not yet active today: yesterday's streak is still alive, but at risk.
        (days(1, 2), 2, False, True),
        # A gap of one day ends it.
        (days(2, 3, 4), 0, False, False),
        (days(0, 2, 3), 1, True, False),
    ],
)
def test_streak_counts_consecutive_days(active, length, today_active, at_risk):
    result = streak(active, date(2026, 5, 20))
    assert (result.days, result.active_today, result.at_risk) == (length, today_active, at_risk)


def test_a_streak_across_a_month_and_year_end():
    today = date(2027, 1, 2)
    assert streak([today - timedelta(days=n) for n in range(40)], today).days == 40


def test_lesson_status_and_percentages():
    assert lesson_status(started=False, completed=False) is LessonStatus.NOT_STARTED
    assert lesson_status(started=True, completed=False) is LessonStatus.IN_PROGRESS
    assert lesson_status(started=True, completed=True) is LessonStatus.COMPLETED
    assert percent(2, 3) == 66 and percent(0, 0) == 0 and percent(299, 300) == 99
    assert percent(5.9, 6) == 98 and percent(6, 6) == 100
    assert DailyGoal(25, 20).percent == 100 and DailyGoal(25, 20).met
    assert DailyGoal(5, 20).percent == 25 and not DailyGoal(5, 20).met


def test_recall_averages_the_cards_in_review_and_counts_unseen_questions_apart():
    recall = recall_of(questions=12, learned=7, in_review=[1.0] * 6)
    # Six recalled of six in review: 100%, not the 50% that counting the unseen would give.
    assert (recall.percent, recall.words) == (100, "100%")
    assert (recall.learned, recall.in_review, recall.not_learned) == (7, 6, 5)
    assert recall_of(questions=3, learned=3, in_review=[0.9, 0.8, 0.75]).words == "81%"


@pytest.mark.parametrize(
    ("learned", "words"), [(0, "Nothing learned yet"), (2, "All set aside as leeches")]
)
def test_recall_with_nothing_in_review_is_no_percentage(learned, words):
    recall = recall_of(questions=4, learned=learned, in_review=[])
    assert recall.percent is None and recall.words == words and "%" not in recall.words
    assert recall.not_learned == 4 - learned
