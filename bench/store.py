"""Putting a dataset into a database: the schema from the app's migrations, the catalogue from
the app's content sync, then bulk loads of everything else (executemany in one transaction on
SQLite, COPY on PostgreSQL), and ANALYZE so the planner knows the tables' sizes."""

from __future__ import annotations

import json
import logging
import random
import sqlite3
import time
from pathlib import Path

import flask_migrate
from flask import Flask
from sqlalchemy import create_engine, make_url, select

from bench.dataset import Answer, Course, LessonInfo, QuestionInfo, Table
from quizapp import create_app
from quizapp.core.content import load_content
from quizapp.db import db, utcnow

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = ROOT / "migrations"


def app_for(url: str, secret_key: str = "bench-secret-key") -> Flask:
    """The app as the benchmark's server runs it: development settings (production's secure
    cookies would not come back over plain http), a fixed secret and no login rate limits."""
    return create_app(
        {
            "ENV_NAME": "development",
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": secret_key,
            "RATELIMIT_ENABLED": False,
        }
    )


def prepare(url: str) -> tuple[Course, dict[str, float]]:
    """Migrate an empty database and load the course with the app's own content sync;
    returns the course as loaded and how long content check and sync took (seconds)."""
    from quizapp.services.content_sync import content_sync

    app = app_for(url)
    timings = {}
    with app.app_context():
        # Alembic's INFO lines would bury the benchmark's own output.
        logging.disable(logging.INFO)
        try:
            flask_migrate.upgrade(directory=str(MIGRATIONS))
        finally:
            logging.disable(logging.NOTSET)
        started = time.perf_counter()
        catalogue, problems = load_content(Path(app.config["CONTENT_DIR"]))
        timings["content check"] = time.perf_counter() - started
        if problems:
            raise RuntimeError(f"content/ has problems: {problems[:3]}")
        started = time.perf_counter()
        content_sync(catalogue, now=utcnow())
        db.session.commit()
        timings["content sync"] = time.perf_counter() - started
        course = read_course()
        db.session.remove()
        db.engine.dispose()
    return course, timings


def read_course() -> Course:
    """The live catalogue in course order, each question with its right response and three
    plausible mistakes (the demo's), graded by the question's own type."""
    from quizapp.models import Question
    from quizapp.services.catalogue import catalogue_modules, question_spec
    from quizapp.services.demo import mistaken_response

    questions: dict[int, list[QuestionInfo]] = {}
    for question in db.session.scalars(
        select(Question).where(Question.retired_at.is_(None)).order_by(Question.position)
    ):
        spec = question_spec(question)

        def answer(response, spec=spec) -> Answer:
            grade = spec.grade(response)
            return Answer(json.dumps(response), grade.score, grade.correct)

        rng = random.Random(question.id)
        questions.setdefault(question.lesson_id, []).append(
            QuestionInfo(
                id=question.id,
                difficulty=rng.uniform(-0.25, 0.2),
                right=answer(spec.right_response()),
                wrong=tuple(answer(mistaken_response(spec, rng)) for _ in range(3)),
            )
        )
    entries = catalogue_modules()
    return Course(
        module_ids=tuple(entry.module.id for entry in entries),
        lessons=tuple(
            LessonInfo(
                lesson.id,
                lesson.slug,
                lesson.module_id,
                lesson.minutes,
                tuple(questions.get(lesson.id, ())),
            )
            for entry in entries
            for lesson in entry.lessons
            if questions.get(lesson.id)
        ),
    )


def write(url: str, tables: list[Table]) -> None:
    if make_url(url).get_backend_name() == "sqlite":
        write_sqlite(Path(make_url(url).database), tables)
    else:
        write_postgres(url, tables)


def write_sqlite(path: Path, tables: list[Table]) -> None:
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        # Safe for a load that is simply redone if it fails: no syncing, no foreign key checks
        # (the rows reference each other correctly by construction; the tiny dataset is
        # checked with PRAGMA foreign_key_check).
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = OFF")
        connection.execute("PRAGMA foreign_keys = OFF")
        connection.execute("PRAGMA cache_size = -262144")
        connection.execute("BEGIN")
        # Indexes are built faster once than row by row; these are the migrations' own
        # statements, recreated as they were (unique constraints' indexes cannot be dropped).
        indexes = connection.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        ).fetchall()
        for name, _ in indexes:
            connection.execute(f'DROP INDEX "{name}"')
        for table in tables:
            placeholders = ", ".join("?" * len(table.columns))
            connection.executemany(
                f"INSERT INTO {table.name} ({', '.join(table.columns)}) VALUES ({placeholders})",
                table.rows,
            )
        for _, statement in indexes:
            connection.execute(statement)
        connection.execute("COMMIT")
        connection.execute("ANALYZE")
        # The cached copy is a single file: everything moved out of the write-ahead log.
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()


def foreign_key_problems(path: Path) -> list[tuple]:
    connection = sqlite3.connect(path)
    try:
        return connection.execute("PRAGMA foreign_key_check").fetchall()
    finally:
        connection.close()


def write_postgres(url: str, tables: list[Table]) -> None:
    from psycopg import sql

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            raw = connection.connection.driver_connection
            with raw.cursor() as cursor:
                # The strings are UTC times without a zone: read them as UTC.
                cursor.execute("SET TimeZone = 'UTC'")
                cursor.execute("SET synchronous_commit = off")
                # A superuser can skip the per-row foreign key triggers, which would otherwise
                # make COPY several times slower.
                if raw.info.parameter_status("is_superuser") == "on":
                    cursor.execute("SET session_replication_role = replica")
                cursor.execute("SET maintenance_work_mem = '256MB'")
                # As on SQLite: the migrations' indexes are dropped and built again after the
                # load, all but those of unique constraints.
                cursor.execute(
                    "SELECT indexname, indexdef FROM pg_indexes AS i WHERE schemaname = "
                    "current_schema() AND NOT EXISTS "
                    "(SELECT FROM pg_constraint AS c WHERE c.conname = i.indexname)"
                )
                indexes = cursor.fetchall()
                for name, _ in indexes:
                    cursor.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
                for table in tables:
                    columns = sql.SQL(", ").join(map(sql.Identifier, table.columns))
                    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
                        sql.Identifier(table.name), columns
                    )
                    with cursor.copy(statement) as copy:
                        for row in table.rows:
                            copy.write_row(row)
                    # Ids were given, so the sequences must be moved past them.
                    if "id" in table.columns and table.rows:
                        cursor.execute(
                            sql.SQL("SELECT setval(pg_get_serial_sequence({}, 'id'), {})").format(
                                sql.Literal(table.name), sql.Literal(len(table.rows))
                            )
                        )
                for _, statement in indexes:
                    cursor.execute(statement)
            raw.commit()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    finally:
        engine.dispose()
