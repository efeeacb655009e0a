"""Case studies: a short situation, perhaps with a small table, that 2 to 5 questions share.

A case is written once at the top of a question file (`cases:`) and named by its questions
(`case: <id>`). When the content is loaded, each question stores a copy of its case, so a
quiz or review page shows the case from the question's own row, without another query.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Annotated, Any, TypeVar

from pydantic import Field, PlainValidator
from pydantic_core import PydanticCustomError

from quizapp.core.markdown import heading_levels, raw_html_lines
from quizapp.core.questions import Location, ShortText, Slug, StrictModel, Text

CASE_QUESTIONS = (2, 5)
# Short enough to reread above every one of its questions on a phone.
CASE_WORDS = 200
TABLE_COLUMNS = 6
TABLE_ROWS = 12


def _cell(value: Any) -> str | int | float:
    # One clear message instead of pydantic's one per member of a union.
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise PydanticCustomError("cell_type", "a table cell is text or a number")
    return value


Cell = Annotated[str | int | float, PlainValidator(_cell)]


class CaseTable(StrictModel):
    """A small table of figures; the first column names each row."""

    caption: ShortText | None = None
    columns: Annotated[list[ShortText], Field(min_length=1, max_length=TABLE_COLUMNS)]
    rows: Annotated[list[list[Cell]], Field(min_length=1, max_length=TABLE_ROWS)]

    def problems(self) -> list[tuple[Location, str]]:
        found: list[tuple[Location, str]] = []
        width = len(self.columns)
        lowered = [column.casefold() for column in self.columns]
        for index, column in enumerate(self.columns):
            if lowered.index(column.casefold()) != index:
                found.append((("columns", index), f"column {column!r} is named twice"))
        for index, row in enumerate(self.rows):
            if len(row) != width:
                found.append(
                    (
                        ("rows", index),
                        f"table row {index + 1} has {len(row)} cells but the table has "
                        f"{width} columns",
                    )
                )
        return found

    @property
    def numeric_columns(self) -> list[bool]:
        """Which columns hold only numbers, to be aligned right so figures line up."""
        return [
            all(isinstance(row[i], int | float) for row in self.rows if i < len(row))
            for i in range(len(self.columns))
        ]


class Case(StrictModel):
    id: Slug
    title: ShortText
    # Markdown, rendered and sanitised like a lesson's.
    text: Text
    table: CaseTable | None = None

    @property
    def caption(self) -> str:
        return (self.table.caption if self.table else None) or self.title

    def problems(self) -> list[tuple[Location, str]]:
        found: list[tuple[Location, str]] = []
        words = len(self.text.split())
        if words > CASE_WORDS:
            found.append(
                (("text",), f"the text has {words} words; keep a case to {CASE_WORDS} or fewer")
            )
        if raw_html_lines(self.text):
            found.append((("text",), "raw HTML is not allowed in a case; use Markdown"))
        # A heading above the question's own would break the page's outline.
        if heading_levels(self.text):
            found.append((("text",), "no headings in a case's text: its title is its heading"))
        if self.table is not None:
            found += [(("table", *where), message) for where, message in self.table.problems()]
        return found


def case_from_data(data: Mapping[str, Any]) -> Case | None:
    """The case study stored with a question (see `QuestionContent.data`), if it has one."""
    stored = data.get("case")
    if not isinstance(stored, Mapping):
        return None
    return Case.model_validate(stored, strict=False)


def case_id_of(data: Mapping[str, Any]) -> str | None:
    stored = data.get("case")
    return stored.get("id") if isinstance(stored, Mapping) else None


T = TypeVar("T", bound=Hashable)


def keep_cases_together(
    drawn: Sequence[T], case_of: Mapping[T, str | None], file_order: Sequence[T]
) -> list[T]:
    """The drawn questions in the same order, except that the questions of one case are asked
    one after the other, in file order, where the first of them was drawn."""
    place = {question: index for index, question in enumerate(file_order)}
    members: dict[str, list[T]] = {}
    for question in drawn:
        case = case_of.get(question)
        if case is not None:
            members.setdefault(case, []).append(question)
    ordered: list[T] = []
    for question in drawn:
        case = case_of.get(question)
        if case is None:
            ordered.append(question)
        elif case in members:
            ordered += sorted(members.pop(case), key=lambda q: place.get(q, len(place)))
    return ordered
