"""The capture screen in headless Chromium on a phone: first-load bytes, offline reload, save.

    .venv/bin/python bench/capture_bench.py            # BENCH_RELOADS=20 BENCH_SAVES=30 by default

Debian's Chromium (tests/browser/conftest.py CHROMIUM_ARGS), a 360 x 740 touch
context, the app served by werkzeug on 127.0.0.1 with a seeded SQLite file.
(a) first load after sign-in, browser cache cleared: bytes as Chromium counts
    them (CDP Network.loadingFinished encodedDataLength, the page's requests) and
    as the server sent them (a WSGI counter, which also sees the service worker's
    precache fetches), with a gzip -6 estimate of each body for a compressing proxy;
(b) offline reload until the form is usable, timed in the page from navigation start;
(c) tap on Save to "Saved on this phone." (DOM change, and the next frame), in the page.
"""
import gzip
import logging
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import sync_playwright  # noqa: E402

from fieldnotes import create_app  # noqa: E402
from fieldnotes.extensions import db  # noqa: E402
from tests.browser.capture_support import capture_url, open_capture, settle  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, LiveServer  # noqa: E402
from tests.factories import PASSWORD, make_participant, make_study, make_user, make_visit  # noqa: E402

RELOADS = int(os.environ.get("BENCH_RELOADS", 20))
SAVES = int(os.environ.get("BENCH_SAVES", 30))

# Marks in the page, on performance.now() (0 = navigation start). "ready" is when capture-form.js
# attaches its submit handler, its last step: before it, Save would submit the form natively.
MARKS = """(() => {
  const marks = window.__marks = {};
  const add = EventTarget.prototype.addEventListener;
  EventTarget.prototype.addEventListener = function (type, ...rest) {
    if (type === "submit" && this.matches?.('[data-js="capture-form"]') && !marks.ready) marks.ready = performance.now();
    return add.call(this, type, ...rest);
  };
  document.addEventListener("click", (e) => {
    if (window.__save && e.target.closest?.(".save")) window.__save.tap = e.timeStamp;
  }, true);
  new MutationObserver(() => {
    if (!marks.text && document.getElementById("note-text")) marks.text = performance.now();
    if (!marks.chips && document.querySelector('[data-chips="touchpoint_id"] input')) marks.chips = performance.now();
    const save = window.__save;
    const status = document.querySelector("[data-form-status]");
    if (save && !save.saved && status?.textContent === "Saved on this phone.") {
      save.saved = performance.now();
      requestAnimationFrame(() => { save.frame = performance.now(); });
    }
  }).observe(document, {childList: true, subtree: true, characterData: true});
})()"""


class Counter:
    """WSGI middleware: every response's path, status, encoding and body, as the server sent it."""

    def __init__(self, app):
        self.app, self.log = app, []

    def __call__(self, environ, start_response):
        seen = {}

        def start(status, headers, exc_info=None):
            seen.update(status=status, headers={k.lower(): v for k, v in headers})
            return start_response(status, headers, exc_info)

        body = b"".join(self.app(environ, start))
        self.log.append({"path": environ["PATH_INFO"], "status": seen["status"][:3], "body": body,
                         "encoding": seen["headers"].get("content-encoding", ""),
                         "type": seen["headers"].get("content-type", "").split(";")[0]})
        return [body]


