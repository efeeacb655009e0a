"""A throwaway PostgreSQL server for the tests and the benchmark.

`python -m tests.pgserver COMMAND...` runs COMMAND with TEST_DATABASE_URL pointing at an empty
database on a server started for it in a temporary folder, and stops the server afterwards.
When TEST_DATABASE_URL is already set, that database is used and no server is started. When
PostgreSQL's programs are not installed, it says so and exits 0 without running COMMAND:
the PostgreSQL half of the suite is skipped, loudly, rather than failing a machine without it.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def postgres_programs() -> Path | None:
    """The newest installed PostgreSQL's bin folder (Debian's layout, then PATH)."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4])
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def throwaway_postgres(database: str = "quizapp_test") -> Iterator[str]:
    """Start a server on a Unix socket in a temporary folder and yield a URL to an empty
    database; the server and its files are gone afterwards."""
    bin_dir = postgres_programs()
    if bin_dir is None:
        raise FileNotFoundError("PostgreSQL's programs (initdb, pg_ctl) are not installed")
    folder = Path(tempfile.mkdtemp(prefix="quizapp-pg."))
    # PostgreSQL refuses to run as root; CI containers often are root.
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_postgres:
        shutil.chown(folder, "postgres")
    data, port = folder / "data", free_port()
    quiet = {"check": True, "stdout": subprocess.DEVNULL}
    try:
        subprocess.run(
            [*as_postgres, bin_dir / "initdb", "-D", data, "-U", "postgres", "-A", "trust"],
            **quiet,
        )
        subprocess.run(
            [
                *as_postgres,
                bin_dir / "pg_ctl",
                "-D",
                data,
                "-l",
                folder / "log",
                "-w",
                "-o",
                # Durability is pointless for a server that is thrown away.
                f"-k {folder} -p {port} -c listen_addresses='' -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off",
                "start",
            ],
            **quiet,
        )
        try:
            subprocess.run(
                [bin_dir / "createdb", "-h", folder, "-p", str(port), "-U", "postgres", database],
                **quiet,
            )
            yield f"postgresql+psycopg://postgres@/{database}?host={folder}&port={port}"
        finally:
            subprocess.run(
                [*as_postgres, bin_dir / "pg_ctl", "-D", data, "-m", "immediate", "stop"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main(command: list[str]) -> int:
    if not command:
        print("usage: python -m tests.pgserver COMMAND...", file=sys.stderr)
        return 2
    if os.environ.get("TEST_DATABASE_URL"):
        return subprocess.call(command)
    if postgres_programs() is None:
        print(
            "== PostgreSQL is not installed (no initdb): the PostgreSQL half of the tests is "
            "SKIPPED. Install it (Debian: apt-get install postgresql) or set TEST_DATABASE_URL.",
            file=sys.stderr,
        )
        return 0
    with throwaway_postgres() as url:
        print("== again on PostgreSQL (a throwaway server)", file=sys.stderr)
        return subprocess.call(command, env={**os.environ, "TEST_DATABASE_URL": url})


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
