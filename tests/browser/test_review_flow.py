"""Reviews after a quiz as a learner meets them in Chromium, at a phone's and a desktop's
width: the quiz's questions do not come straight back, the statistics tell learned from not
yet learned, a card missed eight times is set aside with a notice and comes back only when
the learner chooses, and lighter weekdays are a setting."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

from quizapp.models import ReviewCard, User
from quizapp.services import classes
from tests.browser.journeys import (
    ASSIGNED_LESSON,
    flash,
    heading,
    log_in,
    nav,
    open_lesson,
    take_quiz,
    unique,
)
from tests.browser.support import catalogue, course, expect, fill_answer, prompt_on
from tests.factories import create_user


def test_a_card_missed_eight_times_is_set_aside_until_the_learner_brings_it_back(
    page, checks, app_db, clock
):
    name = unique("Lee")
    email = f"{name.lower()}@example.com"
    create_user(email=email, display_name=name)
    log_in(page, None, email=email, name=name)
    open_lesson(page, ASSIGNED_LESSON)
    take_quiz(page)
    asked = course().asked[ASSIGNED_LESSON]
    expect(page.locator(".score-card .lead")).to_contain_text(
        f"{asked} of {asked} questions fully right"
    )

    # The quiz was each card's first step: nothing comes back within the minute.
    nav(page, "Review")
    expect(heading(page, "Nothing to review right now")).to_be_visible()

    # The statistics count the questions learned, and the rest of the course apart.
    page.goto("/review/stats")
    total = len(catalogue().questions)
    lead = page.locator("main .lead").first
    expect(lead).to_contain_text(f"{total - asked} questions not yet learned")
    recall = page.locator("section", has=heading(page, "You would recall today", level=2))
    expect(recall).to_contain_text(f"of the {asked} questions in review")
    expect(recall.locator(".big-number")).to_have_text(re.compile(r"^\d+%$"))
    mastery = page.get_by_role("table")
    expect(mastery.get_by_role("row").filter(has_text=f"{asked} of ")).to_have_count(1)
    expect(mastery.get_by_role("cell", name="Nothing learned yet")).not_to_have_count(0)
    checks(page, "review-stats-learned")

    # Ten minutes on, the cards are due; say each has been missed seven times before.
    clock.advance(minutes=10)
    user_id = app_db.session.scalar(select(User.id).where(User.email == email))
    app_db.session.execute(update(ReviewCard).where(ReviewCard.user_id == user_id).values(lapses=7))
    app_db.session.commit()
    nav(page, "Review")
    prompt = prompt_on(page)
    fill_answer(page, course().spec_for(prompt))
    page.get_by_role("button", name="Check answer").click()
    expect(heading(page, "Right!")).to_be_visible()
    warning = page.locator("#leech-warning")
    expect(warning).to_contain_text("you have missed this card 7 times")
    expect(page.get_by_role("button", name=re.compile(r"^Good, .* \(suggested\)$"))).to_be_visible()
    checks(page, "review-leech-warning")

    # Right, but a lucky guess: Again, the eighth failure, sets the card aside.
    page.get_by_role("button", name=re.compile(r"^Again, ")).click()
    expect(heading(page, "Card set aside")).to_be_visible()
    expect(page.locator("main")).to_contain_text("You have missed this question 8 times")
    expect(page.locator(".prompt-echo")).to_have_text(prompt)
    expect(page.get_by_role("link", name=re.compile(r"^“.+”$"))).to_be_visible()
    checks(page, "review-set-aside")
    page.get_by_role("link", name="Go on with your reviews").click()
    expect(page.locator(".review-bar")).to_contain_text(f"1 done today · {asked - 1} due")

    # Listed on the statistics page, with the way back.
    page.goto("/review/stats")
    set_aside = page.locator("section", has=heading(page, "Cards set aside", level=2))
    expect(set_aside.get_by_role("listitem")).to_have_count(1)
    expect(set_aside).to_contain_text(f"{prompt} (8 failures)")
    checks(page, "review-stats-set-aside")
    # Kept, it is due again when its Again step ends, a minute after the rating.
    clock.advance(minutes=2)
    set_aside.get_by_role("button", name=re.compile(r"^Keep reviewing ")).click()
    flash(page, "The card is back in your reviews.")
    expect(page.locator(".review-bar")).to_contain_text(f"1 done today · {asked} due")


def test_a_learner_chooses_lighter_weekdays(page, checks, app_db):
    name = unique("Wen")
    email = f"{name.lower()}@example.com"
    create_user(email=email, display_name=name)
    log_in(page, None, email=email, name=name)
    nav(page, "Account")
    days = page.get_by_role("group", name="Lighter days")
    expect(days.get_by_role("checkbox")).to_have_count(7)
    days.get_by_role("checkbox", name="Saturday").check()
    days.get_by_role("checkbox", name="Sunday").check()
    checks(page, "settings-lighter-days")
    page.get_by_role("button", name="Save settings").click()
    flash(page, "Your settings are saved.")
    expect(days.get_by_role("checkbox", name="Saturday")).to_be_checked()
    expect(days.get_by_role("checkbox", name="Sunday")).to_be_checked()
    expect(days.get_by_role("checkbox", name="Monday")).not_to_be_checked()
    checks.assert_accessible()


def test_with_an_assignment_due_in_three_days_intervals_end_before_it(page, checks, app_db, clock):
    name = unique("Dee")
    email = f"{name.lower()}@example.com"
    learner = create_user(email=email, display_name=name)
    teacher = create_user(role="instructor")
    classroom = classes.create_class(owner=teacher, name="Line 4", description="", time_zone="UTC")
    classes.join_class(user=learner, code=classroom.join_code, now=clock())
    due = clock() + timedelta(days=3)
    classes.create_assignment(
        classroom=classroom,
        by=teacher,
        target=f"lesson:{ASSIGNED_LESSON}",
        due_local=due.replace(tzinfo=None),
        pass_mark=None,
        now=clock(),
    )
    app_db.session.commit()
    log_in(page, None, email=email, name=name)
    open_lesson(page, ASSIGNED_LESSON)
    take_quiz(page)
    clock.advance(minutes=10)
    nav(page, "Review")
    fill_answer(page, course().spec_for(prompt_on(page)))
    page.get_by_role("button", name="Check answer").click()
    expect(heading(page, "Right!")).to_be_visible()
    # Easy would wait four days, past the due date: it stops the day before, and says so.
    easy = page.get_by_role("button", name="Easy, 2 days, before your due date")
    expect(easy).to_be_visible()
    expect(easy).to_contain_text("before your due date")
    expect(page.get_by_role("button", name="Good, 2 days (suggested)")).to_be_visible()
    checks(page, "review-before-due-date")
    checks.assert_accessible()
