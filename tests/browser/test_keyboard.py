"""Keyboard only: log in, skip to the content, open a lesson, take its quiz and review, with
page.keyboard and never a click. Focus has to land where the next key press makes sense."""

from __future__ import annotations

import re

import pytest

from tests.browser.journeys import KEYBOARD_LESSON, heading, unique
from tests.browser.support import (
    PASSWORD,
    course,
    expect,
    focused,
    key_numbers,
    label_is,
    prompt_on,
    tab_to,
    text_is,
    words,
)
from tests.factories import create_user


def in_main(page) -> bool:
    return page.evaluate("() => document.querySelector('main').contains(document.activeElement)")


def answer_with_keys(page, spec) -> None:
    """Answer the question on screen right, from the keyboard, and check it."""
    keyboard = page.keyboard
    kind = spec.type_name
    if kind in ("single_choice", "multiple_select", "true_false"):
        # The number badges pick options; Enter checks the answer.
        numbers = key_numbers(page)
        if kind == "true_false":
            picks = ["True" if spec.answer else "False"]
        else:
            picks = [choice.text for choice in spec.choices if choice.correct]
        for text in picks:
            keyboard.press(numbers[words(text)])
        expect(page.locator("fieldset.choices input:focus")).to_have_count(1)
        keyboard.press("Enter")
    elif kind in ("ordering", "matching"):
        # Tab from select to select, picking each value by typing it, then Tab to the button.
        if kind == "ordering":
            wanted = {words(item.text): str(n) for n, item in enumerate(spec.items, start=1)}
        else:
            wanted = {words(pair.left): pair.right for pair in spec.pairs}
        field = tab_to(page, lambda el: el["tag"] == "select")
        for index in range(len(wanted)):
            assert field["tag"] == "select", field
            keyboard.type(wanted[words(field["label"])])
            expect(page.get_by_label(field["label"], exact=True)).not_to_have_value("")
            keyboard.press("Tab")
            field = focused(page)
            if index == len(wanted) - 1:
                assert field["text"] == "Check answer", field
        keyboard.press("Enter")
    else:
        tab_to(page, label_is("Your answer"))
        keyboard.type(spec.answers[0])
        keyboard.press("Enter")


@pytest.mark.parametrize("width", ["desktop"])
def test_a_learner_does_everything_from_the_keyboard(page, app_db, clock):
    name = unique("Kim")
    email = f"{name.lower()}@example.com"
    create_user(email=email, display_name=name)
    keyboard = page.keyboard

    page.goto("/account/login")
    expect(page.get_by_label("Email")).to_be_focused()
    keyboard.type(email)
    keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    keyboard.type(PASSWORD)
    keyboard.press("Enter")
    expect(heading(page, f"Hello, {name}")).to_be_visible()

    tab_to(page, text_is("Learn"))
    keyboard.press("Enter")
    expect(heading(page, "What does a production manager do?")).to_be_visible()

    # The first Tab reaches the skip link, shown on screen; it moves focus to the content.
    keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    keyboard.press("Tab")
    assert in_main(page), focused(page)

    title = course().lesson_titles[KEYBOARD_LESSON]
    tab_to(page, text_is(title))
    keyboard.press("Enter")
    expect(heading(page, title)).to_be_visible()
    tab_to(page, text_is("Take the quiz"))
    keyboard.press("Enter")

    asked = course().asked[KEYBOARD_LESSON]
    for number in range(1, asked + 1):
        expect(page.locator(".quiz-position span")).to_have_text(f"Question {number} of {asked}")
        answer_with_keys(page, course().spec_for(prompt_on(page)))
        # The verdict has focus, so a screen reader reads it first and N or Enter goes on.
        verdict = page.locator("#verdict")
        expect(verdict).to_be_focused()
        expect(verdict).to_have_text("Right!")
        keyboard.press("n" if number % 2 else "Enter")

    expect(heading(page, "You scored 100%")).to_be_visible()

    # Reviews, ten minutes on: the quiz's answers are cards due for their next step. Answer
    # two; Enter rates as suggested (Good), number keys pick a rating.
    clock.advance(minutes=10)
    tab_to(page, lambda el: el["text"].startswith("Review"))
    keyboard.press("Enter")
    expect(page.locator(".review-bar")).to_contain_text(f"0 done today · {asked} due · 0 new")
    for done, key in ((1, "Enter"), (2, "3")):
        answer_with_keys(page, course().spec_for(prompt_on(page)))
        expect(page.locator("#verdict")).to_be_focused()
        expect(
            page.get_by_role("button", name=re.compile(r"^Good, .* \(suggested\)$"))
        ).to_be_visible()
        keyboard.press(key)
        expect(page.locator(".review-bar")).to_contain_text(f"{done} done today")
        # The next card came in place of the reveal: its prompt has focus, to be read first.
        expect(page.locator("#prompt")).to_be_focused()
        assert page.url.endswith("/review")
