"""An instructor invites people by email; each opens the mailed link and joins, with an
account or after making one. Mail goes through a real SMTP server."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from quizapp.db import utcnow
from quizapp.models import ClassInvitation, ClassMembership, OutboxMessage, User
from quizapp.services import classes
from tests.conftest import send_mail, signed_in
from tests.factories import DEFAULT_PASSWORD, create_user
from tests.smtp import links_in, path_of, text_of

NEW_PASSWORD = "plum kettle harbour lamp"


@pytest.fixture
def course(db):
    teacher = create_user(role="instructor", display_name="Ines Teacher")
    classroom = classes.create_class(
        owner=teacher, name="Line leads", description="Night shift", time_zone="UTC"
    )
    db.session.commit()
    return teacher, classroom


def members(db, classroom) -> set[str]:
    db.session.rollback()
    return set(
        db.session.scalars(
            select(User.email)
            .join(ClassMembership, ClassMembership.user_id == User.id)
            .where(ClassMembership.class_id == classroom.id, ClassMembership.role == "learner")
        )
    )


def invite(client, classroom, text: str, **kwargs):
    return client.submit(
        f"/classes/{classroom.id}/invitations",
        {"addresses": text},
        form_url=f"/classes/{classroom.id}",
        **kwargs,
    )


def test_invitations_are_reported_line_by_line_and_the_rest_go_through(app, db, inbox, course):
    teacher, classroom = course
    member = create_user(email="member@example.com")
    classes.join_class(user=member, code=classroom.join_code, now=utcnow())
    known = create_user(email="known@example.com")
    known.email_verified_at = utcnow()
    create_user(email="unconfirmed@example.com")
    db.session.commit()
    browser = signed_in(app, teacher)
    pasted = (
        "Nia New <nia@example.com>, known@example.com\n"
        "not-an-address\nNIA@example.com;member@example.com\tunconfirmed@example.com"
    )
    page = invite(browser, classroom, pasted, follow_redirects=True).text
    assert "2 invitations sent: nia@example.com, known@example.com." in page
    assert "Not invited: not-an-address, not an email address" in page
    assert "Not invited: NIA@example.com, listed twice." in page
    assert "Not invited: member@example.com, is already in this class." in page
    assert (
        "Not invited: unconfirmed@example.com, has an account whose address is not confirmed"
        in page
    )
    assert "Waiting for an answer (2)" in page

    again = invite(browser, classroom, "nia@example.com")
    assert again.status_code == 400 and "nia@example.com: already invited." in again.text

    send_mail(app)
    assert sorted(m["To"] for m in inbox.messages) == ["known@example.com", "nia@example.com"]
    newcomer = text_of(inbox.only_to("nia@example.com"))
    assert "Ines Teacher invites you" in newcomer and "create your free account" in newcomer


def test_a_newcomer_signs_up_from_the_mail_and_lands_in_the_class(app, db, inbox, course):
    teacher, classroom = course
    invite(signed_in(app, teacher), classroom, "nia@example.com")
    send_mail(app)
    link = path_of(links_in(inbox.only_to("nia@example.com"))[0])

    browser = app.test_client()
    page = browser.get(link).text
    assert "Create an account and join" in page
    signup = browser.get(
        f"/account/register?next={link}&email=nia@example.com", follow_redirects=False
    ).text
    assert 'value="nia@example.com"' in signup
    data = {
        "email": "nia@example.com",
        "display_name": "Nia",
        "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD,
        "time_zone": "UTC",
    }
    registered = browser.submit(f"/account/register?next={link}", data)
    assert registered.status_code == 302 and registered.headers["Location"] == link
    joined = browser.submit(link, {})
    assert joined.status_code == 303
    assert members(db, classroom) == {"nia@example.com"}
    nia = db.session.scalar(select(User).where(User.email == "nia@example.com"))
    assert nia.email_verified_at is not None, "the invitation's link proves the address"
    assert (
        "Waiting for an answer" not in signed_in(app, teacher).get(f"/classes/{classroom.id}").text
    )
    # Pressed again (a second tab): still one membership.
    assert browser.submit(link, {}, form_url=link).status_code == 303
    assert members(db, classroom) == {"nia@example.com"}


def test_an_account_holder_logs_in_and_joins_even_with_joining_switched_off(app, db, inbox, course):
    teacher, classroom = course
    known = create_user(email="known@example.com")
    known.email_verified_at = utcnow()
    classroom.joining_open = False
    db.session.commit()
    invite(signed_in(app, teacher), classroom, "known@example.com")
    send_mail(app)
    link = path_of(links_in(inbox.only_to("known@example.com"))[0])
    browser = app.test_client()
    assert "Log in to join" in browser.get(link).text
    logged = browser.submit(
        f"/account/login?next={link}",
        {"email": known.email, "password": DEFAULT_PASSWORD},
        form_url="/account/login",
    )
    assert logged.headers["Location"] == link
    assert browser.submit(link, {}).status_code == 303
    assert members(db, classroom) == {"known@example.com"}


def test_someone_else_signed_in_cannot_use_the_invitation(app, db, inbox, course):
    teacher, classroom = course
    invite(signed_in(app, teacher), classroom, "nia@example.com")
    send_mail(app)
    link = path_of(links_in(inbox.only_to("nia@example.com"))[0])
    other = signed_in(app, create_user(email="other@example.com"))
    page = other.get(link)
    assert page.status_code == 403 and "You are logged in as other@example.com" in page.text
    token = other.csrf_token("/classes")
    assert other.post(link, data={"csrf_token": token}).status_code == 403
    assert members(db, classroom) == set()


def test_a_withdrawn_tampered_or_expired_invitation_does_not_open(app, db, inbox, course, clock):
    teacher, classroom = course
    browser = signed_in(app, teacher)
    invite(browser, classroom, "nia@example.com, sam@example.com")
    send_mail(app)
    nia_link = path_of(links_in(inbox.only_to("nia@example.com"))[0])
    sam_link = path_of(links_in(inbox.only_to("sam@example.com"))[0])
    nia = db.session.scalar(
        select(ClassInvitation.id).where(ClassInvitation.email == "nia@example.com")
    )
    withdrawn = browser.submit(
        f"/classes/{classroom.id}/invitations/{nia}/revoke", {}, form_url=f"/classes/{classroom.id}"
    )
    assert withdrawn.status_code == 303
    gone = app.test_client().get(nia_link)
    assert gone.status_code == 404 and "withdrawn" in gone.text
    assert app.test_client().get(nia_link[:-4] + "abcd").status_code == 404

    clock.advance(days=31)
    expired = app.test_client().get(sam_link)
    assert expired.status_code == 400 and "expired" in expired.text


def test_nothing_valid_to_invite_is_a_400_that_writes_nothing(app, db, course):
    teacher, classroom = course
    response = invite(signed_in(app, teacher), classroom, "nope, also nope")
    assert response.status_code == 400 and "Nobody was invited." in response.text
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ClassInvitation)) == 0
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_only_the_class_instructors_invite_and_withdraw(app, db, course):
    teacher, classroom = course
    invite(signed_in(app, teacher), classroom, "nia@example.com")
    invitation = db.session.scalar(select(ClassInvitation.id))
    learner = create_user()
    classes.join_class(user=learner, code=classroom.join_code, now=utcnow())
    db.session.commit()
    as_learner = signed_in(app, learner)
    assert invite(as_learner, classroom, "x@example.com").status_code == 403
    outsider = signed_in(app, create_user(role="instructor"))
    assert invite(outsider, classroom, "x@example.com").status_code == 404
    revoke = f"/classes/{classroom.id}/invitations/{invitation}/revoke"
    assert outsider.submit(revoke, {}, form_url="/classes").status_code == 404
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ClassInvitation)) == 1


def test_pasted_addresses_are_read_as_people_paste_them():
    from quizapp.services.invitations import split_addresses

    pasted = "Nia New <nia@example.com>, sam@example.com\nlee@example.com;\tkim@example.com  x@y.z"
    assert split_addresses(pasted) == [
        "nia@example.com",
        "sam@example.com",
        "lee@example.com",
        "kim@example.com",
        "x@y.z",
    ]


def test_a_used_invitation_does_not_bring_a_removed_learner_back(app, db, inbox, course):
    teacher, classroom = course
    known = create_user(email="known@example.com")
    known.email_verified_at = utcnow()
    db.session.commit()
    teacher_browser = signed_in(app, teacher)
    invite(teacher_browser, classroom, "known@example.com")
    send_mail(app)
    link = path_of(links_in(inbox.only_to("known@example.com"))[0])
    learner = signed_in(app, known)
    assert learner.submit(link, {}).status_code == 303
    teacher_browser.submit(
        f"/classes/{classroom.id}/learners/{known.id}/remove",
        {},
        form_url=f"/classes/{classroom.id}",
    )
    assert members(db, classroom) == set()
    refused = learner.submit(link, {})
    assert refused.status_code == 409 and "used already" in refused.text
    assert members(db, classroom) == set()
    # The instructor can invite them again, with a new link.
    page = invite(teacher_browser, classroom, "known@example.com", follow_redirects=True).text
    assert "1 invitation sent: known@example.com." in page
