"""Real headless Chromium (Debian's, driven by Playwright) against the real app on a real port."""
import shutil
import socket
import threading
import time

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wsgi import ClosingIterator

from fieldnotes import live

# Debian's Chromium when present; else Playwright's own (scripts/ensure-chromium).
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Without the background-networking flags Chromium keeps dialling out, and this
# machine's closed network refuses it (shared/testing.md).
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    args = {**browser_type_launch_args, "args": CHROMIUM_ARGS}
    return {**args, "executable_path": CHROMIUM} if CHROMIUM else args


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """Every page is a phone unless a test opens a laptop context itself."""
    return {**browser_context_args, **PHONE}


@pytest.fixture(autouse=True)
def close_what_the_test_left_open(request):
    """A test that opens its own browser contexts closes them at its end; one that fails first does not, and a
    page left open can keep working for the rest of the run (a board's clip seeking forever took a core for 21
    minutes of a CI run). So whatever a test left open is closed here, passed or failed."""
    yield
    if "browser" in request.fixturenames:
        for context in request.getfixturevalue("browser").contexts:
            context.close()


class InFlight:
    """The answers still being given, so a stop can wait for them, and close what is left.

    werkzeug's request threads are daemons that shutdown() does not join: a
    request the page sent just before the test ended would still hold a
    database connection when the app's engine is disposed, and that
    connection, dropped unclosed, warns later in whichever test then runs.
    And when a browser hangs up mid-answer, werkzeug never closes the answer
    (a static file stays open until the garbage collector warns about it).
    A request counts from when its thread reads its first line, before the app
    is called: one accepted just before shutdown() but read after the wait
    would open a connection in the pool that replaced the disposed one, and
    leave it open (a CI run's warning). Once stopping, the server reads no new
    request, and hangs up the connections it accepted that sent none yet (a
    browser opens spare ones), so their threads end without calling the app.
    """

    def __init__(self, app):
        self.app = app
        self.answers = {}  # one key per request: None while the app works on it, then its answer
        self.whole = set()  # the keys of answers werkzeug has taken all of, not yet closed
        self.accepted = set()  # the connections open, by socket
        self.reading = set()  # those with a request read and not yet answered (begin to end): the stop waits for them
        self.stopping = False
        self.idle = threading.Condition()

    def serve(self, server):
        """Count the connections `server` accepts, from before their threads start until they shut."""
        process, shut = server.process_request, server.shutdown_request

        def accept(request, client_address):
            with self.idle:
                self.accepted.add(request)
            process(request, client_address)

        def shutdown(request):
            try:
                shut(request)
            finally:
                with self.idle:
                    self.accepted.discard(request)
                    self.reading.discard(request)
                    self.idle.notify_all()

        server.process_request, server.shutdown_request = accept, shutdown
        with self.idle:
            self.stopping = False

    def begin(self, connection):
        """A request's first line has come: False when the server is stopping (then the app never sees it)."""
        with self.idle:
            if self.stopping:
                return False
            self.reading.add(connection)
            return True

    def end(self, connection):
        """The connection's request is answered. Kept alive, it waits for the next one: not a request to wait
        for, but a connection to hang up (stop_reading), or every stop would wait for the browser to close it."""
        with self.idle:
            self.reading.discard(connection)
            self.idle.notify_all()

    def stop_reading(self):
        with self.idle:
            self.stopping = True
            unread = self.accepted - self.reading
        for connection in unread:  # its thread is waiting for a request line: it reads none now, and ends
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def __call__(self, environ, start_response):
        key = object()
        with self.idle:
            self.answers[key] = None
        try:
            answer = ClosingIterator(self.app(environ, start_response), [lambda: self.done(key)])
        except BaseException:
            self.done(key)
            raise
        with self.idle:
            if key in self.answers:
                self.answers[key] = answer
        return Sending(answer, lambda: self.sent_whole(key))

    def sent_whole(self, key):
        with self.idle:
            self.whole.add(key)
            self.idle.notify_all()

    def done(self, key):
        with self.idle:
            self.answers.pop(key, None)
            self.whole.discard(key)
            self.idle.notify_all()

    def working(self):
        """Requests the app may still hold a connection for: read, or answered but not yet sent whole."""
        return self.reading or any(key not in self.whole for key in self.answers)

    def wait(self, timeout=3, nudge=None):
        """`nudge` is called while waiting: it ends live streams (one may open just as the server stops)."""
        deadline = time.monotonic() + timeout
        with self.idle:
            while self.working() and time.monotonic() < deadline:
                if nudge:
                    nudge()
                self.idle.wait_for(lambda: not self.working(), 0.2)
            dropped = [answer for answer in self.answers.values() if answer is not None]
        for answer in dropped:  # sent whole but still open, or the browser hung up mid-answer: werkzeug did not
            answer.close()      # close it


class Sending:
    """An answer that says when werkzeug has taken all of its body: by then the app has let go of its database
    connection. werkzeug closes an answer only after reading what the browser sends next on the connection, until
    it hangs up (serving.py's "discard remaining data"): a browser that kept it open after a sign-in's redirect
    made a stop wait its whole 3 s (60 browser tests of a CI run)."""

    def __init__(self, answer, taken):
        self.answer, self.taken = answer, taken

    def __iter__(self):
        for chunk in self.answer:  # not `yield from`, which would close the answer a second time on GeneratorExit
            yield chunk
        self.taken()

    def close(self):
        self.answer.close()


class Handler(WSGIRequestHandler):
    """Tells the server's InFlight (its app) when a request has begun to come, and when it is answered."""

    def handle_one_request(self):
        try:
            super().handle_one_request()
        finally:
            self.server.app.end(self.connection)

    def parse_request(self):
        if not self.server.app.begin(self.connection):
            self.close_connection = True  # hung up unanswered, as a stopped server would
            return False
        return super().parse_request()


def flask_app(served):
    """The Flask app under any test wrappers (a wire counter, a fault injector): each keeps it as .app."""
    while not hasattr(served, "extensions"):
        served = served.app
    return served


class LiveServer:
    """The app on 127.0.0.1, stoppable and restartable on the same port.

    A fresh port per test is a fresh origin, so no service worker or
    IndexedDB leaks between tests; restarting on the same port plays "the
    same phone, after the server came back".
    """

    def __init__(self, app):
        self.app = app
        self.requests = InFlight(app)
        self.port = 0
        self.server = None
        self.thread = None

    def start(self):
        self.server = make_server("127.0.0.1", self.port, self.requests, threaded=True, request_handler=Handler)
        self.requests.serve(self.server)
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.thread.join(5)
            self.requests.stop_reading()
            # A page's open event stream would hold its request thread: end it (and any that opened late).
            self.requests.wait(nudge=lambda: live.end_streams(flask_app(self.app)))
            self.server = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture
def live_server(app):
    server = LiveServer(app).start()
    yield server
    server.stop()


def sign_in(page, live_server, email, password):
    page.goto(f"{live_server.url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)


def assert_accessible(page):
    """axe-core (bundled, offline) finds no violations on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe
    results = Axe().run(page)
    violations = results.response["violations"]
    assert violations == [], results.generate_report()
