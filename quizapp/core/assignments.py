"""Assigned work: the attempt policy an instructor sets and the one status vocabulary every page
and export uses for a learner's standing on an assignment. Time is an argument.

A learner's standing is decided here and only here (`assignment_progress`); pages, mail and
the CSV show its words.
"""

from __future__ import annotations

import enum
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

MAX_ATTEMPTS = 10


class AnswersShown(enum.Enum):
    EACH_QUESTION = "each_question"
    AFTER_ATTEMPT = "after_attempt"
    AFTER_PASSING = "after_passing"
    AFTER_DUE = "after_due"

    @property
    def label(self) -> str:
        return {
            AnswersShown.EACH_QUESTION: "After each question",
            AnswersShown.AFTER_ATTEMPT: "After the attempt",
            AnswersShown.AFTER_PASSING: "After passing",
            AnswersShown.AFTER_DUE: "After the due date",
        }[self]

    @property
    def by_attempt_end(self) -> bool:
        """Whether the answers are known once the attempt ends, whatever happens next."""
        return self in (AnswersShown.EACH_QUESTION, AnswersShown.AFTER_ATTEMPT)

    def visible(self, *, finished: bool, passed: bool, past_due: bool) -> bool:
        """Whether an attempt's right answers may be shown now: after each question at
        once; after the attempt once it is finished; otherwise once passed or due."""
        if self is AnswersShown.EACH_QUESTION:
            return True
        if self is AnswersShown.AFTER_ATTEMPT:
            return finished
        if self is AnswersShown.AFTER_PASSING:
            return passed or past_due
        return past_due


class ScoreCounts(enum.Enum):
    FIRST = "first"
    BEST = "best"
    LAST = "last"

    @property
    def label(self) -> str:
        return f"The {self.value} attempt" if self is not ScoreCounts.BEST else "The best attempt"


@dataclass(frozen=True)
class FinishedAttempt:
    """A finished quiz: its score as a fraction of the maximum, and when it was handed in."""

    fraction: float
    submitted_at: datetime
    # Known to the class's pages, which link to the attempt's answers.
    attempt_id: int | None = None


def reaches_pass_mark(fraction: float, pass_mark: int | None) -> bool:
    """Whether a quiz score (a fraction of its maximum) counts; any finished quiz does when
    there is no pass mark. Rounded so 0.7 of a quiz is 70%, float error aside."""
    return pass_mark is None or round(100 * fraction, 6) >= pass_mark


@dataclass(frozen=True)
class AttemptPolicy:
    """How a quiz counts for an assignment: how many attempts (None: no limit), when the right
    answers are shown, and which attempt's score counts."""

    max_attempts: int | None = None
    answers_shown: AnswersShown = AnswersShown.EACH_QUESTION
    score_counts: ScoreCounts = ScoreCounts.BEST

    def __post_init__(self) -> None:
        if self.max_attempts is not None and not 1 <= self.max_attempts <= MAX_ATTEMPTS:
            raise ValueError(f"attempts go from 1 to {MAX_ATTEMPTS}, or no limit")

    def attempts_left(self, used: int) -> int | None:
        """None when there is no limit."""
        if self.max_attempts is None:
            return None
        return max(0, self.max_attempts - used)

    def may_start(self, used: int) -> bool:
        left = self.attempts_left(used)
        return left is None or left > 0

    def counting(self, attempts: Sequence[FinishedAttempt]) -> list[FinishedAttempt]:
        """The attempts that count, in the order handed in: those within the limit (a retake
        beyond it, from before the limit was lowered, say, counts for nothing)."""
        ordered = sorted(attempts, key=lambda attempt: attempt.submitted_at)
        return ordered if self.max_attempts is None else ordered[: self.max_attempts]

    def score(self, attempts: Sequence[FinishedAttempt]) -> float | None:
        """The score that counts, as a fraction; None before any attempt."""
        counted = self.counting(attempts)
        if not counted:
            return None
        if self.score_counts is ScoreCounts.FIRST:
            return counted[0].fraction
        if self.score_counts is ScoreCounts.LAST:
            return counted[-1].fraction
        return max(attempt.fraction for attempt in counted)

    def passed_at(
        self, attempts: Sequence[FinishedAttempt], pass_mark: int | None
    ) -> datetime | None:
        """When the quiz first counted as passed under this policy, or None while it does not.
        With the best score counting, the first attempt to reach the mark; with the first or
        the last, the attempt that counts, if it reaches it."""
        counted = self.counting(attempts)
        if not counted:
            return None
        if self.score_counts is ScoreCounts.BEST:
            return next(
                (a.submitted_at for a in counted if reaches_pass_mark(a.fraction, pass_mark)),
                None,
            )
        deciding = counted[0] if self.score_counts is ScoreCounts.FIRST else counted[-1]
        return deciding.submitted_at if reaches_pass_mark(deciding.fraction, pass_mark) else None

    def shows_answers(self, *, passed: bool, past_due: bool) -> bool:
        """Whether a finished attempt's right answers may be shown now."""
        return self.answers_shown.visible(finished=True, passed=passed, past_due=past_due)

    @property
    def feedback_each_question(self) -> bool:
        return self.answers_shown is AnswersShown.EACH_QUESTION

    def describe(self) -> str:
        """The policy in a learner's words, as one line."""
        attempts = (
            "Unlimited attempts"
            if self.max_attempts is None
            else f"{self.max_attempts} attempt{'s' if self.max_attempts != 1 else ''}"
        )
        counts = {
            ScoreCounts.FIRST: "the first one counts",
            ScoreCounts.BEST: "the best one counts",
            ScoreCounts.LAST: "the last one counts",
        }[self.score_counts]
        return f"{attempts}, {counts}; answers shown {self.answers_shown.label.lower()}"


