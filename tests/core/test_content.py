"""`load_content`: the shipped course passes; each kind of broken file is reported at its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from quizapp.core.content import load_content
from tests.factories import case_quiz_text, lesson_text, quiz_text, write_content

ROOT = Path(__file__).resolve().parents[2]


def messages(root: Path) -> list[str]:
    _, problems = load_content(root)
    return [f"{Path(p.path).name}:{p.line}: {p.message}" for p in problems]


def test_shipped_content_is_valid_and_complete():
    catalogue, problems = load_content(ROOT / "content")
    assert [str(p) for p in problems] == []
    assert len(catalogue.modules) >= 7
    assert len(catalogue.lessons) >= 24
    assert len(catalogue.questions) >= 180
    types = {q.spec.type_name for q in catalogue.questions}
    assert types == {
        "single_choice",
        "multiple_select",
        "true_false",
        "ordering",
        "matching",
        "short_answer",
        "numeric",
    }
    assert any(q.case is not None for q in catalogue.questions), "a case study"


def test_a_valid_tree_has_no_problems(tmp_path):
    catalogue, problems = load_content(write_content(tmp_path, modules=2, lessons_per_module=2))
    assert problems == []
    assert [m.slug for m in catalogue.modules] == ["module-1", "module-2"]
    assert len(catalogue.questions) == 20


@pytest.fixture
def tree(tmp_path) -> Path:
    return write_content(tmp_path)


QUIZ = "questions/module-1-lesson-1.yaml"
LESSON = "lessons/module-1/01-lesson-1.md"


def replace(root: Path, relative: str, old: str, new: str) -> None:
    path = root / relative
    text = path.read_text()
    assert old in text, f"{old!r} not in {relative}"
    path.write_text(text.replace(old, new, 1))


def line_number(root: Path, relative: str, needle: str, occurrence: int = 1) -> int:
    lines = (root / relative).read_text().splitlines()
    hits = [i + 1 for i, line in enumerate(lines) if needle in line]
    return hits[occurrence - 1]


def test_missing_required_field_is_reported_at_its_question(tree):
    replace(tree, QUIZ, "    explanation: Because the lesson says so.\n", "")
    line = line_number(tree, QUIZ, "- id: module-1-lesson-1-q01")
    assert (
        f"module-1-lesson-1.yaml:{line}: questions[0].explanation: required field is missing"
        in messages(tree)
    )


def test_unknown_key_is_reported_at_its_line(tree):
    replace(
        tree,
        QUIZ,
        "    prompt: Which one is right?",
        "    promt: typo\n    prompt: Which one is right?",
    )
    line = line_number(tree, QUIZ, "promt")
    assert f"module-1-lesson-1.yaml:{line}: questions[0].promt: unknown key" in messages(tree)


def test_unknown_question_type(tree):
    replace(tree, QUIZ, "type: single_choice", "type: essay")
    line = line_number(tree, QUIZ, "type: essay")
    found = messages(tree)
    assert any(
        m.startswith(
            f"module-1-lesson-1.yaml:{line}: questions[0].type: unknown question type 'essay'"
        )
        for m in found
    ), found


def test_wrong_type_of_value(tree):
    replace(tree, LESSON, "minutes: 3", "minutes: three")
    assert any(m.startswith("01-lesson-1.md:5: minutes:") for m in messages(tree))


def test_yaml_reads_yes_as_a_boolean_and_strictness_catches_it(tree):
    replace(tree, QUIZ, "text: A wrong one", "text: yes")
    line = line_number(tree, QUIZ, "text: yes")
    assert any(
        m.startswith(f"module-1-lesson-1.yaml:{line}: questions[0].choices[1].text:")
        for m in messages(tree)
    )


def test_no_right_choice(tree):
    replace(tree, QUIZ, "        correct: true\n", "")
    line = line_number(tree, QUIZ, "choices:")
    assert (
        f"module-1-lesson-1.yaml:{line}: question module-1-lesson-1-q01: needs exactly one choice "
        "with correct: true, found 0" in messages(tree)
    )


def test_ordering_with_a_repeated_item(tree):
    replace(
        tree,
        QUIZ,
        "lesson: module-1-lesson-1\nquestions:\n",
        "lesson: module-1-lesson-1\nquestions:\n"
        "  - id: order-q\n    type: ordering\n    prompt: Put in order.\n    items:\n"
        "      - {id: a, text: First}\n"
        "      - {id: b, text: Second}\n"
        "      - {id: a, text: Third}\n"
        "    explanation: Because.\n    source: {file: f.txt, section: S}\n",
    )
    line = line_number(tree, QUIZ, "{id: a, text: Third}")
    assert (
        f"module-1-lesson-1.yaml:{line}: question order-q: duplicate id 'a' in items"
        in messages(tree)
    )


def test_matching_with_a_repeated_right_side(tree):
    replace(
        tree,
        QUIZ,
        "lesson: module-1-lesson-1\nquestions:\n",
        "lesson: module-1-lesson-1\nquestions:\n"
        "  - id: match-q\n    type: matching\n    prompt: Match them.\n    pairs:\n"
        "      - {id: a, left: CPIM, right: Inventory}\n"
        "      - {id: b, left: PMP, right: Projects}\n"
        "      - {id: c, left: CMQ/OE, right: Inventory}\n"
        "    explanation: Because.\n    source: {file: f.txt, section: S}\n",
    )
    line = line_number(tree, QUIZ, "left: CMQ/OE")
    assert (
        f"module-1-lesson-1.yaml:{line}: question match-q: duplicate right 'inventory' in pairs"
        in messages(tree)
    )


def test_question_for_a_lesson_that_does_not_exist(tree):
    (tree / "questions" / "ghost.yaml").write_text(quiz_text("ghost", ["ghost-q01"]))
    assert "ghost.yaml:1: lesson 'ghost' does not exist" in messages(tree)


def test_duplicate_question_id_across_files(tree):
    folder = tree / "lessons" / "module-1"
    (folder / "02-second.md").write_text(lesson_text("module-1-second", 2))
    ids = ["module-1-lesson-1-q01"] + [f"second-q{n}" for n in range(2, 6)]
    (tree / "questions" / "module-1-second.yaml").write_text(quiz_text("module-1-second", ids))
    found = messages(tree)
    assert any(
        "module-1-second.yaml:3: question id 'module-1-lesson-1-q01' is already used" in m
        for m in found
    ), found


def test_lesson_without_front_matter(tree):
    (tree / LESSON).write_text("Just text, no front matter.\n")
    assert (
        "01-lesson-1.md:1: missing YAML front matter: start the file with --- and end it with ---"
        in messages(tree)
    )


def test_yaml_syntax_error_points_at_the_line(tree):
    replace(tree, QUIZ, "    prompt: Which one is right?", "    prompt: [unclosed")
    found = messages(tree)
    assert any(m.startswith("module-1-lesson-1.yaml:") and "invalid YAML" in m for m in found), (
        found
    )


def test_raw_html_in_a_lesson(tree):
    replace(tree, LESSON, "## A heading\n", "## A heading\n\n<script>alert(1)</script>\n")
    line = line_number(tree, LESSON, "<script>")
    assert f"01-lesson-1.md:{line}: raw HTML is not allowed in lessons; use Markdown" in messages(
        tree
    )


def test_lesson_too_short_and_quiz_too_small(tree):
    (tree / LESSON).write_text(lesson_text("module-1-lesson-1", body="Too short."))
    (tree / QUIZ).write_text(quiz_text("module-1-lesson-1", ["module-1-lesson-1-q01"]))
    found = messages(tree)
    assert any("lesson body has" in m and "keep it between 250 and 700" in m for m in found), found
    assert "module-1-lesson-1.yaml:1: the quiz has 1 questions; a lesson needs 5 to 10" in found


def test_lesson_without_a_quiz(tree):
    (tree / QUIZ).unlink()
    assert any(m.startswith("01-lesson-1.md:2: lesson has no quiz") for m in messages(tree))


def test_module_id_must_match_its_folder(tree):
    replace(tree, "lessons/module-1/module.yaml", "id: module-1", "id: other")
    assert "module.yaml:1: id 'other' must equal the folder name 'module-1'" in messages(tree)


def test_every_problem_is_reported_in_one_run(tree):
    replace(tree, QUIZ, "type: single_choice", "type: essay")
    replace(tree, LESSON, "minutes: 3", "minutes: 9")
    (tree / "questions" / "ghost.yaml").write_text(quiz_text("ghost", ["ghost-q01"]))
    found = messages(tree)
    assert len(found) >= 3
    assert {m.split(":")[0] for m in found} >= {
        "module-1-lesson-1.yaml",
        "01-lesson-1.md",
        "ghost.yaml",
    }


def test_cited_source_files_must_be_listed_in_sources_yaml(tree):
    replace(tree, LESSON, "file: 004_255d462552ea5ed6.txt", "file: 999_unknown.txt")
    replace(tree, QUIZ, "file: 004_255d462552ea5ed6.txt", "file: 998_unknown.txt")
    found = messages(tree)
    lesson_line = line_number(tree, LESSON, "999_unknown")
    quiz_line = line_number(tree, QUIZ, "998_unknown")
    assert (
        f"01-lesson-1.md:{lesson_line}: source file '999_unknown.txt' is not listed in sources.yaml"
        in found
    )
    assert (
        f"module-1-lesson-1.yaml:{quiz_line}: question module-1-lesson-1-q01: source file "
        "'998_unknown.txt' is not listed in sources.yaml" in found
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("5", "questions_per_attempt is 5 but the quiz has 5 questions: use fewer"),
        ("9", "questions_per_attempt is 9 but the quiz has 5 questions: use fewer"),
        ("2", "questions_per_attempt: Input should be greater than or equal to 4"),
        ("some", "questions_per_attempt"),
    ],
)
def test_questions_per_attempt_must_leave_others_for_a_retake(tree, value, message):
    replace(tree, LESSON, "minutes: 3", f"minutes: 3\nquestions_per_attempt: {value}")
    line = line_number(tree, LESSON, "questions_per_attempt")
    found = [m for m in messages(tree) if m.startswith(f"01-lesson-1.md:{line}: ")]
    assert any(message in m for m in found), messages(tree)


def test_questions_per_attempt_below_the_quiz_is_valid(tree):
    replace(tree, LESSON, "minutes: 3", "minutes: 3\nquestions_per_attempt: 4")
    catalogue, problems = load_content(tree)
    assert problems == [] and catalogue.lessons[0].questions_per_attempt == 4


# --- Case studies and numeric questions ----------------------------------------------------


@pytest.fixture
def case_tree(tmp_path) -> Path:
    root = write_content(tmp_path)
    (root / QUIZ).write_text(case_quiz_text("module-1-lesson-1"))
    return root


def numeric_yaml(question_id: str, fields: str) -> str:
    return (
        f"  - id: {question_id}\n    type: numeric\n    prompt: How much?\n{fields}"
        "    explanation: Because.\n    source: {file: 004_255d462552ea5ed6.txt, section: S}\n"
    )


def test_a_case_quiz_is_valid_and_each_question_carries_a_copy_of_its_case(case_tree):
    catalogue, problems = load_content(case_tree)
    assert problems == []
    by_slug = {q.slug: q for q in catalogue.questions}
    rate = by_slug["module-1-lesson-1-scraprate"]
    assert rate.case.title == "Line 2, Tuesday morning"
    assert rate.case.table.rows[1] == ["08-10", 210, 5, 45]
    stored = rate.data()
    assert stored["case"]["id"] == "line-2" and stored["answer"] == 12.5
    assert by_slug["module-1-lesson-1-q01"].case is None
    assert "case" not in by_slug["module-1-lesson-1-q01"].data()


def test_every_case_and_numeric_problem_is_reported_at_its_line_in_one_run(case_tree):
    replace(case_tree, QUIZ, "    tolerance: 0.1\n", "")
    replace(case_tree, QUIZ, '- ["08-10", 210, 5, 45]', '- ["08-10", 210, 5]')
    replace(
        case_tree,
        QUIZ,
        "questions:\n",
        "  - {id: empty-case, title: Nobody asks, text: A case without questions.}\n"
        "  - {id: lonely, title: One question, text: A case with one question.}\n"
        "  - {id: line-2, title: Again, text: The same id twice.}\n"
        "questions:\n"
        + numeric_yaml("neg", "    answer: 72\n    tolerance: -0.5\n")
        + numeric_yaml("unit-answer", "    answer: 45 min\n    tolerance: 0\n    unit: '%'\n")
        + numeric_yaml(
            "unit-working",
            "    answer: 45\n    tolerance: 1\n    unit: min\n"
            "    working: Line 2 stood for 45 % of the block.\n",
        ),
    )
    replace(
        case_tree,
        QUIZ,
        "  - id: module-1-lesson-1-q01\n",
        "  - id: module-1-lesson-1-q01\n    case: lonely\n",
    )
    replace(
        case_tree,
        QUIZ,
        "  - id: module-1-lesson-1-q02\n",
        "  - id: module-1-lesson-1-q02\n    case: ghost\n",
    )

    def at(needle: str, message: str) -> str:
        return f"module-1-lesson-1.yaml:{line_number(case_tree, QUIZ, needle)}: {message}"

    found = messages(case_tree)
    expected = [
        at(
            '- ["08-10", 210, 5]',
            "case line-2: table row 2 has 3 cells but the table has 4 columns",
        ),
        at(
            "id: empty-case",
            "case 'empty-case' has no questions: point 2 to 5 questions at it with "
            "case: empty-case",
        ),
        at("id: lonely", "case 'lonely' has 1 question; a case needs 2 to 5"),
        at("id: line-2, title: Again", "case id 'line-2' is already used on line 3"),
        at(
            "- id: module-1-lesson-1-scraprate", "questions[5].tolerance: required field is missing"
        ),
        at(
            "tolerance: -0.5",
            "question neg: tolerance -0.5 is negative: it is the margin either side of the "
            "answer that still counts as right, 0 or more",
        ),
        at("answer: 45 min", "question unit-answer: answer '45 min' is in 'min' but unit is '%'"),
        at(
            "working: Line 2 stood",
            "question unit-working: the working gives the answer in '%' but unit is 'min'",
        ),
        at(
            "case: ghost",
            "question module-1-lesson-1-q02: case 'ghost' is not one of this file's cases "
            "(cases: line-2, empty-case, lonely)",
        ),
    ]
    assert [m for m in expected if m not in found] == [], found


def test_one_question_opens_the_quiz_and_not_one_of_a_case(case_tree):
    replace(
        case_tree,
        QUIZ,
        "  - id: module-1-lesson-1-q01\n",
        "  - id: module-1-lesson-1-q01\n    opens_quiz: true\n",
    )
    catalogue, problems = load_content(case_tree)
    assert problems == []
    opener = next(q for q in catalogue.questions if q.slug == "module-1-lesson-1-q01")
    assert opener.data()["opens_quiz"] is True
    assert all("opens_quiz" not in q.data() for q in catalogue.questions if q is not opener)

    replace(
        case_tree,
        QUIZ,
        "  - id: module-1-lesson-1-scraprate\n",
        "  - id: module-1-lesson-1-scraprate\n    opens_quiz: true\n",
    )

    def at(needle: str) -> str:
        line = line_number(case_tree, QUIZ, needle) + 1
        return f"module-1-lesson-1.yaml:{line}"

    found = messages(case_tree)
    scraprate = at("  - id: module-1-lesson-1-scraprate")
    opener = "question module-1-lesson-1-scraprate"
    assert (
        f"{scraprate}: {opener}: only one question opens the quiz; "
        "module-1-lesson-1-q01 already does" in found
    )
    assert f"{scraprate}: {opener}: a question of a case cannot open the quiz" in found
