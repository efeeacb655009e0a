"""Reading and validating the course content files, without any database.

`load_content` reads the whole tree and returns what it could parse together with every
problem it found, each tied to a file and line, so an author fixes a broken tree in one pass.
See docs/content-format.md for the format.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, TypeAdapter, ValidationError

from quizapp.core.cases import CASE_QUESTIONS, Case
from quizapp.core.markdown import heading_levels, raw_html_lines, render_markdown
from quizapp.core.questions import (
    QUESTION_TYPES,
    AnyQuestion,
    QuestionSpec,
    ShortText,
    Slug,
    SourceRef,
    StrictModel,
    Text,
)
from quizapp.core.yaml_lines import LineDict, LineList, YamlSyntaxError, line_of, load_yaml

LESSON_WORDS = (250, 700)
QUIZ_SIZE = (5, 10)
# Fewer questions than this and one lucky guess decides a pass mark.
MIN_PER_ATTEMPT = 4
LESSON_FILE = re.compile(r"^(?P<nn>\d{2})-(?P<slug>[a-z0-9]+(-[a-z0-9]+)*)\.md$")
WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'\u2019\-]*")


class ModuleFile(StrictModel):
    id: Slug
    title: ShortText
    order: Annotated[int, Field(ge=1)]
    summary: Text


class LessonFrontMatter(StrictModel):
    id: Slug
    title: ShortText
    order: Annotated[int, Field(ge=1, le=99)]
    minutes: Annotated[int, Field(ge=2, le=5)]
    objectives: Annotated[list[ShortText], Field(min_length=2, max_length=5)]
    sources: Annotated[list[SourceRef], Field(min_length=1)]
    # Optional: each attempt asks this many of the lesson's questions, a retake favouring
    # those asked least before; without it every attempt asks them all.
    questions_per_attempt: Annotated[int | None, Field(ge=MIN_PER_ATTEMPT)] = None


class SourceDocument(StrictModel):
    file: ShortText
    title: ShortText
    publisher: ShortText
    # Other words the course uses for this source ("the training provider"), so the bank
    # report can tell a prompt that names it; the title and publisher count without them.
    names: list[ShortText] = Field(default_factory=list)


class QuestionFileHeader(StrictModel):
    lesson: Slug
    # Case studies the file's questions may share (`core.cases`), checked one by one.
    cases: Annotated[list[Any], Field(min_length=1)] | None = None
    questions: Annotated[list[Any], Field(min_length=1)]


_question_adapter: TypeAdapter[QuestionSpec] = TypeAdapter(AnyQuestion)


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True)
class ModuleContent:
    slug: str
    title: str
    summary: str
    position: int


@dataclass(frozen=True)
class LessonContent:
    slug: str
    module: str
    title: str
    position: int
    minutes: int
    objectives: list[str]
    sources: list[SourceRef]
    body: str
    questions_per_attempt: int | None = None
    # Where `questions_per_attempt` is written, for a problem found once the quiz is counted.
    questions_per_attempt_line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class QuestionContent:
    lesson: str
    position: int
    spec: QuestionSpec
    # The file and the question as written, with its lines, for checks made after loading
    # (the bank report's warnings).
    path: str = field(default="", compare=False)
    written: Any = field(default=None, compare=False, repr=False)
    # The case study the question belongs to, found by the id its `case` names.
    case: Case | None = None

    @property
    def slug(self) -> str:
        return self.spec.id

    def data(self) -> dict[str, Any]:
        """What the database stores besides the common columns: the type's fields, and a copy
        of the question's case, so a page shows the case from the question's own row."""
        data = self.spec.data()
        if self.case is not None:
            data["case"] = self.case.model_dump(mode="json")
        return data


@dataclass
class Catalogue:
    sources: dict[str, SourceDocument] = field(default_factory=dict)
    modules: list[ModuleContent] = field(default_factory=list)
    lessons: list[LessonContent] = field(default_factory=list)
    questions: list[QuestionContent] = field(default_factory=list)


class _Collector:
    """Gathers problems with display paths relative to where the command was run."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, path: Path, line: int, message: str) -> None:
        self.problems.append(Problem(display_path(path), line, message))

    def validation(
        self, path: Path, data: Any, error: ValidationError, prefix: tuple = (), first_line: int = 1
    ) -> None:
        for item in error.errors():
            location = prefix + tuple(item["loc"])
            if item["type"] == "union_tag_invalid":
                location += ("type",)
            line = line_of(data, location, default=1) + first_line - 1
            self.add(path, line, describe_error(location, item))


