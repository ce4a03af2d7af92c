"""On SQLite, writers in this process take turns through a fair lock instead of polling.

SQLite allows one writer at a time, and its busy handler polls with sleeps,
which is unfair: under sync load a sign-in could lose every race for 10 s and
fail. A blocking lock hands turns over in order. It is reentrant, because the
sync service takes it again inside a request that already holds it.
PostgreSQL queues writers on its own row locks, so there it does nothing.
"""
import threading
from contextlib import contextmanager

from flask import current_app, g, request

from fieldnotes.extensions import db
from fieldnotes.security import UNSAFE_METHODS

local_writers = threading.RLock()


def on_sqlite():
    return db.engine.dialect.name == "sqlite"


@contextmanager
def writer_turn():
    if not on_sqlite():
        yield
        return
    with local_writers:
        yield


def init_app(app):
    app.before_request(take_turn_for_writes)
    app.teardown_request(end_turn)


def takes_own_turns(view):
    """Mark a view that takes writer_turn() itself around each of its writes, instead of for the
    whole request, because it does slow work between them (verifying an uploaded photo) that
    must not hold every other writer up."""
    view.takes_own_turns = True
    return view


def take_turn_for_writes():
    # The method first: most requests only read (a phone's pulls), and need no view looked up (issue 11).
    if request.method not in UNSAFE_METHODS or not on_sqlite():
        return
    if not getattr(current_app.view_functions.get(request.endpoint), "takes_own_turns", False):
        local_writers.acquire()
        g.writer_turn = True


def end_turn(exc):
    if g.pop("writer_turn", False):
        local_writers.release()
