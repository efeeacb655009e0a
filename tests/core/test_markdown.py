"""Lesson Markdown rendered for the page: safe, and tables that fit a phone."""

from __future__ import annotations

from quizapp.core.markdown import render_markdown

TABLE = "| Metric | Target |\n|---|---|\n| OEE | 85% |\n"


def test_a_table_scrolls_in_its_own_focusable_box():
    html = render_markdown(TABLE)
    assert html.startswith(
        '<div class="table-scroll" role="region" tabindex="0" aria-label="Table"><table>'
    )
    assert html.rstrip().endswith("</table></div>")
    assert "<td>85%</td>" in html


def test_lesson_text_cannot_bring_its_own_attributes_or_scripts():
    html = render_markdown('<div role="region" onclick="x()">hi</div>\n\n[a](javascript:x())')
    assert "<div" not in html, "raw HTML is shown as text, never as markup"
    assert "&lt;div" in html
    assert "href=" not in html
