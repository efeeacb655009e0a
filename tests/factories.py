"""Small builders for test data; they go through the services, as the app does."""

from __future__ import annotations

import itertools
from pathlib import Path
from textwrap import dedent, indent

from quizapp.core.content import load_content
from quizapp.db import db, utcnow
from quizapp.models import MemoryModel
from quizapp.services.accounts import register_user
from quizapp.services.content_sync import content_sync

DEFAULT_PASSWORD = "correct horse battery"
_numbers = itertools.count(1)


def create_user(
    *, email: str | None = None, password: str = DEFAULT_PASSWORD, role: str = "learner", **kwargs
):
    number = next(_numbers)
    user = register_user(
        email=email or f"learner{number}@example.com",
        display_name=kwargs.pop("display_name", f"Learner {number}"),
        password=password,
        role=role,
        **kwargs,
    )
    db.session.commit()
    return user


def memory_model(parameters, *, user_id: int | None = None) -> MemoryModel:
    """A stored memory model with these weights (a learner's, or the site's without
    `user_id`), its scores made up: better than the model it replaced."""
    model = MemoryModel(
        user_id=user_id,
        parameters=list(parameters),
        reviews=1000,
        log_loss=0.3,
        rmse=0.05,
        baseline_log_loss=0.35,
        baseline_rmse=0.06,
    )
    db.session.add(model)
    db.session.flush()
    return model


LESSON_BODY = " ".join(["Production managers plan, schedule and improve the work."] * 40)


def lesson_text(
    lesson_id: str, order: int = 1, *, title: str = "A lesson", body: str = LESSON_BODY
) -> str:
    return (
        dedent(
            f"""\
        ---
        id: {lesson_id}
        title: {title}
        order: {order}
        minutes: 3
        objectives:
          - Explain one thing.
          - Name another thing.
        sources:
          - file: 004_255d462552ea5ed6.txt
            section: Key Responsibilities
        ---

        ## A heading

        """
        )
        + body
        + "\n"
    )


def question_yaml(question_id: str, prompt: str = "Which one is right?") -> str:
    return indent(
        dedent(
            f"""\
          - id: {question_id}
            type: single_choice
            prompt: {prompt}
            choices:
              - id: a
                text: The right one
                correct: true
              - id: b
                text: A wrong one
                feedback: Not this one.
              - id: c
                text: Another wrong one
            explanation: Because the lesson says so.
            source:
              file: 004_255d462552ea5ed6.txt
              section: Key Responsibilities
        """
        ),
        "  ",
    )


def quiz_text(lesson_id: str, question_ids: list[str]) -> str:
    return f"lesson: {lesson_id}\nquestions:\n" + "".join(question_yaml(q) for q in question_ids)


SOURCE = """\
    source:
      file: 004_255d462552ea5ed6.txt
      section: Key Responsibilities
"""

# One question of every type, with answers the tests can give by their visible text.
ALL_TYPES_QUESTIONS = {
    "single": """\
    type: single_choice
    prompt: Which one is right?
    choices:
      - {id: a, text: The right one, correct: true}
      - {id: b, text: A wrong one, feedback: Not this one.}
      - {id: c, text: Another wrong one}
    explanation: Because the lesson says so.
""",
    "multiple": """\
    type: multiple_select
    prompt: Which two are right?
    choices:
      - {id: a, text: First right, correct: true}
      - {id: b, text: Second right, correct: true}
      - {id: c, text: First wrong, feedback: That one is a distractor.}
      - {id: d, text: Second wrong}
    explanation: The first two are right.
""",
    "truefalse": """\
    type: true_false
    prompt: Production managers never plan.
    answer: false
    wrong_feedback: Planning is most of the job.
    explanation: False, they plan all the time.
""",
    "ordering": """\
    type: ordering
    prompt: Put the steps in order.
    items:
      - {id: plan, text: Plan the run}
      - {id: make, text: Make the parts}
      - {id: ship, text: Ship the order}
    explanation: Plan, make, ship.
""",
    "matching": """\
    type: matching
    prompt: Match each system to its job.
    pairs:
      - {id: erp, left: ERP, right: Plans resources}
      - {id: mes, left: MES, right: Runs the shop floor}
      - {id: cmms, left: CMMS, right: Tracks maintenance}
    explanation: Each system has its own job.
""",
    "short": """\
    type: short_answer
    prompt: Which system runs the shop floor? Give its initials.
    answers: [MES, Manufacturing execution system]
    wrong_feedback: Think of the shop floor.
    explanation: MES stands for manufacturing execution system.
""",
}


