"""Progress arithmetic: a learner's day, streaks, lesson status, scores. Time is an argument."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# A learner's day ends at 4 a.m. local time, as in Anki: a session just after midnight still
# counts for the evening it belongs to, and never breaks a streak.
DAY_STARTS_AT = time(4)


def learner_day(instant: datetime, time_zone: str) -> date:
    """The learner's calendar day that `instant` (aware) falls in."""
    local = instant.astimezone(ZoneInfo(time_zone))
    return (local - timedelta(hours=DAY_STARTS_AT.hour)).date()


def day_end(day: date, time_zone: str) -> datetime:
    """The UTC instant the learner's `day` ends: 4 a.m. local on the next calendar day."""
    local = datetime.combine(day + timedelta(days=1), DAY_STARTS_AT, ZoneInfo(time_zone))
    return local.astimezone(UTC)


@dataclass(frozen=True)
class Streak:
    days: int
    active_today: bool

    @property
    def at_risk(self) -> bool:
        """Alive thanks to yesterday, and lost tomorrow unless the learner does something today."""
        return self.days > 0 and not self.active_today


def streak(active_days: Iterable[date], today: date) -> Streak:
    """Consecutive active days ending today, or ending yesterday if today is not active yet."""
    days = set(active_days)
    active_today = today in days
    cursor = today if active_today else today - timedelta(days=1)
    length = 0
    while cursor in days:
        length += 1
        cursor -= timedelta(days=1)
    return Streak(length, active_today)


class LessonStatus(enum.Enum):
    NOT_STARTED = "not started"
    IN_PROGRESS = "in progress"
    COMPLETED = "completed"


def lesson_status(*, started: bool, completed: bool) -> LessonStatus:
    if completed:
        return LessonStatus.COMPLETED
    return LessonStatus.IN_PROGRESS if started else LessonStatus.NOT_STARTED


def percent(part: float, whole: float) -> int:
    """A share as a whole percentage, rounded down so 99.6% never shows as done."""
    if whole <= 0:
        return 0
    return int(100 * part / whole + 1e-9)


@dataclass(frozen=True)
class DailyGoal:
    done: int
    goal: int

    @property
    def met(self) -> bool:
        return self.done >= self.goal

    @property
    def percent(self) -> int:
        return min(100, percent(self.done, self.goal))


@dataclass(frozen=True)
class Recall:
    """How much of a set of questions a learner has learned, and would recall of it today.

    `learned` counts questions with a card reviewed at least once (a quiz answer is a card's
    first review), set aside or not; `percent` averages predicted recall over the `in_review`
    ones, those learned and not set aside. Unseen questions are counted apart, never as 0%:
    a learner who recalls all they have learned should read 100%, as in Anki."""

    questions: int
    learned: int
    in_review: int
    percent: int | None

    @property
    def not_learned(self) -> int:
        return max(0, self.questions - self.learned)

    @property
    def words(self) -> str:
        """The figure as a learner reads it: '87%', or why there is none."""
        if self.percent is not None:
            return f"{self.percent}%"
        return "Nothing learned yet" if self.learned == 0 else "All set aside as leeches"


def recall_of(*, questions: int, learned: int, in_review: Sequence[float]) -> Recall:
    """Mean predicted recall (each 0 to 1) over the cards in review; None when there are none."""
    return Recall(
        questions=questions,
        learned=learned,
        in_review=len(in_review),
        percent=percent(sum(in_review), len(in_review)) if in_review else None,
    )
