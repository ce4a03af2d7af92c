"""The account page for an account with about 5,000 notes over 12 visits (issue 15), beside raw SQL.

    .venv/bin/python bench/account_page_bench.py                   # SQLite file in a temp dir
    .venv/bin/python bench/account_page_bench.py postgresql+psycopg://postgres@127.0.0.1:5432/fn_accounts_bench

The PostgreSQL database must exist; its tables are dropped and made again. The world: `flask seed-demo
--notes 10000` (24 visits of 12 organisations, notes from the demo sentence bank), then 12 of its visits
and their participants re-pointed at one account, so it holds about half the notes (the exact count is
printed), and 40 insights each grouping 10 of its notes and 10 of others'. The page also joins the demo
study's account of the same name (the owner is a member of both: one visit more), and so does the raw
SQL. Each figure is p50/p95 over RUNS runs after warm-ups:
- raw DB-API (sqlite3 / psycopg, no SQLAlchemy, no Flask): the page's question asked of the notes
  themselves, the obvious way: the account's visits and participants, its notes grouped by visit,
  stage and role with pain and delight, the insights they support, its 12 latest notes;
- raw DB-API from the kept counts: the same, the grouping read from journey_count as the page does;
- raw DB-API as the page asks: the same questions in the page's own round trips and shapes (session 6:
  one trip for visits, participants and names, sums in SQL, the insights from the insight side);
- story: accounts.story.tell (what the page computes, no template);
- page: GET /studies/<id>/accounts/<id> through Flask's test client (server time, no network);
- accounts list and merge preview: GET /studies/<id>/accounts and .../accounts/merge, the same way.
The script runs on older trees too (it asks the page's scope the way that tree does), so one copy
measures before and after a change on the same data.
"""
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, inspect, make_url, select, text  # noqa: E402

from fieldnotes import create_app  # noqa: E402
from fieldnotes.accounts import scope, story  # noqa: E402
from fieldnotes.demo import data, large  # noqa: E402
from fieldnotes.extensions import db  # noqa: E402
from fieldnotes.insights.service import create_insight  # noqa: E402
from fieldnotes.observations.models import Observation  # noqa: E402
from fieldnotes.organisations.models import Organisation  # noqa: E402
from fieldnotes.visits.models import SiteVisit  # noqa: E402

NOTES = int(os.environ.get("BENCH_NOTES", 10_000))
RUNS = int(os.environ.get("BENCH_RUNS", 50))
# BENCH_KEEP=1: reuse the world an earlier run left in this database (give a database URL, even for SQLite),
# so trees before and after a change are measured on the very same rows without seeding again.
KEEP = os.environ.get("BENCH_KEEP") == "1"
ACCOUNT = large.ORGANISATIONS[0]

MINE = "(o.visit_id IN ({visits}) OR (o.visit_id IS NULL AND o.participant_id IN ({people})))"
RAW_FROM_NOTES = [
    "SELECT id, visited_on, study_id FROM site_visit WHERE organisation_id IN ({a}) ORDER BY visited_on, id",
    "SELECT p.id, p.pseudonym, r.name FROM participant p LEFT JOIN role r ON r.id = p.role_id "
    "WHERE p.organisation_id IN ({a})",
    "SELECT o.visit_id, o.touchpoint_id, o.role_id, count(*), "
    "sum(CASE WHEN o.kind IN ('breakdown', 'workaround') THEN 1 ELSE 0 END), "
    "sum(CASE WHEN o.kind = 'delight' THEN 1 ELSE 0 END) FROM observation o "
    "WHERE o.study_id IN ({s}) AND o.deleted_at IS NULL AND " + MINE + " GROUP BY o.visit_id, o.touchpoint_id, o.role_id",
    "SELECT id, name, position FROM touchpoint WHERE study_id IN ({s})",
    "SELECT id, name, position FROM role WHERE study_id IN ({s})",
    "SELECT i.id, i.statement, count(*) AS n FROM insight i JOIN insight_note n ON n.insight_id = i.id "
    "JOIN observation o ON o.id = n.observation_id WHERE o.study_id IN ({s}) AND o.deleted_at IS NULL AND " + MINE +
    " GROUP BY i.id, i.statement ORDER BY n DESC, i.id LIMIT 20",
    "SELECT o.id, o.kind, o.text, o.captured_at, o.touchpoint_id FROM observation o "
    "WHERE o.study_id IN ({s}) AND o.deleted_at IS NULL AND " + MINE + " ORDER BY o.captured_at DESC, o.id LIMIT 12",
]
# The grouping from the counts kept on write, as accounts/story.py reads it.
RAW_FROM_COUNTS = RAW_FROM_NOTES[:2] + [
    "SELECT visit_id, touchpoint_id, role_id, notes, pain, delight FROM journey_count WHERE study_id IN ({s}) "
    "AND notes > 0 AND (visit_id IN ({visits}) OR (visit_id = 0 AND participant_id IN ({people})))",
] + RAW_FROM_NOTES[3:-1] + [
    # Its latest notes as the page reads them: from its two newest visits, and its notes on no visit.
    "SELECT o.id, o.kind, o.text, o.captured_at, o.touchpoint_id FROM observation o WHERE o.study_id IN ({s}) "
    "AND o.deleted_at IS NULL AND o.visit_id IN ({newest}) ORDER BY o.captured_at DESC, o.id LIMIT 12",
    "SELECT o.id, o.kind, o.text, o.captured_at, o.touchpoint_id FROM observation o WHERE o.study_id IN ({s}) "
    "AND o.deleted_at IS NULL AND o.visit_id IS NULL AND o.participant_id IN ({people}) "
    "ORDER BY o.captured_at DESC, o.id LIMIT 12",
]


