from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app
from flask_wtf import FlaskForm
from itsdangerous import URLSafeTimedSerializer
from wtforms import HiddenField
from wtforms.validators import DataRequired

# Time on one question is kept up to this; beyond it the learner was away, not thinking.
MAX_TIME_TAKEN_MS = 30 * 60 * 1000


def _stamps() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="question-shown")


class AnswerForm(FlaskForm):
    """The fixed part of an answer, in quizzes and reviews alike: which question, and a signed
    note of what was shown when, so the time taken never depends on the client's clock.

    The response fields themselves depend on the question type and are read by the type
    (`QuestionSpec.response_from_form`), which knows the shuffled layout."""

    question = HiddenField(validators=[DataRequired()])
    shown = HiddenField(validators=[DataRequired()])

    def show(self, slug: str, *key: int) -> None:
        """Fill the hidden fields for showing question `slug`; `key` says where it was shown."""
        self.question.data = slug
        self.shown.data = _stamps().dumps(list(key))

    def read_shown(self, max_age: int | None = None) -> tuple[list, datetime]:
        """The key the form was shown with and when; itsdangerous.BadData if altered."""
        key, signed_at = _stamps().loads(self.shown.data, max_age=max_age, return_timestamp=True)
        return key, signed_at.astimezone(UTC)


def elapsed_ms(shown_at: datetime, now: datetime) -> int:
    return max(0, min(int((now - shown_at).total_seconds() * 1000), MAX_TIME_TAKEN_MS))
