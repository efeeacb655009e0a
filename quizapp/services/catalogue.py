"""Reads of the course catalogue for pages; a fixed number of queries whatever its size."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.orm import contains_eager, defer

from quizapp.core.questions import QuestionSpec, question_from_record
from quizapp.db import db, in_list
from quizapp.models import Lesson, Module, Question


@dataclass(frozen=True)
class ModuleEntry:
    module: Module
    lessons: list[Lesson]
    # Each lesson's live questions in quiz order; a lesson without any is absent.
    question_ids: dict[int, list[int]]

    def question_count(self, lesson: Lesson) -> int:
        return len(self.question_ids.get(lesson.id, ()))

    @property
    def minutes(self) -> int:
        return sum(lesson.minutes for lesson in self.lessons)


@dataclass(frozen=True)
class LessonView:
    lesson: Lesson
    module: Module
    siblings: list[Lesson]
    question_count: int

    @property
    def previous(self) -> Lesson | None:
        index = self._index()
        return self.siblings[index - 1] if index > 0 else None

    @property
    def next(self) -> Lesson | None:
        index = self._index()
        return self.siblings[index + 1] if index + 1 < len(self.siblings) else None

    def _index(self) -> int:
        return next(i for i, s in enumerate(self.siblings) if s.id == self.lesson.id)


# For pages that list or name lessons: a lesson's text is read on its own page.
WITHOUT_TEXT = (defer(Lesson.body), defer(Lesson.objectives), defer(Lesson.sources))
# Built once: every page of the course runs some of these.
_LIVE_QUESTION_IDS = (
    select(Question.lesson_id, Question.id)
    .where(Question.retired_at.is_(None))
    .order_by(Question.lesson_id, Question.position)
)
_LIVE_QUESTION_IDS_OF = _LIVE_QUESTION_IDS.where(in_list(Question.lesson_id, "lesson_ids"))
_LIVE_LESSONS = (
    select(Lesson)
    .join(Lesson.module)
    .options(contains_eager(Lesson.module), *WITHOUT_TEXT)
    .where(Lesson.retired_at.is_(None), Module.retired_at.is_(None))
    .order_by(Module.position, Lesson.position)
)
_LIVE_LESSONS_OF_MODULE = (
    select(Lesson)
    .options(*WITHOUT_TEXT)
    .where(Lesson.module_id == bindparam("module_id"), Lesson.retired_at.is_(None))
    .order_by(Lesson.position)
)
_LIVE_MODULE = select(Module).where(Module.slug == bindparam("slug"), Module.retired_at.is_(None))
_LIVE_LESSON = (
    select(Lesson)
    .join(Lesson.module)
    .options(contains_eager(Lesson.module))
    .where(
        Lesson.slug == bindparam("slug"), Lesson.retired_at.is_(None), Module.retired_at.is_(None)
    )
)


def _live_question_ids(lesson_ids: list[int] | None = None) -> dict[int, list[int]]:
    if lesson_ids is None:
        rows = db.session.execute(_LIVE_QUESTION_IDS)
    else:
        rows = db.session.execute(_LIVE_QUESTION_IDS_OF, {"lesson_ids": lesson_ids})
    question_ids: dict[int, list[int]] = {}
    for lesson_id, question_id in rows:
        question_ids.setdefault(lesson_id, []).append(question_id)
    return question_ids


def catalogue_modules() -> list[ModuleEntry]:
    """Every live module in order, with its live lessons in order and their questions."""
    lessons = db.session.scalars(_LIVE_LESSONS).all()
    question_ids = _live_question_ids()
    by_module: dict[int, list[Lesson]] = {}
    modules: list[Module] = []
    for lesson in lessons:
        if lesson.module_id not in by_module:
            by_module[lesson.module_id] = []
            modules.append(lesson.module)
        by_module[lesson.module_id].append(lesson)
    return [ModuleEntry(m, by_module[m.id], question_ids) for m in modules]


def _live_lessons(module_id: int) -> list[Lesson]:
    return list(db.session.scalars(_LIVE_LESSONS_OF_MODULE, {"module_id": module_id}))


def module_view(slug: str) -> ModuleEntry | None:
    """A live module with its live lessons in order and their questions, or None."""
    module = db.session.scalar(_LIVE_MODULE, {"slug": slug})
    if module is None:
        return None
    lessons = _live_lessons(module.id)
    return ModuleEntry(module, lessons, _live_question_ids([lesson.id for lesson in lessons]))


def live_lesson(slug: str) -> Lesson | None:
    """A live lesson in a live module, with its module loaded, or None."""
    return db.session.scalar(_LIVE_LESSON, {"slug": slug})


def lesson_view(slug: str) -> LessonView | None:
    """A live lesson with its module and the module's other lessons, or None."""
    lesson = live_lesson(slug)
    if lesson is None:
        return None
    questions = _live_question_ids([lesson.id]).get(lesson.id, [])
    return LessonView(lesson, lesson.module, _live_lessons(lesson.module_id), len(questions))


def question_spec(question: Question) -> QuestionSpec:
    return question_from_record(
        slug=question.slug,
        type=question.type,
        prompt=question.prompt,
        explanation=question.explanation,
        source=question.source,
        data=question.data,
    )
