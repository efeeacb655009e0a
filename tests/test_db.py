"""The database behaves the same on SQLite and PostgreSQL where it matters."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from quizapp.db import utcnow
from quizapp.models import ActivityDay, LessonProgress
from tests.factories import create_user


def test_foreign_keys_are_enforced(db):
    user = create_user()
    db.session.add(LessonProgress(user_id=user.id, lesson_id=987654, started_at=utcnow()))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_deleting_a_user_deletes_their_activity(db):
    user = create_user()
    db.session.add(ActivityDay(user_id=user.id, day=utcnow().date(), answers=3, reviews=0))
    db.session.commit()
    db.session.delete(user)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(ActivityDay)) == 0
