"""Inviting people to a class by email, and the page the mailed link opens."""

from __future__ import annotations

import json

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from quizapp.classes.forms import InviteForm
from quizapp.classes.views import overview_page, teaching
from quizapp.db import db, utcnow
from quizapp.errors import render_error
from quizapp.forms import ActionForm
from quizapp.services import classes, invitations

bp = Blueprint("invitations", __name__)

# Flashes travel in the session cookie, which browsers drop whole past 4 KB: the report of
# one paste may take this many bytes of it; what does not fit is counted, not quoted.
FLASH_BUDGET = 2000


def _flash_size(message: str) -> int:
    # As the session stores it: JSON with \u escapes (12 bytes for an emoji), in a tagged pair.
    return len(json.dumps(message)) + 30


@bp.post("/classes/<int:class_id>/invitations")
@login_required
def invite(class_id: int):
    classroom = teaching(class_id).classroom
    # Before the form: an archived class's page hides it, so could not show its errors.
    classes.require_active(classroom)
    form = InviteForm()
    if not form.validate_on_submit():
        return overview_page(classroom, invite_form=form, status=400)
    report = invitations.invite(
        classroom=classroom,
        by=current_user._get_current_object(),
        text=form.addresses.data,
        now=utcnow(),
    )
    if not report.invited:
        db.session.rollback()
        form.addresses.errors = [f"{typed}: {why}." for typed, why in report.skipped]
        form.form_errors.append("Nobody was invited.")
        return overview_page(classroom, invite_form=form, status=400)
    db.session.commit()
    count = len(report.invited)
    sent = f"{count} invitation{'' if count == 1 else 's'} sent"
    message = f"{sent}: {', '.join(report.invited)}."
    if _flash_size(message) > FLASH_BUDGET // 2:
        message = f"{sent}: see them under Waiting for an answer."
    flash(message, "success")
    budget = FLASH_BUDGET - _flash_size(message)
    for shown, (typed, why) in enumerate(report.skipped):
        line = f"Not invited: {typed}, {why}."
        budget -= _flash_size(line)
        if budget < 0:
            flash(f"Not invited: {len(report.skipped) - shown} more.", "error")
            break
        flash(line, "error")
    return redirect(url_for("classes.overview", class_id=classroom.id) + "#invitations", 303)


@bp.post("/classes/<int:class_id>/invitations/<int:invitation_id>/revoke")
@login_required
def revoke(class_id: int, invitation_id: int):
    classroom = teaching(class_id).classroom
    classes.require_active(classroom)
    if not ActionForm().validate_on_submit():
        return render_error(
            400, "Withdrawing the invitation failed: reload the page and try again."
        )
    email = invitations.revoke(classroom=classroom, invitation_id=invitation_id)
    db.session.commit()
    flash(f"The invitation to {email} is withdrawn; its link no longer works.", "success")
    return redirect(url_for("classes.overview", class_id=classroom.id) + "#invitations", 303)


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def open(token: str):
    now = utcnow()
    opened = invitations.open_invitation(token, now=now)
    form = ActionForm()
    if current_user.is_authenticated and form.validate_on_submit():
        classroom = invitations.accept(opened, user=current_user._get_current_object(), now=now)
        db.session.commit()
        flash(f"Welcome to {classroom.name}.", "success")
        return redirect(url_for("classes.overview", class_id=classroom.id), 303)
    status = 400 if form.is_submitted() else 200
    if current_user.is_authenticated and current_user.email != opened.invitation.email:
        status = 403
    return render_template("invitations/open.html", opened=opened, form=form, token=token), status
