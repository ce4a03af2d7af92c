"""Browse and search on a 100,000-note study (issue 4), beside hand-written SQL for the same question.

    .venv/bin/python bench/browse_bench.py                    # SQLite file in a temp dir
    .venv/bin/python bench/browse_bench.py postgresql+psycopg://postgres@127.0.0.1:5432/fieldnotes_browse_bench

The PostgreSQL database must exist; its tables are dropped and made again.
Rows go in with SQLAlchemy Core in bulk (the FTS triggers / GIN index keep up as
they would in use). Each figure is p50/p95 over RUNS runs after warm-ups:
- list: the service (filters.parse_filters + listing.browse_page) for three filters and a search;
- raw: one hand-written SQL statement answering the same question (the same page of ids);
- facets: every facet count and the total, as the page shows them;
- page: GET /studies/<id>/notes?... through Flask's test client (server time, no network);
- render: the template alone, for the page's 50 notes.
"""
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import render_template  # noqa: E402
from sqlalchemy import insert, select, text  # noqa: E402
from werkzeug.datastructures import MultiDict  # noqa: E402

from fieldnotes import create_app  # noqa: E402
from fieldnotes.explore import facets, listing, search  # noqa: E402
from fieldnotes.observations import fulltext  # noqa: E402
from fieldnotes.explore.filters import parse_filters  # noqa: E402
from fieldnotes.extensions import db  # noqa: E402
from fieldnotes.observations.models import (Attachment, Kind, Observation, Revision,  # noqa: E402
                                            observation_tag)
from fieldnotes.studies.models import Tag  # noqa: E402
from fieldnotes.visits.models import Participant, SiteVisit  # noqa: E402
from tests.factories import PASSWORD, make_study, make_user  # noqa: E402

NOTES = int(os.environ.get("BENCH_NOTES", 100_000))
RUNS = int(os.environ.get("BENCH_RUNS", 50))
WORDS = ("invoice approval paper spreadsheet export login password dashboard report email printer "
         "supplier contract renewal training manual workaround deadline budget ledger audit approval "
         "purchase order quote delivery warehouse scanner barcode onboarding checklist handover meeting "
         "réunion Überprüfung Rechnung colleague manager finance payroll portal ticket support escalation").split()
FILLER = [f"w{i:04d}" for i in range(3000)]  # a long tail of rarer words, as real text has


def sentence(rng):
    return " ".join(rng.choice(WORDS) if rng.random() < 0.3 else rng.choice(FILLER)
                    for _ in range(rng.randint(8, 24))).capitalize() + "."


