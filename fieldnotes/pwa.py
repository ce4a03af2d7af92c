"""The installable capture app: service worker, manifest, offline page and the capture screen."""
import gzip
import hashlib
import re
from functools import lru_cache
from pathlib import Path

import brotli
from flask import Blueprint, Response, current_app, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from fieldnotes import slim
from fieldnotes.compression import SMALLEST
from fieldnotes.extensions import db
from fieldnotes.security import tag_page
from fieldnotes.studies.models import Membership
from fieldnotes.studies.permissions import allows, require

bp = Blueprint("pwa", __name__, cli_group=None)

VERSION_LINE = re.compile(r'^const VERSION = "([^"]*)";', re.MULTILINE)
CAPTURE_PATH = re.compile(r"^/studies/[1-9][0-9]{0,9}/capture$")
# What pages show offline: the home-screen icon, which is every page's icon too (base.html). The manifest's
# larger icons are read by the phone when the app is installed, which needs the network anyway.
ICONS = ["icons/icon-192.png"]


# The worker's own imports ("/static/js/db.js"): served with the fingerprinted names the page uses.
WORKER_IMPORT = re.compile(r'(\bimport\b[^"\n]*")/static/([\w./-]+\.js)"')

# Static imports, and dynamic ones (import("./x.js"), loaded on first use): all precached for offline, the
# interview recorder too: a phone that opens capture once and then loses its signal can record an interview.
IMPORT = re.compile(r'(?:from\s+|import\s*\(?\s*)"\./([\w-]+\.js)"')


def shell_files(static_folder):
    """What the worker precaches: the stylesheet, the capture app's modules and the icons."""
    return ["css/app.css", *(f"js/{name}" for name in capture_modules(static_folder)), *ICONS]


def capture_modules(static_folder):
    """app.js, the offline page's offline.js, and every module they import, read from the import lines.

    Laptop-only modules (the affinity workspace, presentation mode) are left
    out: a phone never runs them offline, and each costs bytes on first visit.
    """
    return sorted(imported(static_folder, ["app.js", "offline.js"]))


# The interview recorder and what only it needs: kept with the shell so that it works offline from the first
# visit, though the screen does not run it until a researcher records an interview. The first-load test holds
# these to a budget of their own as well as counting them in the whole (tests/browser/test_static_wire.py).
RECORDER_ROOTS = ("interview.js", "interview-store.js", "interview-upload.js")


def recorder_modules(static_folder):
    """The modules kept only for the recorder: RECORDER_ROOTS and what they import that the screen does not."""
    screen = imported(static_folder, ["app.js", "offline.js"], skip=set(RECORDER_ROOTS))
    return sorted(imported(static_folder, RECORDER_ROOTS) - screen)


def imported(static_folder, roots, skip=frozenset()):
    folder, found, todo = Path(static_folder) / "js", set(), list(roots)
    while todo:
        name = todo.pop()
        if name not in found and name not in skip:
            found.add(name)
            todo.extend(IMPORT.findall((folder / name).read_text()))
    return found


def shell_urls():
    """The shell under its fingerprinted names (assets.py): a file's name changes with its content."""
    return [url_for("static", filename=name) for name in shell_files(current_app.static_folder)]


def worker_version():
    digest = hashlib.sha256("\n".join(shell_urls()).encode())
    for name in ("sw.js", "sw-sync.js"):
        digest.update((Path(current_app.static_folder) / name).read_bytes())
    suffix = current_app.config.get("PWA_VERSION_SUFFIX", "")
    return digest.hexdigest()[:10] + (f"-{suffix}" if suffix else "")


@lru_cache(maxsize=64)
def strongest(body, encoding):
    return brotli.compress(body, quality=11) if encoding == "br" else gzip.compress(body, 9, mtime=0)


def packed(response):
    """Brotli 11 (or gzip 9) where compression.gzipped uses 5, kept per body: what the capture app sends.

    The workers and the offline page are the same bytes for every phone of a version, and the capture page
    the same for one researcher until the app changes (then a 304 by its ETag): packed once and kept, the
    strongest level costs ~20 ms a version, not a request, and takes ~12% off (sw.js 2,612 -> 2,291 bytes),
    bytes a phone pays for in the first load's 60 kB budget (issue 11). Like gzipped(): none of it holds a
    secret beside what a visitor typed (compression.py on BREACH).
    """
    response.vary.add("Accept-Encoding")
    body = response.get_data()
    encoding = next((name for name in ("br", "gzip") if request.accept_encodings[name]), None)
    if encoding and len(body) >= SMALLEST:
        response.set_data(strongest(body, encoding))
        response.headers["Content-Encoding"] = encoding
    return response


