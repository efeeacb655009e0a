"""The scale benchmark (`make bench`): the app under load on a realistic dataset, on SQLite and
on PostgreSQL, against its targets.

For each database it
1. generates the dataset (bench/dataset.py) into the app's own tables, or reuses the copy
   cached in bench/.cache under a hash of the schema, the content and the generator;
2. counts the SQL statements of each key request in-process, on a tiny dataset (10 learners)
   and on the full one (10,000 learners): the two must be equal;
3. serves a copy of it with gunicorn (2 workers) and drives it from another process
   (bench/load.py), one phase per key request, signed in as many learners and instructors;
4. reads each worker's peak memory and the server log's tracebacks;
5. times `flask reminders queue` in-process on the run's copy (bench/reminders.py);
6. runs `flask srs optimize --all` on it in a subprocess, for its time and peak memory
   (bench/optimize.py).

Results go to bench/results.json and bench/results.md, and the table is printed. A run
limited with --db or --only writes bench/results-partial.* instead.

    python bench/run.py                          # everything, as `make bench`
    python bench/run.py --db sqlite --only gradebook
    python bench/run.py --fresh                  # generate the datasets again
    BENCH_DATABASE_URL=postgresql://... python bench/run.py --db postgresql
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import platform
import random
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import traceback
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    # Run as a script: make the repository importable, as `python -m bench.run` would.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import dataset, optimize, postgres, queries, reminders, report, store
from bench.dataset import FULL, TINY, Course, Dataset, Scale
from bench.server import WORKERS, Gunicorn
from tests.pgserver import postgres_programs

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
CACHE = BENCH / ".cache"
RUN = CACHE / "run"
# What the cached datasets depend on: a change to any of these generates them again.
CACHE_INPUTS = (
    "migrations/versions/*.py",
    "content/**/*",
    "bench/dataset.py",
    "bench/histories.py",
    "bench/store.py",
    "quizapp/core/scheduling.py",
)


MAX_CACHE_AGE_DAYS = 7


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cache_key(scale: Scale) -> str:
    digest = hashlib.sha256(repr(scale).encode())
    digest.update(version("fsrs").encode())
    for pattern in CACHE_INPUTS:
        for path in sorted(ROOT.glob(pattern)):
            if path.is_file():
                digest.update(path.relative_to(ROOT).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


class Builds:
    """Rows built once per run and scale, written to each database that needs them (the
    catalogue's ids are the same in every database content sync fills)."""

    def __init__(self) -> None:
        self.built: dict[tuple[Scale, Course], tuple[Dataset, float]] = {}

    def get(self, scale: Scale, course: Course) -> tuple[Dataset, float, bool]:
        shared = (scale, course) in self.built
        if not shared:
            started = time.perf_counter()
            data = dataset.build(scale, course, int(time.time()))
            self.built[scale, course] = (data, time.perf_counter() - started)
        data, seconds = self.built[scale, course]
        return data, seconds, shared

    def clear(self) -> None:
        self.built.clear()
        gc.collect()


def generate(url: str, scale: Scale, builds: Builds) -> dict[str, Any]:
    """Schema, content and rows into the empty database at `url`; returns what the cache
    keeps about it."""
    started = time.perf_counter()
    course, content_seconds = store.prepare(url)
    prepared = time.perf_counter()
    data, build_seconds, shared = builds.get(scale, course)
    written = time.perf_counter()
    store.write(url, data.tables)
    done = time.perf_counter()
    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "shared_build": shared,
        "seconds": {
            "schema and content": prepared - started,
            "rows built": build_seconds,
            "rows written": done - written,
            # A build shared with the other database is counted once, where it happened.
            "total": done - started - (written - prepared) + (0 if shared else build_seconds),
            **content_seconds,
        },
        "rows": data.counts(),
        "accounts": data.accounts,
    }


def reusable(meta_path: Path, fresh: bool) -> bool:
    """A cached dataset is used unless --fresh, or once it is a week old: its times are
    relative to when it was generated (due cards, due dates, the last 180 days)."""
    if fresh or not meta_path.exists():
        return False
    generated = datetime.fromisoformat(json.loads(meta_path.read_text())["generated_at"])
    return (datetime.now(UTC) - generated).days < MAX_CACHE_AGE_DAYS


