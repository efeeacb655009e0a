"""Item and quiz statistics from learners' first answers, computed as Moodle's quiz statistics
report computes them: per question the facility, the discrimination index (the correlation of
the question's score with the rest of the quiz) and the discriminative efficiency (that
correlation against the highest the scores' spread allows), a table of the responses given;
for the quiz the spread of scores and its internal consistency (Cronbach's alpha, which is
KR-20 when every question is scored all or nothing). Plain-language flags say what to do.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from quizapp.core.questions import InvalidResponse, QuestionSpec

# Moodle's thresholds for its facility index: above 90% right is very easy, below 30% hard.
TOO_EASY, TOO_HARD = 0.9, 0.3
# A question whose score correlates less than this with the rest of the quiz barely separates
# the learners who know the material from those who don't (the usual reading of a point-
# biserial correlation; Moodle's help calls under 0.3 weak).
WEAK_DISCRIMINATION = 0.2
# Fewer answers than this and a figure says more about chance than about the question.
MIN_RESPONSES_TO_FLAG = 5
# The most common answers an open question's table lists.
TOP_ANSWERS = 10
# The share of learners at each end of the class compared for distractors (Kelley's 27%).
GROUP_SHARE = 0.27


@dataclass(frozen=True)
class Discrimination:
    # Pearson correlation of the question's score with the rest of the quiz's, from -1 to 1.
    index: float
    # The same covariance against the largest these two spreads of scores allow, 0 to 1 when
    # positive: a very easy question cannot correlate highly, and this says so.
    efficiency: float | None


def discrimination(pairs: Sequence[tuple[float, float]]) -> Discrimination | None:
    """From (question score, rest-of-quiz score) per learner; None with fewer answers than
    `MIN_RESPONSES_TO_FLAG` or when either score does not vary (everyone right, say)."""
    if len(pairs) < MIN_RESPONSES_TO_FLAG:
        return None
    item = [p[0] for p in pairs]
    rest = [p[1] for p in pairs]
    covariance = _covariance(item, rest)
    spread = statistics.pstdev(item) * statistics.pstdev(rest)
    if spread == 0:
        return None
    highest = _covariance(sorted(item), sorted(rest))
    efficiency = covariance / highest if highest > 0 else None
    return Discrimination(covariance / spread, efficiency)


def _covariance(xs: Sequence[float], ys: Sequence[float]) -> float:
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / len(xs)


def item_flags(facility: float | None, index: float | None, responses: int) -> list[str]:
    """Plain-language warnings about a question an instructor can act on."""
    if facility is None or responses < MIN_RESPONSES_TO_FLAG:
        return []
    flags = []
    if facility > TOO_EASY:
        flags.append("Looks too easy")
    elif facility < TOO_HARD:
        flags.append("Looks too hard")
    if index is not None:
        if index < 0:
            flags.append("Weaker learners do better: check the answer key")
        elif index < WEAK_DISCRIMINATION and TOO_HARD <= facility <= TOO_EASY:
            flags.append("Does not separate strong from weak learners")
    return flags


@dataclass(frozen=True)
class ResponseRow:
    label: str
    # Learners whose first answer chose this option (choices), got this place or pair right
    # (ordering, matching) or gave this answer (open questions).
    count: int
    right: bool
    # The option's id for choices, so distractors can be told apart; None otherwise.
    key: str | None = None


def response_table(spec: QuestionSpec, responses: Sequence[Any]) -> tuple[str, list[ResponseRow]]:
    """What the first answers were, as Moodle's responses report shows them, with a sentence
    saying what the counts mean."""
    kind = spec.type_name
    if kind in ("single_choice", "multiple_select"):
        chosen = Counter(key for response in responses for key in spec.choice_ids(response))
        rows = [ResponseRow(c.text, chosen[c.id], c.correct, c.id) for c in spec.choices]
        return "Learners who chose each option", rows
    if kind == "true_false":
        said = Counter(responses)
        rows = [
            ResponseRow(label, said[value], value == spec.answer, label.lower())
            for label, value in (("True", True), ("False", False))
        ]
        return "Learners who chose each answer", rows
    if kind == "ordering":
        rows = [
            ResponseRow(
                f"{place}. {item.text}",
                sum(len(r) >= place and r[place - 1] == item.id for r in responses),
                True,
            )
            for place, item in enumerate(spec.items, start=1)
        ]
        return "Learners who put each item in its right place", rows
    if kind == "matching":
        rows = [
            ResponseRow(
                f"{pair.left} → {pair.right}",
                sum(isinstance(r, Mapping) and r.get(pair.id) == pair.id for r in responses),
                True,
            )
            for pair in spec.pairs
        ]
        return "Learners who matched each pair rightly", rows
    given: Counter[tuple[str, bool]] = Counter()
    for response in responses:
        given[spec.describe(response), _is_right(spec, response)] += 1
    rows = [
        ResponseRow(label, count, right)
        for (label, right), count in sorted(given.items(), key=lambda kv: (-kv[1], kv[0][0]))
    ][:TOP_ANSWERS]
    return f"The {TOP_ANSWERS} most common answers", rows


def _is_right(spec: QuestionSpec, response: Any) -> bool:
    try:
        return spec.grade(response).correct
    except InvalidResponse:
        return False


def distractor_flags(
    rows: Sequence[ResponseRow],
    choosers: Mapping[str, Sequence[float]],
    totals: Sequence[float],
) -> list[str]:
    """Flags on a choice question's wrong options: one nobody chooses (it does no work), and
    one the stronger learners choose more often than the weaker (it may be right, or the
    question may mislead). `choosers` holds each option's choosers' quiz scores, `totals`
    everyone's who answered."""
    if len(totals) < MIN_RESPONSES_TO_FLAG:
        return []
    ranked = sorted(totals)
    size = max(1, round(GROUP_SHARE * len(ranked)))
    low_cut, high_cut = ranked[size - 1], ranked[-size]
    flags = []
    for row in rows:
        if row.right or row.key is None:
            continue
        if row.count == 0:
            flags.append(f"A distractor nobody chooses: “{row.label}”")
            continue
        scores = choosers.get(row.key, ())
        strong = sum(score >= high_cut for score in scores)
        weak = sum(score <= low_cut for score in scores)
        if high_cut > low_cut and strong > weak:
            flags.append(f"A distractor the stronger learners choose: “{row.label}”")
    return flags


