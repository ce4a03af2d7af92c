"""The installable app's server side: worker script, manifest, icons, offline page, capture access."""
import re
import struct

from fieldnotes.security import HEADER_LIST
from tests.factories import make_study, make_user


def png_size(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_the_worker_is_served_from_the_root_uncached_and_names_its_version(app, client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Service-Worker-Allowed"] == "/"
    body = response.get_data(as_text=True)
    assert re.search(r'"/static/js/app\.[0-9a-f]{12}\.js"', body) and '"/offline"' in body and "__SHELL__" not in body
    assert '"/static/js/app.js"' not in body  # the shell is precached under its fingerprinted names
    app.config["PWA_VERSION_SUFFIX"] = "next"
    changed = client.get("/sw.js").get_data(as_text=True)
    assert changed != body and '-next";' in changed


def test_the_manifest_makes_the_app_installable_with_real_icons(client):
    manifest = client.get("/manifest.webmanifest?start=/studies/7/capture")
    assert manifest.mimetype == "application/manifest+json"
    data = manifest.get_json()
    assert (data["name"], data["short_name"], data["display"]) == ("Fieldnotes", "Fieldnotes", "standalone")
    assert data["start_url"] == "/studies/7/capture"
    assert data["theme_color"] and data["background_color"]
    sizes = {(i["sizes"], i["purpose"]) for i in data["icons"]}
    assert sizes == {("192x192", "any"), ("512x512", "any"), ("192x192", "maskable"), ("512x512", "maskable")}
    for icon in data["icons"]:
        image = client.get(icon["src"])
        assert image.status_code == 200
        assert png_size(image.data) == tuple(int(n) for n in icon["sizes"].split("x"))
        image.close()
    # Only a capture path is taken as the start page, never an address elsewhere.
    assert client.get("/manifest.webmanifest?start=https://evil.example/").get_json()["start_url"] == "/capture"


def test_the_offline_page_needs_no_sign_in(client):
    response = client.get("/offline")
    assert response.status_code == 200
    assert "You are offline" in response.get_data(as_text=True)


def test_capture_is_for_members_who_may_capture(app, client, auth):
    with app.app_context():
        researcher, viewer, stranger = (make_user(f"{n}@example.org") for n in ("ana", "vic", "sam"))
        study = make_study(researcher=[researcher], viewer=[viewer])
        study_id = study.id
    assert client.get(f"/studies/{study_id}/capture").status_code == 302  # to sign in
    auth.login("ana@example.org")
    page = client.get(f"/studies/{study_id}/capture")
    assert page.status_code == 200 and 'data-js="capture-form"' in page.get_data(as_text=True)
    assert f'href="/studies/{study_id}/capture"' in client.get(f"/studies/{study_id}").get_data(as_text=True)
    assert client.get("/capture").headers["Location"].endswith(f"/studies/{study_id}/capture")
    auth.logout()
    auth.login("vic@example.org")
    assert client.get(f"/studies/{study_id}/capture").status_code == 403
    assert f"/studies/{study_id}/capture" not in client.get(f"/studies/{study_id}").get_data(as_text=True)
    auth.logout()
    auth.login("sam@example.org")
    assert client.get(f"/studies/{study_id}/capture").status_code == 404


def test_the_worker_precaches_the_capture_app_and_not_the_laptop_pages(app):
    from fieldnotes.pwa import shell_files
    files = shell_files(app.static_folder)
    for module in ("js/app.js", "js/capture-form.js", "js/db.js", "js/flush.js", "js/outbox.js"):
        assert module in files
    assert not [f for f in files if "affinity" in f or "present" in f]


def test_the_capture_page_is_revalidated_by_a_tag_over_its_bytes_and_headers(app, client, auth, monkeypatch):
    """The worker fetches the page again to keep it offline: a 304, without the security headers the browser
    holds already; and the page again, with its new headers, once they change though its bytes did not."""
    with app.app_context():
        study_id = make_study(researcher=[make_user("ana@example.org")]).id
    auth.login("ana@example.org")
    url = f"/studies/{study_id}/capture"
    first = client.get(url)
    tag = first.headers["ETag"]
    assert first.status_code == 200 and first.headers["Cache-Control"] == "private, no-cache" and tag.startswith('W/"')
    assert "frame-ancestors 'none'" in first.headers["Content-Security-Policy"]
    again = client.get(url, headers={"If-None-Match": tag})
    assert (again.status_code, again.data, again.headers["ETag"]) == (304, b"", tag)
    assert again.headers["Cache-Control"] == "private, no-cache"
    assert again.headers["Vary"] == first.headers["Vary"]  # RFC 9110, 15.4.5: the 304 names what the 200 varies by
    assert not {"Content-Security-Policy", "X-Frame-Options", "Permissions-Policy"} & set(again.headers.keys())
    # A deploy with a stricter policy and the same page: the tag no longer matches, so the browser gets it.
    stricter = [(lower, name, f"{value}; upgrade-insecure-requests" if lower == "content-security-policy" else value)
                for lower, name, value in app.extensions[HEADER_LIST]]
    monkeypatch.setitem(app.extensions, HEADER_LIST, stricter)
    changed = client.get(url, headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["ETag"] != tag
    assert changed.headers["Content-Security-Policy"].endswith("; upgrade-insecure-requests")
    assert client.get(url, headers={"If-None-Match": changed.headers["ETag"]}).status_code == 304
