"""The learner's and the instructor's journeys at a phone and a desktop width. At every main
page: a screenshot, no sideways scrolling on the phone, and no serious or critical axe-core
violation (when axe-core could be downloaded; test_accessibility.py says if not)."""

from __future__ import annotations

from tests.browser.journeys import classes_journey, learner_journey, unique
from tests.factories import create_user


def test_a_learner_signs_up_learns_takes_a_quiz_and_reviews(page, checks, clock):
    learner_journey(page, checks, clock)
    assert {"register", "lesson", "quiz-results", "review-stats", "settings"} <= set(checks.visited)
    checks.assert_accessible()


def test_an_instructor_runs_a_class_that_a_learner_joins(new_page, checks, app_db):
    name = unique("Ines")
    create_user(email=f"{name.lower()}@example.com", display_name=name, role="instructor")
    instructor = {"email": f"{name.lower()}@example.com", "name": name}
    classes_journey(new_page(), new_page(), checks, instructor)
    assert {"gradebook", "item-analysis", "class-overview"} <= set(checks.visited)
    checks.assert_accessible()
