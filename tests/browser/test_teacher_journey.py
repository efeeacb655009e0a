"""Issue 18's "done when", played in Chromium by a teacher who has just signed up: they create
a class, invite three people by mail (one newcomer, two account holders), assign a lesson
with a pass mark of 80, three attempts, answers after the attempt and the best score
counting, and give one learner an extension. That learner fails the quiz (two wrong) and sees
"Below pass mark, 2 attempts left" on every page that shows the assignment, the teacher in
the gradebook and its CSV; the retake passes ("Passed on time"). The teacher archives the
class (it leaves the learner's Today) and restores it (it comes back).

Mail is delivered as in test_mail_journey.py: the pages queue it, the test runs `flask mail
send`, a real SMTP server in the test process receives it, and its links are opened as they
are. Screenshots at 390 and 1280 px go to test-output/screenshots/teacher-journey-*.png."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta

from quizapp.db import utcnow
from tests.browser import test_mail_journey
from tests.browser.journeys import (
    ASSIGNED_LESSON,
    classes_page,
    flash,
    heading,
    nav,
    register,
    unique,
)
from tests.browser.support import PASSWORD, course, expect, fill_answer, prompt_on
from tests.browser.test_mail_journey import deliver, link_to
from tests.factories import create_user
from tests.smtp import text_of

# The mail journey's fixtures, by name: a new visitor at 390 or 1280 px, screenshots named
# `<page>-<pixels>.png`, and the SMTP server the live server's mail goes to.
open_page = test_mail_journey.open_page
shots = test_mail_journey.shots
mailbox = test_mail_journey.mailbox

BELOW = "Below pass mark, 2 attempts left"
PASSED = "Passed on time"
INSTRUCTIONS = """Read **the whole lesson** before you start.

