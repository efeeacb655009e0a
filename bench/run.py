"""Benchmarks: content loading and page rendering on a fully loaded SQLite database.

Run with `make bench`. Prints medians and 95th percentiles; the targets below are what a
learner on a small server should never notice (well under 100 ms a page).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import flask_migrate

from quizapp import create_app
from quizapp.core.content import load_content
from quizapp.db import db, utcnow
from quizapp.services.content_sync import content_sync

ROOT = Path(__file__).resolve().parent.parent
TARGETS_MS = {"content check": 3000, "content sync": 5000, "GET /": 50, "GET lesson": 50}


def timed(fn, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def report(name: str, samples: list[float]) -> bool:
    median = statistics.median(samples)
    p95 = sorted(samples)[int(len(samples) * 0.95) - 1] if len(samples) > 1 else samples[0]
    ok = p95 <= TARGETS_MS[name]
    verdict = "ok" if ok else f"OVER the {TARGETS_MS[name]} ms target"
    print(
        f"{name:15} median {median:8.1f} ms   p95 {p95:8.1f} ms   ({len(samples)} runs) {verdict}"
    )
    return ok


def main() -> int:
    content = ROOT / "content"
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite"}
        )
        results = [report("content check", timed(lambda: load_content(content), 5))]
        with app.app_context():
            flask_migrate.upgrade(directory=str(ROOT / "migrations"))

            def sync():
                catalogue, problems = load_content(content)
                assert not problems
                content_sync(catalogue, now=utcnow())
                db.session.commit()

            results.append(report("content sync", timed(sync, 3)))
            db.engine.dispose()

        client = app.test_client()
        lesson = "/lessons/duties-planning-resources"
        for name, url in (("GET /", "/"), ("GET lesson", lesson)):
            assert client.get(url).status_code == 200
            results.append(report(name, timed(lambda url=url: client.get(url), 200)))

        tracemalloc.start()
        for _ in range(50):
            client.get("/")
            client.get(lesson)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"{'memory':15} peak {peak / 1024 / 1024:.1f} MiB traced over 100 page requests")
        with app.app_context():
            db.engine.dispose()
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
