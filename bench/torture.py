"""The sync torture run (issue 9): many phones, replays, the app killed with SIGKILL; 0 lost, 0 duplicated, 0 missed.

    make torture                                    # SQLite file in a temp dir
    make torture DB=postgresql+psycopg://postgres@127.0.0.1:5432/fieldnotes_torture
    .venv/bin/python bench/torture.py [DATABASE_URL] [--devices 20] [--notes 250] [--kills 5]
                                      [--seed 1] [--time-limit 900]

A benchmark, not a test: it takes minutes and a whole machine. The PostgreSQL
database must exist; its tables are dropped and made again.

What it does:
- makes a study with one researcher account per device (and an owner who pulls);
- starts the real app in its own process on 127.0.0.1 (gunicorn when it is
  installed, else `flask run`), production settings, a fixed secret key so
  sessions outlive a restart;
- runs the devices as threads speaking plain HTTP (urllib): each signs in as its
  own researcher and pushes its notes in batches of random size, resends some
  batches it already had answered and mixes answered mutations into new batches,
  and pulls with its cursor now and then; whatever is not answered (connection
  refused or cut, 5xx) is sent again until every mutation has a final answer;
- kills the app's whole process group with SIGKILL when the devices' answered
  mutations pass evenly spaced marks, and starts it again on the same port;
- then checks on the database and by pulling: every device's notes are stored
  exactly once (0 lost, 0 duplicated) with its text and author as sent, every note has its own change number,
  and a puller from cursor 0 and each device's incremental pulls saw every note
  exactly once (0 missed, 0 seen twice).
Exit status 1 on any loss, duplicate, miss, wrong answer, or a device that did
not finish in the time limit.

It also prints the answered pushes' latency (p50, p95, max), split by what a batch held (only mutations
never answered, answered ones mixed in, or a replay of an answered batch) and by when it began (the
run's first second, when the app's workers and database connections start cold and every phone pushes
at once, or after), with the ten slowest: with --notes 100 a run lasts 2-4 s and its p95 rests on
the slowest seven pushes, mostly the first second's; --notes 500 gives a steadier figure.
"""
import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from importlib.util import find_spec
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from fieldnotes import create_app  # noqa: E402
from fieldnotes.auth.models import User  # noqa: E402
from fieldnotes.extensions import db  # noqa: E402
from fieldnotes.observations.models import Observation  # noqa: E402
from fieldnotes.studies.defaults import Audience  # noqa: E402
from fieldnotes.studies.models import Membership  # noqa: E402
from fieldnotes.studies.permissions import StudyRole  # noqa: E402
from fieldnotes.studies.service import create_study  # noqa: E402
from torture_app import SECRET_KEY, AppServer, free_port  # noqa: E402
from torture_phones import PASSWORD, Device, Phone, device_email  # noqa: E402



# --- the database: a study, its researchers ------------------------------------------------------

def prepare_database(url, devices):
    """Empty the database, make the tables (from the models, as the tests do), a study and its accounts.

    Passwords are hashed with a cheap pbkdf2 here (the server checks whatever method a
    hash names): 21 scrypt hashes would only slow the set-up.
    """
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY,
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        owner = make_account("owner@torture.example", "Torture Owner")
        study = create_study(owner, "Torture run", Audience.CUSTOMER)
        for index in range(devices):
            user = make_account(device_email(index), f"Phone {index:02d}")
            db.session.add(Membership(study=study, user=user, role=StudyRole.RESEARCHER))
        db.session.commit()
        study_id = study.id
        db.engine.dispose()
    return study_id


def make_account(email, name):
    user = User(email=email, name=name)
    user.set_password(PASSWORD)
    db.session.add(user)
    db.session.flush()
    return user


# --- the run: devices, the killer, the verdict ---------------------------------------------------

