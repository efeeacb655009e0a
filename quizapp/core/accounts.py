"""Rules for account fields, shared by the web forms and the command line."""

from __future__ import annotations

import unicodedata
from functools import cache
from zoneinfo import available_timezones

from email_validator import EmailNotValidError, validate_email

PASSWORD_MIN = 10
PASSWORD_MAX = 128
DISPLAY_NAME_MAX = 80
EMAIL_MAX = 254
# The database's check constraint allows the same range.
DAILY_GOAL_MAX = 500

# The most common passwords that pass the length rule; a breached-password list would be
# better still, but this keeps the app self-contained.
COMMON_PASSWORDS = frozenset(
    [
        "1234567890",
        "0123456789",
        "1111111111",
        "0000000000",
        "1234512345",
        "1q2w3e4r5t",
        "qwertyuiop",
        "asdfghjkl;",
        "password12",
        "password123",
        "password1234",
        "passw0rd123",
        "iloveyou12",
        "abcdefghij",
        "abcd123456",
        "qwerty1234",
        "qwerty12345",
        "qazwsxedcrfv",
        "1qaz2wsx3edc",
        "letmein123",
        "welcome123",
        "administrator",
        "changeme123",
        "football123",
        "baseball123",
        "superman123",
        "trustno1234",
        "monkey1234",
        "dragon1234",
        "sunshine12",
        "princess12",
        "qwertyuiop123",
        "zaq12wsxcde",
        "987654321a",
        "a123456789",
    ]
)


@cache
def time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def normalize_email(email: str) -> str:
    """The form an address is stored and compared in: trimmed and lower-cased."""
    return unicodedata.normalize("NFKC", email).strip().lower()


def email_problem(email: str) -> str | None:
    """Why an address, as `normalize_email` left it, cannot be stored, or None. Checked after
    normalising, which can lengthen an address or put spaces in it ("ﷺ" becomes 18 characters)."""
    if len(email) > EMAIL_MAX:
        return f"Use at most {EMAIL_MAX} characters."
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return "Enter a valid email address, like name@example.com."
    return None


# Characters that lay out the text around a name rather than belong to it: controls (line
# breaks and tabs among them), the line and paragraph separators, and the bidirectional
# controls, with which a name can show reversed, or reorder what follows it on a page or in
# a gradebook row. The zero-width joiner stays allowed: emoji sequences are built with it.
_LAYOUT_CHARACTERS = frozenset(
    "\u2028\u2029"  # line and paragraph separators
    "\u202a\u202b\u202c\u202d\u202e"  # embeddings and overrides
    "\u2066\u2067\u2068\u2069"  # isolates
    "\u200e\u200f\u061c"  # directional marks
)


def display_name_problem(name: str) -> str | None:
    """Why a display name, with its ends stripped, cannot be stored, or None."""
    if not name:
        return "Enter a display name."
    if len(name) > DISPLAY_NAME_MAX:
        return f"Use at most {DISPLAY_NAME_MAX} characters."
    if any(char in _LAYOUT_CHARACTERS or unicodedata.category(char) == "Cc" for char in name):
        return (
            "Use letters, digits, spaces and punctuation only; line breaks and text-direction "
            "controls are not allowed."
        )
    return None


def password_problem(password: str, *, email: str = "", display_name: str = "") -> str | None:
    """Why a new password is not acceptable, or None when it is."""
    if len(password) < PASSWORD_MIN:
        return f"Use at least {PASSWORD_MIN} characters."
    if len(password) > PASSWORD_MAX:
        return f"Use at most {PASSWORD_MAX} characters."
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(lowered)) < 4:
        return "This password is too easy to guess; choose a less common one."
    local_part = normalize_email(email).split("@")[0]
    if len(local_part) >= 4 and local_part in lowered:
        return "Do not build the password from your email address."
    name = display_name.strip().lower()
    if len(name) >= 4 and name in lowered:
        return "Do not build the password from your name."
    return None
