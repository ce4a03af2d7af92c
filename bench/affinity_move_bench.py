"""An affinity move on a 300-note board, in process (issue 16, session 7: a move answers small).

    .venv/bin/python bench/affinity_move_bench.py [postgresql-url]     # SQLite file in a temp dir by default

The PostgreSQL database must exist; its tables are dropped and made again. The study is
`flask seed-demo --notes 600` with 10 insights holding 300 of its notes (30 each), as in the live load
run. Each timed move takes one grouped note into another insight through the test client (sign-in,
checks, the move, its answer), round robin over the 300. Figures, ms p50 / p95 and bytes:
- move: POST .../insights/move-notes, the whole request, and the bytes of its answer;
- move service + commit: service.move_notes and the commit alone (no answer);
- board JSON: what a move answered before this session (api.state: the tree, breadth, counter);
- other screen: what another screen reads after a poke, `GET .../insights/changes?since=<one before>`;
- fragment: `GET /studies/<id>/affinity?fragment=1`, the whole workspace's HTML (the script's full read).
"""
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select, text  # noqa: E402

from fieldnotes import create_app  # noqa: E402
from fieldnotes.demo import data, large  # noqa: E402
from fieldnotes.extensions import db  # noqa: E402
from fieldnotes.insights import api, service  # noqa: E402
from fieldnotes.insights.oplog import counter  # noqa: E402
from fieldnotes.observations.models import Observation  # noqa: E402

NOTES, INSIGHTS, GROUPED = 600, 10, 300
RUNS = int(os.environ.get("BENCH_RUNS", 60))


def p50_p95(times):
    times = sorted(times)
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]


def set_up(url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench secret key, not for production " * 2,
                      "MEDIA_ROOT": tempfile.mkdtemp(), "TESTING": True,
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        db.drop_all()
        db.create_all()
    result = app.test_cli_runner().invoke(args=["seed-demo", "--notes", str(NOTES)])
    assert result.exit_code == 0, (result.output, result.exception)
    with app.app_context():
        study = large.find_large_study(NOTES)
        study_id, owner = study.id, study.memberships[0].user
        notes = list(db.session.scalars(select(Observation.id).where(Observation.study_id == study_id)
                                        .order_by(Observation.seq).limit(GROUPED)))
        per = GROUPED // INSIGHTS
        insights = [service.create_insight(study_id, owner.id, f"Insight {i}: what the wall says",
                                           notes[i * per:(i + 1) * per]).id for i in range(INSIGHTS)]
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        email = owner.email
        db.session.remove()
    return app, study_id, insights, [str(n) for n in notes], email


def sign_in(app, email):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": data.PASSWORD})
    assert response.status_code in (302, 303), response.status_code
    return client


def timed(fn, runs=RUNS):
    times = []
    for index in range(runs):
        start = time.perf_counter()
        fn(index)
        times.append((time.perf_counter() - start) * 1000)
    return p50_p95(times)


def main():
    url = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite"
    app, study_id, insights, notes, email = set_up(url)
    client = sign_in(app, email)
    base = f"/api/studies/{study_id}/insights"
    sizes = []

    def http_move(index):
        answer = client.post(f"{base}/move-notes", json={"note_ids": [notes[index * 7 % GROUPED]],
                                                          "target_id": insights[index % INSIGHTS]})
        assert answer.status_code == 200, answer.get_data(as_text=True)
        sizes.append(len(answer.get_data()))

    def service_move(index):
        with app.app_context():
            service.move_notes(study_id, None, [notes[index * 11 % GROUPED]], insights[(index + 3) % INSIGHTS])
            db.session.commit()

    def board_json(index):
        with app.test_request_context():
            api.state(study_id)

    reads = []

    def other_screen(index):
        with app.app_context():
            since = counter(study_id) - 1
        answer = client.get(f"{base}/changes?since={since}")
        assert answer.status_code == 200
        reads.append(len(answer.get_data()))

    fragments = []

    def fragment(index):
        answer = client.get(f"/studies/{study_id}/affinity?fragment=1")
        assert answer.status_code == 200
        fragments.append(len(answer.get_data()))

    for fn in (http_move, service_move, board_json, other_screen, fragment):
        fn(0)  # warm
    sizes.clear(), reads.clear(), fragments.clear()
    load = os.getloadavg()
    rows = [("move: POST move-notes (whole request)", timed(http_move), statistics.median(sizes)),
            ("move service + commit", timed(service_move), None),
            ("board JSON (api.state)", timed(board_json), None),
            ("other screen: GET changes?since=n-1", timed(other_screen), statistics.median(reads)),
            ("fragment: GET affinity?fragment=1", timed(fragment, max(10, RUNS // 3)), statistics.median(fragments))]
    print(f"# {url.split(':')[0]}, {platform.python_version()}, "
          f"load average before {load[0]:.1f}, after {os.getloadavg()[0]:.1f}, runs {RUNS}")
    print("| what | p50 ms | p95 ms | bytes (median) |\n|---|---|---|---|")
    for name, (p50, p95), size in rows:
        print(f"| {name} | {p50:.2f} | {p95:.2f} | {'' if size is None else f'{size:,.0f}'} |")


if __name__ == "__main__":
    main()
