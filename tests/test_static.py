"""Static files under fingerprinted names for a year, gzipped once; JSON gzipped for phones; a favicon."""
import base64
import gzip
import hashlib
import json
import re
import uuid
from pathlib import Path

import brotli
import pytest
from flask import render_template_string, url_for

from fieldnotes import slim
from fieldnotes.assets import FOREVER, Assets
from fieldnotes.compression import SMALLEST
from fieldnotes.security import STATIC_FILE
from tests.factories import note_mutation

STATIC = Path(__file__).resolve().parent.parent / "static"
FINGERPRINT = re.compile(rb"\.[0-9a-f]{12}(?=\.js\")")
FINGERPRINTED = re.compile(r"^/static/(?P<stem>.+)\.(?P<digest>[0-9a-f]{12})(?P<suffix>\.\w+)$")


def fingerprinted_url(app, filename):
    with app.test_request_context():
        return url_for("static", filename=filename)


def test_url_for_names_each_file_by_its_content_and_it_is_served_for_a_year(app, client):
    for filename in ("css/app.css", "js/app.js", "js/db.js", "icons/icon-192.png", "css/print.css"):
        url = fingerprinted_url(app, filename)
        parts = FINGERPRINTED.match(url)
        source = (STATIC / filename).read_bytes()
        assert parts and f"{parts['stem']}{parts['suffix']}" == filename, url
        if filename.endswith(".png"):
            assert parts["digest"] == hashlib.sha256(source).hexdigest()[:12]
        elif filename.endswith(".css"):  # the slimming is part of what the name says
            assert parts["digest"] == hashlib.sha256(source + slim.VERSION).hexdigest()[:12]
        with client.get(url) as response:
            assert response.status_code == 200
            if filename.endswith(".js"):  # slimmed, and its imports name fingerprinted files
                assert FINGERPRINT.sub(b"", response.data) == slim.javascript(source.decode()).encode()
            elif filename.endswith(".css"):
                assert response.data == slim.css(source.decode()).encode()
            else:
                assert response.data == source
            assert response.headers["Cache-Control"] == "max-age=31536000, immutable" == FOREVER
            assert response.headers["Content-Security-Policy"] == STATIC_FILE["Content-Security-Policy"]


def test_every_page_links_only_fingerprinted_static_files(app, client, study_id):
    signed_out = app.test_client()
    for browser, path in ((signed_out, "/login"), (client, f"/studies/{study_id}"),
                          (client, f"/studies/{study_id}/capture"), (signed_out, "/offline")):
        html = browser.get(path).get_data(as_text=True)
        linked = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
        assert linked, path
        assert [url for url in linked if not FINGERPRINTED.match(url)] == [], path


def test_text_files_come_gzipped_to_a_client_that_accepts_it(app, client):
    url = fingerprinted_url(app, "js/capture-form.js")
    source = (STATIC / "js/capture-form.js").read_bytes()
    with client.get(url, headers={"Accept-Encoding": "gzip, deflate"}) as gzipped:
        assert gzipped.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in gzipped.headers["Vary"]
        assert FINGERPRINT.sub(b"", gzip.decompress(gzipped.data)) == slim.javascript(source.decode()).encode()
        assert len(gzipped.data) < len(source) / 2
    with client.get(url, headers={"Accept-Encoding": "gzip, deflate, br, zstd"}) as smaller:
        assert smaller.headers["Content-Encoding"] == "br"
        assert brotli.decompress(smaller.data) == gzip.decompress(gzipped.data)
        assert len(smaller.data) < len(gzipped.data)
    with client.get(url) as plain:
        assert "Content-Encoding" not in plain.headers
    with client.get(fingerprinted_url(app, "icons/icon-512.png"), headers={"Accept-Encoding": "gzip"}) as image:
        assert "Content-Encoding" not in image.headers  # PNG is compressed already


