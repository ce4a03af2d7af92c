"""Suggested groups for 5,000 ungrouped notes, and breadth for 500 insights (issue 5).

    .venv/bin/python bench/insights_bench.py                  # SQLite file in a temp dir
    .venv/bin/python bench/insights_bench.py postgresql+psycopg://postgres@127.0.0.1:5432/fieldnotes_insights_bench

The PostgreSQL database must exist; its tables are dropped and made again. The notes come from
`flask seed-demo --notes 5000` (texts from the demo sentence bank). Figures:
- suggestions: suggest.suggestions() over every ungrouped note (read, TF-IDF, cluster, dismissals),
  wall time per run, and memory: tracemalloc's peak for the call and the process's peak RSS;
- breadth: breadth() for 500 insights (50 themes of 9 insights, 10 notes each), p50/p95;
- tree: the workspace's right column (board.tree: insights, their notes, breadth), p50/p95;
- page: GET /studies/<id>/affinity through the test client (server time), p50/p95.
"""
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select, text  # noqa: E402

from fieldnotes import create_app  # noqa: E402
from fieldnotes.demo import data, large  # noqa: E402
from fieldnotes.extensions import db  # noqa: E402
from fieldnotes.insights import board, suggest  # noqa: E402
from fieldnotes.insights.breadth import breadth  # noqa: E402
from fieldnotes.insights.models import Insight, InsightNote  # noqa: E402
from fieldnotes.observations.models import Observation  # noqa: E402

NOTES = int(os.environ.get("BENCH_NOTES", 5_000))
RUNS = int(os.environ.get("BENCH_RUNS", 30))
THEMES, PER_THEME, NOTES_EACH = 50, 9, 10  # 50 + 450 = 500 insights


def timed(fn, runs=RUNS, warm=2):
    for _ in range(warm):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]


def reset_peak_rss():
    """Linux: start the process's peak-RSS mark (VmHWM) afresh, so it measures only what follows."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def peak_rss_mb():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM")) / 1024


def measure_suggestions(study_id, runs=3):
    results = []
    for _ in range(runs):
        db.session.expunge_all()
        reset_peak_rss()
        start = time.perf_counter()
        suggest.suggestions(study_id)
        seconds, rss = time.perf_counter() - start, peak_rss_mb()
        tracemalloc.start()
        start = time.perf_counter()
        found = suggest.suggestions(study_id)  # again, under tracemalloc (slower): the Python heap it needs
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        results.append((seconds, rss, peak, len(found)))
    return results


def make_insights(study_id, user_id):
    """500 insights in 50 themes, each leaf with 10 notes: bulk inserts, as a team's months of work."""
    note_ids = db.session.scalars(select(Observation.id).where(Observation.study_id == study_id)
                                  .order_by(Observation.seq)).all()
    ids, cursor = [], 0
    for t in range(THEMES):
        theme = Insight(study_id=study_id, statement=f"Theme {t}", position=t + 1, created_by=user_id)
        db.session.add(theme)
        db.session.flush()
        ids.append(theme.id)
        for i in range(PER_THEME):
            leaf = Insight(study_id=study_id, parent_id=theme.id, statement=f"Insight {t}.{i}", position=i + 1,
                           created_by=user_id)
            db.session.add(leaf)
            db.session.flush()
            ids.append(leaf.id)
            chunk = note_ids[cursor:cursor + NOTES_EACH]
            cursor += NOTES_EACH
            if chunk:
                db.session.execute(insert(InsightNote), [
                    {"observation_id": n, "insight_id": leaf.id, "position": p} for p, n in enumerate(chunk)])
    db.session.commit()
    return ids


def main():
    url = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench secret key, not for production " * 2,
                      "MEDIA_ROOT": tempfile.mkdtemp(), "TESTING": True})
    with app.app_context():
        db.drop_all()
        db.create_all()
    result = app.test_cli_runner().invoke(args=["seed-demo", "--notes", str(NOTES)])
    assert result.exit_code == 0, (result.output, result.exception)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        study = large.find_large_study(NOTES)
        study_id, owner_id = study.id, study.memberships[0].user_id
        ungrouped = len(suggest.ungrouped_notes(study_id))
        runs = measure_suggestions(study_id)
        ids = make_insights(study_id, owner_id)
        widths = breadth(ids)
        assert len(widths) == 500 and sum(widths[i].notes for i in ids[::PER_THEME + 1]) == 4_500
        figures = {"breadth, 500 insights": timed(lambda: breadth(ids)),
                   "tree (right column)": timed(lambda: board.tree(study_id), runs=10)}
        db.session.remove()
    client = app.test_client()
    login = client.post("/login", data={"email": data.ACCOUNTS["designer"]["email"], "password": data.PASSWORD})
    assert login.status_code == 303
    page = f"/studies/{study_id}/affinity"
    assert client.get(page).status_code == 200
    figures["GET /affinity (500 insights)"] = timed(lambda: client.get(page), runs=10)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    dialect = url.split(":")[0].split("+")[0]
    print(f"{dialect}: {ungrouped:,} ungrouped notes")
    print(f"machine: {platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f} at the end")
    for seconds, peak_rss, peak, count in runs:
        print(f"| {dialect} | suggestions | {seconds:.2f} s | peak RSS during the call {peak_rss:.0f} MB | "
              f"Python heap peak {peak:.0f} MB | {count} proposals |")
    print(f"| {dialect} | process peak RSS (whole run, incl. seeding) | {rss:.0f} MB |")
    for name, (p50, p95) in figures.items():
        print(f"| {dialect} | {name} | {p50:.1f} | {p95:.1f} |")


if __name__ == "__main__":
    main()