def seed(url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        db.create_all()
        researcher = make_user("rosa@example.org", name="Rosa Lindqvist")
        study = make_study(researcher=[researcher])
        visit = make_visit(study)
        make_participant(study, visits=[visit], pseudonym="P1")
        make_participant(study, visits=[visit], pseudonym="P2")
        field = {"study_id": study.id, "email": researcher.email,
                 "touchpoints": [t.name for t in study.touchpoints]}
    counter = Counter(app.wsgi_app)
    app.wsgi_app = counter
    return app, field, counter


def first_load(context, page, server, field, counter):
    """Sign in, clear the HTTP cache, open the capture screen; what crossed the wire."""
    from tests.browser.conftest import sign_in
    sign_in(page, server, field["email"], PASSWORD)
    cdp = context.new_cdp_session(page)
    requests = {}
    cdp.on("Network.requestWillBeSent", lambda e: requests.setdefault(e["requestId"], {})
           .update(url=e["request"]["url"]))
    cdp.on("Network.responseReceived", lambda e: requests.setdefault(e["requestId"], {}).update(
        encoding={k.lower(): v for k, v in e["response"]["headers"].items()}.get("content-encoding", ""),
        from_worker=e["response"].get("fromServiceWorker", False), type=e["type"]))
    cdp.on("Network.loadingFinished", lambda e: requests.setdefault(e["requestId"], {})
           .update(wire=e["encodedDataLength"]))
    cdp.send("Network.enable")
    cdp.send("Network.clearBrowserCache")
    counter.log.clear()
    open_capture(page, server, field, signed_in=True)
    page.wait_for_load_state("networkidle")
    cdp.send("Network.disable")
    return [r for r in requests.values() if "wire" in r], list(counter.log)


def gz(body):
    return len(gzip.compress(body, 6)) if body else 0


def report_first_load(browser_seen, server_sent):
    print("(a) first load of the capture screen (signed in, HTTP cache cleared)")
    bodies = {}
    for r in server_sent:
        if r["status"] == "200":
            bodies.setdefault(r["path"], r["body"])
    wire = gzipped = 0
    for r in sorted(browser_seen, key=lambda r: -r["wire"]):
        path = "/" + r["url"].split("/", 3)[3].split("?")[0]
        body = bodies.get(path, b"")
        # A gzip proxy: the same headers, the body gzipped (what a browser would then count).
        wire, gzipped = wire + r["wire"], gzipped + r["wire"] - len(body) + gz(body)
        print(f"    browser {r['wire']:>7,} B  gzip est {r['wire'] - len(body) + gz(body):>6,} B"
              f"  {r.get('type', '?'):<10} enc={r.get('encoding') or '-'} sw={r.get('from_worker')}  {path}")
    compressed = [r for r in browser_seen if r.get("encoding")]
    print(f"    PAGE: {len(browser_seen)} requests, {wire:,} B on the wire (headers included),"
          f" {len(compressed)} compressed; behind a gzip proxy about {gzipped:,} B")
    body = sum(len(r["body"]) for r in server_sent)
    print(f"    SERVER (page + the worker's install fetches): {len(server_sent)} responses,"
          f" bodies {body:,} B, gzipped {sum(gz(r['body']) for r in server_sent):,} B;"
          f" each path once: {sum(map(len, bodies.values())):,} B, gzipped {sum(map(gz, bodies.values())):,} B")
    paths = {}
    for r in server_sent:
        paths.setdefault(r["path"], []).append(f"{r['status']}:{len(r['body'])}")
    for path, sent in sorted(paths.items()):
        print(f"    server {path:<32} {' '.join(sent)}  (gzip {gz(bodies.get(path, b'')):,} B)")


def offline_reloads(context, page):
    context.set_offline(True)
    runs = []
    for _ in range(RELOADS):
        response = page.reload()
        page.wait_for_function("() => window.__marks && window.__marks.ready && window.__marks.chips")
        marks = page.evaluate("""() => { const n = performance.getEntriesByType("navigation")[0];
          return {...window.__marks, response_end: n.responseEnd, dcl: n.domContentLoadedEventEnd}; }""")
        marks["from_worker"] = response.from_service_worker
        runs.append(marks)
    print(f"(b) offline reload to a usable form, {RELOADS} runs, ms from navigation start:")
    assert all(r["from_worker"] for r in runs), "an offline reload not served by the worker"
    for key in ("response_end", "text", "dcl", "chips", "ready"):
        values = [r[key] for r in runs]
        print(f"    {key:<13} p50 {statistics.median(values):6.1f}  p95 {p95(values):6.1f}  max {max(values):6.1f}")
    return runs


def saves(page, label):
    button = page.get_by_role("button", name="Save note")
    text = page.get_by_label("Note", exact=True)
    runs = []
    for i in range(SAVES):
        text.fill(f"Bench note {label} {i}: re-keys the order from the PDF by hand.")
        page.evaluate("() => { window.__save = {}; }")
        button.tap()
        page.wait_for_function("() => window.__save.frame !== undefined")
        runs.append(page.evaluate("() => window.__save"))
        settle(page)
    to_dom = [r["saved"] - r["tap"] for r in runs]
    to_frame = [r["frame"] - r["tap"] for r in runs]
    print(f"(c) tap Save -> 'Saved on this phone.', {label}, {SAVES} saves, ms:"
          f" text p50 {statistics.median(to_dom):.1f} p95 {p95(to_dom):.1f};"
          f" next frame p50 {statistics.median(to_frame):.1f} p95 {p95(to_frame):.1f} max {max(to_frame):.1f}")


def p95(values):
    return statistics.quantiles(values, n=20)[18]


def main():
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    with tempfile.TemporaryDirectory() as tmp:
        app, field, counter = seed(f"sqlite:///{tmp}/bench.sqlite")
        server = LiveServer(app).start()
        try:
            with sync_playwright() as p:
                launch = {"args": CHROMIUM_ARGS, **({"executable_path": CHROMIUM} if CHROMIUM else {})}
                browser = p.chromium.launch(**launch)
                context = browser.new_context(**PHONE)
                context.add_init_script(MARKS)
                page = context.new_page()
                report_first_load(*first_load(context, page, server, field, counter))
                assert page.url == capture_url(server, field)
                saves(page, "online")
                offline_reloads(context, page)
                saves(page, "offline")
                browser.close()
        finally:
            server.stop()
            with app.app_context():
                db.engine.dispose()


if __name__ == "__main__":
    main()
