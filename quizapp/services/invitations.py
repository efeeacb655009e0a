"""Inviting people to a class by email: one message each, through the outbox, with a link
that lets whoever signs in with that address join (signing up first if they have to)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from quizapp.core.accounts import email_problem, normalize_email
from quizapp.core.tokens import TokenProblem, make_token, read_token
from quizapp.db import db
from quizapp.mail.setup import absolute_url
from quizapp.models import ClassInvitation, ClassMembership, Classroom, User
from quizapp.models.classes import INSTRUCTOR
from quizapp.services.classes import enrol_learner, require_active, role_in
from quizapp.services.errors import Refused
from quizapp.services.letters import Letter, post_letters

INVITATION = "class-invitation"
LIFETIME = timedelta(days=30)
MOST_AT_ONCE = 200
# Commas, semicolons, line breaks and the tabs of a pasted spreadsheet column separate
# entries; within one, "Name <address>" (as mail clients copy it) gives the address, and
# spaces separate addresses otherwise.
_ENTRIES = re.compile(r"[,;\n\r\t]+")
_BRACKETED = re.compile(r"<([^<>\s]+)>")


@dataclass
class InvitationReport:
    invited: list[str] = field(default_factory=list)
    # (what was typed, why it was left out), in the order given.
    skipped: list[tuple[str, str]] = field(default_factory=list)


def split_addresses(text: str) -> list[str]:
    """The addresses in pasted text, in order."""
    addresses = []
    for entry in _ENTRIES.split(text):
        bracketed = _BRACKETED.findall(entry)
        addresses += bracketed or [word.strip("\"'") for word in entry.split() if word.strip("\"'")]
    return addresses


def invite(*, classroom: Classroom, by: User, text: str, now: datetime) -> InvitationReport:
    """Invite every well-formed address in `text` that is not already in the class or
    invited; the rest are reported one by one, and go through regardless."""
    require_active(classroom)
    addresses = split_addresses(text)
    if not addresses:
        raise Refused(400, "Paste at least one email address.")
    if len(addresses) > MOST_AT_ONCE:
        raise Refused(400, f"Invite at most {MOST_AT_ONCE} people at a time.")
    wanted = {normalize_email(a) for a in addresses}
    members = dict(
        db.session.execute(
            select(User.email, ClassMembership.role)
            .join(ClassMembership, ClassMembership.user_id == User.id)
            .where(ClassMembership.class_id == classroom.id, User.email.in_(wanted))
        ).all()
    )
    # An invitation used by someone who has since left (or was removed) is spent: a new
    # one takes its place, as the instructor means.
    db.session.execute(
        delete(ClassInvitation).where(
            ClassInvitation.class_id == classroom.id,
            ClassInvitation.email.in_(wanted - members.keys()),
            ClassInvitation.accepted_at.is_not(None),
        )
    )
    pending = set(
        db.session.scalars(
            select(ClassInvitation.email).where(
                ClassInvitation.class_id == classroom.id, ClassInvitation.email.in_(wanted)
            )
        )
    )
    accounts = dict(
        db.session.execute(
            select(User.email, User.email_verified_at).where(User.email.in_(wanted))
        ).all()
    )
    report, seen, letters = InvitationReport(), set(), []
    for typed in addresses:
        email = normalize_email(typed)
        if problem := email_problem(email):
            report.skipped.append((typed, f"not an email address ({problem.rstrip('.')})"))
        elif email in seen:
            report.skipped.append((typed, "listed twice"))
        elif email in members:
            what = "teaches" if members[email] == INSTRUCTOR else "is already in"
            report.skipped.append((typed, f"{what} this class"))
        elif email in pending:
            report.skipped.append((typed, "already invited"))
        elif email in accounts and accounts[email] is None:
            report.skipped.append(
                (typed, "has an account whose address is not confirmed: share the join code")
            )
        else:
            invitation = ClassInvitation(
                class_id=classroom.id, email=email, invited_by_id=by.id, created_at=now
            )
            try:
                # Added inside the savepoint, so that rolling it back forgets the row too.
                with db.session.begin_nested():
                    db.session.add(invitation)
                    db.session.flush()
            except IntegrityError:  # invited by a colleague at the same moment
                report.skipped.append((typed, "already invited"))
                continue
            letters.append(
                _letter(classroom, by, invitation, has_account=email in accounts, now=now)
            )
            report.invited.append(email)
        seen.add(email)
    post_letters(letters, now=now)
    return report


def _letter(classroom, by, invitation, *, has_account: bool, now: datetime) -> Letter:
    token = make_token(current_app.config["SECRET_KEY"], INVITATION, {"i": invitation.id})
    how = (
        "Open the link, log in if you are asked to, and press Join."
        if has_account
        else "Open the link, create your free account with this address, and press Join."
    )
    subject = f"{by.display_name} invites you to {classroom.name} on quizapp"
    if len(subject) > 200:  # what outbox.subject holds; the longest names make 227
        subject = subject[:199] + "…"
    return Letter(
        kind=INVITATION,
        recipient=invitation.email,
        subject=subject,
        greeting="Hello,",
        paragraphs=[
            f"{by.display_name} invites you to join their class {classroom.name} on quizapp, "
            "short lessons and quizzes on what a production manager does.",
            how,
            f"The invitation works for {LIFETIME.days} days.",
        ],
        action_label=f"Join {classroom.name}",
        action_url=absolute_url("invitations.open", token=token),
        # One message per invitation made: invited again the day one was withdrawn, the
        # address gets the new link (ids alone may be reused once deleted, on SQLite).
        about=f"class:{classroom.id}@{now.isoformat()}",
        day=now.date(),
        footer=[
            f"{by.display_name} typed this address on quizapp. If you do not know them, "
            "ignore this message: nothing happens."
        ],
    )


def pending_invitations(classroom: Classroom) -> list[ClassInvitation]:
    return list(
        db.session.scalars(
            select(ClassInvitation)
            .where(ClassInvitation.class_id == classroom.id, ClassInvitation.accepted_at.is_(None))
            .order_by(ClassInvitation.created_at, ClassInvitation.id)
        )
    )


def revoke(*, classroom: Classroom, invitation_id: int) -> str:
    """Withdraw a pending invitation of this class (404 for any other); its link stops."""
    require_active(classroom)
    email = db.session.scalar(
        delete(ClassInvitation)
        .where(
            ClassInvitation.id == invitation_id,
            ClassInvitation.class_id == classroom.id,
            ClassInvitation.accepted_at.is_(None),
        )
        .returning(ClassInvitation.email)
    )
    if email is None:
        raise Refused(404, "There is no such invitation pending in this class.")
    return email


@dataclass(frozen=True)
class OpenInvitation:
    invitation: ClassInvitation
    classroom: Classroom
    account_exists: bool


def open_invitation(token: str, *, now: datetime) -> OpenInvitation:
    """The invitation a link names, while it is pending and young enough; a clear 4xx
    otherwise."""
    try:
        payload = read_token(
            current_app.config["SECRET_KEY"], INVITATION, token, now=now, max_age=LIFETIME
        )
    except TokenProblem as problem:
        if str(problem) == "expired":
            raise Refused(
                400,
                "This invitation has expired. Ask your instructor for a new "
                "one, or for the class's join code.",
            ) from None
        raise Refused(
            404, "This invitation link is not valid. Check that you copied all of it."
        ) from None
    row = (
        db.session.execute(
            select(ClassInvitation, Classroom)
            .join(Classroom, Classroom.id == ClassInvitation.class_id)
            .where(ClassInvitation.id == payload.get("i"))
        ).first()
        if isinstance(payload.get("i"), int)
        else None
    )
    if row is None:
        raise Refused(404, "This invitation was withdrawn by the instructor.")
    invitation, classroom = row
    if classroom.archived_at is not None:
        raise Refused(400, f"{classroom.name} has been archived: it takes no new learners.")
    exists = db.session.scalar(select(User.id).where(User.email == invitation.email)) is not None
    return OpenInvitation(invitation, classroom, exists)


def accept(opened: OpenInvitation, *, user: User, now: datetime) -> Classroom:
    """Join the class as the invited address's account; opening the mailed link proves the
    address, so it counts as confirmed. 403 for an account with another address."""
    invitation, classroom = opened.invitation, opened.classroom
    if user.email != invitation.email:
        raise Refused(
            403,
            f"This invitation was sent to {invitation.email}, and you are logged in as "
            f"{user.email}. Log out, then open the link again.",
        )
    role = role_in(classroom, user)
    if role is None and invitation.accepted_at is not None:
        # Used once already: a learner who left, or was removed, needs a new invitation.
        raise Refused(
            409, "This invitation has been used already. Ask your instructor for a new one."
        )
    if role is None:
        # False for the same link pressed twice at once: one membership stands either way.
        enrol_learner(classroom=classroom, user=user, now=now)
    invitation.accepted_at = invitation.accepted_at or now
    user.email_verified_at = user.email_verified_at or now
    db.session.flush()
    return classroom
