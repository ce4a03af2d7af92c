"""flask serve-phone: the app over HTTPS on the local network, to try the capture app on a real phone.

Browsers keep a service worker and offline storage to secure origins: http://127.0.0.1 counts, a
laptop's http://192.168.1.23 does not. This serves HTTPS with a certificate from a local authority
(phone_certificates.py), prints the address to open and a QR code of it, and offers the
authority's certificate for download at CA_PATH. For a trial on a phone: the development server,
one process; production runs behind a real proxy with a real certificate (README, Production).
"""
import ipaddress
import socket
import ssl
import sys
from io import StringIO

import click
from flask import current_app
from werkzeug.serving import make_server

from fieldnotes.ops import bp

CA_PATH = "/fieldnotes-phone-ca.crt"
# A documentation address (RFC 5737): connecting a UDP socket to it sends nothing, it only asks the
# routing table which of this machine's addresses would be the source: the one the LAN sees.
ROUTE_PROBE = ("192.0.2.1", 9)
PHONE_EXTRA_MISSING = ("serve-phone needs the `phone` extras (cryptography, segno): "
                       "pip install -e '.[phone]', or run `make phone`.")


@bp.cli.command("serve-phone")
@click.option("--port", type=click.IntRange(0, 65535), default=8443, show_default=True,
              help="The HTTPS port (0: any free one).")
@click.option("--address", help="The address the phone opens (default: this machine's on the local network).")
@click.option("--bind", default="0.0.0.0", show_default=True, help="The interface to listen on.")
@click.option("--certificates", "folder", type=click.Path(file_okay=False),
              help="Where the local authority and the server certificate live (default: instance/phone).")
def serve_phone_command(port, address, bind, folder):
    """Serve the app over HTTPS on the local network and print its address and a QR code to open on a phone."""
    try:
        from fieldnotes.ops import phone_certificates
    except ImportError:
        raise click.ClickException(PHONE_EXTRA_MISSING)
    address = checked_address(address or lan_address())
    try:
        files = phone_certificates.prepare(folder or f"{current_app.instance_path}/phone", address)
    except phone_certificates.NotLocal as error:
        raise click.ClickException(str(error))
    app = PhoneTrial(current_app._get_current_object(), phone_certificates.authority_der(files))
    try:
        server = make_server(bind, port, app, threaded=True, ssl_context=tls_context(files))
    except OSError as error:
        raise click.ClickException(f"Cannot listen on {bind} port {port} ({error.strerror}); "
                                   "choose another with --port.")
    url = address_url(address, server.server_port)
    click.echo(announcement(url, files, phone_certificates.fingerprint(files), colour=sys.stdout.isatty(),
                            mdns=phone_certificates.mdns_name()))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def lan_address():
    """This machine's address on the network its default route leaves by."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(ROUTE_PROBE)
        return probe.getsockname()[0]
    except OSError:
        raise click.ClickException("This machine has no network route, so no address a phone could reach; "
                                   "join the phone's Wi-Fi (or its hotspot) and try again, or name one with "
                                   "--address.")
    finally:
        probe.close()


def checked_address(text):
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        raise click.ClickException(f"--address must be an IP address such as 192.168.1.23, not {text!r}.")


def address_url(address, port):
    host = f"[{address}]" if address.version == 6 else str(address)
    return f"https://{host}:{port}/"


def tls_context(files):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(files.chain, files.server_key)
    return context


def qr_code(url, colour=False):
    """The URL as a QR code of half blocks (segno draws light modules as blocks). With colour, white on
    black is set explicitly, so the code reads the right way round on a light terminal too."""
    import segno
    drawing = StringIO()
    segno.make(url, error="m").terminal(out=drawing, compact=True)
    lines = drawing.getvalue().splitlines()
    return "\n".join(f"\033[97;40m{line}\033[0m" if colour else line for line in lines)


def announcement(url, files, fingerprint, colour=False, mdns=None):
    ca_url = url.rstrip("/") + CA_PATH
    by_name = f" (or https://{mdns}:{url.rsplit(':', 1)[1]} where the network resolves .local names)" if mdns else ""
    return "\n".join([
        f"Fieldnotes over HTTPS on the local network: {url}{by_name}",
        "Open it on a phone on the same Wi-Fi (scan the code with the camera):",
        "", qr_code(url, colour), "",
        "First time on this phone: open the address, accept the certificate warning, and download the",
        f"local certificate authority from {ca_url} (also at {files.authority}).",
        f"Trust it (README: Trying it on a real phone) after checking its SHA-256 fingerprint:\n  {fingerprint}",
        "Then the capture app installs and works offline. Ctrl-C stops the server.",
    ])


class PhoneTrial:
    """The app, plus the authority's certificate to download, minus HSTS.

    HSTS would pin the trial's host names (localhost, a .local name) to HTTPS for a year in
    the phone's browser, breaking `make run`'s plain http there; browsers ignore it for
    bare IP addresses anyway.
    """

    def __init__(self, app, authority):
        self.app, self.authority = app, authority

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == CA_PATH and environ.get("REQUEST_METHOD") in {"GET", "HEAD"}:
            start_response("200 OK", [("Content-Type", "application/x-x509-ca-cert"),
                                      ("Content-Disposition", 'attachment; filename="fieldnotes-phone-ca.crt"'),
                                      ("Content-Length", str(len(self.authority))),
                                      ("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff")])
            return [self.authority]

        def without_hsts(status, headers, exc_info=None):
            kept = [(name, value) for name, value in headers if name.lower() != "strict-transport-security"]
            return start_response(status, kept, exc_info)
        return self.app(environ, without_hsts)
