"""The Alembic history builds exactly the schema the models describe, on both databases."""
import os
import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from fieldnotes import create_app
from fieldnotes.extensions import UTCDateTime, db
from fieldnotes.migrating import include_object
from fieldnotes.studies.models import Role, Tag, Touchpoint
from tests.conftest import BACKENDS, POSTGRES_URL, TEST_CONFIG

MIGRATIONS = os.path.join(os.path.dirname(__file__), "..", "migrations")


@pytest.fixture(params=BACKENDS)
def empty_database(request, tmp_path):
    """A database with no tables at all: a SQLite file, or the migrations' PostgreSQL database emptied after
    each test (its schema dropped whole, the connections a test left ended first)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.sqlite'}"
        return
    url = request.getfixturevalue("migrations_database")
    yield url
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                                " WHERE datname = current_database() AND pid <> pg_backend_pid()"))
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def migrated_app(url):
    return create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})


def test_the_history_has_one_head():
    app = migrated_app("sqlite://")
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config(MIGRATIONS)
        assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_migrations_build_what_the_models_describe(empty_database):
    app = migrated_app(empty_database)
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"include_object": include_object})
            differences = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert differences == []


def test_migrations_go_down_and_up_again(empty_database):
    app = migrated_app(empty_database)
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        downgrade(directory=MIGRATIONS, revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade(directory=MIGRATIONS)
        assert "study" in inspect(db.engine).get_table_names()
        db.engine.dispose()


# 0002: tags, touchpoints and roles unique by letter case. A database made before it may hold
# names that differ only in case; the upgrade merges them into the oldest, keeping every note's tags.

NOW = datetime(2026, 3, 12, 10, 0, tzinfo=UTC)


def rows_table(name, *typed):
    """A table as the test writes and reads it: plain columns, plus the few whose type matters."""
    plain = {"observation": ("study_id", "author_id", "kind", "text", "touchpoint_id", "role_id", "version",
                             "seq", "client_time_suspect"),
             "observation_tag": ("tag_id",), "tag": ("id", "study_id", "name"),
             "touchpoint": ("id", "study_id", "name", "position", "retired"),
             "role": ("id", "study_id", "name", "position", "retired"),
             "participant": ("id", "study_id", "pseudonym", "role_id", "organisation", "consent_given",
                             "consent_notes", "consent_quotes", "consent_photos", "consent_audio"),
             "study": ("id", "name", "goal", "audience", "status"),
             "user": ("id", "email", "name", "is_active"), "sync_state": ("id", "epoch", "counter"),
             "revision": ("observation_id", "version", "data", "kind", "author_id"),
             "tag_event": ("study_id", "action", "old_name", "new_name", "notes", "user_id")}[name]
    return sa.table(name, *(sa.column(c) for c in plain), *typed)


def note_table():
    return rows_table("observation", sa.column("id", sa.Uuid()), *(sa.column(c, UTCDateTime()) for c in (
        "captured_at", "received_at", "updated_at", "deleted_at")))


def note_id(number):
    return uuid.UUID(int=number)


def case_duplicates_at_0001(connection):
    """Two studies; in the first, tags, touchpoints and roles written twice or thrice in other letters."""
    def add(table, *rows):
        connection.execute(sa.insert(table), [dict(row) for row in rows])
    add(rows_table("user", sa.column("created_at", UTCDateTime())),
        dict(id=1, email="ana@example.org", name="Ana", is_active=True, created_at=NOW))
    add(rows_table("study", sa.column("created_at", UTCDateTime())),
        *(dict(id=i, name=f"Study {i}", goal="", audience="customer", status="fieldwork", created_at=NOW)
          for i in (1, 2)))
    add(rows_table("sync_state"), dict(id=1, epoch="e", counter=10))
    add(rows_table("tag", sa.column("created_at", UTCDateTime())), *(
        dict(id=i, study_id=s, name=n, created_at=NOW) for i, s, n in (
            (1, 1, "Billing"), (2, 1, "billing"), (3, 1, "BILLING"), (4, 1, "Écran"), (5, 1, "ÉCRAN"),
            (6, 1, "other"), (7, 2, "billing"))))
    add(rows_table("touchpoint"), *(dict(id=i, study_id=1, name=n, position=i, retired=r) for i, n, r in (
        (1, "Research", False), (2, "research", False), (3, "Use", False), (4, "Support", True),
        (5, "SUPPORT", False))))
    add(rows_table("role"), dict(id=1, study_id=1, name="End user", position=0, retired=False),
        dict(id=2, study_id=1, name="END USER", position=1, retired=False))
    add(rows_table("participant", sa.column("created_at", UTCDateTime())), dict(
        id=1, study_id=1, pseudonym="P1", role_id=2, organisation="Halloran", consent_given=True,
        consent_notes=True, consent_quotes=True, consent_photos=True, consent_audio=True, created_at=NOW))
    notes = {  # number: (study, tags, touchpoint, role, version, deleted)
        1: (1, [1, 2], None, None, 1, False), 2: (1, [3, 5], None, None, 3, False),
        3: (1, [6], 1, 1, 1, False), 4: (1, [], 2, 2, 1, False), 5: (1, [2], None, None, 2, True),
        6: (2, [7], None, None, 1, False)}
    add(note_table(), *(dict(
        id=note_id(n), study_id=s, author_id=1, kind="observation", text=f"Note {n}", touchpoint_id=tp,
        role_id=role, version=v, seq=n, client_time_suspect=False, captured_at=NOW, received_at=NOW,
        updated_at=NOW, deleted_at=NOW if deleted else None) for n, (s, _, tp, role, v, deleted) in notes.items()))
    add(rows_table("observation_tag", sa.column("observation_id", sa.Uuid())), *(
        dict(observation_id=note_id(n), tag_id=t) for n, (_, tags, *_) in notes.items() for t in tags))


def merged_world(connection):
    """What a user would look at after the upgrade, read with plain SQL."""
    tags = connection.execute(sa.text("SELECT id, study_id, name FROM tag ORDER BY id")).all()
    notes = note_table()
    note_rows = connection.execute(sa.select(notes.c.id, notes.c.version, notes.c.seq, notes.c.touchpoint_id,
                                             notes.c.role_id)).all()
    tagged = connection.execute(sa.select(sa.column("observation_id", sa.Uuid()), sa.column("name"))
                                .select_from(sa.text("observation_tag JOIN tag ON tag.id = observation_tag.tag_id"))).all()
    names = {}
    for note, name in tagged:
        names.setdefault(note.int, []).append(name)
    revisions = connection.execute(sa.select(sa.column("observation_id", sa.Uuid()), sa.column("version"),
                                             sa.column("data", sa.JSON()), sa.column("author_id"))
                                   .select_from(sa.table("revision"))).all()
    return dict(
        tags=[tuple(t) for t in tags],
        notes={n.id.int: (n.version, n.seq, n.touchpoint_id, n.role_id) for n in note_rows},
        names={n: sorted(v) for n, v in names.items()},
        revisions={r.observation_id.int: (r.version, sorted(r.data["tags"]), r.data["touchpoint_id"],
                                          r.data["role_id"], r.data["text"], r.author_id) for r in revisions},
        touchpoints=connection.execute(sa.text("SELECT id, name, retired FROM touchpoint ORDER BY id")).all(),
        roles=connection.execute(sa.text("SELECT id, name FROM role ORDER BY id")).all(),
        participant_role=connection.scalar(sa.text("SELECT role_id FROM participant")),
        counter=connection.scalar(sa.text("SELECT counter FROM sync_state")),
        history=sorted(connection.execute(sa.text(
            "SELECT study_id, action, old_name, new_name, notes, user_id FROM tag_event")).all()))


def test_upgrading_merges_names_that_differ_only_in_letter_case(empty_database):
    app = migrated_app(empty_database)
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0001")
        with db.engine.begin() as connection:
            case_duplicates_at_0001(connection)
        upgrade(directory=MIGRATIONS)
        with db.engine.connect() as connection:
            world = merged_world(connection)
        db.engine.dispose()

    assert world["tags"] == [(1, 1, "Billing"), (4, 1, "Écran"), (6, 1, "other"), (7, 2, "billing")]
    # Every note kept its tags, under the oldest name, and none carries a tag twice.
    assert world["names"] == {1: ["Billing"], 2: ["Billing", "Écran"], 3: ["other"], 5: ["Billing"],
                              6: ["billing"]}
    assert world["touchpoints"] == [(1, "Research", False), (3, "Use", False), (4, "Support", False)]
    assert world["roles"] == [(1, "End user")] and world["participant_role"] == 1
    # The live notes that changed are new versions with new change numbers, in id order, so phones pull
    # them; the others (an untouched note, a deleted one, another study's) are as they were.
    assert world["notes"] == {3: (1, 3, 1, 1), 5: (2, 5, None, None), 6: (1, 6, None, None),
                              1: (2, 11, None, None), 2: (4, 12, None, None), 4: (2, 13, 1, 1)}
    assert world["counter"] == 13
    assert world["revisions"] == {1: (2, ["Billing"], None, None, "Note 1", None),
                                  2: (4, ["Billing", "Écran"], None, None, "Note 2", None),
                                  4: (2, [], 1, 1, "Note 4", None)}
    assert world["history"] == [(1, "merge", "BILLING", "Billing", 1, None),
                                (1, "merge", "billing", "Billing", 1, None),
                                (1, "merge", "ÉCRAN", "Écran", 1, None)]


def test_after_the_upgrade_the_database_refuses_a_name_in_other_letters(empty_database):
    app = migrated_app(empty_database)
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0001")
        with db.engine.begin() as connection:
            case_duplicates_at_0001(connection)
        upgrade(directory=MIGRATIONS)
        for model in (Tag, Touchpoint, Role):
            # Explicit ids: the rows made above with theirs left PostgreSQL's id sequences behind.
            extra = {} if model is Tag else {"position": 9}
            with db.engine.begin() as connection:
                connection.execute(sa.insert(model).values(id=100, study_id=2, name="Écran", **extra))
            with pytest.raises(IntegrityError, match="name_key"):
                with db.engine.begin() as connection:
                    connection.execute(sa.insert(model).values(id=101, study_id=2, name="éCRAN", **extra))
        db.engine.dispose()
