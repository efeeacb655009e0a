"""Item analysis of an assignment: how each question performed and what the class will
remember of it at the due date."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, case, func, null, select

from quizapp.core.classes import (
    discrimination_index,
    item_flags,
    median,
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
)
from quizapp.services.catalogue import catalogue_modules, question_spec
from quizapp.services.class_evidence import (
    REVIEWED,
    class_learner_ids,
    load_memories,
    recall_curve,
    recall_instant,
    recall_percents,
    scope,
    with_learner_curves,
)

# For item analysis: per question, the class's cards reviewed at least once, the leeches among
# them, and their recall summed at one instant.
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
    learner_ids = list(db.session.scalars(class_learner_ids(classroom)))
    evidence = scope([assignment], catalogue_modules())
    load_memories(evidence, [assignment], learner_ids, now)
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
    at = recall_instant(assignment, now)
    question_memory = {
        question_id: (reviewed, leeches, recall)
        for question_id, reviewed, leeches, recall in db.session.execute(
            QUESTION_MEMORY, {"learner_ids": learner_ids, "question_ids": question_ids, "at": at}
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
    everyone = [recall_percents(evidence, user_id, assignment)[1] for user_id in learner_ids]
    known = [value for value in everyone if value is not None]
    return ItemAnalysis(
        assignment=assignment,
        learners=len(learner_ids),
        rows=rows,
        recall_at=at,
        class_recall_at_due=round(sum(known) / len(known)) if known else None,
    )
