"""Snapshots of the database and putting one back, for `flask backup` and `flask restore`.

SQLite: its online backup API, which copies a consistent state while the app
keeps writing (WAL). PostgreSQL: pg_dump and pg_restore from the machine's
client tools, found on PATH. pg_dump runs in a snapshot exported from our own
transaction, so the facts the manifest records (the epoch, the change counter,
the media the database names) are read from exactly the state it dumps.
"""
import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

import click
from sqlalchemy import func, select, text
from sqlalchemy.dialects import sqlite

from fieldnotes.observations import changes
from fieldnotes.observations.models import Attachment, ChangeStream, MediaStatus

FILES = {"sqlite": "database.sqlite", "postgresql": "database.pgdump"}
TOOLS = {"postgresql": ("pg_dump", "pg_restore")}
BUSY_MS = 10_000


def kind_of(engine):
    return "postgresql" if engine.dialect.name == "postgresql" else "sqlite"


def fact_queries():
    """The epoch and counter, and the files of verified media, as the snapshot holds them."""
    state, media = ChangeStream.__table__, Attachment.__table__
    return (select(state.c.epoch, state.c.counter).where(state.c.id == changes.ROW),
            select(func.coalesce(media.c.stored_sha256, media.c.sha256))
            .where(media.c.status == MediaStatus.VERIFIED.value))


def facts(rows_of):
    """{"epoch", "counter", "media"} from `rows_of(statement)` (a list of tuples)."""
    state_query, media_query = fact_queries()
    state = rows_of(state_query)
    epoch, counter = state[0] if state else (None, 0)
    return {"epoch": epoch, "counter": counter, "media": {row[0] for row in rows_of(media_query)}}


def require_tools(kind):
    """Refuse before writing anything when a tool the backup needs is not installed."""
    missing = [tool for tool in TOOLS.get(kind, ()) if shutil.which(tool) is None]
    if missing:
        raise click.ClickException(
            f"{' and '.join(missing)} not found on PATH: install PostgreSQL's client tools, of the "
            "server's major version or newer (Debian: apt-get install postgresql-client).")


# SQLite

def sqlite_path(engine):
    path = engine.url.database
    if not path or path == ":memory:":
        raise click.ClickException("This app's SQLite database lives in memory; there is nothing to back up.")
    return Path(path)


def sqlite_snapshot(engine, target):
    with closing(sqlite3.connect(sqlite_path(engine), timeout=BUSY_MS / 1000)) as live, \
            closing(sqlite3.connect(target)) as copy:
        live.backup(copy)  # one step: a consistent state, writers carry on beside it (WAL)
        return {**facts(lambda query: copy.execute(sql_for_sqlite(query)).fetchall()),
                "schema": sqlite_schema(copy)}


def sql_for_sqlite(query):
    return str(query.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))


def sqlite_schema(connection):
    found = connection.execute("SELECT 1 FROM sqlite_master WHERE name = 'alembic_version'").fetchone()
    return connection.execute("SELECT version_num FROM alembic_version").fetchone()[0] if found else None


def sqlite_check(source):
    """The backup's file is a whole SQLite database (checked before anything is replaced)."""
    try:
        with closing(sqlite3.connect(f"{Path(source).resolve().as_uri()}?mode=ro", uri=True)) as copy:
            verdict = copy.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as error:
        verdict = str(error)
    if verdict != "ok":
        raise click.ClickException(f"The backup's database file is damaged ({verdict}); nothing was restored.")


def sqlite_restore(engine, source):
    """Write the backup into the live file through the backup API (its WAL and locks stay right)."""
    target = sqlite_path(engine)
    engine.dispose()
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with closing(sqlite3.connect(source)) as copy, \
                closing(sqlite3.connect(target, timeout=BUSY_MS / 1000)) as live:
            copy.backup(live)  # one transaction on the live file: all of it, or none
    except sqlite3.Error as error:
        raise click.ClickException(f"Could not write {target} ({error}); is the app still running? "
                                   "Stop it and restore again.")


# PostgreSQL

def libpq(engine):
    """The connection for pg_dump / pg_restore: a URL without the password, which goes in the
    environment instead (never on a command line that `ps` shows)."""
    url = engine.url.set(drivername="postgresql")
    env = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}
    # Not url.set(password=None): in SQLAlchemy 2.0, None there means "leave it as it is".
    return url._replace(password=None).render_as_string(hide_password=False), env


def run_tool(arguments, env):
    done = subprocess.run(arguments, env=env, capture_output=True, text=True)
    if done.returncode:
        raise click.ClickException(f"{arguments[0]} failed: {done.stderr.strip()}")


def postgres_snapshot(engine, target):
    url, env = libpq(engine)
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            snapshot = connection.scalar(text("SELECT pg_export_snapshot()"))
            found = {**facts(lambda query: connection.execute(query).all()), "schema": postgres_schema(connection)}
            run_tool(["pg_dump", "--format=custom", f"--snapshot={snapshot}", "--file", str(target),
                      "--dbname", url], env)
    return found


def postgres_schema(connection):
    if connection.scalar(text("SELECT to_regclass('alembic_version') IS NOT NULL")):
        return connection.scalar(text("SELECT version_num FROM alembic_version"))
    return None


def postgres_restore(engine, source):
    """One transaction: if pg_restore fails, the database stays as it was."""
    url, env = libpq(engine)
    engine.dispose()
    run_tool(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
              "--exit-on-error", "--dbname", url, str(source)], env)


def postgres_check(source):
    """The backup's dump is an archive pg_restore can read (checked before anything is replaced)."""
    run_tool(["pg_restore", "--list", str(source)], dict(os.environ))


SNAPSHOT = {"sqlite": sqlite_snapshot, "postgresql": postgres_snapshot}
CHECK = {"sqlite": sqlite_check, "postgresql": postgres_check}
RESTORE = {"sqlite": sqlite_restore, "postgresql": postgres_restore}