def display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def describe_error(location: tuple, item: dict) -> str:
    """A pydantic error in an author's terms: where in the file, and what to do."""
    where = ""
    for part in location:
        if isinstance(part, int):
            where += f"[{part}]"
        elif part in _TYPE_TAGS:
            continue
        else:
            where += f".{part}" if where else str(part)
    kind = item["type"]
    if kind == "missing":
        return f"{where}: required field is missing"
    if kind == "extra_forbidden":
        return f"{where}: unknown key"
    if kind == "union_tag_invalid":
        tag = item.get("ctx", {}).get("tag")
        return f"{where}: unknown question type {tag!r} (known: {', '.join(_TYPE_TAGS)})"
    if kind == "union_tag_not_found":
        return f"{where}: required field 'type' is missing (known: {', '.join(_TYPE_TAGS)})"
    if kind == "string_pattern_mismatch":
        return f"{where}: {item['input']!r} is not a valid id (lowercase letters, digits, hyphens)"
    return f"{where}: {item['msg']}" if where else item["msg"]


_TYPE_TAGS = tuple(QUESTION_TYPES)


def _read_yaml(path: Path, problems: _Collector) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        problems.add(path, 1, f"cannot read file: {error}")
        return None
    try:
        return load_yaml(text)
    except YamlSyntaxError as error:
        problems.add(path, error.line, error.message)
        return None


