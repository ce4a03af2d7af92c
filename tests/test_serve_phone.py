"""flask serve-phone: HTTPS on the local network with a local authority's certificate, and a QR code.

The command runs as a user runs it (its own process, the test's database). Every request stays on
this machine: the test connects to 127.0.0.1 but checks the certificate against the LAN address
the phone would open, as the phone's browser does.
"""
import http.client
import ipaddress
import os
import re
import socket
import ssl
import stat
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
import zxingcpp
from cryptography import x509
from PIL import Image

from fieldnotes.ops import phone, phone_certificates
from tests.factories import PASSWORD, make_study, make_user

ROOT = Path(__file__).resolve().parent.parent
LAN = "192.168.1.23"
# segno's half blocks: a lit character is a light module (top, bottom).
HALF_BLOCKS = {"█": (1, 1), "▀": (1, 0), "▄": (0, 1), " ": (0, 0)}


def decode_terminal_qr(text):
    """What a phone's camera reads from the QR code as printed: the blocks back into pixels, decoded."""
    rows = [line for line in text.splitlines() if line and set(line) <= set(HALF_BLOCKS)]
    width, scale = max(map(len, rows)), 8
    image = Image.new("L", (width * scale, len(rows) * 2 * scale), 0)
    for y, line in enumerate(rows):
        for x, character in enumerate(line):
            for half, lit in enumerate(HALF_BLOCKS[character]):
                if lit:
                    image.paste(255, (x * scale, (2 * y + half) * scale, (x + 1) * scale, (2 * y + half + 1) * scale))
    return [found.text for found in zxingcpp.read_barcodes(image)]


class PhoneServer:
    """`flask serve-phone` in its own process, read until it says it serves."""

    def __init__(self, database_url, folder):
        env = {**os.environ, "FIELDNOTES_DATABASE_URL": database_url, "PYTHONUNBUFFERED": "1",
               "FIELDNOTES_SECRET_KEY": "serve-phone test key, not for production"}
        self.folder = folder
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "serve-phone", "--bind", "127.0.0.1", "--port", "0",
             "--address", LAN, "--certificates", str(folder)],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                raise AssertionError(f"serve-phone stopped: {''.join(lines)}{self.process.stderr.read()}")
            lines.append(line)
            if "Ctrl-C stops the server." in line:
                break
        self.output = "".join(lines)
        self.url = re.search(r"https://\S+/", self.output).group(0)
        self.port = int(self.url.rsplit(":", 1)[1].rstrip("/"))

    def stop(self):
        self.process.terminate()
        self.process.wait(10)
        self.process.stdout.close()
        self.process.stderr.close()

    def tls(self, server_hostname=LAN):
        """A TLS connection to the server that trusts only the local authority, checked as `server_hostname`."""
        context = ssl.create_default_context(cafile=str(self.folder / "ca.crt"))
        raw = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        try:
            return context.wrap_socket(raw, server_hostname=server_hostname)
        except BaseException:
            raw.close()
            raise

    def request(self, method, path, body=None, headers=None):
        connection = http.client.HTTPSConnection(LAN, self.port)
        connection.sock = self.tls()  # already connected: http.client sends on it, Host names the LAN address
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response, response.read()
        finally:
            connection.close()


@pytest.fixture
def serving_study(app, database_url, tmp_path):
    """On each database: Ana's study, there to be seen through the phone's address."""
    with app.app_context():
        make_study(make_user("ana@example.org", name="Ana"), name="Warehouse returns")
    server = PhoneServer(database_url, tmp_path / "phone")
    yield server
    server.stop()


@pytest.fixture
def serving(tmp_path):
    """Certificates, QR code and download touch no database: one run, on an empty SQLite file."""
    server = PhoneServer(f"sqlite:///{tmp_path / 'empty.sqlite'}", tmp_path / "phone")
    yield server
    server.stop()


def test_serve_phone_serves_the_app_over_https_for_the_lan_address(serving_study):
    serving = serving_study
    assert serving.url.startswith(f"https://{LAN}:")
    page, body = serving.request("GET", "/login")
    assert page.status == 200 and b"Sign in" in body
    assert page.getheader("Strict-Transport-Security") is None  # no year-long pin on a trial host
    form = urlencode({"email": "ana@example.org", "password": PASSWORD})
    signed_in, _ = serving.request("POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded"})
    assert signed_in.status in (302, 303)
    cookie = "; ".join(c.split(";", 1)[0] for c in signed_in.headers.get_all("Set-Cookie"))
    home, body = serving.request("GET", "/", headers={"Cookie": cookie})
    assert home.status == 200 and b"Warehouse returns" in body


