"""The review statistics page counts what the learner has seen: recall over the questions
learned, the questions not yet learned apart, and never 0% for a module not begun."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from flask import url_for
from sqlalchemy import func, select, update

from quizapp.core.progress import percent
from quizapp.core.scheduling import LEECH_THRESHOLD, retrievability
from quizapp.models import ReviewCard
from quizapp.services import classes
from quizapp.services.review_stats import review_stats
from quizapp.services.reviews import memory_of
from tests.factories import (
    ALL_TYPES_QUESTIONS,
    SOURCE,
    create_user,
    question_yaml,
    sync_tree,
    write_content,
)
from tests.web.pages import RIGHT_ANSWERS, assert_accessible
from tests.web.test_quiz import take_quiz
from tests.web.test_review import Tables, answer_card, rate

LESSON = "module-1-lesson-1"


@pytest.fixture
def two_modules(db, tmp_path):
    """Two modules of two lessons, six questions each: 12 questions a module, 24 in all."""
    root = write_content(tmp_path / "content", modules=2, lessons_per_module=2, all_types=True)
    sync_tree(root)
    db.session.commit()
    return root


def stats_page(client) -> str:
    response = client.get("/review/stats")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def text(html: str) -> str:
    """The page's words as a reader hears them, one space between each."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def mastery(html: str) -> dict[str, tuple[str, str]]:
    """Each module's row of the mastery table: (questions learned, recall today)."""
    rows = Tables(html).tables[None]
    assert rows[0] == ("Module", "Questions learned", "You would recall today")
    return {module: (learned, recall) for module, learned, recall in rows[1:]}


def expected_recall(db, now) -> tuple[int, int, float]:
    """From the cards themselves: how many are in review, and their mean and summed recall."""
    cards = db.session.scalars(select(ReviewCard)).all()
    recalls = [
        retrievability(memory_of(card), now)
        for card in cards
        if card.reps > 0 and card.suspended_at is None
    ]
    return len(recalls), percent(sum(recalls), len(recalls)), sum(recalls)


def test_recall_is_over_the_questions_learned_and_the_rest_are_counted_apart(
    logged_in, two_modules, db, clock, app
):
    take_quiz(logged_in, RIGHT_ANSWERS)
    # Just after answering all six right, the learner would recall all six: not 6 of 12.
    page = stats_page(logged_in)
    assert mastery(page)["Module 1"] == ("6 of 12", "100%")

    clock.advance(minutes=10)
    for _ in range(3):
        rate(logged_in, *answer_card(logged_in), 3)
    clock.advance(days=9)
    in_review, recall, summed = expected_recall(db, clock.now)
    assert in_review == 6
    # Counting the six unseen questions of the module as forgotten would halve the figure.
    assert recall >= 2 * percent(summed, 12) and recall < 100

    page = stats_page(logged_in)
    words = text(page)
    rows = mastery(page)
    assert rows["Module 1"] == ("6 of 12", f"{recall}%")
    # A module never touched is not 0% recalled: there is nothing of it to recall yet.
    assert rows["Module 2"] == ("0 of 12", "Nothing learned yet")
    assert f"You would recall today {recall}% of the 6 questions in review" in words
    assert "18 questions not yet learned." in words
    with app.test_request_context():
        catalogue = url_for("learn.catalogue")
    assert re.search(rf'<a href="{re.escape(catalogue)}">[^<]*learning them</a>', page)
    # The cards panel says what each count is.
    assert (
        "Cards Not yet reviewed: 0 Learning: 3 Review: 3 Relearning: 0 "
        f"Of these, leeches (failed {LEECH_THRESHOLD} times or more): 0" in words
    )
    assert_accessible(page)


def test_a_new_learner_sees_every_question_unlearned_and_no_percentage(logged_in, two_modules):
    page = stats_page(logged_in)
    words = text(page)
    assert "24 questions not yet learned." in words
    assert "You would recall today \u2013 Nothing learned yet" in words
    assert mastery(page) == {
        "Module 1": ("0 of 12", "Nothing learned yet"),
        "Module 2": ("0 of 12", "Nothing learned yet"),
    }
    assert "%" not in words.split("True retention")[0]
    assert_accessible(page)


