from __future__ import annotations

import calendar

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    FloatField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length, NumberRange
from wtforms.widgets import CheckboxInput, ListWidget

from quizapp.core.accounts import (
    DAILY_GOAL_MAX,
    DISPLAY_NAME_MAX,
    EMAIL_MAX,
    PASSWORD_MAX,
    time_zones,
)

DAY_HINT = "Your day for streaks, goals and reviews ends at 4 a.m. here."


def time_zone_choices() -> list[SelectChoice]:
    return [SelectChoice(tz, tz.replace("_", " ")) for tz in sorted(time_zones())]


def strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def display_name_field() -> StringField:
    return StringField(
        "Display name",
        filters=[strip],
        validators=[
            DataRequired("Enter a display name."),
            Length(max=DISPLAY_NAME_MAX, message=f"Use at most {DISPLAY_NAME_MAX} characters."),
        ],
        description="Shown to your instructors and classmates.",
    )


class RegisterForm(FlaskForm):
    email = EmailField(
        "Email",
        filters=[strip],
        validators=[
            DataRequired("Enter your email address."),
            Length(max=EMAIL_MAX, message=f"Use at most {EMAIL_MAX} characters."),
            Email(
                "Enter a valid email address, like name@example.com.", check_deliverability=False
            ),
        ],
    )
    display_name = display_name_field()
    password = PasswordField(
        "Password",
        validators=[DataRequired("Choose a password."), Length(max=PASSWORD_MAX)],
        description="At least 10 characters. A few unrelated words make a strong one.",
    )
    confirm = PasswordField(
        "Repeat password",
        validators=[
            DataRequired("Repeat the password."),
            EqualTo("password", "The two passwords do not match."),
        ],
    )
    time_zone = SelectField(
        "Time zone",
        default="UTC",
        description=DAY_HINT,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.time_zone.choices = time_zone_choices()


class LoginForm(FlaskForm):
    email = EmailField(
        "Email",
        filters=[strip],
        validators=[DataRequired("Enter your email address."), Length(max=EMAIL_MAX)],
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired("Enter your password."), Length(max=PASSWORD_MAX)],
    )
    remember = BooleanField("Keep me logged in on this device")


def new_password_field(consequence: str) -> PasswordField:
    return PasswordField(
        "New password",
        validators=[DataRequired("Choose a new password."), Length(max=PASSWORD_MAX)],
        description=f"At least 10 characters. {consequence}",
    )


def repeat_password_field(of: str) -> PasswordField:
    return PasswordField(
        "Repeat new password",
        validators=[
            DataRequired("Repeat the new password."),
            EqualTo(of, "The two passwords do not match."),
        ],
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password",
        validators=[DataRequired("Enter your current password."), Length(max=PASSWORD_MAX)],
    )
    new_password = new_password_field("Other devices will be logged out.")
    confirm = repeat_password_field("new_password")


class DeleteAccountForm(FlaskForm):
    password = PasswordField(
        "Your password",
        validators=[DataRequired("Enter your password to confirm."), Length(max=PASSWORD_MAX)],
    )


class SettingsForm(FlaskForm):
    display_name = display_name_field()
    time_zone = SelectField("Time zone", description=DAY_HINT)
    daily_goal = IntegerField(
        "Daily goal",
        validators=[
            InputRequired("Enter how many answers a day you aim for."),
            NumberRange(1, DAILY_GOAL_MAX, f"Choose a goal from 1 to {DAILY_GOAL_MAX} answers."),
        ],
        description="Quiz and review answers a day. 20 takes about ten minutes.",
    )
    desired_retention = FloatField(
        "Desired retention",
        validators=[
            InputRequired("Enter the share of answers you want to recall, such as 0.9."),
            NumberRange(0.7, 0.97, "Choose a retention from 0.70 to 0.97."),
        ],
        description="0.9 means reviews come when you would still recall 90%. Higher means "
        "more reviews.",
    )
    new_cards_per_day = IntegerField(
        "New cards a day",
        validators=[
            InputRequired("Enter how many new cards a day to review."),
            NumberRange(0, 999, "Choose from 0 to 999 new cards."),
        ],
    )
    reviews_per_day = IntegerField(
        "Reviews a day",
        validators=[
            InputRequired("Enter the most reviews a day."),
            NumberRange(1, 9999, "Choose from 1 to 9999 reviews."),
        ],
    )
    light_weekdays = SelectMultipleField(
        "Lighter days",
        choices=[SelectChoice(day, name) for day, name in enumerate(calendar.day_name)],
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        description="Days that get about half the reviews, such as weekends or long shifts. "
        "Reviews move by a day or two within what the schedule allows.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.time_zone.choices = time_zone_choices()


def email_field(label: str = "Email") -> EmailField:
    return EmailField(
        label,
        filters=[strip],
        validators=[
            DataRequired("Enter an email address."),
            Length(max=EMAIL_MAX, message=f"Use at most {EMAIL_MAX} characters."),
            Email(
                "Enter a valid email address, like name@example.com.", check_deliverability=False
            ),
        ],
    )


class ForgotPasswordForm(FlaskForm):
    email = email_field("Your account's email")


class ResetPasswordForm(FlaskForm):
    password = new_password_field("Every device will be logged out.")
    confirm = repeat_password_field("password")


class ChangeEmailForm(FlaskForm):
    new_email = email_field("New email address")
    password = PasswordField(
        "Your password",
        validators=[DataRequired("Enter your password to confirm."), Length(max=PASSWORD_MAX)],
    )


def hour_choices() -> list[SelectChoice]:
    return [SelectChoice(str(hour), f"{hour:02d}:00") for hour in range(24)]


class RemindersForm(FlaskForm):
    remind_reviews = BooleanField("Reviews are waiting (only on days when some are due)")
    remind_due_soon = BooleanField("An assignment is due within a day and not finished yet")
    remind_overdue = BooleanField("An assignment has become overdue")
    reminder_hour = SelectField(
        "Send them at",
        coerce=int,
        validators=[InputRequired("Choose an hour.")],
        description="An hour of your own day, in the time zone of your settings.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reminder_hour.choices = hour_choices()