class Run:
    """What the devices share: where the app is, the progress the killer watches, the deadline."""

    def __init__(self, args, study_id, base):
        self.seed, self.notes, self.study_id, self.base = args.seed, args.notes, study_id, base
        self.total = args.devices * args.notes
        self.deadline = time.monotonic() + args.time_limit
        self.answered = 0
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        self.done_devices, self.devices = 0, args.devices

    def progress(self):
        with self.changed:
            self.answered += 1
            self.changed.notify_all()

    def wait_for_devices(self):
        """The final pulls wait until every device has finished pushing (or the time is up)."""
        with self.changed:
            self.done_devices += 1
            self.changed.notify_all()
            self.changed.wait_for(lambda: self.done_devices >= self.devices,
                                  timeout=max(0.0, self.deadline - time.monotonic()))

    def wait_for_answered(self, count):
        with self.changed:
            return self.changed.wait_for(lambda: self.answered >= count or self.done_devices >= self.devices,
                                         timeout=max(0.0, self.deadline - time.monotonic()))


def kill_and_restart(run, server, kills, rng, log):
    """SIGKILL the app when the answered mutations pass each mark, then start it on the same port."""
    for k in range(1, kills + 1):
        mark = run.total * k // (kills + 1)
        run.wait_for_answered(mark)
        time.sleep(rng.uniform(0, 0.5))  # so the kill lands in the middle of requests, not between them
        with run.lock:
            if run.done_devices >= run.devices:
                return
            answered = run.answered
        server.kill()
        down = rng.uniform(0.3, 2.0)
        log.append(f"kill -9 #{k} at {answered} of {run.total} answered; down {down:.1f} s")
        print(log[-1], flush=True)
        time.sleep(down)
        server.start()


def verify_database(url, study_id, devices):
    """What the server holds: each device's notes exactly once, one change number per note."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY})
    with app.app_context():
        rows = db.session.execute(select(Observation.id, Observation.text, Observation.seq, User.email)
                                  .join(User, User.id == Observation.author_id)
                                  .where(Observation.study_id == study_id)).all()
        stored = db.session.scalar(select(func.count()).select_from(Observation))
        db.engine.dispose()
    texts = Counter(row.text for row in rows)
    found = {str(row.id): row for row in rows}
    expected = {m["entity_id"]: (m["data"]["text"], d.email) for d in devices for m in d.outbox}
    return {"notes stored": stored, "notes expected": len(expected),
            "lost": sum(1 for note_id in expected if note_id not in found),
            "duplicated": sum(n - 1 for n in texts.values() if n > 1),
            "unexpected": len(found.keys() - expected.keys()),
            "changed on the way": sum(1 for note_id, (text, email) in expected.items() if note_id in found
                                      and (found[note_id].text, found[note_id].email) != (text, email)),
            "change numbers shared": len(rows) - len({row.seq for row in rows})}


def verify_pulls(run, devices, expected):
    """A fresh puller from cursor 0 (the owner), and each device's own incremental pulls."""
    owner = Phone(run, "owner@torture.example", run.seed)
    owner.sign_in()
    owner.pull_all()
    report = {"puller from 0": seen_report(owner.seen, expected)}
    worst = {"missed": 0, "seen twice": 0, "unexpected": 0}
    for device in devices:
        for key, value in seen_report(device.seen, expected).items():
            worst[key] = max(worst[key], value)
    report["devices' incremental pulls (worst device)"] = worst
    return report


def seen_report(seen, expected):
    return {"missed": sum(1 for note_id in expected if seen[note_id] == 0),
            "seen twice": sum(1 for note_id in expected if seen[note_id] > 1),
            "unexpected": sum(1 for note_id in seen if note_id not in expected)}


def percentile(values, q):
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def latency_breakdown(pushes):
    """Where the slow pushes are: by what the batch held, and in the first second (the app's workers and
    database connections start cold, and every phone pushes at once) or after."""
    def line(what, some):
        ms = [push[0] for push in some]
        return (f"{what} ({len(some)}, {statistics.mean(push[2] for push in some):.0f} mutations on average): "
                f"p50 {percentile(ms, 50):.0f} ms, p95 {percentile(ms, 95):.0f} ms, max {max(ms):.0f} ms")
    kinds = {"new": "new batches", "mixed": "batches with answered mutations mixed in", "replay": "replayed batches"}
    lines = [line(what, [p for p in pushes if p[1] == kind]) for kind, what in kinds.items()
             if any(p[1] == kind for p in pushes)]
    start = min(push[3] for push in pushes)
    for what, first in (("begun in the first second", True), ("begun after it", False)):
        some = [p for p in pushes if (p[3] - start < 1) == first]
        if some:
            lines.append(line(f"pushes {what}", some))
    slowest = sorted(pushes, reverse=True)[:10]
    lines.append("the slowest: " + ", ".join(f"{ms:.0f} ms ({kind}, {size}, at {began - start:.1f} s)"
                                             for ms, kind, size, began in slowest))
    return lines


