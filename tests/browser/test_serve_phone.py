"""The capture app through `flask serve-phone`, as a phone reaches it: by name over HTTPS, not from localhost.

Chromium resolves this machine's .local name to 127.0.0.1 (so no traffic leaves the machine) and
trusts the local authority's key the way a phone does once the authority is installed. The origin
is then not a loopback one: the service worker runs only because the HTTPS is valid.
"""
import base64
import hashlib

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from fieldnotes.ops.phone_certificates import mdns_name
from tests.browser.capture_support import field  # noqa: F401  (a fixture)
from tests.browser.conftest import PHONE
from tests.factories import PASSWORD
from tests.test_serve_phone import PhoneServer


def spki_hash(certificate_file):
    public_key = x509.load_pem_x509_certificate(certificate_file.read_bytes()).public_key()
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


def test_the_capture_app_installs_its_worker_over_the_phone_server(playwright, browser_type_launch_args,
                                                                     tmp_path, database_url, field):  # noqa: F811
    server = PhoneServer(database_url, tmp_path / "phone")
    name = mdns_name()
    assert name, "this machine's host name is not a DNS label, so the certificate names no .local host"
    args = browser_type_launch_args["args"] + [
        f"--host-resolver-rules=MAP {name} 127.0.0.1",
        f"--ignore-certificate-errors-spki-list={spki_hash(tmp_path / 'phone' / 'ca.crt')}"]
    browser = playwright.chromium.launch(**{**browser_type_launch_args, "args": args})
    try:
        page = browser.new_context(**PHONE).new_page()
        base = f"https://{name}:{server.port}"
        page.goto(f"{base}/login")
        page.get_by_label("Email").fill(field["email"])
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/login" not in url)
        page.goto(f"{base}/studies/{field['study_id']}/capture")
        assert page.evaluate("() => window.isSecureContext")
        page.wait_for_function("() => navigator.serviceWorker.controller !== null")
        page.get_by_role("radio", name=field["touchpoints"][0], exact=True).wait_for(state="attached")
    finally:
        browser.close()
        server.stop()
