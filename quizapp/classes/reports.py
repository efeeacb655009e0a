"""What a class's instructors read of its work: the gradebook (and its CSV), a learner's
report, any of their finished attempts, and each assignment's item statistics. Routes of the
`classes` blueprint, registered by the package."""

from __future__ import annotations

from flask import render_template, request

from quizapp.classes.views import bp, csv_download, teaching
from quizapp.core.assignments import Status
from quizapp.core.charts import bar_chart
from quizapp.core.classes import file_slug
from quizapp.db import utcnow
from quizapp.services import attempt_review, classes, gradebook, item_statistics, learner_report


@bp.get("/<int:class_id>/assignments/<int:assignment_id>")
def analysis(class_id: int, assignment_id: int):
    classroom = teaching(class_id).classroom
    assignment = classes.class_assignment(classroom=classroom, assignment_id=assignment_id)
    report = item_statistics.item_analysis(classroom=classroom, assignment=assignment, now=utcnow())
    distribution = None
    if report.scores is not None:
        distribution = bar_chart(
            list(zip(report.scores.bin_labels, report.scores.bins, strict=True)),
            title="First-attempt scores",
            unit="learners",
            id_prefix="scores",
        )
    return render_template(
        "classes/analysis.html", classroom=classroom, report=report, distribution=distribution
    )


@bp.get("/<int:class_id>/assignments/<int:assignment_id>/statistics.csv")
def statistics_csv(class_id: int, assignment_id: int):
    classroom = teaching(class_id).classroom
    assignment = classes.class_assignment(classroom=classroom, assignment_id=assignment_id)
    report = item_statistics.item_analysis(classroom=classroom, assignment=assignment, now=utcnow())
    name = file_slug(f"{classroom.name} {assignment.title}") or f"assignment-{assignment.id}"
    return csv_download(item_statistics.statistics_csv(report), f"{name}-statistics", classroom)


@bp.get("/<int:class_id>/gradebook")
def grades(class_id: int):
    classroom = teaching(class_id).classroom
    # "3 of 25 have not started" on the class page links here for those three; a filter that
    # does not parse shows everyone rather than an error.
    status = Status.from_slug(request.args.get("status", ""))
    assignment_id = request.args.get("assignment", type=int)
    only = (assignment_id, status) if status and assignment_id else None
    return render_template(
        "classes/gradebook.html",
        book=gradebook.class_gradebook(
            classroom=classroom,
            now=utcnow(),
            sort=request.args.get("sort", "name"),
            descending=request.args.get("dir") == "desc",
            only=only,
        ),
    )


@bp.get("/<int:class_id>/gradebook.csv")
def grades_csv(class_id: int):
    classroom = teaching(class_id).classroom
    book = gradebook.class_gradebook(classroom=classroom, now=utcnow())
    name = file_slug(classroom.name) or f"class-{classroom.id}"
    return csv_download(gradebook.gradebook_csv(book), f"{name}-gradebook", classroom)


@bp.get("/<int:class_id>/learners/<int:user_id>")
def learner(class_id: int, user_id: int):
    classroom = teaching(class_id).classroom
    person = classes.class_learner(classroom=classroom, user_id=user_id)
    return render_template(
        "classes/learner.html",
        classroom=classroom,
        report=learner_report.learner_report(classroom=classroom, learner=person, now=utcnow()),
    )


@bp.get("/<int:class_id>/learners/<int:user_id>/attempts/<int:attempt_id>")
def attempt(class_id: int, user_id: int, attempt_id: int):
    classroom = teaching(class_id).classroom
    review = attempt_review.class_attempt(
        classroom=classroom, user_id=user_id, attempt_id=attempt_id
    )
    return render_template(
        "quiz/review.html", review=review, classroom=classroom, shows_answers=True
    )
