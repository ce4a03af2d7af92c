"""The live load run (issue 16): phones placing cards, screens following the wall, a worker killed.

    .venv/bin/python bench/live_load.py postgresql+psycopg://postgres@127.0.0.1:5432/fieldnotes_live_bench
    make bench-live DB=postgresql+psycopg://postgres@127.0.0.1:5432/fieldnotes_live_bench

The database must exist; its tables are dropped and made again. The app runs under gunicorn as the
README deploys it (gunicorn.conf.py: gthread), 2 workers (1 on SQLite, whose streams live in one
process). The study is `flask seed-demo --notes 600` (the demo sentence bank) with 10 insights; each
phone is its own signed-in designer with a hand of 20 notes.

Phases, one gunicorn for all (3b, the same load with no screen open, unless --no-baseline):
1. floor: the transport alone, in this process: a NOTIFY on one psycopg connection heard on another
   (PostgreSQL), or a sqlite3 commit then a threading.Event set and woken (SQLite); p50/p95.
2. pages without streams: GET of the affinity workspace page, PAGE_VIEWS times, p50/p95.
3. pages with SCREENS (30) streams open, nothing moving: the same.
4. the load: PHONES (30) phones each placing a card (moving one of their notes to a random insight
   through the workspace's move API) every EVERY (2) s for SECONDS (60) s; a 31st client views the page
   every second. Move-to-every-screen latency: from the phone sending its move to each screen
   receiving an id at or past the move's change number (the stream sends the counter; a screen that
   got a later one has the move); p50/p95 over every (move, screen) pair, and of the last screen per
   move. Errors: moves not answered 2xx, and stream refusals. Server memory: RSS of gunicorn's master
   and workers, before the streams, with them open, and the most during the load.
5. with --kill-at S (default 30; 0 for none): at S seconds into the load one worker holding streams
   is killed with SIGKILL. Its screens reconnect (Last-Event-ID) to the other; gunicorn starts a new one.
   Moves in flight to it fail (counted apart). At the end every screen must show the database's counter.

The moves: `--moves affinity` (default) moves a note into an insight through the workspace's API;
`--moves workshop` places a phone's next card into a group on a workshop's wall through the workshop's
API (bench/workshop_hook.py), and the screens follow the workshop's stream.
"""
import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

TREE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TREE))

from bench.live_load_measures import p50_p95, page_views, report, run_load, transport_floor  # noqa: E402
from bench.live_load_world import MOVERS, PASSWORD, make_world, workshop_seq  # noqa: E402
from fieldnotes.extensions import db  # noqa: E402
from fieldnotes.insights.oplog import counter  # noqa: E402
from tests.live_support import (Screen, connections_by_worker, rss_kb, sign_in, start_gunicorn,  # noqa: E402
                                stop_gunicorn, workers_of)

PAGE_VIEWS = int(os.environ.get("BENCH_PAGE_VIEWS", 60))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("url", help="a PostgreSQL URL (the run's point) or sqlite:///path")
    parser.add_argument("--phones", type=int, default=30)
    parser.add_argument("--screens", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--every", type=float, default=2.0)
    parser.add_argument("--kill-at", type=float, default=30, help="seconds into the second load; 0: no kill run")
    parser.add_argument("--moves", choices=sorted(MOVERS), default="affinity")
    parser.add_argument("--no-baseline", dest="baseline", action="store_false",
                        help="skip the load with no screens open")
    args = parser.parse_args()
    mover = MOVERS[args.moves]
    workdir = tempfile.mkdtemp(prefix="live-load-")
    sqlite = args.url.startswith("sqlite")

    app, world = make_world(args.url, args.phones)
    if args.moves == "workshop":
        from bench.workshop_hook import live_load_movers
        mover = live_load_movers(app, world)
    floor_name, (f50, f95) = transport_floor(args.url)
    process, port = start_gunicorn(args.url, workdir, workers=1 if sqlite else 2,
                                   threads=int(os.environ.get("FIELDNOTES_THREADS", "256")))
    screens = []
    try:
        master = process.pid
        cookies = [sign_in(port, email, PASSWORD) for email in world["people"]]
        world["viewer_cookie"] = sign_in(port, world["people"][0], PASSWORD)  # the page viewer's own session
        page = f"/studies/{world['study']}/affinity"
        page_views(port, world["viewer_cookie"], page, 5)  # warm both workers' caches
        rss_before = rss_kb([master, *workers_of(master)])
        quiet, quiet_failures = page_views(port, world["viewer_cookie"], page, PAGE_VIEWS)
        results = []
        if args.baseline:  # the same load with no screen open: what the streams add to moves and pages
            result = run_load(port, master, world, mover, cookies, [], args, 0)
            results.append(("load, no screens open", result, result["final"]))

        screens = [Screen(port, mover[2](world), cookies[i % len(cookies)], read_timeout=40)
                   for i in range(args.screens)]
        for screen in screens:
            screen.start()
        assert all(screen.wait_connected(timeout=30) for screen in screens), "screens did not connect"
        time.sleep(1)
        rss_streams = rss_kb([master, *workers_of(master)])
        streaming, streaming_failures = page_views(port, world["viewer_cookie"], page, PAGE_VIEWS)
        held = connections_by_worker(master, port)

        runs = [("load", 0)] + ([("load with a worker killed", args.kill_at)] if args.kill_at else [])
        for label, kill_at in runs:
            result = run_load(port, master, world, mover, cookies, screens, args, kill_at)
            with app.app_context():
                db_counter = (workshop_seq(world["workshop"]) if args.moves == "workshop"
                              else counter(world["study"]))
                db.session.remove()
            results.append((label, result, db_counter))
        for screen in screens:
            screen.stop()
        time.sleep(1)
        closed, closed_failures = page_views(port, world["viewer_cookie"], page, PAGE_VIEWS)
    finally:
        for screen in screens:
            screen.stop()
        stop_gunicorn(process)

    dialect = "sqlite" if sqlite else "postgresql"
    print(f"## live load, {dialect}: {args.phones} phones x 1 card / {args.every:g} s x {args.seconds:g} s, "
          f"{args.screens} screens, gunicorn {1 if sqlite else 2} workers (gthread), moves: {args.moves}")
    print(f"machine: {platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f} at the end")
    print(f"- floor ({floor_name}): p50 {f50:.2f} ms, p95 {f95:.2f} ms")
    q50, q95 = p50_p95(quiet)
    s50, s95 = p50_p95(streaming)
    print(f"- page {page}, {PAGE_VIEWS} views, no streams: p50 {q50:.0f} ms, p95 {q95:.0f} ms "
          f"({quiet_failures} failed)")
    print(f"- the same with {args.screens} streams open: p50 {s50:.0f} ms, p95 {s95:.0f} ms "
          f"({streaming_failures} failed); streams per worker {sorted(held.values())}")
    c50, c95 = p50_p95(closed)
    print(f"- the same after the loads, the streams closed: p50 {c50:.0f} ms, p95 {c95:.0f} ms "
          f"({closed_failures} failed)")
    print(f"- server RSS (master + workers): {rss_before / 1024:.0f} MB before the streams, "
          f"{rss_streams / 1024:.0f} MB with {args.screens} open")
    print(f"- stream refusals: {sum(len(s.refusals) for s in screens)}")
    for label, result, db_counter in results:
        report(label, result, [] if "no screens" in label else screens, db_counter, args.seconds)
    print(json.dumps({"args": vars(args)}))


if __name__ == "__main__":
    main()
