"""Item statistics of an assignment, like Moodle's quiz statistics report and beyond it: how
each question performed on learners' first answers (facility, discrimination, a table of the
responses, who missed it), the quiz's spread of scores and internal consistency, and what the
class will remember of each question at the due date. Also as CSV.

Fixed queries whatever the class size: the learners, their cards' recall per assignment and
per question, the questions, every first answer, and the scores of each learner's first
attempt at each lesson (for the quiz's internal consistency).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, case, func, null, select

from quizapp.core.classes import csv_text, median
from quizapp.core.item_statistics import (
    Consistency,
    Discrimination,
    ResponseRow,
    ScoreSummary,
    consistency,
    discrimination,
    distractor_flags,
    item_flags,
    response_table,
    score_summary,
)
from quizapp.core.progress import percent
from quizapp.core.questions import QuestionSpec
from quizapp.core.scheduling import LEECH_THRESHOLD
from quizapp.db import UTCDateTime, db, in_list
from quizapp.models import (
    Assignment,
    Classroom,
    Question,
    QuizAnswer,
    QuizAttempt,
    ReviewCard,
    User,
)
from quizapp.services.catalogue import catalogue_modules, question_spec
from quizapp.services.class_evidence import (
    REVIEWED,
    load_memories,
    recall_curve,
    recall_instant,
    recall_percents,
    scope,
    with_learner_curves,
)
from quizapp.services.classes import class_people

# Per question, the class's cards reviewed at least once, the leeches among them, and their
# recall summed at one instant.
QUESTION_MEMORY = (
    with_learner_curves(
        select(
            ReviewCard.question_id,
            func.count(),
            func.count().filter(ReviewCard.lapses >= LEECH_THRESHOLD),
            func.sum(recall_curve(bindparam("at", type_=UTCDateTime()))),
        )
    )
    .where(
        in_list(ReviewCard.user_id, "learner_ids"),
        in_list(ReviewCard.question_id, "question_ids"),
        REVIEWED,
    )
    .group_by(ReviewCard.question_id)
)


@dataclass(frozen=True)
class ItemRow:
    question: Question
    spec: QuestionSpec
    responses: int
    # Share of learners right on their first answer; None when nobody has answered yet.
    facility: float | None
    discrimination: Discrimination | None
    median_seconds: float | None
    # What the counts in `table` mean, and the table itself.
    table_caption: str
    table: list[ResponseRow]
    flags: list[str]
    # Learners whose first answer was not fully right, by name.
    missed_by: list[User]
    # Mean predicted recall at the due date among learners who have reviewed the question.
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
    # First-attempt scores: each learner's share right over the questions they answered.
    scores: ScoreSummary | None
    consistency: Consistency | None
    # Why there is no consistency figure, when there is none.
    consistency_missing: str
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
        # A fully right answer's response is the key's own: only the others are read, since
        # decoding every response's JSON took half the page's time on PostgreSQL.
        case((QuizAnswer.is_correct, null()), else_=QuizAnswer.response).label("response"),
        QuizAnswer.is_correct,
        QuizAnswer.score,
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
    _RANKED_ANSWERS.c.score,
    _RANKED_ANSWERS.c.time_taken_ms,
).where(_RANKED_ANSWERS.c.nth == 1)


# Each learner's first finished attempt at each lesson, with the questions in the order asked.
_RANKED_ATTEMPTS = (
    select(
        QuizAttempt.id,
        QuizAttempt.user_id,
        QuizAttempt.lesson_id,
        QuizAttempt.question_ids,
        func.row_number()
        .over(
            partition_by=(QuizAttempt.user_id, QuizAttempt.lesson_id),
            order_by=(QuizAttempt.submitted_at, QuizAttempt.id),
        )
        .label("nth"),
    )
    .where(
        in_list(QuizAttempt.user_id, "learner_ids"),
        in_list(QuizAttempt.lesson_id, "lesson_ids"),
        QuizAttempt.submitted_at.is_not(None),
    )
    .subquery()
)
_FIRST_ATTEMPT_SCORES = (
    select(
        _RANKED_ATTEMPTS.c.user_id,
        _RANKED_ATTEMPTS.c.lesson_id,
        _RANKED_ATTEMPTS.c.question_ids,
        QuizAnswer.question_id,
        QuizAnswer.score,
    )
    .join(QuizAnswer, QuizAnswer.attempt_id == _RANKED_ATTEMPTS.c.id)
    .where(_RANKED_ATTEMPTS.c.nth == 1)
)


def _slot_matrix(rows, lesson_ids: list[int]) -> list[list[float]]:
    """Learners by the places in their first attempts (each lesson's, in course order), as
    Moodle scores a quiz drawn from a pool: an item is a place in the attempt, whichever
    question the draw put there. Only learners with a first attempt at every lesson, and
    places every such attempt has."""
    by_attempt: dict[tuple[int, int], dict[int, float]] = defaultdict(dict)
    order: dict[tuple[int, int], list[int]] = {}
    for user_id, lesson_id, asked, question_id, score in rows:
        by_attempt[user_id, lesson_id][question_id] = score
        order[user_id, lesson_id] = asked
    learners = {user_id for user_id, _ in order}
    matrix = []
    for user_id in sorted(learners):
        if any((user_id, lesson_id) not in order for lesson_id in lesson_ids):
            continue
        matrix.append(
            [
                by_attempt[user_id, lesson_id].get(question_id, 0.0)
                for lesson_id in lesson_ids
                for question_id in order[user_id, lesson_id]
            ]
        )
    if not matrix:
        return []
    places = min(len(row) for row in matrix)
    return [row[:places] for row in matrix]


def _missing_consistency(learners: int, places: int) -> str:
    if places and places < 3:
        return "Internal consistency needs a quiz of at least 3 questions."
    verb = "has" if learners == 1 else "have"
    return (
        "Internal consistency needs the first attempts of at least 5 learners at every "
        f"lesson of the assignment; {learners} {verb} them so far."
    )


def item_analysis(*, classroom: Classroom, assignment: Assignment, now: datetime) -> ItemAnalysis:
    """Per question: facility, discrimination, the responses, who missed it, median time,
    flags and the recall FSRS predicts at the due date; for the quiz, the scores' spread and
    internal consistency."""
    _, learners = class_people(classroom)
    learner_ids = [learner.id for learner in learners]
    names = {learner.id: learner for learner in learners}
    evidence = scope([assignment], catalogue_modules())
    load_memories(evidence, [assignment], learner_ids, now)
    question_ids = evidence.question_ids_of(assignment)
    in_scope = select(Question).where(Question.id.in_(question_ids))
    loaded = {question.id: question for question in db.session.scalars(in_scope)}
    questions = [loaded[question_id] for question_id in question_ids]
    specs = {question.id: question_spec(question) for question in questions}
    answers = db.session.execute(
        _FIRST_ANSWERS, {"learner_ids": learner_ids, "question_ids": question_ids}
    ).all()
    by_question: dict[int, list] = defaultdict(list)
    # Each learner's first answers: their scores summed, and how many.
    answered: dict[int, list[float]] = defaultdict(lambda: [0.0, 0])
    for answer in answers:
        by_question[answer.question_id].append(answer)
        answered[answer.user_id][0] += answer.score
        answered[answer.user_id][1] += 1
    totals = {user_id: total / count for user_id, (total, count) in answered.items()}
    at = recall_instant(assignment, now)
    question_memory = {
        question_id: (reviewed, leeches, recall)
        for question_id, reviewed, leeches, recall in db.session.execute(
            QUESTION_MEMORY, {"learner_ids": learner_ids, "question_ids": question_ids, "at": at}
        )
    }
    rows = [
        _item_row(
            question,
            specs[question.id],
            by_question.get(question.id, []),
            answered,
            totals,
            names,
            question_memory.get(question.id, (0, 0, None)),
        )
        for question in questions
    ]
    lesson_ids = evidence.lesson_ids[assignment.id]
    slots = _slot_matrix(
        db.session.execute(
            _FIRST_ATTEMPT_SCORES, {"learner_ids": learner_ids, "lesson_ids": lesson_ids}
        ).all(),
        lesson_ids,
    )
    everyone = [recall_percents(evidence, user_id, assignment)[1] for user_id in learner_ids]
    known = [value for value in everyone if value is not None]
    return ItemAnalysis(
        assignment=assignment,
        learners=len(learner_ids),
        rows=rows,
        scores=score_summary(list(totals.values())),
        consistency=consistency(slots) if slots else None,
        consistency_missing=_missing_consistency(len(slots), len(slots[0]) if slots else 0),
        recall_at=at,
        class_recall_at_due=round(sum(known) / len(known)) if known else None,
    )


def _item_row(question, spec, given, answered, totals, names, memory) -> ItemRow:
    """One question's statistics from its first answers (`given`)."""
    right_response = spec.right_response()
    responses = [right_response if a.is_correct else a.response for a in given]
    caption, table = response_table(spec, responses)
    facility = sum(a.is_correct for a in given) / len(given) if given else None
    # The rest of the quiz: the learner's mean over the other questions they answered.
    pairs = [
        (a.score, (answered[a.user_id][0] - a.score) / (answered[a.user_id][1] - 1))
        for a in given
        if answered[a.user_id][1] > 1
    ]
    found = discrimination(pairs)
    flags = item_flags(facility, found.index if found else None, len(given))
    if spec.type_name in ("single_choice", "multiple_select"):
        choosers: dict[str, list[float]] = defaultdict(list)
        for answer, response in zip(given, responses, strict=True):
            for key in spec.choice_ids(response):
                choosers[key].append(totals[answer.user_id])
        flags += distractor_flags(table, choosers, [totals[a.user_id] for a in given])
    reviewed, leeches, recall = memory
    return ItemRow(
        question=question,
        spec=spec,
        responses=len(given),
        facility=facility,
        discrimination=found,
        median_seconds=median(a.time_taken_ms / 1000 for a in given if a.time_taken_ms is not None),
        table_caption=caption,
        table=table,
        flags=flags,
        missed_by=sorted(
            (names[a.user_id] for a in given if not a.is_correct),
            key=lambda user: (user.display_name.lower(), user.id),
        ),
        recall_at_due=percent(recall, reviewed) if reviewed else None,
        leeches=leeches,
    )


def _decimal(value: float | None, places: int = 2) -> str:
    return "" if value is None else f"{value:.{places}f}"


def statistics_csv(report: ItemAnalysis) -> str:
    """One row per question with its figures and its responses in one cell."""
    header = [
        "Position",
        "Question",
        "Type",
        "Answered",
        "Right first time %",
        "Discrimination index",
        "Discriminative efficiency",
        "Median seconds",
        "Predicted recall at due %",
        "Leeches",
        "Responses",
        "Flags",
    ]
    rows = []
    for n, row in enumerate(report.rows, start=1):
        found = row.discrimination
        rows.append(
            [
                n,
                row.question.prompt,
                row.spec.type_name.replace("_", " "),
                row.responses,
                "" if row.facility_percent is None else row.facility_percent,
                _decimal(found.index if found else None),
                _decimal(found.efficiency if found else None),
                "" if row.median_seconds is None else round(row.median_seconds),
                "" if row.recall_at_due is None else row.recall_at_due,
                row.leeches,
                "; ".join(
                    f"{line.label}{' (right)' if line.right else ''}: {line.count}"
                    for line in row.table
                ),
                "; ".join(row.flags),
            ]
        )
    return csv_text(header, rows)
