"""Accounts: registration, sign-in, password and role changes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from quizapp.core.accounts import (
    DAILY_GOAL_MAX,
    display_name_problem,
    email_problem,
    normalize_email,
    password_problem,
    time_zones,
)
from quizapp.core.scheduling import light_days_mask
from quizapp.db import db, utcnow
from quizapp.models import ROLES, User
from quizapp.services.sessions import end_other_sessions


class AccountError(ValueError):
    """A request the account rules refuse; `field` names the form field it belongs to."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


# Checked when the email is unknown, so a failed login costs the same time either way.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def hash_password(password: str) -> str:
    # Werkzeug's default is scrypt, a memory-hard function.
    return generate_password_hash(password)


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def register_user(
    *, email: str, display_name: str, password: str, time_zone: str = "UTC", role: str = "learner"
) -> User:
    """Create an account, or raise AccountError naming the field at fault; writes nothing then."""
    email = normalize_email(email)
    if problem := email_problem(email):
        raise AccountError("email", problem)
    display_name = display_name.strip()
    if problem := display_name_problem(display_name):
        raise AccountError("display_name", problem)
    if role not in ROLES:
        raise AccountError("role", f"Role must be one of {', '.join(ROLES)}.")
    if time_zone not in time_zones():
        raise AccountError("time_zone", "Choose a time zone from the list.")
    problem = password_problem(password, email=email, display_name=display_name)
    if problem:
        raise AccountError("password", problem)
    if user_by_email(email) is not None:
        raise AccountError("email", "An account with this email already exists. Log in instead.")
    user = User(
        email=email,
        display_name=display_name,
        password_hash=hash_password(password),
        role=role,
        time_zone=time_zone,
    )
    db.session.add(user)
    try:
        # A savepoint, so losing a race for the same email leaves the session usable.
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise AccountError(
            "email", "An account with this email already exists. Log in instead."
        ) from None
    return user


def authenticate(*, email: str, password: str) -> User | None:
    """The user these credentials belong to, or None, without revealing which part was wrong."""
    user = user_by_email(email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password):
        return None
    user.last_login_at = utcnow()
    return user


def change_password(user: User, *, current_password: str, new_password: str) -> None:
    """Set a new password and end every other session of this user."""
    if not check_password_hash(user.password_hash, current_password):
        raise AccountError("current_password", "Your current password is not correct.")
    if current_password == new_password:
        raise AccountError("new_password", "Choose a password different from the current one.")
    set_password(user, new_password)


def set_password(user: User, new_password: str, *, field: str = "new_password") -> None:
    """Give the user a new password and end every session but the one `user` was loaded
    for (every one, outside a request), or raise AccountError if the password is weak."""
    problem = password_problem(new_password, email=user.email, display_name=user.display_name)
    if problem:
        raise AccountError(field, problem)
    user.password_hash = hash_password(new_password)
    end_other_sessions(user)
    db.session.flush()


def update_settings(
    user: User,
    *,
    display_name: str,
    time_zone: str,
    daily_goal: int,
    desired_retention: float,
    new_cards_per_day: int,
    reviews_per_day: int,
    light_weekdays: Iterable[int] = (),
) -> None:
    """Change what a learner may change about themselves; AccountError names a bad field."""
    display_name = display_name.strip()
    if problem := display_name_problem(display_name):
        raise AccountError("display_name", problem)
    if time_zone not in time_zones():
        raise AccountError("time_zone", "Choose a time zone from the list.")
    if not 1 <= daily_goal <= DAILY_GOAL_MAX:
        raise AccountError("daily_goal", f"Choose a goal from 1 to {DAILY_GOAL_MAX} answers.")
    if not 0.7 <= desired_retention <= 0.97:
        raise AccountError("desired_retention", "Choose a retention from 0.70 to 0.97.")
    if not 0 <= new_cards_per_day <= 999 or not 1 <= reviews_per_day <= 9999:
        raise AccountError("reviews_per_day", "Choose daily limits within the allowed range.")
    if not set(light_weekdays) <= set(range(7)):
        raise AccountError("light_weekdays", "Choose lighter days among the days of the week.")
    user.display_name = display_name
    user.time_zone = time_zone
    user.daily_goal = daily_goal
    user.desired_retention = desired_retention
    user.new_cards_per_day = new_cards_per_day
    user.reviews_per_day = reviews_per_day
    user.light_days = light_days_mask(light_weekdays)
    db.session.flush()


def set_role(*, email: str, role: str) -> User:
    """Give an existing account another role."""
    if role not in ROLES:
        raise AccountError("role", f"Role must be one of {', '.join(ROLES)}.")
    user = user_by_email(email)
    if user is None:
        raise AccountError("email", f"No account with the email {normalize_email(email)}.")
    user.role = role
    db.session.flush()
    return user


USERS_PAGE_SIZE = 50


@dataclass(frozen=True)
class UserPage:
    users: list[User]
    page: int
    pages: int
    total: int


def list_users(*, search: str = "", page: int = 1) -> UserPage:
    """Accounts by email, filtered by part of an email or name (two queries)."""
    query = select(User)
    needle = search.strip().lower()
    if needle:
        # Autoescaped, so a % or _ typed in the search box is matched, not obeyed.
        query = query.where(
            func.lower(User.email).contains(needle, autoescape=True)
            | func.lower(User.display_name).contains(needle, autoescape=True)
        )
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // USERS_PAGE_SIZE))
    page = min(max(1, page), pages)
    users = db.session.scalars(
        query.order_by(User.email).limit(USERS_PAGE_SIZE).offset((page - 1) * USERS_PAGE_SIZE)
    ).all()
    return UserPage(list(users), page, pages, total)


def change_role(*, actor: User, user_id: int, role: str) -> User:
    """An admin gives another account a role; admins cannot demote themselves (no lock-out)."""
    if role not in ROLES:
        raise AccountError("role", f"Role must be one of {', '.join(ROLES)}.")
    user = db.session.get(User, user_id)
    if user is None:
        raise AccountError("user", "There is no such account.")
    if user.id == actor.id and role != "admin":
        raise AccountError("role", "You cannot take away your own admin role.")
    user.role = role
    db.session.flush()
    return user
