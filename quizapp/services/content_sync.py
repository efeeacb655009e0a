"""Loading the content files into the database: all or nothing, idempotent, history-preserving."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from quizapp.core.content import Catalogue
from quizapp.core.questions import SourceRef
from quizapp.db import db
from quizapp.models import Lesson, Module, Question


class SyncRefused(ValueError):
    """The files contradict what learners' history depends on; nothing was written."""


@dataclass
class Changes:
    added: int = 0
    updated: int = 0
    retired: int = 0

    @property
    def total(self) -> int:
        return self.added + self.updated + self.retired


@dataclass
class SyncReport:
    modules: Changes = field(default_factory=Changes)
    lessons: Changes = field(default_factory=Changes)
    questions: Changes = field(default_factory=Changes)
    # Questions already in the database whose type-specific part (the answer key among it)
    # changed: their answers may deserve another mark (`flask content regrade`).
    rekeyed: list[int] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.modules.total + self.lessons.total + self.questions.total

    def lines(self) -> list[str]:
        return [
            f"{name}: {c.added} added, {c.updated} updated, {c.retired} retired"
            for name, c in (
                ("modules", self.modules),
                ("lessons", self.lessons),
                ("questions", self.questions),
            )
        ]


def cited(catalogue: Catalogue, ref: SourceRef) -> dict[str, str]:
    """A citation as pages show it: the document's title and publisher with the section."""
    document = catalogue.sources[ref.file]
    return {**ref.model_dump(), "title": document.title, "publisher": document.publisher}


def _apply(row: Any, values: dict[str, Any], now: datetime) -> bool:
    """Copy `values` onto `row`, reviving it if retired; True when anything changed."""
    changed = [key for key, value in values.items() if getattr(row, key) != value]
    for key in changed:
        setattr(row, key, values[key])
    if row.retired_at is not None:
        row.retired_at = None
        changed.append("retired_at")
    if changed:
        row.updated_at = now
    return bool(changed)


def _retire_missing(rows: dict[str, Any], kept: set[str], now: datetime, changes: Changes) -> None:
    for slug, row in rows.items():
        if slug not in kept and row.retired_at is None:
            row.retired_at = now
            changes.retired += 1


def _upsert(
    rows: dict[str, Any],
    model: type,
    slug: str,
    values: dict[str, Any],
    now: datetime,
    changes: Changes,
) -> None:
    row = rows.get(slug)
    if row is None:
        rows[slug] = model(slug=slug, **values)
        db.session.add(rows[slug])
        changes.added += 1
    elif _apply(row, values, now):
        changes.updated += 1


def content_sync(catalogue: Catalogue, *, now: datetime) -> SyncReport:
    """Make the database match a validated catalogue; flushes, the caller commits or rolls back.

    Rows are matched by slug, so edits keep ids and learners' history; items gone from the
    files are retired, never deleted.
    """
    report = SyncReport()
    modules = {m.slug: m for m in db.session.scalars(select(Module))}
    lessons = {lesson.slug: lesson for lesson in db.session.scalars(select(Lesson))}
    questions = {q.slug: q for q in db.session.scalars(select(Question))}

    for spec in catalogue.modules:
        values = {"title": spec.title, "summary": spec.summary, "position": spec.position}
        _upsert(modules, Module, spec.slug, values, now, report.modules)
    _retire_missing(modules, {m.slug for m in catalogue.modules}, now, report.modules)
    db.session.flush()

    for spec in catalogue.lessons:
        values = {
            "module_id": modules[spec.module].id,
            "title": spec.title,
            "position": spec.position,
            "minutes": spec.minutes,
            "questions_per_attempt": spec.questions_per_attempt,
            "objectives": spec.objectives,
            "sources": [cited(catalogue, ref) for ref in spec.sources],
            "body": spec.body,
        }
        _upsert(lessons, Lesson, spec.slug, values, now, report.lessons)
    _retire_missing(lessons, {lesson.slug for lesson in catalogue.lessons}, now, report.lessons)
    db.session.flush()

    for item in catalogue.questions:
        spec = item.spec
        existing = questions.get(spec.id)
        if existing is not None and existing.type != spec.type_name:
            raise SyncRefused(
                f"question {spec.id!r} changed type from {existing.type} to {spec.type_name}; "
                "learners' answers to it would lose their meaning. Give the new question a new id."
            )
        values = {
            "lesson_id": lessons[item.lesson].id,
            "position": item.position,
            "type": spec.type_name,
            "prompt": spec.prompt,
            "data": item.data(),
            "explanation": spec.explanation,
            "source": cited(catalogue, spec.source),
        }
        if existing is not None and existing.data != values["data"]:
            report.rekeyed.append(existing.id)
        _upsert(questions, Question, spec.id, values, now, report.questions)
    _retire_missing(questions, {q.slug for q in catalogue.questions}, now, report.questions)
    db.session.flush()
    return report
