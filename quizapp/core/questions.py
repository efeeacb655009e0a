"""The question types: one small class per YAML `type`, each able to check and grade itself.

A type's fields are declared as a pydantic model, so `content check` reports missing,
unknown and mistyped keys for free; `answer_key_problems` adds the rules types cannot
express (exactly one right choice, unique ids, ...). `grade` is pure: response in, verdict out.
"""

from __future__ import annotations

import math
import random
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, StringConstraints
from pydantic_core import PydanticCustomError

from quizapp.core.markdown import heading_levels, raw_html_lines
from quizapp.core.numbers import (
    NotANumber,
    is_known_unit,
    normalize_unit,
    numbers_in,
    parse_number,
    plain_number,
    same_unit,
)

SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=120)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]

Location = tuple[str | int, ...]


class StrictModel(BaseModel):
    # strict: YAML's surprises (`yes` read as True, 1.10 as a float) become errors, not data.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class SourceRef(StrictModel):
    file: ShortText
    section: ShortText


@dataclass(frozen=True)
class Grade:
    """The verdict on one response: right or not, a score in [0, 1], what to tell the learner."""

    correct: bool
    score: float
    feedback: tuple[str, ...] = field(default=())


class InvalidResponse(ValueError):
    """A response that does not fit the question (tampered or malformed), unlike a wrong one.

    The message is shown to the learner as it is, so it is a whole sentence."""


@dataclass(frozen=True)
class Option:
    """One thing shown to pick or place. `token` is what the form sends back: a position in
    this attempt's shuffled layout, so the page carries nothing that hints at the answer."""

    token: str
    text: str
    key: str = field(repr=False)


@dataclass(frozen=True)
class Layout:
    """A question as one attempt shows it: options (and, for matching, targets) in order."""

    options: tuple[Option, ...] = ()
    targets: tuple[Option, ...] = ()

    def key_of(self, token: str, *, among: str = "options") -> str:
        for option in getattr(self, among):
            if option.token == token:
                return option.key
        raise InvalidResponse("That answer is not one of this question's choices.")


@dataclass(frozen=True)
class RevealRow:
    """One line of the feedback after answering: what was given against what was expected.

    For choices `given` and `expected` say whether the option was picked and is right; for
    ordering, matching and short answers they are the texts given and expected."""

    label: str
    given: bool | str | None
    expected: bool | str
    ok: bool
    feedback: str | None = None


# The form's values by field name, as `request.form.getlist` gives them.
FormValues = Callable[[str], list[str]]


def _tokens(texts_and_keys: list[tuple[str, str]], prefix: str = "") -> tuple[Option, ...]:
    return tuple(
        Option(f"{prefix}{index}", text, key)
        for index, (text, key) in enumerate(texts_and_keys, start=1)
    )


def _shuffled(items: list, rng: random.Random) -> list:
    items = list(items)
    rng.shuffle(items)
    return items


def _single_value(values: FormValues, name: str, missing: str) -> str:
    given = [value for value in values(name) if value.strip()]
    if not given:
        raise InvalidResponse(missing)
    if len(given) > 1:
        raise InvalidResponse("Send one answer for this question.")
    return given[0]


