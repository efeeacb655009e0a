"""Review sessions through the pages: new cards from quizzes, ratings with intervals, undo."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from quizapp.db import utcnow
from quizapp.models import ReviewCard, ReviewLog
from quizapp.services import reviews
from tests.factories import create_user
from tests.web.pages import RIGHT_ANSWERS, WRONG_ANSWERS, FormPage, assert_accessible
from tests.web.test_quiz import question_name, take_quiz


@pytest.fixture
def reviewer(logged_in, course, clock):
    """A learner who took a quiz, all right, ten minutes ago: each answer was its card's first
    step (Good), and the cards' next step is due now."""
    take_quiz(logged_in, RIGHT_ANSWERS)
    clock.advance(minutes=10)
    return logged_in


def card_page(client):
    response = client.get("/review")
    assert response.status_code == 200
    return FormPage(response.get_data(as_text=True)), response.get_data(as_text=True)


def answer_card(client, answers=RIGHT_ANSWERS):
    page, html = card_page(client)
    card_id = re.search(r'action="/review/(\d+)"', html)[1]
    reveal = client.post(f"/review/{card_id}", data=page.answer(answers[question_name(page)]))
    assert reveal.status_code == 200, reveal.get_data(as_text=True)
    return card_id, reveal.get_data(as_text=True)


def rate(client, card_id, reveal_html, rating, *, inline=False):
    """Press a rating button: as a plain form, or as quiz.js sends it (`inline`)."""
    ticket = re.search(r'name="ticket" type="hidden" value="([^"]+)"', reveal_html)[1]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', reveal_html)[1]
    data = {"csrf_token": token, "ticket": ticket, "rating": str(rating)}
    headers = {"X-Requested-With": "fetch"} if inline else {}
    return client.post(f"/review/{card_id}/rate", data=data, headers=headers)


class Tables(HTMLParser):
    """The page's tables by caption, each row as the text of its cells, as a reader hears them."""

    def __init__(self, html: str):
        super().__init__()
        self.tables: dict[str | None, list[tuple[str, ...]]] = {}
        self._caption: str | None = None
        self._rows: list[tuple[str, ...]] = []
        self._row: list[str] = []
        self._text: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._caption, self._rows = None, []
        elif tag == "tr":
            self._row = []
        elif tag in ("caption", "th", "td"):
            self._text = []

    def handle_endtag(self, tag):
        if tag in ("caption", "th", "td") and self._text is not None:
            text, self._text = " ".join("".join(self._text).split()), None
            if tag == "caption":
                self._caption = text
            else:
                self._row.append(text)
        elif tag == "tr":
            self._rows.append(tuple(self._row))
        elif tag == "table":
            self.tables[self._caption] = self._rows

    def handle_data(self, data):
        if self._text is not None:
            self._text.append(data)


def logs(db):
    """Review rows: the quiz answers that began each card are logged too, as quiz rows."""
    return db.session.scalar(select(func.count()).where(ReviewLog.kind == "review"))


def test_quiz_answers_become_new_cards_and_the_dashboard_counts_them(reviewer, db):
    assert db.session.scalar(select(func.count()).select_from(ReviewCard)) == 6
    today = reviewer.get("/today").get_data(as_text=True)
    assert re.search(r'big-number">6<', today) and ">Review 6 cards<" in today


def test_every_answer_offers_four_ratings_with_their_intervals(reviewer, db):
    _, html = card_page(reviewer)
    assert "6 due" in html and "new card" not in html
    assert_accessible(html)
    card_id, reveal = answer_card(reviewer)
    assert "Right!" in reveal
    buttons = re.findall(
        r'value="(\d)"[^>]*aria-label="([^"]+)"[^>]*>\s*(\w+) <span class="rating-wait">([^<]+)<',
        reveal,
    )
    # The card's second step (its first was the quiz answer, Good): Good graduates it.
    assert buttons == [
        ("1", "Again, 1 minute", "Again", "1 min"),
        ("2", "Hard, 10 minutes", "Hard", "10 min"),
        ("3", "Good, 2 days (suggested)", "Good", "2 d"),
        ("4", "Easy, 4 days", "Easy", "4 d"),
    ]
    assert "Your answer was right, so Good is suggested" in reveal
    assert_accessible(reveal)
    response = rate(reviewer, card_id, reveal, 3)
    assert response.status_code == 303 and response.headers["Location"] == "/review"
    assert logs(db) == 1
    card = db.session.get(ReviewCard, int(card_id))
    assert card.reps == 2 and card.state == 2, "the quiz answer, then this review"


