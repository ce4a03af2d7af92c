"""Fixtures: every test runs on SQLite, and again on PostgreSQL when
FIELDNOTES_TEST_DATABASE_URL names a database (as in CI)."""
import os
import shutil
import uuid

import psycopg
import pytest
from sqlalchemy import create_engine, make_url, text

from fieldnotes import create_app, live
from fieldnotes.extensions import db
from tests.factories import PASSWORD, make_study, make_user

POSTGRES_URL = os.environ.get("FIELDNOTES_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])

pytest_plugins = ["tests.connection_leaks"]

TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test secret key, not for production",
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # fast; production uses scrypt
}


def worker_database(url):
    """The database this test process uses: the named one, or under pytest-xdist (`make test` runs a
    process per core) a database of the worker's own beside it, made afresh, so workers never meet."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    own = make_url(url).set(database=f"{make_url(url).database}_{worker}")
    server = create_engine(url, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{own.database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{own.database}"'))
    server.dispose()
    return own.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_schema():
    """Create the tables once per run (per worker) on the PostgreSQL test database."""
    url = worker_database(POSTGRES_URL)
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.engine.dispose()
    yield url
    if url != POSTGRES_URL:
        server = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
        server.dispose()


# TRUNCATE of every table took 120-160 ms a test (a new file per table), more than most tests themselves.
# Deleting the rows of the few tables a test wrote takes a few ms. The replica role skips the triggers and
# foreign-key checks those deletes would run; it needs a superuser, so for any other role, and after a test that
# wrote many rows (no table should carry thousands of dead rows into the next tests), TRUNCATE it is.
MANY_ROWS = 1000


def empty_postgres(url):
    """Every table empty and every id counting from 1 again, as a fresh schema has them."""
    tables = [t.name for t in db.metadata.sorted_tables]
    held = ", ".join(f'(SELECT count(*) FROM (SELECT FROM "{name}" LIMIT {MANY_ROWS + 1}) r)' for name in tables)
    used = "SELECT array_agg(format('%I.%I', schemaname, sequencename)) FROM pg_sequences WHERE last_value IS NOT NULL"
    with plain_connection(url) as c:
        rows = c.execute(f"SELECT {held}, ({used}), current_setting('is_superuser') = 'on'").fetchone()
        counts, sequences, superuser = dict(zip(tables, rows)), rows[-2] or [], rows[-1]
        if max(counts.values()) > MANY_ROWS or not superuser:
            truncate(c)
            return
        c.execute("; ".join(["SET LOCAL session_replication_role = replica"]
                            + [f"DELETE FROM {quoted(name)}" for name, count in counts.items() if count]
                            + [f"ALTER SEQUENCE {name} RESTART" for name in sequences]))


def plain_connection(url):
    """psycopg itself, on the database a SQLAlchemy URL names: given no parameters, it sends `%` as written."""
    return psycopg.connect(make_url(url).set(drivername="postgresql").render_as_string(hide_password=False))


def truncate(connection):
    tables = ", ".join(quoted(t.name) for t in db.metadata.sorted_tables)
    connection.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


def quoted(name):
    return f'"{name}"'


def copy_schema(schema, path):
    """True when the test's SQLite file is new, and now a copy of the schema."""
    if os.path.exists(path):
        return False
    shutil.copyfile(schema, path)
    return True


@pytest.fixture(scope="session")
def migrations_database():
    """A PostgreSQL database of this run's (per worker) for the migration tests, dropped at the end: each
    DROP DATABASE waits for a checkpoint of the whole server, which took 13-39 s a test in a CI run."""
    name = f"fieldnotes_migrations_{uuid.uuid4().hex[:8]}"
    server = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    server.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.sqlite'}"
        return
    url = request.getfixturevalue("postgres_schema")
    yield url
    empty_postgres(url)


@pytest.fixture
def new_tables(database_url):
    """For a test that reads the planner's figures or its plans: on PostgreSQL every table TRUNCATEd first, as a new
    schema has it (no pages, reltuples -1), not as the rows another test wrote and deleted left it (pages of dead
    rows, which the planner prices)."""
    if database_url.startswith("postgresql"):
        with plain_connection(database_url) as connection:
            truncate(connection)


@pytest.fixture(scope="session")
def sqlite_schema(tmp_path_factory):
    """A SQLite file with every table, made once per run (per worker): each test's database starts as a copy,
    a millisecond where creating the tables took 60-190."""
    path = tmp_path_factory.mktemp("schema") / "schema.sqlite"
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    return path


@pytest.fixture
def app(database_url, tmp_path, request):
    copied = database_url.startswith("sqlite") and copy_schema(request.getfixturevalue("sqlite_schema"),
                                                                 make_url(database_url).database)
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url,
                      "MEDIA_ROOT": str(tmp_path / "media"), "ERASURE_LEDGER": str(tmp_path / "erasures.jsonl")})
    with app.app_context():
        if database_url.startswith("sqlite") and not copied:
            db.create_all()
    yield app
    live.close(app)  # its listener thread and connection, when a stream started one
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, email="ana@example.org", password=PASSWORD, remember=False):
        data = {"email": email, "password": password}
        if remember:
            data["remember"] = "true"
        return self.client.post("/login", data=data)

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def study_id(app, auth):
    """Ana owns a study (with its default journey and roles) and is signed in: the sync tests' world.

    A test file that needs more (a second member, another study) defines its own study_id.
    """
    with app.app_context():
        study_id = make_study(make_user("ana@example.org", name="Ana")).id
    auth.login()
    return study_id
