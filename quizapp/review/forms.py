from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField
from wtforms.validators import DataRequired, InputRequired, NumberRange


class RateForm(FlaskForm):
    """The learner's rating after the reveal; `ticket` is the server's signed verdict."""

    ticket = HiddenField(validators=[DataRequired()])
    rating = IntegerField(validators=[InputRequired(), NumberRange(1, 4)])
