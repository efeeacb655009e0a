"""Course content as loaded from `content/`: slugs are the stable ids, integers are internal.

Content is never deleted: an item that leaves the files gets `retired_at`, so answers and
review history that point at it keep their meaning.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quizapp.db import created_at, db, intpk, slug


class ContentItem:
    """What every content row shares: when it arrived, last changed, and left the files."""

    created_at: Mapped[created_at]
    updated_at: Mapped[datetime | None]
    retired_at: Mapped[datetime | None]


class Module(ContentItem, db.Model):
    __tablename__ = "modules"

    id: Mapped[intpk]
    slug: Mapped[slug]
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    position: Mapped[int]
    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="module", order_by="Lesson.position"
    )


class Lesson(ContentItem, db.Model):
    __tablename__ = "lessons"
    __table_args__ = (Index("ix_lessons_module_id_position", "module_id", "position"),)

    id: Mapped[intpk]
    slug: Mapped[slug]
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"))
    title: Mapped[str] = mapped_column(String(200))
    position: Mapped[int]
    minutes: Mapped[int]
    # How many of its questions an attempt asks (None: all), retakes drawing others first.
    questions_per_attempt: Mapped[int | None]
    objectives: Mapped[list[str]] = mapped_column(JSON)
    sources: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    body: Mapped[str] = mapped_column(Text)
    module: Mapped[Module] = relationship(back_populates="lessons")
    questions: Mapped[list[Question]] = relationship(
        back_populates="lesson", order_by="Question.position"
    )


class Question(ContentItem, db.Model):
    __tablename__ = "questions"
    __table_args__ = (Index("ix_questions_lesson_id_position", "lesson_id", "position"),)

    id: Mapped[intpk]
    slug: Mapped[slug]
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id"))
    position: Mapped[int]
    type: Mapped[str] = mapped_column(String(32))
    prompt: Mapped[str] = mapped_column(Text)
    # The type-specific part (choices, items, pairs, accepted answers, feedback), as in the file.
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    explanation: Mapped[str] = mapped_column(Text)
    source: Mapped[dict[str, str]] = mapped_column(JSON)
    lesson: Mapped[Lesson] = relationship(back_populates="questions")
