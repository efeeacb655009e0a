"""Issue 24's "done when", in Chromium at 390x844 with touch: the site can be installed (a
manifest with its icons, a service worker controlling the page); offline, a lesson read
earlier opens and five cards are reviewed; back online, exactly five review-log rows appear,
each once, the cards as replaying the log gives them; the same batch sent again adds nothing.
The Today page's first contentful paint is measured and written to
test-output/first-paint.txt."""

from __future__ import annotations

import json
import re
import time

import pytest
from sqlalchemy import func, select

from quizapp.models import ReviewLog, User
from quizapp.services.review_rebuild import rebuild_cards
from tests.browser.journeys import ASSIGNED_LESSON, heading, log_in, open_lesson, take_quiz, unique
from tests.browser.support import artifacts_dir, course, expect
from tests.factories import create_user


def settle(page, count_js: str, expected: int, seconds: float = 10) -> None:
    """Until the page's asynchronous count (IndexedDB's, awaited) is `expected`."""
    deadline = time.monotonic() + seconds
    while (count := page.evaluate(count_js)) != expected:
        assert time.monotonic() < deadline, f"{count_js} stayed {count}, not {expected}"
        page.wait_for_timeout(100)


def offline_logs(db, user_id: int) -> int:
    db.session.expire_all()
    return db.session.scalar(
        select(func.count())
        .select_from(ReviewLog)
        .where(ReviewLog.user_id == user_id, ReviewLog.client_id.is_not(None))
    )


@pytest.mark.parametrize("width", ["phone"])
def test_a_learner_installs_reviews_offline_and_syncs_once(page, checks, app_db, clock):
    name = unique("Ola")
    email = f"{name.lower()}@example.com"
    user_id = create_user(email=email, display_name=name).id
    app_db.session.commit()
    app_db.session.close()
    log_in(page, None, email=email, name=name)
    # The first contentful paint of Today, on this phone profile.
    page.reload()
    paint = page.wait_for_function(
        "() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime"
    ).json_value()
    (artifacts_dir() / "first-paint.txt").write_text(
        f"Today, first contentful paint: {paint:.0f} ms\n"
    )

    # A quiz read and taken online: its cards are due ten minutes on.
    open_lesson(page, ASSIGNED_LESSON)
    lesson_url = page.url
    take_quiz(page)
    asked = course().asked[ASSIGNED_LESSON]
    clock.advance(minutes=10)

    # Installable: a manifest with icons, and a service worker controlling the page.
    manifest = page.evaluate(
        "fetch(document.querySelector('link[rel=manifest]').href).then(r => r.json())"
    )
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/today"
    assert {"192x192", "512x512"} <= {icon["sizes"] for icon in manifest["icons"]}
    page.goto("/today")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    # Today's cards are kept on the device, and the lesson is kept as it is opened again.
    page.wait_for_function(f"() => window.quizappOffline.cards().then(c => c.length === {asked})")
    page.goto(lesson_url)

    page.context.set_offline(True)
    page.goto(lesson_url)
    expect(heading(page, course().lesson_titles[ASSIGNED_LESSON])).to_be_visible()
    banner = page.locator("#offline-banner")
    expect(banner).to_contain_text("You are offline.")
    checks(page, "offline-lesson")
    banner.get_by_role("link", name="Review offline").click()
    expect(heading(page, "Review offline")).to_be_visible()
    for done in range(1, 6):
        page.get_by_role("button", name="Show the answer").click()
        expect(page.locator("[data-offline-right]")).not_to_be_empty()
        if done == 1:
            checks(page, "offline-review")
        page.get_by_role("button", name="Good", exact=True).click()
        expect(banner).to_contain_text(
            f"{done} review{'s wait' if done > 1 else ' waits'} to be sent"
        )
    sent = page.evaluate("window.quizappOffline.pending()")
    assert len(sent) == 5 and offline_logs(app_db, user_id) == 0

    # Back online: sent by themselves, each accepted once.
    page.context.set_offline(False)
    settle(page, "() => window.quizappOffline.pending().then(p => p.length)", 0)
    expect(banner).to_be_hidden()
    assert offline_logs(app_db, user_id) == 5
    user = app_db.session.get(User, user_id)
    assert rebuild_cards(user=user) == (asked, 0)
    app_db.session.rollback()

    # The same batch again, as a retry after a lost answer would send it: nothing new.
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    again = page.request.post(
        "/review/sync",
        data=json.dumps({"ratings": sent}),
        headers={"Content-Type": "application/json", "X-CSRFToken": token},
    )
    assert again.ok
    assert {result["status"] for result in again.json()["results"]} == {"duplicate"}
    assert offline_logs(app_db, user_id) == 5
    page.goto("/review")
    expect(page.locator(".review-bar")).to_contain_text(re.compile(r"5 done today"))
    checks.assert_accessible()