class QuestionSpec(StrictModel):
    type_name: ClassVar[str]
    label: ClassVar[str]

    id: Slug
    prompt: Text
    explanation: Text
    source: SourceRef
    # Marks for `content check`'s bank report, never shown to learners: the prompt puts the
    # learner in a situation to decide in, and the fact (a slug) the question tests.
    scenario: bool = False
    fact: Slug | None = None
    # The case study (issue 19) the question belongs to, by id within its file.
    case: Slug | None = None
    # The lesson's closing decision: every attempt asks it, first.
    opens_quiz: bool = False

    def answer_key_problems(self) -> list[tuple[Location, str]]:
        return []

    def worked_solution(self) -> str | None:
        """Markdown showing how the answer is reached, for the feedback; None for most types."""
        return None

    def data(self) -> dict[str, Any]:
        """The type-specific fields, as stored with the question."""
        data = self.model_dump(
            mode="json",
            exclude={"id", "type", "prompt", "explanation", "source", "scenario", "fact"},
        )
        # Left out when empty, so questions outside a case store what they always stored.
        if data.get("case") is None:
            data.pop("case", None)
        if not data.get("opens_quiz"):
            data.pop("opens_quiz", None)
        return data

    def grade(self, response: Any) -> Grade:
        raise NotImplementedError

    def layout(self, rng: random.Random) -> Layout:
        """How one attempt shows the question; `rng` makes the shuffle repeatable."""
        raise NotImplementedError

    def response_from_form(self, layout: Layout, values: FormValues) -> Any:
        """The response `grade` takes, from what the form sent; InvalidResponse if unusable."""
        raise NotImplementedError

    def reveal(self, layout: Layout, response: Any) -> list[RevealRow]:
        """What to show after answering: the learner's response beside the right one."""
        raise NotImplementedError

    def right_answer(self) -> str:
        """The right answer in words, for the summary at the end of a quiz."""
        raise NotImplementedError

    def describe(self, response: Any) -> str:
        """A stored response in words, so item analysis can count the wrong answers given.
        Tolerates responses naming items a later content edit removed."""
        raise NotImplementedError

    def form_values(self, layout: Layout, response: Any) -> dict[str, list[str]]:
        """What a browser would send for `response`: the inverse of `response_from_form`, for
        the demo's simulated learners."""
        raise NotImplementedError

    def right_response(self) -> Any:
        """The response `grade` marks fully right."""
        raise NotImplementedError


def _duplicates(values: list[str]) -> set[str]:
    seen: set[str] = set()
    return {value for value in values if value in seen or seen.add(value)}


def _duplicate_problems(values: list[str], where: str, key: str) -> list[tuple[Location, str]]:
    dups = _duplicates(values)
    return [
        ((where, index, key), f"duplicate {key} {value!r} in {where}")
        for index, value in enumerate(values)
        if value in dups
    ]


class Choice(StrictModel):
    id: Slug
    text: ShortText
    correct: bool = False
    feedback: Text | None = None


class _ChoiceQuestion(QuestionSpec):
    choices: list[Choice]
    min_choices: ClassVar[int]
    max_choices: ClassVar[int]

    def answer_key_problems(self) -> list[tuple[Location, str]]:
        problems = _duplicate_problems([c.id for c in self.choices], "choices", "id")
        problems += _duplicate_problems([c.text.lower() for c in self.choices], "choices", "text")
        if not self.min_choices <= len(self.choices) <= self.max_choices:
            problems.append(
                (
                    ("choices",),
                    f"{self.label} needs {self.min_choices} to {self.max_choices} choices, "
                    f"found {len(self.choices)}",
                )
            )
        for index, choice in enumerate(self.choices):
            if choice.correct and choice.feedback:
                problems.append(
                    (
                        ("choices", index, "feedback"),
                        "feedback is for wrong choices; explain the right one in explanation",
                    )
                )
            if re.search(r"\b(all|none) of the above\b", choice.text, re.IGNORECASE):
                problems.append((("choices", index, "text"), "no 'all/none of the above' choices"))
        return problems

    def choice_ids(self, response: Any) -> set[str]:
        ids = {response} if isinstance(response, str) else response
        if not isinstance(ids, list | set | tuple) or not all(isinstance(i, str) for i in ids):
            raise InvalidResponse("Choose from the listed answers.")
        known = {c.id for c in self.choices}
        if not set(ids) <= known:
            raise InvalidResponse("That answer is not one of this question's choices.")
        return set(ids)

    def feedback_for(self, chosen: set[str]) -> tuple[str, ...]:
        return tuple(
            c.feedback for c in self.choices if c.id in chosen and not c.correct and c.feedback
        )

    def layout(self, rng: random.Random) -> Layout:
        return Layout(_tokens(_shuffled([(c.text, c.id) for c in self.choices], rng)))

    def reveal(self, layout: Layout, response: Any) -> list[RevealRow]:
        chosen = self.choice_ids(response)
        by_id = {c.id: c for c in self.choices}
        rows = []
        for option in layout.options:
            choice = by_id[option.key]
            picked = choice.id in chosen
            rows.append(
                RevealRow(
                    choice.text,
                    picked,
                    choice.correct,
                    picked == choice.correct,
                    choice.feedback if picked and not choice.correct else None,
                )
            )
        return rows

    def right_answer(self) -> str:
        return "; ".join(c.text for c in self.choices if c.correct)

    def describe(self, response: Any) -> str:
        chosen = {response} if isinstance(response, str) else set(response or ())
        return "; ".join(c.text for c in self.choices if c.id in chosen) or "(nothing)"

    def form_values(self, layout: Layout, response: Any) -> dict[str, list[str]]:
        chosen = self.choice_ids(response)
        return {"choice": [o.token for o in layout.options if o.key in chosen]}

    def right_response(self) -> Any:
        right = sorted(c.id for c in self.choices if c.correct)
        return right[0] if self.type_name == "single_choice" else right


