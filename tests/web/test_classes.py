"""Classes as an instructor and their learners use them: create, join, assign, finish on
time or late, and read it all back in the gradebook, item analysis and CSV."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from quizapp.core.classes import local_time
from quizapp.db import utcnow
from quizapp.models import Assignment, ClassMembership, Classroom, QuizAttempt, User
from quizapp.services import classes
from tests.conftest import signed_in
from tests.factories import class_activity, create_user, quick_learners, sync_tree, write_content
from tests.web.pages import RIGHT_ANSWERS, WRONG_ANSWERS, assert_accessible
from tests.web.test_quiz import take_quiz

LESSON = "module-1-lesson-1"
START = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def text(response) -> str:
    return response.get_data(as_text=True)


def rows_of(html: str) -> dict[str, str]:
    """Each gradebook row's text, by the learner named in its header cell."""
    rows = {}
    for row in re.findall(r"<tr>\s*<th scope=\"row\">(.*?)</tr>", html, re.S):
        name = re.sub(r"<[^>]+>", "", row.split("</th>")[0]).strip()
        rows[name] = " ".join(re.sub(r"<[^>]+>", " ", row).split())
    return rows


def create_class(client, **fields) -> str:
    data = {"name": "Line leads", "description": "", "time_zone": "Europe/Paris", **fields}
    response = client.submit("/classes/new", data)
    assert response.status_code == 303, text(response)
    return response.headers["Location"]


def join_code_on(client, class_url: str) -> str:
    match = re.search(r'class="join-code"[^>]*>([A-Z0-9-]+)<', text(client.get(class_url)))
    assert match
    return match.group(1)


def test_an_instructor_runs_a_class_from_creation_to_gradebook(app, db, course, clock):
    clock.now = START
    teacher = signed_in(app, create_user(role="instructor", display_name="Ines"))
    ada, ben, cy = (create_user(display_name=name) for name in ("Ada", "Ben", "Cy"))
    class_url = create_class(teacher, description="Night shift on line 3")
    code = join_code_on(teacher, class_url)
    # Due tomorrow at 18:00 in Paris, which is 17:00 UTC in winter.
    response = teacher.submit(
        f"{class_url}/assignments/new",
        {"target": f"lesson:{LESSON}", "due": "2026-11-24T18:00", "pass_mark": "60"},
    )
    assert response.status_code == 303, text(response)
    assignment = db.session.scalar(select(Assignment))
    assert assignment.due_at == datetime(2026, 11, 24, 17, 0, tzinfo=UTC)

    # Ada types the code in lower case; Ben follows the link; Cy joins and only reads.
    a = signed_in(app, ada)
    assert a.submit("/classes/join", {"code": code.lower()}, form_url="/classes").status_code == 303
    b = signed_in(app, ben)
    invitation = text(b.get(f"/classes/join/{code}"))
    assert "Join Line leads" in invitation and "Night shift on line 3" in invitation
    assert (
        b.submit("/classes/join", {"code": code}, form_url=f"/classes/join/{code}").status_code
        == 303
    )
    c = signed_in(app, cy)
    assert c.submit("/classes/join", {"code": code}, form_url="/classes").status_code == 303

    attempt_url, _ = take_quiz(a, RIGHT_ANSWERS, lesson=LESSON)
    a.get(attempt_url, follow_redirects=True)
    c.get(f"/lessons/{LESSON}")
    before_due = rows_of(text(teacher.get(f"{class_url}/gradebook")))
    assert "Passed on time" in before_due["Ada"]
    assert "1/1 lessons · score 100%" in before_due["Ada"]
    assert "Not started" in before_due["Ben"]
    assert "Opened" in before_due["Cy"]

    clock.advance(days=2)
    # Ben finishes after the due date, with one answer in six wrong: 83%, over the pass mark.
    attempt_url, _ = take_quiz(b, {**RIGHT_ANSWERS, "single": WRONG_ANSWERS["single"]}, LESSON)
    b.get(attempt_url, follow_redirects=True)

    page = text(teacher.get(f"{class_url}/gradebook"))
    assert_accessible(page)
    after_due = rows_of(page)
    assert "Passed on time" in after_due["Ada"]
    assert "Passed late" in after_due["Ben"] and "score 83%" in after_due["Ben"]
    assert "Overdue" in after_due["Cy"] and "0/1 lessons · score — none" in after_due["Cy"]
    # Each quiz answer is its card's first step: recall is predicted from it. Cy only read.
    assert re.search(r"Recall \d+% → \d+%", after_due["Ada"])
    assert "No reviews yet" in after_due["Cy"]

    # Each learner sees their own status on their dashboard.
    assert "Passed on time" in text(a.get("/today"))
    assert "Passed late" in text(b.get("/today"))
    today = text(c.get("/today"))
    assert "Overdue" in today and "Lesson 1.1" in today and "Tue 24 Nov 2026, 18:00" in today

    analysis = text(teacher.get(f"{class_url}/assignments/{assignment.id}"))
    assert_accessible(analysis)
    # The question is named twice: among the likeliest forgotten, then in the item list.
    single = analysis.split("Which one is right?")[-1].split("</li>")[0]
    assert "2 of 3" in single and "50%" in single
    # Its response table: who chose each option, and who missed it.
    table = " ".join(re.sub(r"<[^>]+>", " ", single).split())
    assert "The right one Right 1 50%" in table and "A wrong one 1 50%" in table
    assert "1 learner missed it" in table and "Ben" in table
    csv_export = teacher.get(f"{class_url}/assignments/{assignment.id}/statistics.csv")
    assert csv_export.status_code == 200 and csv_export.mimetype == "text/csv"
    stats = list(csv.reader(io.StringIO(csv_export.get_data(as_text=True).lstrip("\ufeff"))))
    assert stats[0][:5] == ["Position", "Question", "Type", "Answered", "Right first time %"]
    row = next(r for r in stats[1:] if r[1] == "Which one is right?")
    assert row[3:5] == ["2", "50"] and "A wrong one: 1" in row[10]

    export = teacher.get(f"{class_url}/gradebook.csv")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    assert "attachment" in export.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["Learner", "Email", "Lesson 1.1 (lesson): status"]
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name.keys() == {"Ada", "Ben", "Cy"}
    assert by_name["Ada"][2:5] == ["Passed on time", "1 of 1", "100"]
    assert by_name["Ben"][2:5] == ["Passed late", "1 of 1", "83"]
    assert by_name["Cy"][2:5] == ["Overdue", "0 of 1", ""]


