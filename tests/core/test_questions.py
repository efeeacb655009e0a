"""Grading by question type: what a learner sees as right, partly right or wrong."""

from __future__ import annotations

import random

import pytest
from pydantic import ValidationError
from werkzeug.datastructures import MultiDict

from quizapp.core.questions import (
    QUESTION_TYPES,
    InvalidResponse,
    Layout,
    answer_feedback,
    question_from_record,
)

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


# --- Layouts and forms: what the page shows, and reading the learner's answer back ---------


ITEMS = [{"id": f"i{n}", "text": f"Step {n}"} for n in range(1, 5)]
PAIRS = [{"id": f"p{n}", "left": f"Left {n}", "right": f"Right {n}"} for n in range(1, 5)]
MULTI = [
    {"id": "a", "text": "A", "correct": True},
    {"id": "b", "text": "B", "correct": True},
    {"id": "c", "text": "C", "feedback": "C is a trap."},
    {"id": "d", "text": "D"},
]


def form(**fields) -> MultiDict:
    return MultiDict([(k, v) for k, values in fields.items() for v in _listed(values)])


def _listed(value):
    return value if isinstance(value, list) else [value]


def token_for(layout, key, among="options"):
    return next(o.token for o in getattr(layout, among) if o.key == key)


def test_choice_tokens_are_positions_so_the_page_does_not_reveal_the_key():
    q = make("single_choice", choices=CHOICES)
    right_tokens = {token_for(q.layout(random.Random(seed)), "a") for seed in range(30)}
    assert right_tokens == {"1", "2", "3"}
    assert q.layout(random.Random(7)) == q.layout(random.Random(7))


def test_choice_forms_read_back_into_responses():
    single = make("single_choice", choices=CHOICES)
    layout = single.layout(random.Random(1))
    assert single.response_from_form(layout, form(choice=token_for(layout, "b")).getlist) == "b"
    multi = make("multiple_select", choices=MULTI)
    layout = multi.layout(random.Random(1))
    picked = [token_for(layout, "b"), token_for(layout, "a")]
    assert multi.response_from_form(layout, form(choice=picked).getlist) == ["a", "b"]
    tf = make("true_false", answer=True)
    assert tf.response_from_form(tf.layout(random.Random(1)), form(choice="false").getlist) is False


@pytest.mark.parametrize(
    ("type_", "data", "values", "message"),
    [
        ("single_choice", {"choices": CHOICES}, {}, "Choose an answer first"),
        ("single_choice", {"choices": CHOICES}, {"choice": "9"}, "not one of this question"),
        ("single_choice", {"choices": CHOICES}, {"choice": ["1", "2"]}, "one answer"),
        ("multiple_select", {"choices": MULTI}, {}, "at least one"),
        ("multiple_select", {"choices": MULTI}, {"choice": ["1", "1"]}, "once"),
        ("true_false", {"answer": True}, {"choice": "maybe"}, "not one of this question"),
        ("ordering", {"items": ITEMS}, {}, "Give every item a position"),
        ("matching", {"pairs": PAIRS}, {}, "Match every item"),
        ("short_answer", {"answers": ["MES"]}, {"answer": "   "}, "Type an answer"),
        ("short_answer", {"answers": ["MES"]}, {"answer": "x" * 501}, "under 500"),
        ("numeric", {"answer": 72, "tolerance": 0}, {"answer": " "}, "Type a number first"),
        ("numeric", {"answer": 72, "tolerance": 0}, {"answer": "lots"}, "as a number"),
        ("numeric", {"answer": 72, "tolerance": 0}, {"answer": "1,2,3"}, "as a number"),
        ("numeric", {"answer": 72, "tolerance": 0}, {"answer": "72 %"}, "without “%”"),
        ("numeric", {"answer": 72, "tolerance": 0, "unit": "%"}, {"answer": "72 min"}, "in %"),
        ("numeric", {"answer": 72, "tolerance": 0}, {"answer": "7" * 41}, "just the number"),
    ],
)
def test_unusable_forms_raise_a_clear_message(type_, data, values, message):
    q = make(type_, **data)
    with pytest.raises(InvalidResponse, match=message):
        q.response_from_form(q.layout(random.Random(1)), form(**values).getlist)


def test_ordering_never_starts_in_the_right_order_and_reads_positions():
    q = make("ordering", items=ITEMS)
    for seed in range(50):
        assert [o.key for o in q.layout(random.Random(seed)).options] != ["i1", "i2", "i3", "i4"]
    layout = q.layout(random.Random(3))
    right = {f"position-{token_for(layout, f'i{n}')}": str(n) for n in range(1, 5)}
    response = q.response_from_form(layout, form(**right).getlist)
    assert response == ["i1", "i2", "i3", "i4"] and q.grade(response).correct
    clash = {**right, f"position-{token_for(layout, 'i1')}": "2"}
    with pytest.raises(InvalidResponse, match="different position"):
        q.response_from_form(layout, form(**clash).getlist)
    with pytest.raises(InvalidResponse, match="from 1 to 4"):
        q.response_from_form(layout, form(**{**right, next(iter(right)): "7"}).getlist)