@lru_cache(maxsize=8)
def slimmed(source):
    """The worker without comments and indentation, like every script in static/ (assets.py): once a version."""
    return slim.javascript(source)


def worker_response(source, version_comment=""):
    response = Response(slimmed(source) + version_comment, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return packed(response)


@bp.get("/sw.js")
def service_worker():
    """Served from the root so its scope is the whole site (MDN: scope defaults to the script's folder).

    The cache name carries a digest of the shell's fingerprinted names, so a deploy that
    changes any file installs a new worker; tests add PWA_VERSION_SUFFIX to play an update.
    """
    source = (Path(current_app.static_folder) / "sw.js").read_text()
    source = VERSION_LINE.sub(lambda m: f'const VERSION = "{m.group(1)}-{worker_version()}";', source, 1)
    shell = ", ".join(f'"{url}"' for url in shell_urls())
    return worker_response(source.replace('"__SHELL__"', shell + ', "/offline", "/manifest.webmanifest"'))


@bp.get("/sw-sync.js")
def sync_worker():
    """The worker with Background Sync (a module that imports /sw.js), for browsers that have it.

    It names the version too: Chromium does not start an updated module worker whose
    own script is unchanged when only an import changed.
    """
    source = (Path(current_app.static_folder) / "sw-sync.js").read_text()
    # A worker has no import map: it names the fingerprinted files itself, the very ones the page loaded.
    source = WORKER_IMPORT.sub(lambda m: f'{m.group(1)}{url_for("static", filename=m.group(2))}"', source)
    return worker_response(source, version_comment=f"// version {worker_version()}\n")


@bp.get("/manifest.webmanifest")
def manifest():
    """The install manifest; `?start=/studies/<id>/capture` makes the app open on that study."""
    start = request.args.get("start", "")
    icons = [{"src": url_for("static", filename=f"icons/icon-{size}.png"), "sizes": f"{size}x{size}",
              "type": "image/png", "purpose": "any"} for size in (192, 512)]
    icons += [{"src": url_for("static", filename=f"icons/icon-maskable-{size}.png"),
               "sizes": f"{size}x{size}", "type": "image/png", "purpose": "maskable"}
              for size in (192, 512)]
    body = {
        "id": "/",
        "name": "Fieldnotes",
        "short_name": "Fieldnotes",
        "description": "Capture field research notes on your phone, online or not.",
        "start_url": start if CAPTURE_PATH.match(start) else url_for("pwa.start"),
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": "#1f5f5b",
        "background_color": "#fbfaf7",
        "icons": icons,
    }
    response = current_app.json.response(body)
    response.mimetype = "application/manifest+json"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/capture")
@login_required
def start():
    """Where the installed app opens without a study: the first study the user captures in."""
    for membership in db.session.scalars(Membership.of_user(current_user.id)):
        if allows(membership.role, "capture"):
            return redirect(url_for("pwa.capture", study_id=membership.study_id))
    return redirect(url_for("studies.index"))


@bp.get("/offline")
def offline():
    return packed(make_response(render_template("capture/offline.html")))


@bp.get("/studies/<id:study_id>/capture")
@login_required
def capture(study_id):
    membership = require(study_id, "capture")
    page = make_response(render_template("capture/capture.html", study=membership.study, membership=membership))
    # The phone's first visit loads this page, then sw-update.js fetches it again to keep it for offline
    # use: kept privately and revalidated, that second fetch is a 304, not the page twice. The page holds
    # no participant and no secret: only the researcher's own name, as the offline copy does.
    page.headers["Cache-Control"] = "private, no-cache"
    page.vary.add("Accept-Encoding")  # packed() compresses the 200; a 304 must vary by what the 200 does
    tag_page(page)
    page.make_conditional(request)
    if page.status_code == 304:
        return page
    # Compressed: it is what a phone loads in the field, and it shows no secret (compression.py).
    return packed(page)