def test_a_module_assignment_needs_every_lesson_and_the_pass_mark(app, db, course, clock):
    clock.now = START
    teacher = signed_in(app, create_user(role="instructor"))
    class_url = create_class(teacher)
    code = join_code_on(teacher, class_url)
    response = teacher.submit(
        f"{class_url}/assignments/new",
        {"target": "module:module-1", "due": "2026-12-01T09:00", "pass_mark": "90"},
    )
    assert response.status_code == 303
    learner = create_user(display_name="Dee")
    client = signed_in(app, learner)
    client.submit("/classes/join", {"code": code}, form_url="/classes")
    attempt_url, _ = take_quiz(client, RIGHT_ANSWERS, lesson=LESSON)
    client.get(attempt_url, follow_redirects=True)
    row = rows_of(text(teacher.get(f"{class_url}/gradebook")))["Dee"]
    assert "Opened" in row and "1/2 lessons · score 50%" in row
    # The second lesson at 5 of 6 (83%) stays under the pass mark of 90.
    attempt_url, _ = take_quiz(
        client, {**RIGHT_ANSWERS, "short": WRONG_ANSWERS["short"]}, "module-1-lesson-2"
    )
    client.get(attempt_url, follow_redirects=True)
    row = rows_of(text(teacher.get(f"{class_url}/gradebook")))["Dee"]
    assert "Below pass mark, 2 attempts left" in row
    attempt_url, _ = take_quiz(client, RIGHT_ANSWERS, "module-1-lesson-2")
    client.get(attempt_url, follow_redirects=True)
    assert "Passed on time" in rows_of(text(teacher.get(f"{class_url}/gradebook")))["Dee"]
    assert "1 of 1" not in text(client.get("/today")) and "2 of 2 lessons passed" in text(
        client.get("/today")
    )


