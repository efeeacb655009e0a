"""The question bank measured against its writing targets, and the item-writing flaws a
machine can see, for `content check` to print after its validation.

The targets (issue 19) ask for a bank that teaches the job rather than the sources: questions
set in a situation, prompts that leave the citation to the explanation, keys that are not
given away by their length, facts not drilled in quiz after quiz, and pools deep enough that
a retake asks other questions. Flaws are warnings, never problems: a question can have good
reason for each (a pay question must name its source), so only the whole bank's figures
are held to a target. See docs/content-format.md.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from quizapp.core.content import Catalogue, Problem, QuestionContent, SourceDocument
from quizapp.core.questions import SingleChoice, TrueFalse
from quizapp.core.yaml_lines import line_of

SITUATED_AT_LEAST = Fraction(30, 100)
NAMING_A_SOURCE_AT_MOST = Fraction(20, 100)
LONGEST_KEYED_AT_MOST = Fraction(30, 100)
QUIZZES_PER_FACT_AT_MOST = 2
POOL_AT_LEAST = Fraction(3, 2)

# The sources as a group name no single document, yet frame a prompt the same way: as what
# the reading says rather than what the job asks.
GROUP_REFERENCES = ("the sources", "the career guides", "the five guides")
ABSOLUTE_WORDS = re.compile(r"\b(always|never)\b", re.IGNORECASE)
_LEADING_ARTICLE = re.compile(r"^(a|an|the)\s+", re.IGNORECASE)
_PARENTHESES = re.compile(r"\([^)]*\)")


@dataclass(frozen=True)
class Figure:
    """One of the bank's figures in words, with its target and whether the bank meets it."""

    label: str
    value: str
    target: str
    met: bool


@dataclass(frozen=True)
class ItemWarning(Problem):
    """A flaw `content check` reports without failing: written as a problem, marked."""

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: warning: {self.message}"


@dataclass(frozen=True)
class BankReport:
    questions: int
    quizzes: int
    figures: list[Figure]
    warnings: list[ItemWarning]


