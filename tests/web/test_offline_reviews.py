"""Reviews without a connection, as the device's script does them: the pack of today's cards,
and ratings sent later, accepted once, refused when forged, applied in time order."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from quizapp.models import Question, ReviewCard, ReviewLog
from quizapp.services.review_rebuild import rebuild_cards
from tests.conftest import signed_in
from tests.factories import create_user
from tests.web.pages import RIGHT_ANSWERS
from tests.web.test_quiz import take_quiz


@pytest.fixture
def reviewer(logged_in, course, clock):
    """Six cards from a quiz taken ten minutes ago, due now."""
    take_quiz(logged_in, RIGHT_ANSWERS)
    clock.advance(minutes=10)
    return logged_in


def pack(client) -> list[dict]:
    response = client.get("/review/offline.json")
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    return response.get_json()["cards"]


def sync(client, ratings, *, token: str | None = None):
    token = token if token is not None else client.csrf_token("/review")
    return client.post("/review/sync", json={"ratings": ratings}, headers={"X-CSRFToken": token})


def rating(card: int, at, value: int = 3, **extra) -> dict:
    return {"id": str(uuid.uuid4()), "card": card, "rating": value, "at": at.isoformat(), **extra}


def log_rows(db) -> int:
    return db.session.scalar(
        select(func.count()).select_from(ReviewLog).where(ReviewLog.kind == "review")
    )


def test_the_pack_holds_todays_cards_with_what_the_learner_sees_after_flipping(
    app, reviewer, user, db
):
    cards = pack(reviewer)
    assert len(cards) == 6
    first = cards[0]
    assert first["prompt"] and first["answer"] and first["explanation"]
    assert first["lesson"] == "Lesson 1.1" and first["new"] is False
    # Within the day's limits, as the review page counts them.
    user.reviews_per_day = 4
    db.session.commit()
    assert len(pack(reviewer)) == 4
    # Another learner's pack is theirs alone.
    stranger = signed_in(app, create_user(email="stranger@example.com"))
    assert pack(stranger) == []
    # The offline page is a shell the service worker keeps: no card is in it.
    page = reviewer.get("/review/offline").get_data(as_text=True)
    assert "Review offline" in page and first["prompt"] not in page


def test_offline_ratings_are_applied_once_in_time_order_at_their_own_times(
    reviewer, user, db, clock
):
    cards = [card["card"] for card in pack(reviewer)]
    start = clock()
    first_card = cards[0]
    # Given offline over the next half hour, sent later and out of order.
    batch = [
        rating(first_card, start + timedelta(minutes=20), 3),
        rating(first_card, start + timedelta(minutes=1), 1),
        rating(cards[1], start + timedelta(minutes=2), 4),
    ]
    clock.advance(hours=2)
    before = log_rows(db)
    response = sync(reviewer, batch)
    assert response.status_code == 200
    assert [r["status"] for r in response.get_json()["results"]] == ["accepted"] * 3
    assert log_rows(db) == before + 3
    logs = db.session.scalars(
        select(ReviewLog)
        .where(ReviewLog.card_id == first_card, ReviewLog.kind == "review")
        .order_by(ReviewLog.reviewed_at)
    ).all()
    # Again at minute 1, then Good at minute 20: in the order they were given.
    assert [log.rating for log in logs] == [1, 3]
    assert [log.reviewed_at for log in logs] == [
        start + timedelta(minutes=1),
        start + timedelta(minutes=20),
    ]
    # The cards are what replaying the log gives, as if reviewed online at those times.
    assert rebuild_cards(user=user) == (6, 0)

    # The same batch again, as a retry after a lost answer: nothing new.
    again = sync(reviewer, batch)
    assert [r["status"] for r in again.get_json()["results"]] == ["duplicate"] * 3
    assert log_rows(db) == before + 3


def test_forged_late_or_foreign_ratings_are_refused_without_a_row(app, reviewer, db, clock):
    cards = [card["card"] for card in pack(reviewer)]
    now = clock()
    stranger = create_user(email="stranger@example.com")
    db.session.commit()
    retired_card = cards[2]
    question_id = db.session.get(ReviewCard, retired_card).question_id
    db.session.execute(update(Question).where(Question.id == question_id).values(retired_at=now))
    db.session.commit()
    last_review = db.session.get(ReviewCard, cards[0]).last_review
    batch = [
        rating(cards[0], now + timedelta(hours=1)),
        rating(cards[0], now - timedelta(days=8)),
        rating(cards[0], last_review - timedelta(seconds=1)),
        rating(retired_card, now),
        rating(999_999, now),
    ]
    before = log_rows(db)
    results = sync(reviewer, batch).get_json()["results"]
    assert [r["status"] for r in results] == ["refused"] * 5
    assert [r["reason"] for r in results] == [
        "The time is in the future.",
        "The rating is more than a week old.",
        "The card was reviewed after this rating was given.",
        "The question has been retired from the course.",
        "There is no such card among yours.",
    ]
    # Someone else's card reads as no card at all.
    other = signed_in(app, stranger)
    refused = sync(other, [rating(cards[1], now)]).get_json()["results"][0]
    assert refused["reason"] == "There is no such card among yours."
    assert log_rows(db) == before


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        {"ratings": "all of them"},
        {"ratings": [{"id": "not-a-uuid", "card": 1, "rating": 3, "at": "2026-12-01T10:00:00Z"}]},
        {
            "ratings": [
                {"id": str(uuid.uuid4()), "card": 1, "rating": 7, "at": "2026-12-01T10:00:00Z"}
            ]
        },
        {
            "ratings": [
                {"id": str(uuid.uuid4()), "card": True, "rating": 3, "at": "2026-12-01T10:00:00Z"}
            ]
        },
        {"ratings": [{"id": str(uuid.uuid4()), "card": 1, "rating": 3, "at": "yesterday"}]},
        {
            "ratings": [
                {"id": str(uuid.uuid4()), "card": 1, "rating": 3, "at": "2026-12-01T10:00:00"}
            ]
        },
    ],
)
def test_a_tampered_body_is_refused_whole(reviewer, db, body):
    token = reviewer.csrf_token("/review")
    before = log_rows(db)
    if isinstance(body, str):
        response = reviewer.post(
            "/review/sync",
            data=body,
            headers={"X-CSRFToken": token},
            content_type="application/json",
        )
    else:
        response = reviewer.post("/review/sync", json=body, headers={"X-CSRFToken": token})
    assert response.status_code == 400 and response.get_json()["error"]
    assert log_rows(db) == before


def test_without_its_csrf_token_or_with_one_id_twice_nothing_is_applied(reviewer, db, clock):
    card = pack(reviewer)[0]["card"]
    one = rating(card, clock())
    before = log_rows(db)
    assert sync(reviewer, [one], token="forged").status_code == 400
    twice = sync(reviewer, [one, {**one, "rating": 1}])
    assert twice.status_code == 400 and "twice" in twice.get_json()["error"]
    assert log_rows(db) == before


def test_the_site_is_installable_from_its_manifest_and_worker(client, db):
    manifest = client.get("/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json"
    data = manifest.get_json(force=True)
    assert data["display"] == "standalone" and data["start_url"] == "/today"
    for icon in data["icons"]:
        response = client.get(icon["src"])
        assert response.status_code == 200 and response.mimetype == "image/png"
        response.close()
    worker = client.get("/sw.js")
    assert worker.mimetype == "text/javascript" and worker.headers["Cache-Control"] == "no-cache"
    assert "/review/offline" in worker.get_data(as_text=True)
    assert 'rel="manifest"' in client.get("/").get_data(as_text=True)


def test_the_offline_page_leaves_a_waiting_message_for_the_next_page(reviewer):
    # The service worker fetches it in the background, right after any action.
    reviewer.post("/review/undo", data={"csrf_token": reviewer.csrf_token("/review")})
    assert "Review offline" in reviewer.get("/review/offline").get_data(as_text=True)
    page = reviewer.get("/review").get_data(as_text=True)
    assert 'class="flash' in page


def test_requests_behind_the_page_leave_its_session_cookie_alone(reviewer):
    """Answered after the page's own request, their cookie would replace the one holding the
    page's message: they send none."""

    def cookies(response) -> set[str]:
        return {c.split("=", 1)[0] for c in response.headers.getlist("Set-Cookie")}

    behind = {"X-Quizapp-Background": "1"}
    assert "session" not in cookies(reviewer.get("/review/offline.json", headers=behind))
    assert "session" not in cookies(reviewer.get("/review/offline", headers=behind))
    assert "session" in cookies(reviewer.get("/today"))


def test_files_fetched_beside_the_pages_leave_the_session_cookie_alone(reviewer):
    for url in ("/static/css/app.css", "/manifest.webmanifest", "/sw.js"):
        response = reviewer.get(url)
        assert "session" not in {c.split("=", 1)[0] for c in response.headers.getlist("Set-Cookie")}
        response.close()