def all_types_quiz_text(lesson_id: str) -> str:
    return f"lesson: {lesson_id}\nquestions:\n" + "".join(
        f"  - id: {lesson_id}-{name}\n" + body + SOURCE
        for name, body in ALL_TYPES_QUESTIONS.items()
    )


def write_content(
    root: Path,
    *,
    modules: int = 1,
    lessons_per_module: int = 1,
    questions_per_lesson: int = 5,
    all_types: bool = False,
) -> Path:
    """A small valid content tree under `root`; returns `root`. With `all_types`, every
    lesson's quiz is one question of each type (see ALL_TYPES_QUESTIONS)."""
    (root / "questions").mkdir(parents=True, exist_ok=True)
    (root / "sources.yaml").write_text(
        "- file: 004_255d462552ea5ed6.txt\n  title: A career guide\n  publisher: Jobicy\n"
    )
    for m in range(1, modules + 1):
        module_id = f"module-{m}"
        folder = root / "lessons" / module_id
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "module.yaml").write_text(
            f"id: {module_id}\ntitle: Module {m}\norder: {m}\nsummary: What module {m} covers.\n"
        )
        for n in range(1, lessons_per_module + 1):
            lesson_id = f"{module_id}-lesson-{n}"
            (folder / f"{n:02d}-lesson-{n}.md").write_text(
                lesson_text(lesson_id, n, title=f"Lesson {m}.{n}")
            )
            ids = [f"{lesson_id}-q{q:02d}" for q in range(1, questions_per_lesson + 1)]
            (root / "questions" / f"{lesson_id}.yaml").write_text(
                all_types_quiz_text(lesson_id) if all_types else quiz_text(lesson_id, ids)
            )
    return root


def sync_tree(root: Path) -> None:
    """Load a content tree into the database, as `flask content sync` does (not committed)."""
    catalogue, problems = load_content(root)
    assert problems == []
    content_sync(catalogue, now=utcnow())


_FAST_HASH = None


def quick_learners(count: int, *, prefix: str = "bulk"):
    """Learner accounts without the cost of hashing a password each (they never log in)."""
    global _FAST_HASH
    from quizapp.models import User
    from quizapp.services.accounts import hash_password

    if _FAST_HASH is None:
        _FAST_HASH = hash_password(DEFAULT_PASSWORD)
    users = [
        User(
            email=f"{prefix}{next(_numbers)}@example.com",
            display_name=f"{prefix.capitalize()} learner {n}",
            password_hash=_FAST_HASH,
        )
        for n in range(count)
    ]
    db.session.add_all(users)
    db.session.flush()
    return users


def class_activity(classroom, learners, *, now, right_every: int = 2) -> None:
    """Each learner joins `classroom`, opens and finishes every live lesson's quiz (one answer
    in `right_every` right), and holds a reviewed card for each question: the shape of a real
    class's data, inserted directly so hundreds of learners take a moment."""
    from datetime import timedelta

    from sqlalchemy import select

    from quizapp.models import (
        ClassMembership,
        Lesson,
        LessonProgress,
        Question,
        QuizAnswer,
        QuizAttempt,
        ReviewCard,
    )

    questions = db.session.scalars(
        select(Question).join(Lesson).where(Question.retired_at.is_(None)).order_by(Question.id)
    ).all()
    by_lesson: dict[int, list] = {}
    for question in questions:
        by_lesson.setdefault(question.lesson_id, []).append(question)
    for index, learner in enumerate(learners):
        db.session.add(ClassMembership(class_id=classroom.id, user_id=learner.id))
        for lesson_id, lesson_questions in by_lesson.items():
            db.session.add(
                LessonProgress(
                    user_id=learner.id, lesson_id=lesson_id, started_at=now - timedelta(days=3)
                )
            )
            right = [(index + n) % right_every == 0 for n in range(len(lesson_questions))]
            attempt = QuizAttempt(
                user_id=learner.id,
                lesson_id=lesson_id,
                started_at=now - timedelta(days=2),
                submitted_at=now - timedelta(days=2, minutes=-10),
                question_ids=[q.id for q in lesson_questions],
                seed=index,
                score=float(sum(right)),
                max_score=len(lesson_questions),
            )
            db.session.add(attempt)
            db.session.flush()
            for question, ok in zip(lesson_questions, right, strict=True):
                db.session.add(
                    QuizAnswer(
                        attempt_id=attempt.id,
                        question_id=question.id,
                        response=stored_response(question, right=ok),
                        is_correct=ok,
                        score=1.0 if ok else 0.0,
                        answered_at=now - timedelta(days=2),
                        time_taken_ms=5000 + 1000 * index,
                    )
                )
                db.session.add(
                    ReviewCard(
                        user_id=learner.id,
                        question_id=question.id,
                        state=2,
                        step=None,
                        stability=3.0 + index % 5,
                        difficulty=5.0,
                        due=now + timedelta(days=1),
                        last_review=now - timedelta(days=1),
                        reps=1,
                        lapses=8 if index % 7 == 0 else 0,
                    )
                )
    db.session.flush()


