from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import DataRequired


class AnswerForm(FlaskForm):
    """The fixed part of an answer: which question, and a signed note of when it was shown.

    The response fields themselves depend on the question type and are read by the type
    (`QuestionSpec.response_from_form`), which knows the attempt's shuffled layout."""

    question = HiddenField(validators=[DataRequired()])
    shown = HiddenField(validators=[DataRequired()])
