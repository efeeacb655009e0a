"""What instructors see of a class's work: the gradebook, a learner's report, item analysis,
and the recall FSRS predicts at each due date. Learners see their own assignments through
the same rules.

Each read runs a fixed number of queries whatever the class size: the evidence for every
learner and assignment is the catalogue the page already has plus three queries, combined
in Python. A learner's own pages bring their history (`progress.learner_history`), which
they read anyway, and add one query: their cards' recall.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache

from sqlalchemy import BindParameter, bindparam, case, func, null, select
from sqlalchemy.orm import joinedload

from quizapp.core.assignments import (
    FinishedAttempt,
    LessonWork,
    Standing,
    Status,
    assignment_progress,
    standing_of,
)
from quizapp.core.classes import (
    csv_text,
    discrimination_index,
    item_flags,
    local_time,
    median,
)
from quizapp.core.progress import learner_day, percent
from quizapp.core.questions import QuestionSpec
from quizapp.core.scheduling import DEFAULT_PARAMETERS, LEECH_THRESHOLD
from quizapp.db import UTCDateTime, db, in_list, whole_days_between
from quizapp.models import (
    ActivityDay,
    Assignment,
    AssignmentExtension,
    ClassMembership,
    Classroom,
    Lesson,
    LessonProgress,
    MemoryModel,
    Module,
    Question,
    QuizAnswer,
    QuizAttempt,
    ReviewCard,
    User,
)
from quizapp.models.classes import LEARNER
from quizapp.services.catalogue import ModuleEntry, catalogue_modules, question_spec
from quizapp.services.classes import class_assignments, class_people
from quizapp.services.progress import LearnerHistory, learner_history

ACTIVITY_DAYS = 30


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

    @property
    def status(self) -> Status:
        return self.standing.status


@dataclass(frozen=True)
class _Memory:
    """What FSRS predicts for one learner's cards in one assignment: how many were reviewed at
    least once, and their recall summed now and at the assignment's recall instant."""

    reviewed: int
    recall_now: float
    recall_at_due: float


@dataclass
class _Evidence:
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
    memory: dict[tuple[int, int], _Memory] = field(default_factory=dict)
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
_EXTENSIONS = select(
    AssignmentExtension.user_id, AssignmentExtension.assignment_id, AssignmentExtension.due_at
).where(
    in_list(AssignmentExtension.assignment_id, "assignment_ids"),
    in_list(AssignmentExtension.user_id, "learner_ids"),
)


def _scope(assignments: Sequence[Assignment], catalogue: Sequence[ModuleEntry]) -> _Evidence:
    """The live lessons each assignment covers, in course order, and their live questions,
    read off the catalogue (a retired lesson or module no longer counts)."""
    evidence = _Evidence()
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
    evidence: _Evidence,
    quizzes: Iterable[tuple[int, int, float, int, datetime]],
    lessons: Iterable[tuple[int, int, datetime | None]],
) -> None:
    """Learners' finished quizzes (user, lesson, score, max score, submitted at) and lessons
    opened (user, lesson, read to the end at) into the evidence, ignoring lessons no
    assignment covers."""
    covered = evidence.question_ids
    for user_id, lesson_id, score, max_score, submitted_at in quizzes:
        if lesson_id in covered and max_score:
            attempt = FinishedAttempt(score / max_score, submitted_at)
            evidence.quizzes.setdefault((user_id, lesson_id), []).append(attempt)
    for user_id, lesson_id, completed_at in lessons:
        if lesson_id in covered:
            evidence.read[user_id, lesson_id] = completed_at


def _class_evidence(
    assignments: Sequence[Assignment],
    learner_ids: Sequence[int],
    now: datetime,
    catalogue: Sequence[ModuleEntry],
    *,
    recall: bool = True,
) -> _Evidence:
    """Four queries: the learners' extensions, finished quizzes and lessons opened in the
    assigned lessons, and their cards' predicted recall, totalled per learner in the database
    (the costliest by far; without `recall`, it is left out and cells have no mastery)."""
    evidence = _scope(assignments, catalogue)
    scope = {"learner_ids": list(learner_ids), "lesson_ids": list(evidence.question_ids)}
    _fold(
        evidence,
        db.session.execute(_FINISHED_QUIZZES, scope),
        db.session.execute(_LESSONS_OPENED, scope),
    )
    extensions = db.session.execute(
        _EXTENSIONS,
        {"learner_ids": list(learner_ids), "assignment_ids": [a.id for a in assignments]},
    )
    evidence.due = {(user_id, a_id): due_at for user_id, a_id, due_at in extensions}
    if recall:
        _memories(evidence, assignments, learner_ids, now)
    return evidence


