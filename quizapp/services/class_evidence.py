"""The evidence every class report is computed from: learners' finished quizzes, lessons
opened, extensions and the recall FSRS predicts for their cards, for a set of assignments and
learners, and each learner's standing on each assignment (`Cell`) decided from it by
`core.assignments`. The gradebook, a learner's report, item statistics and the learners' own
pages all read it here, so they say the same thing.

Each read runs a fixed number of queries whatever the class size: the evidence for every
learner and assignment is the catalogue the page already has plus three queries, combined
in Python. A learner's own pages bring their history (`progress.learner_history`), which
they read anyway, and add one query: their cards' recall.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from sqlalchemy import BindParameter, bindparam, case, func, select

from quizapp.core.assignments import (
    FinishedAttempt,
    LessonWork,
    Standing,
    Status,
    assignment_progress,
    standing_of,
)
from quizapp.core.progress import percent
from quizapp.core.scheduling import DEFAULT_PARAMETERS, LEECH_THRESHOLD
from quizapp.db import UTCDateTime, db, in_list, whole_days_between
from quizapp.models import (
    Assignment,
    AssignmentExtension,
    ClassMembership,
    Classroom,
    LessonProgress,
    MemoryModel,
    QuizAttempt,
    ReviewCard,
    User,
)
from quizapp.models.classes import LEARNER
from quizapp.services.catalogue import ModuleEntry, catalogue_modules
from quizapp.services.progress import LearnerHistory


@dataclass(frozen=True)
class Cell:
    """One learner's standing on one assignment."""

    standing: Standing
    # The learner's own due date: the class's, or their extension.
    due_at: datetime
    lessons_done: int
    lessons_total: int
    # Mean of the counted quiz score (first, best or last, as the assignment's policy says) on
    # each lesson with a quiz (a lesson not tried counts 0); None before any quiz is finished.
    score_percent: int | None
    # Recall FSRS predicts over the assignment's questions (one never reviewed counts 0):
    # now, and at the due date, or now again once the due date has passed. None before the
    # learner's first review of any of them.
    mastery_percent: int | None
    recall_at_due_percent: int | None
    completed_at: datetime | None
    # Each lesson's own standing, in course order: the Lessons pages show a module's lessons.
    lesson_standings: tuple[tuple[int, Standing], ...] = ()
    # Whether `due_at` is the learner's extension rather than the class's date.
    extended: bool = False
    # The learner's latest attempt that counts for the assignment, when the class's pages
    # read it: a link, not part of the standing, so a learner's own cell (without it) equals
    # the gradebook's.
    last_attempt_id: int | None = field(default=None, compare=False)
    # When each lesson passed, of those passed: the class's weekly progress counts them.
    passed_lessons: tuple[tuple[int, datetime], ...] = ()

    @property
    def status(self) -> Status:
        return self.standing.status


@dataclass(frozen=True)
class Memory:
    """What FSRS predicts for one learner's cards in one assignment: how many were reviewed at
    least once, and their recall summed now and at the assignment's recall instant."""

    reviewed: int
    recall_now: float
    recall_at_due: float


@dataclass
class Evidence:
    """Everything the cells are computed from, for a set of assignments and learners."""

    lesson_ids: dict[int, list[int]] = field(default_factory=dict)
    # Ids only: cells count questions, and only item analysis needs their text.
    question_ids: dict[int, list[int]] = field(default_factory=dict)
    # Finished quizzes, by (learner, lesson).
    quizzes: dict[tuple[int, int], list[FinishedAttempt]] = field(default_factory=dict)
    # Lessons opened, by (learner, lesson): when they were read to the end, if they were.
    read: dict[tuple[int, int], datetime | None] = field(default_factory=dict)
    # Extensions, by (learner, assignment): the learner's own due date.
    due: dict[tuple[int, int], datetime] = field(default_factory=dict)
    # By (learner, assignment); a learner with no card in an assignment has no entry.
    memory: dict[tuple[int, int], Memory] = field(default_factory=dict)
    leeches: Counter[int] = field(default_factory=Counter)

    def due_at(self, user_id: int, assignment: Assignment) -> datetime:
        return self.due.get((user_id, assignment.id), assignment.due_at)

    def question_ids_of(self, assignment: Assignment) -> list[int]:
        return [
            question_id
            for lesson_id in self.lesson_ids[assignment.id]
            for question_id in self.question_ids[lesson_id]
        ]


