"""Running a course unaided (issue 18), as an instructor and their learners meet it: the
roster sorted and downloaded, the class handed to a colleague, archived at the end of the
course and restored, and deleted once its name is typed."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from quizapp.core.classes import local_time
from quizapp.models import (
    ActivityDay,
    Assignment,
    ClassInvitation,
    ClassMembership,
    Classroom,
    LessonProgress,
    OutboxMessage,
    QuizAttempt,
    ReviewCard,
    User,
)
from quizapp.services import classes, invitations
from tests.conftest import BrowserClient, signed_in
from tests.factories import class_activity, create_user, quick_learners
from tests.web.pages import RIGHT_ANSWERS, assert_accessible
from tests.web.test_permissions import database_state
from tests.web.test_quiz import take_quiz

LESSON = "module-1-lesson-1"
START = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
ARCHIVED = "Line 3 is archived: restore it to make changes."
WRONG_NAME = "Type the class name exactly to delete it."


def text(response) -> str:
    return response.get_data(as_text=True)


@dataclass
class Course:
    """Line 3: its owner, a co-instructor, two learners, an assignment, a pending invitation."""

    classroom: Classroom
    owner: User
    colleague: User
    learner: User
    other: User
    assignment: Assignment
    invitation: ClassInvitation

    @property
    def url(self) -> str:
        return f"/classes/{self.classroom.id}"


@pytest.fixture
def line_3(app, db, course, clock) -> Course:
    clock.now = START
    owner = create_user(role="instructor", display_name="Olga Owner", email="olga@example.com")
    colleague = create_user(role="instructor", display_name="Cal Colleague")
    classroom = classes.create_class(
        owner=owner, name="Line 3", description="", time_zone="Europe/Paris"
    )
    classes.add_instructor(classroom=classroom, email=colleague.email)
    learner = create_user(display_name="Lea Learner", email="lea@example.com")
    other = create_user(display_name="Ben Other")
    for person in (learner, other):
        classes.join_class(user=person, code=classroom.join_code, now=START)
    assignment = classes.create_assignment(
        classroom=classroom,
        by=owner,
        target=f"lesson:{LESSON}",
        due_local=datetime(2026, 11, 30, 18, 0),
        pass_mark=None,
        now=START,
    )
    invited = invitations.invite(classroom=classroom, by=owner, text="new@example.com", now=START)
    assert invited.invited == ["new@example.com"]
    db.session.commit()
    invitation = db.session.scalar(select(ClassInvitation))
    return Course(classroom, owner, colleague, learner, other, assignment, invitation)


def count(db, model, *where) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def roster_names(html: str) -> list[str]:
    start = html.index('class="data-table roster-table"')
    table = html[start : html.index("</table>", start)]
    return re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a>', table)


def sorted_header(html: str) -> tuple[str, str] | None:
    """The roster column sorted on, and which way, from its aria-sort."""
    start = html.index('class="data-table roster-table"')
    table = html[start : html.index("</thead>", start)]
    found = re.findall(r'<th scope="col" aria-sort="(\w+)">\s*<a [^>]*>([^<]+)<', table)
    assert len(found) <= 1
    return (found[0][1], found[0][0]) if found else None


# ---------------------------------------------------------------------------------------------
# The roster: sorted and downloaded


def test_the_roster_sorts_by_name_joined_or_last_active_either_way(app, db):
    teacher = create_user(role="instructor")
    classroom = classes.create_class(owner=teacher, name="Line 3", description="", time_zone="UTC")
    # Joined: Cy first, then Ada, then Ben. Last active: Ben, then Cy; Ada never.
    for name, joined in (("Cy", 1), ("ada", 2), ("Ben", 3)):
        person = create_user(display_name=name)
        classes.join_class(
            user=person, code=classroom.join_code, now=datetime(2026, 11, joined, tzinfo=UTC)
        )
        active = {"Ben": date(2026, 11, 20), "Cy": date(2026, 11, 10)}.get(name)
        if active:
            db.session.add(ActivityDay(user_id=person.id, day=active, answers=3))
    db.session.commit()
    client = signed_in(app, teacher)
    url = f"/classes/{classroom.id}"

    def shown(query: str = "") -> tuple[list[str], tuple[str, str] | None]:
        response = client.get(url + query)
        assert response.status_code == 200, query
        return roster_names(text(response)), sorted_header(text(response))

    assert shown() == (["ada", "Ben", "Cy"], ("Learner", "ascending"))
    assert shown("?roster_sort=name&roster_order=desc") == (
        ["Cy", "Ben", "ada"],
        ("Learner", "descending"),
    )
    assert shown("?roster_sort=joined") == (["Cy", "ada", "Ben"], ("Joined", "ascending"))
    assert shown("?roster_sort=joined&roster_order=desc")[0] == ["Ben", "ada", "Cy"]
    # Never active counts as the longest ago.
    assert shown("?roster_sort=active&roster_order=desc") == (
        ["Ben", "Cy", "ada"],
        ("Last active", "descending"),
    )
    assert shown("?roster_sort=active")[0] == ["ada", "Cy", "Ben"]
    # Anything else is names, A to Z, never an error.
    for query in ("?roster_sort=email", "?roster_sort=&roster_order=desc", "?roster_order=up"):
        assert shown(query) == (["ada", "Ben", "Cy"], ("Learner", "ascending")), query
    assert shown("?roster_sort=joined&roster_order=sideways")[1] == ("Joined", "ascending")
    # Each heading links to the other direction of its own column, and says so.
    page = text(client.get(f"{url}?roster_sort=joined"))
    assert f"{url}?roster_sort=joined&amp;roster_order=desc#roster" in page
    assert f"{url}?roster_sort=name&amp;roster_order=asc#roster" in page
    assert 'Joined<span class="visually-hidden">, sort descending</span>' in page
    assert_accessible(page)


def test_the_roster_csv_lists_everyone_with_dates_in_the_class_time_zone(app, db, line_3):
    lea = line_3.learner
    db.session.add(ActivityDay(user_id=lea.id, day=date(2026, 11, 25), reviews=4))
    # A name a spreadsheet would run as a formula is written as text.
    db.session.get(User, line_3.other.id).display_name = "=cmd|' /C calc'!A0"
    db.session.commit()
    client = signed_in(app, line_3.owner)
    overview = text(client.get(line_3.url))
    assert f'href="{line_3.url}/roster.csv" download>Download roster (CSV)</a>' in overview

    response = client.get(f"{line_3.url}/roster.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    day = local_time(START, "Europe/Paris")
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="line-3-roster-{day:%Y-%m-%d}.csv"'
    )
    body = text(response)
    assert body.startswith("\ufeffName,Email,Role,Joined,Last active\r\n")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    # 13:00 in Paris is 12:00 UTC: the class's time zone, not the server's.
    joined = "2026-11-23 13:00"
    taught = {
        user_id: f"{local_time(at, 'Europe/Paris'):%Y-%m-%d %H:%M}"
        for user_id, at in db.session.execute(
            select(ClassMembership.user_id, ClassMembership.joined_at).where(
                ClassMembership.role == "instructor"
            )
        )
    }
    assert rows[1:] == [
        ["Olga Owner", "olga@example.com", "Owner", taught[line_3.owner.id], ""],
        ["Cal Colleague", line_3.colleague.email, "Instructor", taught[line_3.colleague.id], ""],
        ["'=cmd|' /C calc'!A0", line_3.other.email, "Learner", joined, ""],
        ["Lea Learner", "lea@example.com", "Learner", joined, "2026-11-25"],
    ]


def test_a_class_whose_name_leaves_no_file_name_downloads_as_class(app, db):
    teacher = create_user(role="instructor")
    classroom = classes.create_class(owner=teacher, name="夜勤", description="", time_zone="UTC")
    db.session.commit()
    response = signed_in(app, teacher).get(f"/classes/{classroom.id}/roster.csv")
    assert re.fullmatch(
        r'attachment; filename="class-roster-\d{4}-\d{2}-\d{2}\.csv"',
        response.headers["Content-Disposition"],
    )
    assert text(response) == "\ufeffName,Email,Role,Joined,Last active\r\n" + (
        f"{teacher.display_name},{teacher.email},Owner,"
        f"{local_time(classroom.created_at, 'UTC'):%Y-%m-%d %H:%M},\r\n"
    )


def test_the_sorted_roster_and_its_csv_run_a_fixed_number_of_queries(
    app, db, course, count_queries
):
    teacher = create_user(role="instructor")
    classroom = classes.create_class(owner=teacher, name="C", description="", time_zone="UTC")
    db.session.commit()
    client = signed_in(app, teacher)
    base = f"/classes/{classroom.id}"
    urls = (base, f"{base}?roster_sort=active&roster_order=desc", f"{base}/roster.csv")

    def counts() -> dict[str, int]:
        result = {}
        for url in urls:
            with count_queries() as counter:
                assert client.get(url).status_code == 200, url
            result[url] = counter.count
        return result

    class_activity(classroom, quick_learners(4), now=START)
    db.session.commit()
    small = counts()
    class_activity(classroom, quick_learners(60), now=START)
    db.session.commit()
    assert counts() == small
    assert small[f"{base}/roster.csv"] <= 6, small


# ---------------------------------------------------------------------------------------------
# Handing the class over


def test_the_owner_hands_the_class_to_a_co_instructor_and_stays_on(app, db, line_3):
    owner = signed_in(app, line_3.owner)
    page = text(owner.get(line_3.url))
    assert_accessible(page)
    section = page[page.index('id="owner-title"') :]
    assert "Owner only" in section
    options = re.findall(r'<option[^>]*value="(\d+)"[^>]*>([^<]+)</option>', section)
    assert options == [(str(line_3.colleague.id), f"Cal Colleague ({line_3.colleague.email})")]

    data = {"user_id": str(line_3.colleague.id)}
    handed = owner.submit(f"{line_3.url}/owner", data, form_url=line_3.url)
    assert handed.status_code == 303
    after = text(owner.get(handed.headers["Location"]))
    assert "Cal Colleague owns Line 3 now; you still teach it." in after
    assert 'id="owner-title"' not in after, "the owner's section went with the class"
    assert count(db, Classroom, Classroom.owner_id == line_3.colleague.id) == 1
    roles = dict(
        db.session.execute(
            select(ClassMembership.user_id, ClassMembership.role).where(
                ClassMembership.class_id == line_3.classroom.id
            )
        ).all()
    )
    assert roles[line_3.owner.id] == roles[line_3.colleague.id] == "instructor"
    assert "Owner only" in text(signed_in(app, line_3.colleague).get(line_3.url))

    # Sent again (a second click, or a stale page): no longer theirs to give.
    before = database_state(db)
    again = owner.submit(f"{line_3.url}/owner", data, form_url=line_3.url)
    assert again.status_code == 403 and "Only the owner of Line 3" in text(again)
    assert database_state(db) == before


@pytest.mark.parametrize(
    "chosen",
    ["learner", "owner", "outsider", "abc", "", "0", "-3", "99999999999999999999", "2147483648"],
)
def test_only_a_co_instructor_can_be_handed_the_class(app, db, line_3, chosen):
    outsider = create_user(role="instructor")
    ids = {"learner": line_3.learner.id, "owner": line_3.owner.id, "outsider": outsider.id}
    owner = signed_in(app, line_3.owner)
    before = database_state(db)
    refused = owner.submit(
        f"{line_3.url}/owner", {"user_id": str(ids.get(chosen, chosen))}, form_url=line_3.url
    )
    assert refused.status_code == 400
    page = text(refused)
    assert "Choose one of the" in page and "co-instructors" in page
    assert 'aria-invalid="true"' in page, "shown beside the select"
    assert database_state(db) == before


def test_a_co_instructor_or_a_learner_cannot_decide_the_class_fate(app, db, line_3):
    """Handing over, archiving, restoring and deleting are the owner's: a co-instructor and a
    learner of the class are refused (403), an instructor of another class learns nothing
    (404), and nothing changes."""
    stranger = create_user(role="instructor")
    actions = {
        "owner": {"user_id": str(line_3.colleague.id)},
        "archive": {},
        "restore": {},
        "delete": {"confirm_name": "Line 3"},
    }
    people = [(line_3.colleague, 403), (line_3.learner, 403), (stranger, 404)]
    browsers = [(signed_in(app, person), person, status) for person, status in people]
    before = database_state(db)
    for client, person, status in browsers:
        assert client.get(f"{line_3.url}/delete").status_code == status
        for action, data in actions.items():
            response = client.submit(f"{line_3.url}/{action}", data, form_url="/classes")
            assert response.status_code == status, (person.display_name, action)
    assert database_state(db) == before
    colleague_page = text(signed_in(app, line_3.colleague).get(line_3.url))
    assert 'id="owner-title"' not in colleague_page and "Archive Line 3" not in colleague_page


# ---------------------------------------------------------------------------------------------
# Archiving and restoring


def archive(client: BrowserClient, course: Course):
    return client.submit(f"{course.url}/archive", {}, form_url=course.url)


def test_an_archived_class_is_read_only_with_its_reports_kept(app, db, line_3, clock):
    owner = signed_in(app, line_3.owner)
    archived = archive(owner, line_3)
    assert archived.status_code == 303
    page = text(owner.get(line_3.url))
    assert_accessible(page)
    assert "Line 3 is archived: read-only until you restore it." in page
    assert "Archived on 23 Nov 2026.</strong> Read-only: restore it to make changes." in page
    for gone in (
        "Edit details",
        "Make a new code",
        "Assign a module or lesson",
        "Send invitations",
        "Add an instructor",
        "Archive Line 3",
        ">Remove<",
        ">Edit<",
        "Make them the owner",
    ):
        assert gone not in page, gone
    assert "Restore Line 3" in page and "Delete Line 3…" in page
    colleague = signed_in(app, line_3.colleague)
    seen = text(colleague.get(line_3.url))
    assert "Read-only: restore it to make changes." in seen and "Restore Line 3" not in seen
    # The reports are kept, for every instructor.
    for url in (
        "/gradebook",
        "/gradebook.csv",
        "/roster.csv",
        f"/assignments/{line_3.assignment.id}",
        f"/learners/{line_3.learner.id}",
    ):
        assert colleague.get(line_3.url + url).status_code == 200, url

    # Every change is refused with the reason, for every one, and changes nothing.
    a, lea = line_3.assignment.id, line_3.learner.id
    tries = [
        (owner, "/edit", {"name": "Renamed", "description": "", "time_zone": "UTC"}),
        (owner, "/code/new", {}),
        (owner, "/code/close", {}),
        (owner, "/instructors", {"email": "someone@example.com"}),
        (owner, f"/learners/{lea}/remove", {}),
        (owner, f"/instructors/{line_3.colleague.id}/remove", {}),
        (colleague, f"/instructors/{line_3.colleague.id}/remove", {}),
        (owner, "/assignments/new", {"target": "module:module-1", "due": "2030-01-01T09:00"}),
        (owner, f"/assignments/{a}/edit", {"due": "2030-01-01T09:00", "pass_mark": "70"}),
        (colleague, f"/assignments/{a}/delete", {}),
        (owner, f"/assignments/{a}/remind", {}),
        (owner, "/invitations", {"addresses": "another@example.com"}),
        (owner, f"/invitations/{line_3.invitation.id}/revoke", {}),
        (owner, "/owner", {"user_id": str(line_3.colleague.id)}),
        (signed_in(app, line_3.learner), "/leave", {}),
    ]
    newcomer = signed_in(app, create_user())
    newcomer.csrf_token("/classes")
    before = database_state(db)
    for client, tail, data in tries:
        response = client.submit(line_3.url + tail, data, form_url="/classes")
        assert response.status_code == 409, (tail, response.status_code)
        assert ARCHIVED in text(response), tail
        assert database_state(db) == before, tail
    edit_page = owner.get(f"{line_3.url}/edit")
    assert edit_page.status_code == 409 and ARCHIVED in text(edit_page)
    again = archive(owner, line_3)
    assert again.status_code == 409 and ARCHIVED in text(again)

    # Nobody joins it with its code.
    code = line_3.classroom.join_code
    joined = newcomer.submit("/classes/join", {"code": code}, form_url="/classes")
    assert joined.status_code == 409
    assert "Line 3 is archived: it takes no new learners." in text(joined)
    assert database_state(db) == before


def test_an_archived_class_leaves_its_learners_today_and_reminders(app, db, line_3, clock):
    lea = db.session.get(User, line_3.learner.id)
    lea.reminder_hour, lea.remind_due_soon, lea.email_verified_at = 7, True, START
    db.session.commit()
    learner = signed_in(app, line_3.learner)
    assert "Your assignments" in text(learner.get("/today"))
    assert archive(signed_in(app, line_3.owner), line_3).status_code == 303

    assert "Your assignments" not in text(learner.get("/today"))
    # 07:05 in the learner's zone (UTC) on the day the assignment falls due (18:00 in Paris).
    clock.now = datetime(2026, 11, 30, 7, 5, tzinfo=UTC)
    result = app.test_cli_runner().invoke(args=["reminders", "queue"])
    assert result.output.startswith("0 reminder(s) queued"), result.output
    # Learners find it apart on their Classes page, and read-only.
    index = text(learner.get("/classes"))
    archived_section = index[index.index('id="archived-title"') :]
    assert "Line 3" in archived_section and "you were in it" in archived_section
    assert "Line 3" not in index[: index.index('id="archived-title"')]
    own_page = text(learner.get(line_3.url))
    assert "Archived on" in own_page and "Leave Line 3" not in own_page
    teacher_index = text(signed_in(app, line_3.colleague).get("/classes"))
    assert "you taught it" in teacher_index[teacher_index.index('id="archived-title"') :]

    # Restored, it is back where it was, reminders included.
    owner = signed_in(app, line_3.owner)
    restored = owner.submit(f"{line_3.url}/restore", {}, form_url=line_3.url)
    assert restored.status_code == 303
    assert "Line 3 is restored: it can be changed again." in text(owner.get(line_3.url))
    assert "Your assignments" in text(learner.get("/today"))
    result = app.test_cli_runner().invoke(args=["reminders", "queue"])
    assert "1 due soon" in result.output, result.output
    assert 'id="archived-title"' not in text(learner.get("/classes"))


def test_restoring_a_class_that_is_not_archived_is_refused(app, db, line_3):
    owner = signed_in(app, line_3.owner)
    before = database_state(db)
    refused = owner.submit(f"{line_3.url}/restore", {}, form_url=line_3.url)
    assert refused.status_code == 409 and "Line 3 is not archived." in text(refused)
    assert database_state(db) == before
    assert archive(owner, line_3).status_code == 303
    assert owner.submit(f"{line_3.url}/restore", {}, form_url="/classes").status_code == 303
    assert owner.submit(f"{line_3.url}/restore", {}, form_url="/classes").status_code == 409
    # Its join code works again.
    joiner = signed_in(app, create_user())
    code = line_3.classroom.join_code
    assert joiner.submit("/classes/join", {"code": code}, form_url="/classes").status_code == 303


# ---------------------------------------------------------------------------------------------
# Deleting


def test_deleting_takes_the_exact_name_and_leaves_learners_their_progress(app, db, line_3):
    class_id, url = line_3.classroom.id, line_3.url  # read before the row is gone
    learner = signed_in(app, line_3.learner)
    attempt_url, _ = take_quiz(learner, RIGHT_ANSWERS, lesson=LESSON)
    lea = line_3.learner.id
    progress = {
        model: count(db, model, model.user_id == lea)
        for model in (LessonProgress, QuizAttempt, ReviewCard, ActivityDay)
    }
    assert all(progress.values()), progress
    assert count(db, OutboxMessage, OutboxMessage.recipient == "new@example.com") == 1

    owner = signed_in(app, line_3.owner)
    page = owner.get(f"{url}/delete")
    assert page.status_code == 200
    shown = text(page)
    assert_accessible(shown)
    for words in ("2 learners", "1 co-instructor", "1 assignment", "1 pending invitation"):
        assert words in shown, words
    assert "Learners keep their own progress" in shown

    before = database_state(db)
    for typed in ("line 3", "Line", "Line 3.", "Line  3", "", "   ", "L" * 500):
        wrong = owner.submit(f"{url}/delete", {"confirm_name": typed})
        assert wrong.status_code == 400, typed
        assert WRONG_NAME in text(wrong) and "2 learners" in text(wrong), typed
        assert database_state(db) == before, typed

    deleted = owner.submit(f"{url}/delete", {"confirm_name": "  Line 3 "})
    assert deleted.status_code == 303 and deleted.headers["Location"] == "/classes"
    assert "Deleted Line 3." in text(owner.get("/classes"))
    assert count(db, Classroom, Classroom.id == class_id) == 0
    for model in (ClassMembership, Assignment, ClassInvitation):
        assert count(db, model, model.class_id == class_id) == 0, model.__name__
    # The invitation's message, not yet sent, is withdrawn with it.
    assert count(db, OutboxMessage, OutboxMessage.recipient == "new@example.com") == 0
    assert {model: count(db, model, model.user_id == lea) for model in progress} == progress
    assert learner.get(url).status_code == 404
    assert learner.get(attempt_url, follow_redirects=True).status_code == 200
    # The people stay; only the class went.
    assert count(db, User) == 4
    again = owner.submit(f"{url}/delete", {"confirm_name": "Line 3"}, form_url="/classes")
    assert again.status_code == 404


def test_an_archived_class_can_be_deleted_by_its_owner(app, db, line_3):
    owner = signed_in(app, line_3.owner)
    assert archive(owner, line_3).status_code == 303
    page = text(owner.get(f"{line_3.url}/delete"))
    assert "archive it</a> instead" not in page
    deleted = owner.submit(f"{line_3.url}/delete", {"confirm_name": "Line 3"})
    assert deleted.status_code == 303
    assert count(db, Classroom) == 0


def test_deleting_another_owners_class_finds_nothing(app, db, line_3):
    other = create_user(role="instructor")
    mine = classes.create_class(owner=other, name="Line 3", description="", time_zone="UTC")
    db.session.commit()
    client = signed_in(app, other)
    client.csrf_token(f"/classes/{mine.id}")
    before = database_state(db)
    response = client.submit(
        f"{line_3.url}/delete", {"confirm_name": "Line 3"}, form_url=f"/classes/{mine.id}"
    )
    assert response.status_code == 404
    assert database_state(db) == before


def test_mail_already_tried_stays_with_its_sender(app, db, line_3, clock):
    """Only mail about the class that no sender has tried yet goes with it."""
    db.session.execute(
        OutboxMessage.__table__.update()
        .where(OutboxMessage.recipient == "new@example.com")
        .values(attempts=1, next_attempt_at=START + timedelta(minutes=5))
    )
    db.session.commit()
    owner = signed_in(app, line_3.owner)
    deleted = owner.submit(f"{line_3.url}/delete", {"confirm_name": "Line 3"})
    assert deleted.status_code == 303
    assert count(db, OutboxMessage, OutboxMessage.recipient == "new@example.com") == 1
