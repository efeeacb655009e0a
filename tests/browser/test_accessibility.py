"""axe-core on the pages the journeys do not pass through: error pages, forms showing their
errors, a module, an empty review queue, a join link, password change and the admin's list.
Skips, saying why, when axe-core cannot be downloaded; the journeys scan the main pages."""

from __future__ import annotations

import pytest

from tests.browser.journeys import heading, log_in, unique
from tests.browser.support import AXE_VERSION, PASSWORD, PageChecks, artifacts_dir, expect
from tests.factories import create_user


@pytest.mark.parametrize("width", ["desktop"])
def test_axe_core_loads_under_the_apps_content_security_policy(page, axe_js):
    page.goto("/")
    page.evaluate(axe_js)
    assert page.evaluate("() => axe.version") == AXE_VERSION


def test_more_pages_pass_axe(new_page, width, axe_js, app_db):
    from quizapp.services.classes import create_class

    checks = PageChecks(width, artifacts_dir(), axe_js)
    guest = new_page()
    response = guest.goto("/lessons/no-such-lesson")
    assert response is not None and response.status == 404
    checks(guest, "not-found")
    guest.goto("/account/login")
    guest.get_by_role("button", name="Log in").click()
    # app.js moves focus to the summary of what to fix.
    expect(guest.locator("#form-errors")).to_be_focused()
    expect(guest.get_by_text("Enter your email address.")).to_be_visible()
    checks(guest, "login-errors")
    guest.goto("/account/register")
    guest.get_by_label("Email").fill("not an email")
    guest.get_by_label("Password", exact=True).fill(PASSWORD)
    guest.get_by_label("Repeat password").fill("something else")
    guest.get_by_role("button", name="Create account").click()
    expect(guest.get_by_label("Repeat password")).to_have_attribute("aria-invalid", "true")
    checks(guest, "register-errors")

    admin_name, learner_name = unique("Alex"), unique("Lou")
    admin = create_user(email=f"{admin_name.lower()}@example.com", role="admin")
    learner = create_user(email=f"{learner_name.lower()}@example.com", display_name=learner_name)
    classroom = create_class(
        owner=admin, name=unique("Day shift"), description="Line 1", time_zone="Europe/Paris"
    )
    app_db.session.commit()

    page = new_page()
    log_in(page, None, email=learner.email, name=learner_name)
    page.goto("/modules/duties")
    expect(heading(page, "Duties and responsibilities")).to_be_visible()
    checks(page, "module")
    page.goto("/review")
    expect(heading(page, "Nothing to review right now")).to_be_visible()
    checks(page, "review-empty")
    page.goto("/account/password")
    expect(heading(page, "Change password")).to_be_visible()
    checks(page, "change-password")
    page.goto(f"/classes/join/{classroom.join_code}")
    expect(heading(page, f"Join {classroom.name}")).to_be_visible()
    checks(page, "join-link")

    admin_page = new_page()
    log_in(admin_page, None, email=admin.email, name=admin.display_name)
    admin_page.goto("/admin/users")
    expect(admin_page.get_by_role("cell", name=learner.email)).to_be_visible()
    checks(admin_page, "admin-users")
    checks.assert_accessible()
