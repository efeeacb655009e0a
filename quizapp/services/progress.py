"""A learner's progress: lessons started and completed, best scores, daily activity, dashboard.

Writes are upserts, so a reload or two requests racing each other never fail or count twice.
Reads run a fixed number of queries whatever the size of the catalogue or the history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, func, select, update

from quizapp.core.progress import (
    DailyGoal,
    LessonStatus,
    Streak,
    learner_day,
    lesson_status,
    percent,
    streak,
)
from quizapp.db import db, upsert
from quizapp.models import ActivityDay, Lesson, LessonProgress, QuizAttempt, User
from quizapp.services.catalogue import ModuleEntry, catalogue_modules

# Long enough for any streak worth showing, short enough to read in one small query.
STREAK_WINDOW_DAYS = 400


@upsert
def _lesson_started(insert):
    return insert(LessonProgress).on_conflict_do_nothing(index_elements=["user_id", "lesson_id"])


@upsert
def _lesson_completed(insert):
    statement = insert(LessonProgress)
    return statement.on_conflict_do_update(
        index_elements=["user_id", "lesson_id"],
        set_={
            "completed_at": func.coalesce(
                LessonProgress.completed_at, statement.excluded.completed_at
            )
        },
    )


@upsert
def _activity_counted(insert):
    statement = insert(ActivityDay)
    return statement.on_conflict_do_update(
        index_elements=["user_id", "day"],
        set_={
            "answers": ActivityDay.answers + statement.excluded.answers,
            "reviews": ActivityDay.reviews + statement.excluded.reviews,
        },
    ).returning(ActivityDay.answers + ActivityDay.reviews)


def lesson_started(*, user: User, lesson: Lesson, now: datetime) -> None:
    """Mark the lesson started, once; later visits change nothing."""
    db.session.execute(
        _lesson_started(), {"user_id": user.id, "lesson_id": lesson.id, "started_at": now}
    )


def lesson_completed(*, user: User, lesson: Lesson, now: datetime) -> None:
    """Mark the lesson completed; the first completion's time is the one kept."""
    db.session.execute(
        _lesson_completed(),
        {"user_id": user.id, "lesson_id": lesson.id, "started_at": now, "completed_at": now},
    )


def activity_recorded(
    *, user: User, now: datetime, answers: int = 0, reviews: int = 0
) -> DailyGoal | None:
    """Count answers or reviews towards the learner's day, for streaks and the daily goal;
    returns the day's goal when this very increment met it, else None."""
    # The count comes back from the upsert itself, after its own increment: of two requests
    # racing past the goal, each sees a different total, so exactly one of them meets it.
    done = db.session.execute(
        _activity_counted(),
        {
            "user_id": user.id,
            "day": learner_day(now, user.time_zone),
            "answers": answers,
            "reviews": reviews,
        },
    ).scalar_one()
    goal = DailyGoal(done, user.daily_goal)
    return goal if goal.met_by(answers + reviews) else None


def review_undone(*, user: User, reviewed_at: datetime) -> None:
    """Take an undone review back off the day it was counted on."""
    db.session.execute(
        update(ActivityDay)
        .where(
            ActivityDay.user_id == user.id,
            ActivityDay.day == learner_day(reviewed_at, user.time_zone),
            ActivityDay.reviews > 0,
        )
        .values(reviews=ActivityDay.reviews - 1)
    )


@dataclass(frozen=True)
class LessonRecord:
    status: LessonStatus
    started_at: datetime | None = None
    completed_at: datetime | None = None
    best_percent: int | None = None
    attempts: int = 0


NOT_STARTED = LessonRecord(LessonStatus.NOT_STARTED)


@dataclass(frozen=True)
class ModuleProgress:
    entry: ModuleEntry
    records: dict[int, LessonRecord]

    def record(self, lesson: Lesson) -> LessonRecord:
        return self.records.get(lesson.id, NOT_STARTED)

    @property
    def completed(self) -> int:
        return sum(
            self.record(lesson).status is LessonStatus.COMPLETED for lesson in self.entry.lessons
        )

    @property
    def percent(self) -> int:
        return percent(self.completed, len(self.entry.lessons))

    @property
    def status(self) -> LessonStatus:
        records = [self.record(lesson) for lesson in self.entry.lessons]
        return lesson_status(
            started=any(r.status is not LessonStatus.NOT_STARTED for r in records),
            completed=bool(records) and self.completed == len(records),
        )


