"""What the browser tests share: the widths, the answer key, the checks at each main page
(overflow, screenshot, axe scan), axe-core itself, and the keyboard helpers."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import tarfile
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quizapp.core.content import load_content
from tests.factories import DEFAULT_PASSWORD

try:
    from playwright.sync_api import expect
except ImportError:  # conftest.py skips the whole folder and says why
    expect = None

if TYPE_CHECKING:
    from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parents[2]
CONTENT_DIR = ROOT / "content"
PASSWORD = DEFAULT_PASSWORD

# A phone of 390 by 844 CSS pixels (touch, mobile viewport, 2x pixels) and a laptop.
WIDTHS: dict[str, dict[str, Any]] = {
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 2,
    },
    "desktop": {"viewport": {"width": 1280, "height": 800}},
}


def artifacts_dir() -> Path:
    """Where screenshots and axe reports go: $QUIZAPP_E2E_ARTIFACTS, else test-output/."""
    folder = Path(os.environ.get("QUIZAPP_E2E_ARTIFACTS") or ROOT / "test-output")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# -------------------------------------------------------------------------------------------
# The answer key: the learner "knows" the course, read from the shipped content files.


def words(text: str) -> str:
    return " ".join(text.split())


@dataclass(frozen=True)
class Course:
    specs: dict[str, Any]  # by prompt, as the page shows it
    lesson_titles: dict[str, str]  # by slug
    # By lesson slug: its questions, and how many an attempt asks.
    pool: dict[str, int]
    asked: dict[str, int]

    def spec_for(self, prompt: str):
        return self.specs[words(prompt)]


@cache
def catalogue():
    """The shipped course, read once: the server loads it, the learner answers from it."""
    catalogue, problems = load_content(CONTENT_DIR)
    assert problems == [], problems
    return catalogue


@cache
def course() -> Course:
    pool = Counter(question.lesson for question in catalogue().questions)
    return Course(
        specs={words(q.spec.prompt): q.spec for q in catalogue().questions},
        lesson_titles={lesson.slug: lesson.title for lesson in catalogue().lessons},
        pool=pool,
        asked={
            lesson.slug: min(lesson.questions_per_attempt or pool[lesson.slug], pool[lesson.slug])
            for lesson in catalogue().lessons
        },
    )


def fill_answer(page: Page, spec, *, right: bool = True) -> None:
    """Answer the question on screen through its labelled fields, right or (for a choice
    question) wrong, as a learner who read the lesson would."""
    kind = spec.type_name
    if kind in ("single_choice", "multiple_select"):
        picks = [c.text for c in spec.choices if c.correct == right]
        role = "radio" if kind == "single_choice" else "checkbox"
        for text in picks[:1] if kind == "single_choice" else picks:
            page.get_by_role(role, name=text, exact=True).check()
    elif kind == "true_false":
        answer = spec.answer if right else not spec.answer
        page.get_by_role("radio", name="True" if answer else "False", exact=True).check()
    elif kind == "ordering":
        # Wrong: the whole order reversed.
        items = spec.items if right else spec.items[::-1]
        for place, item in enumerate(items, start=1):
            page.get_by_label(item.text, exact=True).select_option(str(place))
    elif kind == "matching":
        # Wrong: every left matched with the next pair's right.
        rights = [pair.right for pair in spec.pairs]
        if not right:
            rights = rights[1:] + rights[:1]
        for pair, target in zip(spec.pairs, rights, strict=True):
            page.get_by_label(pair.left, exact=True).select_option(label=target)
    elif kind == "short_answer":
        page.get_by_label("Your answer").fill(spec.answers[0] if right else "I do not know")
    elif kind == "numeric":
        # With a decimal comma, as a learner on a European keyboard types it.
        typed = spec.right_response().replace(".", ",") if right else "-1"
        page.get_by_label("Your answer").fill(typed)
    else:  # a new question type needs a way to answer it here
        raise AssertionError(f"no way to answer a {kind} question")


def prompt_on(page: Page) -> str:
    return page.locator("h1#prompt").inner_text()


# -------------------------------------------------------------------------------------------
# What happens at each main page of a journey.

Stop = Callable[["Page", str], None]

OVERFLOW_JS = """(limit) => {
  const root = document.documentElement;
  const scrollWidth = Math.max(root.scrollWidth, document.body.scrollWidth);
  const offenders = [];
  if (scrollWidth > limit) {
    const clipped = (el) => {
      for (let a = el.parentElement; a; a = a.parentElement) {
        if (getComputedStyle(a).overflowX !== "visible") return true;
      }
      return false;
    };
    for (const el of document.body.querySelectorAll("*")) {
      const box = el.getBoundingClientRect();
      if (box.right > limit + 1 && !clipped(el)) {
        offenders.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
          + (el.className && typeof el.className === "string" ? "." + el.className.trim()
             .split(/\\s+/).join(".") : "") + " right=" + Math.round(box.right));
      }
    }
  }
  return {scrollWidth, innerWidth: window.innerWidth, offenders: offenders.slice(0, 10)};
}"""


def assert_no_horizontal_scroll(page: Page, width: int, name: str) -> None:
    found = page.evaluate(OVERFLOW_JS, width)
    assert found["scrollWidth"] <= width and found["scrollWidth"] <= found["innerWidth"], (
        f"{name} ({page.url}) scrolls sideways at {width}px: {found}"
    )


# -------------------------------------------------------------------------------------------
# axe-core, from the npm registry, pinned and checked against its published integrity.

AXE_VERSION = "4.10.3"
# dist.integrity in https://registry.npmjs.org/axe-core/4.10.3, checked on every download.
AXE_INTEGRITY = (
    "sha512-Xm7bpRXnDSX2YE2YFfBk2FnF0ep6tmG7xPh8iHee8MIcrg"
    "q762Nkce856dYtJYLkuIoYZvGfTs/PbZhideTcEg=="
)
BLOCKING_IMPACTS = ("serious", "critical")


class AxeUnavailable(RuntimeError):
    """axe-core could not be downloaded (no network): the axe tests skip, saying so, and the
    journeys run without their scans."""


def sri(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def axe_cache_dir() -> Path:
    """$QUIZAPP_E2E_AXE_CACHE, else beside the virtualenv (never committed), else ~/.cache."""
    if os.environ.get("QUIZAPP_E2E_AXE_CACHE"):
        return Path(os.environ["QUIZAPP_E2E_AXE_CACHE"])
    venv = ROOT / ".venv"
    base = venv if venv.is_dir() else Path.home() / ".cache" / "quizapp"
    return base / f"axe-core-{AXE_VERSION}"


def axe_source() -> str:
    """axe.min.js of the pinned version. The tarball is cached and its sha512 checked against
    the pinned integrity on every run, so neither the cache nor the network can slip in
    something else."""
    tarball = axe_cache_dir() / f"axe-core-{AXE_VERSION}.tgz"
    if tarball.exists() and sri(tarball.read_bytes()) == AXE_INTEGRITY:
        data = tarball.read_bytes()
    else:
        try:
            with urllib.request.urlopen(
                f"https://registry.npmjs.org/axe-core/{AXE_VERSION}", timeout=30
            ) as response:
                dist = json.load(response)["dist"]
            with urllib.request.urlopen(dist["tarball"], timeout=60) as response:
                data = response.read()
        except (OSError, ValueError, KeyError) as error:
            raise AxeUnavailable(
                f"axe-core {AXE_VERSION} could not be downloaded from the npm registry "
                f"({error}); the accessibility scans need it"
            ) from error
        assert dist["integrity"] == AXE_INTEGRITY, (
            f"the registry's integrity for axe-core {AXE_VERSION} changed: {dist['integrity']}"
        )
        assert sri(data) == AXE_INTEGRITY, f"axe-core tarball from {dist['tarball']} is corrupt"
        tarball.parent.mkdir(parents=True, exist_ok=True)
        partial = tarball.with_suffix(".part")
        partial.write_bytes(data)
        partial.replace(tarball)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        member = archive.extractfile("package/axe.min.js")
        assert member is not None
        return member.read().decode()


def axe_scan(page: Page, source: str) -> dict:
    """axe's results for the page as it is now: every violation with all its elements, and
    every passed, incomplete or inapplicable rule with one example element each (twice as
    fast; QUIZAPP_E2E_AXE_ALL_NODES=1 lists them all). The source is evaluated through the
    DevTools protocol, so the page's CSP (no foreign or inline script) can stay on."""
    page.evaluate(source)
    options = {} if os.environ.get("QUIZAPP_E2E_AXE_ALL_NODES") else {"resultTypes": ["violations"]}
    return page.evaluate("options => axe.run(document, options)", options)