class SingleChoice(_ChoiceQuestion):
    type_name = "single_choice"
    label = "a single-choice question"
    min_choices, max_choices = 3, 6
    type: Literal["single_choice"]

    def answer_key_problems(self) -> list[tuple[Location, str]]:
        problems = super().answer_key_problems()
        right = sum(c.correct for c in self.choices)
        if right != 1:
            problems.append(
                (("choices",), f"needs exactly one choice with correct: true, found {right}")
            )
        return problems

    def grade(self, response: Any) -> Grade:
        chosen = self.choice_ids(response)
        if len(chosen) != 1:
            raise InvalidResponse("Choose exactly one answer.")
        right = all(c.correct for c in self.choices if c.id in chosen)
        return Grade(right, 1.0 if right else 0.0, () if right else self.feedback_for(chosen))

    def response_from_form(self, layout: Layout, values: FormValues) -> Any:
        token = _single_value(values, "choice", "Choose an answer first.")
        return layout.key_of(token)


class MultipleSelect(_ChoiceQuestion):
    type_name = "multiple_select"
    label = "a multiple-select question"
    min_choices, max_choices = 4, 7
    type: Literal["multiple_select"]

    def answer_key_problems(self) -> list[tuple[Location, str]]:
        problems = super().answer_key_problems()
        right = sum(c.correct for c in self.choices)
        if right < 2 or right == len(self.choices):
            problems.append(
                (
                    ("choices",),
                    f"needs at least two right and one wrong choice, found {right} right "
                    f"of {len(self.choices)}",
                )
            )
        return problems

    def grade(self, response: Any) -> Grade:
        chosen = self.choice_ids(response)
        if not chosen:
            raise InvalidResponse("Choose at least one answer.")
        right = {c.id for c in self.choices if c.correct}
        # Partial credit as in Moodle: each right pick earns its share, each wrong one costs it.
        hits = len(chosen & right) / len(right)
        misses = len(chosen - right) / (len(self.choices) - len(right))
        score = round(max(0.0, hits - misses), 4)
        correct = chosen == right
        missed = () if correct or chosen - right else ("You left out at least one right answer.",)
        return Grade(correct, 1.0 if correct else score, self.feedback_for(chosen) + missed)

    def response_from_form(self, layout: Layout, values: FormValues) -> Any:
        tokens = values("choice")
        if not tokens:
            raise InvalidResponse("Choose at least one answer first.")
        if len(set(tokens)) != len(tokens):
            raise InvalidResponse("Each answer can be chosen once.")
        return sorted(layout.key_of(token) for token in tokens)


class _WrongFeedback(QuestionSpec):
    wrong_feedback: Text | None = None

    def verdict(self, correct: bool, score: float | None = None) -> Grade:
        score = (1.0 if correct else 0.0) if score is None else score
        feedback = () if correct or not self.wrong_feedback else (self.wrong_feedback,)
        return Grade(correct, score, feedback)


class TrueFalse(_WrongFeedback):
    type_name = "true_false"
    label = "a true/false question"
    type: Literal["true_false"]
    answer: bool

    def grade(self, response: Any) -> Grade:
        if not isinstance(response, bool):
            raise InvalidResponse("Answer true or false.")
        return self.verdict(response == self.answer)

    # True comes first on every attempt: shuffling two fixed words only confuses.
    def layout(self, rng: random.Random) -> Layout:
        return Layout((Option("true", "True", "true"), Option("false", "False", "false")))

    def response_from_form(self, layout: Layout, values: FormValues) -> Any:
        token = _single_value(values, "choice", "Choose True or False first.")
        return layout.key_of(token) == "true"

    def reveal(self, layout: Layout, response: Any) -> list[RevealRow]:
        rows = []
        for option in layout.options:
            value = option.key == "true"
            picked = response is value
            right = self.answer is value
            rows.append(RevealRow(option.text, picked, right, picked == right))
        return rows

    def right_answer(self) -> str:
        return "True" if self.answer else "False"

    def describe(self, response: Any) -> str:
        return "True" if response is True else "False"

    def form_values(self, layout: Layout, response: Any) -> dict[str, list[str]]:
        return {"choice": ["true" if response else "false"]}

    def right_response(self) -> Any:
        return self.answer


