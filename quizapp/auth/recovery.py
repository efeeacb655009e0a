"""Getting back into an account, and proving an address: links sent by mail."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user, login_required

from quizapp.auth.forms import ChangeEmailForm, ForgotPasswordForm, ResetPasswordForm
from quizapp.core.accounts import normalize_email
from quizapp.db import db, utcnow
from quizapp.errors import render_error
from quizapp.extensions import limiter
from quizapp.forms import ActionForm, attach_error, show_form
from quizapp.services import account_mail, accounts

bp = Blueprint("recovery", __name__, url_prefix="/account")

# Each request sends mail: a few an hour is plenty for a person, and a flood of them from
# one address, or aimed at one inbox, stops here.
RESET_LIMIT_PER_CLIENT = "5 per 15 minutes;20 per day"
RESET_LIMIT_PER_ACCOUNT = "3 per hour;10 per day"
SENT = (
    "If an account uses {email}, we have sent it a link to choose a new password. The link "
    "works for one hour. No message? Check your spam folder, or that the address is the one "
    "you signed up with."
)


def _form_email() -> str:
    return "reset:" + normalize_email(request.form.get("email", ""))[:254]


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit(RESET_LIMIT_PER_CLIENT, methods=["POST"])
@limiter.limit(RESET_LIMIT_PER_ACCOUNT, methods=["POST"], key_func=_form_email)
def forgot_password():
    form = ForgotPasswordForm()
    if not form.validate_on_submit():
        return show_form("recovery/forgot.html", form)
    account_mail.request_password_reset(form.email.data, now=utcnow())
    db.session.commit()
    # The same answer whether or not the address has an account.
    flash(SENT.format(email=normalize_email(form.email.data)), "info")
    return redirect(url_for("recovery.forgot_password", sent=1), 303)


def _link_problem(problem: account_mail.LinkProblem):
    db.session.rollback()
    return render_error(400, str(problem))


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def reset_password(token: str):
    now = utcnow()
    try:
        link = account_mail.check_reset_link(token, now=now)
    except account_mail.LinkProblem as problem:
        return _link_problem(problem)
    form = ResetPasswordForm()
    if not form.validate_on_submit():
        return show_form("recovery/reset.html", form, email=link.user.email)
    try:
        account_mail.reset_password(token, new_password=form.password.data, now=now)
    except accounts.AccountError as error:
        db.session.rollback()
        attach_error(form, error)
        return show_form("recovery/reset.html", form, email=link.user.email)
    except account_mail.LinkProblem as problem:  # used in another tab meanwhile
        return _link_problem(problem)
    db.session.commit()
    flash("Your password is changed and every device is logged out. Log in with it.", "success")
    return redirect(url_for("auth.login"), 303)


@bp.get("/verify/<token>")
def verify_email(token: str):
    # A GET, as every mail client opens it: confirming an address changes nothing that a
    # link scanner opening it first could misuse.
    try:
        user = account_mail.verify_email(
            token,
            now=utcnow(),
            signed_in_as=current_user.id if current_user.is_authenticated else None,
        )
    except account_mail.LinkProblem as problem:
        return _link_problem(problem)
    db.session.commit()
    flash(f"Thank you: {user.email} is confirmed as your address.", "success")
    return redirect(url_for("auth.settings" if current_user.is_authenticated else "auth.login"))


@bp.post("/verify/resend")
@login_required
@limiter.limit("3 per hour")
def resend_verification():
    if not ActionForm().validate_on_submit():
        return render_error(400, "The request had no valid security token. Reload the page.")
    user = current_user._get_current_object()
    if user.email_verified:
        flash(f"{user.email} is already confirmed.", "info")
        return redirect(url_for("auth.settings"), 303)
    account_mail.send_verification(user, email=user.email, now=utcnow())
    db.session.commit()
    flash(f"We have sent a new link to {user.email}.", "success")
    return redirect(url_for("auth.settings"), 303)


@bp.route("/email", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per hour", methods=["POST"])
def change_email():
    user = current_user._get_current_object()
    form = ChangeEmailForm()
    if not form.validate_on_submit():
        return show_form("recovery/change_email.html", form)
    try:
        new_email = account_mail.request_email_change(
            user, new_email=form.new_email.data, password=form.password.data, now=utcnow()
        )
    except accounts.AccountError as error:
        db.session.rollback()
        attach_error(form, error)
        return show_form("recovery/change_email.html", form)
    db.session.commit()
    flash(
        f"We have sent a link to {new_email}. Your address changes when you open it; until "
        f"then it stays {user.email}.",
        "success",
    )
    return redirect(url_for("auth.settings"), 303)