def test_a_wrong_answer_suggests_again_and_a_right_one_may_be_rated_again(reviewer, db):
    card_id, reveal = answer_card(reviewer, WRONG_ANSWERS)
    if "Partly right" in reveal:
        assert "Your answer was partly right, so Hard is suggested" in reveal
        assert re.search(r'aria-label="Hard, [^"]+ \(suggested\)"', reveal)
    else:
        assert "Your answer was wrong, so Again is suggested" in reveal
        assert 'aria-label="Again, 1 minute (suggested)"' in reveal
    for bad in (0, 5, "x"):
        assert rate(reviewer, card_id, reveal, bad).status_code == 400
    assert logs(db) == 0
    assert rate(reviewer, card_id, reveal, 1).status_code == 303
    assert db.session.get(ReviewCard, int(card_id)).lapses == 1
    # A lucky guess: right, but the learner knows they did not recall it.
    card_id, reveal = answer_card(reviewer)
    assert "Right!" in reveal
    assert rate(reviewer, card_id, reveal, 1).status_code == 303
    assert db.session.get(ReviewCard, int(card_id)).lapses == 1


def test_a_double_submitted_rating_is_recorded_once(reviewer, db):
    card_id, reveal = answer_card(reviewer)
    assert rate(reviewer, card_id, reveal, 3).status_code == 303
    again = rate(reviewer, card_id, reveal, 3)
    assert again.status_code == 409 and "first rating stands" in again.get_data(as_text=True)
    assert logs(db) == 1