# The evidence statements are built once, with lists bound when they run: the dashboard runs
# them on every visit, and building them cost more than SQLite took to answer them.
_FINISHED_QUIZZES = select(
    QuizAttempt.user_id,
    QuizAttempt.lesson_id,
    QuizAttempt.score,
    QuizAttempt.max_score,
    QuizAttempt.submitted_at,
    QuizAttempt.id,
).where(
    in_list(QuizAttempt.user_id, "learner_ids"),
    in_list(QuizAttempt.lesson_id, "lesson_ids"),
    QuizAttempt.submitted_at.is_not(None),
    QuizAttempt.max_score > 0,
)
# A lesson's progress row is written when it is opened: the row says "started", no need to
# read (and parse) when.
_LESSONS_OPENED = select(
    LessonProgress.user_id,
    LessonProgress.lesson_id,
    LessonProgress.completed_at,
).where(
    in_list(LessonProgress.user_id, "learner_ids"),
    in_list(LessonProgress.lesson_id, "lesson_ids"),
)
EXTENSIONS = select(
    AssignmentExtension.user_id, AssignmentExtension.assignment_id, AssignmentExtension.due_at
).where(
    in_list(AssignmentExtension.assignment_id, "assignment_ids"),
    in_list(AssignmentExtension.user_id, "learner_ids"),
)


def scope(assignments: Sequence[Assignment], catalogue: Sequence[ModuleEntry]) -> Evidence:
    """The live lessons each assignment covers, in course order, and their live questions,
    read off the catalogue (a retired lesson or module no longer counts)."""
    evidence = Evidence()
    live = {lesson.id: entry for entry in catalogue for lesson in entry.lessons}
    modules = {entry.module.id: entry for entry in catalogue}
    for assignment in assignments:
        if assignment.module_id is not None:
            entry = modules.get(assignment.module_id)
            lesson_ids = [lesson.id for lesson in entry.lessons] if entry else []
        else:
            lesson_ids = [assignment.lesson_id] if assignment.lesson_id in live else []
        evidence.lesson_ids[assignment.id] = lesson_ids
        for lesson_id in lesson_ids:
            evidence.question_ids[lesson_id] = live[lesson_id].question_ids.get(lesson_id, [])
    return evidence


def _fold(
    evidence: Evidence,
    quizzes: Iterable[
        tuple[int, int, float, int, datetime] | tuple[int, int, float, int, datetime, int]
    ],
    lessons: Iterable[tuple[int, int, datetime | None]],
) -> None:
    """Learners' finished quizzes (user, lesson, score, max score, submitted at) and lessons
    opened (user, lesson, read to the end at) into the evidence, ignoring lessons no
    assignment covers."""
    covered = evidence.question_ids
    for user_id, lesson_id, score, max_score, submitted_at, *attempt_id in quizzes:
        if lesson_id in covered and max_score:
            attempt = FinishedAttempt(score / max_score, submitted_at, *attempt_id)
            evidence.quizzes.setdefault((user_id, lesson_id), []).append(attempt)
    for user_id, lesson_id, completed_at in lessons:
        if lesson_id in covered:
            evidence.read[user_id, lesson_id] = completed_at


def class_evidence(
    assignments: Sequence[Assignment],
    learner_ids: Sequence[int],
    now: datetime,
    catalogue: Sequence[ModuleEntry],
    *,
    recall: bool = True,
) -> Evidence:
    """Four queries: the learners' extensions, finished quizzes and lessons opened in the
    assigned lessons, and their cards' predicted recall, totalled per learner in the database
    (the costliest by far; without `recall`, it is left out and cells have no mastery)."""
    evidence = scope(assignments, catalogue)
    params = {"learner_ids": list(learner_ids), "lesson_ids": list(evidence.question_ids)}
    _fold(
        evidence,
        db.session.execute(_FINISHED_QUIZZES, params),
        db.session.execute(_LESSONS_OPENED, params),
    )
    extensions = db.session.execute(
        EXTENSIONS,
        {"learner_ids": list(learner_ids), "assignment_ids": [a.id for a in assignments]},
    )
    evidence.due = {(user_id, a_id): due_at for user_id, a_id, due_at in extensions}
    if recall:
        load_memories(evidence, assignments, learner_ids, now)
    return evidence


