"""Review sessions: which card comes next, checking an answer, recording a rating, and undo.

The review log is the source of truth. Each row keeps the card as it was before the review,
so undo restores it exactly; an undone row is voided, never deleted. A rating is written
with a guard on the card's review count, so a double submit records one review, not two.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import (
    Boolean,
    Integer,
    and_,
    bindparam,
    case,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.orm import contains_eager
from sqlalchemy.orm.attributes import set_committed_value

from quizapp.core.cases import Case, case_from_data
from quizapp.core.memory_model import valid_parameters
from quizapp.core.progress import DailyGoal, day_end, learner_day
from quizapp.core.questions import Feedback, FormValues, answer_feedback
from quizapp.core.scheduling import (
    DEFAULT_PARAMETERS,
    CardState,
    Memory,
    Rating,
    ReviewSettings,
    before_due_date,
    format_interval,
    new_memory,
    preview,
    review,
    sets_aside,
    spell_interval,
    suggested_rating,
)
from quizapp.db import UTCDateTime, db, in_list, upsert
from quizapp.models import (
    Assignment,
    Lesson,
    MemoryModel,
    Question,
    ReviewCard,
    ReviewLog,
    User,
)
from quizapp.models.review import QUIZ, REVIEW
from quizapp.services import progress
from quizapp.services.catalogue import question_spec
from quizapp.services.errors import Refused
from quizapp.services.load_balancing import balanced_review
from quizapp.services.open_assignments import OWN_DUE_AT, open_assignments

# Learning steps are minutes apart: show one that falls due this soon rather than make the
# learner wait for it, as Anki's "learn ahead" limit does.
LEARN_AHEAD = timedelta(minutes=20)
# ...but not a card answered this recently: a question just answered in a quiz, or rated
# Good a moment ago, would otherwise be asked again within seconds.
LEARN_AHEAD_GAP = timedelta(minutes=5)


def review_settings(user: User) -> ReviewSettings:
    return ReviewSettings(
        desired_retention=user.desired_retention,
        maximum_interval_days=current_app.config["REVIEW_MAXIMUM_INTERVAL_DAYS"],
        fuzz=current_app.config["REVIEW_FUZZ"],
        parameters=model_parameters(user.memory_model),
    )


def model_parameters(model: MemoryModel | None) -> tuple[float, ...]:
    """A stored model's weights; FSRS's defaults for none (or, defensively, for weights that
    no longer pass the checks they were stored under)."""
    if model is None:
        return DEFAULT_PARAMETERS
    return valid_parameters(model.parameters) or DEFAULT_PARAMETERS


def memory_of(card: ReviewCard) -> Memory:
    return Memory(
        due=card.due,
        state=CardState(card.state),
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        last_review=card.last_review,
        reps=card.reps,
        lapses=card.lapses,
    )


def card_columns(memory: Memory) -> dict:
    return {
        "due": memory.due,
        "state": int(memory.state),
        "step": memory.step,
        "stability": memory.stability,
        "difficulty": memory.difficulty,
        "last_review": memory.last_review,
        "reps": memory.reps,
        "lapses": memory.lapses,
    }


def _snapshot(memory: Memory) -> dict:
    """The memory as JSON, datetimes as ISO strings, for the log's `card_before`."""
    return {
        key: value.isoformat() if isinstance(value, datetime) else value
        for key, value in card_columns(memory).items()
    }


def _from_snapshot(snapshot: dict) -> Memory:
    values = dict(snapshot)
    for key in ("due", "last_review"):
        if values[key] is not None:
            values[key] = datetime.fromisoformat(values[key])
    values["state"] = CardState(values["state"])
    return Memory(**values)


@upsert
def _card_created(insert):
    return insert(ReviewCard).on_conflict_do_nothing(index_elements=["user_id", "question_id"])


