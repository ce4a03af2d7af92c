"""Search with tag names, codes and emoji (issue 12) on the browse bench's study, beside plain DB-API SQL.

    .venv/bin/python bench/search_tags_bench.py                    # SQLite file in a temp dir
    .venv/bin/python bench/search_tags_bench.py postgresql+psycopg://postgres@127.0.0.1:5432/fieldnotes_search_bench

BENCH_NOTES (default 20,000) notes as bench/browse_bench.py builds them (text, touchpoint, role,
participant, visit, tags); its 30 tags are renamed as a team names them (codes WALK-R1..., words), and
1% of notes get an emoji. Each figure is p50/p95 ms over BENCH_RUNS runs of the first browse page
(listing.browse_page after filters.parse_filters, which reads the study's tags to match them), and the
floor is one hand-written statement for the same page of ids through the driver's own cursor.
"""
import os
import sys
import tempfile
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("BENCH_NOTES", "20000")

from sqlalchemy import select, text, update  # noqa: E402
from werkzeug.datastructures import MultiDict  # noqa: E402

from bench.browse_bench import build, timed  # noqa: E402
from fieldnotes import create_app  # noqa: E402
from fieldnotes.explore import listing  # noqa: E402
from fieldnotes.explore.filters import parse_filters  # noqa: E402
from fieldnotes.extensions import db  # noqa: E402
from fieldnotes.observations import fulltext  # noqa: E402
from fieldnotes.observations.models import Observation  # noqa: E402
from fieldnotes.studies.models import Tag, name_key  # noqa: E402

TAG_NAMES = [f"WALK-R{i}" for i in range(1, 11)] + ["chasing payments", "month end", "paper trail"] + [
    f"theme {i}" for i in range(17)]


def rename_tags_and_add_emoji(sid):
    tags = db.session.scalars(select(Tag).where(Tag.study_id == sid).order_by(Tag.id)).all()
    for tag, name in zip(tags, TAG_NAMES):
        tag.name, tag.name_key = name, name_key(name)
    ids = db.session.scalars(select(Observation.id).where(Observation.study_id == sid)
                             .order_by(Observation.seq)).all()[::100]
    db.session.execute(update(Observation).where(Observation.id.in_(ids))
                       .values(text=Observation.text + " 👍🏽"))
    db.session.commit()
    return {t.name: t.id for t in tags}


def floor(dialect, sid, words, tag_ids=(), literal=None):
    """The same first page of ids, by hand, through the DB-API cursor (qmark on SQLite, %s on psycopg)."""
    mark = "%s" if dialect == "postgresql" else "?"
    params, match = [sid], []
    if words:
        if dialect == "postgresql":
            match.append(f"{fulltext.PG_VECTOR} @@ to_tsquery('simple'::regconfig, %s)")
            params.append(words[1])
        else:
            match.append(f"seq IN (SELECT rowid FROM {fulltext.FTS_TABLE} WHERE {fulltext.FTS_TABLE} MATCH ?)")
            params.append(words[0])
    if literal:
        match.append(f"(text LIKE {mark} OR expected LIKE {mark})")
        params += [f"%{literal}%"] * 2
    where = " OR ".join(match) if not tag_ids else "(" + " OR ".join(match) + (
        f" OR id IN (SELECT observation_id FROM observation_tag WHERE tag_id IN ({', '.join(mark for _ in tag_ids)})))")
    params += list(tag_ids)
    sql = (f"SELECT id FROM observation WHERE study_id = {mark} AND deleted_at IS NULL AND {where} "
           "ORDER BY captured_at DESC, id DESC LIMIT 51")
    connection = db.engine.raw_connection()

    def run():
        cursor = connection.cursor()
        cursor.execute(sql, params)
        return cursor.fetchall()
    return run


def main(url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    sid, _, _ = build(app)
    rows = []
    with app.app_context():
        dialect = db.engine.dialect.name
        tags = rename_tags_and_add_emoji(sid)
        walk = [tags[f"WALK-R{i}"] for i in range(1, 11)]
        cases = [
            ("invoice (a word, no tag of it)", "invoice", ('("invoice")', "('invoice')"), (), None),
            ("chasing (a word that is also in a tag)", "chasing", ('("chasing")', "('chasing')"),
             (tags["chasing payments"],), None),
            ("WALK-R (a code's start: 10 tags)", "WALK-R", ('("walk" + "r" *)', "('walk' <-> 'r':*)"), walk, None),
            ("👍🏽 (an emoji, as typed)", "👍🏽", None, (), "👍🏽"),
        ]
        for label, q, words, tag_ids, literal in cases:
            query = MultiDict([("q", q)])
            service = lambda: [n.id for n in listing.browse_page(parse_filters(sid, query), dialect)[0]]  # noqa: E731
            by_hand = floor(dialect, sid, words, tag_ids, literal)
            assert service() == [uuid.UUID(str(r[0])) for r in by_hand()][:50], label
            rows.append((label, timed(lambda: (db.session.expunge_all(), service())), timed(by_hand)))
        count = db.session.scalar(select(db.func.count()).select_from(Observation))
        db.session.execute(text("SELECT 1"))
    print(f"\n{dialect}: {count} notes, 30 tags; first browse page of each search")
    print("| search | service p50 / p95 ms | DB-API floor p50 / p95 ms | ratio (p50) |\n|---|---:|---:|---:|")
    for label, (p50, p95), (f50, f95) in rows:
        print(f"| {label} | {p50:.1f} / {p95:.1f} | {f50:.1f} / {f95:.1f} | {p50 / f50:.1f}x |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{tempfile.mkdtemp()}/search_tags_bench.sqlite")