def test_join_code_mistakes_are_explained(app, db, course):
    teacher = signed_in(app, create_user(role="instructor"))
    class_url = create_class(teacher)
    code = join_code_on(teacher, class_url)
    learner = signed_in(app, create_user())

    wrong = learner.submit("/classes/join", {"code": "NOPE-NOPE"}, form_url="/classes")
    assert wrong.status_code == 400 and "does not open a class" in text(wrong)
    empty = learner.submit("/classes/join", {"code": "  "}, form_url="/classes")
    assert empty.status_code == 400 and "Enter the code your instructor gave you" in text(empty)

    assert learner.submit("/classes/join", {"code": code}, form_url="/classes").status_code == 303
    again = learner.submit("/classes/join", {"code": code}, form_url="/classes")
    assert again.status_code == 409 and "You are already in Line leads" in text(again)
    own = teacher.submit("/classes/join", {"code": code}, form_url="/classes")
    assert own.status_code == 409 and "You teach Line leads" in text(own)

    # Switched off, the code stops working; a new code retires the old one.
    teacher.submit(f"{class_url}/code/close", {}, form_url=class_url)
    late = signed_in(app, create_user())
    closed = late.submit("/classes/join", {"code": code}, form_url="/classes")
    assert closed.status_code == 400 and "does not open a class" in text(closed)
    teacher.submit(f"{class_url}/code/open", {}, form_url=class_url)
    teacher.submit(f"{class_url}/code/new", {}, form_url=class_url)
    new_code = join_code_on(teacher, class_url)
    assert new_code != code
    assert late.submit("/classes/join", {"code": code}, form_url="/classes").status_code == 400
    assert late.submit("/classes/join", {"code": new_code}, form_url="/classes").status_code == 303
    # The instructor, the first learner and the late one.
    assert db.session.scalar(select(func.count()).select_from(ClassMembership)) == 3


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({"due": "2020-01-01T09:00"}, 400, "Choose a due date and time in the future."),
        ({"due": "0001-01-01T00:00"}, 400, "Choose a due date and time in the future."),
        ({"due": "9999-12-31T23:00"}, 400, "Choose a due date within 5 years."),
        ({"due": "next tuesday"}, 400, "Enter the due date and time as shown"),
        ({"due": ""}, 400, "Choose a due date and time."),
        ({"target": "module:no-such-module"}, 400, "Choose a module or lesson from the list."),
        ({"target": "'; DROP TABLE classes; --"}, 400, "Choose a module or lesson from the list."),
        ({"pass_mark": "101"}, 400, "A pass mark goes from 1 to 100%"),
        ({"pass_mark": "lots"}, 400, "A pass mark goes from 1 to 100%"),
        ({"pass_mark": "9" * 400}, 400, "A pass mark goes from 1 to 100%"),
    ],
)
def test_bad_assignments_are_refused_with_a_message(app, db, course, fields, status, message):
    teacher = signed_in(app, create_user(role="instructor"))
    class_url = create_class(teacher)
    data = {"target": "module:module-1", "due": "2030-01-01T09:00", "pass_mark": "", **fields}
    response = teacher.submit(f"{class_url}/assignments/new", data)
    assert response.status_code == status
    assert message in text(response)
    assert db.session.scalar(select(func.count()).select_from(Assignment)) == 0


def test_a_module_assigned_twice_or_retired_is_refused(app, db, course, tmp_path):
    teacher = signed_in(app, create_user(role="instructor"))
    class_url = create_class(teacher)
    data = {"target": "module:module-1", "due": "2030-01-01T09:00", "pass_mark": ""}
    assert teacher.submit(f"{class_url}/assignments/new", data).status_code == 303
    twice = teacher.submit(f"{class_url}/assignments/new", data)
    assert twice.status_code == 409 and "already assigned" in text(twice)
    # Module 2 leaves the content files, so it is retired and can no longer be assigned.
    sync_tree(write_content(tmp_path / "two", modules=2))
    db.session.commit()
    sync_tree(write_content(tmp_path / "one", modules=1))
    db.session.commit()
    retired = teacher.submit(f"{class_url}/assignments/new", {**data, "target": "module:module-2"})
    assert retired.status_code == 400 and "from the list" in text(retired)
    assert db.session.scalar(select(func.count()).select_from(Assignment)) == 1


