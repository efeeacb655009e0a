from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from itsdangerous import BadData

from quizapp.core.questions import InvalidResponse
from quizapp.db import db, utcnow
from quizapp.errors import render_error
from quizapp.forms import ActionForm
from quizapp.models import QuizAttempt
from quizapp.quiz.forms import AnswerForm, elapsed_ms
from quizapp.services import attempt_review, quizzes
from quizapp.services.catalogue import live_lesson
from quizapp.services.errors import Refused
from quizapp.services.quizzes import QuestionStep

bp = Blueprint("quiz", __name__)


@bp.before_request
@login_required
def require_login():
    """Every quiz page belongs to a signed-in learner."""


def own_attempt(attempt_id: int) -> QuizAttempt:
    attempt = quizzes.learner_attempt(user=current_user, attempt_id=attempt_id)
    if attempt is None:
        abort(404)
    return attempt


@bp.post("/lessons/<slug>/quiz")
def start(slug: str):
    if not ActionForm().validate_on_submit():
        return render_error(400, "The quiz could not start: reload the lesson and try again.")
    lesson = live_lesson(slug)
    if lesson is None:
        abort(404)
    try:
        attempt = quizzes.start_attempt(user=current_user, lesson=lesson, now=utcnow())
    except Refused as error:
        db.session.rollback()
        return render_error(error.status, error.message)
    db.session.commit()
    return redirect(url_for("quiz.attempt", attempt_id=attempt.id), 303)


@bp.get("/attempts/<int:attempt_id>")
def attempt(attempt_id: int):
    """Wherever the attempt stands: its next open question, or its results."""
    attempt = own_attempt(attempt_id)
    position = quizzes.next_position(attempt)
    if position is not None:
        return redirect(url_for("quiz.question", attempt_id=attempt.id, position=position))
    quizzes.finish_if_complete(user=current_user, attempt=attempt, now=utcnow())
    db.session.commit()
    return redirect(url_for("quiz.results", attempt_id=attempt.id))


def show_question(step: QuestionStep, form: AnswerForm, status: int = 200, message: str = ""):
    reveal = False
    if step.answer is None:
        form.show(step.question.slug, step.attempt.id, step.position)
        template = "quiz/question.html"
    else:
        template = "quiz/feedback.html"
        reveal = step.shows_feedback or (
            step.attempt.submitted_at is not None
            and quizzes.attempt_verdict(
                user=current_user, attempt=step.attempt, now=utcnow()
            ).shows_answers
        )
    context = {"step": step, "form": form, "message": message, "reveal": reveal}
    return render_template(template, **context), status


@bp.route("/attempts/<int:attempt_id>/questions/<int:position>", methods=["GET", "POST"])
def question(attempt_id: int, position: int):
    step = quizzes.question_step(own_attempt(attempt_id), position)
    if step is None:
        abort(404)
    form = AnswerForm()
    if form.is_submitted():
        return answer(step, form)
    return show_question(step, form)


def answer(step: QuestionStep, form: AnswerForm):
    if not form.validate():
        message = "The answer could not be read: reload the page and answer again."
        return show_question(step, form, 400, message)
    if form.question.data != step.question.slug:
        return show_question(step, form, 400, "That answer was for a different question.")
    try:
        key, shown_at = form.read_shown()
    except BadData:
        key = None
    if key != [step.attempt.id, step.position]:
        return show_question(step, form, 400, "The page was altered; answer again.")
    now = utcnow()
    try:
        step = quizzes.submit_answer(
            user=current_user,
            step=step,
            values=request.form.getlist,
            time_taken_ms=elapsed_ms(shown_at, now),
            now=now,
        )
    except InvalidResponse as error:
        db.session.rollback()
        return show_question(step, form, 400, str(error))
    except Refused as error:
        db.session.rollback()
        current = quizzes.question_step(step.attempt, step.position)
        return show_question(current, form, error.status, error.message)
    # Post/redirect/get: the feedback is a page of its own, so a reload cannot resubmit.
    # (Its address is taken before the commit, which would make the attempt be read again.)
    feedback_url = url_for("quiz.question", attempt_id=step.attempt.id, position=step.position)
    db.session.commit()
    if step.goal_met is not None:
        flash(step.goal_met.celebration, "goal")
    return redirect(feedback_url, 303)


@bp.get("/attempts/<int:attempt_id>/results")
def results(attempt_id: int):
    attempt = own_attempt(attempt_id)
    if attempt.submitted_at is None:
        return redirect(url_for("quiz.attempt", attempt_id=attempt.id))
    now = utcnow()
    verdict = quizzes.attempt_verdict(user=current_user, attempt=attempt, now=now)
    page = render_template(
        "quiz/results.html",
        results=quizzes.attempt_results(attempt),
        verdict=verdict,
        rules=quizzes.quiz_rules(user=current_user, lesson=attempt.lesson, now=now),
        form=ActionForm(),
    )
    if verdict.shows_answers:
        # Idempotent, so a GET may do it; after rendering, as the lesson page does.
        quizzes.release_cards(user=current_user, attempt=attempt, now=now)
        db.session.commit()
    return page


@bp.get("/attempts/<int:attempt_id>/review")
def review(attempt_id: int):
    """Every question of a finished attempt as it was shown, with the learner's answers; the
    right answers and marks only when the assignment's policy shows them now."""
    attempt = own_attempt(attempt_id)
    if attempt.submitted_at is None:
        return redirect(url_for("quiz.attempt", attempt_id=attempt.id))
    verdict = quizzes.attempt_verdict(user=current_user, attempt=attempt, now=utcnow())
    return render_template(
        "quiz/review.html",
        review=attempt_review.review_of(attempt, current_user),
        classroom=None,
        shows_answers=verdict.shows_answers,
    )


@bp.get("/lessons/<slug>/attempts")
def history(slug: str):
    lesson = live_lesson(slug)
    if lesson is None:
        abort(404)
    return render_template(
        "quiz/history.html",
        lesson=lesson,
        attempts=attempt_review.own_attempts(user=current_user, lesson=lesson),
    )
