"""`flask srs optimize --all` at the bench's scale: the site's memory model fitted to all
1,000,000 review-log rows, then every learner with enough history fitted to their own, as a
nightly cron run would (but every learner, not only those with enough new reviews).

It runs as a subprocess on the run's copy of the dataset (after the load and the reminders,
which it does not disturb), configured from the environment like the benchmark's server, so
its peak memory is the command's alone. The child is `flask srs optimize --all` itself, with
a few lines added: the service's log lines (one a learner, one for the site) are written to
stderr with the time they were logged, which gives the site fit's time, each learner's time
and what became of each fit; and at exit, the process's VmHWM. That, not the figure the
command prints (ru_maxrss), is the peak reported: a process started by vfork or fork keeps
its parent's peak in ru_maxrss through exec, and the benchmark's own is a few GiB.

Afterwards, `rebuild_cards` replays the cards of a sample of the learners fitted, those whose
own model was kept first: the log rows written before the fit carry no model, so they must
still replay to the cards as they are, whatever model now schedules the learner (`flask srs
rebuild --check` finding nothing to change).
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
COMMAND = ["srs", "optimize", "--all"]
# Learners whose cards are replayed after the run (each a fraction of a second).
REBUILD_SAMPLE = 25

STARTED, LISTED = "bench: command started", "bench: learners listed"
_SITE = re.compile(r"^site memory model: (?P<reason>.*) \((?P<reviews>\d+) reviews\)$")
_LEARNER = re.compile(
    r"^memory model for user (?P<user>\d+): (?P<reason>.*) \((?P<reviews>\d+) reviews\)$"
)
_SUMMARY = re.compile(
    r"(?P<fitted>\d+) learner\(s\) fitted, (?P<kept>\d+) new model\(s\) kept, in "
    r"(?P<seconds>[\d.]+) s, peak memory (?P<peak>\d+) MiB\."
)


def _child() -> None:
    """`flask --app quizapp srs optimize --all`, with the service's log lines timed on stderr."""
    started = time.perf_counter()

    class Timed(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            line = {"t": time.perf_counter() - started, "message": record.getMessage()}
            sys.stderr.write(json.dumps(line) + "\n")
            sys.stderr.flush()

    def peak() -> None:
        # This process's own high-water mark: VmHWM belongs to the memory it got at exec.
        status = Path("/proc/self/status").read_text()
        kib = int(re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)[1])
        sys.stderr.write(json.dumps({"t": time.perf_counter() - started, "vmhwm_kib": kib}) + "\n")
        sys.stderr.flush()

    atexit.register(peak)
    logger = logging.getLogger("quizapp.services.memory_models")
    logger.setLevel(logging.INFO)
    logger.addHandler(Timed())
    # Two more lines, so that the app's start is not counted as the site's fit, nor the query
    # for the learners as the first learner's: the command imports these when it runs.
    from quizapp.services import memory_models

    optimize_site, learners_to_fit = memory_models.optimize_site, memory_models.learners_to_fit

    def timed_site():
        logger.info(STARTED)
        return optimize_site()

    def timed_learners(**options):
        found = learners_to_fit(**options)
        logger.info(LISTED)
        return found

    memory_models.optimize_site, memory_models.learners_to_fit = timed_site, timed_learners
    from flask.cli import main

    sys.argv = ["flask", "--app", "quizapp", *COMMAND]
    main()


def _history(url: str) -> dict[str, Any]:
    """The learners `--all` fits and their log rows, counted before the run."""
    from sqlalchemy import func, select

    from bench.store import app_for
    from quizapp.core.memory_model import MIN_REVIEWS
    from quizapp.db import db
    from quizapp.models import ReviewLog
    from quizapp.services.memory_models import learners_to_fit

    app = app_for(url)
    try:
        with app.app_context():
            ids = learners_to_fit(every=True)
            per_learner = (
                select(func.count(ReviewLog.id).label("rows"))
                .where(ReviewLog.voided_at.is_(None), ReviewLog.user_id.in_(ids))
                .group_by(ReviewLog.user_id)
                .subquery()
            )
            rows, most = db.session.execute(
                select(func.coalesce(func.sum(per_learner.c.rows), 0), func.max(per_learner.c.rows))
            ).one()
            total = db.session.scalar(
                select(func.count(ReviewLog.id)).where(ReviewLog.voided_at.is_(None))
            )
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    return {
        "min_reviews": MIN_REVIEWS,
        "learners": len(ids),
        "rows": int(rows),
        "most_rows": most or 0,
        "all_rows": total,
    }


