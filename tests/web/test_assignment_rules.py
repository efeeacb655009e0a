"""Assigned quizzes as a learner meets them: an attempt policy, one status in the same words
on every page that mentions the assignment, and extensions of the due date."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from quizapp.models import AssignmentExtension, QuizAttempt, ReviewCard
from tests.conftest import signed_in
from tests.factories import create_user
from tests.web.pages import RIGHT_ANSWERS, WRONG_ANSWERS
from tests.web.test_classes import create_class, join_code_on, rows_of, text
from tests.web.test_quiz import take_quiz

LESSON = "module-1-lesson-1"
START = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
# Three of six right: 50%, under a pass mark of 80.
HALF_RIGHT = {
    **RIGHT_ANSWERS,
    **{name: WRONG_ANSWERS[name] for name in ("single", "multiple", "truefalse")},
}


def words(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def setup_class(app, clock, **policy):
    """A teacher, a class in Paris assigning the lesson due 1 Dec, and a learner in it."""
    clock.now = START
    teacher = signed_in(app, create_user(role="instructor", display_name="Ines"))
    class_url = create_class(teacher)
    fields = {"target": f"lesson:{LESSON}", "due": "2026-12-01T18:00", "pass_mark": "80"}
    response = teacher.submit(f"{class_url}/assignments/new", {**fields, **policy})
    assert response.status_code == 303, text(response)
    learner = signed_in(app, create_user(display_name="Lea"))
    code = join_code_on(teacher, class_url)
    assert learner.submit("/classes/join", {"code": code}, form_url="/classes").status_code == 303
    return teacher, class_url, learner


def every_page(teacher, class_url, learner, *, lesson_page: bool = True) -> dict[str, str]:
    """What each page that mentions the assignment says about Lea, as text. The lesson's own
    page comes last: opening it is what "Opened" means."""
    export = teacher.get(f"{class_url}/gradebook.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(export.lstrip("\ufeff"))))
    pages = {
        "today": words(text(learner.get("/today"))),
        "class page": words(text(learner.get(class_url))),
        "lessons": words(text(learner.get("/"))),
        "module": words(text(learner.get("/modules/module-1"))),
        "gradebook": rows_of(text(teacher.get(f"{class_url}/gradebook")))["Lea"],
        "csv": rows[1][2],
    }
    if lesson_page:
        pages["lesson"] = words(text(learner.get(f"/lessons/{LESSON}")))
    return pages


def assert_every_page_says(pages: dict[str, str], expected: str) -> None:
    wrong = {page: said for page, said in pages.items() if expected not in said}
    assert not wrong, f"not saying {expected!r}: {wrong}"


def test_every_page_gives_the_same_status_as_the_learner_works(app, db, course, clock):
    teacher, class_url, learner = setup_class(app, clock)
    not_started = every_page(teacher, class_url, learner, lesson_page=False)
    assert_every_page_says(not_started, "Not started")
    learner.get(f"/lessons/{LESSON}")
    assert_every_page_says(every_page(teacher, class_url, learner), "Opened")

    attempt_url, feedback = take_quiz(learner, HALF_RIGHT, lesson=LESSON)
    # Answers come after the attempt: no verdict while it runs; the last answer ends it.
    *during, last = feedback.values()
    assert all("Answer saved" in page and "Not quite" not in page for page in during)
    assert "Answer saved" not in last
    results = text(learner.get(attempt_url, follow_redirects=True))
    assert "You scored 50%" in results and "pass mark 80%" in results
    assert "Below pass mark, 2 attempts left" in results
    assert "Retake the quiz (attempt 2 of 3)" in results and "Right answer:" in results
    pages = every_page(teacher, class_url, learner)
    assert_every_page_says(pages, "Below pass mark, 2 attempts left")
    # The lesson's own "Completed · best score 50%" is not shown beside it any more.
    assert "Completed" not in pages["lessons"] and "Completed" not in pages["lesson"]

    attempt_url, _ = take_quiz(learner, RIGHT_ANSWERS, lesson=LESSON)
    results = text(learner.get(attempt_url, follow_redirects=True))
    assert "Passed on time" in results and "counts as passed" in results
    assert_every_page_says(every_page(teacher, class_url, learner), "Passed on time")


def test_a_learner_past_the_due_date_is_overdue_everywhere_then_passes_late(app, db, course, clock):
    teacher, class_url, learner = setup_class(app, clock)
    clock.advance(days=10)
    assert_every_page_says(every_page(teacher, class_url, learner, lesson_page=False), "Overdue")
    attempt_url, _ = take_quiz(learner, RIGHT_ANSWERS, lesson=LESSON)
    learner.get(attempt_url, follow_redirects=True)
    assert_every_page_says(every_page(teacher, class_url, learner), "Passed late")


def test_practice_before_the_assignment_neither_passes_it_nor_uses_attempts(app, db, course, clock):
    clock.now = START - timedelta(days=1)
    early = signed_in(app, create_user(display_name="Lea"))
    attempt_url, _ = take_quiz(early, RIGHT_ANSWERS, lesson=LESSON)
    early.get(attempt_url, follow_redirects=True)
    teacher, class_url, _ = setup_class(app, clock, attempts="1")
    code = join_code_on(teacher, class_url)
    early.submit("/classes/join", {"code": code}, form_url="/classes")
    lesson = text(early.get(f"/lessons/{LESSON}"))
    assert "Take the quiz (attempt 1 of 1)" in lesson and "Opened" in lesson


def test_used_up_attempts_stop_a_new_one_and_stay_below_the_pass_mark(app, db, course, clock):
    teacher, class_url, learner = setup_class(app, clock, attempts="1")
    attempt_url, _ = take_quiz(learner, HALF_RIGHT, lesson=LESSON)
    results = text(learner.get(attempt_url, follow_redirects=True))
    assert "Below pass mark, no attempts left" in results and "Retake the quiz" not in results
    lesson = text(learner.get(f"/lessons/{LESSON}"))
    assert "You have used all 1 attempt" in lesson and "Take the quiz" not in lesson
    attempts = db.session.scalar(select(func.count()).select_from(QuizAttempt))
    refused = learner.submit(f"/lessons/{LESSON}/quiz", {}, form_url=f"/lessons/{LESSON}")
    assert refused.status_code == 409 and "used all 1 attempt" in text(refused)
    assert db.session.scalar(select(func.count()).select_from(QuizAttempt)) == attempts
    # Final, even after the due date: "Overdue" would say it can still be done.
    clock.advance(days=10)
    assert_every_page_says(
        every_page(teacher, class_url, learner), "Below pass mark, no attempts left"
    )


def test_answers_after_passing_stay_hidden_and_out_of_reviews_until_passed(app, db, course, clock):
    _, _, learner = setup_class(app, clock, answers_shown="after_passing", attempts="unlimited")
    attempt_url, feedback = take_quiz(learner, HALF_RIGHT, lesson=LESSON)
    assert all("once you pass it" in page for page in feedback.values())
    results = text(learner.get(attempt_url, follow_redirects=True))
    assert "Right answer:" not in results and "shown once you pass this quiz" in results
    # Each question's page keeps the verdict to itself too.
    question = text(learner.get(f"{attempt_url}/questions/1"))
    assert "Answer saved" in question and "Right answer" not in question
    assert db.session.scalar(select(func.count()).select_from(ReviewCard)) == 0
    attempt_url, _ = take_quiz(learner, RIGHT_ANSWERS, lesson=LESSON)
    learner.get(attempt_url, follow_redirects=True)
    earlier = learner.get(f"/attempts/{attempt_url.rsplit('/', 1)[1]}/results")
    assert earlier.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(ReviewCard)) == 6


@pytest.mark.parametrize("attempts", ["0", "11", "three", "-1"])
def test_attempt_limits_outside_the_list_are_refused(app, db, course, clock, attempts):
    clock.now = START
    teacher = signed_in(app, create_user(role="instructor"))
    class_url = create_class(teacher)
    fields = {"target": f"lesson:{LESSON}", "due": "2026-12-01T18:00", "attempts": attempts}
    response = teacher.submit(f"{class_url}/assignments/new", fields)
    assert response.status_code == 400
    assert "Choose from 1 to 10 attempts, or unlimited." in text(response)
    assert "assignments/" not in response.headers.get("Location", "")


def test_an_extension_gives_one_learner_their_own_due_date(app, db, course, clock):
    teacher, class_url, learner = setup_class(app, clock)
    other = signed_in(app, create_user(display_name="Max"))
    code = join_code_on(teacher, class_url)
    other.submit("/classes/join", {"code": code}, form_url="/classes")
    assignment_id = re.search(r"/assignments/(\d+)/edit", text(teacher.get(class_url))).group(1)
    page_url = f"{class_url}/assignments/{assignment_id}/extensions"
    lea_id = re.search(
        r'value="(\d+)" id="learner-\d+">\s*<label[^>]*>Lea', text(teacher.get(page_url))
    )
    assert lea_id
    granted = teacher.submit(page_url, {"learners": lea_id.group(1), "due": "2026-12-04T18:00"})
    assert granted.status_code == 303, text(granted)
    assert "Lea" in text(teacher.get(page_url)) and "Fri 04 Dec 2026, 18:00" in text(
        teacher.get(page_url)
    )
    # Past the class's date, before Lea's own.
    clock.now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    today = words(text(learner.get("/today")))
    assert "Not started" in today and "Fri 04 Dec 2026, 18:00" in today
    assert "your extension" in today
    assert "Overdue" in words(text(other.get("/today")))
    book = rows_of(text(teacher.get(f"{class_url}/gradebook")))
    assert "Not started" in book["Lea"] and "Overdue" in book["Max"]
    assert "Own due date (extended)" in book["Lea"] and "extended" not in book["Max"]
    attempt_url, _ = take_quiz(learner, RIGHT_ANSWERS, lesson=LESSON)
    learner.get(attempt_url, follow_redirects=True)
    assert "Passed on time" in rows_of(text(teacher.get(f"{class_url}/gradebook")))["Lea"]

    removed = teacher.submit(f"{page_url}/{lea_id.group(1)}/delete", {}, form_url=page_url)
    assert removed.status_code == 303
    assert "Passed late" in rows_of(text(teacher.get(f"{class_url}/gradebook")))["Lea"]
    again = teacher.submit(f"{page_url}/{lea_id.group(1)}/delete", {}, form_url=page_url)
    assert again.status_code == 404


@pytest.mark.parametrize(
    ("learners", "due", "message"),
    [
        ("STRANGER", "2026-12-04T18:00", "Choose learners of this class from the list"),
        ("abc", "2026-12-04T18:00", "Choose learners of this class from the list"),
        # Beyond a database integer: no account, not an overflow in the driver.
        ("10000001000000", "2026-12-04T18:00", "Choose learners of this class from the list"),
        ("", "2026-12-04T18:00", "Choose at least one learner."),
        ("LEA", "2026-11-30T18:00", "choose a date after the class's due date"),
        ("LEA", "2026-11-20T18:00", "Choose a date and time in the future."),
        ("LEA", "tomorrow", "Enter the due date and time as shown"),
    ],
)
def test_extension_mistakes_are_explained_and_write_nothing(
    app, db, course, clock, learners, due, message
):
    teacher, class_url, _ = setup_class(app, clock)
    stranger = create_user(display_name="Stranger")
    assignment_id = re.search(r"/assignments/(\d+)/edit", text(teacher.get(class_url))).group(1)
    page_url = f"{class_url}/assignments/{assignment_id}/extensions"
    lea = re.search(r'value="(\d+)" id="learner-', text(teacher.get(page_url))).group(1)
    value = {"LEA": lea, "STRANGER": str(stranger.id)}.get(learners, learners)
    response = teacher.submit(page_url, {"learners": value, "due": due})
    assert response.status_code == 400
    assert message in html.unescape(text(response))
    assert db.session.scalar(select(func.count()).select_from(AssignmentExtension)) == 0


def test_the_class_page_links_to_the_learners_who_have_not_started(app, db, course, clock):
    teacher, class_url, learner = setup_class(app, clock)
    code = join_code_on(teacher, class_url)
    for name in ("Max", "Noa"):
        client = signed_in(app, create_user(display_name=name))
        client.submit("/classes/join", {"code": code}, form_url="/classes")
    learner.get(f"/lessons/{LESSON}")
    page = text(teacher.get(class_url))
    link = re.search(r'href="([^"]+)">2 of 3 have not started', page)
    assert link, words(page)
    filtered = text(teacher.get(html.unescape(link.group(1))))
    assert set(rows_of(filtered)) == {"Max", "Noa"}
    assert "Showing the 2 learners of 3 at “Not started”" in filtered
    # A filter that does not parse shows everyone.
    everyone = text(teacher.get(f"{class_url}/gradebook?assignment=x&status=nonsense"))
    assert set(rows_of(everyone)) == {"Lea", "Max", "Noa"}
