from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from quizapp.core.progress import (
    DailyGoal,
    DayOutcome,
    LessonStatus,
    NextAction,
    day_end,
    learner_day,
    lesson_status,
    next_action,
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


def run(today: date, *spans: tuple[int, int]) -> list[date]:
    """Active days: each span (first, last) counts days back from today, inclusive."""
    return [today - timedelta(days=n) for first, last in spans for n in range(last, first - 1, -1)]


TODAY = date(2026, 12, 1)


def outcomes(result, count: int) -> list[DayOutcome]:
    return [day.outcome for day in result.recent[-count:]]


def test_a_freeze_is_earned_at_7_and_14_days_and_at_most_two_are_held():
    assert streak(run(TODAY, (0, 5)), TODAY).freezes_held == 0
    assert streak(run(TODAY, (0, 6)), TODAY).freezes_held == 1
    assert streak(run(TODAY, (0, 12)), TODAY).freezes_held == 1
    assert streak(run(TODAY, (0, 13)), TODAY).freezes_held == 2
    # 21 days would earn a third: two are the most held.
    assert streak(run(TODAY, (0, 20)), TODAY).freezes_held == 2


def test_a_missed_day_spends_a_freeze_and_keeps_the_streak_without_lengthening_it():
    # Seven days earned a freeze; the day before yesterday was missed; yesterday and today count.
    result = streak(run(TODAY, (0, 1), (3, 9)), TODAY)
    assert (result.days, result.freezes_held, result.active_today) == (9, 0, True)
    assert outcomes(result, 4) == [
        DayOutcome.ACTIVE,
        DayOutcome.FROZEN,
        DayOutcome.ACTIVE,
        DayOutcome.ACTIVE,
    ]
    assert result.recent[-3].words == "Sun 29 Nov: freeze used"


def test_two_missed_days_with_one_freeze_break_the_streak():
    result = streak(run(TODAY, (0, 0), (3, 9)), TODAY)
    assert (result.days, result.freezes_held) == (1, 0)
    assert outcomes(result, 3) == [DayOutcome.FROZEN, DayOutcome.MISSED, DayOutcome.ACTIVE]


def test_two_freezes_cover_two_missed_days():
    result = streak(run(TODAY, (0, 0), (3, 16)), TODAY)
    assert (result.days, result.freezes_held) == (15, 0)
    assert outcomes(result, 3) == [DayOutcome.FROZEN, DayOutcome.FROZEN, DayOutcome.ACTIVE]


def test_no_freeze_is_spent_when_no_streak_is_alive():
    # Seven days earned a freeze, two missed days spent it and broke the streak; a new streak
    # of two days then starts with none, and the days before it stay missed, not frozen.
    result = streak(run(TODAY, (0, 1), (5, 11)), TODAY)
    assert (result.days, result.freezes_held) == (2, 0)
    assert outcomes(result, 5) == [
        DayOutcome.FROZEN,
        DayOutcome.MISSED,
        DayOutcome.MISSED,
        DayOutcome.ACTIVE,
        DayOutcome.ACTIVE,
    ]
    # A newcomer's history starts with their first day: no crosses for days before it.
    assert [d.outcome for d in streak([], TODAY).recent] == [DayOutcome.PENDING]


def test_today_not_yet_active_is_pending_never_a_missed_day():
    result = streak(run(TODAY, (1, 7)), TODAY)
    # The freeze earned at day 7 is kept for a day that is really missed, not spent on today.
    assert (result.days, result.freezes_held, result.active_today) == (7, 1, False)
    assert outcomes(result, 1) == [DayOutcome.PENDING]
    assert not result.at_risk, "a held freeze covers today if it is missed"
    assert streak(run(TODAY, (1, 3)), TODAY).at_risk
    assert "freeze keeps it" in result.advice
    assert result.freezes_words.startswith("1 streak freeze held: a missed day will not break")


def test_the_replay_decides_each_day_once_so_nothing_is_counted_twice():
    # The same days in any order, repeated, or with a future day (a clock or time zone change)
    # give the same streak: each day is decided once, in order, and a freeze can only fall on
    # a day without activity, never on one already counted.
    active = run(TODAY, (0, 1), (3, 9))
    expected = streak(active, TODAY)
    again = streak(list(reversed(active)) + active + [TODAY + timedelta(days=1)], TODAY)
    assert again == expected
    assert all(day.outcome is not DayOutcome.FROZEN for day in expected.recent if day.day in active)
    assert len(expected.recent) == 10 and expected.recent[-1].day == TODAY
    assert [d.day for d in expected.recent] == sorted({d.day for d in expected.recent})


def test_the_goal_is_met_by_one_increment_only():
    assert DailyGoal(20, 20).met_by(1)
    assert not DailyGoal(19, 20).met_by(1) and not DailyGoal(21, 20).met_by(1)
    assert DailyGoal(2, 1).met_by(2), "an increment of two can step over the goal"
    assert DailyGoal(20, 20).celebration == "Daily goal met: 20 answers today. Well done!"


def test_today_puts_reviews_first_then_the_lesson_then_the_assignment():
    def first(reviews=0, quiz=False, lesson=False, assignment=False):
        return next_action(
            reviews_waiting=reviews,
            quiz_unfinished=quiz,
            lesson_to_read=lesson,
            assignment_open=assignment,
        )

    assert first(reviews=12, quiz=True, lesson=True, assignment=True) is NextAction.REVIEW
    assert first(quiz=True, lesson=True, assignment=True) is NextAction.RESUME_QUIZ
    assert first(lesson=True, assignment=True) is NextAction.READ_LESSON
    assert first(assignment=True) is NextAction.ASSIGNMENT
    assert first() is NextAction.NOTHING