def test_the_import_map_sends_every_module_name_to_its_fingerprinted_file(app, client):
    html = client.get("/offline").get_data(as_text=True)
    found = re.search(r'<script type="importmap">(.*?)</script>', html, re.S)
    modules = json.loads(found.group(1))["imports"]
    sources = sorted(p.relative_to(STATIC).as_posix() for p in STATIC.glob("js/*.js"))
    assert sorted(name.removeprefix("/static/") for name in modules) == sources
    for plain, url in modules.items():
        assert fingerprinted_url(app, plain.removeprefix("/static/")) == url
    with client.get(modules["/static/js/db.js"]) as module:
        source = (STATIC / "js/db.js").read_text()
        assert module.status_code == 200 and FINGERPRINT.sub(b"", module.data) == slim.javascript(source).encode()
    with client.get(modules["/static/js/app.js"]) as app_module:
        imports = re.findall(rb'from ?"\./([\w.-]+)"', app_module.data)
        assert len(imports) > 5
        for name in imports:
            assert f"/static/js/{name.decode()}" in modules.values(), name  # the copies name each other
    # The page's policy lets this one inline script run, and only it, by its hash.
    digest = hashlib.sha256(found.group(1).encode()).digest()
    policy = client.get("/offline").headers["Content-Security-Policy"]
    script_src = next(d for d in policy.split("; ") if d.startswith("script-src "))
    assert script_src == f"script-src 'self' 'sha256-{base64.b64encode(digest).decode()}'"


@pytest.mark.parametrize("filename", ["js/db.js", "css/app.css", "icons/icon-192.png"])
def test_a_fingerprinted_file_is_revalidated_by_its_digest_alone(app, client, filename):
    """The worker's first install revalidates its imports (Chromium does): a 304 by the ETag, which is the digest
    the name carries (the same on every app server). Last-Modified would be 46 bytes of each answer for nothing."""
    url = fingerprinted_url(app, filename)
    for encoding in ("br", "gzip", "identity"):
        with client.get(url, headers={"Accept-Encoding": encoding}) as response:
            assert response.status_code == 200
            assert response.headers["ETag"] == f'"{FINGERPRINTED.match(url)["digest"]}"'
            assert "Last-Modified" not in response.headers
        again = client.get(url, headers={"Accept-Encoding": encoding, "If-None-Match": response.headers["ETag"]})
        assert (again.status_code, again.data) == (304, b"")
        assert again.headers["Cache-Control"] == FOREVER
    with client.get(url, headers={"If-None-Match": '"000000000000"'}) as other:
        assert other.status_code == 200 and other.data
    with client.get(f"/static/{filename}") as plain:  # the plain name changes content in place: dated
        assert plain.status_code == 200 and "Last-Modified" in plain.headers


def test_plain_names_are_still_served_briefly_for_the_workers_imports(client):
    with client.get("/static/js/flush.js") as response:
        assert response.status_code == 200 and response.headers["Cache-Control"] == "max-age=60, public"


def test_a_changed_file_gets_a_new_name_and_the_old_copy_stays_whole(tmp_path):
    static, build = tmp_path / "static", tmp_path / "build"
    (static / "js").mkdir(parents=True)
    (static / "js" / "db.js").write_text("export const version = 1;\n" * 40)
    first = Assets(static, build)
    (static / "js" / "db.js").write_text("export const version = 2;\n" * 40)
    second = Assets(static, build)
    old, new = first.fingerprinted("js/db.js"), second.fingerprinted("js/db.js")
    assert old != new
    assert (build / old).read_text().startswith("export const version=1;")
    assert gzip.decompress((build / (new + ".gz")).read_bytes()).decode().startswith("export const version=2;")
    assert first.import_map_hash != second.import_map_hash
    assert not list(build.rglob(".building-*"))  # no half-written file left behind


def test_the_favicon_is_served_and_linked(app, client):
    with client.get("/favicon.ico") as icon:
        assert icon.status_code == 200 and icon.mimetype in {"image/x-icon", "image/vnd.microsoft.icon"}
        assert icon.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    # A page's icon is the home-screen icon, which the capture screen's first load fetches anyway (issue 11).
    html = client.get("/login").get_data(as_text=True)
    icon_url = fingerprinted_url(app, "icons/icon-192.png")
    assert f'<link rel="icon" href="{icon_url}" sizes="192x192" type="image/png">' in html
    with client.get(icon_url) as icon:
        assert icon.status_code == 200 and icon.mimetype == "image/png" and icon.data[:4] == b"\x89PNG"


def test_the_worker_precaches_fingerprinted_files_that_are_served(app, client):
    body = client.get("/sw.js").get_data(as_text=True)
    shell = json.loads("[" + re.search(r"const SHELL ?= ?\[(.*?)\];", body).group(1) + "]")
    files = [url for url in shell if url.startswith("/static/")]
    assert len(files) > 10 and all(FINGERPRINTED.match(url) for url in files)
    for url in files:
        with client.get(url) as response:
            assert response.status_code == 200, url


