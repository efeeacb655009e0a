"""The app served as in production: gunicorn with two sync workers on 127.0.0.1, configured
from the environment like a deployment, with its error log kept for the report."""

from __future__ import annotations

import http.client
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

from bench.postgres import free_port

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2


def _no_control_socket() -> list[str]:
    """gunicorn 25.1 and later open a control socket at a fixed path in the home folder,
    which a second server (a developer's, another benchmark) would fight over."""
    from gunicorn.config import KNOWN_SETTINGS

    known = any(setting.name == "control_socket_disable" for setting in KNOWN_SETTINGS)
    return ["--no-control-socket"] if known else []


class Gunicorn:
    def __init__(self, database_url: str, log_path: Path, workers: int = WORKERS) -> None:
        self.database_url, self.log_path, self.workers = database_url, log_path, workers
        self.process: subprocess.Popen | None = None
        self.port = 0

    def start(self) -> None:
        self.port = free_port()
        environment = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            # Development settings: production's secure cookies would not come back over
            # plain http. Everything else that matters here is the same.
            "QUIZAPP_ENV": "development",
            "SECRET_KEY": secrets.token_hex(32),
            # As a deployment must; the load's requests carry this Host.
            "SERVER_NAME": f"127.0.0.1:{self.port}",
            # Thousands of learners sign in from one address.
            "RATELIMIT_ENABLED": "false",
        }
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("w")
        # A session of its own, so stopping it cannot signal the benchmark by mistake.
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                str(self.workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                *_no_control_socket(),
                "wsgi:app",
            ],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited at start; see {self.log_path}")
            if len(self.worker_pids()) == self.workers and self._healthy():
                return
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer /healthz within a minute; see {self.log_path}")

    def _healthy(self) -> bool:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            connection.request("GET", "/healthz")
            return connection.getresponse().status == 200
        except OSError:
            return False
        finally:
            connection.close()

    def worker_pids(self) -> list[int]:
        """The master's children, from /proc."""
        if self.process is None:
            return []
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                children.append(int(stat.parent.name))
        return sorted(children)

    def peak_memory_mb(self) -> dict[int, float]:
        """Each worker's peak resident memory (VmHWM), in MiB."""
        peaks = {}
        for pid in self.worker_pids():
            status = Path(f"/proc/{pid}/status").read_text()
            match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
            if match:
                peaks[pid] = int(match[1]) / 1024
        return peaks

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def tracebacks(self) -> list[str]:
        """Every traceback in the server's log, with the log line before it: what broke."""
        if not self.log_path.exists():
            return []
        lines = self.log_path.read_text(errors="replace").splitlines()
        found = []
        for index, line in enumerate(lines):
            if not line.startswith("Traceback (most recent call last)"):
                continue
            end = index + 1
            # The frames are indented; the exception's own line is the first that is not.
            while end < len(lines) and lines[end].startswith(" "):
                end += 1
            first = index - 1 if index and lines[index - 1].startswith("[") else index
            found.append("\n".join(lines[first : end + 1]))
        return found
