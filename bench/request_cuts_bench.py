"""Issue 11, session 8: each per-request cut for a phone's no-change pull, timed alone, the code before
against the code after, alternated 15 times in one process (2,000 calls each): CPU microseconds a pull.

    .venv/bin/python bench/request_cuts_bench.py [database url]    # default: SQLite in a temp dir

The "before" functions are copies of main's at 5c11023 (only the code each cut changed). Inside one request
context of GET /api/sync/pull, as a no-change pull's hooks run; "a response" is the cost of making the fresh
JSON response the header cuts work on, for scale. Whole pulls are 1,000 times these (http_cpu_bench.py).
"""
import copy
import os
import statistics
import sys
import tempfile
import time
import types
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from flask import Flask, current_app, request  # noqa: E402

from fieldnotes import cookie_sessions, create_app, security, writers  # noqa: E402
from fieldnotes.extensions import db  # noqa: E402

URL = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{tempfile.mkdtemp(prefix='request-cuts-')}/bench.sqlite"
PULL = "/api/sync/pull?study_id=1&cursor=0123456789abcdef0123456789abcdef:200&limit=500"
BODY = '{"changes":[],"cursor":"0123456789abcdef0123456789abcdef:200","has_more":false,"reset":false}\n'
# What Flask-Login keeps in a signed-in session cookie.
SIGNED_IN = {"_fresh": True, "_id": "03f0" * 32, "_user_id": "ForIMBHJc6Xzb9Y_Cg1ElALI4rpXXveU4bbmIELeKFE"}
CALLS, ROUNDS = 2000, 15


# --- before: main's code for what each cut changed ---------------------------------------------------

def dialect_before():
    return db.session.get_bind().dialect.name == "postgresql"


def security_headers_before(response):
    headers = response.headers
    present = {name.lower() for name in headers.keys()}
    headers.extend([(name, value) for name, value in current_app.extensions["fieldnotes.headers"].items()
                    if name.lower() not in present])
    if request.is_secure and "strict-transport-security" not in present:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if "cache-control" not in present and (request.path.startswith("/api/") or response.mimetype == "text/html"):
        headers["Cache-Control"] = "no-store"
    return response


def vary_before(response):
    response.headers["Vary"] = "Accept-Encoding"  # Vary absent, as on a pull


def writers_turn_before():
    view = current_app.view_functions.get(request.endpoint)
    return request.method in writers.UNSAFE_METHODS and writers.on_sqlite() and not getattr(
        view, "takes_own_turns", False)


# --- after: this tree's -------------------------------------------------------------------------------

def dialect_after():
    return db.engine.dialect.name == "postgresql"


def vary_after(response):
    response.headers.add("Vary", "Accept-Encoding")


def pairs(app):
    hooks = [f for funcs in app.before_request_funcs.values() for f in funcs]
    hooks += [f for funcs in app.after_request_funcs.values() for f in funcs]
    hooks += [f for funcs in app.teardown_request_funcs.values() for f in funcs]
    hooks += [*app.teardown_appcontext_funcs, app.view_functions["sync.pull"]]
    flask_sync = types.MethodType(Flask.ensure_sync, app)
    session_class = app.session_interface.session_class

    def response():
        return app.response_class(BODY, mimetype="application/json")
    return {
        "dialect check": (dialect_before, dialect_after),
        f"ensure_sync for the pull's {len(hooks)} functions": (lambda: [flask_sync(f) for f in hooks],
                                                               lambda: [app.ensure_sync(f) for f in hooks]),
        "a remembered cookie's session": (lambda: session_class(copy.deepcopy(SIGNED_IN)),
                                          lambda: session_class(cookie_sessions.private_copy(SIGNED_IN))),
        "security headers (with a response)": (lambda: security_headers_before(response()),
                                               lambda: security.add_security_headers(response())),
        "Vary (with a response)": (lambda: vary_before(response()), lambda: vary_after(response())),
        "writers' turn, a GET": (writers_turn_before, writers.take_turn_for_writes),
        "a response alone, for scale": (response, response),
    }


def timed(function):
    began = time.process_time()
    for _ in range(CALLS):
        function()
    return (time.process_time() - began) / CALLS * 1e6


def main():
    app = create_app({"SQLALCHEMY_DATABASE_URI": URL, "SECRET_KEY": "request cuts bench key, not a secret"})
    print(f"{'PostgreSQL' if URL.startswith('postgresql') else 'SQLite'}; load {os.getloadavg()}")
    with app.test_request_context(PULL):
        for name, (before, after) in pairs(app).items():
            times = {before: [], after: []}
            for round_ in range(ROUNDS):
                for function in (before, after) if round_ % 2 else (after, before):
                    times[function].append(timed(function))
            old, new = statistics.median(times[before]), statistics.median(times[after])
            print(f"  {name}: before {old:.1f} us, after {new:.1f} us: {old - new:+.1f} us a pull")
        db.session.remove()
    print(f"load after {os.getloadavg()}")


if __name__ == "__main__":
    main()