def _learner_evidence(
    assignments: Sequence[Assignment],
    history: LearnerHistory,
    now: datetime,
    catalogue: Sequence[ModuleEntry],
    *,
    due: dict[int, datetime] | None = None,
    recall: bool = True,
) -> _Evidence:
    """One learner's evidence from the history their page has already read, their own due
    dates (by assignment) and one query for their cards' predicted recall."""
    if history.user_id is None:
        raise ValueError("a visitor has no assignments")
    user_id = history.user_id
    evidence = _scope(assignments, catalogue)
    _fold(
        evidence,
        ((user_id, *quiz) for quiz in history.quizzes),
        ((user_id, lesson_id, completed_at) for lesson_id, _, completed_at in history.lessons),
    )
    evidence.due = {(user_id, a_id): due_at for a_id, due_at in (due or {}).items()}
    if recall:
        _memories(evidence, assignments, [user_id], now)
    return evidence


# Only reviewed cards have a memory to predict from (and only they can be leeches). Most cards
# are never reviewed, so leaving them out first spares the curve and the assignment checks
# most of the rows: the gradebook's recall query went from about 25 to 12 ms on SQLite.
_REVIEWED = ReviewCard.last_review.is_not(None)


# Each learner's own forgetting curve: the decay (w20) of the memory model that schedules
# them, FSRS's default without one, read through their user row.
_W20 = func.coalesce(MemoryModel.decay, DEFAULT_PARAMETERS[20])


def _with_learner_curves(query):
    return query.join(User, User.id == ReviewCard.user_id).outerjoin(
        MemoryModel, MemoryModel.id == User.memory_model_id
    )


def _recall_curve(at: BindParameter):
    """FSRS's forgetting curve at `at`, as `recall_probability` computes it, in SQL, with each
    learner's own decay (the statement joins it in with `_with_learner_curves`)."""
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
            func.sum(case((in_assignment, _recall_curve(now)))),
        ]
        if ahead:
            at_due = bindparam(f"at_{i}", type_=UTCDateTime())
            totals.append(func.sum(case((in_assignment, _recall_curve(at_due)))))
    # Grouped by learner alone, the cards arrive in the order of an index on the learner: no
    # sort, each card's learner looked up by key for their curve, and a class's tens of
    # thousands of cards come back as one row per learner.
    return (
        _with_learner_curves(
            select(
                ReviewCard.user_id,
                func.count().filter(ReviewCard.lapses >= LEECH_THRESHOLD),
                *totals,
            )
        )
        .where(
            in_list(ReviewCard.user_id, "learner_ids"),
            in_list(ReviewCard.question_id, "question_ids"),
            _REVIEWED,
        )
        .group_by(ReviewCard.user_id)
    )


# For item analysis: per question, the class's cards reviewed at least once, the leeches among
# them, and their recall summed at one instant.
_QUESTION_MEMORY = (
    _with_learner_curves(
        select(
            ReviewCard.question_id,
            func.count(),
            func.count().filter(ReviewCard.lapses >= LEECH_THRESHOLD),
            func.sum(_recall_curve(bindparam("at", type_=UTCDateTime()))),
        )
    )
    .where(
        in_list(ReviewCard.user_id, "learner_ids"),
        in_list(ReviewCard.question_id, "question_ids"),
        _REVIEWED,
    )
    .group_by(ReviewCard.question_id)
)


def _memories(
    evidence: _Evidence,
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
            evidence.memory[user_id, assignment.id] = _Memory(reviewed, recall_now, recall_at_due)


def _recall_instant(assignment: Assignment, now: datetime) -> datetime:
    """When recall is predicted for: the due date, or now once it has passed."""
    return max(now, assignment.due_at)


def _recall(
    evidence: _Evidence, user_id: int, assignment: Assignment
) -> tuple[int | None, int | None]:
    """Mean predicted recall over the assignment's questions, now and at its recall instant,
    a question never reviewed counting 0; None until the learner has reviewed one of them,
    since FSRS has no memory to predict from."""
    memory = evidence.memory.get((user_id, assignment.id))
    if memory is None or not memory.reviewed:
        return None, None
    questions = len(evidence.question_ids_of(assignment))
    return percent(memory.recall_now, questions), percent(memory.recall_at_due, questions)


def _cell(evidence: _Evidence, assignment: Assignment, user_id: int, now: datetime) -> Cell:
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
    recall_now, recall_at_due = _recall(evidence, user_id, assignment)
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
        lesson_standings=tuple(
            (lesson_id, standing_of([outcome], due_at=due_at, now=now)[0])
            for lesson_id, outcome in zip(lesson_ids, outcomes, strict=True)
        ),
    )


