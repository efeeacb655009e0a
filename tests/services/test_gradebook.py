"""What the gradebook computes: predicted recall at the due date, and item analysis."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from quizapp.core.assignments import Status
from quizapp.core.progress import percent
from quizapp.core.scheduling import DEFAULT_PARAMETERS, recall_probability
from quizapp.services import classes
from quizapp.services.catalogue import catalogue_modules
from quizapp.services.gradebook import class_gradebook
from quizapp.services.item_statistics import item_analysis
from quizapp.services.learner_assignments import learner_assignments
from quizapp.services.progress import learner_history
from tests.factories import (
    class_activity,
    create_user,
    memory_model,
    quick_learners,
    sync_tree,
    write_content,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
LESSON = "module-1-lesson-1"


def setup_class(tmp_path, *, learners: int, due_in: timedelta):
    sync_tree(write_content(tmp_path, lessons_per_module=1, all_types=True))
    teacher = create_user(role="instructor")
    classroom = classes.create_class(owner=teacher, name="C", description="", time_zone="UTC")
    assignment = classes.create_assignment(
        classroom=classroom,
        by=teacher,
        target=f"lesson:{LESSON}",
        due_local=(NOW + due_in).replace(tzinfo=None),
        pass_mark=None,
        now=NOW - timedelta(days=5),
    )
    people = quick_learners(learners)
    for n, learner in enumerate(people):
        class_activity(classroom, [learner], now=NOW, right_every=n + 1)
    return classroom, assignment, people


def test_recall_at_the_due_date_is_fsrs_retrievability_then(db, tmp_path):
    classroom, assignment, [learner] = setup_class(tmp_path, learners=1, due_in=timedelta(30))
    cell = class_gradebook(classroom=classroom, now=NOW).rows[0].cells[assignment.id]
    # The factory reviewed every card a day ago with a stability of 3 days.
    last_review = NOW - timedelta(days=1)
    assert cell.mastery_percent == percent(recall_probability(3.0, last_review, NOW), 1)
    expected_at_due = recall_probability(3.0, last_review, assignment.due_at)
    assert cell.recall_at_due_percent == percent(expected_at_due, 1)
    assert cell.recall_at_due_percent < cell.mastery_percent
    [mine] = learner_assignments(
        history=learner_history(learner), now=NOW, catalogue=catalogue_modules()
    )
    assert mine.cell == cell and mine.cell.status is Status.PASSED_ON_TIME


def test_once_the_due_date_has_passed_recall_is_for_today(db, tmp_path):
    classroom, assignment, _ = setup_class(tmp_path, learners=1, due_in=timedelta(days=1))
    later = NOW + timedelta(days=10)
    cell = class_gradebook(classroom=classroom, now=later).rows[0].cells[assignment.id]
    assert cell.recall_at_due_percent == cell.mastery_percent


def test_item_analysis_reads_first_answers_across_the_class(db, tmp_path):
    classroom, assignment, _ = setup_class(tmp_path, learners=6, due_in=timedelta(7))
    report = item_analysis(classroom=classroom, assignment=assignment, now=NOW)
    assert report.learners == 6 and len(report.rows) == 6
    for row in report.rows:
        assert row.responses == 6 and row.median_seconds is not None
        # Everyone right leaves nothing to correlate; any spread gives a figure.
        assert (row.discrimination is None) == (row.facility in (0.0, 1.0))
        assert sum(line.count for line in row.table if line.right) >= row.facility * 6
    # Learner n answers one question in n + 1 right, starting with the first: everyone gets
    # the first question of the quiz right, and the share falls after it.
    first = min(report.rows, key=lambda row: row.question.position)
    assert first.facility == 1.0 and "Looks too easy" in first.flags
    assert report.class_recall_at_due is not None
    assert report.most_forgotten[0].recall_at_due <= report.most_forgotten[-1].recall_at_due
    assert all(len(row.missed_by) == round(6 * (1 - row.facility)) for row in report.rows)
    # Every learner answered every question: the quiz's consistency can be read.
    assert report.scores.count == 6 and report.consistency is not None
    assert report.consistency.name == "KR-20" and report.consistency.learners == 6


def test_recall_at_the_due_date_follows_each_learners_own_forgetting_curve(db, tmp_path):
    classroom, assignment, [learner] = setup_class(tmp_path, learners=1, due_in=timedelta(30))
    # A model of their own with a steeper curve than FSRS's default (w20 0.5, not 0.15).
    weights = [*DEFAULT_PARAMETERS[:20], 0.5]
    model = memory_model(weights, user_id=learner.id)
    assert model.decay == 0.5, "the curve's decay is read from the weights"
    learner.memory_model_id = model.id
    db.session.commit()
    cell = class_gradebook(classroom=classroom, now=NOW).rows[0].cells[assignment.id]
    last_review = NOW - timedelta(days=1)
    own = recall_probability(3.0, last_review, assignment.due_at, decay_weight=0.5)
    default = recall_probability(3.0, last_review, assignment.due_at)
    assert percent(own, 1) != percent(default, 1), "the curves differ at the due date"
    assert cell.recall_at_due_percent == percent(own, 1)
    report = item_analysis(classroom=classroom, assignment=assignment, now=NOW)
    assert report.class_recall_at_due is not None