# The quiz rows of the cards just created, read off the cards themselves: one statement
# whether or not any card was new, so answering runs the same queries every time. A first
# step failed is the card's one lapse.
_FIRST_STEPS_LOGGED = insert(ReviewLog.__table__).from_select(
    [
        "card_id",
        "user_id",
        "question_id",
        "rating",
        "reviewed_at",
        "state",
        "step",
        "stability",
        "difficulty",
        "due",
        "card_before",
        "was_new",
        "kind",
        "model_id",
    ],
    select(
        ReviewCard.id,
        ReviewCard.user_id,
        ReviewCard.question_id,
        case((ReviewCard.lapses > 0, int(Rating.AGAIN)), else_=int(Rating.GOOD)),
        ReviewCard.created_at,
        ReviewCard.state,
        ReviewCard.step,
        ReviewCard.stability,
        ReviewCard.difficulty,
        ReviewCard.due,
        bindparam("card_before", type_=ReviewLog.card_before.type),
        literal(True),
        literal(QUIZ),
        bindparam("model_id", type_=Integer()),
    ).where(
        ReviewCard.user_id == bindparam("user_id"),
        in_list(ReviewCard.question_id, "question_ids"),
        ReviewCard.reps == 1,
        ReviewCard.created_at == bindparam("now", type_=UTCDateTime()),
        ~exists().where(ReviewLog.card_id == ReviewCard.id),
    ),
)


def cards_for_answer(*, user: User, answers: Sequence[tuple[int, bool]], now: datetime) -> None:
    """Every question answered in a quiz, (question id, answered right), becomes a review
    card for the learner, once. The answer is the card's first step, logged as a quiz row:
    Good when right, Again when not, so it comes back in minutes, not within the minute.
    Two statements, whatever the answers."""
    if not answers:
        return
    settings = review_settings(user)
    born = new_memory(now)
    db.session.execute(
        _card_created(),
        [
            {
                "user_id": user.id,
                "question_id": question_id,
                "created_at": now,
                **card_columns(review(born, Rating.GOOD if right else Rating.AGAIN, now, settings)),
            }
            for question_id, right in answers
        ],
    )
    db.session.execute(
        _FIRST_STEPS_LOGGED,
        {
            "user_id": user.id,
            "question_ids": [question_id for question_id, _ in answers],
            "now": now,
            "card_before": _snapshot(born),
            "model_id": user.memory_model_id,
        },
    )


@dataclass(frozen=True)
class Today:
    """The learner's review day so far and what is left within their limits."""

    reviews_done: int
    new_done: int
    due_reviews: int
    new_available: int
    correct: int

    @property
    def remaining(self) -> int:
        return self.due_reviews + self.new_available


