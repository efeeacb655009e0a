"""What the site's navigation shows a signed-in learner on every page: the reviews waiting,
counted once a request and shared with the pages that show the same figure."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, g
from flask_login import current_user

from quizapp.db import utcnow
from quizapp.services import reviews


def review_counts(now: datetime | None = None) -> reviews.Today:
    """The learner's review day (one query), the same figures for the Review tab, Today and
    the review page. Read once a request: call it only after the request's last write."""
    if "review_counts" not in g:
        g.review_counts = reviews.today(user=current_user, now=now or utcnow())
    return g.review_counts


def init_navigation(app: Flask) -> None:
    app.context_processor(lambda: {"review_counts": review_counts})
