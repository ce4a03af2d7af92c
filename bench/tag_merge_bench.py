"""A tag merged into another, and a tag renamed, across a big study: the server's work, beside the least SQL that
writes the same rows, in plain sqlite3 / psycopg, in the same run (issue 11, session 20).

    BENCH_SIZES=100000 BENCH_RUNS=2 .venv/bin/python bench/summaries_bench.py <url>   # the study, once
    .venv/bin/python bench/tag_merge_bench.py <url> [size]                             # size: 100000 (default)
    BENCH_TREE=/tmp/before .venv/bin/python bench/tag_merge_bench.py <url> [size]      # another checkout

<url> is a database seeded by bench/summaries_bench.py (`flask seed-demo --notes N`: realistic notes with
touchpoint, role, participant, visit and 0-2 tags). The study's second biggest tag is merged into its biggest,
and renamed, each in a transaction rolled back, BENCH_ROUNDS (3) times, alternating with the floor:
- merge / rename: `explore.tagging.merge_tags` / `rename_tag` as the tag page calls them, then what the commit
  adds (the kept counts moved: summaries.upkeep.before_commit); seconds, and statements sent. The app commits a
  merge's or rename's rounds of 500 notes one by one (session 21): here they stay open, to be rolled back, and
  the longest is reported, how long it held the change counter (and every push) at a stretch;
- floor: the same notes' next versions (version + 1, a change number each, updated now, their tag ids on
  PostgreSQL), their links moved and one revision each with the note's fields and tag names as JSON, in four
  set-based statements sent through the driver. It keeps no counts (the app's merge does) and builds no JSON in
  Python: the least the database must write for the merge, not a second implementation of it.
On PostgreSQL each round is followed by VACUUM of the tables written, so the rolled-back rows do not pile up.
"""
import inspect
import os
import sys
import time
from pathlib import Path

TREE = Path(os.environ.get("BENCH_TREE", Path(__file__).resolve().parent.parent)).resolve()
sys.path.insert(0, str(TREE))

from sqlalchemy import event, func, select  # noqa: E402

from fieldnotes import create_app  # noqa: E402
from fieldnotes.auth.models import User  # noqa: E402
from fieldnotes.demo.large import find_large_study  # noqa: E402
from fieldnotes.explore.tagging import merge_tags, rename_tag  # noqa: E402
from fieldnotes.extensions import db  # noqa: E402
from fieldnotes.observations.models import Observation, observation_tag  # noqa: E402
from fieldnotes.observations.summaries.upkeep import before_commit  # noqa: E402
from fieldnotes.studies.models import Tag  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", 3))
TABLES = ("observation", "observation_tag", "revision")

# The floor's statements; {p} is the driver's placeholder. The notes first (their tags as they will be), then the
# revisions, which read the links, then the links.
NOTES_PG = """
UPDATE observation SET version = version + 1, seq = seq + (SELECT max(seq) FROM observation), updated_at = now(),
       tag_ids = ARRAY(SELECT DISTINCT t FROM unnest(array_replace(tag_ids, {p}, {p})) AS t ORDER BY t)
 WHERE deleted_at IS NULL AND id IN (SELECT observation_id FROM observation_tag WHERE tag_id = {p})"""
NOTES_SQLITE = """
UPDATE observation SET version = version + 1, seq = seq + (SELECT max(seq) FROM observation),
       updated_at = CURRENT_TIMESTAMP
 WHERE deleted_at IS NULL AND id IN (SELECT observation_id FROM observation_tag WHERE tag_id = {p})"""
REVISIONS = """
INSERT INTO revision (observation_id, version, kind, author_id, created_at, data)
SELECT note.id, note.version, 'edit', note.author_id, {now}, {object}('study_id', note.study_id, 'kind', note.kind,
       'text', note.text, 'expected', note.expected, 'touchpoint_id', note.touchpoint_id, 'role_id', note.role_id,
       'participant_id', note.participant_id, 'visit_id', note.visit_id, 'no_person', note.no_person,
       'captured_at', note.captured_at, 'media', {empty},
       'tags', (SELECT {agg}(DISTINCT CASE WHEN tag.id = {p} THEN {p} ELSE tag.name END) FROM observation_tag AS link
                JOIN tag ON tag.id = link.tag_id WHERE link.observation_id = note.id))
  FROM observation AS note
 WHERE note.deleted_at IS NULL AND note.id IN (SELECT observation_id FROM observation_tag WHERE tag_id = {p})"""
DROP_DOUBLES = """
DELETE FROM observation_tag WHERE tag_id = {p}
   AND observation_id IN (SELECT observation_id FROM observation_tag WHERE tag_id = {p})"""
MOVE = "UPDATE observation_tag SET tag_id = {p} WHERE tag_id = {p}"


