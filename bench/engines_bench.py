"""Save-to-durable and offline-reload on Chromium, Firefox ESR and WebKit, side by side in one run (issue 13).

    .venv/bin/python bench/engines_bench.py            # SAVES notes per engine (20), RELOADS offline reloads (5)

The app runs on a SQLite file in a temp dir with a study, a visit, two participants; each engine signs in,
opens the capture screen (kept by the service worker), then the server stops. Figures per engine, p50/p95 ms:
- save: the tap on Save until the screen says "Saved on this phone." (the IndexedDB transaction has completed,
  durability "strict"), a realistic note (touchpoint, role, participant, visit, tags) each time;
- floor: one plain IndexedDB put of the same record with durability "strict" in a scratch database, in the same
  page (what the engine itself takes, no app code);
- reload: an offline reload until the study context is on the screen and Save is enabled (served by the worker).
"""
import logging
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fieldnotes import create_app  # noqa: E402
from fieldnotes.extensions import db  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, LiveServer  # noqa: E402
from tests.engines.bidi import Firefox, FirefoxTab  # noqa: E402
from tests.engines.steps import open_capture, ready, save_note  # noqa: E402
from tests.engines.webkit import WebKitTab, Xvfb  # noqa: E402
from tests.factories import make_participant, make_study, make_user, make_visit  # noqa: E402

SAVES = int(os.environ.get("SAVES", 20))
RELOADS = int(os.environ.get("RELOADS", 5))

FLOOR = """async (n) => {
  const db = await new Promise((ok, no) => { const r = indexedDB.open('floor', 1);
    r.onupgradeneeded = () => r.result.createObjectStore('notes', { keyPath: 'id' });
    r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error); });
  const times = [];
  for (let i = 0; i < n; i++) {
    const note = { id: crypto.randomUUID(), study_id: 1, kind: 'observation', text: 'Floor note ' + i,
      touchpoint_id: 3, role_id: 2, participant_id: 1, visit_id: 1, tags: ['paper', 'workaround'],
      captured_at: new Date().toISOString(), media: [], no_person: false, version: null };
    const start = performance.now();
    await new Promise((ok, no) => { const t = db.transaction('notes', 'readwrite', { durability: 'strict' });
      t.objectStore('notes').put(note); t.oncomplete = ok; t.onabort = () => no(t.error); });
    times.push((performance.now() - start) / 1000);
  }
  db.close();
  return times; }"""


class ChromiumTab:
    """Chromium through Playwright, with the same three calls as the other engines' tabs."""

    name = "chromium"

    def __init__(self):
        from playwright.sync_api import sync_playwright
        self.playwright = sync_playwright().start()
        launch = {"args": CHROMIUM_ARGS, **({"executable_path": CHROMIUM} if CHROMIUM else {})}
        self.browser = self.playwright.chromium.launch(**launch)
        self.page = self.browser.new_context(viewport={"width": 360, "height": 740}).new_page()
        self.version = self.browser.version

    def goto(self, url):
        self.page.goto(url)

    def reload(self):
        self.page.reload()

    def call(self, function, *args):
        return self.page.evaluate(f"(a) => ({function})(...a)", list(args))

    def close(self):
        self.browser.close()
        self.playwright.stop()


def world(app):
    with app.app_context():
        db.create_all()
        researcher = make_user("rosa@example.org", name="Rosa Lindqvist")
        study = make_study(researcher=[researcher])
        visit = make_visit(study)
        make_participant(study, visits=[visit], pseudonym="P1")
        return {"study_id": study.id, "email": researcher.email, "touchpoints": [t.name for t in study.touchpoints]}


def choose_all(tab, field):
    """A realistic note: a touchpoint, a role and a participant chosen, as in the field."""
    tab.call("""(name) => { for (const legend of ['Touchpoint', 'Role', 'Participant']) {
        const set = [...document.querySelectorAll('fieldset')]
          .find(f => f.querySelector('legend')?.textContent.includes(legend));
        const label = set && set.querySelector('label.chip-label');
        if (label && !set.querySelector('input:checked')) label.click(); } }""", field["touchpoints"][1])


def measure(make_tab, app, field):
    server = LiveServer(app).start()
    tab = make_tab()
    try:
        open_capture(tab, server, field)
        server.stop()
        saves = []
        for i in range(SAVES):
            choose_all(tab, field)
            saves.append(save_note(tab, f"Rekeys order {i} from the paper form into the old system"))
        floor = tab.call(FLOOR, SAVES)
        reloads = []
        for _ in range(RELOADS):
            start = time.monotonic()
            tab.reload()
            ready(tab, field)
            reloads.append(time.monotonic() - start)
        return tab.name, tab.version, saves, floor, reloads
    finally:
        tab.close()
        server.stop()


def ms(values):
    values = sorted(values)
    p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
    return f"{statistics.median(values) * 1000:.0f} / {p95 * 1000:.0f}"


def main():
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no request log between the figures
    folder = Path(tempfile.mkdtemp(prefix="fn-engines-bench-"))
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite'}",
                      "MEDIA_ROOT": str(folder / "media")})
    field = world(app)
    firefox, screen = Firefox(), Xvfb()
    try:
        runs = [measure(ChromiumTab, app, field), measure(lambda: FirefoxTab(firefox), app, field),
                measure(lambda: WebKitTab(screen.display), app, field)]
    finally:
        firefox.quit()
        screen.stop()
    print(f"{platform.machine()}, {os.cpu_count()} cores; {SAVES} saves, {RELOADS} offline reloads per engine "
          "(one run)")
    print("| engine | version | save to durable p50 / p95 ms | IndexedDB floor p50 / p95 ms "
          "| offline reload p50 / p95 ms |")
    print("| --- | --- | --- | --- | --- |")
    for name, version, saves, floor, reloads in runs:
        print(f"| {name} | {version} | {ms(saves)} | {ms(floor)} | {ms(reloads)} |")


if __name__ == "__main__":
    main()
