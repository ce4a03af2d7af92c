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
"""
import argparse
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from http.cookiejar import CookieJar
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

PASSWORD = "torture chamber lantern 42"
SECRET_KEY = "torture-run-secret-key-not-for-production-0123456789"
REQUEST_TIMEOUT = 60      # seconds; a push of 40 notes takes well under a second on loopback
MAX_BATCH = 40            # batch sizes are drawn from 1..MAX_BATCH
REPLAY_CHANCE = 0.2       # after an answered batch: send an earlier answered batch again
OVERLAP_CHANCE = 0.2      # mix up to 5 answered mutations into a new batch
PULL_CHANCE = 0.4         # pull after an answered push
FINAL = {"applied", "duplicate"}  # the answers a fresh create may get; anything else is wrong


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


def device_email(index):
    return f"phone{index:02d}@torture.example"


# --- the app in its own process, killed and restarted --------------------------------------------

def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class AppServer:
    """The real app, served on one loopback port; kill() is SIGKILL to its whole process group."""

    def __init__(self, url, port, workdir):
        self.port, self.process = port, None
        self.log = open(Path(workdir) / "server.log", "ab")
        self.env = {**os.environ, "FIELDNOTES_DATABASE_URL": url, "FIELDNOTES_SECRET_KEY": SECRET_KEY,
                    "FIELDNOTES_ENV": "production", "FIELDNOTES_SECURE_COOKIES": "0",  # plain HTTP on loopback
                    "FIELDNOTES_PROXIES": "0", "FIELDNOTES_MEDIA_ROOT": str(Path(workdir) / "media"),
                    "PYTHONUNBUFFERED": "1"}
        self.command = server_command(url, port)

    def start(self):
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=self.log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        self.wait_ready()

    def wait_ready(self, timeout=120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the app exited with {self.process.returncode}; see {self.log.name}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/login", timeout=5) as response:
                    if response.status == 200:
                        return
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the app did not answer within {timeout} s; see {self.log.name}")

    def kill(self):
        """kill -9 the server and every worker it started (they share its process group)."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.kill()
        self.log.close()


def server_command(url, port):
    """gunicorn as the README deploys it (one worker with threads on SQLite), else flask's own server."""
    if find_spec("gunicorn"):
        workers = "1" if url.startswith("sqlite") else "3"
        return [sys.executable, "-m", "gunicorn", "--workers", workers, "--threads", "8",
                "--bind", f"127.0.0.1:{port}", "--timeout", "120", "wsgi:app"]
    return [sys.executable, "-m", "flask", "--app", "wsgi", "run", "--host", "127.0.0.1",
            "--port", str(port), "--no-reload", "--no-debugger", "--with-threads"]


# --- plain HTTP, as a phone speaks it ------------------------------------------------------------

class Unanswered(Exception):
    """No answer that says anything about the request: refused, cut off, timed out, or a 5xx."""


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Http:
    """One phone's connection to the app: its own cookies (its signed-in session)."""

    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()), NoRedirect())

    def send(self, path, data=None, content_type=None):
        """(status, body bytes) for a 2xx-4xx answer; Unanswered for anything that leaves the outcome unknown."""
        request = urllib.request.Request(self.base + path, data=data, method="POST" if data is not None else "GET")
        if content_type:
            request.add_header("Content-Type", content_type)
        try:
            with self.opener.open(request, timeout=REQUEST_TIMEOUT) as response:
                status, body = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read()
        except (OSError, http.client.HTTPException) as error:  # refused, reset, timed out, cut mid-answer
            reason = getattr(error, "reason", error)  # URLError wraps the socket's error
            raise Unanswered(type(reason).__name__) from error
        if status >= 500:
            raise Unanswered(f"HTTP {status}")
        return status, body

    def sign_in(self, email):
        form = urllib.parse.urlencode({"email": email, "password": PASSWORD, "remember": "true"}).encode()
        status, body = self.send("/login", form, "application/x-www-form-urlencoded")
        if status != 303:
            raise RuntimeError(f"sign-in of {email} answered {status}: {body[:200]!r}")

    def push(self, device_id, mutations):
        body = json.dumps({"device_id": device_id, "mutations": mutations}).encode()
        return self.send("/api/sync/push", body, "application/json")

    def pull(self, study_id, cursor, limit):
        query = urllib.parse.urlencode({"study_id": study_id, "cursor": cursor, "limit": limit})
        return self.send(f"/api/sync/pull?{query}")