class Item(StrictModel):
    id: Slug
    text: ShortText


class Ordering(_WrongFeedback):
    type_name = "ordering"
    label = "an ordering question"
    type: Literal["ordering"]
    items: list[Item]

    def answer_key_problems(self) -> list[tuple[Location, str]]:
        problems = _duplicate_problems([i.id for i in self.items], "items", "id")
        problems += _duplicate_problems([i.text.lower() for i in self.items], "items", "text")
        if not 3 <= len(self.items) <= 8:
            problems.append(
                (("items",), f"an ordering question needs 3 to 8 items, found {len(self.items)}")
            )
        return problems

    def grade(self, response: Any) -> Grade:
        expected = [i.id for i in self.items]
        if not isinstance(response, list) or sorted(response) != sorted(expected):
            raise InvalidResponse("Put every item in order, each once.")
        in_place = sum(a == b for a, b in zip(response, expected, strict=True))
        return self.verdict(response == expected, round(in_place / len(expected), 4))

    def layout(self, rng: random.Random) -> Layout:
        items = [(i.text, i.id) for i in self.items]
        # Never start from the answer: a few reshuffles make that all but impossible.
        shuffled = _shuffled(items, rng)
        for _ in range(10):
            if shuffled != items:
                break
            shuffled = _shuffled(items, rng)
        return Layout(_tokens(shuffled))

    def response_from_form(self, layout: Layout, values: FormValues) -> Any:
        count = len(layout.options)
        places: dict[int, str] = {}
        for option in layout.options:
            raw = _single_value(
                values, f"position-{option.token}", "Give every item a position first."
            )
            # isdigit() alone lets "²" and 5,000-digit strings through to int().
            if not (raw.isascii() and raw.isdigit()) or len(raw) > 3 or not 1 <= int(raw) <= count:
                raise InvalidResponse(f"Positions go from 1 to {count}.")
            if int(raw) in places:
                raise InvalidResponse("Give each item a different position.")
            places[int(raw)] = option.key
        return [places[place] for place in sorted(places)]

    def reveal(self, layout: Layout, response: Any) -> list[RevealRow]:
        text = {i.id: i.text for i in self.items}
        return [
            RevealRow(str(place), text.get(given), item.text, given == item.id)
            for place, (given, item) in enumerate(zip(response, self.items, strict=True), 1)
        ]

    def right_answer(self) -> str:
        return " → ".join(i.text for i in self.items)

    def describe(self, response: Any) -> str:
        text = {i.id: i.text for i in self.items}
        return " → ".join(text.get(item_id, "?") for item_id in response or ())

    def form_values(self, layout: Layout, response: Any) -> dict[str, list[str]]:
        place = {item_id: n for n, item_id in enumerate(response, 1)}
        return {f"position-{o.token}": [str(place[o.key])] for o in layout.options}

    def right_response(self) -> Any:
        return [i.id for i in self.items]


class Pair(StrictModel):
    id: Slug
    left: ShortText
    right: ShortText


