"""CSV notes import (issue 10): 100,000 rows through `flask import notes`' path, beside a raw insert floor.

    .venv/bin/python bench/import_csv_bench.py                  # SQLite file in a temp dir
    .venv/bin/python bench/import_csv_bench.py postgresql+psycopg://postgres@127.0.0.1:5432/fieldnotes_bench
    BENCH_ROWS=10000 .venv/bin/python bench/import_csv_bench.py [url]

The PostgreSQL database must exist; its tables are dropped and made again.
The file is realistic: a key, a time, a visit (6), a participant (24), a role,
a touchpoint, a kind, text of 40 to 300 characters, sometimes "what they
expected", 0 to 3 tags of 40; every term exists in the study except the tags.
The import is what the command does, in one transaction: decode, read, check
and plan every row, then write every note through observations/changes.py
(note, revision, tags, change numbers) and the key of each row, and commit.
The floor, in the same run and database: the observation rows the import
wrote (realistic: touchpoint, role, participant and visit ids, so the same
foreign-key checks), read back and inserted again into the emptied table by
plain DB-API executemany on the driver's cursor, one commit; then the same
rows with random v4 ids. (Before session 5 the floor's rows had no term ids and
random ids; the import's ids ascend since then: writer.ordered_ids.)
"""
import csv
import io
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import delete, func, select  # noqa: E402

from fieldnotes import create_app  # noqa: E402
from fieldnotes.extensions import db  # noqa: E402
from fieldnotes.imports.csv_notes import decode, plan_notes, read_table  # noqa: E402
from fieldnotes.imports.mapping import guess  # noqa: E402
from fieldnotes.imports.models import ImportedRow  # noqa: E402
from fieldnotes.imports.writer import import_plan  # noqa: E402

from fieldnotes.observations.models import Observation, Revision, observation_tag  # noqa: E402
from fieldnotes.studies.models import Tag  # noqa: E402
from tests.factories import make_participant, make_study, make_user, make_visit  # noqa: E402

ROWS = int(os.environ.get("BENCH_ROWS", 100_000))
WORDS = ("invoice paper retype screen approval courier portal export spreadsheet login manager waits "
         "support ticket phone email printer training handbook tab column report monthly quarter").split()
COLUMNS = ("Key", "Captured", "Visit", "Participant", "Role", "Stage", "Kind", "Quote", "Expected", "Tags")
KINDS = ("observation", "quote", "breakdown", "workaround", "delight", "artifact", "idea")


def build_app(url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        user = make_user("bench@example.org")
        study = make_study(user)
        visits = [make_visit(study, organisation=f"Account {i}", visited_on=date(2026, 3, 2 + i)) for i in range(6)]
        for i in range(24):
            make_participant(study, visits=[visits[i % 6]], pseudonym=f"P{i + 1}")
        terms = {"touchpoints": [t.name for t in study.touchpoints], "roles": [r.name for r in study.roles]}
        return app, study.id, user.id, terms


def csv_bytes(terms):
    """ROWS realistic rows, seeded so every run imports the same file."""
    rng, out = random.Random(10), io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    start = datetime(2026, 3, 2, 9, tzinfo=UTC)
    for i in range(ROWS):
        visit = i % 6
        text = " ".join(rng.choices(WORDS, k=rng.randint(6, 45)))
        participant = f"P{visit + 1 + 6 * rng.randint(0, 3)}"
        writer.writerow([f"row-{i}", (start + timedelta(days=visit, seconds=i % 28_000)).isoformat(),
                         f"Account {visit} {date(2026, 3, 2 + visit).isoformat()}", participant,
                         rng.choice(terms["roles"]), rng.choice(terms["touchpoints"]), rng.choice(KINDS),
                         text.capitalize() + ".", rng.choice(["", "", "One screen for it."]),
                         "; ".join(f"tag {rng.randint(1, 40)}" for _ in range(rng.randint(0, 3)))])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def time_import(app, study_id, author_id, raw):
    with app.app_context():
        began = time.perf_counter()
        headers, rows = read_table(decode(raw))
        plan = plan_notes(study_id, headers, rows, guess(headers))
        planned = time.perf_counter()
        assert not plan.problems, plan.problems[:3]
        import_plan(plan, study_id, author_id)
        db.session.commit()
        done = time.perf_counter()
        assert db.session.scalar(select(func.count()).select_from(Observation)) == ROWS
        return planned - began, done - planned


def clear_notes():
    for table in (ImportedRow.__table__, observation_tag, Revision.__table__, Observation.__table__, Tag.__table__):
        db.session.execute(delete(table))
    db.session.commit()


COLUMNS_WRITTEN = ("id, study_id, author_id, kind, text, expected, touchpoint_id, role_id, participant_id, visit_id, "
                   "no_person, captured_at, client_time_suspect, received_at, updated_at, version, seq")


def written_rows(app):
    """The observation rows the import wrote, as the driver hands them back (and takes them again)."""
    with app.app_context():
        connection = db.engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute(f"SELECT {COLUMNS_WRITTEN} FROM observation ORDER BY seq")
            return [tuple(row) for row in cursor.fetchall()]
        finally:
            connection.close()


def time_floor(app, rows, random_ids=False):
    """Plain executemany of `rows` into the emptied observation table, one commit; `random_ids`: each
    row a new v4 id (as phones make them) instead of the import's own."""
    with app.app_context():
        clear_notes()
        dialect = db.engine.dialect.name
        if random_ids:
            rows = [((uuid.uuid4().hex if dialect == "sqlite" else uuid.uuid4()),) + row[1:] for row in rows]
        mark = "?" if dialect == "sqlite" else "%s"
        sql = f"INSERT INTO observation ({COLUMNS_WRITTEN}) VALUES ({', '.join([mark] * 17)})"
        connection = db.engine.raw_connection()
        try:
            began = time.perf_counter()
            cursor = connection.cursor()
            cursor.executemany(sql, rows)
            connection.commit()
            elapsed = time.perf_counter() - began
        finally:
            connection.close()
        assert db.session.scalar(select(func.count()).select_from(Observation)) == ROWS
        return elapsed


def main(url):
    app, study_id, author_id, terms = build_app(url)
    raw = csv_bytes(terms)
    planning, writing = time_import(app, study_id, author_id, raw)
    rows = written_rows(app)
    floor = time_floor(app, rows)
    random_floor = time_floor(app, rows, random_ids=True)
    total = planning + writing
    print(f"backend={url.split(':')[0]} rows={ROWS:,} file={len(raw) / 1e6:.1f} MB")
    print(f"import: {total:.2f} s, {ROWS / total:,.0f} notes/s "
          f"(decode, read, check and plan {planning:.2f} s; write and commit {writing:.2f} s)")
    print(f"raw floor (DB-API executemany of the observation rows the import wrote, one commit): {floor:.2f} s, "
          f"{ROWS / floor:,.0f} notes/s; the import is {total / floor:.1f}x this floor")
    print(f"the same floor with random v4 ids: {random_floor:.2f} s, "
          f"{ROWS / random_floor:,.0f} notes/s; the import is {total / random_floor:.1f}x this floor")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        main(sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{tmp}/bench.sqlite")
