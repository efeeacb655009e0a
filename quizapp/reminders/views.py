"""Reminders: a learner's choices, one-click unsubscribe, and an instructor's reminder."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from quizapp.auth.forms import RemindersForm
from quizapp.auth.views import render_settings
from quizapp.db import db, utcnow
from quizapp.forms import ActionForm, attach_error
from quizapp.services import accounts, classes, reminders

bp = Blueprint("reminders", __name__)


@bp.post("/account/reminders")
@login_required
def preferences():
    user = current_user._get_current_object()
    form = RemindersForm()
    if not form.validate_on_submit():
        return render_settings(reminders_form=form, status=400)
    try:
        reminders.update_preferences(
            user,
            reminder_hour=form.reminder_hour.data,
            remind_reviews=form.remind_reviews.data,
            remind_due_soon=form.remind_due_soon.data,
            remind_overdue=form.remind_overdue.data,
        )
    except accounts.AccountError as error:
        db.session.rollback()
        attach_error(form, error)
        return render_settings(reminders_form=form, status=400)
    db.session.commit()
    chosen = form.remind_reviews.data or form.remind_due_soon.data or form.remind_overdue.data
    if chosen and not user.email_verified:
        flash(
            "Your reminders are saved. They start once you confirm your address with the "
            "link we sent.",
            "info",
        )
    else:
        flash("Your reminders are saved.", "success")
    return redirect(url_for("auth.settings") + "#reminders", 303)


# No CSRF token: the signed link is the proof, and mail clients that offer their own
# unsubscribe button (RFC 8058) POST to it with nothing else.
# Not rate limited: the token cannot be guessed, and one-click unsubscribes arrive from a
# mail provider's few servers on behalf of all their users.
@bp.route("/mail/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    opt_out = reminders.read_unsubscribe(token)
    if request.method == "GET":
        return render_template("reminders/unsubscribe.html", opt_out=opt_out, done=False)
    reminders.unsubscribe(opt_out)
    db.session.commit()
    return render_template("reminders/unsubscribe.html", opt_out=opt_out, done=True)


@bp.route("/classes/<int:class_id>/assignments/<int:assignment_id>/remind", methods=["GET", "POST"])
@login_required
def class_reminder(class_id: int, assignment_id: int):
    classroom = classes.class_access(user=current_user, class_id=class_id, teaching=True).classroom
    assignment = classes.class_assignment(classroom=classroom, assignment_id=assignment_id)
    form = ActionForm()
    now = utcnow()
    if form.validate_on_submit():
        queued = reminders.send_class_reminder(
            classroom=classroom,
            assignment=assignment,
            instructor=current_user._get_current_object(),
            now=now,
        )
        db.session.commit()
        flash(f"Reminder sent to {queued} learner(s) who have not finished.", "success")
        return redirect(url_for("classes.grades", class_id=classroom.id), 303)
    preview = reminders.class_reminder(classroom=classroom, assignment=assignment, now=now)
    status = 400 if form.is_submitted() else 200
    if form.is_submitted():
        form.form_errors.append("The request had no valid security token. Try again.")
    return render_template(
        "reminders/class_reminder.html", classroom=classroom, preview=preview, form=form
    ), status