def test_matching_uses_separate_tokens_for_each_side():
    q = make("matching", pairs=PAIRS)
    layout = q.layout(random.Random(5))
    assert {o.token for o in layout.options}.isdisjoint({t.token for t in layout.targets})
    values = {
        f"match-{token_for(layout, f'p{n}')}": token_for(layout, f"p{n}", "targets")
        for n in range(1, 5)
    }
    response = q.response_from_form(layout, form(**values).getlist)
    assert response == {f"p{n}": f"p{n}" for n in range(1, 5)} and q.grade(response).correct


def test_feedback_marks_each_option_and_keeps_notes_apart():
    q = make("multiple_select", choices=MULTI)
    layout = q.layout(random.Random(2))
    feedback = answer_feedback(q, layout, ["a", "c"])
    rows = {row.label: row for row in feedback.rows}
    assert [row.label for row in feedback.rows] == [o.text for o in layout.options]
    assert rows["A"].given and rows["A"].expected and rows["A"].ok
    assert rows["B"].expected and not rows["B"].given and not rows["B"].ok
    assert rows["C"].given and not rows["C"].expected and rows["C"].feedback == "C is a trap."
    assert feedback.notes == ()  # the trap's feedback sits on its row, not twice
    assert feedback.right_answer == "A; B" and feedback.explanation == "E."

    partial = answer_feedback(q, layout, ["a"])
    assert partial.grade.score == 0.5
    assert partial.notes == ("You left out at least one right answer.",)


def test_feedback_for_ordering_matching_and_short_answers():
    ordering = make("ordering", items=ITEMS, wrong_feedback="Think it through.")
    fb = answer_feedback(ordering, ordering.layout(random.Random(1)), ["i2", "i1", "i3", "i4"])
    assert [(r.given, r.expected, r.ok) for r in fb.rows][:2] == [
        ("Step 2", "Step 1", False),
        ("Step 1", "Step 2", False),
    ]
    assert fb.grade.score == 0.5 and fb.notes == ("Think it through.",)

    matching = make("matching", pairs=PAIRS)
    response = {"p1": "p2", "p2": "p1", "p3": "p3", "p4": "p4"}
    fb = answer_feedback(matching, matching.layout(random.Random(1)), response)
    wrong = {r.label: (r.given, r.expected) for r in fb.rows if not r.ok}
    assert wrong == {"Left 1": ("Right 2", "Right 1"), "Left 2": ("Right 1", "Right 2")}

    short = make("short_answer", answers=["MES", "Manufacturing execution system"])
    fb = answer_feedback(short, short.layout(random.Random(1)), "erp")
    assert not fb.grade.correct
    # One answer with its variants, never a list that reads as several answers.
    assert fb.rows[0].expected == "MES (also accepted: Manufacturing execution system)"
    assert make("short_answer", answers=["MES"]).right_answer() == "MES"
    three = make("short_answer", answers=["ops manager", "operation manager", "operations mgr"])
    assert three.right_answer() == "ops manager (also accepted: operation manager, operations mgr)"


RESPONSES = [
    (make("single_choice", choices=CHOICES), ["a", "b", "c"]),
    (make("multiple_select", choices=MULTI), [["a", "b"], ["c"], ["a", "b", "c", "d"]]),
    (make("true_false", answer=True), [True, False]),
    (make("ordering", items=ITEMS), [["i1", "i2", "i3", "i4"], ["i4", "i3", "i2", "i1"]]),
    (
        make("matching", pairs=PAIRS),
        [
            {"p1": "p1", "p2": "p2", "p3": "p3", "p4": "p4"},
            {"p1": "p2", "p2": "p1", "p3": "p4", "p4": "p3"},
        ],
    ),
    (make("short_answer", answers=["MES"]), ["MES", "ERP"]),
    (make("numeric", answer=72, tolerance=0.5, unit="%"), ["72", "70.5", "-3"]),
]


@pytest.mark.parametrize(("spec", "responses"), RESPONSES, ids=lambda v: getattr(v, "type", ""))
def test_form_values_read_back_into_the_same_response(spec, responses):
    for seed in range(5):
        layout = spec.layout(random.Random(seed))
        for response in responses:
            values = MultiDict(
                [(k, v) for k, vs in spec.form_values(layout, response).items() for v in vs]
            )
            assert spec.response_from_form(layout, values.getlist) == response


def test_describe_puts_a_response_in_words_for_item_analysis():
    assert make("single_choice", choices=CHOICES).describe("b") == "Wrong"
    assert make("multiple_select", choices=MULTI).describe(["a", "c"]) == "A; C"
    assert make("true_false", answer=True).describe(False) == "False"
    assert make("ordering", items=ITEMS[:3]).describe(["i2", "i1", "i3"]) == (
        "Step 2 → Step 1 → Step 3"
    )
    matching = make("matching", pairs=PAIRS[:3])
    assert matching.describe({"p1": "p2", "p2": "p1", "p3": "p3"}) == (
        "Left 1 → Right 2; Left 2 → Right 1"
    )
    assert make("short_answer", answers=["MES"]).describe("  The ERP. ") == "the erp"
    # A choice a later edit removed is left out rather than breaking the analysis.
    assert make("single_choice", choices=CHOICES).describe("zz") == "(nothing)"