def test_an_empty_class_exports_a_valid_csv_with_only_the_header(app, db, course):
    teacher = signed_in(app, create_user(role="instructor"))
    class_url = create_class(teacher)
    export = teacher.get(f"{class_url}/gradebook.csv")
    assert export.status_code == 200
    assert export.get_data(as_text=True) == "\ufeffLearner,Email,Leeches\r\n"
    assert "No learner has joined" in text(teacher.get(f"{class_url}/gradebook"))


def test_the_csv_neutralises_names_that_a_spreadsheet_would_run(app, db, course):
    teacher = create_user(role="instructor")
    classroom = classes.create_class(owner=teacher, name="C", description="", time_zone="UTC")
    sly = create_user(display_name='=HYPERLINK("http://evil.example","click")')
    classes.join_class(user=sly, code=classroom.join_code, now=START)
    db.session.commit()
    export = signed_in(app, teacher).get(f"/classes/{classroom.id}/gradebook.csv")
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[1][0] == '\'=HYPERLINK("http://evil.example","click")'


def test_the_gradebook_sorts_by_any_column(app, db, course):
    teacher = create_user(role="instructor")
    classroom = classes.create_class(owner=teacher, name="C", description="", time_zone="UTC")
    assignment = classes.create_assignment(
        classroom=classroom,
        by=teacher,
        target=f"lesson:{LESSON}",
        due_local=datetime(2030, 1, 1),
        pass_mark=None,
        now=START,
    )
    learners = quick_learners(4)
    # Learner n gets one answer in (n + 1) right, so scores fall from the first to the last.
    for n, learner in enumerate(learners):
        class_activity(classroom, [learner], now=START, right_every=n + 1)
    db.session.commit()
    client = signed_in(app, teacher)
    url = f"/classes/{classroom.id}/gradebook"
    by_name = list(rows_of(text(client.get(url))))
    assert by_name == sorted(by_name, key=str.lower)
    best_first = list(rows_of(text(client.get(f"{url}?sort=a{assignment.id}&dir=desc"))))
    assert best_first == [learner.display_name for learner in learners]
    page = text(client.get(f"{url}?sort=a{assignment.id}&dir=desc"))
    assert 'aria-sort="descending"' in page
    assert client.get(f"{url}?sort=nonsense").status_code == 200


def test_removing_a_learner_takes_them_off_the_class_but_keeps_their_progress(
    app, db, course, clock
):
    teacher = create_user(role="instructor")
    classroom = classes.create_class(owner=teacher, name="C", description="", time_zone="UTC")
    learner = create_user(display_name="Eve")
    classes.join_class(user=learner, code=classroom.join_code, now=START)
    db.session.commit()
    eve = signed_in(app, learner)
    attempt_url, _ = take_quiz(eve, RIGHT_ANSWERS, lesson=LESSON)
    t = signed_in(app, teacher)
    class_url = f"/classes/{classroom.id}"
    response = t.submit(f"{class_url}/learners/{learner.id}/remove", {}, form_url=class_url)
    assert response.status_code == 303
    assert "Eve" not in rows_of(text(t.get(f"{class_url}/gradebook")))
    assert eve.get(class_url).status_code == 404
    assert eve.get(attempt_url, follow_redirects=True).status_code == 200