class Matching(_WrongFeedback):
    type_name = "matching"
    label = "a matching question"
    type: Literal["matching"]
    pairs: list[Pair]

    def answer_key_problems(self) -> list[tuple[Location, str]]:
        problems = _duplicate_problems([p.id for p in self.pairs], "pairs", "id")
        problems += _duplicate_problems([p.left.lower() for p in self.pairs], "pairs", "left")
        problems += _duplicate_problems([p.right.lower() for p in self.pairs], "pairs", "right")
        if not 3 <= len(self.pairs) <= 8:
            problems.append(
                (("pairs",), f"a matching question needs 3 to 8 pairs, found {len(self.pairs)}")
            )
        return problems

    def grade(self, response: Any) -> Grade:
        """`response` maps each pair id (its left side) to the pair id of the right side picked."""
        ids = {p.id for p in self.pairs}
        if (
            not isinstance(response, dict)
            or set(response) != ids
            or not set(response.values()) <= ids
        ):
            raise InvalidResponse("Match every item on the left.")
        matched = sum(key == value for key, value in response.items())
        return self.verdict(matched == len(ids), round(matched / len(ids), 4))

    def layout(self, rng: random.Random) -> Layout:
        lefts = _shuffled([(p.left, p.id) for p in self.pairs], rng)
        rights = _shuffled([(p.right, p.id) for p in self.pairs], rng)
        return Layout(_tokens(lefts), _tokens(rights, prefix="m"))

    def response_from_form(self, layout: Layout, values: FormValues) -> Any:
        response = {}
        for option in layout.options:
            token = _single_value(
                values, f"match-{option.token}", "Match every item on the left first."
            )
            response[option.key] = layout.key_of(token, among="targets")
        return response

    def reveal(self, layout: Layout, response: Any) -> list[RevealRow]:
        right_text = {p.id: p.right for p in self.pairs}
        return [
            RevealRow(
                option.text,
                right_text.get(response.get(option.key)),
                right_text[option.key],
                response.get(option.key) == option.key,
            )
            for option in layout.options
        ]

    def right_answer(self) -> str:
        return "; ".join(f"{p.left} → {p.right}" for p in self.pairs)

    def describe(self, response: Any) -> str:
        """Only the pairs matched wrongly: those are what tell an instructor something."""
        right_text = {p.id: p.right for p in self.pairs}
        response = response or {}
        wrong = [
            f"{p.left} → {right_text.get(response.get(p.id), '?')}"
            for p in self.pairs
            if response.get(p.id) != p.id
        ]
        return "; ".join(wrong) or "(all matched)"

    def form_values(self, layout: Layout, response: Any) -> dict[str, list[str]]:
        target = {t.key: t.token for t in layout.targets}
        return {f"match-{o.token}": [target[response[o.key]]] for o in layout.options}

    def right_response(self) -> Any:
        return {p.id: p.id for p in self.pairs}