@dataclass(frozen=True)
class LearnerHistory:
    """A learner's finished quizzes and the lessons they opened, read once for a page: their
    progress through the catalogue and their standing on assignments are both folded from it."""

    user_id: int | None
    # (lesson id, score, max score, submitted at) of each submitted attempt that had questions.
    quizzes: list[tuple[int, float, int, datetime]]
    # (lesson id, started at, completed at) of each lesson opened.
    lessons: list[tuple[int, datetime, datetime | None]]

    def records(self) -> dict[int, LessonRecord]:
        """Every lesson the learner has touched, by lesson id."""
        scores: dict[int, list[float]] = {}
        for lesson_id, score, max_score, _ in self.quizzes:
            scores.setdefault(lesson_id, []).append(score / max_score)
        records = {}
        for lesson_id, started_at, completed_at in self.lessons:
            tried = scores.get(lesson_id, [])
            records[lesson_id] = LessonRecord(
                lesson_status(started=True, completed=completed_at is not None),
                started_at,
                completed_at,
                percent(max(tried), 1) if tried else None,
                len(tried),
            )
        return records


NO_HISTORY = LearnerHistory(None, [], [])

_FINISHED_QUIZZES = select(
    QuizAttempt.lesson_id, QuizAttempt.score, QuizAttempt.max_score, QuizAttempt.submitted_at
).where(
    QuizAttempt.user_id == bindparam("user_id"),
    QuizAttempt.submitted_at.is_not(None),
    QuizAttempt.max_score > 0,
)
_LESSONS_TOUCHED = select(
    LessonProgress.lesson_id, LessonProgress.started_at, LessonProgress.completed_at
).where(LessonProgress.user_id == bindparam("user_id"))


def learner_history(user: User | None) -> LearnerHistory:
    """Two queries; none for a visitor, who has no history."""
    if user is None:
        return NO_HISTORY
    mine = {"user_id": user.id}
    return LearnerHistory(
        user.id,
        [tuple(row) for row in db.session.execute(_FINISHED_QUIZZES, mine)],
        [tuple(row) for row in db.session.execute(_LESSONS_TOUCHED, mine)],
    )


def lesson_records(user: User | None) -> dict[int, LessonRecord]:
    """Every lesson the learner has touched, by lesson id (two queries)."""
    return learner_history(user).records()


def module_progress(history: LearnerHistory) -> list[ModuleProgress]:
    """The catalogue with the learner's progress on every lesson and module."""
    records = history.records()
    return [ModuleProgress(entry, records) for entry in catalogue_modules()]


@dataclass(frozen=True)
class Dashboard:
    today: date
    history: LearnerHistory
    modules: list[ModuleProgress]
    streak: Streak
    goal: DailyGoal
    # The lesson to go on with, and the quiz attempt left unfinished there, if any.
    resume_lesson: Lesson | None = None
    resume_attempt: QuizAttempt | None = None
    started_course: bool = False


_ACTIVE_DAYS = select(ActivityDay.day, ActivityDay.answers + ActivityDay.reviews).where(
    ActivityDay.user_id == bindparam("user_id"), ActivityDay.day > bindparam("since")
)
_UNFINISHED_QUIZ = (
    select(QuizAttempt)
    .where(QuizAttempt.user_id == bindparam("user_id"), QuizAttempt.submitted_at.is_(None))
    .order_by(QuizAttempt.started_at.desc())
    .limit(1)
)


def dashboard(*, user: User, now: datetime) -> Dashboard:
    """The learner's day: where to go on, streak, goal and module progress."""
    today = learner_day(now, user.time_zone)
    history = learner_history(user)
    modules = module_progress(history)
    since = today - timedelta(days=STREAK_WINDOW_DAYS)
    days = dict(db.session.execute(_ACTIVE_DAYS, {"user_id": user.id, "since": since}).all())
    unfinished = db.session.scalar(_UNFINISHED_QUIZ, {"user_id": user.id})
    resume_lesson = _lesson_to_resume(modules, unfinished)
    return Dashboard(
        today=today,
        history=history,
        modules=modules,
        streak=streak((day for day, count in days.items() if count > 0), today),
        goal=DailyGoal(days.get(today, 0), user.daily_goal),
        resume_lesson=resume_lesson,
        resume_attempt=unfinished
        if unfinished and resume_lesson and unfinished.lesson_id == resume_lesson.id
        else None,
        started_course=any(m.status is not LessonStatus.NOT_STARTED for m in modules),
    )


def _lesson_to_resume(modules: list[ModuleProgress], unfinished: QuizAttempt | None):
    """An unfinished quiz first; else the lesson last opened if not completed; else the first
    lesson not completed after the one last touched, in course order, wrapping round."""
    lessons = [(lesson, m.record(lesson)) for m in modules for lesson in m.entry.lessons]
    if unfinished is not None:
        for lesson, _ in lessons:
            if lesson.id == unfinished.lesson_id:
                return lesson
    touched = [
        (record.completed_at or record.started_at, index)
        for index, (_, record) in enumerate(lessons)
        if record.started_at is not None
    ]
    start = 0
    if touched:
        _, last = max(touched)
        if lessons[last][1].status is LessonStatus.IN_PROGRESS:
            return lessons[last][0]
        start = last + 1
    for lesson, record in lessons[start:] + lessons[:start]:
        if record.status is not LessonStatus.COMPLETED:
            return lesson
    return None