def test_a_co_instructor_sees_the_class_and_a_learner_can_leave(app, db, course, monkeypatch):
    monkeypatch.setitem(app.config, "CLASS_CREATORS", "instructors")
    owner = signed_in(app, create_user(role="instructor"))
    class_url = create_class(owner)
    helper = create_user(role="instructor", email="helper@example.com")
    not_instructor = create_user(email="learner-x@example.com")
    refused = owner.submit(
        f"{class_url}/instructors", {"email": not_instructor.email}, form_url=class_url
    )
    assert refused.status_code == 400 and "No instructor account has that email" in text(refused)
    added = owner.submit(
        f"{class_url}/instructors", {"email": "Helper@Example.com"}, form_url=class_url
    )
    assert added.status_code == 303
    co = signed_in(app, helper)
    assert co.get(f"{class_url}/gradebook").status_code == 200
    again = owner.submit(f"{class_url}/instructors", {"email": helper.email}, form_url=class_url)
    assert again.status_code == 409

    code = join_code_on(owner, class_url)
    learner = signed_in(app, create_user())
    learner.submit("/classes/join", {"code": code}, form_url="/classes")
    assert learner.submit(f"{class_url}/leave", {}, form_url=class_url).status_code == 303
    assert learner.get(class_url).status_code == 404


def test_the_learner_page_shows_the_assigned_work_reviews_and_leeches(app, db, course):
    teacher = create_user(role="instructor")
    classroom = classes.create_class(owner=teacher, name="C", description="", time_zone="UTC")
    classes.create_assignment(
        classroom=classroom,
        by=teacher,
        target=f"lesson:{LESSON}",
        due_local=datetime(2030, 1, 1),
        pass_mark=None,
        now=START,
    )
    [learner] = quick_learners(1)
    class_activity(classroom, [learner], now=START)
    db.session.commit()
    page = text(signed_in(app, teacher).get(f"/classes/{classroom.id}/learners/{learner.id}"))
    assert_accessible(page)
    assert "Lesson 1.1" in page
    # The learner also took Lesson 1.2's quiz, which is not assigned: that stays theirs.
    assert "Lesson 1.2" not in page
    # The factory makes the first learner's cards leeches (8 failures each).
    assert "Leeches" in page and "Which one is right?" in page and "(8 failures)" in page


def test_instructor_pages_run_a_fixed_number_of_queries(app, db, course, count_queries):
    teacher = create_user(role="instructor")
    classroom = classes.create_class(owner=teacher, name="C", description="", time_zone="UTC")
    assignments = [
        classes.create_assignment(
            classroom=classroom,
            by=teacher,
            target=target,
            due_local=datetime(2030, 1, 1),
            pass_mark=50,
            now=START,
        )
        for target in ("module:module-1", f"lesson:{LESSON}")
    ]
    db.session.commit()
    client = signed_in(app, teacher)
    base = f"/classes/{classroom.id}"

    def counts():
        first = db.session.scalar(
            select(ClassMembership.user_id)
            .where(ClassMembership.class_id == classroom.id, ClassMembership.role == "learner")
            .order_by(ClassMembership.id)
        )
        attempt = db.session.scalar(
            select(QuizAttempt.id).where(QuizAttempt.user_id == first).order_by(QuizAttempt.id)
        )
        result = {}
        for url in (
            base,
            f"{base}/gradebook",
            f"{base}/gradebook.csv",
            f"{base}/assignments/{assignments[0].id}",
            f"{base}/assignments/{assignments[0].id}/statistics.csv",
            f"{base}/learners/{first}",
            f"{base}/learners/{first}/attempts/{attempt}",
        ):
            with count_queries() as counter:
                assert client.get(url).status_code == 200, url
            result[url] = counter.count
        # The learner's side of the same evidence: count_queries checks the plans.
        with count_queries():
            assert signed_in(app, db.session.get(User, first)).get("/today").status_code == 200
        return result

    class_activity(classroom, quick_learners(5), now=START)
    db.session.commit()
    small = counts()
    class_activity(classroom, quick_learners(195), now=START)
    db.session.commit()
    assert counts() == small
    # The class page is the dearest: roster, gradebook with recall, weekly progress and forms.
    assert max(small.values()) <= 15, small