def page_scope(study_id, account_id, user_id):
    """(joined accounts, owned study ids) as the page reads them, before and after issue 15's session 6."""
    if "owned_studies" in dir(scope):  # the earlier tree: three round trips
        joined = scope.joined_accounts(db.session.get(Organisation, account_id), user_id)
        return joined, scope.owned_studies(user_id, [s.id for _, s in joined])
    return scope.joined_accounts(study_id, account_id, user_id)

# The page's question as this branch asks it (issue 15, session 6): the visits, participants, names and how
# many notes the insights group in one trip; the kept counts summed per visit, stage and role in SQL; the
# insights from the insight side (each grouped note looked up by its key); the latest notes in one trip.
NO = "CAST(NULL AS {})"
RAW_AS_THE_PAGE_ASKS = [
    f"SELECT 'visit' AS what, id, study_id, visited_on, {NO.format('VARCHAR')}, {NO.format('INTEGER')}, "
    f"{NO.format('BOOLEAN')}, {NO.format('INTEGER')} FROM site_visit WHERE organisation_id IN ({{a}}) "
    f"UNION ALL SELECT 'person', id, study_id, {NO.format('DATE')}, pseudonym, role_id, NULL, NULL FROM participant "
    "WHERE organisation_id IN ({a}) "
    "UNION ALL SELECT 'stage', id, study_id, NULL, name, NULL, retired, position FROM touchpoint "
    "WHERE study_id IN ({s}) "
    "UNION ALL SELECT 'role', id, study_id, NULL, name, NULL, retired, position FROM role WHERE study_id IN ({s}) "
    "UNION ALL SELECT 'grouped', count(n.observation_id), NULL, NULL, NULL, NULL, NULL, NULL FROM insight_note n "
    "JOIN insight i ON i.id = n.insight_id WHERE i.study_id IN ({s})",
    "SELECT study_id, visit_id, touchpoint_id, role_id, sum(notes), sum(pain), sum(delight) FROM journey_count "
    "WHERE study_id IN ({s}) AND notes > 0 AND (visit_id IN ({visits}) "
    "OR (visit_id = 0 AND participant_id IN ({people}))) "
    "GROUP BY study_id, visit_id, touchpoint_id, role_id",
    "SELECT i.study_id, i.id, i.statement, count(n.observation_id) AS c FROM insight i JOIN insight_note n "
    "ON n.insight_id = i.id WHERE i.study_id IN ({s}) AND EXISTS (SELECT o.id FROM observation o "
    "WHERE o.id = n.observation_id AND o.study_id IN ({s}) AND o.deleted_at IS NULL AND " + MINE +
    " LIMIT 1 OFFSET 0) GROUP BY i.study_id, i.id, i.statement ORDER BY c DESC, i.id LIMIT 20",
    "SELECT * FROM (SELECT o.id, o.study_id, o.kind, o.text, o.captured_at, o.touchpoint_id FROM observation o "
    "WHERE o.study_id IN ({s}) AND o.deleted_at IS NULL AND o.visit_id IS NULL "
    "AND o.participant_id IN ({people}) "
    "ORDER BY o.captured_at DESC, o.id LIMIT 12) AS on_no_visit UNION ALL "
    "SELECT * FROM (SELECT o.id, o.study_id, o.kind, o.text, o.captured_at, o.touchpoint_id FROM observation o "
    "WHERE o.study_id IN ({s}) AND o.deleted_at IS NULL AND o.visit_id IN ({newest}) "
    "ORDER BY o.captured_at DESC, o.id LIMIT 12) AS newest",
]


def timed(fn, runs=RUNS, warm=3):
    for _ in range(warm):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]


def one_account(study_id):
    """Re-point the visits of the first six organisations (12 visits) and their participants at one account."""
    visits = db.session.scalars(select(SiteVisit).where(SiteVisit.study_id == study_id)
                                .where(SiteVisit.organisation.in_(large.ORGANISATIONS[:6]))).all()
    assert len(visits) == 12, len(visits)
    for visit in visits:
        visit.organisation = ACCOUNT  # visits/linking.py links each to the study's account of that name
        for person in visit.participants:
            person.organisation = ACCOUNT
    db.session.commit()
    account = db.session.scalar(select(Organisation).where(Organisation.study_id == study_id,
                                                           Organisation.name == ACCOUNT))
    return account, [v.id for v in visits]