# The statements of the review flow are built once, with bound parameters: it runs them on
# every request, and building and keying a SELECT costs more than SQLite takes to run it.
_USER = bindparam("user_id")
_DUE_CARD = and_(
    ReviewCard.user_id == _USER,
    ReviewCard.suspended_at.is_(None),
    or_(
        and_(ReviewCard.state == int(CardState.REVIEW), ReviewCard.due < bindparam("day_end")),
        and_(ReviewCard.state != int(CardState.REVIEW), ReviewCard.due <= bindparam("now")),
        # Learning ahead, but never a card seen in the last few minutes.
        and_(
            ReviewCard.state != int(CardState.REVIEW),
            ReviewCard.due <= bindparam("soon"),
            ReviewCard.last_review <= bindparam("settled"),
        ),
    ),
)
_REVIEWED_TODAY = (
    select(
        func.count().filter(ReviewLog.was_new.is_(False)).label("reviews"),
        func.count().filter(ReviewLog.was_new.is_(True)).label("new"),
        func.count().filter(ReviewLog.rating > int(Rating.AGAIN)).label("recalled"),
    )
    .where(
        ReviewLog.user_id == _USER,
        ReviewLog.voided_at.is_(None),
        ReviewLog.kind == REVIEW,
        ReviewLog.reviewed_at >= bindparam("day_start"),
    )
    .subquery()
)
_DUE_NOW = (
    select(
        func.count().filter(ReviewCard.reps > 0).label("due_reviews"),
        func.count().filter(ReviewCard.reps == 0).label("due_new"),
    )
    .where(_DUE_CARD)
    .subquery()
)
# Each subquery is one row: joining them on nothing gives that row.
_TODAY = select(_REVIEWED_TODAY, _DUE_NOW).select_from(_REVIEWED_TODAY.join(_DUE_NOW, true()))
# Due reviews first, most overdue first; then new cards; then learning steps due shortly, so
# a card just failed comes back after the others rather than straight away.
_QUEUE_ORDER = (
    case(
        (and_(ReviewCard.reps > 0, ReviewCard.due <= bindparam("now")), 0),
        (and_(ReviewCard.reps > 0, ReviewCard.state == int(CardState.REVIEW)), 0),
        (ReviewCard.reps == 0, 1),
        else_=2,
    ),
    ReviewCard.due,
    ReviewCard.id,
)
# The next card with its question and lesson, among whichever of due reviews and new cards
# the day's limits still allow.
_NEXT_CARD = (
    select(ReviewCard)
    .options(contains_eager(ReviewCard.question).contains_eager(Question.lesson))
    .join(ReviewCard.question)
    .join(Question.lesson)
    .where(
        _DUE_CARD,
        or_(
            and_(bindparam("reviews_left", type_=Boolean), ReviewCard.reps > 0),
            and_(bindparam("new_left", type_=Boolean), ReviewCard.reps == 0),
        ),
    )
    .order_by(*_QUEUE_ORDER)
    .limit(1)
)
# The earliest due date, still ahead, of the learner's open assignments that hold the card's
# lesson (or its module): reviews end before it.
_NEXT_DUE_DATE = (
    open_assignments(
        select(func.min(OWN_DUE_AT, type_=UTCDateTime())).select_from(Assignment),
        user_id=_USER,
        now=bindparam("now"),
    )
    .where(or_(Assignment.lesson_id == Lesson.id, Assignment.module_id == Lesson.module_id))
    .correlate(Lesson)
    .scalar_subquery()
)
# A learner's own card, with its question and lesson, whether it is due now and the next due
# date it counts towards.
_OWN_CARD = (
    select(ReviewCard, _DUE_CARD.label("due_now"), _NEXT_DUE_DATE.label("due_date"))
    .options(contains_eager(ReviewCard.question).contains_eager(Question.lesson))
    .join(ReviewCard.question)
    .join(Question.lesson)
    .where(ReviewCard.id == bindparam("card_id"), ReviewCard.user_id == _USER)
)


def _day_params(user: User, now: datetime) -> dict:
    day = learner_day(now, user.time_zone)
    return {
        "user_id": user.id,
        "now": now,
        "soon": now + LEARN_AHEAD,
        "settled": now - LEARN_AHEAD_GAP,
        "day_start": day_end(day - timedelta(days=1), user.time_zone),
        "day_end": day_end(day, user.time_zone),
    }


def today(*, user: User, now: datetime) -> Today:
    """Counts for the learner's day (one query)."""
    reviews_done, new_done, correct, due_reviews, due_new = db.session.execute(
        _TODAY, _day_params(user, now)
    ).one()
    return Today(
        reviews_done=reviews_done,
        new_done=new_done,
        due_reviews=min(due_reviews, max(0, user.reviews_per_day - reviews_done)),
        new_available=min(due_new, max(0, user.new_cards_per_day - new_done)),
        correct=correct,
    )


def next_card(*, user: User, now: datetime, counts: Today | None = None) -> ReviewCard | None:
    """The card to review now, its question and lesson loaded with it (one query, none when
    the day's limits are reached). Pass `counts` when the caller already has them."""
    counts = counts or today(user=user, now=now)
    if not (counts.due_reviews or counts.new_available):
        return None
    return db.session.scalar(
        _NEXT_CARD,
        {
            **_day_params(user, now),
            "reviews_left": counts.due_reviews > 0,
            "new_left": counts.new_available > 0,
        },
    )