def floor(connection, dialect, source, target, target_name):
    """The floor's four statements on the driver's own connection, rolled back; seconds."""
    p = "%s" if dialect == "postgresql" else "?"
    pg = dialect == "postgresql"
    revisions = REVISIONS.format(p=p, now="now()" if pg else "CURRENT_TIMESTAMP",
                                 object="json_build_object" if pg else "json_object",
                                 empty="'[]'::json" if pg else "json('[]')",
                                 agg="json_agg" if pg else "json_group_array")
    steps = [((NOTES_PG if pg else NOTES_SQLITE).format(p=p), (source, target, source) if pg else (source,)),
             (revisions, (source, target_name, source)),
             (DROP_DOUBLES.format(p=p), (source, target)),
             (MOVE.format(p=p), (target, source))]
    cursor = connection.cursor()
    began = time.perf_counter()
    for statement, params in steps:
        cursor.execute(statement, params)
    took = time.perf_counter() - began
    connection.rollback()
    return took


def raw_connection(url):
    if url.startswith("sqlite"):
        import sqlite3
        return sqlite3.connect(url.removeprefix("sqlite:///"))
    import psycopg
    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))


class Statements:
    """Counts the statements an engine sends while in a `with`."""

    def __init__(self, engine):
        self.engine, self.sent = engine, 0

    def count(self, *args):
        self.sent += 1

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self.count)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self.count)


def app_round(app, action):
    """One merge or rename as the tag page makes it, and the counts its commit moves; rolled back. Returns
    (seconds, statements, the longest round's seconds: how long it held the change counter, and every push)."""
    with app.app_context(), Statements(db.engine) as statements:
        _, source, target, user_id = app.config["BENCH_PICK"]
        began = time.perf_counter()
        ends = [began]

        def end_round():  # the app commits each round but the last; kept open here, to be rolled back
            db.session.flush()
            before_commit(db.session())
            ends.append(time.perf_counter())
        user = db.session.get(User, user_id)
        service = merge_tags if action == "merge" else rename_tag
        rounds = {"end_round": end_round} if "end_round" in inspect.signature(service).parameters else {}
        if action == "merge":
            errors = merge_tags(db.session.get(Tag, source), db.session.get(Tag, target), user, **rounds)
        else:
            errors = rename_tag(db.session.get(Tag, source), "renamed by the bench", user, **rounds)
        assert not errors, errors
        db.session.flush()
        before_commit(db.session())
        ends.append(time.perf_counter())
        db.session.rollback()
    return ends[-1] - began, statements.sent, max(b - a for a, b in zip(ends, ends[1:]))


def pick(app, size):
    """(study id, its second biggest tag, its biggest, an author), and how many live notes each tag has."""
    with app.app_context():
        study = find_large_study(size)
        assert study is not None, f"no study of {size} notes here: seed it with bench/summaries_bench.py first"
        biggest = db.session.execute(
            select(observation_tag.c.tag_id, func.count()).join(Observation)
            .where(Observation.study_id == study.id, Observation.deleted_at.is_(None))
            .group_by(observation_tag.c.tag_id).order_by(func.count().desc()).limit(2)).all()
        (target, target_notes), (source, source_notes) = biggest
        author = db.session.scalar(select(Observation.author_id).where(Observation.study_id == study.id).limit(1))
        name = db.session.get(Tag, target).name
        return (study.id, source, target, author), source_notes, target_notes, name


def vacuum(connection):
    connection.autocommit = True
    connection.execute(f"VACUUM {', '.join(TABLES)}")
    connection.autocommit = False


def main(url, size):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    picked, source_notes, target_notes, target_name = pick(app, size)
    app.config["BENCH_PICK"] = picked
    with app.app_context():
        dialect = db.engine.dialect.name
    connection = raw_connection(url)
    print(f"tree {TREE}; {dialect}; study of {size:,} notes: a tag on {source_notes:,} live notes merged into one "
          f"on {target_notes:,}, and renamed; load {os.getloadavg()[0]:.1f}")
    for round_number in range(1, ROUNDS + 1):
        merged, merge_statements, held = app_round(app, "merge")
        renamed, rename_statements, rename_held = app_round(app, "rename")
        least = floor(connection, dialect, picked[1], picked[2], target_name)
        print(f"round {round_number}: merge {merged:.2f} s ({merge_statements:,} statements; the counter held "
              f"{held:.2f} s at most), rename {renamed:.2f} s ({rename_statements:,}; {rename_held:.2f} s); "
              f"floor {least:.2f} s (4 statements); merge / floor {merged / least:.1f}")
        if dialect == "postgresql":
            vacuum(connection)
    print(f"load after {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 100_000)
