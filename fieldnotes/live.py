"""Live updates: a write pokes a topic, and every open screen following that topic fetches what is new.

Events are pokes, not data: a feature's own change feed (the database) is the truth, and a stream
sends what that feed holds past the screen's last id. A poke lost on the way (a broker restart, a
worker killed) costs at most one heartbeat of delay, never a move, because each heartbeat fetches too.

The interface, for features (they own their stream routes, with a permission check, and their feeds):

- ``announce(topic)``: call inside the write's transaction. The poke goes out after the commit only,
  and not at all on a rollback.
- ``stream(topic, last_seen, fetch_since, shared=False)``: a ``text/event-stream`` response. ``fetch_since(n)`` answers
  ``[(seq, event), ...]`` with seq > n in order (event: a JSON-able dict); each is sent as ``id: seq``.
  Then the stream waits for a poke on the topic (or a heartbeat, ~15 s) and fetches again. A screen
  reconnecting sends ``Last-Event-ID`` (EventSource does) or ``?since=`` (static/js/live.js does when it
  makes a new EventSource), and the larger of those and ``last_seen`` is where it resumes: no move is
  missed or sent twice. It ends when the client goes (the next write fails), or after
  LIVE_STREAM_SECONDS, when the browser reconnects (so a reload or a restarted worker rebalances).
  ``shared=True`` when the feed is the same for every viewer (no per-person filtering, names or
  consent): then after a poke one fetch serves all of this process's streams on the topic.
  Over LIVE_MAX_STREAMS open in this process it answers 503 with Retry-After: the page polls instead,
  and the threads left over serve ordinary pages (docs/scaling.md).
- ``fit_to_threads(threads)``: cap the streams a worker holds below its request threads (gunicorn.conf.py).
- ``end_streams(app)``: end the streams open now (a test server stopping); ``close(app)`` /
  ``close_all()``: that, and stop listening for good (the app's end; a worker told to stop).
- ``topic_for(kind, key)``: the spelling of a topic, e.g. ``topic_for("insights", 7)`` is "insights:7".

How the poke travels, by configuration (``transport_name``), is fieldnotes/live_transports.py's:
Redis pub/sub when FIELDNOTES_REDIS_URL is set, else PostgreSQL LISTEN/NOTIFY, else (SQLite) in process.
"""
import json
import threading
import time
import weakref
from collections.abc import Callable

from flask import Response, current_app, request, stream_with_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from fieldnotes.extensions import db
from fieldnotes.forms import whole_number
from fieldnotes.live_transports import choose_transport

PENDING = "fieldnotes.live"  # where a session keeps the topics its transaction announced
EXTENSION = "fieldnotes.live"
BIGGEST_ID = 2**63 - 1
HUBS = weakref.WeakSet()  # every app's hub in this process, for close_all()


def topic_for(kind, key):
    return f"{kind}:{key}"


def announce(topic: str):
    """Poke `topic` once the current transaction commits (nothing if it rolls back)."""
    hub = current_app.extensions.get(EXTENSION)
    if hub is None:
        return
    session = db.session()
    _, topics = session.info.setdefault(PENDING, (hub, set()))
    topics.add(topic)
    # Every time, not once per topic: a savepoint rolled back takes its NOTIFY with it, and PostgreSQL
    # folds a transaction's identical notifications into one anyway.
    hub.transport.inside(session, topic)


@event.listens_for(Session, "after_commit")
def poke_after_commit(session):
    hub, topics = session.info.pop(PENDING, (None, ()))
    for topic in topics:
        hub.transport.after_commit(topic)


@event.listens_for(Session, "after_rollback")
def forget_on_rollback(session):
    session.info.pop(PENDING, None)


class Subscription:
    """One open stream's place in the hub: an Event its pokes set."""

    def __init__(self, topic):
        self.topic = topic
        self.poked = threading.Event()
        self.gone = False


class SharedFetch:
    def __init__(self):
        self.done = threading.Event()
        self.events = None


