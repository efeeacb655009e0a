from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from quizapp.core.markdown import render_markdown
from quizapp.core.progress import next_action
from quizapp.db import db, utcnow
from quizapp.errors import render_error
from quizapp.forms import ActionForm
from quizapp.navigation import review_counts
from quizapp.services import learner_assignments, progress, quizzes
from quizapp.services.catalogue import catalogue_modules, lesson_view, module_view

bp = Blueprint("learn", __name__)


def signed_in_user():
    return current_user._get_current_object() if current_user.is_authenticated else None


def assigned_lessons(history: progress.LearnerHistory, now: datetime) -> dict:
    """The learner's assigned lessons with their standing (one query; none for a visitor)."""
    if history.user_id is None:
        return {}
    mine = learner_assignments.learner_assignments(
        history=history, now=now, catalogue=catalogue_modules(), recall=False
    )
    return learner_assignments.assigned_lessons(mine)


@bp.get("/")
def catalogue():
    history = progress.learner_history(signed_in_user())
    return render_template(
        "learn/catalogue.html",
        modules=progress.module_progress(history),
        assigned=assigned_lessons(history, utcnow()),
    )


@bp.get("/modules/<slug>")
def module(slug: str):
    view = module_view(slug)
    if view is None:
        abort(404)
    history = progress.learner_history(signed_in_user())
    module_progress = progress.ModuleProgress(view, history.records())
    return render_template(
        "learn/module.html",
        progress=module_progress,
        assigned=assigned_lessons(history, utcnow()),
    )


@bp.get("/lessons/<slug>")
def lesson(slug: str):
    view = lesson_view(slug)
    if view is None:
        abort(404)
    user = signed_in_user()
    now = utcnow()
    if user is not None:
        # Opening a lesson is what "started" means, so it is written before the learner's
        # history is read: the page already says "Opened". The write is idempotent, so a GET
        # may do it; the commit comes after rendering, since it expires what the page reads.
        progress.lesson_started(user=user, lesson=view.lesson, now=now)
    history = progress.learner_history(user)
    record = history.records().get(view.lesson.id, progress.NOT_STARTED)
    rules = None
    if user is not None and view.question_count:
        rules = quizzes.quiz_rules(user=user, lesson=view.lesson, now=now)
    page = render_template(
        "learn/lesson.html",
        view=view,
        record=record,
        assigned=assigned_lessons(history, now).get(view.lesson.id),
        rules=rules,
        body_html=render_markdown(view.lesson.body),
        form=ActionForm(),
    )
    if user is not None:
        db.session.commit()
    return page


@bp.post("/lessons/<slug>/read")
@login_required
def mark_read(slug: str):
    if not ActionForm().validate_on_submit():
        return render_error(400, "The lesson could not be marked read: reload it and try again.")
    view = lesson_view(slug)
    if view is None:
        abort(404)
    progress.lesson_completed(user=current_user, lesson=view.lesson, now=utcnow())
    db.session.commit()
    flash(f"“{view.lesson.title}” is marked as read.", "success")
    target = view.next or view.lesson
    return redirect(url_for("learn.lesson", slug=target.slug), 303)


@bp.get("/today")
@login_required
def today():
    now = utcnow()
    dashboard = progress.dashboard(user=current_user, now=now)
    catalogue = [module.entry for module in dashboard.modules]
    counts = review_counts(now)
    assignments = learner_assignments.learner_assignments(
        history=dashboard.history, now=now, catalogue=catalogue
    )
    next_assignment = next((a for a in assignments if not a.cell.standing.is_done), None)
    return render_template(
        "learn/today.html",
        dashboard=dashboard,
        reviews=counts,
        assignments=assignments,
        next_assignment=next_assignment,
        first=next_action(
            reviews_waiting=counts.remaining,
            quiz_unfinished=dashboard.resume_attempt is not None,
            lesson_to_read=dashboard.resume_lesson is not None,
            assignment_open=next_assignment is not None,
        ),
    )
