"""Classes: the instructor's pages (roster, assignments, gradebook, item analysis) and the
learner's (join, my class). Every view finds its class through `classes.class_access`."""

from __future__ import annotations

from functools import cache

import segno
from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms.fields.choices import SelectChoice

from quizapp.classes.forms import (
    AssignmentForm,
    ClassForm,
    EditAssignmentForm,
    ExtensionForm,
    ForecastForm,
    InstructorForm,
    InviteForm,
    JoinForm,
    OwnerForm,
)
from quizapp.core.assignments import Standing
from quizapp.core.charts import bar_chart
from quizapp.core.classes import (
    DATE_TIME_PATTERN,
    format_join_code,
    local_time,
)
from quizapp.core.markdown import render_markdown
from quizapp.core.words import plural
from quizapp.db import db, utcnow
from quizapp.errors import render_error
from quizapp.extensions import limiter
from quizapp.forms import ActionForm, attach_error, show_form
from quizapp.mail.setup import absolute_url
from quizapp.services import (
    class_progress,
    classes,
    extensions,
    gradebook,
    invitations,
    learner_assignments,
    progress,
    workload,
)
from quizapp.services.catalogue import catalogue_modules
from quizapp.services.class_evidence import Cell
from quizapp.services.classes import ClassAccess, ClassFormError
from quizapp.services.errors import Refused

bp = Blueprint("classes", __name__, url_prefix="/classes")

# Join codes are short enough to guess by brute force without a limit.
JOIN_LIMIT = "10 per minute;60 per hour"


@bp.before_request
@login_required
def require_login():
    """Every class page belongs to a signed-in user."""


@bp.app_template_filter("join_code")
def join_code_filter(code: str) -> str:
    return format_join_code(code)


# Filters rather than macros, and cached (there are a few dozen standings and a hundred and
# one percentages): the gradebook writes these in each of its hundreds of cells, where macro
# calls took a third of the page's rendering time.
@bp.app_template_filter("status_tag")
@cache
def status_tag_filter(standing: Standing) -> Markup:
    """An assignment's status in words, never a colour alone: the same words on every page."""
    css = standing.status.slug
    return Markup(f'<span class="status status-{escape(css)}">{escape(standing.words)}</span>')


@bp.app_template_filter("pct")
@cache
def percent_filter(value: int | None) -> Markup:
    """A percentage, or a dash that a screen reader reads as "none"."""
    if value is None:
        return Markup('<span aria-hidden="true">—</span><span class="visually-hidden">none</span>')
    return Markup(f"{escape(value)}%")


@bp.app_template_filter("gradebook_cell")
def gradebook_cell_filter(cell: Cell, learner_url: str = "") -> Markup:
    """A gradebook cell's status, lessons, score, recall and any extension, in one call: in the
    template, the dozen expressions of each of a class's 500 cells cost 4 ms more. With the
    learner's page address, the score links to their latest attempt's answers."""
    if cell.mastery_percent is None:
        recall = "No reviews yet"
    else:
        now, at_due = cell.mastery_percent, cell.recall_at_due_percent
        recall = f"Recall {percent_filter(now)} → {percent_filter(at_due)}"
    lessons = f"{cell.lessons_done}/{cell.lessons_total} lessons"
    extended = ' <span class="cell-line">Own due date (extended)</span>' if cell.extended else ""
    score = percent_filter(cell.score_percent)
    if learner_url and cell.last_attempt_id is not None:
        score = Markup(
            f'<a href="{escape(learner_url)}/attempts/{cell.last_attempt_id}">{score}'
            '<span class="visually-hidden">, see the latest attempt</span></a>'
        )
    # Spaces between the lines, so that the cell's text reads as words when copied or heard.
    return Markup(
        f"{status_tag_filter(cell.standing)} "
        f'<span class="cell-line">{lessons} · score {score}</span> '
        f'<span class="cell-line">{recall}</span>{extended}'
    )


@bp.app_template_filter("instructions")
def instructions_filter(text: str) -> Markup:
    # Sanitised by the lessons' own renderer: an instructor's Markdown is no way into a page.
    return Markup(render_markdown(text)) if text else Markup("")


@bp.app_template_filter("local")
def local_filter(instant, time_zone: str, pattern: str = DATE_TIME_PATTERN):
    return local_time(instant, time_zone).strftime(pattern) if instant else ""