def _class_learner_ids(classroom: Classroom):
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
    evidence = _class_evidence(assignments, learner_ids, now, catalogue_modules(), recall=False)
    return [(a, user_id, _cell(evidence, a, user_id, now)) for a, user_id in pairs]


# ---------------------------------------------------------------------------------------------
# Learners: their own assignments


@dataclass(frozen=True)
class MyAssignment:
    assignment: Assignment
    classroom: Classroom
    cell: Cell

    @property
    def due_local(self) -> datetime:
        return local_time(self.cell.due_at, self.classroom.time_zone)

    @property
    def extended(self) -> bool:
        return self.cell.due_at != self.assignment.due_at


# The learner's assignments in their live classes, with their own due date when extended.
LEARNER_ASSIGNMENTS = (
    select(Assignment, Classroom, AssignmentExtension.due_at)
    .join(Classroom, Classroom.id == Assignment.class_id)
    .join(ClassMembership, ClassMembership.class_id == Classroom.id)
    .outerjoin(
        AssignmentExtension,
        (AssignmentExtension.assignment_id == Assignment.id)
        & (AssignmentExtension.user_id == ClassMembership.user_id),
    )
    # Titles and slugs for the links, not the lessons' text.
    .options(
        joinedload(Assignment.module).load_only(Module.slug, Module.title),
        joinedload(Assignment.lesson).load_only(Lesson.slug, Lesson.title),
    )
    .where(
        ClassMembership.user_id == bindparam("user_id"),
        ClassMembership.role == LEARNER,
        Classroom.archived_at.is_(None),
    )
    .order_by(Assignment.due_at, Assignment.id)
)
LEARNER_ASSIGNMENTS_IN_CLASS = LEARNER_ASSIGNMENTS.where(Classroom.id == bindparam("class_id"))


def learner_assignments(
    *,
    history: LearnerHistory,
    now: datetime,
    catalogue: Sequence[ModuleEntry],
    classroom: Classroom | None = None,
    recall: bool = True,
) -> list[MyAssignment]:
    """Every assignment of every class the learner is in (or of one of them), soonest due
    first (by the class's date), from the learner's history and the catalogue the page has
    already read; without `recall`, one query fewer and no predicted recall."""
    user_id = history.user_id
    if classroom is None:
        rows = db.session.execute(LEARNER_ASSIGNMENTS, {"user_id": user_id}).all()
    else:
        rows = db.session.execute(
            LEARNER_ASSIGNMENTS_IN_CLASS, {"user_id": user_id, "class_id": classroom.id}
        ).all()
    due = {a.id: own_due for a, _, own_due in rows if own_due is not None}
    evidence = _learner_evidence(
        [a for a, _, _ in rows], history, now, catalogue, due=due, recall=recall
    )
    return [MyAssignment(a, c, _cell(evidence, a, user_id, now)) for a, c, _ in rows]


def assigned_lessons(mine: Sequence[MyAssignment]) -> dict[int, tuple[MyAssignment, Standing]]:
    """Each assigned lesson's standing, by lesson id, under the assignment due soonest that
    covers it: what the Lessons pages show beside it instead of the lesson's own progress."""
    lessons: dict[int, tuple[MyAssignment, Standing]] = {}
    for item in sorted(mine, key=lambda item: item.cell.due_at):
        for lesson_id, standing in item.cell.lesson_standings:
            lessons.setdefault(lesson_id, (item, standing))
    return lessons


# ---------------------------------------------------------------------------------------------
# Instructors: the gradebook


@dataclass(frozen=True)
class GradebookRow:
    learner: User
    cells: dict[int, Cell]
    leeches: int


SORT_KEYS = ("name", "email", "leeches")


