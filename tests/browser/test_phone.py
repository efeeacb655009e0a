"""The learner's phone, at 390 by 844 with touch, as a learner with a streak and a small daily
goal meets it: the tab bar on every page and a one-line header, nothing scrolling sideways, no
key hints; the reviews waiting first on Today, above the fold; statistics one tap from the
reviews; the goal celebrated once; yesterday's missed day covered by a streak freeze."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from quizapp.core.progress import learner_day
from quizapp.models import ActivityDay
from tests.browser.journeys import ASSIGNED_LESSON, heading, log_in, nav, unique
from tests.browser.support import (
    WIDTHS,
    assert_no_horizontal_scroll,
    course,
    expect,
    fill_answer,
    prompt_on,
)
from tests.factories import create_user

PHONE = WIDTHS["phone"]["viewport"]


def expect_phone_layout(page, name: str) -> None:
    """The tabs along the bottom of the screen, the header one line, no sideways scrolling,
    and no key hints on a touch screen."""
    tabs = page.get_by_role("navigation", name="Main")
    expect(tabs).to_be_in_viewport()
    box = tabs.bounding_box()
    assert box["y"] + box["height"] == pytest.approx(PHONE["height"], abs=1), name
    for tab in ("Today", "Learn", "Review", "Account"):
        expect(tabs.get_by_role("link", name=tab)).to_be_visible()
    header = page.locator(".site-header").bounding_box()
    assert header["height"] < 60, f"{name}: the header wraps ({header['height']}px)"
    assert_no_horizontal_scroll(page, PHONE["width"], name)
    expect(page.locator(".shortcut-hint:visible")).to_have_count(0)


def answer_question(page, number: int) -> None:
    spec = course().spec_for(prompt_on(page))
    fill_answer(page, spec)
    page.get_by_role("button", name="Check answer").click()
    expect(heading(page, "Right!")).to_be_visible()
    expect_phone_layout(page, f"quiz feedback {number}")


@pytest.mark.parametrize("width", ["phone"])
def test_a_learner_on_a_phone(page, app_db, clock, checks):
    name = unique("Noor")
    email = f"{name.lower()}@example.com"
    user = create_user(email=email, display_name=name)
    user.daily_goal = 3
    # Seven days in a row, ending the day before yesterday: one freeze earned. Yesterday
    # nothing, so the freeze is spent and the streak of seven kept.
    today = learner_day(clock(), user.time_zone)
    for back in range(2, 9):
        app_db.session.add(
            ActivityDay(user_id=user.id, day=today - timedelta(days=back), answers=5)
        )
    app_db.session.commit()

    log_in(page, None, email=email, name=name)
    expect_phone_layout(page, "today")
    streak = page.get_by_role("region", name="Streak")
    expect(streak.locator(".big-number")).to_contain_text("7 days")
    yesterday = today - timedelta(days=1)
    expect(streak).to_contain_text(f"{yesterday:%a} {yesterday.day} {yesterday:%b}: freeze used")
    checks(page, "phone-today-freeze")

    # The lesson and its quiz, through the tabs: the third right answer meets the goal of
    # three, celebrated once, in words a screen reader reads.
    nav(page, "Learn")
    expect_phone_layout(page, "catalogue")
    page.get_by_role("link", name=course().lesson_titles[ASSIGNED_LESSON], exact=True).click()
    expect_phone_layout(page, "lesson")
    page.get_by_role("button", name=re.compile(r"^Take the quiz")).click()
    celebration = page.locator(".flash-goal")
    asked = course().asked[ASSIGNED_LESSON]
    for number in range(1, asked + 1):
        expect_phone_layout(page, f"quiz question {number}")
        answer_question(page, number)
        if number == 3:
            expect(celebration).to_have_count(1)
            expect(celebration).to_have_text("Daily goal met: 3 answers today. Well done!")
            expect(page.get_by_role("status")).to_contain_text("Daily goal met")
            checks(page, "phone-goal-met")
        else:
            expect(celebration).to_have_count(0)
        if number < asked:
            page.get_by_role("link", name="Next question").click()
    page.get_by_role("link", name="See your score").click()
    expect_phone_layout(page, "quiz results")

    # Ten minutes on the cards are due: the first thing on Today, above the fold.
    clock.advance(minutes=10)
    nav(page, "Today")
    review = page.get_by_role("link", name=f"Review {asked} cards")
    expect(review).to_be_in_viewport(ratio=1)
    tabs = page.get_by_role("navigation", name="Main")
    expect(tabs.get_by_role("link", name=f"Review, {asked} cards due")).to_be_visible()
    checks(page, "phone-today-reviews")
    review.click()
    expect_phone_layout(page, "review")
    # While reviews wait, the statistics are one tap away.
    page.get_by_role("link", name="Statistics").click()
    expect(heading(page, "Review statistics")).to_be_visible()
    expect_phone_layout(page, "statistics")

    nav(page, "Account")
    expect(heading(page, "Account and settings")).to_be_visible()
    expect_phone_layout(page, "account")
    page.get_by_role("button", name="Log out").click()
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Log in")
    ).to_be_visible()
    checks.assert_accessible()
