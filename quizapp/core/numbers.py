"""Reading a number as a learner types it: "12.5", "12,5", " 12.5 % ", "1,250.5", "1 250".

The rule (docs/content-format.md, "How a typed number is read"):

- Spaces around the number and between it and its unit do not matter.
- A dot or a comma is the decimal mark. A mark used more than once, or followed later by
  the other mark, groups thousands: 1,250,000 / 1.250.000 / 1,250.5 / 1.250,5. Spaces group
  thousands too: 1 250, 12 500,5.
- A lone comma is a decimal comma (12,5 is 12.5; 0,125 is 0.125), except when exactly three
  digits follow it and the digits before it are not 0: 1,250 is one thousand two hundred
  and fifty, as English writes it. A lone dot is always a decimal point: 1.250 is 1.25.
- Thousands groups have three digits; anything else (1,2,3 or 12 5) is not a number.

Exact decimals throughout, so a tolerance of 0.1 around 0.3 takes 0.4.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

# Digits with single separators (a dot, a comma or a space) between them, as typed.
_NUMBER = re.compile(r"[.,]?\d(?:[., ]?\d)*")
_SIGN = re.compile(r"[+\-\u2212]")
# What may follow the number as its unit: a letter or a sign such as % (never a digit or a
# stray mark, which would mean the number itself was mistyped).
_UNIT_START = re.compile(r"[^\W\d_]|[%‰°$€£¥]")
MAX_DIGITS = 30

# Ways of writing the same unit, each mapped to one spelling, so "72 percent" answers a
# question in % and "45 units per hour" one in units/h. Plurals of words of four letters or
# more lose their final s first ("pieces" -> "piece").
UNIT_WORDS = {
    "percent": "%",
    "per cent": "%",
    "pct": "%",
    "minute": "min",
    "mins": "min",
    "second": "s",
    "sec": "s",
    "secs": "s",
    "hour": "h",
    "hr": "h",
    "hrs": "h",
    "d": "day",
    "wk": "week",
    "wks": "week",
    "unit": "unit",
    "piece": "unit",
    "pc": "unit",
    "pcs": "unit",
    "part": "unit",
    "dollar": "$",
    "usd": "$",
    "euro": "€",
    "eur": "€",
    "pound": "£",
    "gbp": "£",
    "kilogram": "kg",
    "kilo": "kg",
    "kgs": "kg",
}
# Units the content checker recognises when it reads a worked solution.
KNOWN_UNITS = frozenset(UNIT_WORDS.values()) | {"%", "min", "s", "h", "day", "week", "kg", "m"}


class NotANumber(ValueError):
    """Text that does not read as one number (with, perhaps, a unit after it)."""


def _word(word: str) -> str:
    word = word.strip()
    if word in UNIT_WORDS:
        return UNIT_WORDS[word]
    if len(word) >= 4 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    return UNIT_WORDS.get(word, word)


def normalize_unit(unit: str) -> str:
    """One spelling per unit: case, spacing, plurals and "per" aside ("Units per hour" is
    "unit/h")."""
    text = unicodedata.normalize("NFKC", unit).casefold().strip(" .")
    if text in UNIT_WORDS:
        return UNIT_WORDS[text]
    text = re.sub(r"\s+per\s+", "/", text)
    return "/".join(" ".join(_word(part).split()) for part in text.split("/"))


def same_unit(a: str, b: str) -> bool:
    return normalize_unit(a) == normalize_unit(b)


def is_known_unit(unit: str) -> bool:
    return all(part in KNOWN_UNITS for part in normalize_unit(unit).split("/"))


def _value(sign: str, digits: str) -> Decimal:
    """The number in `digits` (separators as typed), by the rule in this module's docstring."""
    parts = re.split(r"([., ])", digits)
    runs, marks = parts[0::2], parts[1::2]
    if not marks:
        return Decimal(sign + digits)
    decimal_at: int | None = None
    last = marks[-1]
    if last != " " and marks.count(last) == 1:
        before = set(marks[:-1])
        lone_comma_grouping = (
            last == "," and not before and len(runs[-1]) == 3 and runs[0].strip("0") != ""
        )
        if not lone_comma_grouping:
            decimal_at = len(marks) - 1
    whole_runs = runs if decimal_at is None else runs[: decimal_at + 1]
    grouping = set(marks if decimal_at is None else marks[:decimal_at])
    if len(grouping) > 1:
        raise NotANumber("thousands are grouped with two different marks")
    if len(whole_runs) > 1:
        first, *groups = whole_runs
        if not 1 <= len(first) <= 3 or any(len(group) != 3 for group in groups):
            raise NotANumber("thousands groups need three digits each")
    whole = "".join(whole_runs) or "0"
    fraction = runs[-1] if decimal_at is not None else ""
    return Decimal(f"{sign}{whole}.{fraction}" if fraction else f"{sign}{whole}")


def parse_number(text: str) -> tuple[Decimal, str]:
    """(the number, the unit written after it or ""); NotANumber when it is not one number."""
    # A full stop after the answer ends the sentence, not the number.
    text = unicodedata.normalize("NFKC", text).strip().rstrip(" .")
    sign = ""
    if _SIGN.match(text):
        sign = "-" if text[0] != "+" else ""
        text = text[1:].lstrip()
    match = _NUMBER.match(text)
    if match is None:
        raise NotANumber("there is no number at the start")
    digits, unit = match.group(), text[match.end() :].strip()
    # A digit in the "unit" means the number itself was mistyped (1e3, 12 5.5, 1:30).
    if unit and (not _UNIT_START.match(unit) or any(c.isdigit() for c in unit)):
        raise NotANumber("something other than a unit follows the number")
    if sum(c.isdigit() for c in digits) > MAX_DIGITS:
        raise NotANumber("too many digits")
    try:
        return _value(sign, digits), unit
    except InvalidOperation:  # the pattern admits only digits and marks; kept as a guard
        raise NotANumber("not a number") from None


def numbers_in(text: str) -> list[tuple[Decimal, str]]:
    """Every number in a piece of prose, each with the unit word right after it (or "")."""
    found = []
    plain = unicodedata.normalize("NFKC", text)
    unit_word = re.compile(r"\s?(%|[^\W\d_]+(?:\s*/\s*[^\W\d_]+|\s+per\s+[^\W\d_]+)?)")
    for match in _NUMBER.finditer(plain):
        try:
            value = _value("", match.group())
        except NotANumber:
            continue
        unit = unit_word.match(plain, match.end())
        found.append((value, unit.group(1) if unit else ""))
    return found


def plain_number(value: Decimal) -> str:
    """A number as the app writes it: no exponent, no trailing zeros, a dot for decimals."""
    if value == 0:
        return "0"
    return format(value.normalize(), "f")