def normalize_answer(text: str) -> str:
    """Case, accents' encoding, spacing and trailing full stops do not make an answer wrong."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(text.split()).strip(" .")


class ShortAnswer(_WrongFeedback):
    type_name = "short_answer"
    label = "a short-answer question"
    type: Literal["short_answer"]
    answers: list[ShortText]

    def answer_key_problems(self) -> list[tuple[Location, str]]:
        if not self.answers:
            return [(("answers",), "a short-answer question needs at least one accepted answer")]
        normalized = [normalize_answer(a) for a in self.answers]
        return _duplicate_problems(normalized, "answers", "answer") and [
            (
                ("answers", index),
                f"accepted answer {a!r} repeats another once case and spacing are ignored",
            )
            for index, a in enumerate(self.answers)
            if normalized.count(normalize_answer(a)) > 1
        ]

    def grade(self, response: Any) -> Grade:
        if not isinstance(response, str) or len(response) > 500:
            raise InvalidResponse("Type a short answer.")
        given = normalize_answer(response)
        return self.verdict(given in {normalize_answer(a) for a in self.answers})

    def layout(self, rng: random.Random) -> Layout:
        return Layout()

    def response_from_form(self, layout: Layout, values: FormValues) -> Any:
        answer = _single_value(values, "answer", "Type an answer first.").strip()
        if len(answer) > 500:
            raise InvalidResponse("Keep the answer under 500 characters.")
        return answer

    def reveal(self, layout: Layout, response: Any) -> list[RevealRow]:
        ok = self.grade(response).correct
        return [RevealRow("Your answer", response, self.right_answer(), ok)]

    def right_answer(self) -> str:
        # The first answer is the key; the others are spellings of it, not further answers.
        key, *variants = self.answers
        return f"{key} (also accepted: {', '.join(variants)})" if variants else key

    def describe(self, response: Any) -> str:
        return normalize_answer(response) if isinstance(response, str) else ""

    def form_values(self, layout: Layout, response: Any) -> dict[str, list[str]]:
        return {"answer": [response]}

    def right_response(self) -> Any:
        return self.answers[0]


def _number_or_text(value: Any) -> float | int | str:
    # One clear message instead of pydantic's one per member of a union.
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise PydanticCustomError("number_type", "write a number, such as 72 or 12.5")
    if isinstance(value, float) and not math.isfinite(value):
        raise PydanticCustomError("number_type", "write a finite number, such as 72 or 12.5")
    return value


# A number, or text such as "72 %" that `content check` reads and checks against `unit`.
NumberOrText = Annotated[float | int | str, PlainValidator(_number_or_text)]
Unit = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
MAX_TYPED = 40


def _decimal(value: float | int) -> Decimal:
    # Through str, so a YAML 0.1 is the decimal 0.1 and not the float nearest to it.
    return Decimal(str(value))


def _untypeable(unit: str) -> bool:
    """Whether a unit could never be typed after a number (so every answer would be refused)."""
    try:
        _, written = parse_number(f"1 {unit}")
    except NotANumber:
        return True
    return not same_unit(written, unit)


class Numeric(_WrongFeedback):
    """A number within an absolute tolerance, as Moodle's numerical question; the unit, if
    any, is shown after the field and may be typed or left out, but never a different one."""

    type_name = "numeric"
    label = "a numeric question"
    type: Literal["numeric"]
    answer: NumberOrText
    tolerance: Annotated[float, Field(allow_inf_nan=False)]
    unit: Unit | None = None
    working: Text | None = None

    @property
    def value(self) -> Decimal:
        if isinstance(self.answer, str):
            return parse_number(self.answer)[0]
        return _decimal(self.answer)

    @property
    def margin(self) -> Decimal:
        return _decimal(self.tolerance)

    def answer_key_problems(self) -> list[tuple[Location, str]]:
        problems: list[tuple[Location, str]] = []
        if self.tolerance < 0:
            problems.append(
                (
                    ("tolerance",),
                    f"tolerance {self.tolerance:g} is negative: it is the margin either side "
                    "of the answer that still counts as right, 0 or more",
                )
            )
        if self.unit is not None and _untypeable(self.unit):
            problems.append(
                (("unit",), f"unit {self.unit!r} must start with a letter or a sign such as %")
            )
        if isinstance(self.answer, str):
            try:
                _, written = parse_number(self.answer)
            except NotANumber:
                problems.append(
                    (
                        ("answer",),
                        f"answer {self.answer!r} is not a number; write it like 72 or 12.5",
                    )
                )
                return problems
            if written and self.unit is None:
                problems.append(
                    (
                        ("answer",),
                        f"answer {self.answer!r} is in {written!r} but the question has no "
                        f"unit: add unit: {written}",
                    )
                )
            elif written and not same_unit(written, self.unit or ""):
                problems.append(
                    (
                        ("answer",),
                        f"answer {self.answer!r} is in {written!r} but unit is {self.unit!r}",
                    )
                )
        if self.working is not None and not problems:
            problems += self._working_problems(self.working)
        return problems

    def _working_problems(self, working: str) -> list[tuple[Location, str]]:
        """The working must reach the answer, and in the question's unit."""
        if raw_html_lines(working):
            return [(("working",), "raw HTML is not allowed in the working; use Markdown")]
        if heading_levels(working):
            return [(("working",), "no headings in the working: the page gives it one")]
        found = numbers_in(working)
        reached = [unit for value, unit in found if abs(value - self.value) <= self.margin]
        if not reached:
            return [
                (
                    ("working",),
                    f"the working never reaches the answer {self.right_answer()}: "
                    "check the answer and the working agree",
                )
            ]
        # The last time the working states the answer is its result; a unit written there
        # that the app knows must be the question's.
        unit = reached[-1]
        if unit and is_known_unit(unit) and not same_unit(unit, self.unit or ""):
            expected = f"unit is {self.unit!r}" if self.unit else "the question has no unit"
            return [(("working",), f"the working gives the answer in {unit!r} but {expected}")]
        return []

    def data(self) -> dict[str, Any]:
        data = super().data()
        # Stored as the number itself, so a page never parses the author's text again.
        if isinstance(self.answer, str):
            value = self.value
            data["answer"] = int(value) if value == value.to_integral_value() else float(value)
        return data

    def worked_solution(self) -> str | None:
        return self.working

    def typed_value(self, typed: str) -> Decimal:
        """The number a learner typed, its unit checked; InvalidResponse says what to fix."""
        if len(typed) > MAX_TYPED:
            raise InvalidResponse("Type just the number, and its unit if you like.")
        try:
            value, written = parse_number(typed)
        except NotANumber:
            raise InvalidResponse(
                "Type the answer as a number: digits with a decimal point or comma, "
                "and thousands grouped in threes if you group them."
            ) from None
        if written and self.unit is None:
            raise InvalidResponse(
                f"This answer is a plain number, without a unit: type it without “{written}”."
            )
        if written and not same_unit(written, self.unit or ""):
            raise InvalidResponse(
                f"This answer is in {self.unit}, not {written}: give the number in {self.unit}."
            )
        return value

    def _given(self, response: Any) -> Decimal:
        if isinstance(response, str):
            return self.typed_value(response)
        if isinstance(response, int | float) and not isinstance(response, bool):
            return _decimal(response)
        raise InvalidResponse("Type the answer as a number.")

    def grade(self, response: Any) -> Grade:
        given = self._given(response)
        right = abs(given - self.value) <= self.margin
        verdict = self.verdict(right)
        # The classic slip with percentages: the fraction typed where the percentage is asked.
        if (
            not right
            and self.unit is not None
            and normalize_unit(self.unit) == "%"
            and abs(given * 100 - self.value) <= self.margin
        ):
            hint = (
                f"You typed the fraction; this answer is in %: {plain_number(given)} is "
                f"{plain_number(given * 100)} %."
            )
            verdict = Grade(False, 0.0, (*verdict.feedback, hint))
        return verdict

    def layout(self, rng: random.Random) -> Layout:
        return Layout()

    def response_from_form(self, layout: Layout, values: FormValues) -> Any:
        typed = _single_value(values, "answer", "Type a number first.")
        # Stored as the plain number: "12,5", "12.5 %" and "12.50" are one answer.
        return plain_number(self.typed_value(typed))

    def with_unit(self, value: Decimal) -> str:
        return f"{plain_number(value)} {self.unit}" if self.unit else plain_number(value)

    def reveal(self, layout: Layout, response: Any) -> list[RevealRow]:
        ok = self.grade(response).correct
        return [RevealRow("Your answer", self.describe(response), self.right_answer(), ok)]

    def right_answer(self) -> str:
        exact = self.with_unit(self.value)
        return f"{exact} (±{plain_number(self.margin)})" if self.margin else exact

    def describe(self, response: Any) -> str:
        try:
            return self.with_unit(self._given(response))
        except InvalidResponse:
            return str(response)

    def form_values(self, layout: Layout, response: Any) -> dict[str, list[str]]:
        return {"answer": [str(response)]}

    def right_response(self) -> Any:
        return plain_number(self.value)


