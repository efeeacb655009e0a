"""Taking a quiz through the pages: one question per screen, graded on the server."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from quizapp.models import LessonProgress, QuizAnswer, QuizAttempt
from tests.factories import create_user
from tests.web.pages import RIGHT_ANSWERS, WRONG_ANSWERS, FormPage, assert_accessible

LESSON = "module-1-lesson-1"


def start_quiz(client, lesson=LESSON):
    response = client.submit(f"/lessons/{lesson}/quiz", {}, form_url=f"/lessons/{lesson}")
    assert response.status_code == 303
    return response.headers["Location"]


def question_name(page: FormPage) -> str:
    return page.hidden()["question"].rsplit("-", 1)[1]


def answer_current(client, attempt_url, answers):
    """Answer the attempt's next open question; returns (name, response to the POST)."""
    response = client.get(attempt_url)
    assert response.status_code == 302
    question_url = response.headers["Location"]
    page = FormPage(client.get(question_url).get_data(as_text=True))
    name = question_name(page)
    return name, client.post(question_url, data=page.answer(answers[name]))


def take_quiz(client, answers, lesson=LESSON):
    """Answer every question; returns the attempt URL and each question's feedback page."""
    attempt_url = start_quiz(client, lesson)
    feedback = {}
    for _ in range(len(answers)):
        name, response = answer_current(client, attempt_url, answers)
        assert response.status_code == 303, response.get_data(as_text=True)
        feedback[name] = client.get(response.headers["Location"]).get_data(as_text=True)
    return attempt_url, feedback


def test_all_right_scores_full_marks_and_completes_the_lesson(logged_in, course, db):
    attempt_url, feedback = take_quiz(logged_in, RIGHT_ANSWERS)
    assert all("Right!" in page for page in feedback.values())
    results = logged_in.get(attempt_url, follow_redirects=True).get_data(as_text=True)
    assert "You scored 100%" in results and "Every answer was right" in results
    attempt = db.session.scalar(select(QuizAttempt))
    assert attempt.submitted_at is not None and attempt.score == 6 and attempt.max_score == 6
    assert db.session.scalar(select(LessonProgress.completed_at)) is not None
    assert all(t is not None for t in db.session.scalars(select(QuizAnswer.time_taken_ms)))


@pytest.mark.parametrize("name", list(WRONG_ANSWERS))
def test_each_type_graded_wrong_shows_the_right_answer_and_why(logged_in, course, db, name):
    answers = {**RIGHT_ANSWERS, name: WRONG_ANSWERS[name]}
    attempt_url, feedback = take_quiz(logged_in, answers)
    page = feedback[name]
    assert "Right!" not in page
    assert re.search(r"Not quite|Partly right \(\d+%\)", page)
    assert 'id="why-title"' in page
    assert f'href="/lessons/{LESSON}"' in page
    assert_accessible(page)
    stored = db.session.scalars(select(QuizAnswer).order_by(QuizAnswer.id)).all()
    assert sum(not a.is_correct for a in stored) == 1
    results = logged_in.get(attempt_url, follow_redirects=True).get_data(as_text=True)
    assert "5 of 6 questions fully right" in results
    assert "To look at again" in results


def test_feedback_names_the_chosen_options_feedback_and_the_right_answer(logged_in, course):
    _, feedback = take_quiz(logged_in, {**RIGHT_ANSWERS, **WRONG_ANSWERS})
    single = feedback["single"]
    assert "Not this one." in single and "Right answer" in single and "The right one" in single
    assert "That one is a distractor." in feedback["multiple"]
    assert "Not quite" in feedback["multiple"], "one right and one wrong pick cancel out"
    assert "Planning is most of the job." in feedback["truefalse"]
    assert "Manufacturing execution system" in feedback["short"]
    assert "Plans resources" in feedback["matching"]


def test_the_question_page_carries_no_answer_key(logged_in, course, db):
    attempt_url = start_quiz(logged_in)
    seen_tokens = set()
    for _ in range(6):
        question_url = logged_in.get(attempt_url).headers["Location"]
        html = logged_in.get(question_url).get_data(as_text=True)
        page = FormPage(html)
        assert "explanation" not in html.lower() and "Because the lesson says so" not in html
        assert "Not this one." not in html and "correct" not in html.lower()
        assert_accessible(html)
        name = question_name(page)
        if name == "matching":
            # A select's name and its right option's value must not be the same token.
            for select_name, options in page.select_options.items():
                seen_tokens |= {value for value, _ in options if value}
                assert select_name.removeprefix("match-") not in seen_tokens
        logged_in.post(question_url, data=page.answer(RIGHT_ANSWERS[name]))


