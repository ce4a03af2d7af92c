"""A study archive imported into an empty PostgreSQL database: the time, and how many note rows it wrote, beside
the database's own copy of the same rows in the same run (issue 11, session 20).

    BENCH_SIZES=100000 BENCH_RUNS=2 .venv/bin/python bench/summaries_bench.py <seeded url>   # the study, once
    .venv/bin/python bench/archive_import_bench.py <seeded url> <scratch url> [size]         # size: 100000
    BENCH_TREE=/tmp/before .venv/bin/python bench/archive_import_bench.py ...                # another checkout

The seeded study (bench/summaries_bench.py: realistic notes with touchpoint, role, participant, visit and 0-2
tags) is exported once with `flask export archive`; then, BENCH_ROUNDS (2) times, the scratch database's tables
are made afresh and `flask import archive` brings the archive in, as an operator would. Reported: seconds, and
from pg_stat_user_tables the notes' rows inserted and updated (a note written twice leaves a dead row behind
until a VACUUM FULL). The floor: the same notes, their links and their revisions copied by the database into
tables made LIKE theirs, indexes and the words' generated column included (INSERT ... SELECT, plain psycopg): what
writing those rows costs with no archive to read and nothing to check.
"""
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TREE = Path(os.environ.get("BENCH_TREE", Path(__file__).resolve().parent.parent)).resolve()
sys.path.insert(0, str(TREE))

import psycopg  # noqa: E402

from fieldnotes import create_app  # noqa: E402
from fieldnotes.demo.large import find_large_study  # noqa: E402
from fieldnotes.extensions import db  # noqa: E402
from tests.factories import make_user  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", 2))
OWNER = "importer@example.org"
COPIED = ("observation", "observation_tag", "revision")
NOTE_ROWS = "SELECT n_tup_ins, n_tup_upd FROM pg_stat_user_tables WHERE relname = 'observation'"


def flask(url, *args):
    """A flask command of TREE's app on `url`, as an operator runs it."""
    env = {**os.environ, "FIELDNOTES_DATABASE_URL": url, "FLASK_APP": str(TREE / "wsgi.py"), "PYTHONPATH": str(TREE)}
    done = subprocess.run([sys.executable, "-m", "flask", *args], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def export(seeded, size, out):
    app = create_app({"SQLALCHEMY_DATABASE_URI": seeded, "SECRET_KEY": "bench"})
    with app.app_context():
        study = find_large_study(size)
        assert study is not None, f"no study of {size} notes here: seed it with bench/summaries_bench.py first"
        study_id = study.id
    flask(seeded, "export", "archive", "--study", str(study_id), "--out", str(out))


def fresh(scratch):
    app = create_app({"SQLALCHEMY_DATABASE_URI": scratch, "SECRET_KEY": "bench",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        make_user(OWNER, name="Importer")
        db.session.commit()
        db.engine.dispose()


def counted_rows(connection):
    """(inserted, updated) notes' rows so far; the statistics collector is asked for a fresh snapshot."""
    connection.execute("SELECT pg_stat_clear_snapshot()")
    return connection.execute(NOTE_ROWS).fetchone()


def floor(connection):
    """The imported rows copied by the database into tables LIKE theirs; seconds. Rolled back."""
    for table in COPIED:
        connection.execute(f"CREATE TEMPORARY TABLE floor_{table} (LIKE {table} INCLUDING ALL)")
    began = time.perf_counter()
    for table in COPIED:
        columns = ", ".join(name for (name,) in connection.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND is_generated = 'NEVER'",
            (table,)))  # a generated column (the words) is computed by the copy, as by the import
        connection.execute(f"INSERT INTO floor_{table} ({columns}) SELECT {columns} FROM {table}")
    took = time.perf_counter() - began
    connection.rollback()
    return took


def main(seeded, scratch, size):
    plain = scratch.replace("postgresql+psycopg://", "postgresql://")
    archive = Path(tempfile.mkdtemp(prefix="archive-bench-")) / "study.zip"
    export(seeded, size, archive)
    print(f"tree {TREE}; a study of {size:,} notes, archive {archive.stat().st_size / 1e6:.1f} MB; "
          f"load {os.getloadavg()[0]:.1f}")
    for round_number in range(1, ROUNDS + 1):
        fresh(scratch)
        with psycopg.connect(plain) as connection:
            inserted, updated = counted_rows(connection)
            began = time.perf_counter()
            flask(scratch, "import", "archive", str(archive), "--owner", OWNER)
            took = time.perf_counter() - began
            time.sleep(1)  # the statistics collector reports a moment later
            now_inserted, now_updated = counted_rows(connection)
            least = floor(connection)
        print(f"round {round_number}: import {took:.1f} s, notes' rows inserted {now_inserted - inserted:,}, "
              f"updated {now_updated - updated:,}; floor {least:.1f} s (the same rows copied by the database); "
              f"import / floor {took / least:.1f}")
    print(f"load after {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 100_000)
