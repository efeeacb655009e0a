from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from quizapp.core.markdown import render_markdown
from quizapp.db import db, utcnow
from quizapp.errors import render_error
from quizapp.forms import ActionForm
from quizapp.services import gradebook, progress, reviews
from quizapp.services.catalogue import lesson_view, module_view

bp = Blueprint("learn", __name__)


def signed_in_user():
    return current_user._get_current_object() if current_user.is_authenticated else None


@bp.get("/")
def catalogue():
    return render_template(
        "learn/catalogue.html",
        modules=progress.module_progress(progress.learner_history(signed_in_user())),
    )


@bp.get("/modules/<slug>")
def module(slug: str):
    view = module_view(slug)
    if view is None:
        abort(404)
    module_progress = progress.ModuleProgress(view, progress.lesson_records(signed_in_user()))
    return render_template("learn/module.html", progress=module_progress)


@bp.get("/lessons/<slug>")
def lesson(slug: str):
    view = lesson_view(slug)
    if view is None:
        abort(404)
    user = signed_in_user()
    now = utcnow()
    record = progress.lesson_records(user).get(view.lesson.id, progress.NOT_STARTED)
    if user is not None:
        record = progress.opened(record, now=now)
    page = render_template(
        "learn/lesson.html",
        view=view,
        record=record,
        body_html=render_markdown(view.lesson.body),
        form=ActionForm(),
    )
    if user is not None:
        # Opening a lesson is what "started" means; the write is idempotent, so a GET may do
        # it. After rendering: a commit expires the rows the page would otherwise read again.
        progress.lesson_started(user=user, lesson=view.lesson, now=now)
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
    return render_template(
        "learn/today.html",
        dashboard=dashboard,
        reviews=reviews.today(user=current_user, now=now),
        assignments=gradebook.learner_assignments(
            history=dashboard.history, now=now, catalogue=catalogue
        ),
    )