# The cards due, in queue order, with their questions: reviews, then new cards, each up to
# what the day's limits leave (a backlog of thousands is not read whole).
_DUE_QUEUE = (
    select(ReviewCard)
    .options(contains_eager(ReviewCard.question).contains_eager(Question.lesson))
    .join(ReviewCard.question)
    .join(Question.lesson)
    .where(_DUE_CARD, Question.retired_at.is_(None))
    .order_by(*_QUEUE_ORDER)
)
_DUE_REVIEWS = _DUE_QUEUE.where(ReviewCard.reps > 0).limit(bindparam("left"))
_DUE_NEW = _DUE_QUEUE.where(ReviewCard.reps == 0).limit(bindparam("left"))


def due_queue(*, user: User, now: datetime) -> list[ReviewCard]:
    """The cards the learner would review today within the day's limits, due reviews first
    (at most three queries: the day's counts, then each kind that has room)."""
    counts = today(user=user, now=now)
    params = _day_params(user, now)
    queue: list[ReviewCard] = []
    for statement, left in ((_DUE_REVIEWS, counts.due_reviews), (_DUE_NEW, counts.new_available)):
        if left:
            queue += db.session.scalars(statement, {**params, "left": left})
    return queue


@dataclass(frozen=True)
class OwnCard:
    card: ReviewCard
    due: bool
    # The earliest due date ahead of the learner's assignments that hold the card, or None.
    due_date: datetime | None = None


def learner_card(*, user: User, card_id: int, now: datetime) -> OwnCard | None:
    """The learner's own card, with whether it is due now and the next due date it counts
    towards; None for someone else's card, which looks like no card at all."""
    row = db.session.execute(_OWN_CARD, {**_day_params(user, now), "card_id": card_id}).first()
    return None if row is None else OwnCard(*row)


@dataclass(frozen=True)
class CardQuestion:
    card: ReviewCard
    question: Question

    @property
    def spec(self):
        return question_spec(self.question)

    @property
    def case(self) -> Case | None:
        """The case study shown above the question, stored with it: no query of its own."""
        return case_from_data(self.question.data)

    @property
    def layout(self):
        # A new shuffle for each review of the card, the same one on reload.
        return self.spec.layout(random.Random(f"review:{self.card.id}:{self.card.reps}"))


def card_question(card: ReviewCard) -> CardQuestion:
    """The card with its question, loaded with it by `next_card` and `learner_card`."""
    return CardQuestion(card, card.question)


@dataclass(frozen=True)
class RatingChoice:
    rating: Rating
    # The wait the rating would give, short for the button ("10 min") and spelled out for
    # its accessible name ("10 minutes").
    wait: str
    spoken_wait: str
    # Brought forward to the day before an assignment's due date (before_due_date).
    before_due_date: bool = False


@dataclass(frozen=True)
class Reveal:
    """What the learner sees after answering a card: the feedback, and the four ratings with
    the wait each would mean, as on Anki's answer buttons, the one the grade suggests
    pre-selected."""

    feedback: Feedback
    choices: list[RatingChoice]
    default: Rating
    memory: Memory

    @property
    def correct(self) -> bool:
        return self.feedback.grade.correct

    @property
    def again_sets_aside(self) -> bool:
        """Whether rating Again would set the card aside as a leech, so the reveal warns."""
        return sets_aside(self.memory.lapses + 1)


def check_answer(
    *,
    user: User,
    item: CardQuestion,
    due: bool,
    values: FormValues,
    now: datetime,
    due_date: datetime | None = None,
) -> Reveal:
    """Grade an answer to a card, `due` and `due_date` as `learner_card` found them; nothing
    is written until the learner rates it.

    Raises InvalidResponse for an answer that does not fit and Refused if the card is not due."""
    if item.card.suspended_at is not None:
        raise SetAside()
    if not due:
        raise Refused(409, "This card is not due yet. It will come back on its day.")
    response = item.spec.response_from_form(item.layout, values)
    feedback = answer_feedback(item.spec, item.layout, response)
    memory = memory_of(item.card)
    # The waits before fuzz or load balancing, as Anki's buttons show them.
    plain = replace(review_settings(user), fuzz=False)
    aimed = preview(memory, now, plain)
    kept = {rating: before_due_date(after, now, due_date) for rating, after in aimed.items()}
    waits = {rating: kept[rating].due - now for rating in Rating}
    return Reveal(
        feedback,
        [
            RatingChoice(
                rating,
                format_interval(waits[rating]),
                spell_interval(waits[rating]),
                before_due_date=kept[rating].due != aimed[rating].due,
            )
            for rating in Rating
        ],
        suggested_rating(feedback.grade.score),
        memory,
    )