def group_insights(study_id, owner_id, visit_ids):
    mine = db.session.scalars(select(Observation.id).where(Observation.visit_id.in_(visit_ids))
                              .order_by(Observation.id).limit(400)).all()
    others = db.session.scalars(select(Observation.id).where(Observation.study_id == study_id,
                                                             Observation.visit_id.not_in(visit_ids))
                                .order_by(Observation.id).limit(400)).all()
    for i in range(40):
        create_insight(study_id, owner_id, f"Synthetic insight {i + 1}",
                       list(mine[i * 10:(i + 1) * 10]) + list(others[i * 10:(i + 1) * 10]))
    db.session.commit()


def raw_connection(url):
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return sqlite3.connect(parsed.database)
    import psycopg
    return psycopg.connect(host=parsed.host, port=parsed.port, user=parsed.username, dbname=parsed.database)


def raw_page(connection, statements, ids):
    cursor = connection.cursor()
    for statement in statements:
        cursor.execute(statement.format(**ids))
        cursor.fetchall()
    connection.rollback()


def main():
    url = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench secret key, not for production " * 2,
                      "MEDIA_ROOT": tempfile.mkdtemp(), "TESTING": True})
    with app.app_context():
        kept = KEEP and inspect(db.engine).has_table("study") and large.find_large_study(NOTES) is not None
        if not kept:
            db.drop_all()
            db.create_all()
    if not kept:
        result = app.test_cli_runner().invoke(args=["seed-demo", "--notes", str(NOTES)])
        assert result.exit_code == 0, (result.output, result.exception)
    with app.app_context():
        study = large.find_large_study(NOTES)
        study_id, owner = study.id, large.demo_users()["owner"]
        if kept:
            account = db.session.scalar(select(Organisation).where(Organisation.study_id == study_id,
                                                                   Organisation.name == ACCOUNT))
        else:
            account, visit_ids = one_account(study_id)
            group_insights(study_id, owner.id, visit_ids)
            db.session.execute(text("ANALYZE"))  # as autovacuum (PostgreSQL) or PRAGMA optimize would
            db.session.commit()
        account_id = account.id
        accounts_count = db.session.scalar(select(func.count()).select_from(Organisation))
        told = story.tell(*page_scope(study_id, account_id, owner.id))
        notes, visits = told.total.notes, len([m for m in told.moments if m.visit])
        def tell():  # as the page asks it
            return story.tell(*page_scope(study_id, account_id, owner.id))
        figures = {"story": timed(tell)}
        person_ids = [p.id for p, _, _ in told.people]
        # The same accounts, studies and visits the page reads: the demo study's namesake included.
        joined = [m.visit for m in told.moments if m.visit]
        newest = sorted(joined, key=lambda v: (v.visited_on, v.id))[-2:]
        ids = {"a": ",".join(str(a.id) for a, _ in told.accounts), "s": ",".join(str(s.id) for _, s in told.accounts),
               "visits": ",".join(str(v.id) for v in joined), "newest": ",".join(str(v.id) for v in newest),
               "people": ",".join(map(str, person_ids)) or "0"}
        db.session.remove()
    connection = raw_connection(url)
    figures = {"raw DB-API, from the notes": timed(lambda: raw_page(connection, RAW_FROM_NOTES, ids)),
               "raw DB-API, from the kept counts": timed(lambda: raw_page(connection, RAW_FROM_COUNTS, ids)),
               "raw DB-API, as the page asks": timed(lambda: raw_page(connection, RAW_AS_THE_PAGE_ASKS, ids)),
               **figures}
    connection.close()
    client = app.test_client()
    login = client.post("/login", data={"email": data.ACCOUNTS["owner"]["email"], "password": data.PASSWORD})
    assert login.status_code == 303, login.status_code
    page = f"/studies/{study_id}/accounts/{account_id}"
    assert client.get(page).status_code == 200
    figures["page"] = timed(lambda: client.get(page))
    # The study's accounts list and the merge tool's preview, at the same size (15 accounts).
    for name, path in (("accounts list", f"/studies/{study_id}/accounts"),
                       ("merge preview", f"/studies/{study_id}/accounts/merge")):
        assert client.get(path).status_code == 200, path
        figures[name] = timed(lambda: client.get(path))
    dialect = url.split(":")[0].split("+")[0]
    print(f"{dialect}: the account holds {notes:,} of the study's {NOTES:,} notes over {visits} visits; "
          f"{accounts_count} accounts in the database")
    print(f"machine: {platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f} at the end")
    for name, (p50, p95) in figures.items():
        print(f"| {dialect} | {name} | {p50:.1f} | {p95:.1f} |")


if __name__ == "__main__":
    main()
