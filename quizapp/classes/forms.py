from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    EmailField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from quizapp.auth.forms import strip, time_zone_choices

DESCRIPTION_MAX = 2000
PASS_MARK_RANGE = "A pass mark goes from 1 to 100%, or leave it empty."


class ClassForm(FlaskForm):
    name = StringField(
        "Class name",
        filters=[strip],
        validators=[
            DataRequired("Give the class a name."),
            Length(max=120, message="Use at most 120 characters."),
        ],
    )
    description = TextAreaField(
        "Description",
        filters=[strip],
        validators=[
            Length(max=DESCRIPTION_MAX, message=f"Use at most {DESCRIPTION_MAX} characters.")
        ],
        description="Optional. Learners see it when they join.",
    )
    time_zone = SelectField(
        "Time zone", description="Due dates are set and shown in this time zone."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.time_zone.choices = time_zone_choices()


class JoinForm(FlaskForm):
    code = StringField(
        "Join code",
        filters=[strip],
        validators=[
            DataRequired("Enter the code your instructor gave you."),
            Length(max=20, message="A join code is 8 letters and digits."),
        ],
        description="8 letters and digits, like ABCD-EFGH. Case and dashes do not matter.",
    )


class InstructorForm(FlaskForm):
    email = EmailField(
        "Co-instructor's email",
        filters=[strip],
        validators=[
            DataRequired("Enter the email of an instructor account."),
            Email("Enter a valid email address.", check_deliverability=False),
            Length(max=254),
        ],
    )


class ParseMessage:
    """A field whose message for unreadable input says what to type, not WTForms' default."""

    parse_error: str

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(self.parse_error) from None


class DueField(ParseMessage, DateTimeLocalField):
    parse_error = "Enter the due date and time as shown, like 2026-12-01 17:00."


class PassMarkField(ParseMessage, IntegerField):
    parse_error = PASS_MARK_RANGE

    def process_formdata(self, valuelist):
        # Hundreds of digits would overflow the range check; no pass mark needs more than 3.
        if valuelist and len(valuelist[0].strip()) > 3:
            raise ValueError(self.parse_error)
        super().process_formdata(valuelist)


def due_field() -> DueField:
    return DueField(
        "Due",
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        validators=[InputRequired("Choose a due date and time.")],
    )


def pass_mark_field() -> PassMarkField:
    return PassMarkField(
        "Pass mark (%)",
        # NumberRange formats its message with %, so the sign is doubled.
        validators=[Optional(), NumberRange(1, 100, PASS_MARK_RANGE.replace("%", "%%"))],
        description="Optional. A lesson counts as done when a quiz reaches it; "
        "without one, finishing the quiz is enough.",
    )


INSTRUCTIONS_MAX = 5000


def instructions_field() -> TextAreaField:
    return TextAreaField(
        "Instructions",
        filters=[strip],
        validators=[
            Length(max=INSTRUCTIONS_MAX, message=f"Use at most {INSTRUCTIONS_MAX} characters.")
        ],
        description="Optional. Shown to learners with the assignment. Markdown works: "
        "**bold**, lists, links.",
    )


class AssignmentForm(FlaskForm):
    target = SelectField(
        "Module or lesson",
        validators=[DataRequired("Choose a module or lesson.")],
        validate_choice=False,
    )
    due = due_field()
    pass_mark = pass_mark_field()
    instructions = instructions_field()


class EditAssignmentForm(FlaskForm):
    due = due_field()
    pass_mark = pass_mark_field()
    instructions = instructions_field()


class InviteForm(FlaskForm):
    addresses = TextAreaField(
        "Email addresses",
        validators=[
            DataRequired("Paste at least one email address."),
            Length(max=20_000, message="Invite at most 200 people at a time."),
        ],
        description="Separated by commas or on lines of their own; a column pasted from a "
        "spreadsheet works too. Each person gets one message with a link to join.",
    )
