from __future__ import annotations

import json

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from quizapp.auth.forms import (
    ChangePasswordForm,
    DeleteAccountForm,
    LoginForm,
    RegisterForm,
    RemindersForm,
    SettingsForm,
)
from quizapp.auth.session import safe_next
from quizapp.core.accounts import EMAIL_MAX, normalize_email
from quizapp.core.scheduling import light_weekdays
from quizapp.db import db, utcnow
from quizapp.errors import render_error
from quizapp.extensions import limiter
from quizapp.forms import ActionForm, attach_error, show_form
from quizapp.services import account_data, account_mail, accounts, sessions

bp = Blueprint("auth", __name__, url_prefix="/account")

# Per client address: enough for a person who mistypes, too few for guessing passwords.
# Every form that checks a password has it, so none is a way round the others.
LOGIN_LIMIT = "10 per minute;50 per hour"
# Per account as well, counting failures only: an attacker who rotates IP addresses (a
# botnet, a pool of proxies) still gets no more than ten guesses at one account's password
# per 15 minutes. The price is that anyone who knows an email can pause its password login
# for 15 minutes; the page says so. Every email is counted, known or not, so a pause does
# not reveal which ones have an account.
ACCOUNT_LOGIN_LIMIT = "10 per 15 minutes"
ACCOUNT_LOGIN_PAUSED = (
    "There have been too many failed attempts to log in to this account, so logging in to "
    "it with a password is paused for up to 15 minutes to protect it. Wait, then try again."
)


def login_email() -> str:
    # The limiter asks before refuse_uploads has turned multipart bodies away unread, and
    # only a plain form can carry a password the view checks.
    if request.mimetype != "application/x-www-form-urlencoded":
        return ""
    return normalize_email(request.form.get("email", ""))


def no_account_could_have(email: str) -> bool:
    # Nothing to protect, and nothing worth a key in the limiter's storage.
    return not email or len(email) > EMAIL_MAX


@bp.app_context_processor
def inject_logout_form():
    # Never reads the submitted body: the header renders on every page, error pages for
    # unreadable (oversized) bodies included.
    return {"logout_form": lambda: ActionForm(formdata=None)}


def open_session(user, *, remember: bool = False) -> None:
    """Write the server's record of this browser's session (committed with the view)."""
    sessions.open_session(
        user=user,
        user_agent=request.headers.get("User-Agent", ""),
        remember=remember,
        now=utcnow(),
    )


def sign_in(user, *, remember: bool = False) -> None:
    """Sign in on a fresh cookie session, once the session's row is committed: nothing set
    before login (by anyone who planted a cookie in this browser) carries over into it."""
    session.clear()
    login_user(user, remember=remember)


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
def register():
    # An invitation sends newcomers here with their address filled in and itself as `next`.
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("learn.today"))
    form = RegisterForm(email=request.args.get("email", "")[:254])
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
    account_mail.send_verification(user, email=user.email, now=utcnow())
    open_session(user)
    db.session.commit()
    sign_in(user)
    flash(
        f"Welcome, {user.display_name}! Your account is ready. We have sent a link to "
        f"{user.email} to check the address.",
        "success",
    )
    return redirect(next_url or url_for("learn.today"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
@limiter.limit(
    ACCOUNT_LOGIN_LIMIT,
    methods=["POST"],
    key_func=lambda: f"login-account:{login_email()}",
    exempt_when=lambda: no_account_could_have(login_email()),
    # A login redirects (302) and a refused form answers 400; a 429 checked no password.
    deduct_when=lambda response: response.status_code == 400,
    error_message=ACCOUNT_LOGIN_PAUSED,
)
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
    open_session(user, remember=form.remember.data)
    db.session.commit()
    sign_in(user, remember=form.remember.data)
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
    if current_user.is_authenticated:
        sessions.end_current_session(current_user._get_current_object())
        db.session.commit()
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
    flash("Your password is changed. Other devices have been logged out.", "success")
    return redirect(url_for("auth.settings"))


def render_settings(*, form=None, reminders_form=None, status: int = 200):
    """The settings page, with whichever of its forms was just refused showing its errors."""
    user = current_user._get_current_object()
    return render_template(
        "auth/settings.html",
        form=form or SettingsForm(obj=user, formdata=None),
        reminders_form=reminders_form or RemindersForm(obj=user, formdata=None),
        action_form=ActionForm(formdata=None),
        devices=sessions.user_devices(user, now=utcnow()),
    ), status


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    user = current_user._get_current_object()
    form = SettingsForm(obj=user, light_weekdays=sorted(light_weekdays(user.light_days)))
    if not form.validate_on_submit():
        return render_settings(form=form, status=400 if form.is_submitted() else 200)
    try:
        accounts.update_settings(
            user,
            display_name=form.display_name.data,
            time_zone=form.time_zone.data,
            daily_goal=form.daily_goal.data,
            desired_retention=form.desired_retention.data,
            new_cards_per_day=form.new_cards_per_day.data,
            reviews_per_day=form.reviews_per_day.data,
            light_weekdays=form.light_weekdays.data,
        )
    except accounts.AccountError as error:
        db.session.rollback()
        attach_error(form, error)
        return render_settings(form=form, status=400)
    db.session.commit()
    flash("Your settings are saved.", "success")
    return redirect(url_for("auth.settings"), 303)


@bp.post("/sessions/<int:session_id>/end")
@login_required
def end_session(session_id: int):
    if not ActionForm().validate_on_submit():
        return render_error(400, "Signing out failed: reload the page and try again.")
    user = current_user._get_current_object()
    if session_id == user.session_id:
        return logout()
    if not sessions.end_session(user, session_id=session_id):
        return render_error(404, None)
    db.session.commit()
    flash("That device is signed out.", "success")
    return redirect(url_for("auth.settings") + "#devices", 303)


@bp.post("/sessions/end-others")
@login_required
def end_other_sessions():
    if not ActionForm().validate_on_submit():
        return render_error(400, "Signing out failed: reload the page and try again.")
    ended = sessions.end_other_sessions(current_user._get_current_object())
    db.session.commit()
    flash(f"Signed out everywhere else ({ended} device{'' if ended == 1 else 's'}).", "success")
    return redirect(url_for("auth.settings") + "#devices", 303)


@bp.post("/sessions/end-all")
@login_required
def end_all_sessions():
    if not ActionForm().validate_on_submit():
        return render_error(400, "Signing out failed: reload the page and try again.")
    user = current_user._get_current_object()
    sessions.end_other_sessions(user)
    sessions.end_current_session(user)
    db.session.commit()
    logout_user()
    flash("You are signed out on every device, this one included.", "info")
    return redirect(url_for("learn.catalogue"), 303)


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