def learner_evidence(
    assignments: Sequence[Assignment],
    history: LearnerHistory,
    now: datetime,
    catalogue: Sequence[ModuleEntry],
    *,
    due: dict[int, datetime] | None = None,
    recall: bool = True,
) -> Evidence:
    """One learner's evidence from the history their page has already read, their own due
    dates (by assignment) and one query for their cards' predicted recall."""
    if history.user_id is None:
        raise ValueError("a visitor has no assignments")
    user_id = history.user_id
    evidence = scope(assignments, catalogue)
    _fold(
        evidence,
        ((user_id, *quiz) for quiz in history.quizzes),
        ((user_id, lesson_id, completed_at) for lesson_id, _, completed_at in history.lessons),
    )
    evidence.due = {(user_id, a_id): due_at for a_id, due_at in (due or {}).items()}
    if recall:
        load_memories(evidence, assignments, [user_id], now)
    return evidence


# Only reviewed cards have a memory to predict from (and only they can be leeches). Most cards
# are never reviewed, so leaving them out first spares the curve and the assignment checks
# most of the rows: the gradebook's recall query went from about 25 to 12 ms on SQLite.
REVIEWED = ReviewCard.last_review.is_not(None)


# Each learner's own forgetting curve: the decay (w20) of the memory model that schedules
# them, FSRS's default without one, read through their user row.
_W20 = func.coalesce(MemoryModel.decay, DEFAULT_PARAMETERS[20])


def with_learner_curves(query):
    return query.join(User, User.id == ReviewCard.user_id).outerjoin(
        MemoryModel, MemoryModel.id == User.memory_model_id
    )


def recall_curve(at: BindParameter):
    """FSRS's forgetting curve at `at`, as `recall_probability` computes it, in SQL, with each
    learner's own decay (the statement joins it in with `with_learner_curves`)."""
    elapsed = whole_days_between(ReviewCard.last_review, at)
    factor = func.power(0.9, -1.0 / _W20) - 1
    return func.power(1 + factor * elapsed / ReviewCard.stability, -_W20)


@cache
def _assignment_memory(upcoming: tuple[bool, ...]):
    """The statement `_memories` runs, built once for each pattern of assignments still due
    (`upcoming`). For the i-th assignment: the cards among `questions_i` reviewed at least
    once, their recall summed now, and, when it is upcoming, at its due date `at_i` (past it,
    the two are the same sum, and each one costs the forgetting curve over every card)."""
    now = bindparam("now", type_=UTCDateTime())
    totals = []
    for i, ahead in enumerate(upcoming):
        in_assignment = in_list(ReviewCard.question_id, f"questions_{i}")
        totals += [
            func.count().filter(in_assignment),
            func.sum(case((in_assignment, recall_curve(now)))),
        ]
        if ahead:
            at_due = bindparam(f"at_{i}", type_=UTCDateTime())
            totals.append(func.sum(case((in_assignment, recall_curve(at_due)))))
    # Grouped by learner alone, the cards arrive in the order of an index on the learner: no
    # sort, each card's learner looked up by key for their curve, and a class's tens of
    # thousands of cards come back as one row per learner.
    return (
        with_learner_curves(
            select(
                ReviewCard.user_id,
                func.count().filter(ReviewCard.lapses >= LEECH_THRESHOLD),
                *totals,
            )
        )
        .where(
            in_list(ReviewCard.user_id, "learner_ids"),
            in_list(ReviewCard.question_id, "question_ids"),
            REVIEWED,
        )
        .group_by(ReviewCard.user_id)
    )


def load_memories(
    evidence: Evidence,
    assignments: Sequence[Assignment],
    learner_ids: Sequence[int],
    now: datetime,
) -> None:
    """Each learner's leeches among the assigned questions, and their memory of each
    assignment, totalled in the database (one query)."""
    question_ids = {q for ids in evidence.question_ids.values() for q in ids}
    params: dict[str, object] = {
        "learner_ids": list(learner_ids),
        "question_ids": list(question_ids),
        "now": now,
    }
    upcoming = tuple(assignment.due_at > now for assignment in assignments)
    for i, (assignment, ahead) in enumerate(zip(assignments, upcoming, strict=True)):
        params[f"questions_{i}"] = evidence.question_ids_of(assignment)
        if ahead:
            params[f"at_{i}"] = assignment.due_at
    for user_id, leeches, *totals in db.session.execute(_assignment_memory(upcoming), params):
        evidence.leeches[user_id] = leeches
        columns = iter(totals)
        for assignment, ahead in zip(assignments, upcoming, strict=True):
            reviewed, recall_now = next(columns), next(columns) or 0.0
            recall_at_due = (next(columns) or 0.0) if ahead else recall_now
            evidence.memory[user_id, assignment.id] = Memory(reviewed, recall_now, recall_at_due)


