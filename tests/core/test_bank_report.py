"""The bank report: the figures against the writing targets, and the flaws warned about."""

from __future__ import annotations

from pathlib import Path

import yaml

from quizapp.core.bank_report import (
    bank_report,
    is_situated,
    longest_keyed,
    named_source,
    source_names,
)
from quizapp.core.content import SourceDocument, load_content
from quizapp.core.questions import SingleChoice
from tests.factories import write_content

SOURCE = {"file": "004_255d462552ea5ed6.txt", "section": "Key Responsibilities"}


def single(qid: str, prompt: str, *, key: str = "Plan", **marks) -> dict:
    return {
        "id": qid,
        "type": "single_choice",
        **marks,
        "prompt": prompt,
        "choices": [
            {"id": "a", "text": key, "correct": True},
            {"id": "b", "text": "Wait and see"},
            {"id": "c", "text": "Ask the buyer"},
        ],
        "explanation": "Because.",
        "source": SOURCE,
    }


def true_false(qid: str, prompt: str) -> dict:
    return {
        "id": qid,
        "type": "true_false",
        "prompt": prompt,
        "answer": False,
        "explanation": "Because.",
        "source": SOURCE,
    }


def write_quiz(root: Path, lesson: str, questions: list[dict]) -> Path:
    path = root / "questions" / f"{lesson}.yaml"
    path.write_text(yaml.safe_dump({"lesson": lesson, "questions": questions}, sort_keys=False))
    return path