class Hub:
    """This process's open streams, by topic, and the transport that pokes them."""

    def __init__(self, app):
        self.max_streams = int(app.config["LIVE_MAX_STREAMS"])
        self.heartbeat = float(app.config["LIVE_HEARTBEAT_SECONDS"])
        self.lifetime = float(app.config["LIVE_STREAM_SECONDS"])
        self.lock = threading.Lock()
        self.topics: dict[str, set[Subscription]] = {}
        self.pokes: dict[str, int] = {}  # pokes delivered per topic: what a shared fetch is keyed by
        self.fetches: dict[tuple, SharedFetch] = {}
        self.open = 0
        self.closing = threading.Event()
        self.era = 0  # end_streams() starts a new one; streams of an older era end
        self.transport = choose_transport(app, self)
        HUBS.add(self)

    def subscribe(self, topic):
        """A new subscription, or None when this process holds its most streams already."""
        self.transport.start()
        with self.lock:
            if self.open >= self.max_streams:
                return None
            self.open += 1
            sub = Subscription(topic)
            self.topics.setdefault(topic, set()).add(sub)
            return sub

    def unsubscribe(self, sub):
        with self.lock:
            if sub.gone:
                return
            sub.gone = True
            self.open -= 1
            subs = self.topics.get(sub.topic, set())
            subs.discard(sub)
            if not subs:  # the topic's last screen went: forget its pokes and shared fetches
                self.topics.pop(sub.topic, None)
                self.pokes.pop(sub.topic, None)
                for key in [k for k in self.fetches if k[0] == sub.topic]:
                    del self.fetches[key]

    def deliver(self, topic):
        with self.lock:
            subs = list(self.topics.get(topic, ()))
            if subs:
                self.pokes[topic] = self.pokes.get(topic, 0) + 1
        for sub in subs:
            sub.poked.set()

    def deliver_all(self):
        """After a listener reconnects: it may have missed pokes, so every stream fetches again."""
        with self.lock:
            subs = [sub for subs in self.topics.values() for sub in subs]
            for topic in self.topics:
                self.pokes[topic] = self.pokes.get(topic, 0) + 1
        for sub in subs:
            sub.poked.set()

    def poke_count(self, topic):
        with self.lock:
            return self.pokes.get(topic, 0)

    def fetch_once(self, topic, pokes, last, fetch_since):
        """One fetch per (topic, poke, last seen) in this process, its events shared by every stream
        that asks for the same: after a move, the 30 screens of a room cost one query, not 30.
        Only for feeds every viewer sees alike (stream(shared=True)). A fetch that fails is not shared."""
        key = (topic, pokes, last)
        with self.lock:
            entry = self.fetches.get(key)
            mine = entry is None
            if mine:
                entry = self.fetches[key] = SharedFetch()
                for old in [k for k in self.fetches if k[0] == topic and k[1] < pokes]:
                    del self.fetches[old]  # an older poke's: no stream asks for it any more
        if mine:
            try:
                entry.events = list(fetch_since(last))
            finally:
                entry.done.set()
                if entry.events is None:
                    with self.lock:
                        self.fetches.pop(key, None)
            return entry.events
        if entry.done.wait(30) and entry.events is not None:
            return entry.events
        return list(fetch_since(last))

    def end_streams(self):
        """End the streams open now (their browsers reconnect where they left off); new ones may open."""
        with self.lock:
            self.era += 1
        self.deliver_all()

    def close(self):
        """End every open stream and stop listening, for good."""
        self.closing.set()
        self.end_streams()
        self.transport.stop()


def close(app):
    app.extensions[EXTENSION].close()


def end_streams(app):
    app.extensions[EXTENSION].end_streams()


def threads_for_pages(threads):
    """Of a worker's request threads, those kept for ordinary pages: a quarter, at least 4."""
    return max(4, threads // 4)


def fit_to_threads(threads):
    """Under gunicorn (gunicorn.conf.py): at most `threads` less those kept for pages are streams, so
    open screens can never take the threads that serve pages; past it, a screen polls."""
    for hub in list(HUBS):
        hub.max_streams = max(0, min(hub.max_streams, threads - threads_for_pages(threads)))


def close_all():
    """A worker told to stop: its streams end now rather than hold a graceful shutdown (gunicorn.conf.py)."""
    for hub in list(HUBS):
        hub.close()


def transport_name(app=None):
    return (app or current_app).extensions[EXTENSION].transport.name


def init_app(app):
    app.config.setdefault("REDIS_URL", None)
    app.config.setdefault("LIVE_MAX_STREAMS", 200)
    app.config.setdefault("LIVE_HEARTBEAT_SECONDS", 15)
    app.config.setdefault("LIVE_STREAM_SECONDS", 300)
    app.extensions[EXTENSION] = Hub(app)


# --- the stream --------------------------------------------------------------------------------

def resume_point(last_seen):
    """Where a (re)connecting screen resumes: the furthest of what the route, the browser and the URL say."""
    said = [whole_number(request.headers.get("Last-Event-ID"), high=BIGGEST_ID),
            whole_number(request.args.get("since"), high=BIGGEST_ID)]  # ASCII digits within a BIGINT, or None
    return max([last_seen or 0, *(value for value in said if value is not None)])


def frame(seq, event):
    return f"id: {seq}\ndata: {json.dumps(event, separators=(',', ':'))}\n\n"


def stream(topic: str, last_seen: int, fetch_since: Callable[[int], list[tuple[int, dict]]],
           shared: bool = False) -> Response:
    hub = current_app.extensions[EXTENSION]
    sub = hub.subscribe(topic)
    if sub is None or hub.closing.is_set():
        if sub is not None:
            hub.unsubscribe(sub)
        busy = Response("Too many live screens on this server just now; the page polls instead.\n",
                        503, mimetype="text/plain")
        busy.headers["Retry-After"] = "30"
        return busy
    last = resume_point(last_seen)
    era = hub.era

    def events():
        nonlocal last
        ends = time.monotonic() + hub.lifetime
        yield "retry: 1000\n\n"  # how soon a browser reconnects after the stream ends
        poked = False
        while True:
            sub.poked.clear()  # before fetching: a poke during the fetch means fetch again
            pokes = hub.poke_count(topic)
            try:
                # Shared only after a poke: the first fetch and the heartbeat's go to the database
                # themselves, which is what catches up a screen whose poke was lost.
                found = (hub.fetch_once(topic, pokes, last, fetch_since) if shared and poked
                         else fetch_since(last))
                for seq, item in found:
                    if seq > last:
                        last = seq
                        yield frame(seq, item)
            finally:
                db.session.remove()  # no database connection held while waiting
            left = ends - time.monotonic()
            if left <= 0 or hub.era != era:
                return
            poked = sub.poked.wait(min(hub.heartbeat, left))
            if hub.era != era:
                return
            if not poked:
                yield ": heartbeat\n\n"  # fails once the client has gone, which ends the stream

    try:
        response = Response(stream_with_context(events()), mimetype="text/event-stream")
    except BaseException:
        hub.unsubscribe(sub)
        raise
    # The server closes the body when the stream ends, however it ends (client gone, lifetime, error).
    response.call_on_close(lambda: hub.unsubscribe(sub))
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return response
