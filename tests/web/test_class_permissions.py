"""Who may open and press what on the class and admin pages: every route of the `classes` and
`admin` blueprints, for every kind of viewer, read from the app's URL map, so that a route
added later without a line in these tables fails here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from quizapp.db import utcnow
from quizapp.models import Assignment, ClassMembership, Classroom, User
from quizapp.services import classes
from tests.conftest import BrowserClient
from tests.factories import create_user, sync_tree, write_content

# "learner" and "instructor" belong to class A; the "other" two to class B only.
VIEWERS = ("anonymous", "learner", "other learner", "instructor", "other instructor", "admin")
LOGIN = 302  # anonymous visitors are sent to the login page
OK = None  # in the POST table: this viewer may do it (see the tests at the end)

# The status of every page for each viewer, in the order of VIEWERS.
GET_EXPECTED: dict[str, tuple[int, ...]] = {
    # endpoint:               anonymous, learner, other learner, instructor, other instr., admin
    "classes.index": (LOGIN, 200, 200, 200, 200, 200),
    "classes.join": (LOGIN, 200, 200, 200, 200, 200),
    "classes.new": (LOGIN, 403, 403, 200, 200, 200),
    "classes.overview": (LOGIN, 200, 404, 200, 404, 200),
    "classes.edit": (LOGIN, 403, 404, 200, 404, 200),
    "classes.new_assignment": (LOGIN, 403, 404, 200, 404, 200),
    "classes.edit_assignment": (LOGIN, 403, 404, 200, 404, 200),
    "classes.analysis": (LOGIN, 403, 404, 200, 404, 200),
    "classes.grades": (LOGIN, 403, 404, 200, 404, 200),
    "classes.grades_csv": (LOGIN, 403, 404, 200, 404, 200),
    "classes.learner": (LOGIN, 403, 404, 200, 404, 200),
    "admin.users": (LOGIN, 403, 403, 403, 403, 200),
}

# The status of every action for each viewer; OK where the viewer may do it.
POST_EXPECTED: dict[str, tuple[int | None, ...]] = {
    # endpoint:               anonymous, learner, other learner, instructor, other instr., admin
    # Instructors and admins create classes; learners may not.
    "classes.new": (LOGIN, 403, 403, OK, OK, OK),
    # Anyone signed in who holds the code may join; those already in the class get a 409.
    "classes.join": (LOGIN, 409, OK, 409, OK, OK),
    # Only a learner of the class can leave it; its instructors, and admins who are not on
    # its roster, are told they cannot.
    "classes.leave": (LOGIN, OK, 404, 400, 404, 400),
    # The instructor's actions: a learner of the class is refused, outsiders learn nothing.
    "classes.edit": (LOGIN, 403, 404, OK, 404, OK),
    "classes.change_code": (LOGIN, 403, 404, OK, 404, OK),
    "classes.add_instructor": (LOGIN, 403, 404, OK, 404, OK),
    "classes.remove_learner": (LOGIN, 403, 404, OK, 404, OK),
    "classes.new_assignment": (LOGIN, 403, 404, OK, 404, OK),
    "classes.edit_assignment": (LOGIN, 403, 404, OK, 404, OK),
    "classes.delete_assignment": (LOGIN, 403, 404, OK, 404, OK),
    "admin.change_role": (LOGIN, 403, 403, 403, 403, OK),
}

FAR_FUTURE = datetime(2030, 1, 1, 17, 0)


@dataclass
class School:
    """Two classes, A and B, each with an instructor, a learner and an assignment; an admin;
    and one signed-in browser per viewer."""

    class_a: int
    class_b: int
    code_a: str
    instructor_a: int
    learner_a: int
    learner_b: int
    assignment_a: int
    assignment_b: int
    emails: dict[str, str]
    clients: dict[str, BrowserClient] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def url(self, rule, **values) -> str:
        """The rule's URL with class A's ids (or the given ones) for its parameters."""
        defaults = {
            "class_id": self.class_a,
            "user_id": self.learner_a,
            "assignment_id": self.assignment_a,
            "change": "new",
            "code": self.code_a,
        }
        _, url = rule.build({name: values.get(name, defaults[name]) for name in rule.arguments})
        return url

    def form_data(self, endpoint: str) -> dict[str, str]:
        """What a browser would send to the endpoint: valid data and a valid CSRF token."""
        return {
            "classes.new": {"name": "Night shift", "description": "", "time_zone": "UTC"},
            "classes.join": {"code": self.code_a},
            "classes.edit": {"name": "Renamed", "description": "Taken over", "time_zone": "UTC"},
            "classes.add_instructor": {"email": self.emails["other instructor"]},
            "classes.new_assignment": {
                "target": "lesson:module-1-lesson-2",
                "due": "2030-02-01T09:00",
                "pass_mark": "80",
            },
            "classes.edit_assignment": {"due": "2030-03-01T09:00", "pass_mark": "50"},
            "admin.change_role": {"role": "admin"},
        }.get(endpoint, {})

    def post(self, viewer: str, url: str, endpoint: str):
        data = {"csrf_token": self.tokens[viewer], **self.form_data(endpoint)}
        return self.clients[viewer].post(url, data=data)


@pytest.fixture
def school(app, db, tmp_path) -> School:
    sync_tree(write_content(tmp_path, lessons_per_module=2))
    now = utcnow()
    users = {
        "learner": create_user(email="learner-a@example.com"),
        "other learner": create_user(email="learner-b@example.com"),
        "instructor": create_user(email="teacher-a@example.com", role="instructor"),
        "other instructor": create_user(email="teacher-b@example.com", role="instructor"),
        "admin": create_user(email="admin@example.com", role="admin"),
    }
    class_a = classes.create_class(
        owner=users["instructor"], name="Line 3", description="", time_zone="UTC"
    )
    class_b = classes.create_class(
        owner=users["other instructor"], name="Line 4", description="", time_zone="UTC"
    )
    classes.join_class(user=users["learner"], code=class_a.join_code, now=now)
    classes.join_class(user=users["other learner"], code=class_b.join_code, now=now)
    assignments = [
        classes.create_assignment(
            classroom=classroom,
            by=users[teacher],
            target="module:module-1",
            due_local=FAR_FUTURE,
            pass_mark=None,
            now=now,
        )
        for classroom, teacher in ((class_a, "instructor"), (class_b, "other instructor"))
    ]
    db.session.commit()
    world = School(
        class_a=class_a.id,
        class_b=class_b.id,
        code_a=class_a.join_code,
        instructor_a=users["instructor"].id,
        learner_a=users["learner"].id,
        learner_b=users["other learner"].id,
        assignment_a=assignments[0].id,
        assignment_b=assignments[1].id,
        emails={viewer: user.email for viewer, user in users.items()},
    )
    for viewer in VIEWERS:
        client = world.clients[viewer] = app.test_client()
        if viewer == "anonymous":
            world.tokens[viewer] = client.csrf_token("/account/login")
        else:
            assert client.login(world.emails[viewer]).status_code == 302, viewer
            world.tokens[viewer] = client.csrf_token("/classes")
    return world


def blueprint_rules(app, method: str):
    rules = [
        rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith(("classes.", "admin.")) and method in rule.methods
    ]
    assert rules
    return sorted(rules, key=lambda rule: rule.rule)


def database_state(db) -> dict[str, list]:
    """Everything the class and admin actions could change, read fresh from the database."""
    db.session.rollback()
    return {
        "classes": db.session.execute(
            select(
                Classroom.id,
                Classroom.name,
                Classroom.description,
                Classroom.time_zone,
                Classroom.join_code,
                Classroom.joining_open,
                Classroom.archived_at,
            ).order_by(Classroom.id)
        ).all(),
        "memberships": db.session.execute(
            select(
                ClassMembership.class_id, ClassMembership.user_id, ClassMembership.role
            ).order_by(ClassMembership.id)
        ).all(),
        "assignments": db.session.execute(
            select(
                Assignment.id,
                Assignment.class_id,
                Assignment.module_id,
                Assignment.lesson_id,
                Assignment.due_at,
                Assignment.pass_mark,
            ).order_by(Assignment.id)
        ).all(),
        "roles": db.session.execute(select(User.id, User.role).order_by(User.id)).all(),
    }


def went_to_login(response) -> bool:
    return urlsplit(response.headers.get("Location", "")).path == "/account/login"


def test_every_class_and_admin_route_has_a_line_in_the_tables(app):
    """A new route must say who may use it before it ships."""
    for method, table in (("GET", GET_EXPECTED), ("POST", POST_EXPECTED)):
        endpoints = {rule.endpoint for rule in blueprint_rules(app, method)}
        assert endpoints - table.keys() == set(), f"{method} routes missing from the table"
        assert table.keys() - endpoints == set(), f"{method} table names routes that are gone"
    for table in (GET_EXPECTED, POST_EXPECTED):
        for endpoint, statuses in table.items():
            assert len(statuses) == len(VIEWERS), endpoint


def test_every_page_answers_each_viewer_as_expected(app, db, school):
    before = database_state(db)
    wrong = []
    for rule in blueprint_rules(app, "GET"):
        url = school.url(rule)
        for viewer, expected in zip(VIEWERS, GET_EXPECTED[rule.endpoint], strict=True):
            response = school.clients[viewer].get(url)
            status = response.status_code
            if status != expected or (expected == LOGIN and not went_to_login(response)):
                wrong.append((rule.endpoint, url, viewer, f"expected {expected}, got {status}"))
    assert wrong == []
    assert database_state(db) == before, "opening a page changed the database"

    download = school.clients["instructor"].get(f"/classes/{school.class_a}/gradebook.csv")
    assert download.mimetype == "text/csv"
    assert "attachment" in download.headers["Content-Disposition"]
    forbidden = school.clients["learner"].get(f"/classes/{school.class_a}/gradebook")
    assert "Not allowed" in forbidden.get_data(as_text=True)
    hidden = school.clients["other learner"].get(f"/classes/{school.class_a}")
    page = hidden.get_data(as_text=True)
    assert "Page not found" in page and "Line 3" not in page


def test_refused_actions_change_nothing(app, db, school):
    """Every viewer who may not do an action sends it anyway, with a valid CSRF token and
    valid form data, as a forged request would; the answer is the expected refusal and the
    database is untouched."""
    before = database_state(db)
    wrong = []
    refusals = 0
    for rule in blueprint_rules(app, "POST"):
        url = school.url(rule)
        for viewer, expected in zip(VIEWERS, POST_EXPECTED[rule.endpoint], strict=True):
            if expected is OK:
                continue
            refusals += 1
            response = school.post(viewer, url, rule.endpoint)
            status = response.status_code
            if status != expected or (expected == LOGIN and not went_to_login(response)):
                wrong.append((rule.endpoint, url, viewer, f"expected {expected}, got {status}"))
            if database_state(db) != before:
                wrong.append((rule.endpoint, url, viewer, "changed the database"))
                before = database_state(db)
    assert refusals > 40
    assert wrong == []

    # The refusals that are not about permissions say why.
    join = school.post("learner", "/classes/join", "classes.join")
    assert "You are already in Line 3." in join.get_data(as_text=True)
    join = school.post("instructor", "/classes/join", "classes.join")
    assert "You teach Line 3." in join.get_data(as_text=True)
    leave = school.post("instructor", f"/classes/{school.class_a}/leave", "classes.leave")
    assert "Only learners leave a class" in leave.get_data(as_text=True)


def test_ids_from_another_class_or_no_class_are_not_found(app, db, school):
    """Class A's URL with class B's learner or assignment: 404, even for those who may see
    class A, and class B keeps its learner and its assignment. A class id that does not
    exist is a 404 on every page, even for an admin."""
    a = school.class_a
    pages = [
        f"/classes/{a}/learners/{school.learner_b}",
        f"/classes/{a}/assignments/{school.assignment_b}",
        f"/classes/{a}/assignments/{school.assignment_b}/edit",
        # An instructor of the class is not one of its learners either.
        f"/classes/{a}/learners/{school.instructor_a}",
    ]
    actions = [
        (f"/classes/{a}/learners/{school.learner_b}/remove", "classes.remove_learner"),
        (f"/classes/{a}/assignments/{school.assignment_b}/delete", "classes.delete_assignment"),
        (f"/classes/{a}/assignments/{school.assignment_b}/edit", "classes.edit_assignment"),
    ]
    before = database_state(db)
    for viewer in ("instructor", "admin"):
        for url in pages:
            assert school.clients[viewer].get(url).status_code == 404, (url, viewer)
        for url, endpoint in actions:
            assert school.post(viewer, url, endpoint).status_code == 404, (url, viewer)
    assert database_state(db) == before

    missing = school.class_a + school.class_b + 1000
    for rule in blueprint_rules(app, "GET"):
        if "class_id" in rule.arguments:
            url = school.url(rule, class_id=missing)
            assert school.clients["admin"].get(url).status_code == 404, url


@pytest.mark.parametrize("teacher", ["instructor", "admin"])
def test_the_allowed_viewers_can_do_every_action(app, db, school, teacher):
    """The other half of the POST table: the same requests, from those allowed, succeed (so
    the refusals above are about who asks, not about the form data)."""
    a = school.class_a
    rules = {rule.endpoint: rule for rule in blueprint_rules(app, "POST")}

    def send(viewer, endpoint, **values):
        assert POST_EXPECTED[endpoint][VIEWERS.index(viewer)] is OK, (endpoint, viewer)
        response = school.post(viewer, school.url(rules[endpoint], **values), endpoint)
        assert response.status_code == 303, (endpoint, viewer, response.status_code)
        done.add(endpoint)
        return response

    done: set[str] = set()
    before = database_state(db)
    send(teacher, "classes.edit")
    send(teacher, "classes.new_assignment")
    send(teacher, "classes.edit_assignment")
    send(teacher, "classes.delete_assignment")
    # B's instructor joins A with the code as a learner, then is made a co-teacher.
    send("other instructor", "classes.join")
    send(teacher, "classes.add_instructor")
    send(teacher, "classes.change_code", change="close")
    send(teacher, "classes.change_code", change="open")
    send("other learner", "classes.join")
    send(teacher, "classes.remove_learner", user_id=school.learner_b)
    send(teacher, "classes.change_code", change="new")
    send("learner", "classes.leave")
    send(teacher, "classes.new")
    send("admin", "admin.change_role")
    assert done == set(rules)

    after = database_state(db)
    name, description = after["classes"][0][1:3]
    assert (name, description) == ("Renamed", "Taken over")
    assert after["classes"][0][4] != before["classes"][0][4], "the join code is new"
    assert len(after["classes"]) == 3
    roster_of_a = [role for class_id, _, role in after["memberships"] if class_id == a]
    assert sorted(roster_of_a) == ["instructor", "instructor"], "two teachers, no learner left"
    # The module assignment was removed; the lesson assigned on the way stays.
    assert [row[3] is not None for row in after["assignments"] if row[1] == a] == [True]
    assert (school.learner_a, "admin") in after["roles"]


def test_an_admin_who_joined_as_a_learner_can_leave_again(db, school):
    assert school.post("admin", "/classes/join", "classes.join").status_code == 303
    leave = school.post("admin", f"/classes/{school.class_a}/leave", "classes.leave")
    assert leave.status_code == 303
    assert (
        db.session.scalar(
            select(ClassMembership).where(
                ClassMembership.class_id == school.class_a,
                ClassMembership.user_id
                == db.session.scalar(select(User.id).where(User.email == school.emails["admin"])),
            )
        )
        is None
    )


def test_an_instructor_demoted_to_learner_loses_the_instructor_pages(db, school):
    data = {"csrf_token": school.tokens["admin"], "role": "learner"}
    demoted = school.clients["admin"].post(f"/admin/users/{school.instructor_a}/role", data=data)
    assert demoted.status_code == 303
    former = school.clients["instructor"]
    assert former.get(f"/classes/{school.class_a}/gradebook").status_code == 403
    assert former.get(f"/classes/{school.class_a}/edit").status_code == 403
    code = school.post("instructor", f"/classes/{school.class_a}/code/new", "classes.change_code")
    assert code.status_code == 403
    assert former.get(f"/classes/{school.class_a}").status_code == 200