def line_of_text(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def plain(lesson: str, numbers: range) -> list[dict]:
    return [single(f"{lesson}-q{n}", f"Plain question {lesson} number {n}?") for n in numbers]


def small_bank(root: Path) -> Path:
    """Three quizzes: the first with one of each flaw and a pool deep enough for its
    attempts; a fact tagged in all three; one prompt repeated in two of them."""
    write_content(root, lessons_per_module=3)
    one, two, three = (f"module-1-lesson-{n}" for n in (1, 2, 3))
    lesson = root / "lessons/module-1/01-lesson-1.md"
    lesson.write_text(
        lesson.read_text().replace("minutes: 3\n", "minutes: 3\nquestions_per_attempt: 4\n")
    )
    write_quiz(
        root,
        one,
        [
            single(
                f"{one}-q1",
                "Line 2 stops at nine with an order due at noon. What first?",
                scenario=True,
            ),
            single(f"{one}-q2", "According to Jobicy's guide, what comes first?"),
            single(f"{one}-q3", "What comes first in a morning?", key="Review yesterday's output"),
            true_false(f"{one}-q4", "A production manager always works nights."),
            single(f"{one}-q5", "What does CPIM cover?", fact="cpim-focus"),
            single(f"{one}-q6", "Who signs off the schedule?"),
        ],
    )
    write_quiz(
        root,
        two,
        [
            single(f"{two}-q1", "who SIGNS off the schedule"),
            single(f"{two}-q2", "Which credential covers inventory?", fact="cpim-focus"),
            *plain(two, range(3, 6)),
        ],
    )
    write_quiz(
        root,
        three,
        [
            single(f"{three}-q1", "Why take CPIM?", fact="cpim-focus"),
            *plain(three, range(2, 6)),
        ],
    )
    return root


def test_figures_of_a_small_bank(tmp_path):
    catalogue, problems = load_content(small_bank(tmp_path))
    assert problems == []
    report = bank_report(catalogue)
    assert (report.questions, report.quizzes) == (16, 3)
    figures = {f.label: (f.value, f.target, f.met) for f in report.figures}
    assert figures == {
        "in a situation (case or scenario)": ("1 (6%)", "at least 30%", False),
        "prompts naming a source": ("1 (6%)", "at most 20%", True),
        "single choice keyed to the longest option": ("1 of 15 (7%)", "at most 30%", True),
        "facts tested in more than two quizzes": ("1 (3 of 16 questions tagged)", "none", False),
        "quizzes drawing from a pool at least 1.5x their length": ("1 of 3", "all", False),
    }


def test_each_flaw_is_warned_at_its_line(tmp_path):
    root = small_bank(tmp_path)
    catalogue, _ = load_content(root)
    quiz = root / "questions/module-1-lesson-1.yaml"
    other = root / "questions/module-1-lesson-2.yaml"
    warnings = [(Path(w.path).name, w.line, w.message) for w in bank_report(catalogue).warnings]
    expected = [
        (quiz, "According to Jobicy", "the prompt names a source ('Jobicy')"),
        (quiz, "Review yesterday's output", "the right choice is the longest"),
        (quiz, "always works nights", "a true/false statement with 'always'"),
        (quiz, "Who signs off", "the same prompt as question module-1-lesson-2-q1"),
        (other, "who SIGNS off", "the same prompt as question module-1-lesson-1-q6"),
        (quiz, "fact: cpim-focus", "fact 'cpim-focus' is tested in 3 quizzes"),
    ]
    for path, needle, start in expected:
        line = line_of_text(path, needle)
        assert any(
            (name, at) == (path.name, line) and start in message for name, at, message in warnings
        ), (path.name, line, start, warnings)
    assert len(warnings) == 8  # the fact's warning is at each of its three questions
    assert str(bank_report(catalogue).warnings[0]).count(": warning: question ") == 1


def test_a_clean_bank_warns_of_nothing_and_meets_the_source_and_length_targets(tmp_path):
    root = write_content(tmp_path)
    write_quiz(root, "module-1-lesson-1", plain("module-1-lesson-1", range(1, 6)))
    report = bank_report(load_content(root)[0])
    assert report.warnings == []
    met = {f.label: f.met for f in report.figures}
    assert met["prompts naming a source"] and met["single choice keyed to the longest option"]
    assert met["facts tested in more than two quizzes"]
    # Without questions_per_attempt every attempt asks the whole pool: a ratio of 1.
    assert not met["quizzes drawing from a pool at least 1.5x their length"]


def test_source_names_come_from_title_publisher_and_names():
    sources = [
        SourceDocument(file="a.txt", title="Career Path Guide", publisher="Jobicy"),
        SourceDocument(
            file="b.txt",
            title="Qualifications and wages",
            publisher="a training provider's article (salaries from Glassdoor, 2022)",
            names=["training provider", "Glassdoor"],
        ),
        SourceDocument(
            file="c.txt",
            title="Job profile",
            publisher="a UK graduate careers guide",
            names=["UK graduate-careers profile"],
        ),
    ]
    names = source_names(sources)
    assert named_source("What does JOBICY's FAQ say?", names) == "Jobicy"
    assert named_source("In the training-provider article, who?", names) == "training provider"
    assert named_source("What does Glassdoor report?", names) == "Glassdoor"
    assert named_source("The UK graduate careers profile says so.", names) == (
        "UK graduate-careers profile"
    )
    assert named_source("What do the sources agree on?", names) == "the sources"
    assert named_source("A salary offer of $80,000 arrives. Is it fair?", names) is None
    # Whole words only: "Jobicyish" is not Jobicy, and a title's words apart are not its title.
    assert named_source("Jobicyish wages in a career path?", names) is None
    # The one written first is named.
    assert named_source("Does Glassdoor agree with Jobicy?", names) == "Glassdoor"


def test_the_key_must_be_strictly_longest_to_count():
    def spec(key: str, *others: str) -> SingleChoice:
        choices = [{"id": "k", "text": key, "correct": True}]
        choices += [{"id": f"o{n}", "text": t} for n, t in enumerate(others)]
        return SingleChoice.model_validate(
            {
                "id": "q",
                "type": "single_choice",
                "prompt": "P?",
                "choices": choices,
                "explanation": "E.",
                "source": SOURCE,
            }
        )

    assert longest_keyed(spec("Twelve chars", "short", "tiny"))
    assert not longest_keyed(spec("Same", "Also", "tiny"))
    assert not longest_keyed(spec("Short", "A longer wrong one", "tiny"))


def test_a_question_inside_a_case_is_in_a_situation_without_the_mark(tmp_path):
    root = write_content(tmp_path)
    lesson = "module-1-lesson-1"
    questions = plain(lesson, range(1, 6))
    for question in questions[:2]:
        question["case"] = "line-7"
    path = write_quiz(root, lesson, questions)
    case = {"id": "line-7", "title": "Line 7 stops", "text": "Line 7 stops at 9:00."}
    data = yaml.safe_load(path.read_text())
    path.write_text(yaml.safe_dump({"lesson": lesson, "cases": [case], **data}, sort_keys=False))
    catalogue, problems = load_content(root)
    assert problems == []
    assert [is_situated(q) for q in catalogue.questions] == [True, True, False, False, False]
    figure = bank_report(catalogue).figures[0]
    assert (figure.label, figure.value) == ("in a situation (case or scenario)", "2 (40%)")
    assert figure.met


def test_the_marks_are_not_stored_with_the_question():
    """They are for the report only, so adding them changes nothing `content sync` stores."""
    marked = SingleChoice.model_validate(
        single("q", "P?", scenario=True, fact="cpim-focus"), strict=False
    )
    assert marked.scenario and marked.fact == "cpim-focus"
    assert marked.data() == SingleChoice.model_validate(single("q", "P?"), strict=False).data()