@pytest.mark.parametrize(("spec", "responses"), RESPONSES, ids=lambda v: getattr(v, "type", ""))
def test_the_right_response_grades_fully_right(spec, responses):
    grade = spec.grade(spec.right_response())
    assert grade.correct and grade.score == 1.0


# --- Numeric questions -----------------------------------------------------------------------


def numeric(**data):
    return make("numeric", **{"answer": 72, "tolerance": 0.5, "unit": "%", **data})


def typed(spec, text):
    return spec.response_from_form(spec.layout(random.Random(1)), form(answer=text).getlist)


@pytest.mark.parametrize("text", ["72", "72,4", " 71.5 % ", "72.5%", "72 percent", "71,50"])
def test_numeric_accepts_any_way_of_writing_a_number_within_the_tolerance(text):
    q = numeric()
    assert q.grade(typed(q, text)).correct


def test_numeric_tolerance_is_exact_in_decimals():
    q = numeric(answer=0.3, tolerance=0.1, unit=None)
    assert q.grade("0.4").correct and q.grade("0.2").correct
    assert not q.grade("0.41").correct
    exact = numeric(tolerance=0)
    assert exact.grade("72.0").correct and not exact.grade("72.01").correct


def test_numeric_wrong_answer_feedback_and_the_fraction_slip():
    q = numeric(wrong_feedback="Multiply the three factors.")
    assert q.grade("70").feedback == ("Multiply the three factors.",)
    slip = q.grade(typed(q, "0,72"))
    assert not slip.correct
    assert slip.feedback[-1] == "You typed the fraction; this answer is in %: 0.72 is 72 %."


def test_numeric_stores_the_plain_number_and_describes_it_with_its_unit():
    q = numeric(tolerance=0.5)
    assert typed(q, " 12,50 % ") == "12.5"
    assert q.describe("12.5") == "12.5 %"
    assert q.right_answer() == "72 % (±0.5)"
    assert numeric(tolerance=0, unit=None).right_answer() == "72"
    assert numeric(unit="units/h", answer=1250, tolerance=10).right_answer() == "1250 units/h (±10)"
    assert q.describe(["tampered"]) == "['tampered']"


def test_numeric_feedback_shows_the_working():
    q = numeric(working="0.9 * 0.8 = 0.72, so **72 %**.")
    fb = answer_feedback(q, q.layout(random.Random(1)), "71.5")
    assert fb.grade.correct and fb.working == "0.9 * 0.8 = 0.72, so **72 %**."
    assert [(r.given, r.expected, r.ok) for r in fb.rows] == [("71.5 %", "72 % (±0.5)", True)]
    assert answer_feedback(make("true_false", answer=True), Layout(), True).working is None


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"tolerance": -0.5}, ("tolerance", "tolerance -0.5 is negative")),
        ({"answer": "72 min"}, ("answer", "answer '72 min' is in 'min' but unit is '%'")),
        ({"answer": "72 %", "unit": None}, ("answer", "the question has no unit: add unit: %")),
        ({"answer": "about 72"}, ("answer", "answer 'about 72' is not a number")),
        ({"unit": "2x"}, ("unit", "unit '2x' must start with a letter or a sign such as %")),
        (
            {"working": "0.9 * 0.8 = 0.72, so 72 min."},
            ("working", "the working gives the answer in 'min' but unit is '%'"),
        ),
        (
            {"working": "0.9 * 0.8 = 0.7, so 70 %."},
            ("working", "the working never reaches the answer 72 % (±0.5)"),
        ),
        ({"working": "## Steps\n\n72 %"}, ("working", "no headings in the working")),
    ],
)
def test_numeric_answer_key_problems(data, problem):
    found = numeric(**data).answer_key_problems()
    assert any(where == (problem[0],) and problem[1] in message for where, message in found), found


def test_numeric_answer_key_that_agrees_has_no_problems():
    assert (
        numeric(answer="72 percent", working="0.9 * 0.8 = 0.72, that is 72 %.").data()["answer"]
        == 72
    )
    assert numeric(answer="72 %", working="Worked out as 72 percent.").answer_key_problems() == []
    assert (
        numeric(
            unit="units/h", answer=45, working="That is 45 units per hour."
        ).answer_key_problems()
        == []
    )


@pytest.mark.parametrize("answer", [True, [72], float("nan")])
def test_numeric_answer_must_be_a_number_or_text(answer):
    with pytest.raises(ValidationError, match="write a"):
        numeric(answer=answer)


def test_a_stored_question_keeps_its_case_and_grades_the_same():
    q = numeric(case="line-2")
    stored = {**q.data(), "case": {"id": "line-2", "title": "T", "text": "X", "table": None}}
    again = question_from_record(
        slug="q", type="numeric", prompt="P?", explanation="E.", source=SOURCE, data=stored
    )
    assert again == q and again.case == "line-2"
    assert "case" not in make("true_false", answer=True).data()
