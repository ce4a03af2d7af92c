"""Live updates (fieldnotes/live.py) on each transport: SQLite in process, PostgreSQL LISTEN/NOTIFY, and
Redis pub/sub when FIELDNOTES_TEST_REDIS_URL names a Redis database (make test: DB 2 of the local one).

A poke goes out after the commit only; a screen that reconnects with Last-Event-ID catches up from
the change feed without a gap or a repeat; the affinity workspace's stream sends the study's change
counter after each move. Across processes: tests/test_live_workers.py (gunicorn, a worker killed).
"""
import http.client
import os
import time

import pytest
from flask import request
from sqlalchemy import select

from fieldnotes import create_app, live
from fieldnotes.extensions import db
from fieldnotes.insights import service
from fieldnotes.insights.models import InsightOp
from fieldnotes.insights.oplog import advance, live_topic
from tests.browser.conftest import LiveServer
from tests.conftest import BACKENDS, TEST_CONFIG, empty_postgres
from tests.factories import PASSWORD, make_study, make_user
from tests.live_support import Screen, sign_in

REDIS_URL = os.environ.get("FIELDNOTES_TEST_REDIS_URL")
TRANSPORTS = BACKENDS + (["redis"] if REDIS_URL else [])
EXPECTED = {"sqlite": "in-process", "postgresql": "postgresql", "redis": "redis"}


@pytest.fixture(params=TRANSPORTS)
def live_app(request, tmp_path):
    """The app on one transport; its heartbeat longer than any wait below, so a lost poke fails the
    test rather than hide behind a heartbeat."""
    config = {**TEST_CONFIG, "LIVE_HEARTBEAT_SECONDS": 5, "MEDIA_ROOT": str(tmp_path / "media")}
    if request.param == "postgresql":
        config["SQLALCHEMY_DATABASE_URI"] = request.getfixturevalue("postgres_schema")
    else:
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'test.sqlite'}"
    if request.param == "redis":
        config["REDIS_URL"] = REDIS_URL
    app = create_app(config)
    assert live.transport_name(app) == EXPECTED[request.param]
    with app.app_context():
        if request.param != "postgresql":
            db.create_all()
        owner = make_user("ana@example.org", name="Ana")
        app.study_ids = [make_study(owner).id, make_study(owner, name="Another study").id]
        app.owner_id = owner.id
    yield app
    live.close(app)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if request.param == "postgresql":
        empty_postgres(config["SQLALCHEMY_DATABASE_URI"])


def test_a_poke_goes_out_after_the_commit_only(live_app):
    hub = live_app.extensions[live.EXTENSION]
    study, other = live_app.study_ids
    with live_app.app_context():
        watching, elsewhere = hub.subscribe(live_topic(study)), hub.subscribe(live_topic(other))
        try:
            advance(study)  # a move under way: announced, not yet committed
            assert not watching.poked.wait(0.4), "poked before the commit"
            db.session.rollback()
            assert not watching.poked.wait(0.4), "poked for a move that was rolled back"

            advance(study)
            advance(study)  # two moves' pokes in one transaction: one poke is enough
            db.session.commit()
            assert watching.poked.wait(5), "no poke after the commit"
            assert not elsewhere.poked.is_set(), "another study's screens were poked"

            watching.poked.clear()
            attempt = db.session.begin_nested()  # a move tried in a savepoint and rolled back ...
            advance(study)
            attempt.rollback()
            advance(study)  # ... then made: its poke must not have gone with the savepoint
            db.session.commit()
            assert watching.poked.wait(5), "the poke went with a rolled-back savepoint"
        finally:
            hub.unsubscribe(watching)
            hub.unsubscribe(elsewhere)
        assert hub.open == 0


def make_moves(app, count):
    with app.app_context():
        for _ in range(count):
            service.create_insight(app.study_ids[0], app.owner_id, "Orders are re-keyed by hand")
            db.session.commit()


def add_move_log_stream(app):
    """A stream of the insights move log, one event per move: what a workshop's feed is like (and the
    finest feed to show a gap or a repeat in). Test-only; features own their real stream routes.
    `app.fetches` counts its fetches; `?shared=1` asks for one fetch per poke for every screen."""
    app.fetches = []  # one item a fetch (list.append is atomic; += on an int is not)

    def move_log(study_id):
        def fetch_since(seen):
            app.fetches.append(seen)
            rows = db.session.execute(select(InsightOp.counter, InsightOp.kind).where(
                InsightOp.study_id == study_id, InsightOp.counter > seen).order_by(InsightOp.counter)).all()
            return [(counter, {"kind": kind}) for counter, kind in rows]
        return live.stream(live_topic(study_id), 0, fetch_since, shared=request.args.get("shared") == "1")
    app.add_url_rule("/_live/move-log/<int:study_id>", "test_move_log", move_log)


