"""Benchmarks: content loading and page rendering on a fully loaded SQLite database.

Run with `make bench`. Prints medians and 95th percentiles; the targets below are what a
learner on a small server should never notice (well under 100 ms a page).
"""

from __future__ import annotations

import re
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import flask_migrate
from sqlalchemy import select

from quizapp import create_app
from quizapp.core.content import load_content
from quizapp.db import db, utcnow
from quizapp.services.catalogue import catalogue_modules
from quizapp.services.content_sync import content_sync

ROOT = Path(__file__).resolve().parent.parent
# The class benchmark builds its data with the tests' bulk factories.
sys.path.insert(0, str(ROOT))
TARGETS_MS = {
    "content check": 3000,
    "content sync": 5000,
    "GET /": 50,
    "GET lesson": 50,
    "GET /today": 50,
    "quiz answer": 50,
    "gradebook": 80,
    "item analysis": 80,
}
CLASS_SIZE = 100


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


BENCH_EMAIL, BENCH_PASSWORD = "timer@example.com", "seven quiet harbours at dawn"


def create_user_for_bench() -> None:
    from quizapp.services.accounts import register_user

    register_user(email=BENCH_EMAIL, display_name="Bench", password=BENCH_PASSWORD)
    db.session.commit()


def csrf_token(response) -> str:
    # The token is bound to the session, so one per client serves every form.
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', response.text)[1]


def answer_questions(client, count: int) -> list[float]:
    """Time the POST of one answer (graded, stored, progress updated), quiz after quiz."""
    catalogue = client.get("/")
    lessons = re.findall(r'href="(/lessons/[a-z0-9-]+)"', catalogue.text)
    token = {"csrf_token": csrf_token(catalogue)}
    samples = []
    lesson_index = 0
    while len(samples) < count:
        lesson = lessons[lesson_index % len(lessons)]
        attempt = client.post(f"{lesson}/quiz", data=token).headers["Location"]
        lesson_index += 1
        while (location := client.get(attempt).headers["Location"]) and "/questions/" in location:
            page = client.get(location).get_data(as_text=True)
            fields = re.findall(r'name="(question|shown)" type="hidden" value="([^"]*)"', page)
            data = {**token, **dict(fields)}
            if 'name="choice"' in page:
                data["choice"] = re.search(r'name="choice" id="[^"]+" value="([^"]+)"', page)[1]
            elif 'name="answer"' in page:
                data["answer"] = "a typed answer"
            else:
                for n, name in enumerate(re.findall(r'<select name="([^"]+)"', page), start=1):
                    data[name] = str(n) if name.startswith("position-") else "m1"
            start = time.perf_counter()
            response = client.post(location, data=data)
            samples.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return samples


def bench_class(app, client) -> list[bool]:
    """A class of 100 learners with five module assignments and a quiz on every lesson."""
    from datetime import datetime

    from quizapp.models import User
    from quizapp.services import classes
    from tests.factories import class_activity, quick_learners

    with app.app_context():
        teacher = db.session.scalar(select(User).where(User.email == BENCH_EMAIL))
        teacher.role = "instructor"
        classroom = classes.create_class(
            owner=teacher, name="Bench class", description="", time_zone="UTC"
        )
        now = utcnow()
        modules = [entry.module.slug for entry in catalogue_modules()][:5]
        assignments = [
            classes.create_assignment(
                classroom=classroom,
                by=teacher,
                target=f"module:{slug}",
                due_local=datetime(now.year + 1, 1, 1 + n),
                pass_mark=60,
                now=now,
            )
            for n, slug in enumerate(modules)
        ]
        started = time.perf_counter()
        class_activity(classroom, quick_learners(CLASS_SIZE), now=now, right_every=3)
        db.session.commit()
        took = time.perf_counter() - started
        print(f"{'class data':15} {CLASS_SIZE} learners built in {took:.0f} s")
        base, first = f"/classes/{classroom.id}", assignments[0].id
    gradebook = timed(lambda: client.get(f"{base}/gradebook"), 20)
    analysis = timed(lambda: client.get(f"{base}/assignments/{first}"), 20)
    return [report("gradebook", gradebook), report("item analysis", analysis)]


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

        with app.app_context():
            create_user_for_bench()
        client.post(
            "/account/login",
            data={
                "email": BENCH_EMAIL,
                "password": BENCH_PASSWORD,
                "csrf_token": csrf_token(client.get("/account/login")),
            },
        )
        results.append(report("GET /today", timed(lambda: client.get("/today"), 200)))
        results.append(report("quiz answer", answer_questions(client, 200)))

        results += bench_class(app, client)

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
