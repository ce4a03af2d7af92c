"""Bytes a phone downloads to open the capture screen the first time, until it works offline.

    .venv/bin/python bench/capture_wire_bench.py                       # this tree
    BENCH_TREE=/tmp/before .venv/bin/python bench/capture_wire_bench.py # another checkout, same count
    BENCH_VIA=h2 .venv/bin/python bench/capture_wire_bench.py          # through nginx, TLS and HTTP/2
    BENCH_VIA=h2 BENCH_PROXY=caddy .venv/bin/python bench/capture_wire_bench.py   # through Caddy
    BENCH_LIST=1 .venv/bin/python bench/capture_wire_bench.py             # each answer's header and body bytes

BENCH_VIA=h2 puts a TLS proxy speaking HTTP/2 in front of the app, as a deployment does, and counts every byte
the phone receives on its TCP connections (bench/wire_proxies.py; `apt-get install nginx-light caddy`).

The app on a real port (werkzeug, threaded), counted at the server: status line, headers and body of
every answer as sent. Headless Chromium as a 360 px phone signs in in one browser context, then a
fresh context (empty HTTP cache, no worker) opens the capture screen of a study with the default
journey, a visit and two participants, and waits until the worker controls the page with its whole
shell stored and the network is idle. tests/browser/test_static_wire.py keeps the budget.
"""
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

TREE = Path(os.environ.get("BENCH_TREE", Path(__file__).resolve().parent.parent)).resolve()
sys.path.insert(0, str(TREE))

from playwright.sync_api import sync_playwright  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from fieldnotes import create_app  # noqa: E402
from fieldnotes.extensions import db  # noqa: E402
from tests.factories import PASSWORD, make_participant, make_study, make_user, make_visit  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from wire_proxies import ByteRelay, start_proxy  # noqa: E402

PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class WireCount:
    def __init__(self, app):
        self.app, self.sent = app, []

    def __call__(self, environ, start_response):
        head, size = [0], [0]

        def counting(status, headers, exc_info=None):
            head[0] = len(f"HTTP/1.1 {status}\r\n") + sum(len(f"{k}: {v}\r\n") for k, v in headers) + 2
            return start_response(status, headers, exc_info)
        body = self.app(environ, counting)
        try:
            for chunk in body:
                size[0] += len(chunk)
                yield chunk
        finally:
            getattr(body, "close", lambda: None)()
            self.sent.append((environ["PATH_INFO"], head[0], size[0]))


def kind(path):
    if path.startswith("/api/"):
        return "study data (JSON)"
    if path in ("/sw.js", "/sw-sync.js"):
        return "worker scripts"
    suffix = Path(path).suffix
    return {".js": "modules", ".css": "stylesheet", ".png": "icons", ".ico": "icons"}.get(
        suffix, "pages (capture, offline) and manifest")


def main():
    workdir = tempfile.mkdtemp(prefix="capture-wire-")
    proxy = os.environ.get("BENCH_PROXY", "nginx") if os.environ.get("BENCH_VIA") == "h2" else None
    behind_tls = {"PROXIES": 1, "SECURE_COOKIES": True} if proxy else {}
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir}/bench.sqlite", "SECRET_KEY": "bench",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "MEDIA_ROOT": f"{workdir}/media", **behind_tls})
    with app.app_context():
        db.create_all()
        researcher = make_user("rosa@example.org", name="Rosa Lindqvist")
        study = make_study(researcher=[researcher])
        visit = make_visit(study)
        for name in ("P1", "P2"):
            make_participant(study, visits=[visit], pseudonym=name)
        study_id, first_touchpoint = study.id, study.touchpoints[0].name
        shell = re.search(r"const SHELL ?= ?\[(.*?)\];", app.test_client().get("/sw.js").get_data(as_text=True))
        shell_size = shell.group(1).count(",") + 1
    counter = WireCount(app)
    server = make_server("127.0.0.1", 0, counter, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base, args, relay = f"http://127.0.0.1:{server.server_port}", ARGS, None
    if proxy:
        front, front_port, authority_key = start_proxy(proxy, workdir, server.server_port)
        relay = ByteRelay(front_port)
        base = f"https://localhost:{relay.port}"
        args = ARGS + [f"--ignore-certificate-errors-spki-list={authority_key}"]
    with sync_playwright() as playwright:
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        browser = playwright.chromium.launch(executable_path=chromium, args=args)
        signing_in = browser.new_context(**PHONE)
        page = signing_in.new_page()
        page.goto(f"{base}/login")
        page.get_by_label("Email").fill("rosa@example.org")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/login" not in url)
        cookies = signing_in.storage_state()
        signing_in.close()
        time.sleep(0.5)  # its connections closed: the phone's own are those opened from here
        first_connection = len(relay.connections) if relay else 0

        phone = browser.new_context(**PHONE, storage_state=cookies)
        page = phone.new_page()
        counter.sent.clear()
        page.goto(f"{base}/studies/{study_id}/capture")
        page.get_by_role("radio", name=first_touchpoint, exact=True).wait_for(state="attached")
        page.wait_for_function("() => navigator.serviceWorker.controller !== null")
        page.wait_for_function("""async (size) => {
            const name = (await caches.keys()).find(k => k.startsWith('fieldnotes-v'));
            return !!name && (await (await caches.open(name)).keys()).length === size;
        }""", arg=shell_size)
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(1000)
        sent = list(counter.sent)
        connections = relay.since(first_connection) if relay else []
        browser.close()
    if proxy:
        handshake = relay.handshake()
        front.terminate()
        front.wait()
    server.shutdown()

    by_kind = defaultdict(lambda: [0, 0, 0])
    for path, head, body in sent:
        by_kind[kind(path)][0] += 1
        by_kind[kind(path)][1] += body
        by_kind[kind(path)][2] += head
    print(f"tree {TREE}: capture screen, first load until offline-ready")
    print("| what | answers | bodies | headers |\n|---|---|---|---|")
    for name, (count, body, head) in sorted(by_kind.items(), key=lambda item: -item[1][1]):
        print(f"| {name} | {count} | {body:,} | {head:,} |")
    bodies, heads = sum(b for _, _, b in sent), sum(h for _, h, _ in sent)
    print(f"| total | {len(sent)} | {bodies:,} | {heads:,} |")
    if os.environ.get("BENCH_LIST"):
        for path, head, body in sent:
            print(f"  {path} {head} + {body}")
    print(f"on the wire: {bodies + heads:,} bytes (bodies {bodies:,} + HTTP/1.1 headers {heads:,})")
    if proxy:
        each = [c["received"] for c in connections]
        print(f"through {proxy}, TLS and HTTP/2: the phone received {sum(each):,} bytes on {len(each)} "
              f"connections ({', '.join(f'{n:,}' for n in each)}); a TLS handshake alone is {handshake:,} of them "
              "a connection")


if __name__ == "__main__":
    main()