@dataclass(frozen=True)
class Feedback:
    """Everything the learner sees after answering one question."""

    grade: Grade
    rows: list[RevealRow]
    # Feedback that belongs to no single row, such as a type's `wrong_feedback`.
    notes: tuple[str, ...]
    right_answer: str
    explanation: str
    # How the answer is reached (a numeric question's `working`), shown to everyone.
    working: str | None = None


def answer_feedback(spec: QuestionSpec, layout: Layout, response: Any) -> Feedback:
    grade = spec.grade(response)
    rows = spec.reveal(layout, response)
    on_rows = {row.feedback for row in rows}
    notes = tuple(note for note in grade.feedback if note not in on_rows)
    return Feedback(
        grade, rows, notes, spec.right_answer(), spec.explanation, spec.worked_solution()
    )


QUESTION_TYPES: dict[str, type[QuestionSpec]] = {
    cls.type_name: cls
    for cls in (SingleChoice, MultipleSelect, TrueFalse, Ordering, Matching, ShortAnswer, Numeric)
}

AnyQuestion = Annotated[
    SingleChoice | MultipleSelect | TrueFalse | Ordering | Matching | ShortAnswer | Numeric,
    Field(discriminator="type"),
]


def question_from_record(
    *, slug: str, type: str, prompt: str, explanation: str, source: dict, data: dict
) -> QuestionSpec:
    """Rebuild the typed question from what the database stores."""
    case = data.get("case")
    return QUESTION_TYPES[type].model_validate(
        {
            "id": slug,
            "type": type,
            "prompt": prompt,
            "explanation": explanation,
            # The stored citation also carries the document's title, which the file does not.
            "source": {"file": source["file"], "section": source["section"]},
            **data,
            # The stored case is the whole case study (`core.cases`); the spec names it.
            **({"case": case["id"]} if isinstance(case, dict) else {}),
        },
        strict=False,
    )
