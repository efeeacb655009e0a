"""A learner's own data: everything stored about them, to take away, and deleting all of it."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import case, delete, func, select, update
from werkzeug.security import check_password_hash

from quizapp.core.scheduling import light_weekdays
from quizapp.db import db
from quizapp.models import (
    ActivityDay,
    Assignment,
    ClassMembership,
    Classroom,
    Lesson,
    LessonProgress,
    MemoryModel,
    OutboxMessage,
    Question,
    QuizAnswer,
    QuizAttempt,
    ReviewCard,
    ReviewLog,
    User,
    UserSession,
)
from quizapp.models.classes import INSTRUCTOR
from quizapp.services.accounts import AccountError

EXPORT_FORMAT = "quizapp-account-export/1"


def _iso(value: datetime | date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    return value.isoformat()


def export_account(user: User, *, now: datetime) -> dict[str, Any]:
    """Everything stored about `user`, in plain JSON types, in a fixed 9 queries. Content is
    named by its slugs, which stay stable across content edits, rather than by row ids."""
    memberships = db.session.execute(
        select(Classroom.name, ClassMembership.role, ClassMembership.joined_at)
        .join(ClassMembership.classroom)
        .where(ClassMembership.user_id == user.id)
        .order_by(ClassMembership.joined_at)
    ).all()
    lessons = db.session.execute(
        select(Lesson.slug, LessonProgress.started_at, LessonProgress.completed_at)
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .where(LessonProgress.user_id == user.id)
        .order_by(LessonProgress.started_at)
    ).all()
    attempts = db.session.execute(
        select(QuizAttempt, Lesson.slug)
        .join(Lesson, Lesson.id == QuizAttempt.lesson_id)
        .where(QuizAttempt.user_id == user.id)
        .order_by(QuizAttempt.started_at, QuizAttempt.id)
    ).all()
    answers = db.session.execute(
        select(QuizAnswer, Question.slug)
        .join(QuizAttempt, QuizAttempt.id == QuizAnswer.attempt_id)
        .join(Question, Question.id == QuizAnswer.question_id)
        .where(QuizAttempt.user_id == user.id)
        .order_by(QuizAnswer.answered_at, QuizAnswer.id)
    ).all()
    cards = db.session.execute(
        select(ReviewCard, Question.slug)
        .join(Question, Question.id == ReviewCard.question_id)
        .where(ReviewCard.user_id == user.id)
        .order_by(ReviewCard.id)
    ).all()
    logs = db.session.execute(
        select(ReviewLog, Question.slug)
        .join(Question, Question.id == ReviewLog.question_id)
        .where(ReviewLog.user_id == user.id)
        .order_by(ReviewLog.reviewed_at, ReviewLog.id)
    ).all()
    days = db.session.scalars(
        select(ActivityDay).where(ActivityDay.user_id == user.id).order_by(ActivityDay.day)
    ).all()
    sessions = db.session.scalars(
        select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.id)
    ).all()
    mail = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.user_id == user.id).order_by(OutboxMessage.id)
    ).all()

    answers_by_attempt: dict[int, list[dict[str, Any]]] = {}
    for answer, question in answers:
        answers_by_attempt.setdefault(answer.attempt_id, []).append(
            {
                "question": question,
                "response": answer.response,
                "correct": answer.is_correct,
                "score": answer.score,
                "answered_at": _iso(answer.answered_at),
                "time_taken_ms": answer.time_taken_ms,
            }
        )
    return {
        "format": EXPORT_FORMAT,
        "exported_at": _iso(now),
        "account": {
            "email": user.email,
            "display_name": user.display_name,
            "role": user.role,
            "time_zone": user.time_zone,
            "daily_goal": user.daily_goal,
            "desired_retention": user.desired_retention,
            "new_cards_per_day": user.new_cards_per_day,
            "reviews_per_day": user.reviews_per_day,
            "light_days": [
                calendar.day_name[day] for day in sorted(light_weekdays(user.light_days))
            ],
            "created_at": _iso(user.created_at),
            "last_login_at": _iso(user.last_login_at),
            "email_confirmed_at": _iso(user.email_verified_at),
            "reminders": {
                "hour": user.reminder_hour,
                "reviews": user.remind_reviews,
                "due_soon": user.remind_due_soon,
                "overdue": user.remind_overdue,
            },
        },
        "signed_in_devices": [
            {
                "device": row.device,
                "signed_in_at": _iso(row.created_at),
                "last_seen_at": _iso(row.last_seen_at),
                "remembered": row.remember,
            }
            for row in sessions
        ],
        "mail": [
            {
                "subject": row.subject,
                "to": row.recipient,
                "queued_at": _iso(row.created_at),
                "sent_at": _iso(row.sent_at),
                "status": row.status,
            }
            for row in mail
        ],
        "classes": [
            {"name": name, "role": role, "joined_at": _iso(joined_at)}
            for name, role, joined_at in memberships
        ],
        "lessons": [
            {"lesson": slug, "started_at": _iso(started), "completed_at": _iso(completed)}
            for slug, started, completed in lessons
        ],
        "quiz_attempts": [
            {
                "lesson": slug,
                "started_at": _iso(attempt.started_at),
                "submitted_at": _iso(attempt.submitted_at),
                "score": attempt.score,
                "max_score": attempt.max_score,
                "answers": answers_by_attempt.get(attempt.id, []),
            }
            for attempt, slug in attempts
        ],
        "review_cards": [
            {
                "question": slug,
                "state": card.state,
                "stability": card.stability,
                "difficulty": card.difficulty,
                "due": _iso(card.due),
                "last_review": _iso(card.last_review),
                "reviews": card.reps,
                "lapses": card.lapses,
                "suspended_at": _iso(card.suspended_at),
            }
            for card, slug in cards
        ],
        "review_log": [
            {
                "question": slug,
                # "quiz": the quiz answer that began the card; "review": a review.
                "kind": log.kind,
                "rating": log.rating,
                "reviewed_at": _iso(log.reviewed_at),
                "duration_ms": log.duration_ms,
                "undone_at": _iso(log.voided_at),
            }
            for log, slug in logs
        ],
        "activity_days": [
            {"day": _iso(day.day), "answers": day.answers, "reviews": day.reviews} for day in days
        ],
        # The FSRS weights that schedule the learner; null for FSRS's defaults.
        "memory_model": _memory_model(user.memory_model),
    }


def _memory_model(model: MemoryModel | None) -> dict[str, Any] | None:
    if model is None:
        return None
    return {
        "fitted_to": "your reviews" if model.user_id is not None else "everyone's reviews",
        "fitted_at": _iso(model.created_at),
        "reviews": model.reviews,
        "held_out_log_loss": model.log_loss,
        "held_out_log_loss_before": model.baseline_log_loss,
        "parameters": list(model.parameters),
    }


@dataclass(frozen=True)
class OwnedClass:
    class_id: int
    name: str
    # The co-instructor who takes it over, the one who joined first; None: the class is
    # deleted with the account.
    successor_id: int | None
    successor: str | None


def owned_classes(user: User) -> list[OwnedClass]:
    """The classes `user` owns and what deleting the account would do to each (one query)."""
    rows = db.session.execute(
        select(Classroom.id, Classroom.name, User.id, User.display_name)
        .outerjoin(
            ClassMembership,
            (ClassMembership.class_id == Classroom.id)
            & (ClassMembership.role == INSTRUCTOR)
            & (ClassMembership.user_id != user.id),
        )
        .outerjoin(User, User.id == ClassMembership.user_id)
        .where(Classroom.owner_id == user.id)
        .order_by(Classroom.name, Classroom.id, ClassMembership.joined_at, ClassMembership.id)
    ).all()
    first_per_class: dict[int, OwnedClass] = {}
    for row in rows:
        first_per_class.setdefault(row[0], OwnedClass(*row))
    return list(first_per_class.values())


def delete_account(user: User, *, password: str) -> None:
    """Delete the account and everything stored about it, once the password is confirmed.

    Classes the user owns pass to their longest-serving co-instructor, or are deleted with
    their assignments when there is none; the learners in them keep their own progress."""
    if not check_password_hash(user.password_hash, password):
        raise AccountError("password", "Your password is not correct.")
    if user.role == "admin":
        admins = db.session.scalar(select(func.count()).where(User.role == "admin"))
        if admins == 1:
            raise AccountError(
                "password",
                "You are the only admin. Make someone else an admin before deleting your account.",
            )
    owned = owned_classes(user)
    successors = {c.class_id: c.successor_id for c in owned if c.successor_id is not None}
    orphaned = [c.class_id for c in owned if c.successor_id is None]
    if successors:
        db.session.execute(
            update(Classroom)
            .where(Classroom.id.in_(successors))
            .values(owner_id=case(successors, value=Classroom.id)),
            execution_options={"synchronize_session": False},
        )
    # Deleted in SQL so the database's cascades remove memberships and assignments with them.
    db.session.execute(
        delete(Classroom).where(Classroom.id.in_(orphaned)),
        execution_options={"synchronize_session": False},
    )
    # Assignments they set stay with their classes, credited to whoever owns the class now.
    db.session.execute(
        update(Assignment)
        .where(Assignment.created_by_id == user.id)
        .values(
            created_by_id=select(Classroom.owner_id)
            .where(Classroom.id == Assignment.class_id)
            .scalar_subquery()
        ),
        execution_options={"synchronize_session": False},
    )
    # The database cascades the rest: progress, attempts and answers, cards and their log,
    # activity days and memberships.
    db.session.execute(
        delete(User).where(User.id == user.id), execution_options={"synchronize_session": False}
    )
    db.session.expunge_all()
