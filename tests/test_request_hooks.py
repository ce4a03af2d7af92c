"""The per-request work cut for a phone's no-change pull (issue 11, session 8) answers as it did."""
from datetime import timedelta

import pytest
from flask import Flask

from fieldnotes import Fieldnotes
from fieldnotes.security import EVERY_RESPONSE, NOT_A_PAGE, WORKER_SCRIPT


def open_twice(app, data):
    """The same signed cookie opened by two requests, one after the other: (first session, second session)."""
    interface = app.session_interface
    value = interface.get_signing_serializer(app).dumps(data)
    cookie = f"{app.config['SESSION_COOKIE_NAME']}={value}"
    sessions = []
    for _ in range(2):
        with app.test_request_context("/", headers={"Cookie": cookie}) as context:
            sessions.append(interface.open_session(app, context.request))
            if len(sessions) == 1:  # what a request may do to its session before the next one opens it
                sessions[0]["_fresh"] = False
                sessions[0].get("_flashes", []).append("changed")
    return sessions


@pytest.mark.parametrize("data", [
    {"_fresh": True, "_id": "ab" * 64, "_user_id": "token"},  # a signed-in session: copied shallowly
    {"_fresh": True, "_user_id": "token", "_flashes": [["message", "Saved."]]},  # a list in it: copied deeply
])
def test_a_remembered_cookie_gives_each_request_its_own_session(app, data):
    first, second = open_twice(app, data)
    assert first["_fresh"] is False
    assert dict(second) == data  # the second request sees the cookie's data, not the first request's changes
    assert second is not first


def test_a_remembered_cookie_still_checks_its_age(app):
    first, second = open_twice(app, {"_user_id": "token"})
    assert second["_user_id"] == "token"
    app.permanent_session_lifetime = timedelta(seconds=-1)  # every cookie now too old, remembered or not
    value = app.session_interface.get_signing_serializer(app).dumps({"_user_id": "token"})
    with app.test_request_context("/", headers={"Cookie": f"{app.config['SESSION_COOKIE_NAME']}={value}"}) as ctx:
        assert dict(app.session_interface.open_session(app, ctx.request)) == {}


def test_ensure_sync_remembers_plain_functions_only():
    app = Fieldnotes(__name__)

    def view():
        return "plain"

    class Holder:
        def method(self):
            return "bound"

    assert app.ensure_sync(view) is view and app.ensure_sync(view) is view
    assert view in app._synced
    bound = Holder().method
    assert app.ensure_sync(bound) == bound and bound not in app._synced  # made anew per call by some callers

    async def later():
        return "async"

    # Still handed to Flask's own async wrapping (which needs asgiref: absent here, so Flask says so).
    with pytest.raises(RuntimeError, match="async"):
        app.ensure_sync(later)
    assert later not in app._synced


def test_ensure_sync_remembers_so_many_and_then_asks_flask(monkeypatch):
    app = Fieldnotes(__name__)
    monkeypatch.setattr(Fieldnotes, "REMEMBERED", 2)
    functions = [eval("lambda: None") for _ in range(3)]
    for function in functions:
        assert app.ensure_sync(function) is function
    assert list(app._synced) == functions[:2]
    assert isinstance(app, Flask)


@pytest.mark.parametrize("url, policy", [("/login", EVERY_RESPONSE), ("/api/sync/pull?study_id=1", NOT_A_PAGE)])
def test_security_headers_in_order_on_https(app, client, url, policy):
    """Each header once, in the order they always came: the policy's (a page's five, JSON's three), then HSTS,
    then Cache-Control."""
    client.post("/logout")
    response = client.get(url, base_url="https://localhost")  # signed out: the sign-in page, a 401
    names = [name for name, _ in response.headers if name in EVERY_RESPONSE
             or name in ("Strict-Transport-Security", "Cache-Control")]
    assert names == [*policy, "Strict-Transport-Security", "Cache-Control"]
    if policy is NOT_A_PAGE:
        assert response.status_code == 401
        assert response.headers.get_all("Vary") == ["Accept-Encoding, Cookie"]
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert response.headers["Cache-Control"] == "no-store"


def test_a_header_the_view_set_is_left_as_it_is(app, client):
    """A view's own Cache-Control (the service worker's no-cache) is not replaced or doubled; a worker's policy once."""
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.headers.get_all("Cache-Control") == ["no-cache"]
    assert [response.headers.get_all(name) for name in WORKER_SCRIPT] == [[value] for value in WORKER_SCRIPT.values()]
