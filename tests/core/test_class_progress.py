"""A class over time: weekly totals, and who is at risk and why."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from quizapp.core.class_progress import DueWork, at_risk_reasons, weekly_totals

NOW = datetime(2026, 12, 9, 12, 0, tzinfo=UTC)  # a Wednesday
TODAY = NOW.date()


def work(title="Safety", *, days=3.0, done=False, pass_mark=70, recall=None) -> DueWork:
    return DueWork(title, NOW + timedelta(days=days), done, pass_mark, recall)


def test_weekly_totals_run_monday_to_sunday_oldest_first():
    counts = [(date(2026, 12, 7), 2), (date(2026, 12, 9), 3), (date(2026, 12, 6), 4)]
    weeks = weekly_totals([*counts, (date(2026, 10, 1), 99)], today=TODAY, weeks=3)
    assert weeks == [(date(2026, 11, 23), 0), (date(2026, 11, 30), 4), (date(2026, 12, 7), 5)]


def test_a_week_idle_with_work_due_is_at_risk():
    reasons = at_risk_reasons([work()], last_active=TODAY - timedelta(days=7), today=TODAY, now=NOW)
    assert reasons == ["Not active for 7 days, with “Safety” due in 3 days"]
    # Six days idle, the work done, or its due date past: on track.
    assert (
        at_risk_reasons([work()], last_active=TODAY - timedelta(days=6), today=TODAY, now=NOW) == []
    )
    assert at_risk_reasons([work(done=True)], last_active=None, today=TODAY, now=NOW) == []
    assert at_risk_reasons([work(days=-1)], last_active=None, today=TODAY, now=NOW) == []
    never = at_risk_reasons([work(days=0.5)], last_active=None, today=TODAY, now=NOW)
    assert never == ["Never active, with “Safety” due within a day"]


def test_recall_predicted_under_the_pass_mark_is_at_risk_even_when_passed():
    forgetting = work(done=True, recall=52)
    reasons = at_risk_reasons([forgetting], last_active=TODAY, today=TODAY, now=NOW)
    assert reasons == [
        "Predicted recall of “Safety” at its due date is 52%, under the pass mark of 70%"
    ]
    assert (
        at_risk_reasons([work(done=True, recall=70)], last_active=TODAY, today=TODAY, now=NOW) == []
    )
    # Not done yet, recall is low by nature: the status says so.
    assert at_risk_reasons([work(recall=10)], last_active=TODAY, today=TODAY, now=NOW) == []
    assert (
        at_risk_reasons([work(recall=10, pass_mark=None)], last_active=TODAY, today=TODAY, now=NOW)
        == []
    )
