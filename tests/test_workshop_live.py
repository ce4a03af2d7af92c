"""The workshop's stream on a real server, on both databases: phones' moves (made through the load
run's hook, bench/workshop_hook.py, over HTTP as phones make them) reach every open screen within a
second, each screen gets every move number once, and what a screen then fetches is the database's wall."""
import http.client
import json
import time

import pytest

from bench.workshop_hook import feed_path, move_request, prepare, stream_path
from fieldnotes import live
from fieldnotes.extensions import db
from tests.browser.conftest import LiveServer
from tests.factories import PASSWORD
from tests.live_support import Screen, post_json, sign_in
from tests.test_workshops import wall_in_db
from tests.workshops_world import build, email

PHONES = ("sam", "kim", "lee")


@pytest.fixture
def server(app):
    app.config["LIVE_HEARTBEAT_SECONDS"] = 5  # longer than any wait below: a lost poke fails the test
    running = LiveServer(app).start()
    yield running
    running.stop()
    live.close(app)


def test_moves_reach_every_screen_within_a_second_and_screens_agree_with_the_database(app, server):
    ids = build(app)
    with app.app_context():
        setup = prepare(ids["study"], ids["users"]["owner"], [ids["users"][who] for who in PHONES])
    cookies = {who: sign_in(server.port, email(who), PASSWORD) for who in PHONES + ("owner",)}
    screens = [Screen(server.port, stream_path(setup), cookies[who]) for who in PHONES + ("owner",)]
    for screen in screens:
        screen.start()
    for screen in screens:
        assert screen.wait_connected()
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    numbers = []
    for turn in range(6):
        who = PHONES[turn % len(PHONES)]
        method, path, body = move_request(setup, ids["users"][who], turn)
        began = time.monotonic()
        status, answer = post_json(connection, server.port, path, body, cookies[who])
        assert status == 200, answer
        numbers.append(answer["seq"])
        for screen in screens:
            assert screen.wait_for(answer["seq"], timeout=3), screen.ids
            arrived = next(at for seq, at in screen.arrivals if seq >= answer["seq"])
            assert arrived - began < 1.0, "a move took over a second to reach a screen"
    for screen in screens:
        screen.stop()
        assert screen.ids == sorted(set(screen.ids)) and screen.ids[-1] == numbers[-1]  # none twice, none lost

    connection.request("GET", feed_path(setup, 0), headers={"Cookie": cookies["owner"]})
    shown = json.loads(connection.getresponse().read())
    assert shown["seq"] == numbers[-1]
    assert {g["id"]: [c["id"] for c in g["cards"]] for g in shown["groups"] if g["cards"]} == \
        wall_in_db(app, setup["workshop_id"])

    with app.app_context():  # someone outside the study gets no stream
        from tests.factories import make_user
        make_user("eve@example.org", name="Eve")
        db.session.commit()
    stranger = Screen(server.port, stream_path(setup), sign_in(server.port, "eve@example.org", PASSWORD))
    watching = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    stranger.follow(watching)
    watching.close()
    assert stranger.refusals == [404] and stranger.ids == []