# --- a phone ------------------------------------------------------------------------------------

def note_mutations(study_id, index, count, rng):
    """The device's notes, each a create with its own ids and a text that names it."""
    start = datetime(2026, 3, 12, 9, tzinfo=UTC)
    return [{"mutation_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "entity": "observation",
             "entity_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "op": "create",
             "base_version": None, "client_time": start.isoformat(),
             "data": {"study_id": study_id, "kind": "observation", "tags": [], "media": [],
                      "text": f"Phone {index:02d}, note {n:03d}: re-keys the delivery note into the ERP.",
                      "captured_at": (start + timedelta(seconds=n)).isoformat()}}
            for n in range(count)]


class Phone:
    """What every phone does: sign in, retry what got no answer, pull from its cursor counting each change."""

    def __init__(self, run, email, seed):
        self.run_state, self.email = run, email
        self.rng = random.Random(seed)
        self.http = Http(run.base)
        self.seen, self.cursor, self.resets = Counter(), "", 0
        self.stats, self.failures = Counter(), 0

    def sign_in(self):
        self.retrying(lambda: self.http.sign_in(self.email))

    def pull_all(self):
        """Pull pages from the cursor until there are no more; every change counts once."""
        while True:
            page = self.retrying(lambda: self.pull_page(self.rng.choice((50, 200, 500))))
            if page["reset"]:  # a new epoch: start again from the top, as a phone must
                self.resets += 1
                self.seen.clear()
            for change in page["changes"]:
                self.seen[change["id"]] += 1
            self.cursor = page["cursor"]
            if not page["has_more"]:
                return

    def pull_page(self, limit):
        status, body = self.http.pull(self.run_state.study_id, self.cursor, limit)
        if status == 401:  # signed out (never expected here): sign in and ask again
            self.stats["signed in again"] += 1
            self.sign_in()
            raise Unanswered("HTTP 401")
        if status != 200:
            raise RuntimeError(f"pull answered {status}: {body[:300]!r}")
        self.stats["pull pages"] += 1
        return json.loads(body)

    def retrying(self, step):
        """Run `step` until it gets an answer (the app may be down for a moment), within the time limit."""
        while True:
            try:
                answer = step()
                self.failures = 0
                return answer
            except Unanswered as error:
                self.stats[f"retried ({error})"] += 1
                if time.monotonic() > self.run_state.deadline:
                    raise
                self.back_off()

    def back_off(self):
        """Wait longer after each failure in a row (0.1 s doubling up to 3.2 s), with jitter, as a phone does."""
        self.failures += 1
        time.sleep(self.rng.uniform(0.5, 1.0) * min(3.2, 0.1 * 2 ** (self.failures - 1)))


