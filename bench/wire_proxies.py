"""A TLS proxy speaking HTTP/2 in front of the app, as in production, and a relay counting what crosses to the phone.

nginx (Debian's nginx-light) or Caddy (Debian's caddy), TLS with a server certificate of `flask serve-phone`'s
local authority, which Chromium trusts by its key (--ignore-certificate-errors-spki-list: the certificate is
valid to it, so the service worker registers). HTTP/2 to the phone, HTTP/1.1 to the app. The relay sits between
Chromium and the proxy and counts every byte of each TCP connection: TLS handshakes and records, HTTP/2 frames
and headers as HPACK compressed them.
"""
import base64
import hashlib
import shutil
import socket
import ssl
import subprocess
import threading
import time
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from fieldnotes.ops.phone_certificates import prepare

NGINX = """daemon off;
pid {folder}/nginx.pid;
error_log {folder}/error.log;
events {{}}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    server {{
        listen 127.0.0.1:{port} ssl http2;
        ssl_certificate {chain};
        ssl_certificate_key {key};
        location / {{
            proxy_pass http://127.0.0.1:{app_port};
            proxy_http_version 1.1;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto https;
            proxy_set_header X-Forwarded-Host $http_host;
        }}
    }}
}}
"""

CADDY = """{{
    admin off
    auto_https off
    servers {{
        protocols h1 h2
    }}
}}
https://localhost:{port} {{
    tls {chain} {key}
    reverse_proxy 127.0.0.1:{app_port}
}}
"""


class ByteRelay:
    """A TCP relay in front of the proxy: counts the bytes each connection carries, both ways."""

    def __init__(self, upstream_port):
        self.upstream_port, self.connections, self.lock = upstream_port, [], threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            phone, _ = self.listener.accept()
            server = socket.create_connection(("127.0.0.1", self.upstream_port))
            counts = {"received": 0, "sent": 0}
            with self.lock:
                self.connections.append(counts)
            threading.Thread(target=self.pump, args=(server, phone, counts, "received"), daemon=True).start()
            threading.Thread(target=self.pump, args=(phone, server, counts, "sent"), daemon=True).start()

    def pump(self, source, target, counts, direction):
        try:
            while chunk := source.recv(65536):
                with self.lock:
                    counts[direction] += len(chunk)
                target.sendall(chunk)
        except OSError:
            pass
        finally:
            for end in (source, target):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def since(self, first):
        with self.lock:
            return [dict(counts) for counts in self.connections[first:]]

    def handshake(self):
        """Bytes a phone receives for one TLS handshake alone (and the session tickets that follow it)."""
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        context.set_alpn_protocols(["h2", "http/1.1"])
        before = len(self.connections)
        with socket.create_connection(("127.0.0.1", self.port)) as raw:
            with context.wrap_socket(raw, server_hostname="localhost") as tls:
                tls.do_handshake()
                time.sleep(0.3)
        time.sleep(0.2)
        return self.since(before)[0]["received"]


def free_port():
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return probe.getsockname()[1]


def start_proxy(proxy, workdir, app_port):
    """nginx or Caddy on a free port; answers (process, port, the authority's key hash for Chromium)."""
    certificates = prepare(Path(workdir) / "certificates", "127.0.0.1")
    port, folder = free_port(), Path(workdir) / proxy
    folder.mkdir()
    values = {"folder": folder, "port": port, "chain": certificates.chain, "key": certificates.server_key,
              "app_port": app_port}
    if proxy == "caddy":
        config = folder / "Caddyfile"
        config.write_text(CADDY.format(**values))
        command = [shutil.which("caddy") or "/usr/bin/caddy", "run", "--config", str(config), "--adapter", "caddyfile"]
    else:
        config = folder / "nginx.conf"
        config.write_text(NGINX.format(**values))
        command = [shutil.which("nginx") or "/usr/sbin/nginx", "-c", str(config), "-p", str(folder)]
    process = subprocess.Popen(command, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port)).close()
            break
        except OSError:
            time.sleep(0.05)
    return process, port, key_hash(certificates.authority)


def key_hash(certificate_file):
    public_key = x509.load_pem_x509_certificate(certificate_file.read_bytes()).public_key()
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(der).digest()).decode()
