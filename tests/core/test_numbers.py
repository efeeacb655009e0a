"""Reading a typed number: the rule docs/content-format.md states, case by case."""

from __future__ import annotations

from decimal import Decimal

import pytest

from quizapp.core.numbers import (
    NotANumber,
    is_known_unit,
    normalize_unit,
    numbers_in,
    parse_number,
    plain_number,
)


@pytest.mark.parametrize(
    ("typed", "value", "unit"),
    [
        ("12.5", "12.5", ""),
        ("12,5", "12.5", ""),
        (" 12.5 % ", "12.5", "%"),
        ("12.5%", "12.5", "%"),
        ("12,50 %.", "12.5", "%"),
        # A lone comma before exactly three digits groups thousands; a lone dot never does.
        ("1,250", "1250", ""),
        ("1.250", "1.25", ""),
        ("0,125", "0.125", ""),
        (",5", "0.5", ""),
        (".5", "0.5", ""),
        # The mark that comes last, used once, is the decimal mark; the other groups.
        ("1,250.5", "1250.5", ""),
        ("1.250,5", "1250.5", ""),
        ("1,250,000", "1250000", ""),
        ("1.250.000", "1250000", ""),
        ("1 250", "1250", ""),
        ("12\u00a0500,5 units/h", "12500.5", "units/h"),
        ("-3,5", "-3.5", ""),
        ("\u22123", "-3", ""),
        ("+4", "4", ""),
        ("45 units per hour", "45", "units per hour"),
    ],
)
def test_typed_numbers_read_by_the_documented_rule(typed, value, unit):
    assert parse_number(typed) == (Decimal(value), unit)


@pytest.mark.parametrize(
    "typed", ["", "abc", "twelve", "%12", "1,2,3", "12 5", "1,25.5", "1,250 000", "1e3", "1:30"]
)
def test_text_that_is_not_one_number_is_refused(typed):
    with pytest.raises(NotANumber):
        parse_number(typed)


def test_units_compare_by_meaning_not_spelling():
    assert normalize_unit("Percent") == normalize_unit("%") == "%"
    assert normalize_unit("minutes") == normalize_unit("min") == "min"
    assert normalize_unit("Units per hour") == normalize_unit("units/h") == "unit/h"
    assert normalize_unit("pieces / hr") == "unit/h"
    assert is_known_unit("min") and is_known_unit("units/h") and not is_known_unit("operators")


def test_numbers_in_prose_come_with_the_word_after_them():
    text = "OEE = 0.9 * 0.95 = 85.5 %. Of 400 parts, 30 were scrap: 7,5 %."
    assert numbers_in(text) == [
        (Decimal("0.9"), ""),
        (Decimal("0.95"), ""),
        (Decimal("85.5"), "%"),
        (Decimal("400"), "parts"),
        (Decimal("30"), "were"),
        (Decimal("7.5"), "%"),
    ]


def test_plain_numbers_have_no_exponent_or_trailing_zeros():
    assert [plain_number(Decimal(v)) for v in ("12.50", "1250", "1.25E+3", "-0", "0.000")] == [
        "12.5",
        "1250",
        "1250",
        "0",
        "0",
    ]
