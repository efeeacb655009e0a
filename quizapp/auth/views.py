from __future__ import annotations

import json

from flask import Blueprint, Response, flash, redirect, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from quizapp.auth.forms import (
    ChangePasswordForm,
    DeleteAccountForm,
    LoginForm,
    RegisterForm,
    SettingsForm,
)
from quizapp.auth.session import safe_next
from quizapp.db import db, utcnow
from quizapp.errors import render_error
from quizapp.extensions import limiter
from quizapp.forms import ActionForm, attach_error, show_form
from quizapp.services import account_data, accounts

bp = Blueprint("auth", __name__, url_prefix="/account")

# Per client address: enough for a person who mistypes, too few for guessing passwords.
# Every form that checks a password has it, so none is a way round the others.
LOGIN_LIMIT = "10 per minute;50 per hour"


@bp.app_context_processor
def inject_logout_form():
    # Never reads the submitted body: the header renders on every page, error pages for
    # unreadable (oversized) bodies included.
    return {"logout_form": lambda: ActionForm(formdata=None)}


def start_session(user, *, remember: bool = False) -> None:
    """Sign in on a fresh session: nothing set before login (by anyone who planted a cookie
    in this browser) carries over into the signed-in one."""
    session.clear()
    login_user(user, remember=remember)


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("learn.today"))
    form = RegisterForm()
    if not form.validate_on_submit():
        return show_form("auth/register.html", form)
    try:
        user = accounts.register_user(
            email=form.email.data,
            display_name=form.display_name.data,
            password=form.password.data,
            time_zone=form.time_zone.data,
        )
    except accounts.AccountError as error:
        db.session.rollback()
        attach_error(form, error)
        return show_form("auth/register.html", form)
    db.session.commit()
    start_session(user)
    flash(f"Welcome, {user.display_name}! Your account is ready.", "success")
    return redirect(url_for("learn.today"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
def login():
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("learn.today"))
    form = LoginForm()
    if not form.validate_on_submit():
        return show_form("auth/login.html", form)
    user = accounts.authenticate(email=form.email.data, password=form.password.data)
    if user is None:
        form.form_errors.append("The email or password is not correct.")
        return show_form("auth/login.html", form)
    db.session.commit()
    start_session(user, remember=form.remember.data)
    flash(f"Welcome back, {user.display_name}.", "success")
    return redirect(next_url or url_for("learn.today"))


@bp.route("/logout", methods=["POST"])
def logout():
    form = ActionForm()
    if not form.validate_on_submit():
        return render_error(
            400,
            "The log-out request had no valid security token, so you are still logged in. "
            "Go back, reload the page and try again.",
        )
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("learn.catalogue")), 303


@bp.route("/password", methods=["GET", "POST"])
@login_required
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
def change_password():
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        return show_form("auth/change_password.html", form)
    try:
        accounts.change_password(
            current_user._get_current_object(),
            current_password=form.current_password.data,
            new_password=form.new_password.data,
        )
    except accounts.AccountError as error:
        db.session.rollback()
        attach_error(form, error)
        return show_form("auth/change_password.html", form)
    db.session.commit()
    # The session token changed; sign this browser in again under the new one.
    login_user(current_user._get_current_object())
    flash("Your password is changed. Other devices have been logged out.", "success")
    return redirect(url_for("auth.settings"))


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    user = current_user._get_current_object()
    form = SettingsForm(obj=user)
    if not form.validate_on_submit():
        return show_form("auth/settings.html", form)
    try:
        accounts.update_settings(
            user,
            display_name=form.display_name.data,
            time_zone=form.time_zone.data,
            daily_goal=form.daily_goal.data,
            desired_retention=form.desired_retention.data,
            new_cards_per_day=form.new_cards_per_day.data,
            reviews_per_day=form.reviews_per_day.data,
        )
    except accounts.AccountError as error:
        db.session.rollback()
        attach_error(form, error)
        return show_form("auth/settings.html", form)
    db.session.commit()
    flash("Your settings are saved.", "success")
    return redirect(url_for("auth.settings"), 303)


@bp.get("/export")
@login_required
def export():
    user = current_user._get_current_object()
    now = utcnow()
    data = account_data.export_account(user, now=now)
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="quizapp-data-{now:%Y-%m-%d}.json"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/delete", methods=["GET", "POST"])
@login_required
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
def delete_account():
    user = current_user._get_current_object()
    form = DeleteAccountForm()
    owned = account_data.owned_classes(user)
    if not form.validate_on_submit():
        return show_form("auth/delete_account.html", form, owned=owned)
    try:
        account_data.delete_account(user, password=form.password.data)
    except accounts.AccountError as error:
        db.session.rollback()
        attach_error(form, error)
        return show_form("auth/delete_account.html", form, owned=owned)
    db.session.commit()
    logout_user()
    session.clear()
    flash("Your account and everything stored about it are deleted.", "info")
    return redirect(url_for("learn.catalogue")), 303
