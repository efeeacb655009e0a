"""Small SVG charts drawn on the server: a bar chart and a calendar heatmap of reviews.

Each chart is a string to inline in a page. It scales to its container (a viewBox and
width="100%"), carries no inline styles, which the Content-Security-Policy forbids, and names
itself for screen readers with a <title> and a <desc>. Every piece of text is escaped.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from itertools import pairwise
from xml.sax.saxutils import escape, quoteattr

from quizapp.core.words import plural

BRAND = "#1f5f8b"
GRID = "#d5dce4"
TEXT = "#55606e"
# No reviews, then four even steps from the empty colour to the brand blue.
HEAT = ("#ebeff3", "#b8cbd9", "#85a7bf", "#5283a5", BRAND)
FONT_SIZE = 11
NO_DATA = "No data yet"
MAX_X_LABELS = 8
# Spelled out rather than taken from `calendar`, whose names follow the process's locale.
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WEEKDAYS = ("Mon", "", "Wed", "", "Fri", "", "")

# Bar chart margins; the left one grows with the widest y label.
TOP, RIGHT, BOTTOM = 8, 4, 22
# Heatmap geometry: a cell, the distance between cells, and room for day and month labels.
CELL, PITCH, HEAT_LEFT, HEAT_TOP, HEAT_RIGHT = 11, 13, 28, 16, 12

# XML 1.0 refuses these characters even when escaped.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ID = re.compile(r"[A-Za-z_][\w.-]*\Z", re.ASCII)


def bar_chart(
    values: Sequence[tuple[str, float]],
    *,
    title: str,
    unit: str,
    width: int = 640,
    height: int = 180,
    id_prefix: str | None = None,
) -> str:
    """A bar per (label, value) under a round y maximum; "No data yet" when nothing is above 0."""
    if any(not math.isfinite(value) or value < 0 for _, value in values):
        raise ValueError("bar values must be finite and not negative")
    chart_id = _chart_id("bar", title, id_prefix)
    if not any(value > 0 for _, value in values):
        return _no_data(chart_id, title=title, width=width, height=height)

    ticks = _ticks(max(value for _, value in values))
    left = 10 + max(_text_width(_number(tick)) for tick in ticks)
    plot_width, plot_height, bottom = width - left - RIGHT, height - TOP - BOTTOM, height - BOTTOM
    body = []
    for tick in ticks:
        y = bottom - plot_height * tick / ticks[-1]
        kind = "grid" if tick else "baseline"
        body.append(
            f'<line class="{kind}" x1="{_n(left)}" x2="{width - RIGHT}" y1="{_n(y)}" y2="{_n(y)}"'
            f' stroke="{GRID}" stroke-width="1"/>'
        )
        body.append(_label(left - 6, y + 4, _number(tick), anchor="end", cls="y-label"))

    slot = plot_width / len(values)
    for index, (label, value) in enumerate(values):
        bar_height, x = plot_height * value / ticks[-1], left + slot * (index + 0.125)
        body.append(
            f'<rect class="bar" x="{_n(x)}" y="{_n(bottom - bar_height)}"'
            f' width="{_n(slot * 0.75)}" height="{_n(bar_height)}" fill="{BRAND}">'
            f"<title>{_text(f'{label}: {_amount(value, unit)}')}</title></rect>"
        )
    centres = [left + slot * (index + 0.5) for index in range(len(values))]
    labels = [label for label, _ in values]
    for index, x in _x_labels(labels, centres, width=width):
        body.append(_label(x, bottom + 15, labels[index], anchor="middle", cls="x-label"))

    highest_label, highest = max(values, key=lambda pair: pair[1])
    desc = (
        f"{plural(len(values), 'bar')}, {labels[0]} to {labels[-1]}; "
        f"highest {highest_label} with {_amount(highest, unit)}; "
        f"total {_amount(sum(value for _, value in values), unit)}."
    )
    return _svg(chart_id, body, title=title, desc=desc, width=width, height=height)


def calendar_heatmap(
    counts: Mapping[date, int],
    *,
    end: date,
    weeks: int = 26,
    title: str,
    id_prefix: str | None = None,
) -> str:
    """A cell per day, weeks as columns up to the one holding `end`, shaded by reviews that day."""
    if weeks < 1:
        raise ValueError("a heatmap needs at least one week")
    first = end - timedelta(days=end.weekday() + 7 * (weeks - 1))
    days = [first + timedelta(days=offset) for offset in range((end - first).days + 1)]
    shown = {day: counts.get(day, 0) for day in days}
    if any(count < 0 for count in shown.values()):
        raise ValueError("review counts must not be negative")
    levels = _levels(shown.values())
    chart_id = _chart_id("heatmap", title, id_prefix)
    width, height = HEAT_LEFT + weeks * PITCH + HEAT_RIGHT, HEAT_TOP + 7 * PITCH

    body = [
        _label(HEAT_LEFT - 4, HEAT_TOP + row * PITCH + 9, name, anchor="end", size=9, cls="weekday")
        for row, name in enumerate(WEEKDAYS)
        if name
    ]
    for offset, day in enumerate(days):
        column, row = divmod(offset, 7)
        x, y = HEAT_LEFT + column * PITCH, HEAT_TOP + row * PITCH
        if day.day == 1:
            body.append(
                _label(x, HEAT_TOP - 5, MONTHS[day.month - 1], anchor="start", size=9, cls="month")
            )
        tooltip = f"{day.isoformat()}: {plural(shown[day], 'review')}"
        body.append(
            f'<rect class="day" x="{x}" y="{y}" width="{CELL}" height="{CELL}" rx="2"'
            f' fill="{HEAT[levels[shown[day]]]}"><title>{tooltip}</title></rect>'
        )

    total = sum(shown.values())
    desc = f"{len(days)} days from {first.isoformat()} to {end.isoformat()}; "
    if total:
        busiest = max(days, key=lambda day: (shown[day], day))
        active = sum(1 for count in shown.values() if count)
        desc += (
            f"total {plural(total, 'review')} on {plural(active, 'day')}; "
            f"busiest day {busiest.isoformat()} with {shown[busiest]}."
        )
    else:
        desc += "no reviews yet."
    return _svg(chart_id, body, title=title, desc=desc, width=width, height=height)


def heatmap_scale() -> str:
    """The heatmap's shades in a row, none to most, to show between the words Less and More.

    Hidden from screen readers: the sentence beside it says what the shading means."""
    width = len(HEAT) * PITCH - (PITCH - CELL)
    cells = "".join(
        f'<rect x="{index * PITCH}" y="0" width="{CELL}" height="{CELL}" rx="2" fill="{colour}"/>'
        for index, colour in enumerate(HEAT)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="heat-scale-cells"'
        f' viewBox="0 0 {width} {CELL}" width="{width}" height="{CELL}"'
        f' aria-hidden="true" focusable="false">{cells}</svg>'
    )


def _svg(chart_id: str, body: list[str], *, title: str, desc: str, width: int, height: int) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}"'
        f' width="100%" role="img" aria-labelledby={_attr(chart_id + "-title")}'
        f" aria-describedby={_attr(chart_id + '-desc')}>"
        f"<title id={_attr(chart_id + '-title')}>{_text(title)}</title>"
        f"<desc id={_attr(chart_id + '-desc')}>{_text(desc)}</desc>" + "".join(body) + "</svg>"
    )


def _no_data(chart_id: str, *, title: str, width: int, height: int) -> str:
    message = _label(width / 2, height / 2 + 4, NO_DATA, anchor="middle", cls="empty")
    return _svg(chart_id, [message], title=title, desc=f"{NO_DATA}.", width=width, height=height)


def _label(x: float, y: float, text: str, *, anchor: str, cls: str, size: int = FONT_SIZE) -> str:
    return (
        f'<text class="{cls}" x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}"'
        f' font-size="{size}" fill="{TEXT}">{_text(text)}</text>'
    )


def _chart_id(kind: str, title: str, id_prefix: str | None) -> str:
    """`id_prefix` when given, else one derived from the title, so ids differ between charts."""
    if id_prefix is None:
        return f"{kind}-{hashlib.sha256(title.encode()).hexdigest()[:8]}"
    if not _ID.match(id_prefix):
        raise ValueError(f"not a usable XML id: {id_prefix!r}")
    return id_prefix


def _ticks(top: float) -> list[float]:
    """0 up to the smallest 1, 2 or 5 times a power of ten that holds `top`, in 4 or 5 steps."""
    power = 10.0 ** math.floor(math.log10(top))
    for nice, steps in ((1, 5), (2, 4), (5, 5), (10, 5)):
        if nice * power >= top * (1 - 1e-9):
            return [round(nice * power * step / steps, 9) for step in range(steps + 1)]
    raise AssertionError("unreachable: 10 * 10**floor(log10(top)) always exceeds top")


def _x_labels(labels: list[str], centres: list[float], *, width: int) -> list[tuple[int, float]]:
    """(index, x) of at most MAX_X_LABELS evenly spread labels, first and last included, apart."""
    count = len(labels)
    if count == 1:
        return [(0, centres[0])]
    for shown in range(min(count, MAX_X_LABELS), 1, -1):
        indices = sorted({int(step * (count - 1) / (shown - 1) + 0.5) for step in range(shown)})
        placed = []
        for index in indices:
            # Labels at the ends move inwards rather than be cut off by the edge of the chart.
            half = _text_width(labels[index]) / 2
            placed.append((index, min(max(centres[index], half + 1), width - half - 1), half))
        if all(x2 - h2 - (x1 + h1) >= 4 for (_, x1, h1), (_, x2, h2) in pairwise(placed)):
            break
    return [(index, x) for index, x, _ in placed]


def _levels(counts: Iterable[int]) -> dict[int, int]:
    """Each count's shade: 0 for none, then 1-4 by rank among distinct counts, busiest darkest."""
    distinct = sorted({count for count in counts if count > 0}, reverse=True)
    levels = {0: 0}
    for rank, count in enumerate(distinct):
        levels[count] = 4 - rank * 4 // len(distinct)
    return levels


def _text_width(text: str, size: int = FONT_SIZE) -> float:
    # A sans-serif character is about 0.6 em wide on average; close enough to keep labels apart.
    return len(text) * size * 0.6


def _number(value: float) -> str:
    """`value` for people: thousands separated, no trailing zeros, no floating-point noise."""
    return f"{round(value, 6):,.6f}".rstrip("0").rstrip(".")


def _amount(value: float, unit: str) -> str:
    return f"{_number(value)}{'' if unit in ('', '%') else ' '}{unit}"


def _n(coordinate: float) -> str:
    return f"{coordinate:.2f}".rstrip("0").rstrip(".")


def _text(value: str) -> str:
    return escape(_FORBIDDEN.sub("", value))


def _attr(value: str) -> str:
    return quoteattr(_FORBIDDEN.sub("", value))
