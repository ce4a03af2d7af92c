"""The visit kit (issue 15): the interpretation screen for a big visit, and the study home with its
overdue-sessions panel over many visits; server time through Flask's test client, beside the same
questions asked in plain DB-API (sqlite3 / psycopg) in the same run.

    .venv/bin/python bench/fieldkit_bench.py                   # SQLite file in a temp dir
    .venv/bin/python bench/fieldkit_bench.py postgresql+psycopg://postgres@127.0.0.1:5432/fn_fieldkit_bench

The PostgreSQL database must exist; its tables are dropped and made again. The study has VISITS visits
(200, most long past and without a session: all overdue), and one visit with NOTES notes (300: a long
day's capture) from 6 participants, half of them marked with context in an open session. Each figure is
p50/p95 in ms over RUNS requests after warm-ups.
"""
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import make_url, text  # noqa: E402

from fieldnotes import create_app  # noqa: E402
from fieldnotes.extensions import db  # noqa: E402
from fieldnotes.fieldkit.models import InterpretationSession, Mark, NoteMark  # noqa: E402
from fieldnotes.visits.models import SiteVisit  # noqa: E402
from tests.factories import PASSWORD, make_observations, make_participant, make_study, make_user  # noqa: E402

VISITS = int(os.environ.get("BENCH_VISITS", 200))
NOTES = int(os.environ.get("BENCH_NOTES", 300))
RUNS = int(os.environ.get("BENCH_RUNS", 30))
MARKS = list(Mark)

# The screen's question, in SQL: the visit's live notes in capture order with their mark and context.
SCREEN_SQL = """SELECT o.id, o.kind, o.text, o.expected, o.participant_id, o.role_id, o.touchpoint_id, o.captured_at,
       m.mark, m.context
  FROM observation o LEFT JOIN note_mark m ON m.observation_id = o.id AND m.session_id = {p}
 WHERE o.visit_id = {p} AND o.deleted_at IS NULL ORDER BY o.captured_at, o.id"""
# The home panel's question: visits past their due day with no closed session.
OVERDUE_SQL = """SELECT v.id, v.visited_on, v.organisation, s.id FROM site_visit v
  LEFT JOIN interpretation_session s ON s.visit_id = v.id
 WHERE v.study_id = {p} AND v.visited_on <= {p} AND s.closed_at IS NULL ORDER BY v.visited_on, v.id"""


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


def seed():
    owner = make_user("owner@example.org", "Olu Owner")
    study = make_study(owner)
    today = date.today()
    visits = [SiteVisit(study_id=study.id, visited_on=today - timedelta(days=3 + i), organisation=f"Organisation {i}")
              for i in range(VISITS)]
    db.session.add_all(visits)
    db.session.commit()
    big = visits[0]
    people = [make_participant(study, [big], pseudonym=f"P{i}", role_id=study.roles[i % 6].id) for i in range(6)]
    notes = []
    for start in range(0, NOTES, 100):
        notes += make_observations(study, owner, [
            {"visit_id": big.id, "participant_id": people[n % 6].id, "kind": "breakdown",
             "text": f"Note {n}: re-keys the order total into the spreadsheet, then checks it twice by hand.",
             "touchpoint_id": study.touchpoints[n % 7].id, "role_id": study.roles[n % 6].id,
             "captured_at": f"2026-03-12T{9 + n // 60 % 10:02d}:{n % 60:02d}:00+00:00"}
            for n in range(start, min(start + 100, NOTES))])
    session = InterpretationSession(visit_id=big.id, study_id=study.id, started_by_id=owner.id)
    db.session.add(session)
    db.session.flush()
    db.session.add_all(NoteMark(session_id=session.id, observation_id=note.id, mark=MARKS[i % 3],
                                context="Her manager was in the room.") for i, note in enumerate(notes[::2]))
    db.session.commit()
    quiet = make_study(owner, name="No visits yet")  # the same page with no panel: what the panel adds
    return study.id, big.id, session.id, quiet.id


def floor(url, study_id, visit_id, session_id):
    """The same two questions in plain DB-API, rows fetched, nothing drawn."""
    cutoff = (date.today() - timedelta(days=3)).isoformat()
    if url.startswith("sqlite"):
        connection = sqlite3.connect(make_url(url).database)
        p = "?"
    else:
        import psycopg
        connection = psycopg.connect(make_url(url).set(drivername="postgresql").render_as_string(hide_password=False))
        p = "%s"
    screen, overdue = SCREEN_SQL.format(p=p), OVERDUE_SQL.format(p=p)

    def ask(sql, params):
        cursor = connection.cursor()
        cursor.execute(sql, params)
        return cursor.fetchall()
    assert len(ask(screen, (session_id, visit_id))) == NOTES
    figures = {"screen rows (DB-API floor)": timed(lambda: ask(screen, (session_id, visit_id))),
               "overdue rows (DB-API floor)": timed(lambda: ask(overdue, (study_id, cutoff)))}
    connection.close()
    return figures


def main():
    url = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench secret key, not for production " * 2,
                      "MEDIA_ROOT": tempfile.mkdtemp(), "TESTING": True, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        study_id, visit_id, session_id, quiet_id = seed()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        db.session.remove()
    client = app.test_client()
    assert client.post("/login", data={"email": "owner@example.org", "password": PASSWORD}).status_code == 303
    screen_url = f"/studies/{study_id}/visits/{visit_id}/interpretation"
    home_url = f"/studies/{study_id}"
    screen = client.get(screen_url).text
    assert screen.count('class="session-note"') == NOTES, "every note on the screen"
    home = client.get(home_url).text
    assert home.count("no session yet") == 10 and f"And {VISITS - 10} more" in home  # the ten oldest shown

    def get(path):
        response = client.get(path)
        assert response.status_code == 200
        return response
    figures = {f"interpretation screen, {NOTES} notes": timed(lambda: get(screen_url)),
               f"study home, {VISITS} overdue visits": timed(lambda: get(home_url)),
               "study home, no visits (no panel)": timed(lambda: get(f"/studies/{quiet_id}")),
               **floor(url, study_id, visit_id, session_id)}
    dialect = url.split(":")[0].split("+")[0]
    print(f"{dialect}: {VISITS} visits, one with {NOTES} notes (half marked), {RUNS} runs")
    print(f"machine: {platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f} at the end")
    for name, (p50, p95) in figures.items():
        print(f"| {dialect} | {name} | {p50:.1f} | {p95:.1f} |")


if __name__ == "__main__":
    main()
