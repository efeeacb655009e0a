"""A learner takes their data away and deletes their account; sign-in starts a fresh session."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select

from quizapp.auth.session import load_user
from quizapp.db import utcnow
from quizapp.models import (
    ActivityDay,
    Assignment,
    ClassMembership,
    Classroom,
    LessonProgress,
    QuizAttempt,
    ReviewCard,
    ReviewLog,
    User,
)
from quizapp.services import classes
from tests.conftest import signed_in
from tests.factories import DEFAULT_PASSWORD, create_user
from tests.web.pages import RIGHT_ANSWERS, assert_accessible
from tests.web.test_quiz import take_quiz
from tests.web.test_review import answer_card, rate


def rows(db, model, user_id) -> int:
    return db.session.scalar(
        select(func.count()).select_from(model).where(model.user_id == user_id)
    )


def a_class_with(db, owner, *learners, co_instructor=None) -> Classroom:
    classroom = classes.create_class(
        owner=owner, name="Line leads", description="", time_zone="UTC"
    )
    for learner in learners:
        classes.join_class(user=learner, code=classroom.join_code, now=utcnow())
    if co_instructor:
        classes.add_instructor(classroom=classroom, email=co_instructor.email)
    db.session.commit()
    return classroom


def test_a_learner_downloads_everything_stored_about_them(app, db, course, logged_in, user, clock):
    teacher = create_user(email="teacher@example.com", role="instructor")
    a_class_with(db, teacher, user)
    take_quiz(logged_in, RIGHT_ANSWERS)
    clock.advance(minutes=10)
    card_id, reveal = answer_card(logged_in)
    assert rate(logged_in, card_id, reveal, 3).status_code == 303
    # Someone else's work must not leak into the file.
    other = create_user(email="other@example.com")
    take_quiz(signed_in(app, other), RIGHT_ANSWERS)

    assert "Download everything stored about you" in logged_in.get("/account/settings").text
    response = logged_in.get("/account/export")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["email"] == user.email
    assert "password_hash" not in json.dumps(data) and user.password_hash not in response.text
    assert data["classes"] == [{"name": "Line leads", "role": "learner", "joined_at": ANY_TIME}]
    (attempt,) = data["quiz_attempts"]
    assert attempt["lesson"] == "module-1-lesson-1"
    assert attempt["score"] == attempt["max_score"] == len(attempt["answers"]) == 6
    assert all(answer["correct"] for answer in attempt["answers"])
    assert len(data["review_cards"]) == 6
    # Each quiz answer began its card (rated Good, being right); then one review.
    kinds = [(entry["kind"], entry["rating"]) for entry in data["review_log"]]
    assert kinds == [("quiz", 3)] * 6 + [("review", 3)]
    assert data["lessons"][0]["completed_at"].endswith("Z")
    assert data["activity_days"][0]["answers"] == 6
    assert "other@example.com" not in response.text


class _AnyTime:
    def __eq__(self, other):
        return isinstance(other, str) and other.endswith("Z") and "T" in other


ANY_TIME = _AnyTime()


def test_the_export_runs_the_same_queries_however_much_was_done(
    app, db, course, logged_in, count_queries
):
    def export_queries() -> int:
        with count_queries() as counter:
            assert logged_in.get("/account/export").status_code == 200
        return counter.count

    take_quiz(logged_in, RIGHT_ANSWERS)
    once = export_queries()
    take_quiz(logged_in, RIGHT_ANSWERS, lesson="module-1-lesson-2")
    take_quiz(logged_in, RIGHT_ANSWERS)
    assert export_queries() == once


def test_the_export_and_deletion_need_a_login(client, db):
    for url in ("/account/export", "/account/delete"):
        response = client.get(url)
        assert response.status_code == 302 and "/account/login" in response.headers["Location"]


def test_deleting_the_account_removes_all_of_it_and_nothing_of_anyone_else(
    app, db, course, logged_in, user, clock
):
    take_quiz(logged_in, RIGHT_ANSWERS)
    clock.advance(minutes=10)
    card_id, reveal = answer_card(logged_in)
    rate(logged_in, card_id, reveal, 3)
    other = create_user(email="other@example.com")
    take_quiz(signed_in(app, other), RIGHT_ANSWERS)
    teacher = create_user(email="teacher@example.com", role="instructor")
    a_class_with(db, teacher, user, other)
    user_id, email = user.id, user.email

    page = logged_in.get("/account/delete")
    assert page.status_code == 200
    assert_accessible(page.text)
    assert "cannot be undone" in page.text

    response = logged_in.submit("/account/delete", {"password": DEFAULT_PASSWORD})

    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert "everything stored about it are deleted" in logged_in.get("/").text
    assert logged_in.get("/today").status_code == 302, "the browser is signed out"
    db.session.expire_all()
    assert db.session.get(User, user_id) is None
    for model in (LessonProgress, QuizAttempt, ReviewCard, ReviewLog, ActivityDay):
        assert rows(db, model, user_id) == 0, model.__name__
    assert rows(db, ClassMembership, user_id) == 0
    assert rows(db, QuizAttempt, other.id) == 1 and rows(db, ReviewCard, other.id) == 6
    assert rows(db, ClassMembership, other.id) == 1
    assert logged_in.login(email).status_code == 400


def test_a_wrong_password_deletes_nothing(db, logged_in, user):
    response = logged_in.submit("/account/delete", {"password": "not my password"})

    assert response.status_code == 400
    assert "Your password is not correct." in response.text
    db.session.expire_all()
    assert db.session.get(User, user.id) is not None
    assert logged_in.get("/today").status_code == 200


def test_an_instructors_classes_pass_to_a_co_instructor_or_go_with_them(app, db, course):
    owner = create_user(email="owner@example.com", role="instructor")
    co = create_user(email="co@example.com", role="instructor", display_name="Co Teacher")
    learner = create_user(email="learner@example.com")
    shared = a_class_with(db, owner, learner, co_instructor=co)
    alone = classes.create_class(owner=owner, name="Night shift", description="", time_zone="UTC")
    db.session.commit()
    due = f"{utcnow() + timedelta(days=30):%Y-%m-%dT%H:%M}"
    for classroom in (shared, alone):
        response = signed_in(app, owner).submit(
            f"/classes/{classroom.id}/assignments/new",
            {"target": "lesson:module-1-lesson-1", "due": due, "pass_mark": ""},
        )
        assert response.status_code == 303, response.text
    take_quiz(signed_in(app, learner), RIGHT_ANSWERS)
    shared_id, alone_id = shared.id, alone.id

    client = signed_in(app, owner)
    page = client.get("/account/delete").text
    assert "Line leads:" in page and "passes to Co Teacher" in page
    assert "Night shift:" in page and "deleted, with its assignments" in page
    assert client.submit("/account/delete", {"password": DEFAULT_PASSWORD}).status_code == 303

    db.session.expire_all()
    kept = db.session.get(Classroom, shared_id)
    assert kept.owner_id == co.id
    (assignment,) = kept.assignments
    assert assignment.created_by_id == co.id
    assert db.session.get(Classroom, alone_id) is None
    assert db.session.scalar(select(func.count()).select_from(Assignment)) == 1
    assert rows(db, QuizAttempt, learner.id) == 1, "learners keep their own progress"
    assert signed_in(app, co).get(f"/classes/{shared_id}/gradebook").status_code == 200


def test_the_only_admin_cannot_delete_their_account(app, db):
    admin = create_user(email="admin@example.com", role="admin")
    response = signed_in(app, admin).submit("/account/delete", {"password": DEFAULT_PASSWORD})

    assert response.status_code == 400
    assert "You are the only admin" in response.text
    db.session.expire_all()
    assert db.session.get(User, admin.id) is not None


def test_signing_in_starts_a_fresh_session(app, db, user):
    client = app.test_client()
    with client.session_transaction() as session:
        session["planted"] = "by someone who had this browser before"
    assert client.login(user.email).status_code == 302
    with client.session_transaction() as session:
        assert "planted" not in session
        token = session["_user_id"]
    # The cookie names a session of the user's, kept on the server.
    assert load_user(token).id == user.id