def content_seconds(meta: dict[str, Any]) -> dict[str, float]:
    return {key: meta["seconds"][key] for key in ("content check", "content sync")}


def fresh_file(path: Path) -> Path:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path


# ---------------------------------------------------------------------------------------------
# Databases: each prepares a full and a tiny dataset and says where they are


class SqliteTarget:
    name, label = "sqlite", "SQLite"

    def __init__(self, fresh: bool) -> None:
        self.fresh = fresh

    def version(self) -> str:
        return sqlite3.sqlite_version

    def prepare(self, builds: Builds) -> tuple[str, dict[str, Any], bool]:
        """The URL of a working copy of the full dataset, its metadata, and whether it came
        from the cache."""
        key = cache_key(FULL)
        cached, meta_path = CACHE / f"sqlite-{key}.sqlite", CACHE / f"sqlite-{key}.json"
        reused = reusable(meta_path, self.fresh) and cached.exists()
        if not reused:
            for old in CACHE.glob("sqlite-*"):
                old.unlink()
            log("  generating the SQLite dataset")
            meta = generate(f"sqlite:///{fresh_file(cached)}", FULL, builds)
            meta_path.write_text(json.dumps(meta))
        meta = json.loads(meta_path.read_text())
        # The run writes (answers, reviews): it gets a copy, the cache stays as generated.
        working = fresh_file(RUN / "sqlite.sqlite")
        shutil.copyfile(cached, working)
        return f"sqlite:///{working}", meta, reused

    def tiny(self, builds: Builds) -> tuple[str, dict[str, float]]:
        path = fresh_file(RUN / "tiny.sqlite")
        url = f"sqlite:///{path}"
        meta = generate(url, TINY, builds)
        problems = store.foreign_key_problems(path)
        if problems:
            raise RuntimeError(f"the generator broke foreign keys: {problems[:5]}")
        return url, content_seconds(meta)

    def settle(self) -> None:
        pass


class PostgresTarget:
    name, label = "postgresql", "PostgreSQL"

    def __init__(self, fresh: bool, server: postgres.Server) -> None:
        self.fresh, self.server = fresh, server

    def version(self) -> str:
        return self.server.version()

    def prepare(self, builds: Builds) -> tuple[str, dict[str, Any], bool]:
        key = cache_key(FULL)
        cached, meta_path = f"bench_{key}", CACHE / f"pg-{self.server.name}-{key}.json"
        present = self.server.databases()
        reused = reusable(meta_path, self.fresh) and cached in present
        if not reused:
            for database in present:
                # Datasets of other versions: bench_ and twelve hex digits.
                if database.startswith("bench_") and len(database) == 18:
                    self.server.drop(database)
            for old in CACHE.glob(f"pg-{self.server.name}-*.json"):
                old.unlink()
            log("  generating the PostgreSQL dataset")
            self.server.create(cached)
            meta = generate(self.server.url(cached), FULL, builds)
            meta_path.write_text(json.dumps(meta))
        meta = json.loads(meta_path.read_text())
        self.server.create(postgres.RUN_DATABASE, template=cached)
        return self.server.url(postgres.RUN_DATABASE), meta, reused

    def tiny(self, builds: Builds) -> tuple[str, dict[str, float]]:
        self.server.create(postgres.TINY_DATABASE)
        url = self.server.url(postgres.TINY_DATABASE)
        return url, content_seconds(generate(url, TINY, builds))

    def settle(self) -> None:
        # Write out what the load left in shared buffers now, not while the other database
        # is being measured.
        self.server.checkpoint()


# ---------------------------------------------------------------------------------------------
# Measuring