@dataclass(frozen=True)
class Gradebook:
    classroom: Classroom
    assignments: list[Assignment]
    rows: list[GradebookRow]
    sort: str
    descending: bool
    # Only the learners at this status on this assignment, when the page was asked for them.
    only: tuple[Assignment, Status] | None = None
    # The whole class, however many rows `only` leaves.
    class_size: int = 0

    def not_started(self, assignment: Assignment) -> int:
        return sum(row.cells[assignment.id].status is Status.NOT_STARTED for row in self.rows)

    def status_counts(self, assignment: Assignment) -> list[tuple[Status, int]]:
        """How many learners stand at each status, in the order work moves through them."""
        counts = Counter(row.cells[assignment.id].status for row in self.rows)
        return [(status, counts[status]) for status in Status if counts[status]]


def _sort_key(sort: str):
    if sort == "email":
        return lambda row: row.learner.email
    if sort == "leeches":
        return lambda row: (row.leeches, row.learner.display_name.lower())
    if sort.startswith("a") and sort[1:].isdigit():
        assignment_id = int(sort[1:])

        def by_assignment(row: GradebookRow):
            cell = row.cells.get(assignment_id)
            if cell is None:
                return (0, 0, 0)
            return (cell.status.is_done, cell.score_percent or 0, cell.mastery_percent or 0)

        return by_assignment
    return lambda row: (row.learner.display_name.lower(), row.learner.id)


def is_sort_key(sort: str, assignments: Sequence[Assignment]) -> bool:
    return sort in SORT_KEYS or sort in {f"a{a.id}" for a in assignments}


def class_gradebook(
    *,
    classroom: Classroom,
    now: datetime,
    sort: str = "name",
    descending: bool = False,
    only: tuple[int, Status] | None = None,
    recall: bool = True,
) -> Gradebook:
    """Learners by assignments; an unknown sort falls back to names. With `only` (an
    assignment id and a status), just the learners at that status on it (an assignment not
    in the class shows everyone). Without `recall`, a query fewer and no predicted recall."""
    assignments = class_assignments(classroom)
    _, learners = class_people(classroom)
    evidence = _class_evidence(
        assignments, [learner.id for learner in learners], now, catalogue_modules(), recall=recall
    )
    rows = [
        GradebookRow(
            learner,
            {a.id: _cell(evidence, a, learner.id, now) for a in assignments},
            evidence.leeches[learner.id],
        )
        for learner in learners
    ]
    if not is_sort_key(sort, assignments):
        sort = "name"
    rows.sort(key=_sort_key(sort), reverse=descending)
    chosen = None
    if only is not None:
        assignment = next((a for a in assignments if a.id == only[0]), None)
        if assignment is not None:
            chosen = (assignment, only[1])
            rows = [row for row in rows if row.cells[assignment.id].status is only[1]]
    return Gradebook(classroom, assignments, rows, sort, descending, chosen, len(learners))


def _format_percent(value: int | None) -> str:
    return "" if value is None else str(value)


def gradebook_csv(gradebook: Gradebook) -> str:
    """The gradebook as a spreadsheet: one row per learner, five columns per assignment."""
    header = ["Learner", "Email"]
    for a in gradebook.assignments:
        # The kind keeps a module and a lesson of the same title apart.
        name = f"{a.title} ({'module' if a.module_id else 'lesson'})"
        header += [
            f"{name}: status",
            f"{name}: lessons done",
            f"{name}: score %",
            f"{name}: recall today %",
            f"{name}: recall at due date %",
        ]
    header.append("Leeches")
    rows = []
    for row in gradebook.rows:
        cells: list[object] = [row.learner.display_name, row.learner.email]
        for a in gradebook.assignments:
            cell = row.cells[a.id]
            cells += [
                cell.standing.words,
                f"{cell.lessons_done} of {cell.lessons_total}",
                _format_percent(cell.score_percent),
                _format_percent(cell.mastery_percent),
                _format_percent(cell.recall_at_due_percent),
            ]
        cells.append(row.leeches)
        rows.append(cells)
    return csv_text(header, rows)


# ---------------------------------------------------------------------------------------------
# Instructors: one learner


@dataclass(frozen=True)
class AttemptLine:
    attempt: QuizAttempt
    lesson: Lesson

    @property
    def percent(self) -> int | None:
        if self.attempt.submitted_at is None or not self.attempt.max_score:
            return None
        return percent(self.attempt.score, self.attempt.max_score)


