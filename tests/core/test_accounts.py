"""Rules for account fields."""

from __future__ import annotations

import pytest

from quizapp.core.accounts import DISPLAY_NAME_MAX, display_name_problem

REFUSED = (
    "Use letters, digits, spaces and punctuation only; line breaks and text-direction "
    "controls are not allowed."
)


@pytest.mark.parametrize(
    "name",
    [
        "Ada Lovelace",
        "José Ñúñez-O'Brien",
        "王小明",
        "محمد علي",  # right-to-left text itself is a name; only the controls are refused
        "Dr. A. Smith (QA), #1!",
        "Sam 👩🏽\u200d🔧",  # a zero-width joiner holds the emoji together
        "👨‍👩‍👧",
        "x" * DISPLAY_NAME_MAX,
    ],
)
def test_names_people_have_are_accepted(name):
    assert display_name_problem(name) is None


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Ada\nLovelace", "line feed"),
        ("Ada\r\nLovelace", "carriage return"),
        ("Ada\tLovelace", "tab"),
        ("Ada\x00", "NUL"),
        ("Ada\x1b[31m", "escape (a terminal colour code in `users list`)"),
        ("Ada\x85Lovelace", "next line (C1 control)"),
        ("Ada\u2028Lovelace", "line separator"),
        ("Ada\u2029Lovelace", "paragraph separator"),
        ("Ada\u202aLovelace", "left-to-right embedding"),
        ("Ada\u202bLovelace", "right-to-left embedding"),
        ("Ada\u202cLovelace", "pop directional formatting"),
        ("Ada\u202dLovelace", "left-to-right override"),
        ("\u202eecalevoL adA", "right-to-left override"),
        ("Ada\u2066Lovelace", "left-to-right isolate"),
        ("Ada\u2067Lovelace", "right-to-left isolate"),
        ("Ada\u2068Lovelace", "first strong isolate"),
        ("Ada\u2069Lovelace", "pop directional isolate"),
        ("Ada\u200eLovelace", "left-to-right mark"),
        ("Ada\u200fLovelace", "right-to-left mark"),
        ("Ada\u061cLovelace", "Arabic letter mark"),
    ],
)
def test_line_breaks_and_direction_controls_are_refused(name, kind):
    assert display_name_problem(name) == REFUSED, kind


def test_empty_and_overlong_names_are_refused():
    assert display_name_problem("") == "Enter a display name."
    assert display_name_problem("x" * (DISPLAY_NAME_MAX + 1)) == (
        f"Use at most {DISPLAY_NAME_MAX} characters."
    )