# Practice, and assignments set before attempt policies existed: today's quiz.
PRACTICE = AttemptPolicy()


def default_policy(pass_mark: int | None) -> AttemptPolicy:
    """What a new assignment's form proposes. With a pass mark, answers only after the attempt
    and the best of three: shown after each question, the right answers could be copied into
    the next attempt, and unlimited retakes would make any mark reachable by elimination."""
    if pass_mark is None:
        return PRACTICE
    return AttemptPolicy(3, AnswersShown.AFTER_ATTEMPT, ScoreCounts.BEST)


class Status(enum.Enum):
    NOT_STARTED = "Not started"
    OPENED = "Opened"
    BELOW_PASS_MARK = "Below pass mark"
    PASSED_ON_TIME = "Passed on time"
    PASSED_LATE = "Passed late"
    OVERDUE = "Overdue"

    @property
    def label(self) -> str:
        return self.value

    @property
    def is_done(self) -> bool:
        return self in (Status.PASSED_ON_TIME, Status.PASSED_LATE)

    @property
    def slug(self) -> str:
        """In a link's query: "not-started"."""
        return self.name.lower().replace("_", "-")

    @classmethod
    def from_slug(cls, slug: str) -> Status | None:
        return next((status for status in cls if status.slug == slug), None)


@dataclass(frozen=True)
class Standing:
    """A learner's status on an assigned lesson or module, with the attempts still open to
    them when they are below the pass mark under a limit."""

    status: Status
    attempts_left: int | None = None

    @property
    def words(self) -> str:
        """The status as every page says it: "Below pass mark, 2 attempts left"."""
        if self.status is not Status.BELOW_PASS_MARK or self.attempts_left is None:
            return self.status.label
        if self.attempts_left == 0:
            return f"{self.status.label}, no attempts left"
        plural = "s" if self.attempts_left != 1 else ""
        return f"{self.status.label}, {self.attempts_left} attempt{plural} left"

    @property
    def is_done(self) -> bool:
        return self.status.is_done


@dataclass(frozen=True)
class LessonWork:
    """One learner's evidence on one lesson of an assignment: whether they opened it, when they
    read it to the end, whether it has a quiz, and their finished attempts at that quiz."""

    opened: bool
    read_at: datetime | None
    has_quiz: bool
    attempts: Sequence[FinishedAttempt] = ()


@dataclass(frozen=True)
class LessonOutcome:
    passed_at: datetime | None
    # The counted score as a fraction; None before any attempt (or for a lesson without quiz).
    score: float | None
    attempts_left: int | None
    started: bool

    @property
    def below_pass_mark(self) -> bool:
        return self.score is not None and self.passed_at is None


def lesson_outcome(
    work: LessonWork, *, policy: AttemptPolicy, pass_mark: int | None, set_at: datetime
) -> LessonOutcome:
    """A lesson under an assignment set at `set_at`: only the attempts handed in since count,
    so practice before the class assigned it neither passes it nor uses up attempts. A lesson
    without a quiz passes when it is read."""
    attempts = [a for a in work.attempts if a.submitted_at >= set_at]
    started = work.opened or bool(work.attempts)
    if not work.has_quiz:
        return LessonOutcome(work.read_at, None, None, started)
    return LessonOutcome(
        passed_at=policy.passed_at(attempts, pass_mark),
        score=policy.score(attempts),
        attempts_left=policy.attempts_left(len(attempts)),
        started=started,
    )


