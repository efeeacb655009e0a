"""The load generator: signs in many learners and instructors over HTTP, then drives the server
with a fixed number of threads, one phase per key request, and reports each request's latency
percentiles and throughput.

It runs in a process of its own, apart from the server and from the process that built the
dataset (whose millions of rows would slow its garbage collector):

    python -m bench.load PLAN.json RESULTS.json

PLAN names the server, the accounts and the phases; see `run` for its keys.
"""

from __future__ import annotations

import http.client
import json
import math
import random
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench import flows
from bench.flows import FlowError, Form, Headers, Page, User


class HttpBrowser:
    """One user's browser: a cookie jar and a new connection per request (gunicorn's sync
    workers close every connection after its response anyway). A page's cost is the time
    from opening the connection to the last byte of the response."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, form: Form | None = None, headers: Headers | None = None
    ) -> Page:
        sent = {"User-Agent": "quizapp-bench", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        connection = http.client.HTTPConnection(self.host, self.port, timeout=120)
        try:
            connection.request(method, path, body, sent)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        took = time.perf_counter() - started
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel.value and morsel["max-age"] != "0" and "1970" not in morsel["expires"]:
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return Page(response.status, response.getheader("Location"), data, took)


def percentile(sorted_samples: list[float], p: float) -> float:
    """The nearest-rank percentile: a value that was actually measured."""
    rank = max(1, math.ceil(p / 100 * len(sorted_samples)))
    return sorted_samples[rank - 1]


def summary(samples: list[float], threads: int) -> dict[str, float]:
    ordered = sorted(samples)
    mean = sum(ordered) / len(ordered)
    return {
        "count": len(ordered),
        "p50_ms": percentile(ordered, 50) * 1000,
        "p95_ms": percentile(ordered, 95) * 1000,
        "p99_ms": percentile(ordered, 99) * 1000,
        "max_ms": ordered[-1] * 1000,
        "mean_ms": mean * 1000,
        # Throughput at this concurrency, by Little's law: requests in flight over the time
        # each takes. Unlike a count over the phase, it leaves out the requests a flow needs
        # on the way (fetching a question before answering it), so every phase is comparable.
        "per_second": threads / mean,
    }


@dataclass
class Phase:
    name: str
    # "learners", "instructors", or "any" (whoever is signed in).
    users: str
    flow: Callable[[User], dict[str, float] | None]


@dataclass
class Recorder:
    samples: dict[str, list[float]] = field(default_factory=dict)
    flows: int = 0
    users: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def run_phase(
    phase: Phase, groups: list[list[User]], seconds: float, warmup: float, min_samples: int
) -> dict:
    """Each thread goes round its own users, one flow at a time, for `seconds`, or up to twice
    as long for a slow request until it has `min_samples` (a p99 needs a hundred or more).
    Flows that start during the warm-up are not recorded (nor are their errors)."""
    recorder = Recorder()
    start = time.perf_counter()
    measure_from = start + warmup
    enough, limit = measure_from + seconds, measure_from + 2 * seconds

    def going(now: float) -> bool:
        return now < enough or (now < limit and recorder.flows < min_samples)

    def drive(users: list[User]) -> None:
        index = 0
        while going(started := time.perf_counter()) and users:
            user = users[index % len(users)]
            try:
                costs = phase.flow(user)
            except (FlowError, OSError, http.client.HTTPException) as error:
                # The user's screen is unknown now: start over from a fresh page, later.
                user.reset()
                index += 1
                if started >= measure_from:
                    with recorder.lock:
                        recorder.errors.append(f"{user.email}: {error}")
                continue
            if costs is None:
                # Nothing left to review today for this learner: drop them from the round
                # (the index now points at the next one).
                users.remove(user)
                continue
            if not user.busy:
                index += 1
            if started >= measure_from:
                with recorder.lock:
                    recorder.flows += 1
                    recorder.users.add(user.email)
                    for name, cost in costs.items():
                        recorder.samples.setdefault(name, []).append(cost)

    # Left busy by the previous phase (half-way through a quiz, say): this phase's flow
    # would never move on from them.
    for group in groups:
        for user in group:
            user.busy = False
    threads = [threading.Thread(target=drive, args=(group,)) for group in groups]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - measure_from
    return {
        "requests": {
            name: summary(samples, len(groups)) for name, samples in recorder.samples.items()
        },
        "flows": recorder.flows,
        # Different users seen in the measured window.
        "users": len(recorder.users),
        "flows_per_second_wall": recorder.flows / elapsed,
        "seconds": elapsed,
        "errors": len(recorder.errors),
        "error_samples": recorder.errors[:5],
        "load_average": Path("/proc/loadavg").read_text().split()[:3],
    }


def sign_in(
    browser_for: Callable[[], HttpBrowser],
    emails: list[str],
    password: str,
    threads: int,
    seed: int,
) -> list[User]:
    """Sign everyone in, `threads` at a time; the users come back in the order given."""
    users: list[User | None] = [None] * len(emails)
    failures: list[str] = []

    def work(offset: int) -> None:
        for index in range(offset, len(emails), threads):
            try:
                users[index] = flows.login(
                    browser_for(), emails[index], password, random.Random(seed + index)
                )
            except (FlowError, OSError) as error:
                failures.append(str(error))

    pool = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    if failures:
        raise SystemExit(f"{len(failures)} logins failed, first: {failures[0]}")
    return [user for user in users if user is not None]


def phases(plan: dict[str, Any], instructor_classes: dict[str, dict]) -> dict[str, Phase]:
    lessons = plan["lessons"]

    def of(user: User) -> dict:
        return instructor_classes[user.email]

    def analysis(user: User) -> dict[str, float]:
        # Each of the class's assignments in turn.
        user.lesson_index += 1
        assignments = of(user)["assignments"]
        assignment = assignments[user.lesson_index % len(assignments)]
        return flows.item_analysis(user, of(user)["id"], assignment)

    def review(user: User) -> dict[str, float]:
        # The class's finished attempts in turn.
        user.lesson_index += 1
        attempts = of(user)["attempts"]
        learner_id, attempt_id = attempts[user.lesson_index % len(attempts)]
        return flows.attempt_review(user, of(user)["id"], learner_id, attempt_id)

    return {
        phase.name: phase
        for phase in (
            Phase("floor", "any", flows.floor),
            Phase("dashboard", "learners", flows.dashboard),
            Phase("lesson", "learners", lambda user: flows.lesson(user, lessons)),
            Phase("quiz answer", "learners", lambda user: flows.quiz_answer(user, lessons)),
            Phase("review step", "learners", flows.review_step),
            Phase(
                "review step without script",
                "learners",
                lambda user: flows.review_step(user, script=False),
            ),
            Phase("stats", "learners", flows.stats),
            Phase("gradebook", "instructors", lambda user: flows.gradebook(user, of(user)["id"])),
            Phase(
                "gradebook csv",
                "instructors",
                lambda user: flows.gradebook_csv(user, of(user)["id"]),
            ),
            Phase("item analysis", "instructors", analysis),
            Phase("attempt review", "instructors", review),
        )
    }


def run(plan: dict[str, Any]) -> dict[str, Any]:
    """Plan keys: host, port, threads, seconds, warmup, min_samples, password, learners (emails),
    classes ({id, instructor, assignments, attempts}), lessons (slugs), phases (names, in order)."""
    threads, seed = plan["threads"], plan.get("seed", 7)

    def browser() -> HttpBrowser:
        return HttpBrowser(plan["host"], plan["port"])

    instructor_classes = {c["instructor"]: c for c in plan["classes"]}
    selected = [phases(plan, instructor_classes)[name] for name in plan["phases"]]
    kinds = {phase.users for phase in selected}
    # Only who the phases need: signing in a thousand learners for the gradebook alone
    # would only slow down a quick run.
    started = time.perf_counter()
    learners, instructors = [], []
    if "learners" in kinds or kinds == {"any"}:
        learners = sign_in(browser, plan["learners"], plan["password"], threads, seed)
    if "instructors" in kinds:
        instructors = sign_in(browser, list(instructor_classes), plan["password"], threads, seed)
    log(
        f"signed in {len(learners)} learners and {len(instructors)} instructors "
        f"in {time.perf_counter() - started:.0f} s"
    )
    for user in learners:
        user.lesson_index = user.rng.randrange(len(plan["lessons"]))
    results = {}
    for phase in selected:
        name = phase.name
        people = {"learners": learners, "instructors": instructors}.get(phase.users)
        people = people if people is not None else (learners or instructors)
        # Each thread has users of its own: a user is never in two requests at once.
        groups = [people[n::threads] for n in range(threads)]
        results[name] = result = run_phase(
            phase, groups, plan["seconds"], plan["warmup"], plan["min_samples"]
        )
        main = result["requests"].get(name)
        figures = (
            (f"p95 {main['p95_ms']:.1f} ms, {main['per_second']:.0f}/s, {main['count']} samples")
            if main
            else "no samples"
        )
        log(f"{name:14} {figures}, {result['errors']} errors")
    return {"phases": results, "learners": len(learners), "instructors": len(instructors)}


def log(message: str) -> None:
    print(f"    {message}", file=sys.stderr, flush=True)


def main(argv: list[str]) -> int:
    plan_path, results_path = map(Path, argv)
    results = run(json.loads(plan_path.read_text()))
    results_path.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
