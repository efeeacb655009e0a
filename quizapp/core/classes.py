"""Class rules that need no database: join codes, due dates, medians and
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