def test_a_pull_comes_gzipped_when_the_phone_accepts_it(app, client, study_id):
    texts = [f"Re-keys order {i} from the PDF into the ERP by hand, then checks it twice." for i in range(40)]
    pushed = client.post("/api/sync/push", json={"device_id": str(uuid.uuid4()), "mutations": [
        note_mutation(study_id, text=text) for text in texts]})
    assert pushed.status_code == 200
    plain = client.get(f"/api/sync/pull?study_id={study_id}")
    packed = client.get(f"/api/sync/pull?study_id={study_id}", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in plain.headers and "Accept-Encoding" in plain.headers["Vary"]
    assert packed.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed.headers["Vary"]
    assert int(packed.headers["Content-Length"]) == len(packed.data) < len(plain.data) / 3
    unpacked = json.loads(gzip.decompress(packed.data))
    assert unpacked == plain.get_json()
    assert sorted(change["data"]["text"] for change in unpacked["changes"]) == sorted(texts)


def test_small_json_and_clients_refusing_gzip_get_it_plain(app, client, study_id):
    small = client.get("/api/no-such-thing", headers={"Accept-Encoding": "gzip"})
    assert small.status_code == 404 and "Content-Encoding" not in small.headers
    refused = client.get(f"/api/studies/{study_id}/context", headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert refused.status_code == 200 and "Content-Encoding" not in refused.headers


def test_the_capture_app_comes_gzipped_and_other_pages_do_not(app, client, study_id):
    for path in (f"/studies/{study_id}/capture", "/offline", "/sw.js"):
        packed = client.get(path, headers={"Accept-Encoding": "gzip"})
        assert packed.headers["Content-Encoding"] == "gzip", path
        assert gzip.decompress(packed.data) == client.get(path).data, path
    # Slimmed, the sync worker is a few import lines: under the size where gzip's framing outweighs it.
    tiny = client.get("/sw-sync.js", headers={"Accept-Encoding": "gzip"})
    assert len(tiny.data) < SMALLEST and "Content-Encoding" not in tiny.headers
    # Pages that may show a secret beside what a visitor typed stay plain (BREACH, compression.py).
    for path in (f"/studies/{study_id}", "/account"):
        page = client.get(path, headers={"Accept-Encoding": "gzip"})
        assert page.status_code == 200 and "Content-Encoding" not in page.headers, path


def test_a_client_that_accepts_brotli_gets_the_capture_app_and_its_json_smaller_still(app, client, study_id):
    for path in (f"/studies/{study_id}/capture", "/sw.js", f"/api/studies/{study_id}/context"):
        plain = client.get(path).data
        packed = client.get(path, headers={"Accept-Encoding": "gzip, deflate, br, zstd"})
        assert packed.headers["Content-Encoding"] == "br" and "Accept-Encoding" in packed.headers["Vary"], path
        assert brotli.decompress(packed.data) == plain, path
        gzipped = client.get(path, headers={"Accept-Encoding": "gzip"}).data
        assert len(packed.data) < len(gzipped), path


def test_the_worker_imports_the_fingerprinted_modules_the_page_loads(app, client):
    worker = client.get("/sw-sync.js").get_data(as_text=True)
    imports = re.findall(r'^import\b.*"(/static/[^"]+)";', worker, re.M)
    source = (Path(app.static_folder) / "sw-sync.js").read_text()
    named = re.findall(r'^import\b.*"/static/(js/[^"]+)";', source, re.M)
    assert named and imports == [fingerprinted_url(app, name) for name in named]
    assert all(FINGERPRINTED.match(url) for url in imports) and fingerprinted_url(app, "js/flush.js") in imports


def test_a_template_keeps_the_url_for_static_form(app):
    with app.test_request_context():
        html = render_template_string("{{ url_for('static', filename='js/present.js') }}")
    assert FINGERPRINTED.match(html) and "present." in html



def test_the_copies_go_where_the_deployment_says_and_the_install_command_reports_them(tmp_path, database_url):
    from fieldnotes import create_app
    from tests.conftest import TEST_CONFIG
    made = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, "STATIC_BUILD": str(tmp_path)})
    name = fingerprinted_url(made, "js/flush.js").removeprefix("/static/")
    assert (tmp_path / name).is_file() and (tmp_path / f"{name}.gz").is_file() and (tmp_path / f"{name}.br").is_file()
    result = made.test_cli_runner().invoke(args=["build-static"])
    assert result.exit_code == 0 and f"static files fingerprinted and compressed in {tmp_path}" in result.output
    with made.test_client().get(f"/static/{name}") as served:
        assert served.status_code == 200
