"""A PostgreSQL connection left open by a test names the test that made it, and fails no other.

psycopg warns (ResourceWarning) when a connection it never closed is garbage-collected. That happens when the
collector runs, in whatever test is running then: under `filterwarnings = error` it failed an unrelated SQLite test
once in CI (test_accounts, session 18), and the warning said nothing of where the connection came from. Here each
connection remembers the test that made it, and the warning names that test instead. It is shown in the warnings
summary (pyproject.toml lets this one message through, not as an error), so the next leak is found by reading the
CI log, where a rerun of the whole suite might not hit it again.
"""
import warnings

import psycopg

MESSAGE = "a PostgreSQL connection made by {} was left open: it is closed by the garbage collector"
_running = ["(no test)"]
_made = psycopg.Connection.__init__


def _remembering(self, *args, **kwargs):
    _made(self, *args, **kwargs)
    self.fieldnotes_made_by = _running[0]


def _naming_its_maker(self):
    """psycopg's own check (BaseConnection.__del__), with the test that made the connection in its warning."""
    if not hasattr(self, "pgconn") or self.closed or hasattr(self, "_pool"):
        return
    warnings.warn(MESSAGE.format(getattr(self, "fieldnotes_made_by", "(unknown)")), ResourceWarning, stacklevel=2)


psycopg.Connection.__init__ = _remembering
psycopg.Connection.__del__ = _naming_its_maker


def pytest_runtest_logstart(nodeid, location):
    _running[0] = nodeid


def pytest_runtest_logfinish(nodeid, location):
    _running[0] = f"(after {nodeid})"
