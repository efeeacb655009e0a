"""The database handle and the column shapes every model shares."""

from __future__ import annotations

import math
import sqlite3
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import (
    ColumnElement,
    DateTime,
    Engine,
    Executable,
    Integer,
    MetaData,
    String,
    TypeDecorator,
    any_,
    bindparam,
    event,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, mapped_column, registry
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import NullType

# Stable constraint names, so migrations can drop and alter them by name on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python.

    SQLite has no time zone type and hands back naive values; normalising here means the
    rest of the code can compare and subtract datetimes without caring about the backend.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; pass an aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def result_processor(self, dialect, coltype) -> Callable[[str | None], datetime | None]:
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)

        # SQLite hands back the stored text: parsing it as UTC in one step costs a quarter of
        # SQLAlchemy's parse followed by replace(tzinfo=...), and a gradebook reads thousands.
        def parse_as_utc(value: str | None) -> datetime | None:
            return None if value is None else datetime.fromisoformat(value + "+00:00")

        return parse_as_utc

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None or value.tzinfo is UTC:
            return value
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


db = SQLAlchemy(model_class=Base)

intpk = Annotated[int, mapped_column(primary_key=True)]
slug = Annotated[str, mapped_column(String(120), unique=True)]
created_at = Annotated[datetime, mapped_column(default=utcnow)]


def render_migration_type(type_: str, obj, autogen_context) -> str | bool:
    """Write UTCDateTime into migrations as the plain column type it stores as."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


class in_list(ColumnElement[bool]):
    """`column IN (the list bound as `name` when the statement runs)`, for statements built
    once. PostgreSQL receives the list as one array, so the statement's text is the same
    whatever the list's length: psycopg parses it once (it parses anew each time a text over
    4 KB, which a list of a few hundred ids makes) and the server plans it once. SQLite has no
    arrays, so there it is one parameter per item."""

    # Untyped: SQLite, which has no boolean type, would compare a Boolean condition with 1,
    # and a comparison stops it using an index.
    type = NullType()
    inherit_cache = True
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("name", InternalTraversal.dp_string),
    ]

    def __init__(self, column: ColumnElement, name: str) -> None:
        self.column = column
        self.name = name


@compiles(in_list)
def _in_list_default(element: in_list, compiler, **kw) -> str:
    return compiler.process(element.column.in_(bindparam(element.name, expanding=True)), **kw)


@compiles(in_list, "postgresql")
def _in_list_postgresql(element: in_list, compiler, **kw) -> str:
    array = bindparam(element.name, type_=postgresql.ARRAY(element.column.type))
    return compiler.process(element.column == any_(array), **kw)


def upsert(build: Callable[[Callable], Executable]) -> Callable[[], Executable]:
    """An INSERT ... ON CONFLICT, built once per backend on first use, for the backend the
    session is bound to: `build` receives that backend's `insert` (SQLite and PostgreSQL
    spell upserts the same way in SQLAlchemy, but from different modules). Upserts run on
    hot paths, where building a statement costs more than running it; values are passed
    as parameters when it is executed.
    """
    built: dict[str, Executable] = {}

    def statement() -> Executable:
        dialect = db.session.get_bind().dialect.name
        if dialect not in built:
            built[dialect] = build((postgresql if dialect == "postgresql" else sqlite).insert)
        return built[dialect]

    return statement


class whole_days_between(FunctionElement):
    """`whole_days_between(start, end)`: whole days from start to end, 0 if end is earlier,
    as fsrs counts the time since a review. SQLite counts to the nearest second, so the two
    backends can differ only when a day boundary falls within the same second."""

    type = Integer()
    inherit_cache = True
    name = "whole_days_between"


@compiles(whole_days_between, "sqlite")
def _whole_days_sqlite(element, compiler, **kw) -> str:
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    # julianday is the cheapest parse SQLite has; rounding to the second absorbs its error.
    seconds = f"CAST((julianday({end}) - julianday({start})) * 86400 + 0.5 AS INTEGER)"
    return f"max(0, {seconds} / 86400)"


@compiles(whole_days_between, "postgresql")
def _whole_days_postgresql(element, compiler, **kw) -> str:
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"GREATEST(0, CAST(floor(extract(epoch FROM ({end} - {start})) / 86400) AS INTEGER))"


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """SQLite leaves foreign keys unchecked and syncs the disk on every commit by default.

    Write-ahead logging with synchronous=NORMAL stays safe against corruption and makes
    each answer's commit several times cheaper; readers no longer block the writer."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA busy_timeout = 5000")
    try:
        cursor.execute("SELECT power(2, 0.5)")
    except sqlite3.OperationalError:
        # SQLite builds without the math functions (before 3.35, or compiled out).
        dbapi_connection.create_function("power", 2, math.pow, deterministic=True)
    cursor.close()


@event.listens_for(Engine, "connect")
def _postgresql_utc(dbapi_connection, connection_record) -> None:
    """Every timestamp is UTC, so the session's time zone is too, whatever the server's. In
    UTC (not the same zone named "Etc/UTC", say), psycopg hands back `datetime.UTC`, which
    UTCDateTime takes as it is: the gradebook's quiz and lesson rows were read a quarter faster."""
    # Looked up rather than imported: a worker on SQLite would load psycopg (10 MiB) for nothing.
    psycopg = sys.modules.get("psycopg")
    if psycopg is None or not isinstance(dbapi_connection, psycopg.Connection):
        return
    dbapi_connection.execute("SET TIME ZONE 'UTC'")
    # SET is undone with the transaction around it, and the pool rolls back on every return.
    dbapi_connection.commit()