@dataclass(frozen=True)
class ScoreSummary:
    count: int
    mean: float
    median: float
    sd: float
    # Learners per tenth of the scale: 0-9%, 10-19%, ..., 90-100%.
    bins: tuple[int, ...]

    @property
    def bin_labels(self) -> list[str]:
        return [f"{10 * n}-{10 * n + 9}%" if n < 9 else "90-100%" for n in range(10)]


def score_summary(scores: Sequence[float]) -> ScoreSummary | None:
    """Scores as fractions of the maximum; None without any. The standard deviation is the
    sample's (n - 1), as Moodle reports it, and 0 for a single learner."""
    if not scores:
        return None
    bins = [0] * 10
    for score in scores:
        bins[min(9, int(10 * score + 1e-9))] += 1
    return ScoreSummary(
        count=len(scores),
        mean=statistics.fmean(scores),
        median=statistics.median(scores),
        sd=statistics.stdev(scores) if len(scores) > 1 else 0.0,
        bins=tuple(bins),
    )


@dataclass(frozen=True)
class Consistency:
    value: float
    # "KR-20" when every question was scored right or wrong, else "Cronbach's alpha".
    name: str
    learners: int
    questions: int

    @property
    def reading(self) -> str:
        value = round(self.value, 2)  # as shown: a figure shown as 0.80 reads as 0.80
        if value >= 0.8:
            return "The quiz separates stronger from weaker learners well."
        if value >= 0.6:
            return "The quiz separates stronger from weaker learners fairly well."
        if value >= 0:
            return (
                "The quiz does not reliably separate stronger from weaker learners: "
                "chance plays a large part in a score."
            )
        return "The questions disagree with each other: check the answer keys."


# Below these the figure is too unsteady to read anything into.
MIN_CONSISTENCY_LEARNERS, MIN_CONSISTENCY_QUESTIONS = 5, 3


def consistency(matrix: Sequence[Sequence[float]]) -> Consistency | None:
    """Internal consistency of a quiz from a learners-by-questions matrix of scores (0 to 1),
    only learners who answered every question: k/(k-1) * (1 - Σ item variance / total
    variance). None with too few learners or questions, or when total scores do not vary."""
    if len(matrix) < MIN_CONSISTENCY_LEARNERS:
        return None
    k = len(matrix[0])
    if k < MIN_CONSISTENCY_QUESTIONS:
        return None
    item_variance = sum(statistics.pvariance([row[i] for row in matrix]) for i in range(k))
    total_variance = statistics.pvariance([sum(row) for row in matrix])
    if total_variance == 0:
        return None
    value = k / (k - 1) * (1 - item_variance / total_variance)
    all_or_nothing = all(score in (0, 1) for row in matrix for score in row)
    name = "KR-20" if all_or_nothing else "Cronbach's alpha"
    return Consistency(value if math.isfinite(value) else 0.0, name, len(matrix), k)