def stored_response(question, *, right: bool):
    """A response as the grader stores it for `question`'s type, right or a plausible
    mistake (the demo's), the same for the same question every time."""
    import random

    from quizapp.services.catalogue import question_spec
    from quizapp.services.demo import mistaken_response

    spec = question_spec(question)
    return spec.right_response() if right else mistaken_response(spec, random.Random(question.id))


def time_passes(user_id: int, minutes: int) -> None:
    """`minutes` pass for the learner's review cards and log (committed), for tests that run
    on the real clock: a question answered in a quiz is due again only minutes later."""
    from datetime import timedelta

    from sqlalchemy import select

    from quizapp.models import ReviewCard, ReviewLog

    back = timedelta(minutes=minutes)
    for card in db.session.scalars(select(ReviewCard).where(ReviewCard.user_id == user_id)):
        card.due -= back
        card.created_at -= back
        if card.last_review is not None:
            card.last_review -= back
    for log in db.session.scalars(select(ReviewLog).where(ReviewLog.user_id == user_id)):
        log.reviewed_at -= back
        log.due -= back
    db.session.commit()


# A quiz with a case study of three questions (one of them numeric) between two plain
# questions; the case's questions are not next to each other in the file on purpose.
CASE_QUIZ = """\
lesson: {lesson}
cases:
  - id: line-2
    title: Line 2, Tuesday morning
    text: |
      Line 2 ran its morning shift **one operator short**. At noon the
      shift's figures reach your desk.
    table:
      caption: Line 2's morning by two-hour block
      columns: [Block, Good units, Scrap, Downtime (min)]
      rows:
        - ["06-08", 380, 6, 0]
        - ["08-10", 210, 5, 45]
        - ["10-12", 350, 50, 0]
questions:
  - id: {lesson}-downtime
    case: line-2
    type: single_choice
    prompt: Which block lost the most time to stoppages?
    choices:
      - {{id: a, text: The 08-10 block, correct: true}}
      - {{id: b, text: The 06-08 block}}
      - {{id: c, text: The 10-12 block}}
    explanation: Only the 08-10 block stopped, for 45 minutes.
{source}{plain_one}  - id: {lesson}-scraprate
    case: line-2
    type: numeric
    prompt: What share of the units made in the 10-12 block were scrap?
    answer: 12.5
    tolerance: 0.1
    unit: "%"
    working: "50 scrapped of 400 made: 50 / 400 = 0.125, so **12.5 %**."
    wrong_feedback: Divide the scrap by everything made, good units and scrap together.
    explanation: A scrap rate is the scrap divided by all the units made.
{source}  - id: {lesson}-firststep
    case: line-2
    type: true_false
    prompt: The scrap jump is best left until the end-of-week report.
    answer: false
    explanation: Problems are tackled as they arise, on the floor.
{source}{plain_two}"""


def case_quiz_text(lesson_id: str) -> str:
    """CASE_QUIZ for `lesson_id`: a case of three questions among five."""
    return CASE_QUIZ.format(
        lesson=lesson_id,
        source=SOURCE,
        plain_one=question_yaml(f"{lesson_id}-q01"),
        plain_two=question_yaml(f"{lesson_id}-q02", "Which one is right here?"),
    )