def test_the_dashboard_lists_assignments_soonest_first_in_fixed_queries(
    app, db, course, count_queries
):
    learner = create_user()
    client = signed_in(app, learner)

    def today_queries():
        with count_queries() as counter:
            assert client.get("/today").status_code == 200
        return counter.count

    def assign(classroom, teacher, target, day):
        classes.create_assignment(
            classroom=classroom,
            by=teacher,
            target=target,
            due_local=datetime(2030, 1, day, 9),
            pass_mark=None,
            now=START,
        )

    teacher = create_user(role="instructor")
    first = classes.create_class(owner=teacher, name="First", description="", time_zone="UTC")
    classes.join_class(user=learner, code=first.join_code, now=START)
    assign(first, teacher, "lesson:module-1-lesson-2", 20)
    db.session.commit()
    one = today_queries()
    # The user; the learner's finished quizzes and lessons opened, read once for both their
    # progress and their assignments; the catalogue's lessons and questions; the days'
    # activity; an unfinished quiz; the review counts; the assignments; their cards' recall.
    assert one == 10
    second = classes.create_class(owner=teacher, name="Second", description="", time_zone="UTC")
    classes.join_class(user=learner, code=second.join_code, now=START)
    assign(second, teacher, f"lesson:{LESSON}", 3)
    assign(second, teacher, "module:module-1", 10)
    db.session.commit()
    assert today_queries() == one
    page = text(client.get("/today"))
    assert page.index("Lesson 1.1") < page.index("Module 1") < page.index("Lesson 1.2")
    assert page.count("Not started") == 3
    assert db.session.scalar(select(func.count()).select_from(Classroom)) == 2


def test_a_past_assignment_keeps_its_date_when_only_the_pass_mark_changes(app, db, course, clock):
    clock.now = START
    teacher = signed_in(app, create_user(role="instructor"))
    class_url = create_class(teacher, time_zone="UTC")
    data = {"target": f"lesson:{LESSON}", "due": "2026-11-24T17:00", "pass_mark": ""}
    assert teacher.submit(f"{class_url}/assignments/new", data).status_code == 303
    assignment = db.session.scalar(select(Assignment))
    clock.advance(days=3)
    edit_url = f"{class_url}/assignments/{assignment.id}/edit"
    kept = teacher.submit(edit_url, {"due": "2026-11-24T17:00", "pass_mark": "70"})
    assert kept.status_code == 303
    moved = teacher.submit(edit_url, {"due": "2026-11-25T17:00", "pass_mark": "70"})
    assert moved.status_code == 400 and "in the future" in text(moved)
    db.session.expire_all()
    assert db.session.get(Assignment, assignment.id).pass_mark == 70


def test_a_learner_starts_a_class_and_teaches_it(app, db, logged_in, user):
    empty = logged_in.get("/classes").get_data(as_text=True)
    assert "Learning?" in empty and "Create a class: you become its instructor" in empty
    data = {"name": "Night shift leads", "description": "", "time_zone": "Europe/Paris"}
    response = logged_in.submit("/classes/new", data)
    assert response.status_code == 303
    db.session.rollback()
    assert db.session.get(User, user.id).role == "instructor"
    overview = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "Night shift leads" in overview
    gradebook_link = response.headers["Location"] + "/gradebook"
    assert logged_in.get(gradebook_link).status_code == 200


def test_where_only_instructors_create_classes_the_page_says_whom_to_ask(
    app, db, logged_in, monkeypatch
):
    monkeypatch.setitem(app.config, "CLASS_CREATORS", "instructors")
    create_user(email="head@plant.example", role="admin", display_name="Rosa Head")
    page = logged_in.get("/classes").get_data(as_text=True)
    assert "Rosa Head, head@plant.example" in page and "Create a class" not in page
    refused = logged_in.get("/classes/new")
    assert refused.status_code == 403 and "Ask an administrator" in refused.get_data(as_text=True)
    data = {"name": "Sneaky", "description": "", "time_zone": "UTC"}
    token = logged_in.csrf_token("/classes")
    assert logged_in.post("/classes/new", data={"csrf_token": token, **data}).status_code == 403
    db.session.rollback()
    assert db.session.scalar(select(Classroom).where(Classroom.name == "Sneaky")) is None


def test_the_gradebook_csv_is_named_after_the_class_and_its_day(app, db):
    teacher = create_user(role="instructor")
    classroom = classes.create_class(
        owner=teacher, name="Équipe de nuit", description="", time_zone="Pacific/Kiritimati"
    )
    db.session.commit()
    response = signed_in(app, teacher).get(f"/classes/{classroom.id}/gradebook.csv")
    day = local_time(utcnow(), "Pacific/Kiritimati")
    expected = f'attachment; filename="equipe-de-nuit-gradebook-{day:%Y-%m-%d}.csv"'
    assert response.headers["Content-Disposition"] == expected


