from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    EmailField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from quizapp.auth.forms import strip, time_zone_choices
from quizapp.core.assignments import (
    MAX_ATTEMPTS,
    AnswersShown,
    AttemptPolicy,
    ScoreCounts,
    default_policy,
)

# What a new assignment's form proposes: the policy for a pass mark (the form cannot know yet
# whether one will be set, and without one the limit does no harm).
DEFAULT_POLICY = default_policy(pass_mark=100)

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
        description="Optional. A lesson is passed when the score that counts reaches it; "
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
        render_kw={"rows": 8},
    )


ATTEMPTS_RANGE = f"Choose from 1 to {MAX_ATTEMPTS} attempts, or unlimited."
UNLIMITED = "unlimited"


class PolicyForm(FlaskForm):
    """The attempt policy's three choices; `policy` reads them into the core's rule."""

    # Checked by a message of our own: WTForms' "Not a valid choice" says nothing of the range.
    attempts = SelectField(
        "Attempts allowed",
        choices=[
            SelectChoice(UNLIMITED, "Unlimited"),
            *(SelectChoice(str(n), str(n)) for n in range(1, MAX_ATTEMPTS + 1)),
        ],
        default=str(DEFAULT_POLICY.max_attempts),
        validate_choice=False,
    )
    answers_shown = SelectField(
        "Right answers shown",
        choices=[SelectChoice(choice.value, choice.label) for choice in AnswersShown],
        default=DEFAULT_POLICY.answers_shown.value,
        validate_choice=False,
        description="With “After each question”, a learner can copy right answers into a retake.",
    )
    score_counts = SelectField(
        "Score that counts",
        choices=[SelectChoice(choice.value, choice.label) for choice in ScoreCounts],
        default=DEFAULT_POLICY.score_counts.value,
        validate_choice=False,
    )

    def validate_attempts(self, field) -> None:
        allowed = {UNLIMITED, *(str(n) for n in range(1, MAX_ATTEMPTS + 1))}
        if field.data not in allowed:
            raise ValidationError(ATTEMPTS_RANGE)

    def validate_answers_shown(self, field) -> None:
        if field.data not in {choice.value for choice in AnswersShown}:
            raise ValidationError("Choose when the right answers are shown.")

    def validate_score_counts(self, field) -> None:
        if field.data not in {choice.value for choice in ScoreCounts}:
            raise ValidationError("Choose which attempt's score counts.")

    def policy(self) -> AttemptPolicy:
        return AttemptPolicy(
            None if self.attempts.data == UNLIMITED else int(self.attempts.data),
            AnswersShown(self.answers_shown.data),
            ScoreCounts(self.score_counts.data),
        )

    def show_policy(self, policy: AttemptPolicy) -> None:
        attempts = policy.max_attempts
        self.attempts.data = UNLIMITED if attempts is None else str(attempts)
        self.answers_shown.data = policy.answers_shown.value
        self.score_counts.data = policy.score_counts.value


class AssignmentForm(PolicyForm):
    target = SelectField(
        "Module or lesson",
        validators=[DataRequired("Choose a module or lesson.")],
        validate_choice=False,
    )
    due = due_field()
    pass_mark = pass_mark_field()
    instructions = instructions_field()


class ForecastForm(FlaskForm):
    """The assign form's target and due date, read from a query string for its workload
    forecast: it changes nothing, so it carries no CSRF token."""

    class Meta:
        csrf = False

    target = StringField(
        validators=[DataRequired("Choose a module or lesson to see its workload.")]
    )
    due = due_field()


class EditAssignmentForm(PolicyForm):
    due = due_field()
    pass_mark = pass_mark_field()
    instructions = instructions_field()


class LearnersField(ParseMessage, SelectMultipleField):
    parse_error = "Choose learners of this class from the list; reload the page."

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if any(not 1 <= number <= MAX_ID for number in self.data or []):
            raise ValueError(self.parse_error)


class ExtensionForm(FlaskForm):
    # Ticked boxes; checked against the roster by the service, which names a stranger's id.
    learners = LearnersField(
        "Learners",
        coerce=int,
        validate_choice=False,
        # InputRequired: DataRequired would hide the message for an id that is not a number.
        validators=[InputRequired("Choose at least one learner.")],
    )
    due = DueField(
        "New due date",
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        validators=[InputRequired("Choose the new due date and time.")],
    )


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


# The largest id a database integer column holds, as for ids in URLs: a larger one is no
# account at all, not an overflow inside the database driver.
MAX_ID = 2**31 - 1
CHOOSE_CO_INSTRUCTOR = "Choose one of the class's co-instructors."


def database_id(value) -> int:
    number = int(value)
    if not 1 <= number <= MAX_ID:
        raise ValueError(CHOOSE_CO_INSTRUCTOR)
    return number


class UserChoiceField(ParseMessage, SelectField):
    parse_error = CHOOSE_CO_INSTRUCTOR


class OwnerForm(FlaskForm):
    # Checked by the service, against the co-instructors at the moment of the request.
    user_id = UserChoiceField(
        "New owner",
        coerce=database_id,
        validate_choice=False,
        validators=[InputRequired(CHOOSE_CO_INSTRUCTOR)],
        description="One of the co-instructors. You stay on as a co-instructor.",
    )


TYPE_THE_NAME = "Type the class name exactly to delete it."


class DeleteClassForm(FlaskForm):
    confirm_name = StringField(
        "Class name",
        filters=[strip],
        validators=[DataRequired(TYPE_THE_NAME), Length(max=120, message=TYPE_THE_NAME)],
        description="Type it as shown above, to confirm.",
    )
