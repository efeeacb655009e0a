"""Forms shared by several blueprints."""

from __future__ import annotations

from flask_wtf import FlaskForm


class ActionForm(FlaskForm):
    """A button that changes something (log out, start a quiz, mark a lesson read): it carries
    only the CSRF token, so no other site can press it for the learner."""
