"""The question types: one small class per YAML `type`, each able to check and grade itself.

A type's fields are declared as a pydantic model, so `content check` reports missing,
unknown and mistyped keys for free; `answer_key_problems` adds the rules types cannot
express (exactly one right choice, unique ids, ...). `grade` is pure: response in, verdict out.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

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
    """A response that does not fit the question (tampered or malformed), unlike a wrong one."""


class QuestionSpec(StrictModel):
    type_name: ClassVar[str]
    label: ClassVar[str]

    id: Slug
    prompt: Text
    explanation: Text
    source: SourceRef

    def answer_key_problems(self) -> list[tuple[Location, str]]:
        return []

    def data(self) -> dict[str, Any]:
        """The type-specific fields, as stored with the question."""
        return self.model_dump(
            mode="json", exclude={"id", "type", "prompt", "explanation", "source"}
        )

    def grade(self, response: Any) -> Grade:
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
            raise InvalidResponse("choose from the listed answers")
        known = {c.id for c in self.choices}
        if not set(ids) <= known:
            raise InvalidResponse("that answer is not one of this question's choices")
        return set(ids)

    def feedback_for(self, chosen: set[str]) -> tuple[str, ...]:
        return tuple(
            c.feedback for c in self.choices if c.id in chosen and not c.correct and c.feedback
        )


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
            raise InvalidResponse("choose exactly one answer")
        right = all(c.correct for c in self.choices if c.id in chosen)
        return Grade(right, 1.0 if right else 0.0, () if right else self.feedback_for(chosen))


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
            raise InvalidResponse("choose at least one answer")
        right = {c.id for c in self.choices if c.correct}
        # Partial credit as in Moodle: each right pick earns its share, each wrong one costs it.
        hits = len(chosen & right) / len(right)
        misses = len(chosen - right) / (len(self.choices) - len(right))
        score = round(max(0.0, hits - misses), 4)
        correct = chosen == right
        missed = () if correct or chosen - right else ("You left out at least one right answer.",)
        return Grade(correct, 1.0 if correct else score, self.feedback_for(chosen) + missed)


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
            raise InvalidResponse("answer true or false")
        return self.verdict(response == self.answer)


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
            raise InvalidResponse("put every item in order, each once")
        in_place = sum(a == b for a, b in zip(response, expected, strict=True))
        return self.verdict(response == expected, round(in_place / len(expected), 4))


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
            raise InvalidResponse("match every item on the left")
        matched = sum(key == value for key, value in response.items())
        return self.verdict(matched == len(ids), round(matched / len(ids), 4))


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
            raise InvalidResponse("type a short answer")
        given = normalize_answer(response)
        return self.verdict(given in {normalize_answer(a) for a in self.answers})


QUESTION_TYPES: dict[str, type[QuestionSpec]] = {
    cls.type_name: cls
    for cls in (SingleChoice, MultipleSelect, TrueFalse, Ordering, Matching, ShortAnswer)
}

AnyQuestion = Annotated[
    SingleChoice | MultipleSelect | TrueFalse | Ordering | Matching | ShortAnswer,
    Field(discriminator="type"),
]


def question_from_record(
    *, slug: str, type: str, prompt: str, explanation: str, source: dict, data: dict
) -> QuestionSpec:
    """Rebuild the typed question from what the database stores."""
    return QUESTION_TYPES[type].model_validate(
        {
            "id": slug,
            "type": type,
            "prompt": prompt,
            "explanation": explanation,
            # The stored citation also carries the document's title, which the file does not.
            "source": {"file": source["file"], "section": source["section"]},
            **data,
        },
        strict=False,
    )