def recall_instant(assignment: Assignment, now: datetime) -> datetime:
    """When recall is predicted for: the due date, or now once it has passed."""
    return max(now, assignment.due_at)


def recall_percents(
    evidence: Evidence, user_id: int, assignment: Assignment
) -> tuple[int | None, int | None]:
    """Mean predicted recall over the assignment's questions, now and at its recall instant,
    a question never reviewed counting 0; None until the learner has reviewed one of them,
    since FSRS has no memory to predict from."""
    memory = evidence.memory.get((user_id, assignment.id))
    if memory is None or not memory.reviewed:
        return None, None
    questions = len(evidence.question_ids_of(assignment))
    return percent(memory.recall_now, questions), percent(memory.recall_at_due, questions)


def cell_of(evidence: Evidence, assignment: Assignment, user_id: int, now: datetime) -> Cell:
    """The learner's standing, decided by `core.assignments` from their work on each lesson."""
    lesson_ids = evidence.lesson_ids[assignment.id]
    work = [
        LessonWork(
            opened=(user_id, lesson_id) in evidence.read,
            read_at=evidence.read.get((user_id, lesson_id)),
            has_quiz=bool(evidence.question_ids[lesson_id]),
            attempts=evidence.quizzes.get((user_id, lesson_id), ()),
        )
        for lesson_id in lesson_ids
    ]
    due_at = evidence.due_at(user_id, assignment)
    progress, outcomes = assignment_progress(
        work,
        policy=assignment.policy,
        pass_mark=assignment.pass_mark,
        set_at=assignment.created_at,
        due_at=due_at,
        now=now,
    )
    recall_now, recall_at_due = recall_percents(evidence, user_id, assignment)
    counted = [
        attempt
        for work_done in work
        for attempt in work_done.attempts
        if attempt.submitted_at >= assignment.created_at
    ]
    last = max(counted, key=lambda attempt: attempt.submitted_at, default=None)
    return Cell(
        standing=progress.standing,
        due_at=due_at,
        lessons_done=progress.lessons_done,
        lessons_total=progress.lessons_total,
        score_percent=None if progress.score is None else percent(progress.score, 1),
        mastery_percent=recall_now,
        recall_at_due_percent=recall_at_due,
        completed_at=progress.completed_at,
        extended=due_at != assignment.due_at,
        last_attempt_id=last.attempt_id if last else None,
        passed_lessons=tuple(
            (lesson_id, outcome.passed_at)
            for lesson_id, outcome in zip(lesson_ids, outcomes, strict=True)
            if outcome.passed_at is not None
        ),
        lesson_standings=tuple(
            (lesson_id, standing_of([outcome], due_at=due_at, now=now)[0])
            for lesson_id, outcome in zip(lesson_ids, outcomes, strict=True)
        ),
    )


def class_learner_ids(classroom: Classroom):
    return select(ClassMembership.user_id).where(
        ClassMembership.class_id == classroom.id, ClassMembership.role == LEARNER
    )


def standings(
    pairs: Sequence[tuple[Assignment, int]], now: datetime
) -> list[tuple[Assignment, int, Cell]]:
    """Each (assignment, learner)'s cell, for assignments of any classes, in two queries
    whatever the number of pairs: statuses and scores, without predicted recall (the
    reminders' 5,000 learners at once spent 7 of their 10 s on it on SQLite)."""
    assignments = list({a.id: a for a, _ in pairs}.values())
    learner_ids = sorted({user_id for _, user_id in pairs})
    evidence = class_evidence(assignments, learner_ids, now, catalogue_modules(), recall=False)
    return [(a, user_id, cell_of(evidence, a, user_id, now)) for a, user_id in pairs]