def test_each_gradebook_column_links_to_its_item_analysis(app, db, tmp_path):
    sync_tree(write_content(tmp_path))
    teacher = create_user(role="instructor")
    classroom = classes.create_class(owner=teacher, name="Line 3", description="", time_zone="UTC")
    learner = create_user()
    classes.join_class(user=learner, code=classroom.join_code, now=utcnow())
    assignment = classes.create_assignment(
        classroom=classroom,
        by=teacher,
        target="module:module-1",
        due_local=datetime(2030, 1, 1, 17, 0),
        pass_mark=None,
        now=utcnow(),
    )
    db.session.commit()
    page = signed_in(app, teacher).get(f"/classes/{classroom.id}/gradebook").get_data(as_text=True)
    header = page[page.index("<thead>") : page.index("</thead>")]
    assert f'href="/classes/{classroom.id}/assignments/{assignment.id}"' in header
    assert f'Statistics<span class="visually-hidden"> of {assignment.title}' in header


def test_the_roster_shows_when_each_learner_joined_and_was_last_active(app, db):
    from datetime import date

    from quizapp.models import ActivityDay

    teacher = create_user(role="instructor")
    classroom = classes.create_class(owner=teacher, name="Line 3", description="", time_zone="UTC")
    busy, idle = create_user(display_name="Busy Bea"), create_user(display_name="Idle Ian")
    for learner, day in ((busy, 3), (idle, 4)):
        classes.join_class(
            user=learner, code=classroom.join_code, now=datetime(2026, 11, day, 9, tzinfo=UTC)
        )
    db.session.add_all(
        [
            ActivityDay(user_id=busy.id, day=date(2026, 11, 20), answers=5, reviews=0),
            ActivityDay(user_id=busy.id, day=date(2026, 11, 28), answers=0, reviews=9),
        ]
    )
    db.session.commit()
    page = signed_in(app, teacher).get(f"/classes/{classroom.id}").get_data(as_text=True)
    assert_accessible(page)
    roster = page[page.index('id="roster-title"') :]
    bea = roster[roster.index("Busy Bea") : roster.index("Idle Ian")]
    assert "03 Nov 2026" in bea and "28 Nov 2026" in bea
    ian = roster[roster.index("Idle Ian") : roster.index("</tbody>")]
    assert "04 Nov 2026" in ian and "Not yet" in ian


def test_a_co_instructor_is_removed_and_loses_the_class_but_the_owner_stays(app, db):
    owner = create_user(role="instructor", display_name="Olga Owner")
    colleague = create_user(role="instructor", display_name="Cal Colleague")
    classroom = classes.create_class(owner=owner, name="Line 3", description="", time_zone="UTC")
    classes.add_instructor(classroom=classroom, email=colleague.email)
    db.session.commit()
    as_owner, as_colleague = signed_in(app, owner), signed_in(app, colleague)
    base = f"/classes/{classroom.id}"
    assert as_colleague.get(f"{base}/gradebook").status_code == 200

    kept = as_colleague.submit(f"{base}/instructors/{owner.id}/remove", {}, form_url=base)
    assert kept.status_code == 400 and "Olga Owner owns Line 3" in kept.get_data(as_text=True)
    removed = as_owner.submit(f"{base}/instructors/{colleague.id}/remove", {}, form_url=base)
    assert removed.status_code == 303
    assert "Cal Colleague no longer teaches Line 3." in as_owner.get(base).get_data(as_text=True)
    # The colleague's open pages are gone for them.
    assert as_colleague.get(f"{base}/gradebook").status_code == 404
    again = as_owner.submit(f"{base}/instructors/{colleague.id}/remove", {}, form_url=base)
    assert again.status_code == 404


