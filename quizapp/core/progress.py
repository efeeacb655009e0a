"""Progress arithmetic: a learner's day, streaks, lesson status, scores. Time is an argument."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from quizapp.core.words import plural

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


# As in Duolingo: a freeze is earned each time the streak reaches another 7 active days, and
# at most two are held, so a streak survives a missed day or two but not a missed week.
FREEZE_EVERY_DAYS = 7
FREEZES_MAX = 2
# The days the Today page draws: two weeks is enough to see a freeze and what earned it.
STREAK_HISTORY_DAYS = 14


class DayOutcome(enum.Enum):
    """What became of one of the learner's days, in the words a learner reads."""

    ACTIVE = "practised"
    FROZEN = "freeze used"
    MISSED = "missed"
    # Today, before any answer: it may still count, so it is neither missed nor frozen.
    PENDING = "not yet"


@dataclass(frozen=True)
class StreakDay:
    day: date
    outcome: DayOutcome

    @property
    def words(self) -> str:
        """'Tue 1 Dec: freeze used', a day's label for screen readers and tooltips."""
        return f"{self.day:%a} {self.day.day} {self.day:%b}: {self.outcome.value}"


@dataclass(frozen=True)
class Streak:
    days: int
    active_today: bool
    freezes_held: int = 0
    # The last STREAK_HISTORY_DAYS days, oldest first, ending today.
    recent: tuple[StreakDay, ...] = ()

    @property
    def at_risk(self) -> bool:
        """Alive, not yet extended today, and with no freeze left to cover today if missed."""
        return self.days > 0 and not self.active_today and self.freezes_held == 0

    @property
    def advice(self) -> str:
        """What today means for the streak, as the Today page says it."""
        if self.active_today:
            return "Today counts. Come back tomorrow to extend it."
        if self.at_risk:
            return "Answer a question today to keep your streak."
        if self.days:
            return "Answer a question today to extend it; if you miss today, a freeze keeps it."
        return "Answer a question to start a streak."

    @property
    def freezes_words(self) -> str:
        if self.freezes_held == 0:
            return (
                f"No streak freeze held: you earn one for every {FREEZE_EVERY_DAYS} days "
                f"in a row, and can hold {FREEZES_MAX}."
            )
        if self.freezes_held == 1:
            return "1 streak freeze held: a missed day will not break your streak."
        return (
            f"{self.freezes_held} streak freezes held: {self.freezes_held} missed days "
            "will not break your streak."
        )


def streak(
    active_days: Iterable[date], today: date, *, history: int = STREAK_HISTORY_DAYS
) -> Streak:
    """The streak as a replay of every day from the first active one to today.

    Each past day is active, frozen (no activity, a streak alive and a freeze held: the
    freeze is spent and the streak kept) or missed (the streak, if any, ends). A frozen day
    keeps the streak but does not lengthen it, as in Duolingo: the length counts days the
    learner practised, so a freeze never earns a freeze. Today not yet active is pending,
    never missed. Replaying from the start decides each day exactly once, so a freeze can
    neither fall on a day already counted nor be spent twice."""
    days = {day for day in active_days if day <= today}
    outcomes: list[StreakDay] = []
    length = held = 0
    cursor = min(days, default=today)
    while cursor <= today:
        if cursor in days:
            length += 1
            if length % FREEZE_EVERY_DAYS == 0:
                held = min(FREEZES_MAX, held + 1)
            outcome = DayOutcome.ACTIVE
        elif cursor == today:
            outcome = DayOutcome.PENDING
        elif length > 0 and held > 0:
            held -= 1
            outcome = DayOutcome.FROZEN
        else:
            length = 0
            outcome = DayOutcome.MISSED
        outcomes.append(StreakDay(cursor, outcome))
        cursor += timedelta(days=1)
    # From the first active day on: the days before it were not missed, the learner had not
    # begun, and a newcomer's history should not open with a row of crosses.
    recent = outcomes[-history:] if history > 0 else []
    return Streak(length, today in days, held, tuple(recent))


class NextAction(enum.Enum):
    """The one thing Today puts first."""

    REVIEW = "review"
    RESUME_QUIZ = "resume the quiz"
    READ_LESSON = "read the next lesson"
    ASSIGNMENT = "work on the next assignment"
    NOTHING = "nothing waiting"


def next_action(
    *, reviews_waiting: int, quiz_unfinished: bool, lesson_to_read: bool, assignment_open: bool
) -> NextAction:
    """Reviews first while any wait (they are due now, and each is a few seconds), then the
    quiz or lesson to go on with, then the next assignment not yet done."""
    if reviews_waiting:
        return NextAction.REVIEW
    if quiz_unfinished:
        return NextAction.RESUME_QUIZ
    if lesson_to_read:
        return NextAction.READ_LESSON
    return NextAction.ASSIGNMENT if assignment_open else NextAction.NOTHING


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

    def met_by(self, added: int) -> bool:
        """Whether the last `added` answers, already in `done`, took the day from short of the
        goal to it: true for one increment, so the goal is celebrated once, not on every
        answer after it."""
        return self.done - added < self.goal <= self.done

    @property
    def celebration(self) -> str:
        return f"Daily goal met: {plural(self.done, 'answer')} today. Well done!"


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