class AlreadyRated(Refused):
    def __init__(self) -> None:
        super().__init__(409, "That card was already rated; your first rating stands.")


class SetAside(Refused):
    def __init__(self) -> None:
        super().__init__(
            409,
            "This card is set aside as a leech, so it cannot be reviewed. Choose “Keep "
            "reviewing it” on your review statistics page to bring it back.",
        )


def _scheduled(
    user: User, before: Memory, rating: Rating, now: datetime, due_date: datetime | None
) -> Memory:
    """The memory after the review, load balanced and ending before `due_date`."""
    balanced = balanced_review(user, before, rating, now, review_settings(user))
    return before_due_date(balanced, now, due_date)


@dataclass(frozen=True)
class Rated:
    log: ReviewLog
    # The learner's daily goal, when this rating met it.
    goal_met: DailyGoal | None = None


def record_review(
    *,
    user: User,
    card: ReviewCard,
    reps_seen: int,
    rating: Rating,
    now: datetime,
    duration_ms: int | None,
    due_date: datetime | None = None,
    client_id: str | None = None,
) -> Rated:
    """Schedule the card and append the review to the log, unless it was rated meanwhile. A
    failure that makes the card a leech sets it aside (`card.suspended_at`); the next review
    comes before `due_date` (`learner_card`'s) when there is one."""
    before = memory_of(card)
    if before.reps != reps_seen:
        raise AlreadyRated()
    if card.suspended_at is not None:
        raise SetAside()
    after = _scheduled(user, before, rating, now, due_date)
    suspended_at = now if rating is Rating.AGAIN and sets_aside(after.lapses) else None
    updated = db.session.execute(
        update(ReviewCard)
        .where(
            ReviewCard.id == card.id,
            ReviewCard.reps == reps_seen,
            ReviewCard.suspended_at.is_(None),
        )
        .values(**card_columns(after), suspended_at=suspended_at)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not updated:
        raise AlreadyRated()
    log = ReviewLog(
        card_id=card.id,
        user_id=user.id,
        question_id=card.question_id,
        rating=int(rating),
        reviewed_at=now,
        duration_ms=duration_ms,
        state=int(after.state),
        step=after.step,
        stability=after.stability,
        difficulty=after.difficulty,
        due=after.due,
        card_before=_snapshot(before),
        was_new=before.is_new,
        model_id=user.memory_model_id,
        client_id=client_id,
    )
    db.session.add(log)
    goal_met = progress.activity_recorded(user=user, now=now, reviews=1)
    db.session.flush()
    # The card as the UPDATE left it, without reading it back.
    for key, value in {**card_columns(after), "suspended_at": suspended_at}.items():
        set_committed_value(card, key, value)
    return Rated(log, goal_met)


def undo_last(*, user: User, now: datetime) -> ReviewLog | None:
    """Void the learner's latest review and put its card back exactly as it was."""
    log = db.session.scalar(
        select(ReviewLog)
        .where(
            ReviewLog.user_id == user.id,
            ReviewLog.voided_at.is_(None),
            ReviewLog.kind == REVIEW,
        )
        .order_by(ReviewLog.reviewed_at.desc(), ReviewLog.id.desc())
        .limit(1)
    )
    if log is None:
        return None
    before = _from_snapshot(log.card_before)
    # Only a card not set aside can be reviewed, so undo also takes back a leech's setting aside.
    restored = db.session.execute(
        update(ReviewCard)
        .where(ReviewCard.id == log.card_id, ReviewCard.reps == before.reps + 1)
        .values(**card_columns(before), suspended_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not restored:
        raise Refused(409, "That review was already undone.")
    log.voided_at = now
    progress.review_undone(user=user, reviewed_at=log.reviewed_at)
    db.session.flush()
    return log