def test_serve_phone_certificate_names_the_lan_address_and_no_other(serving):
    with serving.tls() as connection:  # the handshake verifies the chain and the address
        assert connection.version() in {"TLSv1.2", "TLSv1.3"}
    with pytest.raises(ssl.SSLCertVerificationError):
        serving.tls(server_hostname="192.168.1.99")
    server = x509.load_pem_x509_certificate((serving.folder / "server.crt").read_bytes())
    names = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert ipaddress.ip_address(LAN) in names.get_values_for_type(x509.IPAddress)
    assert server.not_valid_after_utc - datetime.now(UTC) <= timedelta(days=825)  # iOS's limit


def test_serve_phone_prints_a_qr_code_of_its_address(serving):
    assert decode_terminal_qr(serving.output) == [serving.url]
    assert "\033[" not in serving.output  # no colour codes when the output is not a terminal


def test_serve_phone_offers_its_authority_for_download(serving):
    response, body = serving.request("GET", phone.CA_PATH)
    assert response.status == 200 and response.getheader("Content-Type") == "application/x-x509-ca-cert"
    authority = x509.load_der_x509_certificate(body)
    assert authority == x509.load_pem_x509_certificate((serving.folder / "ca.crt").read_bytes())
    assert authority.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    fingerprint = ":".join(f"{b:02X}" for b in authority.fingerprint(authority.signature_hash_algorithm))
    assert fingerprint in serving.output


def test_certificates_are_kept_and_remade_only_when_the_address_changes(tmp_path):
    files = phone_certificates.prepare(tmp_path / "phone", LAN)
    authority, chain = files.authority.read_bytes(), files.chain.read_bytes()
    assert phone_certificates.prepare(tmp_path / "phone", LAN).chain.read_bytes() == chain
    phone_certificates.prepare(tmp_path / "phone", "10.0.0.7")
    assert files.authority.read_bytes() == authority  # the phone trusts it once
    server = x509.load_pem_x509_certificate(files.chain.read_bytes())
    names = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert ipaddress.ip_address("10.0.0.7") in names.get_values_for_type(x509.IPAddress)
    for key in (files.authority_key, files.server_key):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(files.folder.stat().st_mode) == 0o700


def test_the_authority_may_vouch_only_for_local_addresses(tmp_path):
    files = phone_certificates.prepare(tmp_path, LAN)
    authority = x509.load_pem_x509_certificate(files.authority.read_bytes())
    constraints = authority.extensions.get_extension_for_class(x509.NameConstraints)
    assert constraints.critical
    permitted = constraints.value.permitted_subtrees
    assert x509.IPAddress(ipaddress.ip_network("192.168.0.0/16")) in permitted
    assert not any(isinstance(n, x509.IPAddress) and ipaddress.ip_address("8.8.8.8") in n.value for n in permitted)
    with pytest.raises(phone_certificates.NotLocal, match="Delete that folder"):
        phone_certificates.prepare(tmp_path, "8.8.8.8")


def test_the_lan_address_is_one_of_this_machines(tmp_path):
    address = phone.lan_address()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind((address, 0))  # fails for an address this machine does not have


def test_a_bad_address_is_refused_in_words(app):
    result = app.test_cli_runner().invoke(args=["serve-phone", "--address", "my-laptop"])
    assert result.exit_code != 0
    assert "--address must be an IP address such as 192.168.1.23, not 'my-laptop'" in result.output


def test_the_coloured_qr_code_is_the_same_code_white_on_black():
    plain, coloured = phone.qr_code("https://10.0.0.7:8443/"), phone.qr_code("https://10.0.0.7:8443/", colour=True)
    assert re.sub(r"\033\[[0-9;]*m", "", coloured) == plain
    assert coloured.splitlines()[0].startswith("\033[97;40m")
    assert decode_terminal_qr(plain) == ["https://10.0.0.7:8443/"]
