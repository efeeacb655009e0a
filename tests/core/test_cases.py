"""Case studies: their own checks, and their questions kept together in an attempt."""

from __future__ import annotations

import random

from quizapp.core.cases import Case, case_from_data, keep_cases_together

TABLE = {"columns": ["Shift", "Output", "Scrap"], "rows": [["Early", 900, 12], ["Late", 850, 30]]}


def case(**data) -> Case:
    return Case.model_validate({"id": "c", "title": "A shift", "text": "Some text.", **data})


def test_a_table_row_must_fit_its_columns_and_columns_are_named_once():
    table = {"columns": ["Shift", "Output", "output"], "rows": [["Early", 900], ["Late", 8, 3]]}
    assert case(table=table).problems() == [
        (("table", "columns", 2), "column 'output' is named twice"),
        (("table", "rows", 0), "table row 1 has 2 cells but the table has 3 columns"),
    ]


def test_a_case_text_is_short_markdown_without_headings_or_html():
    assert case(table=TABLE).problems() == []
    assert case(text="## Heading\n\nText.").problems() == [
        (("text",), "no headings in a case's text: its title is its heading")
    ]
    assert case(text="<b>Bold</b> text.").problems() == [
        (("text",), "raw HTML is not allowed in a case; use Markdown")
    ]
    assert "keep a case to 200 or fewer" in case(text="word " * 201).problems()[0][1]


def test_the_caption_defaults_to_the_title_and_numbers_align_by_column():
    assert case(table=TABLE).caption == "A shift"
    assert case(table={**TABLE, "caption": "Figures"}).caption == "Figures"
    assert case(table=TABLE).table.numeric_columns == [False, True, True]


def test_a_stored_case_is_read_back_from_question_data():
    stored = case(table=TABLE).model_dump(mode="json")
    assert case_from_data({"choices": [], "case": stored}) == case(table=TABLE)
    assert case_from_data({"choices": []}) is None


def test_a_case_s_questions_are_asked_together_in_file_order():
    file_order = [1, 2, 3, 4, 5, 6, 7]
    cases = {2: "a", 4: "a", 6: "a", 3: "b", 7: "b"}
    for seed in range(30):
        drawn = list(file_order)
        random.Random(seed).shuffle(drawn)
        drawn = drawn[:5]
        ordered = keep_cases_together(drawn, cases, file_order)
        assert sorted(ordered) == sorted(drawn)
        for name in ("a", "b"):
            members = [q for q in ordered if cases.get(q) == name]
            start = ordered.index(members[0]) if members else 0
            assert ordered[start : start + len(members)] == sorted(members)
        # Questions outside a case keep their drawn order.
        assert [q for q in ordered if q not in cases] == [q for q in drawn if q not in cases]
