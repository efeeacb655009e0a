"""The journeys, step by step through the pages, each step checking what the user sees.

Each journey calls `stop(page, name)` at every main page: the journey tests take screenshots
and check the phone layout there, the accessibility test runs axe there instead."""

from __future__ import annotations

import csv
import re
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from quizapp.core.classes import file_slug
from quizapp.core.questions import QUESTION_TYPES
from tests.browser.support import (
    PASSWORD,
    Stop,
    catalogue,
    course,
    expect,
    fill_answer,
    prompt_on,
    words,
)

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from tests.conftest import Clock

# A lesson whose quiz has a question of each type, numeric and a case study included, and
# one for the keyboard; each attempt asks 6 of their 10 questions, opening with the decision.
ALL_TYPES_LESSON = "certifications-quality-improvement"
KEYBOARD_LESSON = "job-market-case-studies"
# A quiz to assign to a class.
ASSIGNED_LESSON = "day-in-the-life-late-day-reporting"
ALL_TYPES = set(QUESTION_TYPES)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def heading(page: Page, name: str | re.Pattern, level: int = 1):
    return page.get_by_role("heading", level=level, name=name)


def flash(page: Page, text: str) -> None:
    expect(page.locator(".flashes")).to_contain_text(text)


def nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name).click()


def classes_page(page: Page) -> None:
    """Classes: a tab once in a class or teaching one, else through Account (join or start)."""
    tab = page.get_by_role("navigation", name="Main").get_by_role("link", name="Classes")
    if tab.count():
        tab.click()
    else:
        nav(page, "Account")
        page.get_by_role("link", name="Join or start a class").click()
    expect(heading(page, "Classes")).to_be_visible()


def log_out(page: Page) -> None:
    """From Account, where the page has the button on a phone and the header on a wide
    screen. After the load event: until the stylesheet applies, both count as shown."""
    nav(page, "Account")
    expect(heading(page, "Account and settings")).to_be_visible()
    page.wait_for_load_state("load")
    page.get_by_role("button", name=re.compile(r"^Log out")).click()


def register(page: Page, stop: Stop, *, email: str, name: str) -> None:
    """From the catalogue, as a visitor: sign up through the form, landing on Today."""
    page.goto("/")
    expect(heading(page, "What does a production manager do?")).to_be_visible()
    page.get_by_role("link", name="Sign up to track your progress").click()
    expect(heading(page, "Create your account")).to_be_visible()
    # timezone.js picked the browser's own zone.
    expect(page.get_by_label("Time zone")).to_have_value("Europe/Paris")
    stop(page, "register")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Display name").fill(name)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(heading(page, f"Hello, {name}")).to_be_visible()
    flash(page, f"Welcome, {name}! Your account is ready.")


