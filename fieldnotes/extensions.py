"""The extensions, created here and bound to the app in create_app()."""
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, TypeDecorator, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, registry


class UTCDateTime(TypeDecorator):
    """An aware UTC datetime on both databases.

    SQLite keeps no time zone and hands back naive values; storing UTC and
    re-attaching it on the way out lets code compare times the same way on both.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; times are stored in UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    # Named constraints, so Alembic can drop and alter them on both databases.
    # (On the registry: Flask-SQLAlchemy subclasses this base, which refuses a per-class map.)
    registry = registry(type_annotation_map={datetime: UTCDateTime()}, metadata=MetaData(naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }))


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()


def upsert(table):
    """INSERT for this session's database, with its ON CONFLICT clauses (both dialects spell them alike)."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


@event.listens_for(Engine, "connect")
def tune_sqlite(dbapi_connection, connection_record):
    """WAL for readers beside a writer, foreign keys on, and FULL sync: a note is a researcher's only copy."""
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    # Statistics for the query planner, as the SQLite docs advise for long-lived connections: a check at
    # open, `PRAGMA optimize` at close (below). Never analysed, SQLite walks every note for a selective
    # filter plus a search (issue 11: 126 ms becomes 9-45 ms at 300k notes). Whole, not sampled with the
    # `analysis_limit` the docs suggest: a sample reads an index's first rows, so it found 201 notes in a
    # study of 50,455 (N/2 for a limit of N), and SQLite walked the study for a word no note has (189 ms
    # at 100k notes, 10 ms with whole statistics). `optimize` analyses a table when it never was, or has
    # grown many times over since: 0.12 s for 100k notes, whole.
    cursor.execute("PRAGMA optimize=0x10002")
    cursor.close()


@event.listens_for(Engine, "connect")
def tune_postgresql(dbapi_connection, connection_record):
    """No JIT compilation: PostgreSQL compiles a statement it prices over a threshold, as it did a search's or a
    filter's counts at 1M notes, and compiling cost up to 18% of such a page (docs/benchmarks.md, session 27). The
    app's statements are what a page waits for, not hour-long reports that compiling would repay."""
    if type(dbapi_connection).__module__.split(".")[0] != "psycopg":
        return
    dbapi_connection.execute("SET jit = off")
    dbapi_connection.commit()  # a SET in a transaction rolled back (the pool's reset) would be undone


@event.listens_for(Engine, "close")
def optimize_sqlite(dbapi_connection, connection_record):
    """Re-analyse what this connection's queries showed would benefit, as the connection closes."""
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    try:
        dbapi_connection.execute("PRAGMA optimize")
    except dbapi_connection.Error:
        pass  # a locked or closing database only misses one refresh of its statistics
