"""The live load run's measures (bench/live_load.py): the transport's floor, page views, phones placing
cards, the latency from each move to each screen, the server's memory, and the report of one load."""
import bisect
import http.client
import os
import signal
import statistics
import tempfile
import threading
import time
from pathlib import Path

from tests.live_support import connections_by_worker, rss_kb, workers_of


def percentile(values, share):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def p50_p95(values):
    return (statistics.median(values) if values else float("nan")), percentile(values, 0.95)


def transport_floor(url, rounds=200):
    """What the poke costs with nothing of the app around it: ms per round trip, p50/p95."""
    times = []
    if url.startswith("postgresql"):
        import psycopg
        from sqlalchemy import make_url
        conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(conninfo, autocommit=True) as listener, psycopg.connect(conninfo) as writer:
            listener.execute("LISTEN bench_floor")
            for i in range(rounds):
                began = time.perf_counter()
                writer.execute("SELECT pg_notify('bench_floor', %s)", (str(i),))
                writer.commit()
                next(listener.notifies(timeout=5, stop_after=1))
                times.append((time.perf_counter() - began) * 1000)
        return "psycopg NOTIFY, commit, heard on a LISTEN connection", p50_p95(times)
    import sqlite3
    path = Path(tempfile.mkdtemp()) / "floor.sqlite"
    connection = sqlite3.connect(path, check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE counter (n INTEGER)")
    connection.execute("INSERT INTO counter VALUES (0)")
    connection.commit()
    woken, done = threading.Event(), threading.Event()

    def waiter():
        while not done.is_set():
            if woken.wait(1):
                woken.clear()
                heard.set()
    heard = threading.Event()
    threading.Thread(target=waiter, daemon=True).start()
    for _ in range(rounds):
        began = time.perf_counter()
        connection.execute("UPDATE counter SET n = n + 1")
        connection.commit()
        woken.set()
        heard.wait(5)
        heard.clear()
        times.append((time.perf_counter() - began) * 1000)
    done.set()
    return "sqlite3 UPDATE, commit, a threading.Event woken", p50_p95(times)


def page_views(port, cookie, path, count):
    """ms per GET of the page, one client, keep-alive."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    times, failures = [], 0
    for _ in range(count):
        began = time.perf_counter()
        connection.request("GET", path, headers={"Cookie": cookie})
        response = connection.getresponse()
        response.read()
        times.append((time.perf_counter() - began) * 1000)
        failures += response.status != 200
    connection.close()
    return times, failures


class Phone(threading.Thread):
    def __init__(self, port, cookie, world, mover, index, every, until, began):
        super().__init__(daemon=True)
        prepare, self.make_move, _ = mover
        self.port, self.cookie, self.world, self.every, self.until = port, cookie, world, every, until
        self.hand = prepare(world, index)
        self.start_at = began + (index / 30) * every  # spread over the first interval, as people are
        self.moves, self.failures = [], []  # (sent at, counter); (when, what)
        self.answers = []  # ms from sending a move to its answer
        self.answered = []  # (answered at, counter): the live path alone is measured from here

    def run(self):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        next_at = self.start_at
        while True:
            time.sleep(max(0.0, next_at - time.monotonic()))
            if time.monotonic() >= self.until:
                break
            sent = time.monotonic()
            try:
                status, seq = self.make_move(connection, self.port, self.cookie, self.world, self.hand)
            except (OSError, http.client.HTTPException) as problem:
                self.failures.append((sent, type(problem).__name__))
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            else:
                if 200 <= status < 300 and seq is not None:
                    answered = time.monotonic()
                    self.moves.append((sent, seq))
                    self.answered.append((answered, seq))
                    self.answers.append((answered - sent) * 1000)
                else:
                    self.failures.append((sent, status))
            next_at += self.every
        connection.close()


def latencies(moves, screens):
    """ms from each move's sending to each screen's first id at or past its change number."""
    pairs, last_screen, missing = [], [], 0
    arrivals = [([seq for seq, _ in s.arrivals], [at for _, at in s.arrivals]) for s in screens]
    for sent, seq in moves:
        worst = 0.0
        for seqs, times in arrivals:
            index = bisect.bisect_left(seqs, seq)
            if index == len(seqs):
                missing += 1
                continue
            delay = (times[index] - sent) * 1000
            pairs.append(delay)
            worst = max(worst, delay)
        last_screen.append(worst)
    return pairs, last_screen, missing


class MemoryWatch(threading.Thread):
    def __init__(self, master):
        super().__init__(daemon=True)
        self.master, self.most, self.stopping = master, 0, threading.Event()

    def run(self):
        while not self.stopping.wait(1):
            self.most = max(self.most, rss_kb([self.master, *workers_of(self.master)]))


def run_load(port, master, world, mover, cookies, screens, args, kill_at):
    """One load: PHONES phones for SECONDS; a page viewer beside; maybe a worker killed."""
    began = time.monotonic()
    until = began + args.seconds
    phones = [Phone(port, cookies[i], world, mover, i, args.every, until, began) for i in range(args.phones)]
    watch = MemoryWatch(master)
    watch.start()
    for phone in phones:
        phone.start()
    page_times, page_failures, killed = [], 0, None
    viewer = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    page = f"/studies/{world['study']}/affinity"
    while time.monotonic() < until:
        if kill_at and killed is None and time.monotonic() - began >= kill_at:
            held = connections_by_worker(master, port)
            killed = (max(held, key=held.get), dict(held), time.monotonic() - began)
            os.kill(killed[0], signal.SIGKILL)
        started = time.perf_counter()
        try:
            viewer.request("GET", page, headers={"Cookie": world["viewer_cookie"]})
            response = viewer.getresponse()
            response.read()
            page_times.append((time.perf_counter() - started) * 1000)
            page_failures += response.status != 200
        except (OSError, http.client.HTTPException):
            page_failures += 1
            viewer.close()
            viewer = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        time.sleep(1)
    for phone in phones:
        phone.join(35)
    viewer.close()
    moves = sorted(m for phone in phones for m in phone.moves)
    failures = [f for phone in phones for f in phone.failures]
    final = max((seq for _, seq in moves), default=0)
    converged = all(screen.wait_for(final, timeout=20) for screen in screens)
    watch.stopping.set()
    return {"moves": moves, "failures": failures, "final": final, "converged": converged,
            "answered": sorted(m for phone in phones for m in phone.answered),
            "answers": [a for phone in phones for a in phone.answers], "lasts": sorted({s.last for s in screens}),
            "page": page_times, "page_failures": page_failures, "rss_most": watch.most, "killed": killed}


def report(label, result, screens, db_counter, seconds):
    pairs, last, missing = latencies(result["moves"], screens)
    p50, p95 = p50_p95(pairs)
    l50, l95 = p50_p95(last)
    g50, g95 = p50_p95(result["page"])
    print(f"\n### {label}")
    print(f"- moves answered: {len(result['moves'])} ({len(result['moves']) / seconds:.1f}/s); "
          f"failed: {len(result['failures'])} {sorted({str(f[1]) for f in result['failures']})}")
    after, _, _ = latencies(result["answered"], screens)
    if screens:
        e50, e95 = p50_p95(after)
        print(f"- each screen, from the mover's own answer (the live path alone: poke, read, send; "
              f"negative when the screen was first): p50 {e50:.0f} ms, p95 {e95:.0f} ms")
        print(f"- move to every screen: p50 {p50:.0f} ms, p95 {p95:.0f} ms over {len(pairs)} (move, screen) pairs; "
              f"the last screen per move p50 {l50:.0f} ms, p95 {l95:.0f} ms; never seen: {missing}")
    a50, a95 = p50_p95(result["answers"])
    print(f"- the move's own answer (sent to answered, what the move changed, as JSON): p50 {a50:.0f} ms, p95 {a95:.0f} ms")
    print(f"- page during the load: p50 {g50:.0f} ms, p95 {g95:.0f} ms ({len(result['page'])} views, "
          f"{result['page_failures']} failed)")
    print(f"- server RSS, most during the load: {result['rss_most'] / 1024:.0f} MB")
    if result["killed"]:
        pid, held, at = result["killed"]
        print(f"- killed worker {pid} at {at:.0f} s, holding {held[pid]} of {sum(held.values())} connections; "
              f"screens' drops: {sum(s.drops for s in screens)}")
    if screens:
        print(f"- converged: {result['converged']}: every screen's last id "
              f"{result['lasts']} vs the database's counter {db_counter}")
    return p95

