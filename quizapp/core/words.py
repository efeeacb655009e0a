"""Counting things in English."""

from __future__ import annotations


def plural(count: int, noun: str, plural_form: str | None = None) -> str:
    """'1 learner', '2 learners', '1,200 reviews'."""
    return f"{count:,} {noun if count == 1 else plural_form or noun + 's'}"