@dataclass(frozen=True)
class LeechLine:
    question: Question
    lapses: int
    # Set aside at eight failures until the learner chooses to keep reviewing it.
    set_aside: bool


@dataclass(frozen=True)
class LearnerReport:
    learner: User
    assignments: list[tuple[Assignment, Cell]]
    attempts: list[AttemptLine]
    reviews_per_day: list[tuple[date, int]]
    leeches: list[LeechLine]

    @property
    def recent_reviews(self) -> int:
        return sum(count for _, count in self.reviews_per_day)

    @property
    def active_days(self) -> int:
        return sum(count > 0 for _, count in self.reviews_per_day)

    @property
    def review_rows(self) -> list[tuple[str, int]]:
        """The days with reviews, as rows of a table."""
        return [(day.strftime("%d %b"), count) for day, count in self.reviews_per_day if count]


def learner_report(*, classroom: Classroom, learner: User, now: datetime) -> LearnerReport:
    """One learner's assignments, quiz attempts, recent review activity and leeches."""
    assignments = class_assignments(classroom)
    extensions = db.session.execute(
        _EXTENSIONS, {"learner_ids": [learner.id], "assignment_ids": [a.id for a in assignments]}
    )
    evidence = _learner_evidence(
        assignments,
        learner_history(learner),
        now,
        catalogue_modules(),
        due={a_id: due_at for _, a_id, due_at in extensions},
    )
    # Only the assigned work: the rest of a learner's activity is theirs, not the class's.
    lesson_ids = {lesson_id for ids in evidence.lesson_ids.values() for lesson_id in ids}
    question_ids = [q for lesson_id in lesson_ids for q in evidence.question_ids[lesson_id]]
    attempts = db.session.execute(
        select(QuizAttempt, Lesson)
        .join(Lesson, Lesson.id == QuizAttempt.lesson_id)
        .where(QuizAttempt.user_id == learner.id, QuizAttempt.lesson_id.in_(lesson_ids))
        .order_by(QuizAttempt.started_at.desc())
    ).all()
    today = learner_day(now, learner.time_zone)
    days = dict(
        db.session.execute(
            select(ActivityDay.day, ActivityDay.reviews).where(
                ActivityDay.user_id == learner.id,
                ActivityDay.day > today - timedelta(days=ACTIVITY_DAYS),
            )
        ).all()
    )
    leeches = db.session.execute(
        select(Question, ReviewCard.lapses, ReviewCard.suspended_at.is_not(None))
        .join(ReviewCard, ReviewCard.question_id == Question.id)
        .where(
            ReviewCard.user_id == learner.id,
            ReviewCard.question_id.in_(question_ids),
            ReviewCard.lapses >= LEECH_THRESHOLD,
        )
        .order_by(ReviewCard.lapses.desc(), Question.id)
    ).all()
    return LearnerReport(
        learner=learner,
        assignments=[(a, _cell(evidence, a, learner.id, now)) for a in assignments],
        attempts=[AttemptLine(attempt, lesson) for attempt, lesson in attempts],
        reviews_per_day=[
            (day, days.get(day, 0))
            for day in (today - timedelta(days=n) for n in range(ACTIVITY_DAYS - 1, -1, -1))
        ],
        leeches=[LeechLine(*leech) for leech in leeches],
    )


# ---------------------------------------------------------------------------------------------
# Instructors: item analysis and predicted forgetting


@dataclass(frozen=True)
class ItemRow:
    question: Question
    spec: QuestionSpec
    responses: int
    # Share of learners right on their first answer; None when nobody has answered yet.
    facility: float | None
    common_wrong: str | None
    common_wrong_count: int
    median_seconds: float | None
    discrimination: float | None
    flags: list[str]
    # Mean predicted recall at the due date among learners who have answered the question.
    recall_at_due: int | None
    leeches: int

    @property
    def facility_percent(self) -> int | None:
        return None if self.facility is None else percent(self.facility, 1)


@dataclass(frozen=True)
class ItemAnalysis:
    assignment: Assignment
    learners: int
    rows: list[ItemRow]
    # When recall is predicted for: the due date, or now once it has passed.
    recall_at: datetime
    # The whole class over every question (unanswered counts 0): how much will be kept.
    class_recall_at_due: int | None

    @property
    def most_forgotten(self) -> list[ItemRow]:
        rated = [row for row in self.rows if row.recall_at_due is not None]
        return sorted(rated, key=lambda row: (row.recall_at_due, row.question.position))[:5]


