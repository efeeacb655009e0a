"""The class page over time: lessons passed and reviews week by week, and who is at risk."""

from __future__ import annotations

import re

from tests.conftest import signed_in
from tests.factories import create_user
from tests.web.pages import RIGHT_ANSWERS, assert_accessible
from tests.web.test_assignment_rules import setup_class
from tests.web.test_classes import join_code_on, text
from tests.web.test_quiz import take_quiz
from tests.web.test_review import answer_card, rate


def words(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def section(html: str, heading_id: str) -> str:
    start = html.index(f'id="{heading_id}"')
    return words(html[start : html.index("</section>", start)])


def test_the_class_page_shows_weekly_progress_and_who_is_at_risk(app, db, course, clock):
    # Lea passes the lesson due 1 Dec on Mon 23 Nov and reviews a card the next day; Max
    # joins and does nothing.
    teacher, class_url, lea = setup_class(app, clock)
    take_quiz(lea, RIGHT_ANSWERS)
    max_ = signed_in(app, create_user(display_name="Max"))
    code = join_code_on(teacher, class_url)
    assert max_.submit("/classes/join", {"code": code}, form_url="/classes").status_code == 303
    clock.advance(days=1)
    card_id, reveal = answer_card(lea)
    assert rate(lea, card_id, reveal, 3).status_code == 303

    page = text(teacher.get(class_url))
    assert_accessible(page)
    weekly = section(page, "weekly-title")
    assert "Lessons passed per week" in weekly and "Reviews per week" in weekly
    # The numbers behind the charts: this week (from Mon 23 Nov) has the lesson and the review.
    assert "Week of 23 Nov 1 1" in weekly and "Week of 16 Nov 0 0" in weekly
    risk = section(page, "risk-title")
    assert "At risk (1)" in risk
    assert "Max : Never active, with “Lesson 1.1” due in 7 days" in risk
    assert "Lea :" not in risk

    # Days later Lea has done nothing more: passed, so not idle-at-risk; Max still is.
    clock.advance(days=5)
    risk = section(text(teacher.get(class_url)), "risk-title")
    assert "Max : Never active, with “Lesson 1.1” due in 2 days" in risk
