"""Whether a class is moving: its work week by week, and the learners at risk of missing an
assignment, with the reason in words. Pure: the caller brings the evidence and the time."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from quizapp.core.words import plural

PROGRESS_WEEKS = 8
# A learner idle this long with work still due is flagged: a week is the rhythm of a class.
INACTIVE_DAYS = 7


def week_start(day: date) -> date:
    """The Monday of the day's week."""
    return day - timedelta(days=day.weekday())


def weekly_totals(
    counts: Iterable[tuple[date, int]], *, today: date, weeks: int = PROGRESS_WEEKS
) -> list[tuple[date, int]]:
    """(day, count) summed into the last `weeks` weeks, Monday to Sunday, oldest first, the
    current week included; days before the first week are left out."""
    first = week_start(today) - timedelta(weeks=weeks - 1)
    totals = {first + timedelta(weeks=n): 0 for n in range(weeks)}
    for day, count in counts:
        start = week_start(day)
        if start in totals:
            totals[start] += count
    return list(totals.items())


@dataclass(frozen=True)
class DueWork:
    """One assignment as it stands for one learner."""

    title: str
    due_at: datetime
    done: bool
    pass_mark: int | None
    # Predicted recall over its questions at the due date; None before any review.
    recall_at_due: int | None


def _due_in(due_at: datetime, now: datetime) -> str:
    days = math.floor((due_at - now) / timedelta(days=1))
    return "due within a day" if days < 1 else f"due in {plural(days, 'day')}"


def at_risk_reasons(
    work: Sequence[DueWork], *, last_active: date | None, today: date, now: datetime
) -> list[str]:
    """Why a learner may miss what is still ahead of them, in words, most pressing first;
    empty when they are on track. Two signals: no activity for `INACTIVE_DAYS` while
    unfinished work is due, and, for work already passed, predicted recall at its due date
    under the pass mark (passing a quiz once is not remembering it on the day). Work not yet
    done has low predicted recall by nature: its status says so, not this."""
    ahead = sorted((w for w in work if w.due_at > now), key=lambda w: w.due_at)
    reasons = []
    unfinished = [w for w in ahead if not w.done]
    idle = None if last_active is None else (today - last_active).days
    if unfinished and (idle is None or idle >= INACTIVE_DAYS):
        soonest = unfinished[0]
        since = "Never active" if idle is None else f"Not active for {plural(idle, 'day')}"
        reasons.append(f"{since}, with “{soonest.title}” {_due_in(soonest.due_at, now)}")
    for w in ahead:
        forgetting = w.done and w.recall_at_due is not None and w.pass_mark is not None
        if forgetting and w.recall_at_due < w.pass_mark:
            reasons.append(
                f"Predicted recall of “{w.title}” at its due date is {w.recall_at_due}%, "
                f"under the pass mark of {w.pass_mark}%"
            )
    return reasons