def print_summary(args, url, devices, kills, database, pulls, seconds):
    pushes = [(s * 1000, kind, size, began) for d in devices for s, kind, size, began in d.latencies]
    latencies = [push[0] for push in pushes]
    stats = sum((d.stats for d in devices), Counter())
    backend = url.split(":", 1)[0]
    server = "gunicorn" if find_spec("gunicorn") else "flask run (werkzeug, threaded)"
    print(f"\nbackend={backend} server={server} devices={args.devices} notes/device={args.notes} "
          f"seed={args.seed} wall={seconds:.1f} s load average (1 min) {args.load_before} -> {load_average()}")
    for line in kills:
        print("  " + line)
    print(f"push latency (answered pushes, {len(latencies)}): p50 {percentile(latencies, 50):.0f} ms, "
          f"p95 {percentile(latencies, 95):.0f} ms, max {max(latencies):.0f} ms")
    for line in latency_breakdown(pushes):
        print("  " + line)
    for key in sorted(stats):
        print(f"  {key}: {stats[key]}")
    print(f"  pull resets: {sum(d.resets for d in devices)}")
    print("server: " + ", ".join(f"{k} {v}" for k, v in database.items()))
    for who, report in pulls.items():
        print(f"{who}: " + ", ".join(f"{k} {v}" for k, v in report.items()))


def failures(devices, database, pulls):
    found = [f"{d.name}: {p}" for d in devices for p in d.problems[:5]]
    found += [f"{d.name}: {len(d.pending())} mutations never answered" for d in devices if not d.finished]
    found += [f"server: {k} {v}" for k, v in database.items()
              if k in {"lost", "duplicated", "unexpected", "changed on the way", "change numbers shared"} and v]
    found += [f"{who}: {k} {v}" for who, r in pulls.items() for k, v in r.items() if v]
    if database["notes stored"] != database["notes expected"]:
        found.append(f"server: {database['notes stored']} notes stored, {database['notes expected']} expected")
    return found


def load_average():
    """The machine's 1-minute load: figures from a shared machine mean little without it."""
    return Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?"


def torture(args, url, workdir):
    args.load_before = load_average()
    study_id = prepare_database(url, args.devices)
    server = AppServer(url, free_port(), workdir)
    server.start()
    print(f"app up at 127.0.0.1:{server.port} ({server.command[2]}); {args.devices} devices start", flush=True)
    run = Run(args, study_id, f"http://127.0.0.1:{server.port}")
    devices = [Device(run, i) for i in range(args.devices)]
    kills, began = [], time.perf_counter()
    try:
        for device in devices:
            device.thread.start()
        kill_and_restart(run, server, args.kills, random.Random(args.seed), kills)
        for device in devices:
            device.thread.join(max(1.0, run.deadline - time.monotonic() + 30))
        expected = {m["entity_id"] for d in devices for m in d.outbox}
        pulls = verify_pulls(run, devices, expected)
    finally:
        server.stop()
    seconds = time.perf_counter() - began
    database = verify_database(url, study_id, devices)
    print_summary(args, url, devices, kills, database, pulls, seconds)
    return failures(devices, database, pulls), server.log.name


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("url", nargs="?", help="a PostgreSQL URL (emptied!); default: SQLite in a temp dir")
    parser.add_argument("--devices", type=int, default=20)
    parser.add_argument("--notes", type=int, default=250, help="notes per device")
    parser.add_argument("--kills", type=int, default=5, help="times the app is killed with SIGKILL")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=900, help="seconds before devices give up")
    return parser.parse_args()


def main():
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="torture-") as workdir:
        url = args.url or f"sqlite:///{workdir}/torture.sqlite"
        problems, log = torture(args, url, workdir)
        if problems:
            print(f"\nFAILED ({len(problems)}):", *problems[:40], sep="\n  ")
            print("\nlast lines of the server log:\n" + Path(log).read_text(errors="replace")[-3000:])
            return 1
    print("\nOK: 0 lost, 0 duplicated, 0 missed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
