"""Reading pages as a browser and assistive technology would."""

from __future__ import annotations

import re
from html.parser import HTMLParser


class PageAudit(HTMLParser):
    """Collects what assistive technology relies on."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def all(self, tag):
        return [attrs for t, attrs in self.tags if t == tag]


def audit(html: str) -> PageAudit:
    parser = PageAudit()
    parser.feed(html)
    return parser


def assert_accessible(html: str) -> None:
    page = audit(html)
    assert page.all("html")[0].get("lang") == "en"
    assert len(page.all("main")) == 1 and page.all("main")[0]["id"] == "main"
    assert page.all("header") and page.all("nav") and page.all("footer")
    assert page.all("a")[0]["href"] == "#main", "the skip link comes first"
    assert len(page.all("h1")) == 1
    labels = {attrs.get("for") for attrs in page.all("label")}
    for field in page.all("input") + page.all("select"):
        if field.get("type") not in ("hidden", "submit"):
            assert field["id"] in labels, f"field {field['id']} has no label"
    ids = [attrs["id"] for _, attrs in page.tags if "id" in attrs]
    assert len(ids) == len(set(ids)), "duplicate ids"
    assert 'name="viewport"' in html


def assert_local_assets_only(html: str) -> None:
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert not re.match(r"^(https?:)?//", url), f"external asset {url}"


class FormPage(HTMLParser):
    """The fields of a page's forms, so a test can answer by visible text as a learner does."""

    def __init__(self, html: str):
        super().__init__()
        self.inputs: list[dict] = []
        self.label_text: dict[str, str] = {}
        self.select_options: dict[str, list[tuple[str, str]]] = {}
        self._label_for: str | None = None
        self._select: str | None = None
        self._option_value: str | None = None
        self._text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input":
            self.inputs.append(attrs)
        elif tag == "label":
            self._label_for, self._text = attrs.get("for"), []
        elif tag == "select":
            self._select = attrs["name"]
            self.select_options[self._select] = []
        elif tag == "option":
            self._option_value, self._text = attrs.get("value", ""), []

    def handle_endtag(self, tag):
        text = " ".join("".join(self._text).split())
        if tag == "label" and self._label_for:
            self.label_text[self._label_for] = text
            self._label_for = None
        elif tag == "option" and self._select:
            self.select_options[self._select].append((self._option_value, text))
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        self._text.append(data)

    def hidden(self) -> dict[str, str]:
        return {i["name"]: i.get("value", "") for i in self.inputs if i.get("type") == "hidden"}

    def _labelled(self, text: str) -> str:
        """The id of the field whose label ends with `text` (labels may start with a key hint)."""
        matches = [f for f, label in self.label_text.items() if label.endswith(text)]
        assert len(matches) == 1, f"no single field labelled {text!r} in {self.label_text}"
        return matches[0]

    def choice(self, text: str) -> str:
        field_id = self._labelled(text)
        return next(i["value"] for i in self.inputs if i.get("id") == field_id)

    def answer(self, given) -> dict:
        """Form data for an answer given as visible text:
        "text" or ["text", ...] for choices, True/False, {"order": [...]}, {"match": {...}},
        or {"answer": "typed"}."""
        data: dict = self.hidden()
        if isinstance(given, bool):
            data["choice"] = self.choice("True" if given else "False")
        elif isinstance(given, str):
            data["choice"] = self.choice(given)
        elif isinstance(given, list):
            data["choice"] = [self.choice(text) for text in given]
        elif "order" in given:
            for place, text in enumerate(given["order"], start=1):
                data[self._labelled(text)] = str(place)
        elif "match" in given:
            for left, right in given["match"].items():
                name = self._labelled(left)
                data[name] = next(v for v, t in self.select_options[name] if t == right)
        else:
            data.update(given)
        return data


# Right and wrong answers to the questions of tests.factories.ALL_TYPES_QUESTIONS, by text.
RIGHT_ANSWERS = {
    "single": "The right one",
    "multiple": ["First right", "Second right"],
    "truefalse": False,
    "ordering": {"order": ["Plan the run", "Make the parts", "Ship the order"]},
    "matching": {
        "match": {
            "ERP": "Plans resources",
            "MES": "Runs the shop floor",
            "CMMS": "Tracks maintenance",
        }
    },
    "short": {"answer": "  manufacturing Execution system. "},
}
WRONG_ANSWERS = {
    "single": "A wrong one",
    "multiple": ["First right", "First wrong"],
    "truefalse": True,
    "ordering": {"order": ["Make the parts", "Plan the run", "Ship the order"]},
    "matching": {
        "match": {
            "ERP": "Runs the shop floor",
            "MES": "Plans resources",
            "CMMS": "Tracks maintenance",
        }
    },
    "short": {"answer": "ERP"},
}
