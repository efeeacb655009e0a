"""Server-drawn SVG charts: what a reader sees, what a screen reader hears, and that it is safe."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise
from xml.etree import ElementTree

import pytest

from quizapp.core.charts import bar_chart, calendar_heatmap, heatmap_scale

NS = "{http://www.w3.org/2000/svg}"
WEDNESDAY = date(2026, 5, 6)
EMPTY, DARKEST = "#ebeff3", "#1f5f8b"


def parse(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg)


def elements(root: ElementTree.Element, tag: str, cls: str | None = None) -> list:
    return [el for el in root.iter(NS + tag) if cls is None or el.get("class") == cls]


def tooltip(element: ElementTree.Element) -> str:
    return element.find(NS + "title").text


def number(text: str) -> float:
    return float(text.replace(",", ""))


def days(count: int) -> list[tuple[str, float]]:
    start = date(2026, 4, 1)
    return [((start + timedelta(days=i)).isoformat(), i % 7 + 1) for i in range(count)]


def bars_of(values, **options) -> list:
    svg = bar_chart(values, title="Reviews per day", unit="reviews", **options)
    return elements(parse(svg), "rect", "bar")


# Bar chart: shape and scale


def test_one_bar_per_value_each_with_its_exact_value_on_hover():
    bars = bars_of([("Mon", 3), ("Tue", 0), ("Wed", 12.5)])
    assert len(bars) == 3
    assert [tooltip(bar) for bar in bars] == [
        "Mon: 3 reviews",
        "Tue: 0 reviews",
        "Wed: 12.5 reviews",
    ]


def test_bar_heights_are_proportional_to_values():
    short, tall = bars_of([("a", 10), ("b", 40)])
    assert float(tall.get("height")) == pytest.approx(4 * float(short.get("height")), abs=0.02)
    # Both stand on the same baseline.
    assert float(short.get("y")) + float(short.get("height")) == pytest.approx(
        float(tall.get("y")) + float(tall.get("height"))
    )


@pytest.mark.parametrize("top", [0.003, 1, 7, 40, 50, 999, 12_345])
def test_the_tallest_bar_stays_inside_the_plot_area(top):
    root = parse(bar_chart([("a", top / 3), ("b", top)], title="T", unit=""))
    tallest = elements(root, "rect", "bar")[1]
    gridlines = [float(line.get("y1")) for line in elements(root, "line")]
    plot_top, baseline = min(gridlines), max(gridlines)
    y, height = float(tallest.get("y")), float(tallest.get("height"))
    assert plot_top <= y
    assert y + height == pytest.approx(baseline)
    assert height > 0


@pytest.mark.parametrize(
    ("top", "axis_max"),
    [
        (1, 1),
        (3, 5),
        (7, 10),
        (40, 50),
        (50, 50),
        (51, 100),
        (0.3, 0.5),
        (1_234, 2_000),
        (12_345, 20_000),
    ],
)
def test_the_y_axis_ends_at_a_round_number_above_the_data(top, axis_max):
    root = parse(bar_chart([("a", top / 2), ("b", top)], title="T", unit=""))
    labels = [number(text.text) for text in elements(root, "text", "y-label")]
    assert labels[0] == 0
    assert labels[-1] == pytest.approx(axis_max)
    assert labels == sorted(labels)
    assert 3 <= len(elements(root, "line", "grid")) <= 5
    # One label per line, the baseline included.
    assert len(labels) == len(elements(root, "line"))


@pytest.mark.parametrize("count", [1, 2, 5, 8, 9, 13, 30, 90, 365])
def test_x_labels_are_at_most_eight_and_include_the_first_and_last(count):
    values = days(count)
    labels = elements(parse(bar_chart(values, title="T", unit="reviews")), "text", "x-label")
    texts = [label.text for label in labels]
    assert 1 <= len(texts) <= 8
    assert texts[0] == values[0][0]
    assert texts[-1] == values[-1][0]
    assert texts == sorted(set(texts))


@pytest.mark.parametrize("width", [320, 640])
def test_x_labels_never_overlap(width):
    labels = elements(
        parse(bar_chart(days(30), title="T", unit="", width=width)), "text", "x-label"
    )
    xs = [float(label.get("x")) for label in labels]
    # A ten-character date at 11 px is under 66 px wide (digits are about 0.55 em), so centres
    # that far apart cannot overlap, and a label centred 33 px in from an edge is not cut off.
    assert all(b - a >= 66 for a, b in pairwise(xs))
    assert all(33 <= x <= width - 33 for x in xs)


def test_a_narrow_chart_shows_fewer_labels_than_a_wide_one():
    def label_count(width):
        root = parse(bar_chart(days(30), title="T", unit="", width=width))
        return len(elements(root, "text", "x-label"))

    assert label_count(320) < label_count(640)


@pytest.mark.parametrize("values", [[], [("Mon", 0), ("Tue", 0)]], ids=["no values", "all zero"])
def test_no_data_says_so_in_a_valid_svg(values):
    root = parse(bar_chart(values, title="Reviews per day", unit="reviews"))
    assert [text.text for text in elements(root, "text")] == ["No data yet"]
    assert elements(root, "rect", "bar") == []
    assert root.find(NS + "desc").text == "No data yet."
    assert root.get("role") == "img"


def test_the_bar_chart_description_summarises_the_data():
    root = parse(bar_chart([("Mon", 3), ("Tue", 40), ("Wed", 1)], title="T", unit="reviews"))
    assert root.find(NS + "desc").text == (
        "3 bars, Mon to Wed; highest Tue with 40 reviews; total 44 reviews."
    )


def test_negative_or_missing_values_are_refused():
    with pytest.raises(ValueError, match="not negative"):
        bar_chart([("a", -1)], title="T", unit="")
    with pytest.raises(ValueError, match="finite"):
        bar_chart([("a", float("nan"))], title="T", unit="")


def test_bars_and_text_use_the_site_colours():
    root = parse(bar_chart([("a", 1), ("b", 2)], title="T", unit=""))
    assert {bar.get("fill") for bar in elements(root, "rect", "bar")} == {"#1f5f8b"}
    assert {line.get("stroke") for line in elements(root, "line")} == {"#d5dce4"}
    assert {text.get("fill") for text in elements(root, "text")} == {"#55606e"}
    assert all(text.get("font-size") for text in elements(root, "text"))


# Heatmap


def heatmap(counts=None, *, end=WEDNESDAY, weeks=4, **options) -> ElementTree.Element:
    return parse(calendar_heatmap(counts or {}, end=end, weeks=weeks, title="Reviews", **options))


def cells(root: ElementTree.Element) -> dict[str, ElementTree.Element]:
    return {tooltip(cell).split(":")[0]: cell for cell in elements(root, "rect", "day")}


@pytest.mark.parametrize(
    ("end", "weeks", "expected"),
    [
        (WEDNESDAY, 4, 3 * 7 + 3),
        (WEDNESDAY, 1, 3),
        (date(2026, 5, 4), 1, 1),  # a Monday
        (date(2026, 5, 10), 26, 26 * 7),  # a Sunday
    ],
)
def test_heatmap_draws_one_cell_per_day_up_to_the_end(end, weeks, expected):
    drawn = cells(heatmap(end=end, weeks=weeks))
    assert len(drawn) == expected
    assert max(drawn) == end.isoformat()
    first = date.fromisoformat(min(drawn))
    assert first.weekday() == 0
    assert (end - first).days // 7 == weeks - 1


def test_heatmap_columns_are_weeks_oldest_first_and_rows_monday_to_sunday():
    drawn = cells(heatmap())
    monday, sunday = drawn["2026-04-13"], drawn["2026-04-19"]
    next_monday = drawn["2026-04-20"]
    assert monday.get("x") == sunday.get("x")
    assert float(sunday.get("y")) > float(monday.get("y"))
    assert float(next_monday.get("x")) > float(monday.get("x"))
    assert next_monday.get("y") == monday.get("y")


def test_heatmap_shades_zero_days_empty_and_the_busiest_day_darkest():
    counts = {
        date(2026, 4, 14): 1,
        date(2026, 4, 20): 3,
        date(2026, 4, 28): 8,
        date(2026, 5, 2): 40,
        date(2026, 5, 5): 20,
        # After the end: not drawn, and not allowed to push the busiest drawn day lighter.
        date(2026, 5, 7): 500,
    }
    drawn = cells(heatmap(counts))
    assert "2026-05-07" not in drawn
    assert drawn["2026-05-01"].get("fill") == EMPTY
    assert drawn["2026-05-02"].get("fill") == DARKEST
    assert tooltip(drawn["2026-05-02"]) == "2026-05-02: 40 reviews"
    assert tooltip(drawn["2026-05-01"]) == "2026-05-01: 0 reviews"
    assert tooltip(drawn["2026-04-14"]) == "2026-04-14: 1 review"
    # More reviews never means a lighter shade, and all four non-zero shades are used.
    shades = ["#ebeff3", "#b8cbd9", "#85a7bf", "#5283a5", "#1f5f8b"]
    in_window = sorted((count, day) for day, count in counts.items() if day <= WEDNESDAY)
    levels = [shades.index(drawn[day.isoformat()].get("fill")) for _, day in in_window]
    assert levels == [1, 2, 3, 4, 4]


def test_a_single_active_day_is_darkest():
    drawn = cells(heatmap({date(2026, 5, 1): 2}))
    assert drawn["2026-05-01"].get("fill") == DARKEST


def test_month_labels_mark_the_weeks_where_a_month_starts():
    root = heatmap(end=date(2026, 5, 6), weeks=12)
    months = elements(root, "text", "month")
    assert [month.text for month in months] == ["Mar", "Apr", "May"]
    drawn = cells(root)
    assert months[1].get("x") == drawn["2026-04-01"].get("x")


def test_the_heatmap_description_summarises_the_period():
    counts = {date(2026, 5, 2): 40, date(2026, 5, 3): 2, date(2026, 4, 20): 0}
    root = heatmap(counts)
    assert root.find(NS + "desc").text == (
        "24 days from 2026-04-13 to 2026-05-06; "
        "total 42 reviews on 2 days; busiest day 2026-05-02 with 40."
    )
    assert heatmap({}).find(NS + "desc").text.endswith("no reviews yet.")


def test_a_heatmap_needs_a_week_and_no_negative_counts():
    with pytest.raises(ValueError, match="week"):
        heatmap(weeks=0)
    with pytest.raises(ValueError, match="negative"):
        heatmap({WEDNESDAY: -1})


def test_the_legend_shows_the_heatmaps_shades_from_none_to_most_hidden_from_screen_readers():
    root = parse(heatmap_scale())
    assert [rect.get("fill") for rect in elements(root, "rect")] == [
        EMPTY,
        "#b8cbd9",
        "#85a7bf",
        "#5283a5",
        DARKEST,
    ]
    # The sentence beside it says what the shades mean; the swatches alone would be colour.
    assert root.get("aria-hidden") == "true"
    assert "style" not in heatmap_scale()


def test_half_a_year_fits_a_phone_without_scaling_far_down():
    width = float(heatmap(weeks=26).get("viewBox").split()[2])
    assert width <= 400


# Both charts: accessibility, safety, determinism

CHARTS = {
    "bar": lambda title, **kw: bar_chart(days(30), title=title, unit="reviews", **kw),
    "empty bar": lambda title, **kw: bar_chart([], title=title, unit="reviews", **kw),
    "heatmap": lambda title, **kw: calendar_heatmap(
        {WEDNESDAY: 4}, end=WEDNESDAY, title=title, **kw
    ),
}


@pytest.mark.parametrize("draw", CHARTS.values(), ids=CHARTS.keys())
def test_the_chart_is_a_labelled_image_that_scales_to_its_container(draw):
    svg = draw("Reviews, last 30 days")
    root = parse(svg)
    assert root.tag == NS + "svg"
    assert root.get("role") == "img"
    assert len(root.get("viewBox").split()) == 4
    assert root.get("width") == "100%"
    assert root.get("height") is None
    title = root.find(NS + "title")
    assert title.get("id") == root.get("aria-labelledby")
    assert title.text == "Reviews, last 30 days"
    desc = root.find(NS + "desc")
    assert desc.get("id") == root.get("aria-describedby")
    assert desc.text
    # The Content-Security-Policy forbids inline styles.
    assert all(el.get("style") is None for el in root.iter())
    assert elements(root, "style") == []
    assert "style" not in svg


@pytest.mark.parametrize("draw", CHARTS.values(), ids=CHARTS.keys())
def test_two_charts_on_one_page_do_not_share_ids(draw):
    first, second = parse(draw("Reviews per day")), parse(draw("Cards due"))
    ids = {el.get("id") for root in (first, second) for el in root.iter() if el.get("id")}
    assert len(ids) == 4
    assert parse(draw("T", id_prefix="due")).get("aria-labelledby") == "due-title"
    with pytest.raises(ValueError, match="id"):
        draw("T", id_prefix='x" onload="alert(1)')


def test_bar_labels_and_titles_are_escaped():
    label, title = '<script>&"', "Mine & <yours>"
    svg = bar_chart([(label, 3), ("b\x00", 1)], title=title, unit="<u>")
    assert "<script>" not in svg
    assert "&lt;script&gt;&amp;" in svg
    root = parse(svg)
    assert root.find(NS + "title").text == title
    assert tooltip(elements(root, "rect", "bar")[0]) == f"{label}: 3 <u>"
    assert [text.text for text in elements(root, "text", "x-label")] == [label, "b"]
    assert label in root.find(NS + "desc").text


def test_heatmap_title_is_escaped():
    root = parse(calendar_heatmap({}, end=WEDNESDAY, title='<img src=x onerror="1">'))
    assert root.find(NS + "title").text == '<img src=x onerror="1">'
    assert elements(root, "img") == []


@pytest.mark.parametrize("draw", CHARTS.values(), ids=CHARTS.keys())
def test_the_same_input_draws_the_same_svg(draw):
    assert draw("Reviews") == draw("Reviews")


def test_heatmap_output_does_not_depend_on_the_order_of_the_counts():
    counts = {WEDNESDAY - timedelta(days=i): i + 1 for i in range(10)}
    reversed_counts = dict(reversed(counts.items()))
    assert calendar_heatmap(counts, end=WEDNESDAY, title="R") == calendar_heatmap(
        reversed_counts, end=WEDNESDAY, title="R"
    )
