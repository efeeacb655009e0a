"""PostgreSQL for the benchmark: a server the benchmark starts itself, as .ci/run does, on a
cluster kept in bench/.cache so a generated database outlives the run; or the server that
BENCH_DATABASE_URL points at, where the benchmark creates its own databases."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

from tests.pgserver import free_port

# As README.md's Production section advises. A parallel plan for one request's 10 ms query
# takes the cores other requests are waiting for: with it, item analysis under load was 1.5 to
# 1.7 times slower (p50 144-153 ms against 86-102). The default random_page_cost is for
# spinning disks: with it, a class's people were read by scanning all 10,100 users (5.3 ms)
# rather than through their memberships (0.8 ms).
SERVER_SETTINGS = {"max_parallel_workers_per_gather": 0, "random_page_cost": 1.1}

# Databases the benchmark owns: the cached dataset (bench_<key>), the copy a run writes to and
# the tiny dataset for counting queries.
RUN_DATABASE, TINY_DATABASE = "bench_run", "bench_tiny"


class Server:
    """A PostgreSQL server on which the benchmark may create and drop databases."""

    def __init__(self, base_url: str, name: str) -> None:
        self.base_url = base_url
        # Names the server in cache keys: a dataset cached on one server is not on another.
        self.name = name

    def url(self, database: str) -> str:
        return make_url(self.base_url).set(database=database).render_as_string(False)

    def _admin(self, statement: str) -> list:
        engine = create_engine(self.url("postgres"), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                result = connection.execute(text(statement))
                return result.all() if result.returns_rows else []
        finally:
            engine.dispose()

    def databases(self) -> set[str]:
        return {row[0] for row in self._admin("SELECT datname FROM pg_database")}

    def version(self) -> str:
        return self._admin("SHOW server_version")[0][0]

    def drop(self, database: str) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')

    def create(self, database: str, template: str | None = None) -> None:
        """A new empty database, or a copy of `template` (FILE_COPY copies the files instead of
        writing them through the write-ahead log: seconds, not a minute, for a gigabyte)."""
        self.drop(database)
        if template is None:
            self._admin(f'CREATE DATABASE "{database}"')
        else:
            self._admin(f'CREATE DATABASE "{database}" TEMPLATE "{template}" STRATEGY = FILE_COPY')

    def checkpoint(self) -> None:
        # A role without the right to checkpoint leaves it to the server: merely less tidy.
        with contextlib.suppress(Exception):
            self._admin("CHECKPOINT")

    def stop(self) -> None:
        """Only a server the benchmark started is stopped."""


class LocalServer(Server):
    """A server on a cluster under `folder`, listening only on a Unix socket in a temporary
    folder, on a free port. As root, PostgreSQL's programs run as the postgres user."""

    def __init__(self, folder: Path, bin_dir: Path) -> None:
        self.folder, self.bin_dir = folder, bin_dir
        self.data = folder / "data"
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.socket_dir: Path | None = None
        self.running = False
        super().__init__("", f"local-{bin_dir.parent.name}")

    def _run(self, *args: str | Path, check: bool = True) -> None:
        subprocess.run(
            [*self.as_postgres, *map(str, args)],
            check=check,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL if not check else None,
        )

    def _own(self, path: Path) -> None:
        if self.as_postgres:
            shutil.chown(path, "postgres")

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._own(self.folder)
        if not (self.data / "PG_VERSION").exists():
            shutil.rmtree(self.data, ignore_errors=True)
            self._run(
                self.bin_dir / "initdb",
                "-D",
                self.data,
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-sync",
            )
        if (self.data / "postmaster.pid").exists():
            # Left running by a run that was killed: stop it, or the new start fails.
            self._run(
                self.bin_dir / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop", check=False
            )
        self.socket_dir = Path(tempfile.mkdtemp(prefix="quizapp-bench-pg."))
        self._own(self.socket_dir)
        port = free_port()
        settings = " ".join(f"-c {name}={value}" for name, value in SERVER_SETTINGS.items())
        self._run(
            self.bin_dir / "pg_ctl",
            "-D",
            self.data,
            "-l",
            self.folder / "server.log",
            "-w",
            "-o",
            f"-k {self.socket_dir} -p {port} -c listen_addresses='' {settings}",
            "start",
        )
        self.running = True
        self.base_url = (
            f"postgresql+psycopg://postgres@/postgres?host={self.socket_dir}&port={port}"
        )

    def stop(self) -> None:
        if self.running:
            # A clean shutdown, so the cached cluster starts again without recovery.
            self._run(
                self.bin_dir / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop", check=False
            )
            self.running = False
        if self.socket_dir is not None:
            shutil.rmtree(self.socket_dir, ignore_errors=True)
            self.socket_dir = None


def external(url: str) -> Server:
    """The server of BENCH_DATABASE_URL (any database on it; its role must be allowed to
    create databases)."""
    from quizapp.config import database_url

    url = database_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise ValueError("BENCH_DATABASE_URL must be a PostgreSQL URL")
    where = f"{parsed.host or ''}:{parsed.port or ''}:{parsed.query.get('host', '')}"
    return Server(url, "external-" + "".join(ch if ch.isalnum() else "_" for ch in where))
