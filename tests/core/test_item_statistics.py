"""Moodle's item and quiz statistics, checked against figures worked out by hand."""

from __future__ import annotations

import pytest

from quizapp.core.item_statistics import (
    consistency,
    discrimination,
    distractor_flags,
    item_flags,
    response_table,
    score_summary,
)
from quizapp.core.questions import QUESTION_TYPES


def spec(data: dict):
    source = {"file": "f", "section": "s"}
    base = {"id": "q-1", "prompt": "Which?", "explanation": "Because.", "source": source}
    return QUESTION_TYPES[data["type"]].model_validate({**base, **data})


SINGLE = spec(
    {
        "type": "single_choice",
        "choices": [
            {"id": "a", "text": "Right", "correct": True},
            {"id": "b", "text": "Tempting"},
            {"id": "c", "text": "Never chosen"},
        ],
    }
)


def test_discrimination_is_the_correlation_with_the_rest_of_the_quiz():
    # The strongest three get it right: a perfect split of rest scores.
    pairs = [
        (1.0 if rest >= 0.7 else 0.0, rest)
        for rest in (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
    ]
    found = discrimination(pairs)
    # Point-biserial r = (M1 - M0) / sd * sqrt(p q): (0.8 - 0.3) / 0.2872 * sqrt(0.21) = 0.7977.
    assert found.index == pytest.approx(0.7977, abs=1e-4)
    # Already sorted together, so as high as these spreads allow.
    assert found.efficiency == pytest.approx(1.0)
    reversed_pairs = [(1 - item, rest) for item, rest in pairs]
    assert discrimination(reversed_pairs).index == pytest.approx(-0.7977, abs=1e-4)
    # Everyone right: no spread, nothing to correlate; too few answers: no figure.
    assert discrimination([(1.0, rest) for _, rest in pairs]) is None
    assert discrimination(pairs[:4]) is None


def test_item_flags_speak_plainly_and_wait_for_enough_answers():
    assert item_flags(0.95, 0.1, 20) == ["Looks too easy"]
    assert item_flags(0.1, 0.3, 20) == ["Looks too hard"]
    assert item_flags(0.5, -0.4, 20) == ["Weaker learners do better: check the answer key"]
    assert item_flags(0.5, 0.05, 20) == ["Does not separate strong from weak learners"]
    assert item_flags(0.6, 0.5, 20) == []
    assert item_flags(1.0, None, 3) == []


def test_the_response_table_counts_each_option_and_flags_distractors():
    responses = ["a"] * 3 + ["b"] * 3
    caption, rows = response_table(SINGLE, responses)
    assert caption == "Learners who chose each option"
    assert [(row.label, row.count, row.right) for row in rows] == [
        ("Right", 3, True),
        ("Tempting", 3, False),
        ("Never chosen", 0, False),
    ]
    # The three who chose "Tempting" are the class's strongest.
    totals = [0.2, 0.3, 0.4, 0.8, 0.9, 1.0]
    choosers = {"a": [0.2, 0.3, 0.4], "b": [0.8, 0.9, 1.0]}
    assert distractor_flags(rows, choosers, totals) == [
        "A distractor the stronger learners choose: “Tempting”",
        "A distractor nobody chooses: “Never chosen”",
    ]
    assert distractor_flags(rows, choosers, totals[:4]) == []


def test_open_answers_are_listed_by_frequency_with_the_right_ones_marked():
    short = spec({"type": "short_answer", "answers": ["takt time", "takt"]})
    responses = ["cycle time"] * 2 + ["takt time"] * 3 + ["lead time"]
    _, rows = response_table(short, responses)
    assert [(row.label, row.count, row.right) for row in rows] == [
        ("takt time", 3, True),
        ("cycle time", 2, False),
        ("lead time", 1, False),
    ]


def test_ordering_and_matching_count_each_place_or_pair_got_right():
    ordering = spec(
        {
            "type": "ordering",
            "items": [
                {"id": "x", "text": "Plan"},
                {"id": "y", "text": "Do"},
                {"id": "z", "text": "Check"},
            ],
        }
    )
    _, rows = response_table(ordering, [["x", "y", "z"], ["y", "x", "z"]])
    assert [(row.label, row.count) for row in rows] == [
        ("1. Plan", 1),
        ("2. Do", 1),
        ("3. Check", 2),
    ]


def test_score_summary_bins_tenths_and_uses_the_sample_deviation():
    summary = score_summary([0.5, 0.7, 1.0, 0.0])
    assert summary.count == 4 and summary.mean == pytest.approx(0.55)
    assert summary.median == pytest.approx(0.6)
    # Squared deviations .0025 + .0225 + .2025 + .3025 = .53, over n - 1 = 3: sd 0.4203.
    assert summary.sd == pytest.approx(0.4203, abs=1e-4)
    assert summary.bins == (1, 0, 0, 0, 0, 1, 0, 1, 0, 1)
    assert score_summary([]) is None


def test_kr20_for_right_or_wrong_questions_and_a_plain_reading():
    # Five learners by four questions, a clean Guttman pattern: very consistent.
    matrix = [[1, 1, 1, 1], [1, 1, 1, 0], [1, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0]]
    found = consistency(matrix)
    # k/(k-1) * (1 - sum p q / var total) = 4/3 * (1 - 0.8 / 2) = 0.8
    assert found.name == "KR-20" and found.value == pytest.approx(0.8)
    assert found.reading == "The quiz separates stronger from weaker learners well."
    partial = consistency([[0.5, 1, 1], [0.5, 0.5, 1], [0, 0.5, 0], [1, 1, 1], [0, 0, 0.5]])
    assert partial.name == "Cronbach's alpha"
    assert consistency(matrix[:4]) is None
    assert consistency([[1, 1, 1]] * 5) is None
