"""Lesson Markdown to safe HTML."""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

# Raw HTML in content is escaped by the parser and, should that ever change, removed by nh3.
_renderer = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": True}).enable(
    ["table", "strikethrough", "replacements", "smartquotes"]
)
_html_detector = MarkdownIt("commonmark", {"html": True}).enable("table")

ALLOWED_TAGS = {
    "a",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h2",
    "h3",
    "h4",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "td": {"style"}, "th": {"style"}}
TABLE_BOX_OPEN = '<div class="table-scroll" role="region" tabindex="0" aria-label="Table"><table>'


@lru_cache(maxsize=512)
def render_markdown(text: str) -> str:
    """Sanitized HTML for a lesson body; headings start at h2 because the title is the h1."""
    html = _renderer.render(text)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        filter_style_properties={"text-align"},
    )
    # A table wider than a phone scrolls inside its own box instead of widening the page; the
    # box takes keyboard focus so it can be scrolled without a mouse. Added after cleaning, so
    # lesson text can never supply these attributes itself.
    return clean.replace("<table>", TABLE_BOX_OPEN).replace("</table>", "</table></div>")


def raw_html_lines(text: str) -> list[int]:
    """0-based lines where the Markdown contains raw HTML, which content must not use."""

    def has_html(token) -> bool:
        if token.type == "html_block":
            return True
        return token.type == "inline" and any(
            child.type == "html_inline" for child in token.children or []
        )

    return [token.map[0] for token in _html_detector.parse(text) if token.map and has_html(token)]


def heading_levels(text: str) -> list[tuple[int, int]]:
    """(0-based line, level) of every heading, to keep lesson bodies below the page's h1."""
    return [
        (token.map[0], int(token.tag[1]))
        for token in _renderer.parse(text)
        if token.type == "heading_open" and token.map
    ]
