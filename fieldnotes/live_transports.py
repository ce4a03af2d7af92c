"""How a live poke travels between processes, chosen by configuration (fieldnotes/live.py's hub uses one).

- FIELDNOTES_REDIS_URL set: Redis pub/sub (any number of processes and hosts), published after commit;
- PostgreSQL: NOTIFY inside the transaction (PostgreSQL itself delivers it on commit, drops it on
  rollback), heard by one LISTEN connection per process;
- SQLite: in process memory (SQLite is served by one process; see docs/scaling.md).

Each transport has the same five methods: ``start()`` (before a stream's first fetch), ``inside(session,
topic)`` (in the write's transaction), ``after_commit(topic)``, ``stop()``, and its ``name``. A transport
hands what it hears to its hub's ``deliver(topic)``; a listener that loses its connection reconnects and
then calls ``deliver_all()``, since it may have missed pokes meanwhile.
"""
import logging
import os
import threading
import time

from sqlalchemy import make_url, text

log = logging.getLogger(__name__)

CHANNEL = "fieldnotes_live"


class InProcess:
    """SQLite: one process, so the commit pokes its own streams directly."""

    name = "in-process"

    def __init__(self, hub):
        self.hub = hub

    def start(self):
        pass

    def inside(self, session, topic):
        pass

    def after_commit(self, topic):
        self.hub.deliver(topic)

    def stop(self):
        pass


class Listener:
    """A daemon thread per process, started by its first stream (after gunicorn forks), that hears
    pokes and hands them to the hub; on a lost connection it waits a moment and listens again."""

    name = "listener"

    def __init__(self, hub):
        self.hub = hub
        self.thread = None
        self.pid = None
        self.stopping = threading.Event()
        self.guard = threading.Lock()
        self.ready = threading.Event()

    def start(self):
        with self.guard:
            if self.thread is not None and self.pid == os.getpid() and self.thread.is_alive():
                return
            self.pid = os.getpid()
            self.ready.clear()
            self.thread = threading.Thread(target=self.run, name=f"live-{self.name}", daemon=True)
            self.thread.start()
        # Listening before the first fetch, so no poke falls between them. Only the stream that started
        # the listener waits; with the broker down, streams still catch up at each heartbeat.
        self.ready.wait(5)

    def run(self):
        connected_before = False
        while not self.stopping.is_set():
            try:
                for topic in self.listen(connected_before):
                    self.hub.deliver(topic)
            except Exception as problem:  # noqa: BLE001 - any lost connection: listen again
                if self.stopping.is_set():
                    break
                log.warning("live: %s listener lost its connection (%s); listening again", self.name, problem)
                time.sleep(0.5)
            connected_before = True

    def connected(self, again):
        self.ready.set()
        if again:
            self.hub.deliver_all()

    def stop(self):
        self.stopping.set()
        if self.thread is not None:
            self.thread.join(3)


class PostgresNotify(Listener):
    """PostgreSQL: NOTIFY in the write's transaction, LISTEN on a connection of this process's own."""

    name = "postgresql"

    def __init__(self, hub, url):
        super().__init__(hub)
        self.conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)

    def inside(self, session, topic):
        session.execute(text("SELECT pg_notify(:channel, :topic)"), {"channel": CHANNEL, "topic": topic})

    def after_commit(self, topic):
        pass  # PostgreSQL delivers the NOTIFY on commit

    def listen(self, again):
        import psycopg

        with psycopg.connect(self.conninfo, autocommit=True) as connection:
            connection.execute(f"LISTEN {CHANNEL}")
            self.connected(again)
            while not self.stopping.is_set():
                for notice in connection.notifies(timeout=1.0):
                    yield notice.payload


class RedisPubSub(Listener):
    """Redis pub/sub: published after commit; the channel names the Redis database, so deployments
    (or test runs) sharing a Redis server on different database numbers do not hear each other."""

    name = "redis"

    def __init__(self, hub, url):
        super().__init__(hub)
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self.channel = f"{CHANNEL}:{self.client.connection_pool.connection_kwargs.get('db', 0)}"

    def inside(self, session, topic):
        pass

    def after_commit(self, topic):
        try:
            self.client.publish(self.channel, topic)
        except Exception as problem:  # noqa: BLE001 - the write stands; screens catch up at the heartbeat
            log.warning("live: could not publish %s to Redis (%s)", topic, problem)

    def listen(self, again):
        pubsub = self.client.pubsub(ignore_subscribe_messages=True)
        try:
            pubsub.subscribe(self.channel)
            self.connected(again)
            while not self.stopping.is_set():
                message = pubsub.get_message(timeout=1.0)
                if message and message["type"] == "message":
                    yield message["data"].decode()
        finally:
            pubsub.close()


def choose_transport(app, hub):
    redis_url = app.config.get("REDIS_URL")
    if redis_url:
        return RedisPubSub(hub, redis_url)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if make_url(url).get_backend_name() == "postgresql":
        return PostgresNotify(hub, url)
    return InProcess(hub)