def test_set_aside_cards_are_learned_but_left_out_of_the_recall(logged_in, two_modules, db, clock):
    take_quiz(logged_in, RIGHT_ANSWERS)
    clock.advance(days=5)
    card = db.session.scalars(select(ReviewCard).order_by(ReviewCard.id)).first()
    db.session.execute(
        update(ReviewCard).where(ReviewCard.id == card.id).values(suspended_at=clock.now)
    )
    db.session.commit()
    in_review, recall, _ = expected_recall(db, clock.now)
    assert in_review == 5

    page = stats_page(logged_in)
    words = text(page)
    assert mastery(page)["Module 1"] == ("6 of 12", f"{recall}%")
    assert (
        f"{recall}% of the 5 questions in review, as FSRS predicts it. "
        "1 question set aside is not counted." in words
    )
    assert "18 questions not yet learned." in words


def test_new_and_retired_questions_change_what_is_left_to_learn(logged_in, db, tmp_path):
    root = write_content(tmp_path / "content", all_types=True)
    sync_tree(root)
    db.session.commit()
    take_quiz(logged_in, RIGHT_ANSWERS)
    words = text(stats_page(logged_in))
    assert "You have learned every question in the course." in words
    assert not re.search(r"\d+ questions? not yet learned", words)

    quiz = root / "questions" / f"{LESSON}.yaml"
    quiz.write_text(quiz.read_text() + question_yaml(f"{LESSON}-extra"))
    sync_tree(root)
    db.session.commit()
    page = stats_page(logged_in)
    assert "1 question not yet learned." in text(page)
    assert mastery(page)["Module 1"] == ("6 of 7", "100%")

    # One question leaves the course: its card no longer counts as learned or in review.
    kept = {name: body for name, body in ALL_TYPES_QUESTIONS.items() if name != "short"}
    quiz.write_text(
        f"lesson: {LESSON}\nquestions:\n"
        + "".join(f"  - id: {LESSON}-{name}\n" + body + SOURCE for name, body in kept.items())
        + question_yaml(f"{LESSON}-extra")
    )
    sync_tree(root)
    db.session.commit()
    page = stats_page(logged_in)
    assert mastery(page)["Module 1"] == ("5 of 6", "100%")
    assert "100% of the 5 questions in review" in text(page)
    assert "1 question not yet learned." in text(page)


def test_the_page_runs_the_same_queries_however_many_cards(
    logged_in, user, two_modules, db, clock, count_queries
):
    def page_queries() -> tuple[int, int]:
        stats_page(logged_in)  # the session's last-seen time, written every few minutes
        with count_queries() as page:
            stats_page(logged_in)
        db.session.refresh(user)
        with count_queries() as service:
            review_stats(user=user, now=clock.now)
        return page.count, service.count

    none = page_queries()
    take_quiz(logged_in, RIGHT_ANSWERS)
    clock.advance(minutes=10)
    rate(logged_in, *answer_card(logged_in), 3)
    few = page_queries()
    # Two open assignments, one with questions learned, add their load in the same query.
    assign(db, user, ("module:module-1", "lesson:module-2-lesson-2"), now=clock.now)
    take_quiz(logged_in, RIGHT_ANSWERS, lesson="module-1-lesson-2")
    take_quiz(logged_in, RIGHT_ANSWERS, lesson="module-2-lesson-1")
    clock.advance(minutes=10)
    for _ in range(4):
        rate(logged_in, *answer_card(logged_in), 3)
    clock.advance(days=3)
    assert db.session.scalar(select(func.count()).select_from(ReviewCard)) == 18
    assert none == few == page_queries()
    # The calendar's days; the cards with their modules; the open assignments' questions
    # still to learn; the month's review log; the live questions by module.
    assert none[1] == 5


def assign(db, learner, targets, *, now, days: int = 10):
    """A class of the learner's, with the targets assigned, due in `days` days."""
    teacher = create_user(role="instructor")
    classroom = classes.create_class(owner=teacher, name="Line 3", description="", time_zone="UTC")
    classes.join_class(user=learner, code=classroom.join_code, now=now)
    due = (now + timedelta(days=days)).replace(tzinfo=None)
    for target in targets:
        classes.create_assignment(
            classroom=classroom, by=teacher, target=target, due_local=due, pass_mark=None, now=now
        )
    db.session.commit()
    return classroom


