import random
from datetime import UTC, datetime, timedelta

import pytest

from quizapp.core.assignments import (
    PRACTICE,
    AnswersShown,
    AttemptPolicy,
    FinishedAttempt,
    LessonWork,
    ScoreCounts,
    Standing,
    Status,
    assignment_progress,
    default_policy,
    draw_questions,
    governing,
    reaches_pass_mark,
)

SET = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
DUE = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
BEFORE, AFTER = DUE - timedelta(days=1), DUE + timedelta(days=1)


def attempt(percent: int, at: datetime) -> FinishedAttempt:
    return FinishedAttempt(percent / 100, at)


def quiz(*attempts: FinishedAttempt, opened: bool = True) -> LessonWork:
    return LessonWork(opened=opened, read_at=None, has_quiz=True, attempts=attempts)


def standing(lessons, *, policy=PRACTICE, pass_mark=80, now=BEFORE, due=DUE):
    progress, _ = assignment_progress(
        lessons, policy=policy, pass_mark=pass_mark, set_at=SET, due_at=due, now=now
    )
    return progress.standing


THREE_BEST = AttemptPolicy(3, AnswersShown.AFTER_ATTEMPT, ScoreCounts.BEST)


def test_the_status_words_follow_the_work():
    assert standing([quiz(opened=False)]).words == "Not started"
    assert standing([quiz()]).words == "Opened"
    below = standing([quiz(attempt(40, BEFORE - timedelta(hours=2)))], policy=THREE_BEST)
    assert below.words == "Below pass mark, 2 attempts left"
    assert standing([quiz(attempt(40, BEFORE))]).words == "Below pass mark"
    assert standing([quiz(attempt(90, DUE))]).words == "Passed on time"
    assert standing([quiz(attempt(90, AFTER))], now=AFTER).words == "Passed late"
    assert standing([quiz()], now=AFTER).words == "Overdue"
    assert standing([quiz(opened=False)], now=AFTER).words == "Overdue"
    one_left = Standing(Status.BELOW_PASS_MARK, 1)
    assert one_left.words == "Below pass mark, 1 attempt left"


def test_no_attempts_left_is_final_even_after_the_due_date():
    tries = [attempt(40, BEFORE - timedelta(hours=h)) for h in (3, 2, 1)]
    for now in (BEFORE, AFTER):
        used_up = standing([quiz(*tries)], policy=THREE_BEST, now=now)
        assert used_up.words == "Below pass mark, no attempts left"
        assert not used_up.is_done


def test_practice_before_the_assignment_was_set_counts_for_nothing():
    practice = attempt(100, SET - timedelta(minutes=1))
    assert standing([quiz(practice)], policy=THREE_BEST).status is Status.OPENED
    assert standing([quiz(practice, attempt(100, SET))]).status is Status.PASSED_ON_TIME


def test_an_extension_moves_the_learners_own_due_date():
    late_for_the_class = attempt(90, AFTER)
    passed = standing([quiz(late_for_the_class)], now=AFTER, due=AFTER + timedelta(days=1))
    assert passed.status is Status.PASSED_ON_TIME
    assert standing([quiz()], now=AFTER, due=AFTER + timedelta(days=1)).status is Status.OPENED


@pytest.mark.parametrize(
    ("counts", "expected_score", "passed"),
    [(ScoreCounts.FIRST, 0.9, True), (ScoreCounts.BEST, 0.9, True), (ScoreCounts.LAST, 0.5, False)],
)
def test_which_attempt_counts(counts, expected_score, passed):
    policy = AttemptPolicy(None, AnswersShown.AFTER_ATTEMPT, counts)
    tries = [attempt(50, BEFORE), attempt(90, BEFORE - timedelta(hours=1))]  # in any order
    assert policy.score(tries) == expected_score
    assert (policy.passed_at(tries, 80) is not None) is passed


def test_the_best_score_passes_at_the_first_attempt_to_reach_the_mark():
    first, second = BEFORE - timedelta(hours=2), BEFORE - timedelta(hours=1)
    tries = [attempt(95, second), attempt(85, first), attempt(40, first - timedelta(hours=1))]
    assert THREE_BEST.passed_at(tries, 80) == first


def test_attempts_beyond_the_limit_do_not_count():
    policy = AttemptPolicy(2, AnswersShown.AFTER_ATTEMPT, ScoreCounts.BEST)
    tries = [attempt(40, BEFORE - timedelta(hours=h)) for h in (3, 2)] + [attempt(100, BEFORE)]
    assert policy.passed_at(tries, 80) is None
    assert policy.score(tries) == 0.4
    assert not policy.may_start(2) and policy.may_start(1)
    assert PRACTICE.may_start(1000) and PRACTICE.attempts_left(5) is None