def test_a_rating_sent_by_script_answers_with_the_next_card(reviewer, db):
    card_id, reveal = answer_card(reviewer)
    assert 'data-inline-next="/review"' in reveal
    response = rate(reviewer, card_id, reveal, 3, inline=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # The next card, ready to answer, with the rating already counted.
    next_id = re.search(r'action="/review/(\d+)"', html)[1]
    assert next_id != card_id and "1 done today" in html
    assert_accessible(html)
    assert logs(db) == 1
    assert db.session.get(ReviewCard, int(card_id)).reps == 2
    # Its form is a fresh one: answering it works as on a page loaded the ordinary way.
    page = FormPage(html)
    answered = reviewer.post(
        f"/review/{next_id}", data=page.answer(RIGHT_ANSWERS[question_name(page)])
    )
    assert answered.status_code == 200 and "Right!" in answered.get_data(as_text=True)
    # Pressed twice, the second rating is refused as the page would refuse it.
    again = rate(reviewer, card_id, reveal, 3, inline=True)
    assert again.status_code == 409 and logs(db) == 1


def test_the_last_rating_sent_by_script_answers_with_the_end_of_the_session(reviewer, db):
    for _ in range(6):
        card_id, reveal = answer_card(reviewer)
        response = rate(reviewer, card_id, reveal, 4, inline=True)
    assert response.status_code == 200
    assert "Done for now" in response.get_data(as_text=True)


def test_tampered_tickets_and_other_learners_cards_are_refused(app, reviewer, db):
    card_id, reveal = answer_card(reviewer)
    tampered = reveal.replace(
        'name="ticket" type="hidden" value="', 'name="ticket" type="hidden" value="x'
    )
    assert rate(reviewer, card_id, tampered, 3).status_code == 400
    other = app.test_client()
    other.login(create_user().email)
    assert other.get(f"/review/{card_id}/rate").status_code == 405
    assert rate(other, card_id, reveal, 3).status_code == 404
    assert logs(db) == 0


def test_undo_restores_the_exact_card_several_steps_back(reviewer, db):
    def snapshot(card_id):
        db.session.expire_all()
        card = db.session.get(ReviewCard, int(card_id))
        return reviews.memory_of(card)

    first_id, reveal = answer_card(reviewer)
    before_first = snapshot(first_id)
    rate(reviewer, first_id, reveal, 3)
    second_id, reveal = answer_card(reviewer)
    before_second = snapshot(second_id)
    rate(reviewer, second_id, reveal, 4)
    for expected_id, expected in ((second_id, before_second), (first_id, before_first)):
        response = reviewer.submit("/review/undo", {}, form_url="/review")
        assert response.status_code == 303
        assert snapshot(expected_id) == expected
    voided = ReviewLog.voided_at.is_not(None)
    assert db.session.scalar(select(func.count()).where(voided)) == 2
    assert logs(db) == 2, "undone reviews are voided, not deleted"
    # The quiz answers that began the cards are not reviews to undo.
    response = reviewer.submit("/review/undo", {}, form_url="/review")
    assert "There is no review to undo" in reviewer.get("/review").get_data(as_text=True)
    assert db.session.scalar(select(func.count()).where(voided)) == 2
    page = reviewer.get("/review").get_data(as_text=True)
    assert "6 due" in page


def test_stats_page_draws_real_charts(reviewer, db):
    card_id, reveal = answer_card(reviewer)
    rate(reviewer, card_id, reveal, 3)
    page = reviewer.get("/review/stats")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    # Three charts, each a labelled image, and the calendar's legend of shades.
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    assert main.count("<svg") == 4 and main.count('role="img"') == 3
    assert "1 review" in html and "Mastery by module" in html
    assert_accessible(html)


def test_stats_page_gives_the_numbers_of_each_chart_as_a_table(reviewer, db, monkeypatch):
    # The review clock moves to the coming Monday for one review, then to Tuesday for two more.
    today = utcnow().date()
    monday = datetime.combine(today + timedelta(days=7 - today.weekday()), time(12), UTC)
    tuesday = monday + timedelta(days=1)
    clock = [monday]
    monkeypatch.setattr("quizapp.review.views.utcnow", lambda: clock[0])
    rate(reviewer, *answer_card(reviewer), 3)
    clock[0] = tuesday
    for _ in range(2):
        rate(reviewer, *answer_card(reviewer), 3)

    html = reviewer.get("/review/stats").get_data(as_text=True)
    assert html.count("<details") == 3 and "Show the numbers" in html
    tables = Tables(html).tables
    per_day = tables["Reviews per day, last 30 days"]
    assert per_day[0] == ("Day", "Reviews") and len(per_day) == 1 + 30
    assert per_day[-2:] == [(monday.strftime("%d %b"), "1"), (tuesday.strftime("%d %b"), "2")]
    weeks = tables["Reviews per week, last 26 weeks"]
    assert weeks[0] == ("Week starting", "Reviews", "Days with reviews") and len(weeks) == 1 + 26
    assert weeks[-1] == (monday.strftime("%d %b"), "3", "2")
    assert weeks[-2][1:] == ("0", "0")
    forecast = tables["Reviews due in the next 30 days"]
    assert forecast[0] == ("Day", "Expected reviews") and len(forecast) == 1 + 30
    assert forecast[1][0] == tuesday.strftime("%d %b")
    assert all(re.fullmatch(r"\d+\.\d", expected) for _, expected in forecast[1:])
    assert_accessible(html)


def test_stats_page_without_reviews_has_no_empty_tables(logged_in):
    html = logged_in.get("/review/stats").get_data(as_text=True)
    # Empty charts are words saying what will show up, not an empty drawing.
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    assert "<svg" not in main and "once you start reviewing" in main
    assert "Show the numbers" not in html
    assert_accessible(html)


def test_a_review_step_runs_a_fixed_number_of_queries(logged_in, course, db, count_queries, clock):
    def step_queries():
        counts = []
        with count_queries() as counter:
            page, html = card_page(logged_in)
        counts.append(counter.count)
        card_id = re.search(r'action="/review/(\d+)"', html)[1]
        with count_queries() as counter:
            reveal = logged_in.post(
                f"/review/{card_id}", data=page.answer(RIGHT_ANSWERS[question_name(page)])
            ).get_data(as_text=True)
        counts.append(counter.count)
        with count_queries() as counter:
            rate(logged_in, card_id, reveal, 3)
        counts.append(counter.count)
        card_id, reveal = answer_card(logged_in)
        with count_queries() as counter:
            rate(logged_in, card_id, reveal, 3, inline=True)
        counts.append(counter.count)
        return counts

    take_quiz(logged_in, RIGHT_ANSWERS)
    clock.advance(minutes=10)
    logged_in.get("/today")  # the session's last-seen time, written every few minutes
    few = step_queries()
    # The card page: the user, the day's counts, the card with its question and lesson. The
    # answer: the user, the card with whether it is due, the day's counts for the Review tab's
    # badge (the card page shares its own with the tab). The rating: the user, the card, its
    # update, the log row, the day's activity. Rated by script, the rating also brings the
    # next card: the page's three queries, the user read again after the commit. The
    # busiest path of the app stays this lean.
    assert few == [3, 3, 5, 8]
    take_quiz(logged_in, RIGHT_ANSWERS, lesson="module-1-lesson-2")
    take_quiz(logged_in, RIGHT_ANSWERS)
    clock.advance(minutes=10)
    logged_in.get("/today")
    assert db.session.scalar(select(func.count()).select_from(ReviewCard)) == 12
    assert step_queries() == few


def test_a_new_learner_reviews_over_several_days(logged_in, course, db, clock):
    """The issue's walk-through: two quizzes, whose questions do not come straight back; the
    clock moves, a review session with the intervals on the buttons, an undo, the next days'
    reviews, and the stats page."""
    clock.now = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
    take_quiz(logged_in, RIGHT_ANSWERS, lesson="module-1-lesson-1")
    take_quiz(logged_in, {**RIGHT_ANSWERS, "short": WRONG_ANSWERS["short"]}, "module-1-lesson-2")
    # Just answered: nothing to review within the minute, the wrong answer first after it.
    assert "Nothing to review right now" in logged_in.get("/review").get_data(as_text=True)
    clock.advance(minutes=1)
    assert "1 due" in logged_in.get("/review").get_data(as_text=True)

    clock.advance(hours=14)
    assert re.search(r'big-number">12<', logged_in.get("/today").get_data(as_text=True))
    waits = set()
    for _ in range(12):
        card_id, reveal = answer_card(logged_in)
        waits |= set(re.findall(r'class="rating-wait">([^<]+)<', reveal))
        assert rate(logged_in, card_id, reveal, 4).status_code == 303
    assert {"1 min", "10 min", "4 d"} <= waits
    undone = logged_in.submit("/review/undo", {}, form_url="/review")
    assert undone.status_code == 303
    assert (
        logs(db) == 12
        and db.session.scalar(
            select(func.count()).where(ReviewLog.voided_at.is_(None), ReviewLog.kind == "review")
        )
        == 11
    )
    # The undone card is asked again; rated Easy again, the day's cards are done.
    rate(logged_in, *answer_card(logged_in), 4)
    done = logged_in.get("/review").get_data(as_text=True)
    assert "Done for now" in done and "You reviewed 12 cards today" in done

    # Days on, the Easy cards are due again.
    clock.advance(days=8)
    page = logged_in.get("/today").get_data(as_text=True)
    assert re.search(r'<p class="big-number">1[12]</p>', page), page
    rate(logged_in, *answer_card(logged_in), 3)
    stats = logged_in.get("/review/stats").get_data(as_text=True)
    per_day = Tables(stats).tables["Reviews per day, last 30 days"]
    assert [count for _, count in per_day[1:] if count != "0"] == ["12", "1"]
    # Three charts and the calendar's legend of shades.
    assert stats.split("<main", 1)[1].split("</main>", 1)[0].count("<svg") == 4