def test_an_instructor_can_stop_teaching_a_class_they_do_not_own(app, db):
    owner = create_user(role="instructor")
    colleague = create_user(role="instructor")
    classroom = classes.create_class(owner=owner, name="Line 3", description="", time_zone="UTC")
    classes.add_instructor(classroom=classroom, email=colleague.email)
    db.session.commit()
    browser = signed_in(app, colleague)
    base = f"/classes/{classroom.id}"
    left = browser.submit(f"{base}/instructors/{colleague.id}/remove", {}, form_url=base)
    assert left.status_code == 303 and left.headers["Location"] == "/classes"
    assert browser.get(base).status_code == 404


def test_where_anyone_teaches_any_account_can_be_made_a_co_instructor(app, db):
    owner = create_user(role="instructor")
    classroom = classes.create_class(owner=owner, name="Line 3", description="", time_zone="UTC")
    colleague = create_user(email="colleague@example.com")
    db.session.commit()
    browser = signed_in(app, owner)
    base = f"/classes/{classroom.id}"
    missing = browser.submit(f"{base}/instructors", {"email": "nobody@example.com"}, form_url=base)
    assert missing.status_code == 400 and "No account has that email" in text(missing)
    added = browser.submit(f"{base}/instructors", {"email": colleague.email}, form_url=base)
    assert added.status_code == 303
    assert signed_in(app, colleague).get(f"{base}/gradebook").status_code == 200


def test_the_class_page_offers_the_join_link_as_a_qr_code_and_a_copy_button(app, db):
    owner = create_user(role="instructor")
    classroom = classes.create_class(owner=owner, name="Line 3", description="", time_zone="UTC")
    db.session.commit()
    page = signed_in(app, owner).get(f"/classes/{classroom.id}").get_data(as_text=True)
    assert_accessible(page)
    svg = page[page.index('<svg viewBox="') :]
    svg = svg[: svg.index("</svg>")]
    assert 'class="join-qr"' in svg and "<title>QR code of the join link</title>" in svg
    link = f"http://127.0.0.1:5000/classes/join/{classroom.join_code}"
    assert f'data-copy="{link}" hidden' in page, "shown by the script where it can copy"
    # What the QR code holds is the same link, drawn by segno.
    import segno

    drawn = segno.make(link, error="m").svg_inline(
        scale=4, border=2, svgclass="join-qr", title="QR code of the join link", omitsize=True
    )
    assert drawn in page


def test_assignment_instructions_reach_learners_as_safe_markdown(app, db, tmp_path):
    sync_tree(write_content(tmp_path))
    teacher = create_user(role="instructor")
    classroom = classes.create_class(owner=teacher, name="Line 3", description="", time_zone="UTC")
    learner = create_user()
    classes.join_class(user=learner, code=classroom.join_code, now=utcnow())
    db.session.commit()
    browser = signed_in(app, teacher)
    base = f"/classes/{classroom.id}"
    too_long = browser.submit(
        f"{base}/assignments/new",
        {"target": "module:module-1", "due": "2030-01-01T17:00", "instructions": "x" * 5001},
    )
    assert too_long.status_code == 400 and "Use at most 5000 characters" in text(too_long)
    written = (
        "Read **both** lessons before Friday's stand-up.\n\n"
        "<script>alert(1)</script> [Shift notes](javascript:alert(1))"
    )
    created = browser.submit(
        f"{base}/assignments/new",
        {"target": "module:module-1", "due": "2030-01-01T17:00", "instructions": written},
    )
    assert created.status_code == 303
    assignment = db.session.scalar(select(Assignment))
    for page in ("/today", base):
        shown = text(signed_in(app, learner).get(page))
        assert "Read <strong>both</strong> lessons before Friday" in shown, page
        assert "<script>alert" not in shown and 'href="javascript' not in shown, page
        assert "&lt;script&gt;alert(1)" in shown, "shown as text, never run"
    edit = text(browser.get(f"{base}/assignments/{assignment.id}/edit"))
    assert "Read **both** lessons" in edit, "the form shows the instructions to edit"
    changed = browser.submit(
        f"{base}/assignments/{assignment.id}/edit",
        {"due": "2030-01-01T17:00", "instructions": "Bring your KPI sheet."},
    )
    assert changed.status_code == 303
    assert "Bring your KPI sheet." in text(signed_in(app, learner).get("/today"))
