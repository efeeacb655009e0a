"""Leeches: cards a learner keeps failing are set aside (services.reviews does that as it
records the failure); the learner sees them listed and brings one back when ready."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from quizapp.db import db
from quizapp.models import Lesson, Question, ReviewCard, User
from quizapp.services.errors import Refused


def keep_reviewing(*, user: User, card_id: int) -> ReviewCard:
    """Bring back a leech the learner set aside; it is due again as it was scheduled.

    Raises Refused for a card that is not theirs or not set aside."""
    card = db.session.scalar(
        select(ReviewCard).where(ReviewCard.id == card_id, ReviewCard.user_id == user.id)
    )
    if card is None:
        raise Refused(404, "There is no such card among your reviews.")
    if card.suspended_at is None:
        raise Refused(409, "This card is not set aside: it is already in your reviews.")
    card.suspended_at = None
    db.session.flush()
    return card


@dataclass(frozen=True)
class SetAsideCard:
    card: ReviewCard
    question: Question
    lesson_slug: str
    lesson_title: str


def set_aside_cards(*, user: User) -> list[SetAsideCard]:
    """The learner's leeches set aside, most failed first (one query)."""
    rows = db.session.execute(
        select(ReviewCard, Question, Lesson.slug, Lesson.title)
        .join(Question, Question.id == ReviewCard.question_id)
        .join(Lesson, Lesson.id == Question.lesson_id)
        .where(ReviewCard.user_id == user.id, ReviewCard.suspended_at.is_not(None))
        .order_by(ReviewCard.lapses.desc(), ReviewCard.suspended_at.desc())
    ).all()
    return [SetAsideCard(*row) for row in rows]