def split_front_matter(text: str) -> tuple[str, int, str, int] | None:
    """(front matter, its first line, body, the body's first line), or None if there is none."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return None
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return "".join(lines[1:index]), 2, "".join(lines[index + 1 :]), index + 2
    return None


def count_words(markdown: str) -> int:
    return len(WORD.findall(markdown))


def _load_module(folder: Path, problems: _Collector) -> ModuleContent | None:
    path = folder / "module.yaml"
    if not path.is_file():
        problems.add(folder, 1, "module folder has no module.yaml")
        return None
    data = _read_yaml(path, problems)
    if data is None:
        return None
    if not isinstance(data, LineDict):
        problems.add(path, 1, "module.yaml must be a mapping with id, title, order and summary")
        return None
    try:
        spec = ModuleFile.model_validate(data)
    except ValidationError as error:
        problems.validation(path, data, error)
        return None
    if spec.id != folder.name:
        problems.add(
            path, data.key_lines["id"], f"id {spec.id!r} must equal the folder name {folder.name!r}"
        )
    return ModuleContent(spec.id, spec.title, spec.summary, spec.order)


def _unknown_source(file: str) -> str:
    return f"source file {file!r} is not listed in sources.yaml"


def _load_lesson(
    path: Path, module: str, sources: dict[str, SourceDocument], problems: _Collector
) -> LessonContent | None:
    name = LESSON_FILE.match(path.name)
    if not name:
        problems.add(path, 1, "lesson file name must be <nn>-<slug>.md, like 01-planning.md")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        problems.add(path, 1, f"cannot read file: {error}")
        return None
    parts = split_front_matter(text)
    if parts is None:
        problems.add(
            path, 1, "missing YAML front matter: start the file with --- and end it with ---"
        )
        return None
    front_text, front_line, body, body_line = parts
    try:
        data = load_yaml(front_text, first_line=front_line)
    except YamlSyntaxError as error:
        problems.add(path, error.line, error.message)
        return None
    if not isinstance(data, LineDict):
        problems.add(path, front_line, "front matter must be a mapping (id, title, order, ...)")
        return None
    try:
        spec = LessonFrontMatter.model_validate(data)
    except ValidationError as error:
        problems.validation(path, data, error, first_line=front_line)
        spec = None

    _check_body(path, body, body_line, problems)
    if spec is None:
        return None
    for index, source in enumerate(spec.sources):
        if source.file not in sources:
            line = line_of(data, ("sources", index, "file")) + front_line - 1
            problems.add(path, line, _unknown_source(source.file))
    if name and int(name["nn"]) != spec.order:
        problems.add(
            path,
            data.key_lines["order"] + front_line - 1,
            f"order {spec.order} does not match the file name's number {name['nn']}",
        )
    return LessonContent(
        slug=spec.id,
        module=module,
        title=spec.title,
        position=spec.order,
        minutes=spec.minutes,
        objectives=list(spec.objectives),
        sources=list(spec.sources),
        body=body.strip() + "\n",
        questions_per_attempt=spec.questions_per_attempt,
        questions_per_attempt_line=data.key_lines.get("questions_per_attempt", 1) + front_line - 1,
    )


def _check_body(path: Path, body: str, body_line: int, problems: _Collector) -> None:
    words = count_words(body)
    low, high = LESSON_WORDS
    if not low <= words <= high:
        problems.add(
            path, body_line, f"lesson body has {words} words; keep it between {low} and {high}"
        )
    for line in raw_html_lines(body):
        problems.add(path, body_line + line, "raw HTML is not allowed in lessons; use Markdown")
    for line, level in heading_levels(body):
        if level == 1:
            problems.add(
                path, body_line + line, "use ## headings: the lesson title is the page's only #"
            )
    try:
        render_markdown(body)
    except Exception as error:  # the renderer's failure modes are not part of its API
        problems.add(path, body_line, f"Markdown does not render: {error}")


def _load_question_file(
    path: Path, sources: dict[str, SourceDocument], problems: _Collector
) -> tuple[str | None, int, list[QuestionContent], list[tuple[str, int]]]:
    """(lesson id, its line, valid questions, (id, line) of every question with an id)."""
    data = _read_yaml(path, problems)
    if data is None:
        return None, 1, [], []
    if not isinstance(data, LineDict):
        problems.add(path, 1, "a question file must be a mapping with lesson and questions")
        return None, 1, [], []
    try:
        header = QuestionFileHeader.model_validate(data)
    except ValidationError as error:
        problems.validation(path, data, error)
        return None, 1, [], []
    lesson_line = data.key_lines["lesson"]
    if header.lesson != path.stem:
        problems.add(
            path, lesson_line, f"lesson {header.lesson!r} must equal the file name {path.stem!r}"
        )

    cases, case_lines = _load_cases(path, data, problems)
    items: LineList = data["questions"]
    valid: list[QuestionContent] = []
    seen_ids: list[tuple[str, int]] = []
    for index, raw in enumerate(items):
        item_line = items.item_lines[index]
        if isinstance(raw, LineDict) and isinstance(raw.get("id"), str):
            seen_ids.append((raw["id"], item_line))
        try:
            spec = _question_adapter.validate_python(raw)
        except ValidationError as error:
            problems.validation(path, data, error, prefix=("questions", index))
            continue
        key_problems = spec.answer_key_problems()
        if spec.source.file not in sources:
            key_problems.append((("source", "file"), _unknown_source(spec.source.file)))
        for location, message in key_problems:
            line = line_of(data, ("questions", index, *location), default=item_line)
            problems.add(path, line, f"question {spec.id}: {message}")
        if not key_problems:
            valid.append(QuestionContent(header.lesson, index + 1, spec, display_path(path), raw))
    _check_case_members(path, data, case_lines, problems)
    _check_opening(path, data, problems)
    valid = [replace(q, case=cases.get(q.spec.case)) if q.spec.case else q for q in valid]
    return header.lesson, lesson_line, valid, seen_ids


def _load_cases(
    path: Path, data: LineDict, problems: _Collector
) -> tuple[dict[str, Case], dict[str, int]]:
    """(the valid cases by id, the line of every case id written, valid or not)."""
    items = data.get("cases") or LineList()
    cases: dict[str, Case] = {}
    case_lines: dict[str, int] = {}
    for index, raw in enumerate(items):
        item_line = items.item_lines[index]
        if isinstance(raw, LineDict) and isinstance(raw.get("id"), str):
            if raw["id"] in case_lines:
                problems.add(
                    path,
                    raw.key_lines["id"],
                    f"case id {raw['id']!r} is already used on line {case_lines[raw['id']]}",
                )
            else:
                case_lines[raw["id"]] = item_line
        try:
            case = Case.model_validate(raw)
        except ValidationError as error:
            problems.validation(path, data, error, prefix=("cases", index))
            continue
        case_problems = case.problems()
        for location, message in case_problems:
            line = line_of(data, ("cases", index, *location), default=item_line)
            problems.add(path, line, f"case {case.id}: {message}")
        if not case_problems:
            cases.setdefault(case.id, case)
    return cases, case_lines


def _check_opening(path: Path, data: LineDict, problems: _Collector) -> None:
    """At most one question opens the quiz, and not one of a case: a case's questions are
    asked together, wherever the draw puts them."""
    openers = [
        raw
        for raw in data["questions"]
        if isinstance(raw, LineDict) and raw.get("opens_quiz") is True
    ]
    for raw in openers[1:]:
        problems.add(
            path,
            raw.key_lines["opens_quiz"],
            f"question {raw.get('id')}: only one question opens the quiz; "
            f"{openers[0].get('id')} already does",
        )
    for raw in openers:
        if raw.get("case") is not None:
            problems.add(
                path,
                raw.key_lines["opens_quiz"],
                f"question {raw.get('id')}: a question of a case cannot open the quiz",
            )


def _check_case_members(
    path: Path, data: LineDict, case_lines: dict[str, int], problems: _Collector
) -> None:
    """Every `case:` names a case of the file, and every case has 2 to 5 questions. Read from
    the file as written, so a question broken in some other way still counts for its case."""
    members: Counter[str] = Counter()
    items: LineList = data["questions"]
    for index, raw in enumerate(items):
        if not isinstance(raw, LineDict) or not isinstance(raw.get("case"), str):
            continue
        members[raw["case"]] += 1
        if raw["case"] not in case_lines:
            name = raw["id"] if isinstance(raw.get("id"), str) else f"questions[{index}]"
            known = ", ".join(case_lines) or "none"
            problems.add(
                path,
                raw.key_lines["case"],
                f"question {name}: case {raw['case']!r} is not one of this file's cases "
                f"(cases: {known})",
            )
    low, high = CASE_QUESTIONS
    for case_id, line in case_lines.items():
        count = members[case_id]
        if count == 0:
            problems.add(
                path,
                line,
                f"case {case_id!r} has no questions: point {low} to {high} questions at it "
                f"with case: {case_id}",
            )
        elif not low <= count <= high:
            problems.add(
                path,
                line,
                f"case {case_id!r} has {count} question{'s' if count > 1 else ''}; "
                f"a case needs {low} to {high}",
            )


def _load_sources(path: Path, problems: _Collector) -> dict[str, SourceDocument]:
    data = _read_yaml(path, problems)
    if data is None:
        return {}
    if not isinstance(data, LineList):
        problems.add(path, 1, "sources.yaml must be a list of {file, title, publisher}")
        return {}
    sources: dict[str, SourceDocument] = {}
    for index, raw in enumerate(data):
        try:
            source = SourceDocument.model_validate(raw)
        except ValidationError as error:
            problems.validation(path, data, error, prefix=(index,))
            continue
        if source.file in sources:
            problems.add(path, data.item_lines[index], f"source {source.file!r} is listed twice")
        sources[source.file] = source
    return sources


def load_content(root: Path) -> tuple[Catalogue, list[Problem]]:
    """Parse and cross-check the whole content tree; problems come sorted by file and line."""
    problems = _Collector()
    catalogue = Catalogue()
    lessons_dir, questions_dir = root / "lessons", root / "questions"
    sources_file = root / "sources.yaml"
    for required in (lessons_dir, questions_dir):
        if not required.is_dir():
            problems.add(required, 1, "folder is missing")
    if not sources_file.is_file():
        problems.add(sources_file, 1, "file is missing: list the source documents here")
    if problems.problems:
        return catalogue, problems.problems
    catalogue.sources = _load_sources(sources_file, problems)

    lesson_files: dict[str, Path] = {}
    module_orders: Counter[int] = Counter()
    for entry in sorted(lessons_dir.iterdir()):
        if not entry.is_dir():
            problems.add(entry, 1, "unexpected file: lessons/ holds one folder per module")
            continue
        module = _load_module(entry, problems)
        if module is None:
            continue
        catalogue.modules.append(module)
        module_orders[module.position] += 1
        lesson_orders: Counter[int] = Counter()
        for path in sorted(entry.iterdir()):
            if path.name == "module.yaml":
                continue
            if path.suffix != ".md" or not path.is_file():
                problems.add(
                    path,
                    1,
                    "unexpected file: a module folder holds module.yaml and <nn>-<slug>.md lessons",
                )
                continue
            lesson = _load_lesson(path, module.slug, catalogue.sources, problems)
            if lesson is None:
                continue
            if lesson.slug in lesson_files:
                problems.add(
                    path,
                    2,
                    f"lesson id {lesson.slug!r} is already used by "
                    f"{display_path(lesson_files[lesson.slug])}",
                )
                continue
            lesson_orders[lesson.position] += 1
            if lesson_orders[lesson.position] > 1:
                problems.add(
                    path, 2, f"another lesson in module {module.slug!r} has order {lesson.position}"
                )
            lesson_files[lesson.slug] = path
            catalogue.lessons.append(lesson)
    for position, count in module_orders.items():
        if count > 1:
            problems.add(lessons_dir, 1, f"{count} modules share order {position}")

    question_files: dict[str, Path] = {}
    quiz_sizes: Counter[str] = Counter()
    for path in sorted(questions_dir.iterdir()):
        if path.suffix != ".yaml" or not path.is_file():
            problems.add(path, 1, "unexpected file: questions/ holds <lesson-id>.yaml files")
            continue
        lesson, lesson_line, questions, seen_ids = _load_question_file(
            path, catalogue.sources, problems
        )
        if lesson is None:
            continue
        if lesson not in lesson_files:
            problems.add(path, lesson_line, f"lesson {lesson!r} does not exist")
            continue
        quiz_sizes[lesson] += len(seen_ids)
        for question_id, line in seen_ids:
            if question_id in question_files:
                problems.add(
                    path,
                    line,
                    f"question id {question_id!r} is already used in "
                    f"{display_path(question_files[question_id])}",
                )
            else:
                question_files[question_id] = path
        catalogue.questions.extend(q for q in questions if question_files.get(q.slug) == path)

    low, high = QUIZ_SIZE
    for lesson in catalogue.lessons:
        size = quiz_sizes[lesson.slug]
        if not low <= size <= high:
            where = questions_dir / f"{lesson.slug}.yaml"
            if size == 0:
                problems.add(
                    lesson_files[lesson.slug], 2, f"lesson has no quiz: add {display_path(where)}"
                )
            else:
                problems.add(
                    where, 1, f"the quiz has {size} questions; a lesson needs {low} to {high}"
                )
        per_attempt = lesson.questions_per_attempt
        if per_attempt is not None and size and per_attempt >= size:
            problems.add(
                lesson_files[lesson.slug],
                lesson.questions_per_attempt_line,
                f"questions_per_attempt is {per_attempt} but the quiz has {size} questions: "
                "use fewer, so retakes can ask others, or leave it out to ask them all",
            )

    problems.problems.sort(key=lambda p: (p.path, p.line))
    return catalogue, problems.problems