def test_a_pass_mark_is_reached_without_float_error():
    assert reaches_pass_mark(0.7, 70)
    assert reaches_pass_mark(2 / 3, 66) and not reaches_pass_mark(2 / 3, 67)
    assert reaches_pass_mark(0.0, None)


def test_a_module_passes_when_every_lesson_has():
    read = LessonWork(opened=True, read_at=BEFORE, has_quiz=False)
    passed = quiz(attempt(100, BEFORE - timedelta(days=1)))
    failing = quiz(attempt(50, BEFORE))
    progress, outcomes = assignment_progress(
        [read, passed, failing],
        policy=THREE_BEST,
        pass_mark=80,
        set_at=SET,
        due_at=DUE,
        now=BEFORE,
    )
    assert progress.standing.words == "Below pass mark, 2 attempts left"
    assert (progress.lessons_done, progress.lessons_total) == (2, 3)
    # Lessons with a quiz only: (100 + 50) / 2.
    assert progress.score == 0.75
    assert [o.passed_at is not None for o in outcomes] == [True, True, False]
    progress, _ = assignment_progress(
        [read, passed, quiz(attempt(85, DUE + timedelta(minutes=1)))],
        policy=THREE_BEST,
        pass_mark=80,
        set_at=SET,
        due_at=DUE,
        now=AFTER,
    )
    assert progress.standing.status is Status.PASSED_LATE
    assert progress.completed_at == DUE + timedelta(minutes=1)


def test_when_answers_are_shown():
    after_passing = AttemptPolicy(3, AnswersShown.AFTER_PASSING)
    assert not after_passing.shows_answers(passed=False, past_due=False)
    assert after_passing.shows_answers(passed=True, past_due=False)
    assert after_passing.shows_answers(passed=False, past_due=True)
    after_due = AttemptPolicy(3, AnswersShown.AFTER_DUE)
    assert not after_due.shows_answers(passed=True, past_due=False)
    assert after_due.shows_answers(passed=False, past_due=True)
    assert THREE_BEST.shows_answers(passed=False, past_due=False)
    assert not THREE_BEST.feedback_each_question and PRACTICE.feedback_each_question


def test_the_default_policy_with_a_pass_mark_is_the_best_of_three_answers_after():
    assert default_policy(80) == THREE_BEST
    assert default_policy(None) == PRACTICE
    assert THREE_BEST.describe() == (
        "3 attempts, the best one counts; answers shown after the attempt"
    )


@pytest.mark.parametrize("bad", [0, 11, -1])
def test_attempt_limits_outside_one_to_ten_are_refused(bad):
    with pytest.raises(ValueError):
        AttemptPolicy(bad)


def test_the_soonest_assignment_still_due_governs_a_new_attempt():
    assert governing([], BEFORE) is None
    assert governing([(1, AFTER), (2, DUE)], BEFORE) == 2
    # All past: the one due last, whose late work still counts the most recently.
    assert governing([(1, DUE), (2, DUE - timedelta(days=3))], AFTER) == 1


def test_a_retake_asks_the_questions_met_least_first():
    pool = list(range(1, 9))
    rng = random.Random(7)
    first = draw_questions(pool, [], 6, rng)
    assert len(first) == 6 == len(set(first)) and set(first) <= set(pool)
    second = draw_questions(pool, [first], 6, rng)
    unseen = set(pool) - set(first)
    assert unseen <= set(second), "both questions not asked before come first"
    # The third attempt takes every question asked once before any asked twice.
    third = draw_questions(pool, [first, second], 6, rng)
    asked_once = set(first) ^ set(second)
    assert asked_once <= set(third)
    assert sorted(draw_questions(pool, [first], None, rng)) == pool
    assert sorted(draw_questions(pool, [], 8, rng)) == pool


def test_the_lessons_decision_opens_every_attempt_and_the_rest_rotate():
    pool = list(range(1, 11))
    rng = random.Random(3)
    first = draw_questions(pool, [], 6, rng, opening=5)
    second = draw_questions(pool, [first], 6, rng, opening=5)
    assert first[0] == second[0] == 5 and len(first) == len(second) == 6
    # The second attempt asks the four the first did not before any it asked again.
    assert set(pool) - set(first) <= set(second[1:])
    everything = draw_questions(pool, [], None, rng, opening=5)
    assert everything[0] == 5 and sorted(everything) == pool
    # An opening question no longer in the pool (retired) is simply not asked.
    assert 99 not in draw_questions(pool, [], 6, rng, opening=99)
