"""Static files under fingerprinted names, cached for a year, compressed once when the app starts.

At start the app copies every file of static/ to a build folder under a name that carries a digest of
its content (`js/app.js` becomes `js/app.3f2a9c1b7d4e.js`) and writes a `.gz` and a `.br` beside each
text file. Scripts and stylesheets are copied without their comments and indentation, line for line
(slim.py): about 30 % less to download, and a stack trace still names the source's lines.
The names are content-addressed, so the copies are made once, never go stale, and many processes
(gunicorn workers, test workers) can build into one folder at the same time. WhiteNoise then serves
them with `Cache-Control: max-age=31536000, immutable`; `url_for('static', filename=...)`
answers the fingerprinted name. The plain names stay served too (60 s), for a browser without import
maps (Safari before 16.4): it loads the entry by its fingerprint and the rest by their plain names,
each once, and offline the worker answers those with its fingerprinted copies (static/sw.js). Copies
of older versions stay in the folder (a few kB per changed file), unserved; `make clean` removes them.

Modules import each other by relative path ("./db.js"). In the copies those imports name the
fingerprinted files ("./db.1c9e0a7b55f2.js"), so a module's name is a digest of its own source and of
every module it reaches: a change to db.js renames db.js and its importers, nothing else, and a phone
updating downloads just those. The worker (sw-sync.js, pwa.py) imports the same fingerprinted files,
so it shares the page's downloads. An import map in every page's <head> also sends each plain name to
its fingerprinted file, so whoever asks by the plain name (a test's `import('/static/js/db.js')`, a
module whose import line the pattern below misses) gets the very same module, never a second copy
with its own state and listeners. A folder per release would have made every file new at every
change. The import map is an inline script: the page's CSP allows exactly it, by its hash (security.py).
"""
import base64
import gzip
import hashlib
import json
import os
import re
import tempfile
from pathlib import Path

from markupsafe import Markup

from fieldnotes import slim

try:
    import brotli
except ImportError:  # gzip alone still serves every browser; brotli is in pyproject.toml's dependencies
    brotli = None

# Not "public": that lets a shared cache keep an answer to a request with an Authorization header, and no
# request for a static file has one (8 bytes of each answer).
FOREVER = "max-age=31536000, immutable"
DIGEST_LENGTH = 12
# Served from the site's root by pwa.py (a worker's scope is its folder); they name their version.
WORKER_SCRIPTS = {"sw.js", "sw-sync.js"}
# Text compresses; PNG, ICO and the like are compressed already.
COMPRESSIBLE = {".js", ".css", ".svg", ".json", ".txt", ".html", ".webmanifest"}
# A file name an import map (JSON inside a <script>) and a URL can carry without escaping.
PLAIN_NAME = re.compile(r"^[A-Za-z0-9_./-]+$")
FAVICON = "icons/favicon.ico"


class Assets:
    """The fingerprinted names of one build: what url_for, the import map and WhiteNoise serve."""

    def __init__(self, static_folder, build_folder):
        self.static_folder = Path(static_folder)
        self.build_folder = Path(build_folder)
        self.names = build(self.static_folder, self.build_folder)
        modules = {f"/static/{plain}": f"/static/{name}" for plain, name in self.names.items()
                   if plain.endswith(".js")}
        self.import_map = json.dumps({"imports": modules}, sort_keys=True, separators=(",", ":"))
        digest = hashlib.sha256(self.import_map.encode()).digest()
        self.import_map_hash = f"'sha256-{base64.b64encode(digest).decode()}'"
        self.urls = {f"/static/{name}" for name in self.names.values()}

    def fingerprinted(self, filename):
        return self.names.get(filename, filename)

    def serve(self, whitenoise):
        """Add the fingerprinted copies to WhiteNoise (the plain names are its root), and /favicon.ico."""
        for name in self.names.values():
            whitenoise.add_file_to_dictionary(f"/static/{name}", str(self.build_folder / name))
            validated_by_etag_alone(whitenoise.files[f"/static/{name}"])
        if FAVICON in self.names:
            # Browsers ask for /favicon.ico on pages with no <link rel=icon> (the error page, presentations).
            whitenoise.add_file_to_dictionary("/favicon.ico", str(self.build_folder / self.names[FAVICON]))

    def add_cache_headers(self, headers, url):
        if url in self.urls:
            headers["Cache-Control"] = FOREVER
            # The digest its name carries, not WhiteNoise's file time and size: the same on every app server
            # behind a load balancer, so a revalidation that lands on another one is still a 304.
            headers["ETag"] = f'"{url.rsplit(".", 2)[1]}"'


def validated_by_etag_alone(static_file):
    """A fingerprinted file's answers without Last-Modified: 46 bytes of each (issue 11, the first load's 60 kB).

    Its name changes with its content, so a browser never asks whether it changed, but for the worker's first
    install: Chromium revalidates the worker's imports then, and WhiteNoise answers that by the ETag, the digest
    (add_cache_headers). WhiteNoise adds Last-Modified after add_headers_function, hence here.
    """
    static_file.alternatives = [(accepted, path, [(name, value) for name, value in headers if name != "Last-Modified"])
                                for accepted, path, headers in static_file.alternatives]
    static_file.last_modified = None  # an If-Modified-Since alone, which no browser sends without the date, is a 200


