"""Admin pages: the list of accounts and their roles."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from quizapp.db import db
from quizapp.errors import render_error
from quizapp.models import ROLES
from quizapp.services import accounts

bp = Blueprint("admin", __name__, url_prefix="/admin")


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=[SelectChoice(role, role.capitalize()) for role in ROLES])


@bp.before_request
@login_required
def require_admin():
    if current_user.role != "admin":
        return render_error(403, "Only admins can manage accounts.")
    return None


@bp.get("/users")
def users():
    page = request.args.get("page", "1")
    listing = accounts.list_users(
        search=request.args.get("q", "")[:254],
        page=int(page) if page.isascii() and page.isdigit() and len(page) < 7 else 1,
    )
    return render_template(
        "admin/users.html", listing=listing, search=request.args.get("q", ""), form=RoleForm()
    )


@bp.post("/users/<int:user_id>/role")
def change_role(user_id: int):
    form = RoleForm()
    if not form.validate_on_submit():
        return render_error(400, "Choose one of the roles listed, then save again.")
    try:
        user = accounts.change_role(actor=current_user, user_id=user_id, role=form.role.data)
    except accounts.AccountError as error:
        db.session.rollback()
        return render_error(404 if error.field == "user" else 400, error.message)
    db.session.commit()
    flash(f"{user.email} is now {user.role}.", "success")
    # The form's action carries the list's search and page, so the admin lands where they were.
    where = {key: request.args[key] for key in ("q", "page") if request.args.get(key)}
    return redirect(url_for("admin.users", **where), 303)
