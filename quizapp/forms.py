"""Forms shared by several blueprints."""

from __future__ import annotations

from typing import Protocol

from flask import render_template, request
from flask_wtf import FlaskForm


class ActionForm(FlaskForm):
    """A button that changes something (log out, start a quiz, mark a lesson read): it carries
    only the CSRF token, so no other site can press it for the learner."""


class FieldError(Protocol):
    """What services raise to refuse a form: the field it belongs to and the message."""

    field: str
    message: str


def show_form(template: str, form: FlaskForm, status: int | None = None, **context):
    """The form page; after a failed submit, with its errors and a 4xx status (400 unless
    the refusal says otherwise)."""
    code = status or (400 if request.method == "POST" else 200)
    return render_template(template, form=form, **context), code


def attach_error(form: FlaskForm, error: FieldError) -> None:
    """Show a service's refusal beside its field, or above the form if it names none."""
    field = getattr(form, error.field, None)
    if field is None:
        form.form_errors.append(error.message)
    else:
        field.errors = [*field.errors, error.message]