def test_a_screen_that_reconnects_catches_up_without_gaps_or_repeats(live_app):
    add_move_log_stream(live_app)
    server = LiveServer(live_app).start()
    study = live_app.study_ids[0]
    try:
        cookie = sign_in(server.port, "ana@example.org", PASSWORD)
        screen = Screen(server.port, f"/_live/move-log/{study}", cookie)
        screen.start()
        assert screen.wait_connected()
        make_moves(live_app, 3)
        assert screen.wait_for(3, timeout=3), screen.ids

        live.end_streams(live_app)  # the connection drops (a worker restarts, the wifi blinks) ...
        make_moves(live_app, 4)  # ... and moves go on meanwhile
        assert screen.wait_connected(times=2), "the screen did not reconnect"
        assert screen.wait_for(7, timeout=3), screen.ids
        make_moves(live_app, 1)
        assert screen.wait_for(8, timeout=3), screen.ids
        screen.stop()
        assert screen.ids == [1, 2, 3, 4, 5, 6, 7, 8]
    finally:
        server.stop()
    assert live_app.extensions[live.EXTENSION].open == 0, "a stream outlived its connection"


def test_the_workspace_stream_sends_the_change_counter_after_each_move(live_app):
    server = LiveServer(live_app).start()
    study = live_app.study_ids[0]
    try:
        cookie = sign_in(server.port, "ana@example.org", PASSWORD)
        make_moves(live_app, 2)  # before the screen opened: it starts from the counter it was given
        screen = Screen(server.port, f"/api/studies/{study}/insights/live?since=2", cookie)
        screen.start()
        assert screen.wait_connected()
        began = time.monotonic()
        make_moves(live_app, 1)
        assert screen.wait_for(3, timeout=3), screen.ids
        assert screen.arrivals[0][1] - began < 1.0, "the move took over a second to reach the screen"
        screen.stop()
        assert screen.ids == [3]

        # Someone who is not a member of the study gets no stream.
        with live_app.app_context():
            make_user("eve@example.org", name="Eve")
        stranger = Screen(server.port, f"/api/studies/{study}/insights/live", sign_in(
            server.port, "eve@example.org", PASSWORD))
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        stranger.follow(connection)
        connection.close()
        assert stranger.refusals == [404] and stranger.ids == []
    finally:
        server.stop()


def test_after_a_poke_one_fetch_serves_every_screen_of_a_shared_feed(live_app):
    add_move_log_stream(live_app)
    server = LiveServer(live_app).start()
    study = live_app.study_ids[0]
    try:
        cookie = sign_in(server.port, "ana@example.org", PASSWORD)
        screens = [Screen(server.port, f"/_live/move-log/{study}?shared=1", cookie) for _ in range(5)]
        for screen in screens:
            screen.start()
        assert all(screen.wait_connected() for screen in screens)
        deadline = time.monotonic() + 5
        while len(live_app.fetches) < 5 and time.monotonic() < deadline:
            time.sleep(0.05)  # each screen's first fetch is its own
        assert len(live_app.fetches) == 5
        make_moves(live_app, 1)
        assert all(screen.wait_for(1, timeout=3) for screen in screens), [s.ids for s in screens]
        assert len(live_app.fetches) == 6, "each screen fetched for itself"
        for screen in screens:
            screen.stop()
        assert all(screen.ids == [1] for screen in screens)
    finally:
        server.stop()


def test_past_its_most_streams_a_worker_refuses_a_screen_which_then_polls(live_app):
    """Streams never take the threads ordinary pages need: under gunicorn a quarter of them stay for
    pages (gunicorn.conf.py), and a screen past the cap is told 503 with Retry-After (live.js polls)."""
    hub = live_app.extensions[live.EXTENSION]
    live.fit_to_threads(8)
    assert hub.max_streams == 4
    live.fit_to_threads(256)
    assert hub.max_streams == 4  # a cap is only ever lowered: the worker's threads were 8
    hub.max_streams = 1
    server = LiveServer(live_app).start()
    study = live_app.study_ids[0]
    try:
        cookie = sign_in(server.port, "ana@example.org", PASSWORD)
        first = Screen(server.port, f"/api/studies/{study}/insights/live", cookie)
        first.start()
        assert first.wait_connected()
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        connection.request("GET", f"/api/studies/{study}/insights/live", headers={"Cookie": cookie})
        refused = connection.getresponse()
        assert (refused.status, refused.getheader("Retry-After")) == (503, "30")
        refused.read()
        connection.close()
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        connection.request("GET", f"/api/studies/{study}/insights/changes?since=0", headers={"Cookie": cookie})
        assert connection.getresponse().status == 200  # the polling it falls back to is served
        connection.close()
        first.stop()
    finally:
        server.stop()


def test_where_a_screen_resumes_is_read_strictly(live_app):
    """Last-Event-ID and ?since= come from the browser: only ASCII digits within a BIGINT count."""
    cases = [({"Last-Event-ID": "12"}, "", 3, 12), ({"Last-Event-ID": "١٢"}, "", 3, 3),
             ({}, "99999999999999999999", 3, 3), ({"Last-Event-ID": "-5"}, "7", 0, 7), ({}, "", 4, 4)]
    for headers, since, route_says, expected in cases:
        with live_app.test_request_context(f"/?since={since}", headers=headers):
            assert live.resume_point(route_says) == expected, (headers, since)