def refuse_form(template: str, form: FlaskForm, error: ClassFormError, **context):
    db.session.rollback()
    attach_error(form, error)
    return show_form(template, form, error.status, **context)


def teaching(class_id: int) -> ClassAccess:
    return classes.class_access(user=current_user, class_id=class_id, teaching=True)


def csv_download(text: str, stem: str, classroom) -> Response:
    """A CSV file named after its content and the class's day, that Excel opens as UTF-8."""
    filename = f"{stem}-{local_time(utcnow(), classroom.time_zone):%Y-%m-%d}.csv"
    return Response(
        # A byte-order mark, so Excel opens names with accents as UTF-8.
        "\ufeff" + text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def action_refused(what: str):
    return render_error(400, f"{what} failed: reload the page and try again.")


def class_creators() -> str:
    return current_app.config["CLASS_CREATORS"]


@bp.get("")
def index():
    can_create = classes.can_create_classes(current_user, creators=class_creators())
    return render_template(
        "classes/index.html",
        summaries=classes.my_classes(current_user),
        can_create=can_create,
        admins=[] if can_create else classes.site_admins(),
        form=JoinForm(),
    )


@bp.route("/new", methods=["GET", "POST"])
def new():
    if not classes.can_create_classes(current_user, creators=class_creators()):
        return render_error(
            403,
            "On this site, classes are created by instructors. Ask an administrator to make "
            "your account an instructor's.",
        )
    form = ClassForm(time_zone=current_user.time_zone)
    if not form.validate_on_submit():
        return show_form("classes/class_form.html", form, creating=True)
    try:
        classroom = classes.create_class(
            owner=current_user,
            name=form.name.data,
            description=form.description.data or "",
            time_zone=form.time_zone.data,
            creators=class_creators(),
        )
    except ClassFormError as error:
        return refuse_form("classes/class_form.html", form, error, creating=True)
    db.session.commit()
    flash(f"{classroom.name} is ready. Share the join code with your learners.", "success")
    return redirect(url_for("classes.overview", class_id=classroom.id), 303)


def join_limit_key() -> str:
    # Per account, not per address: a whole class joins from one school network.
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return get_remote_address()


@bp.route("/join", methods=["GET", "POST"])
@bp.route("/join/<code>", methods=["GET"])
# A link with a code shows the class's name, so opening links counts like typing codes.
@limiter.limit(
    JOIN_LIMIT,
    key_func=join_limit_key,
    exempt_when=lambda: request.method == "GET" and not request.view_args,
)
def join(code: str | None = None):
    form = JoinForm(code=code)
    invited = classes.class_by_code(code) if code else None
    if not form.validate_on_submit():
        return show_form("classes/join.html", form, invited=invited)
    try:
        classroom = classes.join_class(user=current_user, code=form.code.data, now=utcnow())
    except ClassFormError as error:
        return refuse_form("classes/join.html", form, error, invited=None)
    db.session.commit()
    flash(f"You joined {classroom.name}.", "success")
    return redirect(url_for("classes.overview", class_id=classroom.id), 303)


@bp.get("/<int:class_id>")
def overview(class_id: int):
    access = classes.class_access(user=current_user, class_id=class_id)
    classroom = access.classroom
    if not access.teaching:
        mine = learner_assignments.learner_assignments(
            history=progress.learner_history(current_user),
            now=utcnow(),
            catalogue=catalogue_modules(),
            classroom=classroom,
        )
        return render_template(
            "classes/learner_class.html", classroom=classroom, mine=mine, form=ActionForm()
        )
    order = classes.RosterOrder.read(
        request.args.get("roster_sort"), request.args.get("roster_order")
    )
    return overview_page(classroom, roster_order=order)


def join_qr(url: str) -> Markup:
    """The join link as a QR code for a projector or a printed sheet: inline SVG, so it needs
    no image request and scales with the page."""
    svg = segno.make(url, error="m").svg_inline(
        scale=4, border=2, svgclass="join-qr", title="QR code of the join link", omitsize=True
    )
    return Markup(svg)


def overview_page(
    classroom,
    instructor_form: InstructorForm | None = None,
    status: int = 200,
    invite_form: InviteForm | None = None,
    owner_form: OwnerForm | None = None,
    roster_order: classes.RosterOrder | None = None,
):
    """The instructor's view of a class, with whichever of its forms was refused."""
    instructors, learners = classes.class_people(classroom)
    roster_order = roster_order or classes.RosterOrder()
    owner_form = owner_form or OwnerForm(formdata=None)
    owner_form.user_id.choices = [
        (person.id, f"{person.display_name} ({person.email})")
        for person in instructors
        if person.id != classroom.owner_id and person.role in classes.TEACHING_ROLES
    ]
    # From configuration: a forged Host header must not put its own site in the link.
    join_url = absolute_url("classes.join", code=classroom.join_code)
    now = utcnow()
    roster = classes.class_roster(classroom, roster_order)
    book = gradebook.class_gradebook(classroom=classroom, now=now, learners=learners)
    over_time = class_progress.class_progress(
        classroom=classroom, book=book, roster=roster, now=now
    )
    return render_template(
        "classes/overview.html",
        classroom=classroom,
        instructors=instructors,
        roster=roster,
        roster_order=roster_order,
        is_owner=classroom.owner_id == current_user.id,
        owner_form=owner_form,
        book=book,
        progress=over_time,
        charts=progress_charts(over_time),
        pending=invitations.pending_invitations(classroom),
        form=ActionForm(),
        instructor_form=instructor_form or InstructorForm(formdata=None),
        invite_form=invite_form or InviteForm(formdata=None),
        join_url=join_url,
        join_qr=join_qr(join_url),
    ), status


def progress_charts(over_time: class_progress.ClassProgress) -> dict[str, str]:
    weeks = over_time.weeks
    return {
        "lessons": bar_chart(
            [(week.label, week.lessons_passed) for week in weeks],
            title="Lessons passed per week",
            unit="lessons",
            id_prefix="weekly-lessons",
        ),
        "reviews": bar_chart(
            [(week.label, week.reviews) for week in weeks],
            title="Reviews per week",
            unit="reviews",
            id_prefix="weekly-reviews",
        ),
    }


def _target_choices() -> list[SelectChoice]:
    """Each module, then its lessons, grouped under the module's title."""
    return [
        SelectChoice(value, label, optgroup=title)
        for module_value, title, lessons in classes.assignable_targets()
        for value, label in [(module_value, f"The whole module: {title}"), *lessons]
    ]


def _due_hint(form, classroom) -> None:
    form.due.description = f"In the class's time zone, {classroom.time_zone.replace('_', ' ')}."


def class_workload(classroom, form) -> tuple[dict, int]:
    """The workload panel's context for the form's target and due date: the `forecast`, or
    the `message` saying why there is none, with the status to answer."""
    # Both fields are checked, so that each shows its own error beside it.
    checked = [form.target.validate(form), form.due.validate(form)]
    if not all(checked):
        return {"forecast": None, "message": (form.target.errors or form.due.errors)[0]}, 400
    try:
        result = workload.class_forecast(
            classroom=classroom, target=form.target.data, due_local=form.due.data, now=utcnow()
        )
    except ClassFormError as error:
        attach_error(form, error)
        return {"forecast": None, "message": error.message}, error.status
    return {"forecast": result, "message": None}, 200


@bp.get("/<int:class_id>/forecast")
def forecast(class_id: int):
    """The assign form's workload panel alone, for its script to swap in as the instructor
    changes the target or due date; refused input is a 400 with the words to show."""
    classroom = teaching(class_id).classroom
    context, status = class_workload(classroom, ForecastForm(request.args))
    return render_template("classes/_forecast.html", **context), status


@bp.route("/<int:class_id>/assignments/new", methods=["GET", "POST"])
def new_assignment(class_id: int):
    classroom = teaching(class_id).classroom
    form = AssignmentForm()
    form.target.choices = _target_choices()
    _due_hint(form, classroom)
    template = "classes/assignment_form.html"
    if request.method == "POST" and request.form.get("preview"):
        # "Show workload", without JavaScript: the form as typed, with its forecast; nothing
        # is stored, so no field is checked but the two the forecast reads.
        context, status = class_workload(classroom, form)
        return show_form(template, form, status, classroom=classroom, **context)
    if not form.validate_on_submit():
        return show_form(template, form, classroom=classroom)
    try:
        assignment = classes.create_assignment(
            classroom=classroom,
            by=current_user,
            target=form.target.data,
            due_local=form.due.data,
            pass_mark=form.pass_mark.data,
            now=utcnow(),
            instructions=form.instructions.data or "",
            policy=form.policy(),
        )
    except ClassFormError as error:
        return refuse_form(template, form, error, classroom=classroom)
    db.session.commit()
    flash(f"“{assignment.title}” is assigned.", "success")
    return redirect(url_for("classes.overview", class_id=classroom.id), 303)


@bp.route("/<int:class_id>/assignments/<int:assignment_id>/edit", methods=["GET", "POST"])
def edit_assignment(class_id: int, assignment_id: int):
    classroom = teaching(class_id).classroom
    assignment = classes.class_assignment(classroom=classroom, assignment_id=assignment_id)
    if request.method == "GET":
        due = local_time(assignment.due_at, classroom.time_zone).replace(tzinfo=None)
        form = EditAssignmentForm(
            due=due, pass_mark=assignment.pass_mark, instructions=assignment.instructions
        )
        form.show_policy(assignment.policy)
    else:
        form = EditAssignmentForm()
    _due_hint(form, classroom)
    template = "classes/assignment_form.html"
    context = {"classroom": classroom, "assignment": assignment, "delete_form": ActionForm()}
    if not form.validate_on_submit():
        return show_form(template, form, **context)
    try:
        classes.update_assignment(
            assignment,
            due_local=form.due.data,
            pass_mark=form.pass_mark.data,
            now=utcnow(),
            instructions=form.instructions.data or "",
            policy=form.policy(),
        )
    except ClassFormError as error:
        return refuse_form(template, form, error, **context)
    db.session.commit()
    flash(f"“{assignment.title}” is updated.", "success")
    return redirect(url_for("classes.overview", class_id=classroom.id), 303)


@bp.route("/<int:class_id>/assignments/<int:assignment_id>/extensions", methods=["GET", "POST"])
def extensions_page(class_id: int, assignment_id: int):
    classroom = teaching(class_id).classroom
    assignment = classes.class_assignment(classroom=classroom, assignment_id=assignment_id)
    form = ExtensionForm()
    form.due.description = (
        f"In the class's time zone, {classroom.time_zone.replace('_', ' ')}; after the "
        f"class's due date, {local_filter(assignment.due_at, classroom.time_zone)}."
    )
    _, learners = classes.class_people(classroom)
    context = {
        "classroom": classroom,
        "assignment": assignment,
        "learners": learners,
        "granted": extensions.extensions_of(assignment),
        "remove_form": ActionForm(),
    }
    template = "classes/extensions.html"
    if not form.validate_on_submit():
        return show_form(template, form, **context)
    try:
        count = extensions.grant_extension(
            assignment=assignment,
            learner_ids=form.learners.data,
            due_local=form.due.data,
            now=utcnow(),
        )
    except ClassFormError as error:
        return refuse_form(template, form, error, **context)
    db.session.commit()
    until = form.due.data.strftime(DATE_TIME_PATTERN)
    flash(f"{plural(count, 'learner')} {'has' if count == 1 else 'have'} until {until}.", "success")
    return redirect(
        url_for("classes.extensions_page", class_id=class_id, assignment_id=assignment_id), 303
    )


@bp.post("/<int:class_id>/assignments/<int:assignment_id>/extensions/<int:user_id>/delete")
def remove_extension(class_id: int, assignment_id: int, user_id: int):
    classroom = teaching(class_id).classroom
    assignment = classes.class_assignment(classroom=classroom, assignment_id=assignment_id)
    if not ActionForm().validate_on_submit():
        return action_refused("Removing the extension")
    try:
        extensions.remove_extension(assignment=assignment, user_id=user_id)
    except Refused as error:
        db.session.rollback()
        return render_error(error.status, error.message)
    db.session.commit()
    flash("The learner is back on the class's due date.", "success")
    return redirect(
        url_for("classes.extensions_page", class_id=class_id, assignment_id=assignment_id), 303
    )


@bp.post("/<int:class_id>/assignments/<int:assignment_id>/delete")
def delete_assignment(class_id: int, assignment_id: int):
    classroom = teaching(class_id).classroom
    assignment = classes.class_assignment(classroom=classroom, assignment_id=assignment_id)
    if not ActionForm().validate_on_submit():
        return action_refused("Removing the assignment")
    title = assignment.title
    classes.delete_assignment(assignment)
    db.session.commit()
    flash(f"“{title}” is no longer assigned. Learners keep their progress.", "success")
    return redirect(url_for("classes.overview", class_id=classroom.id), 303)