def build(static_folder, build_folder):
    """Copy each static file to its fingerprinted name (and a .gz and .br beside it), unless already there."""
    sources = {path.relative_to(static_folder).as_posix(): path.read_bytes()
               for path in sorted(static_folder.rglob("*")) if path.is_file()}
    sources = {plain: data for plain, data in sources.items()
               if plain not in WORKER_SCRIPTS and PLAIN_NAME.match(plain) and "/." not in f"/{plain}"}
    names = {plain: fingerprint(plain, digest_of(plain, sources)) for plain in sources}
    for plain, data in sources.items():
        target = build_folder / names[plain]
        if not target.exists():  # made once per version of a file: the whole build takes ~0.3 s, slimming ~0.07 s of it
            write_once(target, served_copy(plain, data, names))
        if target.suffix in COMPRESSIBLE:
            compress(target)
    return names


def served_copy(plain, data, names):
    """What a browser gets under the fingerprinted name: a module names its imports' fingerprinted copies,
    and scripts and stylesheets come without their comments and indentation (slim.py)."""
    if plain.endswith(".js"):
        return with_fingerprinted_imports(plain, slim.javascript(data.decode()).encode(), names)
    if plain.endswith(".css"):
        return slim.css(data.decode()).encode()
    return data


def compress(target):
    """The .gz (every browser) and .br (15% smaller; every browser over HTTPS) that WhiteNoise serves.

    The strongest levels cost nothing per request: they run once per file version, not per download.
    """
    packers = {".gz": lambda body: gzip.compress(body, 9, mtime=0)}
    if brotli:
        packers[".br"] = lambda body: brotli.compress(body, quality=11)
    for suffix, pack in packers.items():
        packed = target.with_name(target.name + suffix)
        if not packed.exists():
            write_once(packed, pack(target.read_bytes()))


# import x from "./x.js", import "./x.js", import("./x.js"), export {x} from "./x.js": same folder only.
RELATIVE_IMPORT = re.compile(rb"""(\b(?:from|import)\s*\(?\s*)(["'])\./([\w.-]+\.js)\2""")


def imported(plain, data, sources):
    folder = plain.rpartition("/")[0]
    found = (f"{folder}/{m.group(3).decode()}".lstrip("/") for m in RELATIVE_IMPORT.finditer(data))
    return [name for name in found if name in sources]


def digest_of(plain, sources):
    """A file's own content; for a module, also every module it reaches (its copy names their digests).

    A script's or stylesheet's also names the slimming that made its copy, so a change to slim.py renames them."""
    digest = hashlib.sha256(sources[plain])
    if plain.endswith((".js", ".css")):
        digest.update(slim.VERSION)
    if plain.endswith(".js"):
        reached, todo = set(), imported(plain, sources[plain], sources)
        while todo:  # a walk, not a recursion: import cycles are legal in ES modules
            name = todo.pop()
            if name not in reached and name != plain:
                reached.add(name)
                todo.extend(imported(name, sources[name], sources))
        for name in sorted(reached):
            digest.update(b"\0" + name.encode() + b"\0" + sources[name])
    return digest.hexdigest()[:DIGEST_LENGTH]


def fingerprint(plain, digest):
    stem, dot, suffix = plain.rpartition(".")
    return f"{stem}.{digest}.{suffix}" if dot and "/" not in suffix else f"{plain}.{digest}"


def with_fingerprinted_imports(plain, data, names):
    folder = plain.rpartition("/")[0]

    def rename(match):
        name = names.get(f"{folder}/{match.group(3).decode()}".lstrip("/"))
        if name is None:
            return match.group(0)
        quote = match.group(2)
        return match.group(1) + quote + b"./" + name.rpartition("/")[2].encode() + quote
    return RELATIVE_IMPORT.sub(rename, data)


def write_once(target, data):
    """Write to a temporary name and rename: another process building the same file sees all or nothing."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".building-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def default_build_folder(app):
    """build/static beside static/ (git ignores it); FIELDNOTES_STATIC_BUILD moves it (a read-only checkout)."""
    return app.config.get("STATIC_BUILD") or str(Path(app.static_folder).resolve().parent / "build" / "static")


def init_app(app):
    assets = Assets(app.static_folder, default_build_folder(app))
    app.extensions["fieldnotes.assets"] = assets

    @app.url_defaults
    def fingerprint_static(endpoint, values):
        # url_for('static', filename='js/app.js') keeps its form and answers the name cached for a year.
        if endpoint == "static" and "filename" in values:
            values["filename"] = assets.fingerprinted(values["filename"])

    @app.context_processor
    def import_map():
        return {"import_map": Markup(assets.import_map)}

    @app.cli.command("build-static")
    def build_static():
        """Make the fingerprinted, compressed copies of static/ (the app makes any missing ones at start).

        Run at install, so a deployment can then start with a read-only FIELDNOTES_STATIC_BUILD."""
        print(f"{len(assets.names)} static files fingerprinted and compressed in {assets.build_folder}")

    return assets