def log_in(page: Page, stop: Stop | None, *, email: str, name: str) -> None:
    page.goto("/account/login")
    expect(heading(page, "Log in")).to_be_visible()
    if stop:
        stop(page, "login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(heading(page, f"Hello, {name}")).to_be_visible()


def open_lesson(page: Page, slug: str, stop: Stop | None = None) -> None:
    """Through the catalogue, by the lesson's title."""
    title = course().lesson_titles[slug]
    nav(page, "Learn")
    expect(heading(page, "What does a production manager do?")).to_be_visible()
    if stop:
        stop(page, "catalogue")
    page.get_by_role("link", name=title, exact=True).click()
    expect(heading(page, title)).to_be_visible()


def take_quiz(
    page: Page,
    stop: Stop | None = None,
    *,
    wrong: str | None = None,
    start: str | re.Pattern = re.compile(r"^Take the quiz"),
) -> set[str]:
    """From a lesson: take its quiz to the score, every answer right except the first
    question of type `wrong`. Stops at the first question and feedback of each type; returns
    the types seen."""
    page.get_by_role("button", name=start).click()
    seen: set[str] = set()
    while True:
        position = page.locator(".quiz-position span").inner_text()
        number, total = map(int, re.fullmatch(r"Question (\d+) of (\d+)", position).groups())
        spec = course().spec_for(prompt_on(page))
        kind = spec.type_name
        first_of_kind = kind not in seen
        if stop and first_of_kind:
            stop(page, f"quiz-question-{kind}")
        right = not (kind == wrong and first_of_kind)
        fill_answer(page, spec, right=right)
        page.get_by_role("button", name="Check answer").click()
        verdict = "Right!" if right else re.compile(r"^(Not quite|Partly right \(\d+%\))$")
        expect(heading(page, verdict)).to_be_visible()
        expect(page.locator(".prompt-echo")).to_have_text(spec.prompt.strip())
        expect(heading(page, "Why", level=2)).to_be_visible()
        if not right:  # a choice question: the pick marked wrong, with its feedback
            expect(page.locator(".tag-wrong").first).to_have_text("Wrong")
            expect(page.locator(".tag-right").first).to_have_text("Right answer")
            feedback = next(c.feedback for c in spec.choices if not c.correct)
            if feedback:
                expect(page.get_by_text(words(feedback), exact=True)).to_be_visible()
        if stop and first_of_kind:
            stop(page, f"quiz-feedback-{kind}")
        seen.add(kind)
        if number == total:
            page.get_by_role("link", name="See your score").click()
            return seen
        page.get_by_role("link", name="Next question").click()
        expect(page.locator(".quiz-position span")).to_have_text(
            f"Question {number + 1} of {total}"
        )


def answer_review_card(page: Page, *, rating: str = "Good") -> str:
    """Answer the card on screen right and rate it; returns its prompt."""
    prompt = prompt_on(page)
    fill_answer(page, course().spec_for(prompt))
    page.get_by_role("button", name="Check answer").click()
    expect(heading(page, "Right!")).to_be_visible()
    page.get_by_role("button", name=re.compile(rf"^{rating}, ")).click()
    return prompt


def learner_journey(page: Page, stop: Stop, clock: Clock) -> None:
    """Sign up, read a lesson, take its quiz (every question type), see the score; review the
    new cards, come back two days later for the due ones, read the statistics; set a goal."""
    name = unique("Ada")
    register(page, stop, email=f"{name.lower()}@example.com", name=name)

    open_lesson(page, ALL_TYPES_LESSON, stop)
    expect(page.locator(".lesson header .status")).to_have_text("In progress")
    expect(heading(page, "By the end of this lesson you can", level=2)).to_be_visible()
    stop(page, "lesson")

    # The attempt opens with the lesson's decision, a single choice, answered wrong.
    asked = course().asked[ALL_TYPES_LESSON]
    seen = take_quiz(page, stop, wrong="single_choice")
    assert "single_choice" in seen and seen <= ALL_TYPES
    expect(heading(page, re.compile(r"^You scored \d+%$"))).to_be_visible()
    expect(page.locator(".score-card .lead")).to_contain_text(
        f"{asked - 1} of {asked} questions fully right"
    )
    expect(heading(page, "To look at again", level=2)).to_be_visible()
    expect(page.locator(".missed-list > li")).to_have_count(1)
    stop(page, "quiz-results")
    page.get_by_role("link", name="Back to the lesson").click()
    expect(page.locator(".lesson header .status")).to_contain_text("Completed")

    # Every question answered in the quiz is a card whose first step was the answer: none
    # comes back within the minute.
    nav(page, "Today")
    reviews = page.locator("section", has=heading(page, "Reviews due today", level=2))
    expect(reviews.locator(".big-number")).to_have_text("0")
    goal = page.locator("section", has=heading(page, "Daily goal", level=2))
    expect(goal.locator(".big-number")).to_contain_text(f"{asked} of 20 answers")
    nav(page, "Review")
    expect(heading(page, "Nothing to review right now")).to_be_visible()
    # Ten minutes on, all are due: the one answered wrong came back after a minute.
    clock.advance(minutes=10)
    nav(page, "Today")
    expect(reviews.locator(".big-number")).to_have_text(str(asked))
    expect(reviews).to_contain_text(f"{asked} due, 0 new")
    stop(page, "today")
    page.get_by_role("link", name=f"Review {asked} cards").click()
    expect(page.locator(".review-bar")).to_contain_text(f"0 done today · {asked} due · 0 new")
    stop(page, "review-question")
    reviewed = []
    for step in range(3):
        prompt = prompt_on(page)
        fill_answer(page, course().spec_for(prompt))
        page.get_by_role("button", name="Check answer").click()
        expect(heading(page, "Right!")).to_be_visible()
        expect(page.get_by_role("group", name="How well did you recall it?")).to_be_visible()
        # Four ratings with their waits, Good suggested; Again is there for a lucky guess.
        again = page.get_by_role("button", name=re.compile(r"^Again, \d+ minutes?$"))
        expect(again).to_be_visible()
        good = page.get_by_role(
            "button", name=re.compile(r"^Good, \d+ (minutes|days?) \(suggested\)$")
        )
        expect(good).to_be_visible()
        easy = page.get_by_role("button", name=re.compile(r"^Easy, \d+ days?$"))
        expect(easy).to_be_visible()
        if step == 0:
            stop(page, "review-reveal")
        # The rating brings the next card in place: no page load, which would forget this.
        page.evaluate("window.sameDocument = true")
        good.click()
        reviewed.append(prompt)
        expect(page.locator(".review-bar")).to_contain_text(f"{step + 1} done today")
        assert page.evaluate("window.sameDocument") is True
        if step == 0:
            stop(page, "review-next-in-place")
    assert len(set(reviewed)) == 3, "each step showed another card"

    # Two days on, every card is due; one answered right is rated Again: a lucky guess.
    clock.advance(days=2)
    nav(page, "Review")
    expect(page.locator(".review-bar")).to_contain_text(f"0 done today · {asked} due")
    expect(page.get_by_text("new card", exact=True)).to_have_count(0)
    answer_review_card(page, rating="Again")
    expect(page.locator(".review-bar")).to_contain_text("1 done today")

    page.goto("/review/stats")
    expect(heading(page, "Review statistics")).to_be_visible()
    cards = page.get_by_role("region", name="Cards", exact=True)
    # Two graduated on the first day; the rest are still in their first steps.
    expect(cards.get_by_role("listitem")).to_have_text(
        ["Not yet reviewed: 0", f"Learning: {asked - 2}", "Review: 2", "Relearning: 0"]
    )
    expect(cards).to_contain_text("leeches (failed 8 times or more): 0")
    page.get_by_text("Show the numbers: Reviews per day, last 30 days").click()
    days = page.get_by_role("table", name="Reviews per day, last 30 days")
    expect(days).to_be_visible()
    expect(days.get_by_role("row")).not_to_have_count(0)
    stop(page, "review-stats")

    nav(page, "Account")
    expect(heading(page, "Settings")).to_be_visible()
    stop(page, "settings")
    page.get_by_label("Daily goal").fill("1")
    page.get_by_role("button", name="Save settings").click()
    flash(page, "Your settings are saved.")
    nav(page, "Today")
    expect(goal.locator(".big-number")).to_contain_text("1 of 1 answers")
    expect(goal).to_contain_text("Goal met for today.")

    # A retake asks the questions the first attempt left out before any it asked, after the
    # same opening decision: between them, the two attempts meet every type in the quiz.
    open_lesson(page, ALL_TYPES_LESSON)
    expect(page.get_by_role("link", name=re.compile(r"^Your 1 finished attempt"))).to_be_visible()
    again = take_quiz(page, start="Take the quiz again")
    expect(page.locator(".score-card .lead")).to_contain_text(
        f"{asked} of {asked} questions fully right"
    )
    in_quiz = {q.spec.type_name for q in catalogue().questions if q.lesson == ALL_TYPES_LESSON}
    assert seen | again == in_quiz == ALL_TYPES


def classes_journey(page: Page, learner_page: Page, stop: Stop, instructor: dict) -> None:
    """An instructor creates a class and assigns a lesson; a learner joins with the code and
    takes the quiz; the gradebook, its CSV and the item analysis show it done on time."""
    teacher = page
    log_in(teacher, stop, email=instructor["email"], name=instructor["name"])
    nav(teacher, "Classes")
    expect(heading(teacher, "Classes")).to_be_visible()
    expect(teacher.get_by_text("You do not teach a class yet.")).to_be_visible()
    stop(teacher, "classes-index-instructor")
    teacher.get_by_role("link", name="Create a class").click()
    expect(heading(teacher, "Create a class")).to_be_visible()
    stop(teacher, "class-form")
    class_name = unique("Line leads")
    teacher.get_by_label("Class name").fill(class_name)
    teacher.get_by_label("Description").fill("Night shift on line 3")
    teacher.get_by_label("Time zone").select_option("Europe/Paris")
    teacher.get_by_role("button", name="Create the class").click()
    expect(heading(teacher, class_name)).to_be_visible()
    flash(teacher, f"{class_name} is ready.")
    code = teacher.locator(".join-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", code), code

    lesson_title = course().lesson_titles[ASSIGNED_LESSON]
    teacher.get_by_role("link", name="Assign a module or lesson").click()
    expect(heading(teacher, "Assign a module or lesson")).to_be_visible()
    stop(teacher, "assignment-form")
    teacher.get_by_label("Module or lesson", exact=True).select_option(label=lesson_title)
    due = (datetime.now() + timedelta(days=7)).replace(hour=18, minute=0)
    teacher.get_by_label("Due").fill(due.strftime("%Y-%m-%dT%H:%M"))
    teacher.get_by_label("Pass mark (%)").fill("60")
    # Feedback after each question, as in practice: the learner's quiz below checks it.
    teacher.get_by_label("Right answers shown").select_option(label="After each question")
    teacher.get_by_role("button", name="Assign").click()
    flash(teacher, f"“{lesson_title}” is assigned.")
    assignments = teacher.locator("section", has=heading(teacher, "Assignments", level=2))
    expect(assignments.get_by_role("rowheader", name=re.compile(lesson_title))).to_be_visible()
    expect(assignments).to_contain_text(due.strftime("%d %b %Y, 18:00"))
    stop(teacher, "class-overview")

    # The learner signs up and joins by typing the code, in lower case.
    learner = unique("Ben")
    register(learner_page, lambda *_: None, email=f"{learner.lower()}@example.com", name=learner)
    classes_page(learner_page)
    expect(learner_page.get_by_text("You are not in a class yet.")).to_be_visible()
    stop(learner_page, "classes-index-learner")
    learner_page.get_by_label("Join code").fill(code.lower())
    learner_page.get_by_role("button", name="Join", exact=True).click()
    flash(learner_page, f"You joined {class_name}.")
    expect(heading(learner_page, class_name)).to_be_visible()
    mine = learner_page.locator(".assignment-list .assignment")
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text("Not started")
    expect(mine).to_contain_text("pass mark 60%")
    stop(learner_page, "class-learner-view")
    mine.get_by_role("link", name=lesson_title).click()
    expect(heading(learner_page, lesson_title)).to_be_visible()
    take_quiz(learner_page)
    expect(heading(learner_page, "You scored 100%")).to_be_visible()
    nav(learner_page, "Today")
    today_assignment = learner_page.locator(".today-assignments .assignment")
    expect(today_assignment).to_contain_text("Passed on time")
    expect(today_assignment).to_contain_text("score 100%")

    # The instructor sees the learner on the roster and done on time in the gradebook.
    teacher.reload()
    expect(teacher.get_by_role("heading", name="Learners (1)")).to_be_visible()
    expect(teacher.locator(".roster-table")).to_contain_text(learner)
    teacher.get_by_role("navigation", name="Class pages").get_by_role(
        "link", name="Gradebook"
    ).click()
    expect(heading(teacher, "Gradebook")).to_be_visible()
    book = teacher.get_by_role(
        "table", name=re.compile(rf"^{class_name}: 1 learner by 1 assignment$")
    )
    row = book.get_by_role("row", name=re.compile(learner))
    expect(row).to_contain_text("Passed on time")
    expect(row).to_contain_text("1/1 lessons · score 100%")
    stop(teacher, "gradebook")

    with teacher.expect_download() as download:
        teacher.get_by_role("link", name="Download as CSV").click()
    assert re.fullmatch(
        rf"{re.escape(file_slug(class_name))}-gradebook-\d{{4}}-\d{{2}}-\d{{2}}\.csv",
        download.value.suggested_filename,
    )
    with open(download.value.path(), encoding="utf-8-sig", newline="") as handle:
        table = list(csv.reader(handle))
    header, rows = table[0], table[1:]
    assert header[:3] == ["Learner", "Email", f"{lesson_title} (lesson): status"]
    by_name = {cells[0]: dict(zip(header, cells, strict=True)) for cells in rows}
    assert by_name[learner]["Email"] == f"{learner.lower()}@example.com"
    assert by_name[learner][f"{lesson_title} (lesson): status"] == "Passed on time"
    assert by_name[learner][f"{lesson_title} (lesson): score %"] == "100"

    teacher.get_by_role("link", name=lesson_title, exact=True).click()
    expect(heading(teacher, lesson_title)).to_be_visible()
    expect(teacher.locator("main")).to_contain_text("1 learner")
    expect(teacher.locator(".item-list > li")).to_have_count(course().pool[ASSIGNED_LESSON])
    stop(teacher, "item-analysis")

    teacher.go_back()
    book.get_by_role("link", name=learner).click()
    expect(heading(teacher, re.compile(learner))).to_be_visible()
    stop(teacher, "class-learner-report")