def test_order_is_shuffled_per_attempt_and_stable_on_reload(logged_in, course, db):
    def layout(question_url):
        page = FormPage(logged_in.get(question_url).get_data(as_text=True))
        return question_name(page), list(page.label_text.values())

    orders = set()
    for _ in range(6):
        attempt_url = start_quiz(logged_in)
        first = logged_in.get(attempt_url).headers["Location"]
        name, labels = layout(first)
        assert layout(first) == (name, labels)
        orders.add((name, *labels))
        # Finish the attempt so the next start is a new one with its own shuffle.
        for _ in range(6):
            _, response = answer_current(logged_in, attempt_url, RIGHT_ANSWERS)
            assert response.status_code == 303
    assert len(orders) > 1
    assert db.session.scalar(select(func.count()).select_from(QuizAttempt)) == 6


def test_starting_again_resumes_an_unfinished_attempt(logged_in, course, db):
    first = start_quiz(logged_in)
    answer_current(logged_in, first, RIGHT_ANSWERS)
    assert start_quiz(logged_in) == first
    assert "Resume the quiz" in logged_in.get("/today").get_data(as_text=True)


def test_retake_after_finishing_starts_a_new_attempt(logged_in, course, db):
    attempt_url, _ = take_quiz(logged_in, RIGHT_ANSWERS)
    results_url = logged_in.get(attempt_url).headers["Location"]
    response = logged_in.submit(f"/lessons/{LESSON}/quiz", {}, form_url=results_url)
    assert response.status_code == 303 and response.headers["Location"] != attempt_url


class TestBadInput:
    @pytest.fixture
    def question(self, logged_in, course):
        attempt_url = start_quiz(logged_in)
        url = logged_in.get(attempt_url).headers["Location"]
        page = FormPage(logged_in.get(url).get_data(as_text=True))
        return url, page

    def answers(self, db):
        return db.session.scalar(select(func.count()).select_from(QuizAnswer))

    def test_an_unknown_option_is_refused_and_nothing_is_stored(self, logged_in, question, db):
        url, page = question
        data = {**page.hidden(), "choice": "99", "answer": "x" * 600}
        for field in page.select_options:
            data[field] = "m99"
        response = logged_in.post(url, data=data)
        assert response.status_code == 400
        assert 'role="alert"' in response.get_data(as_text=True)
        assert self.answers(db) == 0

    def test_an_empty_answer_asks_for_one(self, logged_in, question, db):
        url, page = question
        response = logged_in.post(url, data=page.hidden())
        assert response.status_code == 400
        assert re.search(r"(Choose|Give|Match|Type)[^<]* first\.", response.get_data(as_text=True))
        assert self.answers(db) == 0

    def test_a_second_submission_keeps_the_first_answer(self, logged_in, question, db):
        url, page = question
        data = page.answer(RIGHT_ANSWERS[question_name(page)])
        assert logged_in.post(url, data=data).status_code == 303
        again = logged_in.post(url, data=data)
        assert again.status_code == 409
        body = again.get_data(as_text=True)
        assert "your first answer stands" in body and "Right!" in body
        assert self.answers(db) == 1

    def test_a_question_not_in_the_attempt_is_404(self, logged_in, question, db):
        url, page = question
        other = re.sub(r"/questions/\d+$", "/questions/7", url)
        assert logged_in.post(other, data=page.hidden()).status_code == 404
        assert logged_in.get(other).status_code == 404

    def test_an_answer_for_another_question_is_refused(self, logged_in, question, db):
        url, page = question
        data = {**page.answer(RIGHT_ANSWERS[question_name(page)]), "question": "something-else"}
        assert logged_in.post(url, data=data).status_code == 400
        assert self.answers(db) == 0

    @pytest.mark.parametrize("shown", ["", "1:1.tampered.sig"])
    def test_a_tampered_or_missing_time_stamp_is_refused(self, logged_in, question, db, shown):
        url, page = question
        data = {**page.answer(RIGHT_ANSWERS[question_name(page)]), "shown": shown}
        assert logged_in.post(url, data=data).status_code == 400
        assert self.answers(db) == 0

    def test_a_missing_csrf_token_is_refused(self, logged_in, question, db):
        url, page = question
        data = page.answer(RIGHT_ANSWERS[question_name(page)])
        del data["csrf_token"]
        assert logged_in.post(url, data=data).status_code == 400
        assert self.answers(db) == 0

    def test_a_finished_attempt_takes_no_more_answers(self, logged_in, course, db):
        attempt_url, _ = take_quiz(logged_in, RIGHT_ANSWERS)
        question_url = attempt_url + "/questions/1"
        page = FormPage(logged_in.get(question_url).get_data(as_text=True))
        # The answered page shows feedback, not a form; a replayed form post is refused.
        assert "shown" not in page.hidden()
        response = logged_in.post(question_url, data={**page.hidden(), "choice": "1"})
        assert response.status_code in (400, 409)
        assert self.answers(db) == 6

    def test_another_learners_attempt_is_not_found(self, app, logged_in, question, db):
        url, page = question
        other = app.test_client()
        other.login(create_user().email)
        assert other.get(url).status_code == 404
        assert other.get(url.rsplit("/questions", 1)[0]).status_code == 404
        assert other.post(
            url, data=page.answer(RIGHT_ANSWERS[question_name(page)])
        ).status_code in (
            400,
            404,
        )
        assert self.answers(db) == 0

    def test_quiz_pages_need_a_login(self, app, question):
        url, _ = question
        anonymous = app.test_client()
        response = anonymous.get(url)
        assert response.status_code == 302 and "/account/login" in response.headers["Location"]