- Note the three reports of the late day
- Then take the quiz: 80% passes"""


def no_stop(*_) -> None:
    pass


def fill_password_twice(page) -> None:
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)


def take_assigned_quiz(page, *, start: str, wrong: int = 0) -> None:
    """From the lesson or the score page: press `start`, answer every question (the first
    `wrong` of them wrongly), each answer only saved, without a verdict, until the last one
    ends the attempt; ends on the score."""
    page.get_by_role("button", name=start, exact=True).click()
    while True:
        position = page.locator(".quiz-position span").inner_text()
        number, total = map(int, re.fullmatch(r"Question (\d+) of (\d+)", position).groups())
        spec = course().spec_for(prompt_on(page))
        right = number > wrong
        fill_answer(page, spec, right=right)
        page.get_by_role("button", name="Check answer").click()
        expect(page.locator(".prompt-echo")).to_have_text(spec.prompt.strip())
        if number == total:
            # The last answer finishes the attempt: its verdict shows, as the score will.
            expect(heading(page, "Right!" if right else "Not quite")).to_be_visible()
            page.get_by_role("link", name="See your score").click()
            return
        # Saved, with no verdict and no right answer: those come when the attempt ends.
        expect(heading(page, "Answer saved")).to_be_visible()
        expect(page.locator("main")).to_contain_text("you see what was right when you finish it")
        for verdict in ("Right!", "Not quite", re.compile(r"^Partly right")):
            expect(heading(page, verdict)).to_have_count(0)
        expect(page.get_by_text("Right answer", exact=True)).to_have_count(0)
        page.get_by_role("link", name="Next question").click()
        expect(page.locator(".quiz-position span")).to_have_text(
            f"Question {number + 1} of {total}"
        )


def gradebook_csv(teacher, class_id: str) -> dict[str, dict[str, str]]:
    """The gradebook's CSV fetched with the teacher's cookies, by learner name."""
    response = teacher.request.get(f"/classes/{class_id}/gradebook.csv")
    assert response.ok, response.status
    assert response.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(response.text().lstrip("\ufeff"))))
    header, rows = table[0], table[1:]
    return {cells[0]: dict(zip(header, cells, strict=True)) for cells in rows}


def test_a_new_teacher_invites_assigns_extends_grades_and_archives(
    open_page, shots, mailbox, server, app_db
):
    app = server.app
    title = course().lesson_titles[ASSIGNED_LESSON]

    def stop(page, name: str) -> None:
        shots(page, f"teacher-journey-{name}")

    # Two people who already have (confirmed) accounts.
    members = {}
    for key in ("omar", "pia"):
        name = unique(key.capitalize())
        user = create_user(email=f"{name.lower()}@example.com", display_name=name)
        user.email_verified_at = utcnow()
        members[key] = (name, user.email)
    app_db.session.commit()
    app_db.session.close()  # no read transaction left open while the server writes
    newcomer = unique("Nia")
    newcomer_email = f"{newcomer.lower()}@example.com"

    # 1. A new account signs up, opens Classes and creates a class.
    teacher_name = unique("Tess")
    teacher = open_page()
    register(teacher, no_stop, email=f"{teacher_name.lower()}@example.com", name=teacher_name)
    classes_page(teacher)
    expect(heading(teacher, "Classes")).to_be_visible()
    expect(teacher.get_by_text("You do not teach a class yet.")).to_be_visible()
    teacher.get_by_role("link", name="Create a class").click()
    expect(heading(teacher, "Create a class")).to_be_visible()
    class_name = unique("Late shift")
    teacher.get_by_label("Class name").fill(class_name)
    teacher.get_by_label("Description").fill("Line 2 supervisors, spring intake")
    teacher.get_by_label("Time zone").select_option("Europe/Paris")
    teacher.get_by_role("button", name="Create the class").click()
    expect(heading(teacher, class_name)).to_be_visible()
    flash(teacher, f"{class_name} is ready.")
    expect(teacher).to_have_url(re.compile(r"/classes/\d+$"))
    class_url = teacher.url
    class_id = class_url.rsplit("/", 1)[1]

    # 2. Three invitations by mail: a newcomer and the two account holders.
    invite = teacher.locator("section", has=heading(teacher, "Invite by email", level=2))
    invite.get_by_label("Email addresses").fill(
        f"{newcomer_email}, {members['omar'][1]}\n{members['pia'][1]}"
    )
    invite.get_by_role("button", name="Send invitations").click()
    flash(teacher, "3 invitations sent")
    expect(teacher.get_by_role("heading", name="Waiting for an answer (3)")).to_be_visible()
    stop(teacher, "class")

    deliver(app)
    letters = {}
    for email in (newcomer_email, members["omar"][1], members["pia"][1]):
        letter = mailbox.only_to(email)
        assert letter["Subject"] == f"{teacher_name} invites you to {class_name} on quizapp"
        letters[email] = letter
    assert "create your free account with this address" in text_of(letters[newcomer_email])
    assert "log in if you are asked to" in text_of(letters[members["omar"][1]])

    # The newcomer signs up from the link and lands in the class.
    learner = open_page()
    learner.goto(link_to(letters[newcomer_email], "/invitations/"))
    expect(heading(learner, f"Join {class_name}")).to_be_visible()
    learner.get_by_role("link", name="Create an account and join").click()
    expect(heading(learner, "Create your account")).to_be_visible()
    expect(learner.get_by_label("Email")).to_have_value(newcomer_email)
    learner.get_by_label("Display name").fill(newcomer)
    fill_password_twice(learner)
    learner.get_by_role("button", name="Create account").click()
    expect(heading(learner, f"Join {class_name}")).to_be_visible()
    learner.get_by_role("button", name=f"Join {class_name}").click()
    flash(learner, f"Welcome to {class_name}.")
    expect(heading(learner, class_name)).to_be_visible()
    expect(learner.get_by_text("Nothing is assigned yet.")).to_be_visible()

    # Omar, who has an account, logs in from the link and joins; Pia does not answer.
    omar_name, omar_email = members["omar"]
    omar = open_page()
    omar.goto(link_to(letters[omar_email], "/invitations/"))
    omar.get_by_role("link", name="Log in to join").click()
    expect(heading(omar, "Log in")).to_be_visible()
    omar.get_by_label("Email").fill(omar_email)
    omar.get_by_label("Password").fill(PASSWORD)
    omar.get_by_role("button", name="Log in").click()
    expect(heading(omar, f"Join {class_name}")).to_be_visible()
    omar.get_by_role("button", name=f"Join {class_name}").click()
    flash(omar, f"Welcome to {class_name}.")
    expect(heading(omar, class_name)).to_be_visible()

    teacher.reload()
    expect(teacher.get_by_role("heading", name="Learners (2)")).to_be_visible()
    roster = teacher.locator(".roster-table")
    expect(roster).to_contain_text(newcomer)
    expect(roster).to_contain_text(omar_name)
    expect(teacher.get_by_role("heading", name="Waiting for an answer (1)")).to_be_visible()
    expect(teacher.locator("#invitations")).to_contain_text(members["pia"][1])

    # 3. The assignment: a pass mark of 80, 3 attempts, answers after the attempt, the best.
    teacher.get_by_role("link", name="Assign a module or lesson").click()
    expect(heading(teacher, "Assign a module or lesson")).to_be_visible()
    teacher.get_by_label("Module or lesson", exact=True).select_option(label=title)
    due = (datetime.now() + timedelta(days=7)).replace(hour=18, minute=0)
    teacher.get_by_label("Due").fill(due.strftime("%Y-%m-%dT%H:%M"))
    teacher.get_by_label("Pass mark (%)").fill("80")
    teacher.get_by_label("Attempts allowed").select_option(label="3")
    teacher.get_by_label("Right answers shown").select_option(label="After the attempt")
    teacher.get_by_label("Score that counts").select_option(label="The best attempt")
    teacher.get_by_label("Instructions").fill(INSTRUCTIONS)
    # The workload follows the target and due date, without the button pages without
    # JavaScript press (issue 21).
    workload = teacher.locator(".workload-panel")
    expect(workload).to_contain_text(re.compile(r"A typical learner: about .* a day, .*, until"))
    expect(workload).to_contain_text(due.strftime("until %d %b."))
    expect(teacher.get_by_role("button", name="Show workload")).to_be_hidden()
    stop(teacher, "assignment-form")
    teacher.get_by_role("button", name="Assign").click()
    flash(teacher, f"“{title}” is assigned.")
    assignments = teacher.locator("section", has=heading(teacher, "Assignments", level=2))
    row = assignments.get_by_role("row", name=re.compile(re.escape(title)))
    expect(row).to_contain_text(due.strftime("%d %b %Y, 18:00"))
    expect(row).to_contain_text("80%")
    stop(teacher, "class-assigned")

    # 4. An extension for the newcomer, from the gradebook's "By assignment" list.
    teacher.get_by_role("navigation", name="Class pages").get_by_role(
        "link", name="Gradebook"
    ).click()
    expect(heading(teacher, "Gradebook")).to_be_visible()
    by_assignment = teacher.locator("section", has=heading(teacher, "By assignment", level=2))
    by_assignment.get_by_role("link", name=f"Extensions for {title}").click()
    expect(heading(teacher, f"Extensions for “{title}”")).to_be_visible()
    expect(teacher.get_by_text("Nobody has an extension yet.")).to_be_visible()
    teacher.get_by_role("checkbox", name=re.compile(re.escape(newcomer))).check()
    later = due + timedelta(days=3)
    teacher.get_by_label("New due date").fill(later.strftime("%Y-%m-%dT%H:%M"))
    stop(teacher, "extensions")
    teacher.get_by_role("button", name="Give more time").click()
    flash(teacher, f"1 learner has until {later.strftime('%a %d %b %Y, 18:00')}.")
    granted = teacher.get_by_role("region", name="Learners with more time")
    expect(granted.get_by_role("listitem")).to_have_count(1)
    expect(granted).to_contain_text(newcomer)
    expect(granted).to_contain_text(f"until {later.strftime('%a %d %b %Y, 18:00')}")
    # The assignment's edit page links here too.
    teacher.get_by_role("link", name="Back to the assignment").click()
    expect(heading(teacher, f"Edit “{title}”")).to_be_visible()
    expect(
        teacher.get_by_role("link", name="Give chosen learners more time (extensions)")
    ).to_be_visible()

    # 5. The newcomer sees the assignment with their own date and instructions, and fails.
    nav(learner, "Today")
    mine = learner.locator(".today-assignments .assignment")
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text("Not started")
    expect(mine).to_contain_text(f"Due {later.strftime('%a %d %b %Y, 18:00')}")
    expect(mine).to_contain_text("your extension")
    expect(mine.locator(".assignment-instructions strong")).to_have_text("the whole lesson")
    expect(mine.locator(".assignment-instructions li")).to_have_count(2)
    stop(learner, "today-learner")
    mine.get_by_role("link", name=title).click()
    expect(heading(learner, title)).to_be_visible()
    expect(learner.locator("main")).to_contain_text(
        "3 attempts, the best one counts; answers shown after the attempt"
    )
    # The first two questions wrong (the opening decision among them), the others right:
    # under the pass mark (a reversed order can still earn part of its mark).
    take_assigned_quiz(learner, start="Take the quiz (attempt 1 of 3)", wrong=2)
    scored = learner.get_by_role("heading", name=re.compile(r"^You scored \d+%$"))
    expect(scored).to_be_visible()
    failed = scored.inner_text().removeprefix("You scored ")
    assert int(failed.rstrip("%")) < 80
    verdict = learner.locator(".assignment-verdict")
    expect(verdict).to_contain_text(BELOW)
    expect(verdict).to_contain_text("pass mark 80%")
    expect(heading(learner, "To look at again", level=2)).to_be_visible()
    expect(learner.locator(".missed-list > li")).to_have_count(2)
    stop(learner, "results-below-pass-mark")
    results_url = learner.url

    # The same words wherever the learner meets the assignment.
    nav(learner, "Today")
    expect(mine).to_contain_text(BELOW)
    expect(mine).to_contain_text(f"score {failed}")
    classes_page(learner)
    learner.get_by_role("link", name=class_name, exact=True).click()
    expect(heading(learner, class_name)).to_be_visible()
    expect(learner.locator(".assignment-list .assignment")).to_contain_text(BELOW)
    nav(learner, "Learn")
    expect(heading(learner, "What does a production manager do?")).to_be_visible()
    listed = learner.locator(
        ".lesson-list > li", has=learner.get_by_role("link", name=title, exact=True)
    )
    expect(listed).to_contain_text(BELOW)
    listed.get_by_role("link", name=title, exact=True).click()
    expect(heading(learner, title)).to_be_visible()
    expect(learner.locator(".lesson header")).to_contain_text(BELOW)
    expect(learner.get_by_role("button", name="Take the quiz (attempt 2 of 3)")).to_be_visible()

    teacher.goto(f"/classes/{class_id}/gradebook")
    book = teacher.get_by_role(
        "table", name=re.compile(rf"^{re.escape(class_name)}: 2 learners by 1 assignment$")
    )
    expect(book.get_by_role("row", name=re.compile(re.escape(newcomer)))).to_contain_text(BELOW)
    expect(book.get_by_role("row", name=re.compile(re.escape(omar_name)))).to_contain_text(
        "Not started"
    )
    stop(teacher, "gradebook")
    sheet = gradebook_csv(teacher, class_id)
    assert sheet[newcomer][f"{title} (lesson): status"] == BELOW
    assert sheet[newcomer][f"{title} (lesson): score %"] == failed.rstrip("%")
    assert sheet[omar_name][f"{title} (lesson): status"] == "Not started"

    # 6. The retake passes.
    learner.goto(results_url)
    take_assigned_quiz(learner, start="Retake the quiz (attempt 2 of 3)")
    expect(heading(learner, "You scored 100%")).to_be_visible()
    expect(learner.locator(".assignment-verdict")).to_contain_text(PASSED)
    nav(learner, "Today")
    expect(mine).to_contain_text(PASSED)
    expect(mine).to_contain_text("score 100%")
    teacher.reload()
    expect(book.get_by_role("row", name=re.compile(re.escape(newcomer)))).to_contain_text(PASSED)
    stop(teacher, "gradebook-passed")
    sheet = gradebook_csv(teacher, class_id)
    assert sheet[newcomer][f"{title} (lesson): status"] == PASSED
    assert sheet[newcomer][f"{title} (lesson): score %"] == "100"

    # 7. Archived, the class is read-only and leaves the learner's Today; restored, it is back.
    teacher.goto(class_url)
    owner = teacher.locator("section", has=heading(teacher, "Owner only", level=2))
    owner.get_by_role("button", name=f"Archive {class_name}").click()
    flash(teacher, f"{class_name} is archived: read-only until you restore it.")
    expect(teacher.locator("#archived")).to_contain_text("Read-only: restore it to make changes.")
    expect(teacher.get_by_role("link", name="Assign a module or lesson")).to_have_count(0)
    expect(teacher.get_by_role("heading", name="Invite by email")).to_have_count(0)
    stop(teacher, "class-archived")
    learner.reload()
    expect(heading(learner, f"Hello, {newcomer}")).to_be_visible()
    expect(learner.get_by_role("heading", name="Your assignments")).to_have_count(0)
    expect(mine).to_have_count(0)

    owner.get_by_role("button", name=f"Restore {class_name}").click()
    flash(teacher, f"{class_name} is restored: it can be changed again.")
    expect(teacher.locator("#archived")).to_have_count(0)
    expect(teacher.get_by_role("link", name="Assign a module or lesson")).to_be_visible()
    learner.reload()
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text(title)
    expect(mine).to_contain_text(PASSED)

    assert {"class", "assignment-form", "extensions", "gradebook"} <= {
        name.removeprefix("teacher-journey-") for name in shots.visited
    }
    shots.assert_accessible()