def build(app):
    rng = random.Random(4)
    with app.app_context():
        if os.environ.get("BENCH_REUSE"):  # time again on the data a previous run left (same URL)
            from fieldnotes.studies.models import Study
            study = db.session.scalars(select(Study)).first()
            return study.id, [t.id for t in study.touchpoints], [r.id for r in study.roles]
        db.drop_all()
        db.create_all()
        user = make_user("bench@example.org")
        study = make_study(user)
        sid, uid = study.id, user.id
        tps, roles = [t.id for t in study.touchpoints], [r.id for r in study.roles]
        orgs = [f"Organisation {i}" for i in range(12)]
        visits = [db.session.execute(insert(SiteVisit).returning(SiteVisit.id), [dict(
            study_id=sid, visited_on=datetime(2026, 1, 1).date() + timedelta(days=i), organisation=orgs[i % 12],
            place="Office", summary="")]).scalar_one() for i in range(40)]
        people = [db.session.execute(insert(Participant).returning(Participant.id), [dict(
            study_id=sid, pseudonym=f"P{i}", organisation=orgs[i % 12], role_id=roles[i % len(roles)])]).scalar_one()
            for i in range(120)]
        tags = [db.session.execute(insert(Tag).returning(Tag.id), [dict(study_id=sid, name=f"tag {i}")]).scalar_one()
                for i in range(30)]
        db.session.commit()
        start, kinds = datetime(2026, 1, 1, tzinfo=UTC), list(Kind)
        for chunk in range(0, NOTES, 5000):
            notes, links, media = [], [], []
            for i in range(chunk, min(chunk + 5000, NOTES)):
                nid, person = uuid.uuid4(), rng.randrange(120)
                # Minutes, not seconds: many notes share a captured_at, as keyset paging must handle.
                at = start + timedelta(minutes=rng.randrange(90 * 24 * 60 // 4))
                notes.append(dict(id=nid, study_id=sid, author_id=uid, kind=rng.choice(kinds), text=sentence(rng),
                                  expected=sentence(rng) if rng.random() < 0.1 else None,
                                  touchpoint_id=rng.choice(tps + [None]), role_id=rng.choice(roles + [None]),
                                  participant_id=people[person], visit_id=visits[person % 40], captured_at=at,
                                  received_at=at, updated_at=at, version=1, seq=i + 1))
                links += [dict(observation_id=nid, tag_id=t) for t in rng.sample(tags, rng.choice((0, 1, 1, 2)))]
                if rng.random() < 0.05:
                    media.append(dict(id=uuid.uuid4(), observation_id=nid, slot=rng.choice(("photo", "audio")),
                                      sha256="ab" * 32, size=1000, mime="image/jpeg"))
            db.session.execute(insert(Observation), notes)
            db.session.execute(insert(observation_tag), links)
            if media:
                db.session.execute(insert(Attachment), media)
            db.session.commit()
        db.session.execute(insert(Revision), [dict(observation_id=n, version=1, data={}, kind="conflict",
                                                   created_at=datetime(2026, 6, 1, tzinfo=UTC)) for n in
                                              db.session.scalars(select(Observation.id).limit(300))])
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        return sid, tps, roles


def timed(fn, runs=RUNS, warm=3):
    for _ in range(warm):
        fn()
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        times.append((time.perf_counter() - began) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]


def raw_sql(dialect, sid, tp, role, word):
    """The same question by hand: one statement, the first page of ids."""
    if dialect == "postgresql":
        match = f"{fulltext.PG_VECTOR} @@ to_tsquery('simple'::regconfig, :q)"
        q = f"('{word}')"
    else:
        match = f"observation.seq IN (SELECT rowid FROM {fulltext.FTS_TABLE} WHERE {fulltext.FTS_TABLE} MATCH :q)"
        q = f'("{word}")'
    sql = text(f"SELECT observation.id FROM observation WHERE observation.study_id = :sid "
               f"AND observation.deleted_at IS NULL AND observation.kind = 'breakdown' "
               f"AND observation.touchpoint_id = :tp AND observation.role_id = :role AND {match} "
               f"ORDER BY observation.captured_at DESC, observation.id DESC LIMIT 51")
    return lambda: db.session.execute(sql, dict(sid=sid, tp=tp, role=role, q=q)).all()


def main(url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    began = time.perf_counter()
    sid, tps, roles = build(app)
    built = time.perf_counter() - began
    word, tp, role = "invoice", tps[1], roles[0]
    query = MultiDict([("kind", "breakdown"), ("touchpoint", str(tp)), ("role", str(role)), ("q", word)])
    rows = []
    with app.app_context():
        dialect = db.engine.dialect.name
        filters = parse_filters(sid, query)
        page, _ = listing.browse_page(filters, dialect)
        assert [n.id for n in page] == [uuid.UUID(str(r[0])) for r in raw_sql(dialect, sid, tp, role, word)()][:50]
        rows.append(("Browse list: 3 filters + search (service)",
                     timed(lambda: (db.session.expunge_all(), listing.browse_page(parse_filters(sid, query), dialect)))))
        rows.append(("Same question, raw SQL", timed(raw_sql(dialect, sid, tp, role, word))))
        rows.append(("Facet counts + total, same filters",
                     timed(lambda: facets.facets(filters, dialect, listing.lookups(sid)), runs=20)))
        everything = parse_filters(sid, MultiDict())
        rows.append(("Browse list, no filters (newest 50)",
                     timed(lambda: (db.session.expunge_all(), listing.browse_page(everything, dialect)))))
        rows.append(("Facet counts, no filters (whole study)",
                     timed(lambda: facets.facets(everything, dialect, listing.lookups(sid)), runs=20)))
        notes, _ = listing.browse_page(everything, dialect)
        study = notes[0].study
        names = listing.lookups(sid)
        facet_list, _ = facets.facets(everything, dialect, names)
        with app.test_request_context(f"/studies/{sid}/notes"):
            rows.append(("Render 50 notes as HTML (template only)", timed(lambda: render_template(
                "explore/browse.html", study=study, membership=study.memberships[0], filters=everything,
                notes=notes, facets=facet_list, attention=0, total=NOTES, next_url=None, first_url=None,
                clear_url="/", here="/", names=names, attention_ids=set(),
                highlight=lambda v: search.highlight(v, [])))))
    client = app.test_client()
    client.post("/login", data={"email": "bench@example.org", "password": PASSWORD})
    qs = f"?kind=breakdown&touchpoint={tp}&role={role}&q={word}"

    def get(path):
        response = client.get(path)
        assert response.status_code == 200, response.status_code
    rows.append(("Whole page GET, 3 filters + search", timed(lambda: get(f"/studies/{sid}/notes{qs}"), runs=20)))
    rows.append(("Whole page GET, no filters", timed(lambda: get(f"/studies/{sid}/notes"), runs=20)))
    print(f"\n{dialect}: {NOTES} notes built in {built:.0f} s; query: kind=breakdown, touchpoint, role, q={word}")
    print("| what | p50 ms | p95 ms |\n|---|---:|---:|")
    for label, (p50, p95) in rows:
        print(f"| {label} | {p50:.1f} | {p95:.1f} |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{tempfile.mkdtemp()}/browse_bench.sqlite")