def load(url: str, meta: dict[str, Any], args: argparse.Namespace, log_path: Path) -> dict:
    """Serve the database with gunicorn and run bench/load.py against it."""
    accounts = meta["accounts"]
    rng = random.Random(11)
    learners = rng.sample(
        range(1, accounts["learners"] + 1), min(args.learners, accounts["learners"])
    )
    phases = ["floor", *(name for name in report.REQUESTS if name in args.only)]
    attempts = queries.class_attempts(url, [c["id"] for c in accounts["classes"]])
    plan = {
        "host": "127.0.0.1",
        "threads": args.threads,
        "seconds": args.seconds,
        "warmup": args.warmup,
        "min_samples": args.min_samples,
        "password": accounts["password"],
        "learners": [dataset.learner_email(n) for n in learners],
        "classes": [{**c, "attempts": attempts[c["id"]]} for c in accounts["classes"]],
        "lessons": accounts["lessons"],
        "phases": list(dict.fromkeys(phases)),
    }
    server = Gunicorn(url, log_path)
    with ExitStack() as stack:
        stack.callback(server.stop)
        server.start()
        started_with = server.worker_pids()
        plan["port"] = server.port
        plan_path, results_path = RUN / "plan.json", RUN / "load.json"
        plan_path.write_text(json.dumps(plan))
        results_path.unlink(missing_ok=True)
        subprocess.run(
            [sys.executable, "-m", "bench.load", str(plan_path), str(results_path)],
            cwd=ROOT,
            check=True,
        )
        results = json.loads(results_path.read_text())
        # Read before stopping: a stopped worker's /proc entry is gone.
        results["worker_peak_mb"] = {str(pid): mb for pid, mb in server.peak_memory_mb().items()}
        # A worker that crashed or timed out was replaced: its peak is lost, say so.
        results["workers_replaced"] = started_with != server.worker_pids()
    results["tracebacks"] = server.tracebacks()
    return results


@dataclass
class Prepared:
    target: SqliteTarget | PostgresTarget
    url: str
    tiny_url: str
    meta: dict[str, Any]
    reused: bool
    # Content check and sync, timed this run (on the tiny dataset's empty database).
    content: dict[str, float]


def prepare(target: SqliteTarget | PostgresTarget, builds: Builds) -> Prepared:
    log(f"== {target.label}: datasets")
    url, meta, reused = target.prepare(builds)
    log(f"  tiny dataset ({target.label})")
    tiny_url, content = target.tiny(builds)
    return Prepared(target, url, tiny_url, meta, reused, content)


def measure(prepared: Prepared, args: argparse.Namespace) -> dict[str, Any]:
    target, meta = prepared.target, prepared.meta
    result: dict[str, Any] = {"label": target.label, "content": prepared.content}
    result["generation"] = {
        "reused": prepared.reused,
        **{key: meta[key] for key in ("generated_at", "shared_build", "seconds", "rows")},
    }
    # `--only reminders` or `optimize` alone runs no requests: neither their counts nor the load.
    if set(args.only) & set(report.REQUESTS):
        log(f"== {target.label}: counting queries")
        lessons = meta["accounts"]["lessons"]
        result["queries_tiny"] = queries.count(prepared.tiny_url, lessons)
        result["queries_full"] = queries.count(prepared.url, lessons)
        log(f"== {target.label}: load")
        loaded = load(prepared.url, meta, args, RUN / f"gunicorn-{target.name}.log")
        result["load"] = {key: loaded[key] for key in ("phases", "learners", "instructors")}
        result["worker_peak_mb"] = loaded["worker_peak_mb"]
        result["workers_replaced"] = loaded["workers_replaced"]
        result["tracebacks"] = loaded["tracebacks"]
    if "reminders" in args.only:
        # After the load, on the run's copies: it marks learners verified and opted in.
        log(f"== {target.label}: reminders")
        result["reminders"] = reminders.measure(prepared.url, prepared.tiny_url)
    if "optimize" in args.only:
        # Last: it gives learners models of their own, which the load would then schedule with.
        log(f"== {target.label}: srs optimize --all")
        result["optimize"] = optimize.measure(prepared.url)
    return result


def failed(results: dict[str, Any], target, error: Exception) -> None:
    traceback.print_exc()
    results["databases"][target.name] = {
        "label": target.label,
        "error": f"{type(error).__name__}: {error}",
    }