@dataclass(frozen=True)
class AssignmentProgress:
    standing: Standing
    lessons_done: int
    lessons_total: int
    # Mean counted quiz score over the assignment's lessons with a quiz (one not tried counts
    # 0), as a fraction; None before any attempt.
    score: float | None
    completed_at: datetime | None


def standing_of(
    outcomes: Sequence[LessonOutcome], *, due_at: datetime, now: datetime
) -> tuple[Standing, datetime | None]:
    """The status words for a set of lessons (one, or a module's) and when they were all
    passed. Passing all of them decides it (on time or late by the learner's own due date).
    A lesson failed with no attempts left is final, even past the due date: "Overdue" would
    suggest it can still be done. Otherwise past the due date it is overdue; before it, a
    lesson below the pass mark shows with the fewest attempts left among such lessons."""
    passed = [o.passed_at for o in outcomes if o.passed_at is not None]
    if outcomes and len(passed) == len(outcomes):
        completed_at = max(passed)
        on_time = completed_at <= due_at
        return Standing(Status.PASSED_ON_TIME if on_time else Status.PASSED_LATE), completed_at
    below = [o for o in outcomes if o.below_pass_mark]
    limited = [o.attempts_left for o in below if o.attempts_left is not None]
    if limited and min(limited) == 0:
        return Standing(Status.BELOW_PASS_MARK, 0), None
    if now > due_at:
        return Standing(Status.OVERDUE), None
    if below:
        return Standing(Status.BELOW_PASS_MARK, min(limited) if limited else None), None
    if any(o.started for o in outcomes):
        return Standing(Status.OPENED), None
    return Standing(Status.NOT_STARTED), None


def assignment_progress(
    lessons: Sequence[LessonWork],
    *,
    policy: AttemptPolicy,
    pass_mark: int | None,
    set_at: datetime,
    due_at: datetime,
    now: datetime,
) -> tuple[AssignmentProgress, list[LessonOutcome]]:
    """A learner's standing on an assignment from their work on its lessons, with each
    lesson's outcome (the Lessons pages show a module's lessons one by one)."""
    outcomes = [
        lesson_outcome(work, policy=policy, pass_mark=pass_mark, set_at=set_at) for work in lessons
    ]
    standing, completed_at = standing_of(outcomes, due_at=due_at, now=now)
    quizzed = [o for o, work in zip(outcomes, lessons, strict=True) if work.has_quiz]
    scores = [o.score for o in quizzed if o.score is not None]
    return (
        AssignmentProgress(
            standing=standing,
            lessons_done=sum(o.passed_at is not None for o in outcomes),
            lessons_total=len(outcomes),
            score=sum(scores) / len(quizzed) if scores else None,
            completed_at=completed_at,
        ),
        outcomes,
    )


def governing(candidates: Sequence[tuple[int, datetime]], now: datetime) -> int | None:
    """Of the assignments (id, the learner's due date) covering a lesson, the one whose policy
    a new attempt follows: the soonest still due, else the one due last. None: practice."""
    if not candidates:
        return None
    ahead = [c for c in candidates if c[1] >= now]
    if ahead:
        return min(ahead, key=lambda c: (c[1], c[0]))[0]
    return max(candidates, key=lambda c: (c[1], c[0]))[0]


def draw_questions(
    pool: Sequence[int],
    asked_before: Iterable[Sequence[int]],
    per_attempt: int | None,
    rng: random.Random,
    opening: int | None = None,
) -> list[int]:
    """The questions of a new attempt, in the order asked: all of the pool, or `per_attempt`
    of them, those asked least often in the learner's earlier attempts first (so a retake
    meets questions it has not seen before it meets any twice), ties broken at random. The
    `opening` question (the lesson's decision) is asked every time, first."""
    if opening is not None and opening in pool:
        rest = [question for question in pool if question != opening]
        fewer = None if per_attempt is None else per_attempt - 1
        return [opening, *draw_questions(rest, asked_before, fewer, rng)]
    questions = list(pool)
    rng.shuffle(questions)
    if per_attempt is None or per_attempt >= len(questions):
        return questions
    asked = Counter(question for attempt in asked_before for question in attempt)
    # A stable sort of a shuffled list: equally asked questions stay in random order.
    questions.sort(key=lambda question: asked[question])
    drawn = questions[:per_attempt]
    rng.shuffle(drawn)
    return drawn
