"""Reviews without a connection (routes of the `review` blueprint): the pack of today's cards
the device keeps, the page that reviews them offline, and the sync that takes the ratings
given meanwhile. See `services.offline_reviews` for the rules."""

from __future__ import annotations

from flask import jsonify, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms import ValidationError

from quizapp.db import db, utcnow
from quizapp.review.views import bp
from quizapp.services import offline_reviews
from quizapp.services.errors import Refused


@bp.get("/offline")
def offline():
    """The offline review page: its cards come from the device, not from this response, so
    the service worker can keep it and open it without a connection."""
    return render_template("review/offline.html", offline_shell=True)


@bp.get("/offline.json")
def offline_pack():
    cards = offline_reviews.offline_pack(user=current_user, now=utcnow())
    response = jsonify({"cards": [card.as_json() for card in cards]})
    # The learner's own cards: never in a shared cache.
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/sync")
def sync():
    """Ratings given offline, as JSON with the CSRF token in X-CSRFToken: each is accepted
    once, refused with its reason, or reported a duplicate."""
    try:
        validate_csrf(request.headers.get("X-CSRFToken", ""))
    except (ValidationError, CSRFError):
        return jsonify({"error": "The page was open too long: reload it to send."}), 400
    body = request.get_json(silent=True)
    try:
        batch = offline_reviews.read_batch(body)
    except Refused as error:
        return jsonify({"error": error.message}), error.status
    outcomes = offline_reviews.sync_ratings(user=current_user, batch=batch, now=utcnow())
    db.session.commit()
    return jsonify({"results": [outcome.as_json() for outcome in outcomes]})