class Device(Phone):
    """A researcher's phone: pushes its outbox until every mutation has a final answer, pulls now and then."""

    def __init__(self, run, index):
        super().__init__(run, device_email(index), run.seed * 1000 + index)
        self.name = f"phone{index:02d}"
        self.device_id = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        self.outbox = note_mutations(run.study_id, index, run.notes, self.rng)
        self.answers = {}                       # mutation id -> first final answer
        self.answered_batches = []              # batches answered before, to replay
        self.latencies, self.problems = [], []
        self.finished = False
        self.thread = threading.Thread(target=self.work, name=self.name, daemon=True)

    def work(self):
        """Push until done, wait for the others, then pull their last changes. Errors are reported, never hung on."""
        try:
            self.sign_in()
            while self.pending() and time.monotonic() < self.run_state.deadline:
                self.push_once()
        except Exception as error:  # noqa: BLE001
            self.problems.append(f"pushing stopped: {error!r}")
        self.finished = not self.pending()
        self.run_state.wait_for_devices()
        try:
            self.pull_all()
        except Exception as error:  # noqa: BLE001
            self.problems.append(f"final pull stopped: {error!r}")

    def pending(self):
        return [m for m in self.outbox if m["mutation_id"] not in self.answers]

    def push_once(self):
        batch = self.next_batch()
        answers = self.send_batch(batch)
        if answers is None:
            return
        self.record(batch, answers)
        self.answered_batches.append(batch)
        if self.rng.random() < REPLAY_CHANCE:
            self.replay()
        if self.rng.random() < PULL_CHANCE:
            self.pull_all()

    def next_batch(self):
        """The oldest unanswered mutations, a random number of them, sometimes with answered ones mixed in."""
        batch = self.pending()[:self.rng.randint(1, MAX_BATCH)]
        if self.answered_batches and self.rng.random() < OVERLAP_CHANCE:
            old = [m for b in self.answered_batches for m in b if m not in batch]
            batch += self.rng.sample(old, min(len(old), self.rng.randint(1, 5)))
            self.rng.shuffle(batch)
        return batch

    def send_batch(self, batch):
        """The per-item answers, or None when the batch got no answer (it stays in the outbox)."""
        began = time.perf_counter()
        try:
            status, body = self.http.push(self.device_id, batch)
        except Unanswered as error:
            self.stats[f"push unanswered ({error})"] += 1
            self.back_off()
            return None
        if status == 401:
            self.stats["signed in again"] += 1
            self.sign_in()
            return None
        if status != 200:
            self.problems.append(f"push answered {status}: {body[:300]!r}")
            self.back_off()
            return None
        self.latencies.append(time.perf_counter() - began)
        self.stats["pushes answered"] += 1
        self.failures = 0
        return json.loads(body)["results"]

    def record(self, batch, results):
        """Keep each item's first final answer; an item answered before must now be a duplicate."""
        if [r["mutation_id"] for r in results] != [m["mutation_id"] for m in batch]:
            self.problems.append("answers out of order or missing")
            return
        for mutation, result in zip(batch, results):
            mutation_id, status = mutation["mutation_id"], result["status"]
            if mutation_id in self.answers:
                self.stats["answered again (resent)"] += 1
                if status != "duplicate":
                    self.problems.append(f"{mutation_id} answered {status} when sent again")
                continue
            self.answers[mutation_id] = status
            self.stats[f"first answer: {status}"] += 1
            self.run_state.progress()
            if status not in FINAL:
                self.problems.append(f"{mutation_id} answered {status}: {result.get('errors')}")

    def replay(self):
        """Send an answered batch again, as a phone that lost the answer would."""
        batch = self.rng.choice(self.answered_batches)
        answers = self.send_batch(batch)
        if answers is not None:
            self.stats["batches replayed"] += 1
            self.record(batch, answers)


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


def print_summary(args, url, devices, kills, database, pulls, seconds):
    latencies = [s * 1000 for d in devices for s in d.latencies]
    stats = sum((d.stats for d in devices), Counter())
    backend = url.split(":", 1)[0]
    server = "gunicorn" if find_spec("gunicorn") else "flask run (werkzeug, threaded)"
    print(f"\nbackend={backend} server={server} devices={args.devices} notes/device={args.notes} "
          f"seed={args.seed} wall={seconds:.1f} s load average (1 min) {args.load_before} -> {load_average()}")
    for line in kills:
        print("  " + line)
    print(f"push latency (answered pushes, {len(latencies)}): p50 {percentile(latencies, 50):.0f} ms, "
          f"p95 {percentile(latencies, 95):.0f} ms, max {max(latencies):.0f} ms")
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
