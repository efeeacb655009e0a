"""At a phone's width no page of the course scrolls sideways: every lesson and module."""

from __future__ import annotations

import re

import pytest

from tests.browser.support import CONTENT_DIR, WIDTHS, assert_no_horizontal_scroll


def course_paths() -> list[str]:
    paths = []
    for module in sorted((CONTENT_DIR / "lessons").iterdir()):
        paths.append(f"/modules/{module.name}")
        for lesson in sorted(module.glob("*.md")):
            paths.append("/lessons/" + re.search(r"^id: (\S+)$", lesson.read_text(), re.M)[1])
    return paths


@pytest.mark.parametrize("width", ["phone"])
def test_no_course_page_scrolls_sideways_on_a_phone(page):
    wide = {}
    for path in course_paths():
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        try:
            assert_no_horizontal_scroll(page, WIDTHS["phone"]["viewport"]["width"], path)
        except AssertionError as error:
            wide[path] = str(error)
    assert not wide, "\n".join(wide.values())