def targets(args: argparse.Namespace, stack: ExitStack) -> list:
    chosen = []
    if args.db in ("sqlite", "both"):
        chosen.append(SqliteTarget(args.fresh))
    if args.db in ("postgresql", "both"):
        url = os.environ.get("BENCH_DATABASE_URL")
        if url:
            server = postgres.external(url)
        elif (bin_dir := postgres_programs()) is not None:
            server = postgres.LocalServer(CACHE / f"pg{bin_dir.parent.name}", bin_dir)
            # Stopped at the end whatever happens, so the cached cluster stays usable.
            stack.callback(server.stop)
            server.start()
        else:
            log(
                "PostgreSQL's programs (initdb, pg_ctl) are not installed and "
                "BENCH_DATABASE_URL is not set: benchmarking SQLite only."
            )
            return chosen
        chosen.append(PostgresTarget(args.fresh, server))
    return chosen


def machine() -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "load_average_start": " ".join(Path("/proc/loadavg").read_text().split()[:3]),
    }


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--only",
        type=lambda text: [name.strip() for name in text.split(",")],
        default=[*report.REQUESTS, *report.STEPS],
        help="comma-separated requests to load (the floor always runs with any of them) and "
        "steps to time: " + ", ".join([*report.REQUESTS, *report.STEPS]),
    )
    parser.add_argument("--fresh", action="store_true", help="generate the datasets again")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds a phase")
    parser.add_argument("--warmup", type=float, default=1.5, help="unmeasured seconds first")
    parser.add_argument(
        "--min-samples",
        type=int,
        default=150,
        help="a slow request's phase runs up to twice --seconds to get this many",
    )
    # As many clients as workers: each request is timed as served, not queued behind another.
    parser.add_argument("--threads", type=int, default=WORKERS, help="client threads (concurrency)")
    parser.add_argument("--learners", type=int, default=1000, help="learners to sign in")
    args = parser.parse_args(argv)
    unknown = set(args.only) - set(report.REQUESTS) - set(report.STEPS)
    if unknown:
        parser.error(f"unknown request {', '.join(sorted(unknown))}")
    return args


def main(argv: list[str]) -> int:
    args = parse(argv)
    # Stopped with SIGTERM, unwind like Ctrl-C does, so gunicorn and PostgreSQL are stopped.
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))
    partial = args.db != "both" or set(args.only) != {*report.REQUESTS, *report.STEPS}
    started = time.perf_counter()
    RUN.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": shlex.join(["python", "bench/run.py", *argv]),
        "machine": machine(),
        "settings": {
            "workers": WORKERS,
            "threads": args.threads,
            "seconds": args.seconds,
            "warmup": args.warmup,
            "min_samples": args.min_samples,
            "learners": args.learners,
            "instructors": FULL.classes,
            "scale": FULL.__dict__,
        },
        "targets": {name: target.describe() for name, target in report.TARGETS.items()},
        "databases": {},
    }
    builds = Builds()
    with ExitStack() as stack:
        # Every dataset first, so the rows built once serve both databases and nothing is
        # generated while the other database is under load.
        ready = []
        for target in targets(args, stack):
            try:
                if target.name == "postgresql":
                    results["machine"]["postgresql"] = target.version()
                ready.append(prepare(target, builds))
            except Exception as error:  # report the other database all the same
                failed(results, target, error)
        # The load generator and the server are other processes: the rows are not needed.
        builds.clear()
        for prepared in ready:
            prepared.target.settle()
        for prepared in ready:
            try:
                results["databases"][prepared.target.name] = measure(prepared, args)
            except Exception as error:
                failed(results, prepared.target, error)
    results["machine"]["load_average_end"] = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    results["seconds"] = time.perf_counter() - started
    stem = BENCH / ("results-partial" if partial else "results")
    text = report.markdown(results)
    Path(f"{stem}.json").write_text(json.dumps(results, indent=2) + "\n")
    Path(f"{stem}.md").write_text(text)
    print(text)
    log(f"Done in {results['seconds'] / 60:.1f} min; written to {stem}.json and {stem}.md")
    errors = any("error" in result for result in results["databases"].values())
    return 1 if errors or not results["databases"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
