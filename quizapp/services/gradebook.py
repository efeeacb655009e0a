"""The class gradebook: learners by assignments, sortable, filterable by status, and as CSV."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from quizapp.core.assignments import (
    Status,
)
from quizapp.core.classes import (
    csv_text,
)
from quizapp.models import (
    Assignment,
    Classroom,
    User,
)
from quizapp.services.catalogue import catalogue_modules
from quizapp.services.class_evidence import Cell, cell_of, class_evidence
from quizapp.services.classes import class_assignments, class_people


@dataclass(frozen=True)
class GradebookRow:
    learner: User
    cells: dict[int, Cell]
    leeches: int


SORT_KEYS = ("name", "email", "leeches")


@dataclass(frozen=True)
class Gradebook:
    classroom: Classroom
    assignments: list[Assignment]
    rows: list[GradebookRow]
    sort: str
    descending: bool
    # Only the learners at this status on this assignment, when the page was asked for them.
    only: tuple[Assignment, Status] | None = None
    # The whole class, however many rows `only` leaves.
    class_size: int = 0

    def not_started(self, assignment: Assignment) -> int:
        return sum(row.cells[assignment.id].status is Status.NOT_STARTED for row in self.rows)

    def status_counts(self, assignment: Assignment) -> list[tuple[Status, int]]:
        """How many learners stand at each status, in the order work moves through them."""
        counts = Counter(row.cells[assignment.id].status for row in self.rows)
        return [(status, counts[status]) for status in Status if counts[status]]


def _sort_key(sort: str):
    if sort == "email":
        return lambda row: row.learner.email
    if sort == "leeches":
        return lambda row: (row.leeches, row.learner.display_name.lower())
    if sort.startswith("a") and sort[1:].isdigit():
        assignment_id = int(sort[1:])

        def by_assignment(row: GradebookRow):
            cell = row.cells.get(assignment_id)
            if cell is None:
                return (0, 0, 0)
            return (cell.status.is_done, cell.score_percent or 0, cell.mastery_percent or 0)

        return by_assignment
    return lambda row: (row.learner.display_name.lower(), row.learner.id)


def is_sort_key(sort: str, assignments: Sequence[Assignment]) -> bool:
    return sort in SORT_KEYS or sort in {f"a{a.id}" for a in assignments}


def class_gradebook(
    *,
    classroom: Classroom,
    now: datetime,
    sort: str = "name",
    descending: bool = False,
    only: tuple[int, Status] | None = None,
    recall: bool = True,
    learners: list[User] | None = None,
) -> Gradebook:
    """Learners by assignments; an unknown sort falls back to names. With `only` (an
        assignment id and a status), just the learners at that status on it (an assignment not
        in the class shows everyone). Without `recall`, a query fewer and no predicted recall; with
    the class's `learners` already read (`class_people`), another query fewer."""
    assignments = class_assignments(classroom)
    if learners is None:
        _, learners = class_people(classroom)
    evidence = class_evidence(
        assignments, [learner.id for learner in learners], now, catalogue_modules(), recall=recall
    )
    rows = [
        GradebookRow(
            learner,
            {a.id: cell_of(evidence, a, learner.id, now) for a in assignments},
            evidence.leeches[learner.id],
        )
        for learner in learners
    ]
    if not is_sort_key(sort, assignments):
        sort = "name"
    rows.sort(key=_sort_key(sort), reverse=descending)
    chosen = None
    if only is not None:
        assignment = next((a for a in assignments if a.id == only[0]), None)
        if assignment is not None:
            chosen = (assignment, only[1])
            rows = [row for row in rows if row.cells[assignment.id].status is only[1]]
    return Gradebook(classroom, assignments, rows, sort, descending, chosen, len(learners))


def _format_percent(value: int | None) -> str:
    return "" if value is None else str(value)


def gradebook_csv(gradebook: Gradebook) -> str:
    """The gradebook as a spreadsheet: one row per learner, five columns per assignment."""
    header = ["Learner", "Email"]
    for a in gradebook.assignments:
        # The kind keeps a module and a lesson of the same title apart.
        name = f"{a.title} ({'module' if a.module_id else 'lesson'})"
        header += [
            f"{name}: status",
            f"{name}: lessons done",
            f"{name}: score %",
            f"{name}: recall today %",
            f"{name}: recall at due date %",
        ]
    header.append("Leeches")
    rows = []
    for row in gradebook.rows:
        cells: list[object] = [row.learner.display_name, row.learner.email]
        for a in gradebook.assignments:
            cell = row.cells[a.id]
            cells += [
                cell.standing.words,
                f"{cell.lessons_done} of {cell.lessons_total}",
                _format_percent(cell.score_percent),
                _format_percent(cell.mastery_percent),
                _format_percent(cell.recall_at_due_percent),
            ]
        cells.append(row.leeches)
        rows.append(cells)
    return csv_text(header, rows)
