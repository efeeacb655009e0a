"""The learner's phone: key hints only where there is a keyboard, and review statistics, empty
or not, that fit a phone's width. Each test runs on a touch phone and on a desktop."""

from __future__ import annotations

import re

from tests.browser.journeys import ASSIGNED_LESSON, heading, log_in, unique
from tests.browser.support import course, expect, fill_answer, prompt_on
from tests.factories import create_user


def learner(page) -> None:
    name = unique("Sam")
    create_user(email=f"{name.lower()}@example.com", display_name=name)
    log_in(page, None, email=f"{name.lower()}@example.com", name=name)


def start_quiz(page) -> None:
    # Straight to the lesson: the way there through the menus is the journeys' to test.
    page.goto(f"/lessons/{ASSIGNED_LESSON}")
    expect(heading(page, course().lesson_titles[ASSIGNED_LESSON])).to_be_visible()
    page.get_by_role("button", name=re.compile(r"^Take the quiz")).click()


def expect_hint(page, width: str) -> None:
    hint = page.locator(".shortcut-hint")
    expect(hint).to_have_count(1)
    expect(hint).to_contain_text("Keys:")
    # quiz.js has run (it unhides the hint), so a hidden hint is the stylesheet's doing.
    expect(hint).to_have_js_property("hidden", False)
    if width == "phone":
        expect(hint).to_be_hidden()
    else:
        expect(hint).to_be_visible()


def test_key_hints_show_on_a_desktop_and_never_on_a_touch_phone(page, app_db, width):
    learner(page)
    start_quiz(page)
    expect_hint(page, width)

    fill_answer(page, course().spec_for(prompt_on(page)))
    page.get_by_role("button", name="Check answer").click()
    expect(heading(page, "Right!")).to_be_visible()
    expect_hint(page, width)


def test_review_statistics_fit_a_phone_before_and_after_the_first_review(
    page, app_db, clock, checks
):
    learner(page)
    page.goto("/review/stats")
    expect(heading(page, "Review statistics")).to_be_visible()
    expect(page.get_by_role("region", name="Review calendar")).to_contain_text(
        "Once you start reviewing, each day you review fills in a square here"
    )
    checks(page, "review-stats-empty")

    start_quiz(page)
    while True:
        fill_answer(page, course().spec_for(prompt_on(page)))
        page.get_by_role("button", name="Check answer").click()
        expect(heading(page, "Right!")).to_be_visible()
        finish = page.get_by_role("link", name="See your score")
        if finish.count():
            finish.click()
            break
        page.get_by_role("link", name="Next question").click()
    clock.advance(minutes=10)
    page.goto("/review")
    fill_answer(page, course().spec_for(prompt_on(page)))
    page.get_by_role("button", name="Check answer").click()
    expect(heading(page, "Right!")).to_be_visible()
    page.get_by_role("button", name=re.compile(r"^Good, ")).click()
    # On a desktop quiz.js sends the rating in the background: let it land before moving on.
    expect(page.locator(".review-bar")).to_contain_text("1 done today")

    page.goto("/review/stats")
    calendar = page.get_by_role("region", name="Review calendar")
    expect(calendar.get_by_role("heading", level=3, name="Review calendar")).to_be_visible()
    expect(calendar).to_contain_text("Each square is one day")
    expect(calendar.locator(".heat-scale")).to_have_text(re.compile(r"^\s*Less\s+More\s*$"))
    checks(page, "review-stats-calendar")