def _rebuild_check(url: str, user_ids: list[int]) -> dict[str, int]:
    """rebuild_cards for each learner given, rolled back: cards checked and cards that differ."""
    from bench.store import app_for
    from quizapp.db import db
    from quizapp.models import User
    from quizapp.services.review_rebuild import rebuild_cards

    app = app_for(url)
    checked = differ = 0
    try:
        with app.app_context():
            for user_id in user_ids:
                cards, changed = rebuild_cards(user=db.session.get(User, user_id))
                checked, differ = checked + cards, differ + changed
                db.session.rollback()
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    return {"learners": len(user_ids), "cards": checked, "differ": differ}


def _run(url: str, log_path: Path) -> dict[str, Any]:
    """The command in a subprocess: its output, its log lines, its time and its peak memory."""
    environment = {
        **os.environ,
        "DATABASE_URL": url,
        "QUIZAPP_ENV": "development",
        "SECRET_KEY": secrets.token_hex(32),
        "PYTHONUNBUFFERED": "1",
    }
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w") as errors:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.optimize"],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
        output = process.stdout.read()
        process.stdout.close()
        # wait4 rather than wait: the child's own resource usage, its peak RSS among it.
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        tail = log_path.read_text().strip().splitlines()[-5:]
        raise RuntimeError(
            f"flask {' '.join(COMMAND)} exited with {process.returncode}: "
            f"{output.strip()} {' '.join(tail)} (see {log_path})"
        )
    events, peak_kib = [], None
    for line in log_path.read_text().splitlines():
        if line.startswith("{"):
            event = json.loads(line)
            if "vmhwm_kib" in event:
                peak_kib = event["vmhwm_kib"]
            else:
                events.append(event)
    if peak_kib is None:
        raise RuntimeError(f"the command's peak memory was not written to {log_path}")
    return {
        "output": output.strip(),
        "seconds": seconds,
        "peak_mib": peak_kib / 1024,
        # What wait4 says (ru_maxrss, in KiB on Linux): at least the benchmark's own peak.
        "ru_maxrss_mib": usage.ru_maxrss / 1024,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "events": events,
    }


def measure(url: str) -> dict[str, Any]:
    history = _history(url)
    run = _run(url, ROOT / "bench" / ".cache" / "run" / "optimize.log")
    summary = _SUMMARY.search(run["output"])
    if summary is None:
        raise RuntimeError(f"unexpected output from flask {' '.join(COMMAND)}: {run['output']}")
    site, learners, previous, start, listing = None, [], 0.0, 0.0, None
    for event in run["events"]:
        if event["message"] == STARTED:
            start = event["t"]
        elif event["message"] == LISTED:
            # The query for the learners to fit, after the site's fit and its commit.
            listing = event["t"] - previous
        elif found := _SITE.match(event["message"]):
            site = {
                "seconds": event["t"] - start,
                "reason": found["reason"],
                "items": int(found["reviews"]),
            }
        elif found := _LEARNER.match(event["message"]):
            learners.append(
                {
                    "user": int(found["user"]),
                    "seconds": event["t"] - previous,
                    "reason": found["reason"],
                    "items": int(found["reviews"]),
                }
            )
        else:
            continue
        previous = event["t"]
    reasons: dict[str, int] = {}
    for learner in learners:
        # "too little history: 291 of 400 reviews" and the like, counted together.
        reason = learner["reason"].split(":")[0]
        reasons[reason] = reasons.get(reason, 0) + 1
    trained = [learner for learner in learners if not learner["reason"].startswith("too little")]
    # Those given a model of their own, then others (moved onto the site's model if it was kept).
    kept_ids = [learner["user"] for learner in learners if learner["reason"].startswith("predicts")]
    others = [learner["user"] for learner in learners if learner["user"] not in kept_ids]
    sample = (kept_ids + others[:: max(1, len(others) // REBUILD_SAMPLE)])[:REBUILD_SAMPLE]
    slowest = max(learners, key=lambda learner: learner["seconds"], default=None)
    learner_seconds = sum(learner["seconds"] for learner in learners)
    return {
        "command": f"flask {' '.join(COMMAND)}",
        "output": run["output"],
        "fitted": int(summary["fitted"]),
        "kept": int(summary["kept"]),
        "seconds": run["seconds"],
        "reported_seconds": float(summary["seconds"]),
        "peak_mib": run["peak_mib"],
        "reported_peak_mib": int(summary["peak"]),
        "cpu_seconds": run["cpu_seconds"],
        "history": history,
        "site": site,
        "listing_seconds": listing,
        "learner_seconds": learner_seconds,
        "per_learner_s": learner_seconds / len(learners) if learners else None,
        "trained": len(trained),
        "per_trained_s": sum(learner["seconds"] for learner in trained) / len(trained)
        if trained
        else None,
        "slowest": slowest,
        "most_items": max((learner["items"] for learner in learners), default=0),
        "reasons": reasons,
        "rebuild_check": _rebuild_check(url, sample),
    }


if __name__ == "__main__":
    _child()
