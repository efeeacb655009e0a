"""Running a class's roster and membership (details, join code, instructors, learners,
leaving), the roster as CSV, and what only its owner decides: handing it over, archiving,
restoring and deleting it. Routes of the `classes` blueprint, registered by the package."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_login import current_user

from quizapp.classes.forms import ClassForm, DeleteClassForm, InstructorForm, OwnerForm
from quizapp.classes.views import (
    action_refused,
    bp,
    class_creators,
    csv_download,
    overview_page,
    refuse_form,
    teaching,
)
from quizapp.core.classes import file_slug
from quizapp.db import db, utcnow
from quizapp.errors import render_error
from quizapp.forms import ActionForm, attach_error, show_form
from quizapp.models.classes import LEARNER
from quizapp.services import class_owner, classes
from quizapp.services.classes import ClassFormError


def back_to(classroom, anchor: str | None = None):
    return redirect(url_for("classes.overview", class_id=classroom.id, _anchor=anchor), 303)


@bp.route("/<int:class_id>/edit", methods=["GET", "POST"])
def edit(class_id: int):
    classroom = teaching(class_id).classroom
    # Before the form: an archived class's details are not there to be edited.
    classes.require_active(classroom)
    form = ClassForm(obj=classroom)
    if not form.validate_on_submit():
        return show_form("classes/class_form.html", form, classroom=classroom)
    try:
        classes.update_class(
            classroom,
            name=form.name.data,
            description=form.description.data or "",
            time_zone=form.time_zone.data,
        )
    except ClassFormError as error:
        return refuse_form("classes/class_form.html", form, error, classroom=classroom)
    db.session.commit()
    flash("The class details are saved.", "success")
    return back_to(classroom)


@bp.post("/<int:class_id>/code/<any(new, open, close):change>")
def change_code(class_id: int, change: str):
    classroom = teaching(class_id).classroom
    classes.require_active(classroom)
    if not ActionForm().validate_on_submit():
        return action_refused("Changing the join code")
    if change == "new":
        classes.regenerate_join_code(classroom)
        message = "A new join code is ready; the old one no longer works."
    else:
        classes.set_joining(classroom, open=change == "open")
        message = (
            "Learners can join with the code again."
            if change == "open"
            else "Joining is switched off: the code no longer works."
        )
    db.session.commit()
    flash(message, "success")
    return back_to(classroom, "join")


@bp.post("/<int:class_id>/instructors")
def add_instructor(class_id: int):
    classroom = teaching(class_id).classroom
    # Before the form: an archived class's page hides it, so could not show its errors.
    classes.require_active(classroom)
    form = InstructorForm()
    status = 400
    if form.validate_on_submit():
        try:
            added = classes.add_instructor(
                classroom=classroom, email=form.email.data, creators=class_creators()
            )
        except ClassFormError as error:
            db.session.rollback()
            attach_error(form, error)
            status = error.status
        else:
            db.session.commit()
            flash(f"{added.display_name} now teaches {classroom.name}.", "success")
            return back_to(classroom)
    return overview_page(classroom, form, status)


@bp.post("/<int:class_id>/learners/<int:user_id>/remove")
def remove_learner(class_id: int, user_id: int):
    classroom = teaching(class_id).classroom
    classes.require_active(classroom)
    if not ActionForm().validate_on_submit():
        return action_refused("Removing the learner")
    learner = classes.leave_or_remove(classroom=classroom, user_id=user_id)
    db.session.commit()
    flash(f"{learner.display_name} is no longer in {classroom.name}.", "success")
    return back_to(classroom)


@bp.post("/<int:class_id>/instructors/<int:user_id>/remove")
def remove_instructor(class_id: int, user_id: int):
    classroom = teaching(class_id).classroom
    classes.require_active(classroom)
    if not ActionForm().validate_on_submit():
        return action_refused("Removing the instructor")
    removed = classes.remove_instructor(classroom=classroom, user_id=user_id)
    db.session.commit()
    if removed.id == current_user.id:
        flash(f"You no longer teach {classroom.name}.", "success")
        return redirect(url_for("classes.index"), 303)
    flash(f"{removed.display_name} no longer teaches {classroom.name}.", "success")
    return back_to(classroom)


@bp.post("/<int:class_id>/leave")
def leave(class_id: int):
    access = classes.class_access(user=current_user, class_id=class_id)
    classes.require_active(access.classroom)
    if not ActionForm().validate_on_submit():
        return action_refused("Leaving the class")
    if access.membership != LEARNER:
        return render_error(400, "Only learners leave a class; instructors stay on its roster.")
    classes.leave_or_remove(classroom=access.classroom, user_id=current_user.id)
    db.session.commit()
    flash(f"You left {access.classroom.name}. Your own progress is kept.", "success")
    return redirect(url_for("classes.index"), 303)


@bp.get("/<int:class_id>/roster.csv")
def roster_csv(class_id: int):
    classroom = teaching(class_id).classroom
    stem = f"{file_slug(classroom.name) or 'class'}-roster"
    return csv_download(classes.roster_csv(classroom), stem, classroom)


def owned(class_id: int):
    return class_owner.owned_class(user=current_user, class_id=class_id)


@bp.post("/<int:class_id>/owner")
def transfer_ownership(class_id: int):
    classroom = owned(class_id)
    classes.require_active(classroom)
    form = OwnerForm()
    status = 400
    if form.validate_on_submit():
        try:
            successor = class_owner.transfer_ownership(
                classroom=classroom, user_id=form.user_id.data
            )
        except ClassFormError as error:
            db.session.rollback()
            attach_error(form, error)
            status = error.status
        else:
            db.session.commit()
            flash(
                f"{successor.display_name} owns {classroom.name} now; you still teach it.",
                "success",
            )
            return back_to(classroom)
    return overview_page(classroom, status=status, owner_form=form)


@bp.post("/<int:class_id>/archive")
def archive(class_id: int):
    classroom = owned(class_id)
    if not ActionForm().validate_on_submit():
        return action_refused("Archiving the class")
    class_owner.archive_class(classroom, now=utcnow())
    db.session.commit()
    flash(f"{classroom.name} is archived: read-only until you restore it.", "success")
    return back_to(classroom)


@bp.post("/<int:class_id>/restore")
def restore(class_id: int):
    classroom = owned(class_id)
    if not ActionForm().validate_on_submit():
        return action_refused("Restoring the class")
    class_owner.restore_class(classroom)
    db.session.commit()
    flash(f"{classroom.name} is restored: it can be changed again.", "success")
    return back_to(classroom)


@bp.route("/<int:class_id>/delete", methods=["GET", "POST"])
def delete(class_id: int):
    classroom = owned(class_id)
    form = DeleteClassForm()
    template = "classes/delete.html"

    def page(status: int | None = None):
        contents = class_owner.class_contents(classroom)
        return show_form(template, form, status, classroom=classroom, contents=contents)

    if not form.validate_on_submit():
        return page()
    name = classroom.name
    try:
        class_owner.delete_class(classroom, confirm_name=form.confirm_name.data)
    except ClassFormError as error:
        db.session.rollback()
        attach_error(form, error)
        return page(error.status)
    db.session.commit()
    flash(f"Deleted {name}.", "success")
    return redirect(url_for("classes.index"), 303)
