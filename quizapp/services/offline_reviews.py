"""Reviews without a connection: the cards due today go to the device while it is online, and
the ratings given offline come back later, each with its own id and time. The review log
stays the source of truth: a rating is accepted once (its client id is unique), refused when
its time is in the future, more than a week old or before the card's last review, and a
batch is applied in time order, each rating scheduled at its own time, so the card ends as
online reviewing would have left it.

Only review cards travel: their right answer and explanation are what the learner sees after
flipping a card. Graded quizzes for assignments stay online: their keys never leave.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from quizapp.core.cases import case_from_data
from quizapp.core.markdown import render_markdown
from quizapp.core.scheduling import Rating
from quizapp.db import db
from quizapp.models import Question, ReviewCard, ReviewLog, User
from quizapp.services import reviews
from quizapp.services.catalogue import question_spec
from quizapp.services.errors import Refused

# A rating given offline is accepted up to a week later: after that the schedule it would
# change has long moved on.
OLDEST = timedelta(days=7)
# Clocks drift: a phone a little ahead of the server is not forging the future.
CLOCK_SKEW = timedelta(minutes=2)
# The most a batch may hold: a day's reviews at the highest limit the settings allow.
MAX_BATCH = 1000


@dataclass(frozen=True)
class OfflineCard:
    card_id: int
    prompt: str
    # The case study above the question, as HTML, if it has one.
    case_html: str | None
    right_answer: str
    explanation: str
    lesson_title: str
    is_new: bool
    # What the question offers to choose, order or match, as the page lists it.
    options: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "card": self.card_id,
            "prompt": self.prompt,
            "case": self.case_html,
            "answer": self.right_answer,
            "explanation": self.explanation,
            "lesson": self.lesson_title,
            "new": self.is_new,
            "options": list(self.options),
        }


def offline_pack(*, user: User, now: datetime) -> list[OfflineCard]:
    """The cards the learner would review today, within their daily limits, in queue order
    (two queries: the day's counts and the cards)."""
    return [_offline_card(card) for card in reviews.due_queue(user=user, now=now)]


def _options(spec, card: ReviewCard) -> tuple[str, ...]:
    """The question's choices, items or pairs in the order of this review's layout, so a card
    that asks "which of these" can be recalled offline."""
    layout = spec.layout(random.Random(f"review:{card.id}:{card.reps}"))
    if spec.type_name == "matching":
        return tuple(f"{left.text} → ?" for left in layout.options) + tuple(
            f"(one of: {target.text})" for target in layout.targets
        )
    if spec.type_name == "true_false":
        return ("True", "False")
    return tuple(option.text for option in layout.options)


def _offline_card(card: ReviewCard) -> OfflineCard:
    question = card.question
    spec = question_spec(question)
    case = case_from_data(question.data)
    return OfflineCard(
        card_id=card.id,
        prompt=question.prompt,
        case_html=render_markdown(f"**{case.title}**\n\n{case.text}") if case else None,
        right_answer=spec.right_answer(),
        explanation=spec.explanation,
        lesson_title=question.lesson.title,
        is_new=card.reps == 0,
        options=_options(spec, card),
    )


@dataclass(frozen=True)
class OfflineRating:
    client_id: str
    card_id: int
    rating: Rating
    reviewed_at: datetime
    duration_ms: int | None


def read_batch(body: Any) -> list[OfflineRating]:
    """The ratings in a request body, or a 400 naming what is wrong: a tampered body is
    refused whole, so nothing of it is half applied."""
    if not isinstance(body, dict) or not isinstance(body.get("ratings"), list):
        raise Refused(400, 'Send {"ratings": [...]}.')
    items = body["ratings"]
    if len(items) > MAX_BATCH:
        raise Refused(400, f"At most {MAX_BATCH} ratings at a time.")
    batch = []
    for index, item in enumerate(items):
        try:
            batch.append(_read_rating(item))
        except (KeyError, TypeError, ValueError) as error:
            raise Refused(400, f"Rating {index + 1} is not valid: {error}") from None
    if len({rating.client_id for rating in batch}) != len(batch):
        raise Refused(400, "The same rating id appears twice in the batch.")
    return batch


def _read_rating(item: Any) -> OfflineRating:
    if not isinstance(item, dict):
        raise TypeError("each rating is an object")
    client_id = str(uuid.UUID(str(item["id"])))
    card_id, rating, at = item["card"], item["rating"], item["at"]
    if not isinstance(card_id, int) or isinstance(card_id, bool) or not 0 < card_id < 2**31:
        raise ValueError("card must be a card id")
    if rating not in (1, 2, 3, 4) or isinstance(rating, bool):
        raise ValueError("rating must be 1, 2, 3 or 4")
    if not isinstance(at, str) or len(at) > 40:
        raise ValueError("at must be an ISO 8601 time")
    reviewed_at = datetime.fromisoformat(at.replace("Z", "+00:00"))
    if reviewed_at.tzinfo is None:
        raise ValueError("at must carry its time zone")
    duration = item.get("ms")
    if duration is not None and (
        not isinstance(duration, int) or isinstance(duration, bool) or not 0 <= duration < 2**31
    ):
        raise ValueError("ms must be a whole number of milliseconds")
    return OfflineRating(client_id, card_id, Rating(rating), reviewed_at.astimezone(UTC), duration)


@dataclass(frozen=True)
class Outcome:
    client_id: str
    # "accepted", "duplicate" (accepted before) or "refused", with why.
    status: str
    reason: str = ""

    def as_json(self) -> dict[str, str]:
        return {"id": self.client_id, "status": self.status, "reason": self.reason}


def sync_ratings(*, user: User, batch: list[OfflineRating], now: datetime) -> list[Outcome]:
    """Apply a batch of offline ratings in time order; flushes, the caller commits. A rating
    already in the log is a duplicate, never a second row."""
    known = set(
        db.session.scalars(
            select(ReviewLog.client_id).where(
                ReviewLog.client_id.in_([rating.client_id for rating in batch])
            )
        )
    )
    cards = {
        card.id: card
        for card in db.session.scalars(
            select(ReviewCard)
            .options(contains_eager(ReviewCard.question).contains_eager(Question.lesson))
            .join(ReviewCard.question)
            .join(Question.lesson)
            .where(
                ReviewCard.user_id == user.id,
                ReviewCard.id.in_([rating.card_id for rating in batch]),
            )
        )
    }
    outcomes = {}
    for rating in sorted(batch, key=lambda r: (r.reviewed_at, r.client_id)):
        if rating.client_id in known:
            outcomes[rating.client_id] = Outcome(rating.client_id, "duplicate")
            continue
        card = cards.get(rating.card_id)
        refusal = _refusal(rating, card, now)
        if refusal:
            outcomes[rating.client_id] = Outcome(rating.client_id, "refused", refusal)
            continue
        outcomes[rating.client_id] = _apply(user, card, rating)
    return [outcomes[rating.client_id] for rating in batch]


def _refusal(rating: OfflineRating, card: ReviewCard | None, now: datetime) -> str:
    if card is None:
        # Someone else's card reads the same as no card: ids cannot be probed.
        return "There is no such card among yours."
    if card.question.retired_at is not None or card.question.lesson.retired_at is not None:
        return "The question has been retired from the course."
    if card.suspended_at is not None:
        return "The card is set aside: bring it back from your statistics page first."
    if rating.reviewed_at > now + CLOCK_SKEW:
        return "The time is in the future."
    if rating.reviewed_at < now - OLDEST:
        return "The rating is more than a week old."
    if card.last_review is not None and rating.reviewed_at <= card.last_review:
        return "The card was reviewed after this rating was given."
    return ""


def _apply(user: User, card: ReviewCard, rating: OfflineRating) -> Outcome:
    """One rating, scheduled at its own time; a savepoint, so a rating another request has
    just stored under the same id becomes a duplicate rather than an error."""
    due_date = reviews.learner_card(user=user, card_id=card.id, now=rating.reviewed_at)
    try:
        with db.session.begin_nested():
            reviews.record_review(
                user=user,
                card=card,
                reps_seen=card.reps,
                rating=rating.rating,
                now=rating.reviewed_at,
                duration_ms=rating.duration_ms,
                due_date=due_date.due_date if due_date else None,
                client_id=rating.client_id,
            )
    except IntegrityError:
        return Outcome(rating.client_id, "duplicate")
    except Refused as refused:
        return Outcome(rating.client_id, "refused", refused.message)
    return Outcome(rating.client_id, "accepted")
