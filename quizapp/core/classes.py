"""Class rules that need no database: join codes, due dates, item analysis and
spreadsheet-safe exports (statuses are in `core.assignments`). Time and randomness are arguments."""

from __future__ import annotations

import csv
import io
import random
import re
import statistics
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

# No 0/O, 1/I/L or U/V: a code read aloud or copied from a projector is typed right.
JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTWXYZ23456789"
JOIN_CODE_LENGTH = 8


def new_join_code(rng: random.Random) -> str:
    return "".join(rng.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def normalize_join_code(text: str) -> str:
    """What a learner typed, as stored: case, spaces and dashes do not matter."""
    return "".join(text.split()).replace("-", "").upper()


def format_join_code(code: str) -> str:
    """Shown in two halves, as people read codes aloud: "ABCD-EFGH"."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def due_from_local(local: datetime, time_zone: str) -> datetime:
    """A due date typed in the class's time zone (naive), as a UTC instant."""
    return local.replace(tzinfo=ZoneInfo(time_zone)).astimezone(UTC)


# How a due date reads everywhere: on the class's pages and in mail.
DATE_TIME_PATTERN = "%a %d %b %Y, %H:%M"


def local_time(instant: datetime, time_zone: str) -> datetime:
    return instant.astimezone(ZoneInfo(time_zone))


# Moodle's thresholds for its facility index: above 90% right is very easy, below 30% hard.
TOO_EASY, TOO_HARD = 0.9, 0.3
# Below this a question barely separates the learners who know the material from those who
# don't (Ebel's guide for the upper-lower discrimination index).
WEAK_DISCRIMINATION = 0.2
# Fewer answers than this and a percentage says more about chance than about the question.
MIN_RESPONSES_TO_FLAG = 5


def discrimination_index(results: Sequence[tuple[float, bool]]) -> float | None:
    """Upper-lower discrimination: among the learners ranked by their total score (the first
    of each pair), the share of the top 27% who got this question right minus the share of
    the bottom 27%. From -1 to 1; None with too few learners to form both groups."""
    if len(results) < MIN_RESPONSES_TO_FLAG:
        return None
    ranked = sorted(results, key=lambda pair: pair[0])
    size = max(1, round(0.27 * len(ranked)))
    lower, upper = ranked[:size], ranked[-size:]
    return sum(right for _, right in upper) / size - sum(right for _, right in lower) / size


def item_flags(facility: float | None, discrimination: float | None, responses: int) -> list[str]:
    """Plain-language warnings an instructor can act on."""
    if facility is None or responses < MIN_RESPONSES_TO_FLAG:
        return []
    flags = []
    if facility > TOO_EASY:
        flags.append("Looks too easy")
    elif facility < TOO_HARD:
        flags.append("Looks too hard")
    if discrimination is not None:
        if discrimination < 0:
            flags.append("Weaker learners do better: check the answer key")
        elif discrimination < WEAK_DISCRIMINATION and TOO_HARD <= facility <= TOO_EASY:
            flags.append("Does not separate strong from weak learners")
    return flags


def median(values: Iterable[float]) -> float | None:
    values = list(values)
    return statistics.median(values) if values else None


# A spreadsheet runs a cell starting with one of the first six as a formula (CSV injection).
# ";" separates cells in spreadsheets set to semicolon locales: not leading with it is cheap
# caution, though a ";" inside a cell still splits the cell there for them.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", ";")


def spreadsheet_safe(value: object) -> str:
    """A cell that a spreadsheet shows as text, never runs: risky text gets a leading quote."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """RFC 4180 CSV (CRLF line ends, quotes doubled) with every cell made spreadsheet-safe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([spreadsheet_safe(cell) for cell in header])
    writer.writerows([spreadsheet_safe(cell) for cell in row] for row in rows)
    return out.getvalue()


def file_slug(name: str) -> str:
    """ "Line 3 — Night shift" as "line-3-night-shift", for a download's file name: accents
    dropped, anything else that is not a letter or digit a dash; "" when nothing is left
    (a name in another script), for the caller to replace."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60].strip("-")
