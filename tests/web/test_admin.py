"""The admin's list of accounts: finding an account and changing its role."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from quizapp.models import User
from tests.factories import create_user
from tests.web.pages import assert_accessible


@pytest.fixture
def admin(db):
    return create_user(email="boss@example.com", display_name="Boss", role="admin")


@pytest.fixture
def as_admin(client, admin):
    assert client.login(admin.email).status_code == 302
    return client


def role_of(db, user_id: int) -> str:
    db.session.rollback()
    return db.session.scalar(select(User.role).where(User.id == user_id))


def text(response) -> str:
    return response.get_data(as_text=True)


def test_admin_lists_accounts_and_searches_by_part_of_an_email(as_admin, admin, db):
    create_user(email="maria.lopez@plant.example", display_name="Maria")
    create_user(email="sam@office.example", display_name="Sam")

    everyone = as_admin.get("/admin/users")
    assert everyone.status_code == 200
    page = text(everyone)
    assert "3 accounts." in page
    for email in ("boss@example.com", "maria.lopez@plant.example", "sam@office.example"):
        assert email in page
    assert_accessible(page)

    found = as_admin.get("/admin/users", query_string={"q": "PLANT"})
    page = text(found)
    assert found.status_code == 200
    assert "1 account matching “PLANT”." in page
    assert "maria.lopez@plant.example" in page
    assert "sam@office.example" not in page and "boss@example.com" not in page
    assert_accessible(page)

    nobody = text(as_admin.get("/admin/users", query_string={"q": "nobody-has-this"}))
    assert "0 accounts matching" in nobody and "maria.lopez" not in nobody


def test_admin_makes_a_learner_an_instructor_who_can_then_create_classes(
    app, as_admin, db, monkeypatch
):
    # A site where only instructors create classes.
    monkeypatch.setitem(app.config, "CLASS_CREATORS", "instructors")
    learner = create_user(email="newteacher@example.com")
    their_browser = app.test_client()
    their_browser.login(learner.email)
    assert their_browser.get("/classes/new").status_code == 403
    listing = text(as_admin.get("/admin/users"))
    assert f'action="/admin/users/{learner.id}/role"' in listing

    response = as_admin.submit(
        f"/admin/users/{learner.id}/role", {"role": "instructor"}, form_url="/admin/users"
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/users"
    assert "newteacher@example.com is now instructor." in text(as_admin.get("/admin/users"))
    assert role_of(db, learner.id) == "instructor"

    # Without logging in again: the new role holds from their next page on.
    page = their_browser.get("/classes/new")
    assert page.status_code == 200 and "Class name" in text(page)


def test_changing_a_role_from_a_search_returns_to_that_search(as_admin, db):
    learner = create_user(email="line.lead@plant.example")
    listing = text(as_admin.get("/admin/users", query_string={"q": "plant"}))
    assert f'action="/admin/users/{learner.id}/role?q=plant"' in listing
    response = as_admin.submit(
        f"/admin/users/{learner.id}/role?q=plant",
        {"role": "instructor"},
        form_url="/admin/users?q=plant",
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/users?q=plant"


def test_admin_cannot_take_away_their_own_admin_role(as_admin, admin, db):
    for role in ("learner", "instructor"):
        response = as_admin.submit(
            f"/admin/users/{admin.id}/role", {"role": role}, form_url="/admin/users"
        )
        assert response.status_code == 400
        assert "You cannot take away your own admin role." in text(response)
        assert role_of(db, admin.id) == "admin"
    assert as_admin.get("/admin/users").status_code == 200


def test_an_unknown_role_is_refused_and_changes_nothing(as_admin, db):
    learner = create_user()
    for role in ("superuser", "", "Admin"):
        response = as_admin.submit(
            f"/admin/users/{learner.id}/role", {"role": role}, form_url="/admin/users"
        )
        assert response.status_code == 400, role
        assert "Choose one of the roles listed" in text(response)
        assert role_of(db, learner.id) == "learner"


def test_an_unknown_account_is_not_found(as_admin, admin, db):
    response = as_admin.submit(
        f"/admin/users/{admin.id + 1000}/role", {"role": "instructor"}, form_url="/admin/users"
    )
    assert response.status_code == 404
    assert "Page not found" in text(response)
    assert db.session.scalar(select(User.id).where(User.id == admin.id + 1000)) is None
