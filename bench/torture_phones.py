"""The torture run's phones: plain HTTP as a phone speaks it, and a device that pushes, replays and pulls."""
import http.client
import json
import random
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from http.cookiejar import CookieJar

PASSWORD = "torture chamber lantern 42"
REQUEST_TIMEOUT = 60      # seconds; a push of 40 notes takes well under a second on loopback
MAX_BATCH = 40            # batch sizes are drawn from 1..MAX_BATCH
REPLAY_CHANCE = 0.2       # after an answered batch: send an earlier answered batch again
OVERLAP_CHANCE = 0.2      # mix up to 5 answered mutations into a new batch
PULL_CHANCE = 0.4         # pull after an answered push
FINAL = {"applied", "duplicate"}  # the answers a fresh create may get; anything else is wrong


def device_email(index):
    """The account of device `index`: one researcher per phone."""
    return f"phone{index:02d}@torture.example"


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
        answers = self.send_batch(batch, "new" if all(m["mutation_id"] not in self.answers for m in batch)
                                  else "mixed")
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

    def send_batch(self, batch, kind):
        """The per-item answers, or None when the batch got no answer (it stays in the outbox). `kind`: what
        the batch holds (new: only unanswered mutations; mixed: answered ones too; replay: an answered batch)."""
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
        self.latencies.append((time.perf_counter() - began, kind, len(batch), began))
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
        answers = self.send_batch(batch, "replay")
        if answers is not None:
            self.stats["batches replayed"] += 1
            self.record(batch, answers)