def test_each_quiz_page_runs_a_fixed_number_of_queries(logged_in, course, db, count_queries):
    def pages():
        attempt_url = start_quiz(logged_in)
        question_url = logged_in.get(attempt_url).headers["Location"]
        counts = []
        with count_queries() as counter:
            logged_in.get(question_url)
        counts.append(counter.count)
        page = FormPage(logged_in.get(question_url).get_data(as_text=True))
        with count_queries() as counter:
            logged_in.post(question_url, data=page.answer(RIGHT_ANSWERS[question_name(page)]))
        counts.append(counter.count)
        with count_queries() as counter:
            logged_in.get(question_url)
        counts.append(counter.count)
        for _ in range(5):
            answer_current(logged_in, attempt_url, RIGHT_ANSWERS)
        results_url = logged_in.get(attempt_url).headers["Location"]
        with count_queries() as counter:
            logged_in.get(results_url)
        counts.append(counter.count)
        for url in ("/", "/today", "/modules/module-1", f"/lessons/{LESSON}"):
            with count_queries() as counter:
                assert logged_in.get(url).status_code == 200
            counts.append(counter.count)
        return counts

    first = pages()
    for _ in range(3):
        pages()
    assert pages() == first


def test_a_short_answer_key_reads_as_one_answer_with_its_variants(logged_in, course):
    attempt_url, feedback = take_quiz(logged_in, {**RIGHT_ANSWERS, "short": WRONG_ANSWERS["short"]})
    key = "MES (also accepted: Manufacturing execution system)"
    assert f'<span class="reveal-caption">Right answer:</span> {key}</p>' in feedback["short"]
    results = logged_in.get(attempt_url, follow_redirects=True).get_data(as_text=True)
    assert f"Right answer: {key}" in results
    assert "MES or Manufacturing" not in feedback["short"] + results


def test_the_lesson_page_runs_the_same_queries_assigned_or_not(
    logged_in, user, course, db, clock, count_queries
):
    from tests.web.test_due_dates import assign

    def lesson_queries() -> int:
        with count_queries() as counter:
            assert logged_in.get(f"/lessons/{LESSON}").status_code == 200
        return counter.count

    logged_in.get(f"/lessons/{LESSON}")  # opened once: the first visit writes that
    practice = lesson_queries()
    assign(db, clock, user.email, days=3, lesson=LESSON)
    page = logged_in.get(f"/lessons/{LESSON}").get_data(as_text=True)
    assert "Line 2" in page, "the lesson page names the class that assigned it"
    assert lesson_queries() == practice
