import csv
import io
import random
from datetime import UTC, datetime

import pytest

from quizapp.core.classes import (
    JOIN_CODE_ALPHABET,
    csv_text,
    due_from_local,
    file_slug,
    format_join_code,
    new_join_code,
    normalize_join_code,
)

DUE = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)


def test_join_codes_avoid_lookalike_characters_and_survive_retyping():
    code = new_join_code(random.Random(1))
    assert len(code) == 8 and set(code) <= set(JOIN_CODE_ALPHABET)
    assert not set("0O1IL") & set(JOIN_CODE_ALPHABET)
    assert normalize_join_code(f" {format_join_code(code).lower()} ") == code


def test_a_due_date_is_read_in_the_class_time_zone():
    local = datetime(2026, 12, 1, 17, 0)
    assert due_from_local(local, "America/New_York") == datetime(2026, 12, 1, 22, 0, tzinfo=UTC)
    assert due_from_local(local, "Asia/Tokyo") == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def test_csv_is_rfc_4180_and_neutralises_formulas():
    text = csv_text(
        ["Learner", "Score"],
        [
            ['=HYPERLINK("http://evil")', 90],
            ["+44 20 7946 0000", -5],
            ["@SUM(A1)", None],
            ['Ada "the engineer", Lovelace', 100],
            ["-1", 0.5],
        ],
    )
    assert text.endswith("\r\n") and text.count("\r\n") == 6
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Learner", "Score"]
    assert rows[1] == ['\'=HYPERLINK("http://evil")', "90"]
    assert rows[2] == ["'+44 20 7946 0000", "-5"]
    assert rows[3] == ["'@SUM(A1)", ""]
    assert rows[4] == ['Ada "the engineer", Lovelace', "100"]
    assert rows[5] == ["'-1", "0.5"]


def test_csv_neutralises_cells_opened_by_a_semicolon_or_a_control_character():
    text = csv_text(["Learner"], [[";=1+1"], ["\t=1+1"], ["\r=1+1"], ["Ada; engineer"]])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1:] == [["';=1+1"], ["'\t=1+1"], ["'\r=1+1"], ["Ada; engineer"]]


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Line 3 — Night shift", "line-3-night-shift"),
        ("Équipe de nuit: été", "equipe-de-nuit-ete"),
        ("夜勤", ""),
        ("  --Spring cohort!!  ", "spring-cohort"),
    ],
)
def test_file_slugs_keep_letters_and_digits(name, slug):
    assert file_slug(name) == slug