_RANKED_ANSWERS = (
    select(
        QuizAttempt.user_id,
        QuizAnswer.question_id,
        # Only wrong answers' responses are read (item analysis shows the commonest), and
        # decoding every response's JSON took half the page's time on PostgreSQL.
        case((QuizAnswer.is_correct, null()), else_=QuizAnswer.response).label("response"),
        QuizAnswer.is_correct,
        QuizAnswer.time_taken_ms,
        func.row_number()
        .over(
            partition_by=(QuizAttempt.user_id, QuizAnswer.question_id),
            order_by=(QuizAnswer.answered_at, QuizAnswer.id),
        )
        .label("nth"),
    )
    .join(QuizAttempt, QuizAttempt.id == QuizAnswer.attempt_id)
    .where(
        in_list(QuizAttempt.user_id, "learner_ids"),
        in_list(QuizAnswer.question_id, "question_ids"),
    )
    .subquery()
)
# Each learner's first answer to each question, over all their quiz attempts.
_FIRST_ANSWERS = select(
    _RANKED_ANSWERS.c.user_id,
    _RANKED_ANSWERS.c.question_id,
    _RANKED_ANSWERS.c.response,
    _RANKED_ANSWERS.c.is_correct,
    _RANKED_ANSWERS.c.time_taken_ms,
).where(_RANKED_ANSWERS.c.nth == 1)


def item_analysis(*, classroom: Classroom, assignment: Assignment, now: datetime) -> ItemAnalysis:
    """Per question: facility, the commonest wrong answer, median time, discrimination, flags,
    and the recall FSRS predicts at the due date."""
    learner_ids = list(db.session.scalars(_class_learner_ids(classroom)))
    evidence = _scope([assignment], catalogue_modules())
    _memories(evidence, [assignment], learner_ids, now)
    question_ids = evidence.question_ids_of(assignment)
    in_scope = select(Question).where(Question.id.in_(question_ids))
    loaded = {question.id: question for question in db.session.scalars(in_scope)}
    questions = [loaded[question_id] for question_id in question_ids]
    answers = db.session.execute(
        _FIRST_ANSWERS, {"learner_ids": learner_ids, "question_ids": question_ids}
    ).all()
    by_question: dict[int, list] = defaultdict(list)
    right_by_learner: dict[int, list[bool]] = defaultdict(list)
    for answer in answers:
        by_question[answer.question_id].append(answer)
        right_by_learner[answer.user_id].append(answer.is_correct)
    totals = {user_id: sum(rights) / len(rights) for user_id, rights in right_by_learner.items()}
    at = _recall_instant(assignment, now)
    question_memory = {
        question_id: (reviewed, leeches, recall)
        for question_id, reviewed, leeches, recall in db.session.execute(
            _QUESTION_MEMORY, {"learner_ids": learner_ids, "question_ids": question_ids, "at": at}
        )
    }
    rows = []
    for question in questions:
        spec = question_spec(question)
        given = by_question.get(question.id, [])
        wrong = Counter(spec.describe(a.response) for a in given if not a.is_correct)
        common_wrong, common_count = wrong.most_common(1)[0] if wrong else (None, 0)
        facility = sum(a.is_correct for a in given) / len(given) if given else None
        discrimination = discrimination_index([(totals[a.user_id], a.is_correct) for a in given])
        seconds = median(a.time_taken_ms / 1000 for a in given if a.time_taken_ms is not None)
        reviewed, leeches, recall = question_memory.get(question.id, (0, 0, None))
        rows.append(
            ItemRow(
                question=question,
                spec=spec,
                responses=len(given),
                facility=facility,
                common_wrong=common_wrong,
                common_wrong_count=common_count,
                median_seconds=seconds,
                discrimination=discrimination,
                flags=item_flags(facility, discrimination, len(given)),
                recall_at_due=percent(recall, reviewed) if reviewed else None,
                leeches=leeches,
            )
        )
    everyone = [_recall(evidence, user_id, assignment)[1] for user_id in learner_ids]
    known = [value for value in everyone if value is not None]
    return ItemAnalysis(
        assignment=assignment,
        learners=len(learner_ids),
        rows=rows,
        recall_at=at,
        class_recall_at_due=round(sum(known) / len(known)) if known else None,
    )