def normalize_text(text: str) -> str:
    """Text as compared for names and repeated stems: case, punctuation and spacing aside."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("\u2019", "'")
    return " ".join(re.sub(r"[^\w']+", " ", text).replace("'", " ' ").split())


def source_names(sources: Iterable[SourceDocument]) -> dict[str, str]:
    """Normalized name to the name as written: each source's title, its publisher without
    an article or aside ("a training provider's article (...)" gives "training provider's
    article"), and the other names it lists."""
    names: dict[str, str] = {}
    for source in sources:
        publisher = _LEADING_ARTICLE.sub("", _PARENTHESES.sub("", source.publisher)).strip()
        for name in (source.title, publisher, *source.names):
            if normalize_text(name):
                names.setdefault(normalize_text(name), name)
    for name in GROUP_REFERENCES:
        names.setdefault(normalize_text(name), name)
    return names


def named_source(prompt: str, names: dict[str, str]) -> str | None:
    """The first source name (as written in sources.yaml) the prompt uses, if any."""
    text = f" {normalize_text(prompt)} "
    found = [(text.find(f" {n} "), -len(n), n) for n in names if f" {n} " in text]
    # The earliest in the prompt, and the longest of those starting there.
    return names[min(found)[2]] if found else None


def is_situated(question: QuestionContent) -> bool:
    """Inside a case study, or marked `scenario: true`: never guessed from the wording."""
    return question.spec.scenario or question.spec.case is not None


def longest_keyed(spec: SingleChoice) -> bool:
    """The right choice is strictly longer than every other: a test-wise learner's cue."""
    key = max(len(c.text) for c in spec.choices if c.correct)
    return all(key > len(c.text) for c in spec.choices if not c.correct)


def _line(question: QuestionContent, *location: str | int) -> int:
    default = getattr(question.written, "line", 1)
    return line_of(question.written, location, default=default)


def _share(count: int, total: int) -> Fraction:
    return Fraction(count, total) if total else Fraction(0)


def _percent(share: Fraction) -> str:
    return f"{round(share * 100)}%"


def bank_report(catalogue: Catalogue) -> BankReport:
    """Every figure the writing targets name, for the whole bank, and each flaw found."""
    questions = catalogue.questions
    warnings: list[ItemWarning] = []

    def warn(question: QuestionContent, line: int, message: str) -> None:
        warnings.append(ItemWarning(question.path, line, f"question {question.slug}: {message}"))

    names = source_names(catalogue.sources.values())
    naming = 0
    for question in questions:
        name = named_source(question.spec.prompt, names)
        if name is not None:
            naming += 1
            warn(
                question,
                _line(question, "prompt"),
                f"the prompt names a source ({name!r}); unless the source is the point, "
                "ask about the job and cite it in the explanation",
            )

    single = keyed_longest = 0
    for question in questions:
        spec = question.spec
        if not isinstance(spec, SingleChoice):
            continue
        single += 1
        if longest_keyed(spec):
            keyed_longest += 1
            index = next(i for i, c in enumerate(spec.choices) if c.correct)
            warn(
                question,
                _line(question, "choices", index, "text"),
                "the right choice is the longest: lengthen a wrong one or tighten the key",
            )

    for question in questions:
        if isinstance(question.spec, TrueFalse):
            word = ABSOLUTE_WORDS.search(question.spec.prompt)
            if word:
                warn(
                    question,
                    _line(question, "prompt"),
                    f"a true/false statement with {word.group(0).lower()!r} gives itself "
                    "away (absolutes are nearly always false): state the real condition",
                )

    by_stem: dict[str, list[QuestionContent]] = defaultdict(list)
    for question in questions:
        by_stem[normalize_text(question.spec.prompt)].append(question)
    for same in (group for group in by_stem.values() if len(group) > 1):
        for question in same:
            others = ", ".join(o.slug for o in same if o is not question)
            warn(question, _line(question, "prompt"), f"the same prompt as question {others}")

    quizzes_of_fact: dict[str, set[str]] = defaultdict(set)
    for question in questions:
        if question.spec.fact is not None:
            quizzes_of_fact[question.spec.fact].add(question.lesson)
    overused = {f for f, quizzes in quizzes_of_fact.items() if len(quizzes) > 2}
    for question in questions:
        if question.spec.fact in overused:
            warn(
                question,
                _line(question, "fact"),
                f"fact {question.spec.fact!r} is tested in "
                f"{len(quizzes_of_fact[question.spec.fact])} quizzes; keep it to "
                f"{QUIZZES_PER_FACT_AT_MOST}",
            )

    pool: dict[str, int] = defaultdict(int)
    for question in questions:
        pool[question.lesson] += 1
    quizzes = [lesson for lesson in catalogue.lessons if pool[lesson.slug]]
    deep = sum(
        Fraction(pool[lesson.slug], lesson.questions_per_attempt or pool[lesson.slug])
        >= POOL_AT_LEAST
        for lesson in quizzes
    )

    total = len(questions)
    situated = sum(is_situated(q) for q in questions)
    tagged = sum(q.spec.fact is not None for q in questions)
    figures = [
        Figure(
            "in a situation (case or scenario)",
            f"{situated} ({_percent(_share(situated, total))})",
            f"at least {_percent(SITUATED_AT_LEAST)}",
            total > 0 and _share(situated, total) >= SITUATED_AT_LEAST,
        ),
        Figure(
            "prompts naming a source",
            f"{naming} ({_percent(_share(naming, total))})",
            f"at most {_percent(NAMING_A_SOURCE_AT_MOST)}",
            _share(naming, total) <= NAMING_A_SOURCE_AT_MOST,
        ),
        Figure(
            "single choice keyed to the longest option",
            f"{keyed_longest} of {single} ({_percent(_share(keyed_longest, single))})",
            f"at most {_percent(LONGEST_KEYED_AT_MOST)}",
            _share(keyed_longest, single) <= LONGEST_KEYED_AT_MOST,
        ),
        Figure(
            "facts tested in more than two quizzes",
            f"{len(overused)} ({tagged} of {total} questions tagged)",
            "none",
            not overused,
        ),
        Figure(
            f"quizzes drawing from a pool at least {float(POOL_AT_LEAST):g}x their length",
            f"{deep} of {len(quizzes)}",
            "all",
            deep == len(quizzes),
        ),
    ]
    warnings.sort(key=lambda w: (w.path, w.line))
    return BankReport(total, len(quizzes), figures, warnings)
