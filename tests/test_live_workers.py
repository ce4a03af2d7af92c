"""Live updates across app processes: gunicorn with 2 workers on PostgreSQL (LISTEN/NOTIFY, and Redis
pub/sub when FIELDNOTES_TEST_REDIS_URL is set), 3 screens following the affinity workspace's stream.

A move made through one worker reaches screens held by the other; one worker is killed (kill -9) while
holding streams: its screens reconnect to the survivors, see the next move, and every screen ends on
the database's change counter, having seen no id twice. SQLite is one process (docs/scaling.md), so it
has no such test; its streams are tested in tests/test_live.py.
"""
import http.client
import os
import signal

import pytest

from fieldnotes import create_app
from fieldnotes.extensions import db
from fieldnotes.insights.oplog import counter
from tests.conftest import POSTGRES_URL, TEST_CONFIG, empty_postgres
from tests.factories import PASSWORD, make_study, make_user
from tests.live_support import (Screen, connections_by_worker, post_json, sign_in, start_gunicorn, stop_gunicorn,
                                workers_of)

REDIS_URL = os.environ.get("FIELDNOTES_TEST_REDIS_URL")
BROKERS = (["postgresql"] if POSTGRES_URL else []) + (["redis"] if POSTGRES_URL and REDIS_URL else [])


@pytest.fixture(params=BROKERS)
def served(request, tmp_path):
    """A study on the PostgreSQL test database and gunicorn (2 workers) serving it: (app, study, port, master)."""
    url = request.getfixturevalue("postgres_schema")
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        study_id = make_study(make_user("ana@example.org", name="Ana")).id
        db.session.remove()
    extra = {"FIELDNOTES_REDIS_URL": REDIS_URL} if request.param == "redis" else {}
    process, port = start_gunicorn(url, tmp_path, workers=2, threads=16, extra_env=extra)
    yield app, study_id, port, process
    stop_gunicorn(process)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    empty_postgres(url)


def move(port, cookie, study_id, statement):
    """Create an insight through the API; a connection the killed worker dropped is tried again."""
    for _ in range(20):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            status, answer = post_json(connection, port, f"/api/studies/{study_id}/insights",
                                       {"statement": statement}, cookie)
        except (ConnectionError, http.client.RemoteDisconnected):
            continue
        finally:
            connection.close()
        assert status == 201, answer
        return answer["counter"]
    raise AssertionError("no worker took the move")


def test_screens_reconnect_and_converge_when_a_worker_is_killed(served):
    app, study_id, port, master = served
    cookie = sign_in(port, "ana@example.org", PASSWORD)
    screens = [Screen(port, f"/api/studies/{study_id}/insights/live?since=0", cookie, read_timeout=20)
               for _ in range(3)]
    for screen in screens:
        screen.start()
    try:
        assert all(screen.wait_connected() for screen in screens)
        first = move(port, cookie, study_id, "Orders are re-keyed by hand")
        assert all(screen.wait_for(first, timeout=5) for screen in screens), [s.ids for s in screens]

        held = connections_by_worker(master.pid, port)
        victim = max(held, key=held.get)
        assert held[victim] >= 1, held
        os.kill(victim, signal.SIGKILL)
        after_kill = move(port, cookie, study_id, "Invoices pile up beside the keyboard")
        last = move(port, cookie, study_id, "Nobody trusts the ERP's stock figures")

        assert all(screen.wait_for(last, timeout=10) for screen in screens), [s.ids for s in screens]
        assert victim not in workers_of(master.pid)
    finally:
        for screen in screens:
            screen.stop()
    with app.app_context():
        final = counter(study_id)
    assert final == last and after_kill < last
    assert sum(screen.drops for screen in screens) >= held[victim], "the killed worker's screens did not reconnect"
    for screen in screens:
        assert screen.last == final
        assert screen.ids == sorted(set(screen.ids)), f"an id sent twice or out of order: {screen.ids}"