def blocking_violations(results: dict) -> list[str]:
    """Each serious or critical violation: rule, impact, what it asks and where (up to five
    elements)."""
    found = []
    for violation in results["violations"]:
        if violation["impact"] in BLOCKING_IMPACTS:
            where = "; ".join(" ".join(map(str, n["target"])) for n in violation["nodes"][:5])
            found.append(
                f"{violation['id']} [{violation['impact']}] {violation['help']} at {where}"
            )
    return found


@dataclass
class PageChecks:
    """What happens at each main page of a journey: on a phone, no sideways scrolling; a
    full-page screenshot; and, when axe-core could be had, an axe scan whose full results are
    written as JSON and whose serious or critical violations are kept for the test to report
    all at once (`assert_accessible`)."""

    width: str
    folder: Path
    axe_source: str | None = None
    visited: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)

    def __call__(self, page: Page, name: str) -> None:
        settings = WIDTHS[self.width]
        if settings.get("is_mobile"):
            assert_no_horizontal_scroll(page, settings["viewport"]["width"], name)
        shots = self.folder / "screenshots"
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=shots / f"{name}-{self.width}.png", full_page=True, scale="css")
        if self.axe_source:
            results = axe_scan(page, self.axe_source)
            reports = self.folder / "axe"
            reports.mkdir(parents=True, exist_ok=True)
            (reports / f"{name}-{self.width}.json").write_text(
                json.dumps({"page": name, "width": self.width, **results}, indent=1)
            )
            self.violations += [
                f"{name} ({self.width}, {page.url}): {v}" for v in blocking_violations(results)
            ]
        self.visited.append(name)

    def assert_accessible(self) -> None:
        assert not self.violations, "serious or critical axe violations:\n" + "\n".join(
            self.violations
        )


# -------------------------------------------------------------------------------------------
# The keyboard.


def focused(page: Page) -> dict:
    return page.evaluate(
        """() => {
          const el = document.activeElement;
          return {tag: el.tagName.toLowerCase(), id: el.id,
                  text: (el.innerText || el.value || "").trim().replace(/\\s+/g, " "),
                  label: el.labels && el.labels.length ? el.labels[0].innerText.trim() : ""};
        }"""
    )


def tab_to(page: Page, matches: Callable[[dict], bool], *, limit: int = 120) -> dict:
    """Press Tab until the focused element matches; fails if it never does."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focused(page)
        if matches(now):
            return now
    raise AssertionError(f"Tab never reached the element on {page.url}")


def text_is(text: str) -> Callable[[dict], bool]:
    return lambda el: el["text"] == text


def label_is(text: str) -> Callable[[dict], bool]:
    return lambda el: words(el["label"]) == words(text)


def key_numbers(page: Page) -> dict[str, str]:
    """The number key of each choice, as the badge beside it shows."""
    numbers = {}
    for label in page.locator("fieldset.choices label").all():
        badge = label.locator(".key").inner_text().strip()
        numbers[words(re.sub(r"^\d+", "", label.inner_text()))] = badge
    return numbers