def test_the_forecast_counts_what_open_assignments_still_ask(
    logged_in, user, two_modules, db, clock
):
    """Module 2, due in 10 days, with half its questions learned: the other 6 met evenly over
    the 11 days through the due day, and their reviews added to the forecast."""
    take_quiz(logged_in, RIGHT_ANSWERS, lesson="module-2-lesson-1")
    before = review_stats(user=user, now=clock.now)
    assert before.assigned_questions == 0 and sum(day.reviews for day in before.assigned) == 0
    assign(db, user, ("module:module-2",), now=clock.now)
    after = review_stats(user=user, now=clock.now)
    assert (after.assigned_count, after.assigned_questions) == (1, 6)
    new = [day.new for day in after.assigned]
    assert sum(new[:11]) == pytest.approx(6) and sum(new[11:]) == 0
    assert max(new) < 1
    extra = [a - b for (_, a), (_, b) in zip(after.forecast, before.forecast, strict=True)]
    assert sum(extra) == pytest.approx(sum(day.reviews for day in after.assigned), abs=1)
    assert sum(extra) > 6  # each question comes back more than once in a month
    page = stats_page(logged_in)
    assert "With your 1 assignment still open: their 6 questions not yet learned" in text(page)
    assert "Of these, from assignments New questions from assignments" in text(page)
    assert_accessible(page)
    # Once it is past due, it asks nothing more of the forecast.
    clock.advance(days=11)
    late = review_stats(user=user, now=clock.now)
    assert late.assigned_questions == 0


def test_a_newcomer_reads_what_each_empty_figure_will_show_and_when(logged_in, two_modules):
    page = stats_page(logged_in)
    words = text(page)
    assert (
        "True retention \u2013 True retention appears once you review cards that wait "
        "21 days or more between reviews, about a month after you learn them." in words
    )
    assert (
        "Reviews per day Your reviews will show here day by day once you start reviewing." in words
    )
    assert (
        "Review calendar Once you start reviewing, each day you review fills in a square here"
        in words
    )
    assert (
        "Forecast Once you take a lesson\u2019s quiz, its questions come back for review, and "
        "here you will see how many fall due each day over the next 30 days." in words
    )
    # Words, not empty drawings whose only text is too small to read on a phone.
    assert "<svg" not in page.split("<main", 1)[1] and "No data yet" not in words
    assert_accessible(page)


def test_the_review_calendar_has_a_heading_and_a_legend_in_words(logged_in, two_modules, clock):
    take_quiz(logged_in, RIGHT_ANSWERS)
    clock.advance(minutes=10)
    rate(logged_in, *answer_card(logged_in), 3)
    page = stats_page(logged_in)
    words = text(page)
    # A part of "Reviews per day", named by its own heading.
    assert re.search(
        r'<h2 id="per-day-heading">Reviews per day</h2>.*'
        r'<section class="calendar" aria-labelledby="calendar-heading">\s*'
        r'<h3 id="calendar-heading">Review calendar</h3>',
        page,
        re.DOTALL,
    )
    assert (
        "Review calendar The last 26 weeks. Each square is one day: the darker the square, "
        "the more reviews you did that day. The palest squares are days without reviews." in words
    )
    # Less and More around the shades, hidden from screen readers, who have the sentence.
    scale = re.search(r'<p class="heat-scale" aria-hidden="true">(.*?)</p>', page, re.DOTALL)
    assert scale and text(scale[1]) == "Less More" and scale[1].count("<rect") == 5
    assert "once you start reviewing" not in words and "once you take a lesson" not in words
    assert_accessible(page)

    # A learner back after a break is told where the earlier reviews are, not to begin.
    for _ in range(4):  # visiting now and then, so the session does not lapse
        clock.advance(days=10)
        words = text(stats_page(logged_in))
    assert (
        "Reviews per day No reviews in the last 30 days. The calendar below shows your "
        "earlier ones. Review calendar The last 26 weeks." in words
    )
