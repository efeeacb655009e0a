"""Grading by question type: what a learner sees as right, partly right or wrong."""

from __future__ import annotations

import pytest

from quizapp.core.questions import QUESTION_TYPES, InvalidResponse, question_from_record

SOURCE = {"file": "004.txt", "section": "Key Responsibilities"}


def make(type_: str, **data):
    return QUESTION_TYPES[type_].model_validate(
        {"id": "q", "type": type_, "prompt": "P?", "explanation": "E.", "source": SOURCE, **data}
    )


CHOICES = [
    {"id": "a", "text": "Right", "correct": True},
    {"id": "b", "text": "Wrong", "feedback": "B is about something else."},
    {"id": "c", "text": "Also wrong"},
]


def test_single_choice_right_and_wrong_with_feedback():
    q = make("single_choice", choices=CHOICES)
    assert q.grade("a").correct
    wrong = q.grade("b")
    assert not wrong.correct and wrong.score == 0
    assert wrong.feedback == ("B is about something else.",)


def test_single_choice_rejects_tampered_answers():
    q = make("single_choice", choices=CHOICES)
    with pytest.raises(InvalidResponse):
        q.grade("z")
    with pytest.raises(InvalidResponse):
        q.grade(["a", "b"])


def test_multiple_select_partial_credit_and_all_or_nothing_correctness():
    q = make(
        "multiple_select",
        choices=[
            {"id": "a", "text": "A", "correct": True},
            {"id": "b", "text": "B", "correct": True},
            {"id": "c", "text": "C"},
            {"id": "d", "text": "D"},
        ],
    )
    assert q.grade(["a", "b"]).correct
    half = q.grade(["a"])
    assert not half.correct and half.score == 0.5
    assert "You left out at least one right answer." in half.feedback
    assert q.grade(["a", "c"]).score == 0.0
    assert q.grade(["a", "b", "c", "d"]).score == 0.0


def test_true_false():
    q = make("true_false", answer=False, wrong_feedback="It is the other way round.")
    assert q.grade(False).correct
    assert q.grade(True).feedback == ("It is the other way round.",)
    with pytest.raises(InvalidResponse):
        q.grade("false")


def test_ordering_scores_items_in_place():
    q = make("ordering", items=[{"id": i, "text": i.upper()} for i in "abcd"])
    assert q.grade(["a", "b", "c", "d"]).correct
    swapped = q.grade(["b", "a", "c", "d"])
    assert not swapped.correct and swapped.score == 0.5
    with pytest.raises(InvalidResponse):
        q.grade(["a", "a", "c", "d"])


def test_matching():
    q = make("matching", pairs=[{"id": i, "left": i, "right": i.upper()} for i in "abc"])
    assert q.grade({"a": "a", "b": "b", "c": "c"}).correct
    assert q.grade({"a": "b", "b": "a", "c": "c"}).score == round(1 / 3, 4)
    with pytest.raises(InvalidResponse):
        q.grade({"a": "a", "b": "b"})


@pytest.mark.parametrize("given", ["MES", "mes", "  Manufacturing   execution system ", "mes."])
def test_short_answer_ignores_case_and_spacing(given):
    q = make("short_answer", answers=["MES", "Manufacturing Execution System"])
    assert q.grade(given).correct


def test_short_answer_wrong():
    q = make("short_answer", answers=["MES"], wrong_feedback="Think of the shop-floor system.")
    result = q.grade("ERP")
    assert not result.correct and result.feedback == ("Think of the shop-floor system.",)


def test_a_stored_question_grades_like_the_file_it_came_from():
    q = make("single_choice", choices=CHOICES)
    stored = question_from_record(
        slug="q", type="single_choice", prompt="P?", explanation="E.", source=SOURCE, data=q.data()
    )
    assert stored == q
    assert stored.grade("a").correct
