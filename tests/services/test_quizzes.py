"""Quiz attempts and progress as services: scoring, completion, races, days and streaks."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from quizapp.models import ActivityDay, LessonProgress, Question, QuizAnswer
from quizapp.services import progress, quizzes
from quizapp.services.catalogue import live_lesson
from tests.factories import create_user, sync_tree, write_content

NOW = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def lessons(db, tmp_path):
    sync_tree(write_content(tmp_path, lessons_per_module=3, all_types=True))
    db.session.commit()
    return [live_lesson(f"module-1-lesson-{n}") for n in (1, 2, 3)]


def right_form(step: quizzes.QuestionStep) -> MultiDict:
    """The right answer for any question, filled in from its own layout."""
    spec, layout = step.spec, step.layout

    def token(key, among="options"):
        return next(o.token for o in getattr(layout, among) if o.key == key)

    kind = spec.type_name
    if kind in ("single_choice", "multiple_select"):
        return MultiDict([("choice", token(c.id)) for c in spec.choices if c.correct])
    if kind == "true_false":
        return MultiDict({"choice": "true" if spec.answer else "false"})
    if kind == "ordering":
        return MultiDict({f"position-{token(i.id)}": str(n) for n, i in enumerate(spec.items, 1)})
    if kind == "matching":
        return MultiDict({f"match-{token(p.id)}": token(p.id, "targets") for p in spec.pairs})
    return MultiDict({"answer": spec.answers[0]})


def answer(user, attempt, position, values=None, now=NOW):
    step = quizzes.question_step(attempt, position)
    return quizzes.submit_answer(
        user=user,
        step=step,
        values=(values or right_form(step)).getlist,
        time_taken_ms=1000,
        now=now,
    )


def test_a_quiz_scores_partial_credit_and_finishes_once(db, lessons):
    user = create_user()
    attempt = quizzes.start_attempt(user=user, lesson=lessons[0], now=NOW)
    for position in range(1, 7):
        step = quizzes.question_step(attempt, position)
        values = right_form(step)
        if step.spec.type_name == "multiple_select":
            values = MultiDict({"choice": values.getlist("choice")[0]})  # half the right ones
        answer(user, attempt, position, values)
        assert (attempt.submitted_at is not None) == (position == 6)
    db.session.commit()
    assert attempt.score == 5.5 and attempt.max_score == 6
    results = quizzes.attempt_results(attempt)
    assert results.percent == 91 and results.correct == 5 and len(results.missed) == 1
    assert quizzes.finish_if_complete(user=user, attempt=attempt, now=NOW + timedelta(hours=1))
    assert attempt.submitted_at == NOW


def test_two_requests_answering_the_same_question_store_one_answer(db, lessons):
    user = create_user()
    attempt = quizzes.start_attempt(user=user, lesson=lessons[0], now=NOW)
    db.session.commit()
    # Both requests read the question before either wrote: the database decides.
    first = quizzes.question_step(attempt, 1)
    second = quizzes.question_step(attempt, 1)
    quizzes.submit_answer(
        user=user, step=first, values=right_form(first).getlist, time_taken_ms=1, now=NOW
    )
    with pytest.raises(quizzes.AlreadyAnswered):
        quizzes.submit_answer(
            user=user, step=second, values=right_form(second).getlist, time_taken_ms=1, now=NOW
        )
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(QuizAnswer)) == 1
    assert db.session.scalar(select(ActivityDay.answers)) == 1


def test_an_unfinished_attempt_is_resumed_and_keeps_its_layout(db, lessons):
    user = create_user()
    attempt = quizzes.start_attempt(user=user, lesson=lessons[0], now=NOW)
    again = quizzes.start_attempt(user=user, lesson=lessons[0], now=NOW + timedelta(minutes=5))
    assert again.id == attempt.id
    assert quizzes.question_step(attempt, 2).layout == quizzes.question_step(again, 2).layout
    assert quizzes.question_step(attempt, 7) is None and quizzes.question_step(attempt, 0) is None


def test_other_learners_cannot_load_an_attempt(db, lessons):
    owner, other = create_user(), create_user()
    attempt = quizzes.start_attempt(user=owner, lesson=lessons[0], now=NOW)
    assert quizzes.learner_attempt(user=other, attempt_id=attempt.id) is None
    assert quizzes.learner_attempt(user=owner, attempt_id=attempt.id).id == attempt.id


def test_completion_keeps_the_first_time(db, lessons):
    user = create_user()
    progress.lesson_started(user=user, lesson=lessons[0], now=NOW)
    progress.lesson_completed(user=user, lesson=lessons[0], now=NOW + timedelta(hours=1))
    progress.lesson_completed(user=user, lesson=lessons[0], now=NOW + timedelta(hours=2))
    progress.lesson_started(user=user, lesson=lessons[0], now=NOW + timedelta(hours=3))
    row = db.session.scalar(select(LessonProgress))
    assert (row.started_at, row.completed_at) == (NOW, NOW + timedelta(hours=1))


@pytest.mark.parametrize(
    ("zone", "local_days"),
    [
        # 20:00 UTC is already the next morning in Tokyo, still the same day in New York.
        ("Asia/Tokyo", [date(2026, 5, 20), date(2026, 5, 21), date(2026, 5, 22)]),
        ("America/New_York", [date(2026, 5, 19), date(2026, 5, 20), date(2026, 5, 21)]),
    ],
)
def test_activity_is_counted_on_the_learners_own_day(db, zone, local_days):
    user = create_user(time_zone=zone)
    for offset in (-1, 0, 1):
        progress.activity_recorded(
            user=user, now=datetime(2026, 5, 20, 20, tzinfo=UTC) + timedelta(days=offset), answers=1
        )
    assert sorted(db.session.scalars(select(ActivityDay.day))) == local_days


def test_dashboard_streak_goal_and_where_to_go_on(db, lessons):
    user = create_user(time_zone="Europe/Berlin")
    user.daily_goal = 4
    # Three days running, the last one ending at 01:30 Berlin time, which still counts
    # for the evening before.
    for day in (17, 18, 19):
        progress.activity_recorded(
            user=user, now=datetime(2026, 5, day, 23, 30, tzinfo=UTC), answers=2
        )
    view = progress.dashboard(user=user, now=datetime(2026, 5, 20, 9, tzinfo=UTC))
    assert view.today == date(2026, 5, 20)
    assert (view.streak.days, view.streak.at_risk) == (3, True)
    assert (view.goal.done, view.goal.goal) == (0, 4)
    assert view.resume_lesson.id == lessons[0].id and not view.started_course

    attempt = quizzes.start_attempt(user=user, lesson=lessons[0], now=NOW)
    answer(user, attempt, 1)
    view = progress.dashboard(user=user, now=NOW)
    assert view.resume_attempt.id == attempt.id
    assert (view.streak.days, view.streak.active_today, view.goal.done) == (4, True, 1)
    for position in range(2, 7):
        answer(user, attempt, position)
    view = progress.dashboard(user=user, now=NOW)
    assert view.resume_attempt is None and view.resume_lesson.id == lessons[1].id
    assert view.goal.met and view.modules[0].completed == 1 and view.modules[0].percent == 33
    record = view.modules[0].record(lessons[0])
    assert record.best_percent == 100 and record.attempts == 1


def test_layouts_depend_only_on_the_seed(db, lessons):
    user = create_user()
    attempt = quizzes.start_attempt(user=user, lesson=lessons[0], now=NOW)
    step = quizzes.question_step(attempt, 1)
    again = step.spec.layout(random.Random(f"{attempt.seed}:{step.question.id}"))
    assert again == step.layout


def test_a_retake_asks_first_the_questions_the_last_attempt_left_out(db, tmp_path):
    root = write_content(tmp_path, questions_per_lesson=6)
    lesson_file = root / "lessons" / "module-1" / "01-lesson-1.md"
    text = lesson_file.read_text().replace("minutes: 3", "minutes: 3\nquestions_per_attempt: 4")
    lesson_file.write_text(text)
    sync_tree(root)
    db.session.commit()
    lesson = live_lesson("module-1-lesson-1")
    user = create_user()
    first = quizzes.start_attempt(user=user, lesson=lesson, now=NOW)
    assert len(first.question_ids) == first.max_score == 4
    for position in range(1, 5):
        answer(user, first, position)
    assert first.submitted_at is not None and first.score == 4
    second = quizzes.start_attempt(user=user, lesson=lesson, now=NOW + timedelta(minutes=5))
    pool = set(db.session.scalars(select(Question.id).where(Question.lesson_id == lesson.id)))
    left_out = pool - set(first.question_ids)
    assert len(second.question_ids) == 4 and len(left_out) == 2
    assert left_out <= set(second.question_ids)


def test_a_case_s_drawn_questions_are_asked_together_in_file_order(db, tmp_path):
    from tests.factories import case_quiz_text

    root = write_content(tmp_path)
    lesson_file = root / "lessons/module-1/01-lesson-1.md"
    lesson_file.write_text(
        lesson_file.read_text().replace("minutes: 3", "minutes: 3\nquestions_per_attempt: 4")
    )
    (root / "questions/module-1-lesson-1.yaml").write_text(case_quiz_text("module-1-lesson-1"))
    sync_tree(root)
    db.session.commit()
    slugs = dict(db.session.execute(select(Question.id, Question.slug)).all())
    in_case = ["downtime", "scraprate", "firststep"]
    user = create_user()
    lesson = live_lesson("module-1-lesson-1")
    for _ in range(6):
        attempt = quizzes.start_attempt(user=user, lesson=lesson, now=NOW)
        asked = [slugs[q].rsplit("-", 1)[1] for q in attempt.question_ids]
        assert len(asked) == 4
        drawn = [name for name in asked if name in in_case]
        start = asked.index(drawn[0])
        assert asked[start : start + len(drawn)] == [n for n in in_case if n in drawn], asked
        attempt.submitted_at = NOW  # finished, so the next start draws a new attempt
        db.session.flush()
