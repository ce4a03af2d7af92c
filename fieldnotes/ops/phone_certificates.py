"""The certificates of `flask serve-phone`: a local certificate authority made once, and a server
certificate it signs for this machine's address on the local network.

Why an authority and not one self-signed certificate: iOS offers "full trust" only to an installed
root, and Chrome registers no service worker on a page whose certificate error was waved through.
So the phone trusts the authority once, and a new server certificate (a new address from DHCP,
or one close to expiring) needs nothing more on the phone.

An installed root can vouch for any site, so this one is constrained (RFC 5280 name constraints,
which iOS, Android and Chrome enforce) to private and loopback addresses, `localhost` and `.local`
names: if instance/phone/ leaked, its key could not impersonate a bank to the phone.
Keys stay in instance/phone/, readable by their owner only; nothing here is for production.
"""
import ipaddress
import os
import re
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

# Addresses a laptop has on a home, office or tethered network (and Tailscale's shared range).
LOCAL_NETWORKS = [ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16", "127.0.0.0/8",
    "fc00::/7", "fe80::/10", "::1/128")]
LOCAL_NAMES = ["localhost", "local"]  # "local" permits every name under .local (mDNS)
AUTHORITY_YEARS = 10
# Apple refuses server certificates valid for more than 825 days; a year keeps well inside,
# and one is made anew a month before it ends.
SERVER_DAYS = 365
RENEW_BEFORE = timedelta(days=30)


@dataclass(frozen=True)
class PhoneCertificates:
    folder: Path

    @property
    def authority(self):
        return self.folder / "ca.crt"

    @property
    def authority_key(self):
        return self.folder / "ca.key"

    @property
    def chain(self):
        return self.folder / "server.crt"

    @property
    def server_key(self):
        return self.folder / "server.key"


class NotLocal(ValueError):
    """The address is outside what the local authority may vouch for."""


def prepare(folder, address):
    """The authority (made once) and a server certificate valid now for `address` (made when needed)."""
    address = ipaddress.ip_address(address)
    files = PhoneCertificates(Path(folder))
    files.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not files.authority.is_file() or not files.authority_key.is_file():
        make_authority(files, address)
    authority = x509.load_pem_x509_certificate(files.authority.read_bytes())
    if not permits(authority, address):
        raise NotLocal(f"{address} is not an address the local certificate authority in {files.folder} may "
                       "vouch for (private and loopback addresses, and the one it was made for). Delete that "
                       "folder to make a new authority, and trust the new one on the phone.")
    if not server_is_fresh(files, address):
        make_server_certificate(files, authority, address)
    return files


def make_authority(files, address):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Fieldnotes"),
                      x509.NameAttribute(NameOID.COMMON_NAME, f"Fieldnotes phone trial on {os.uname().nodename}")])
    networks = LOCAL_NETWORKS + ([] if is_local(address) else [ipaddress.ip_network(address)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=365 * AUTHORITY_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                     content_commitment=False, key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.NameConstraints(
            permitted_subtrees=[x509.IPAddress(n) for n in networks] + [x509.DNSName(n) for n in LOCAL_NAMES],
            excluded_subtrees=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256()))
    write_private(files.authority_key, key)
    files.authority.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    files.chain.unlink(missing_ok=True)  # signed by the authority it replaces


def make_server_certificate(files, authority, address):
    authority_key = serialization.load_pem_private_key(files.authority_key.read_bytes(), password=None)
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, str(address))]))
        .issuer_name(authority.subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=SERVER_DAYS))
        .add_extension(x509.SubjectAlternativeName(server_names(address)), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(authority.public_key()), critical=False)
        .sign(authority_key, hashes.SHA256()))
    write_private(files.server_key, key)
    pem = serialization.Encoding.PEM
    files.chain.write_bytes(certificate.public_bytes(pem) + authority.public_bytes(pem))


def server_names(address):
    """The LAN address, this machine's mDNS name (phones resolve `<host>.local` where the laptop
    announces it, as macOS does and Linux with Avahi), and the loopback names for the laptop itself."""
    names = [x509.IPAddress(address), x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
    if mdns := mdns_name():
        names.insert(1, x509.DNSName(mdns))
    return list(dict.fromkeys(names))


def mdns_name():
    host = socket.gethostname().split(".")[0].lower()
    return f"{host}.local" if re.fullmatch(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?", host) else None


def server_is_fresh(files, address):
    if not files.chain.is_file() or not files.server_key.is_file():
        return False
    certificate = x509.load_pem_x509_certificate(files.chain.read_bytes())
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return (set(names) == set(server_names(address))
            and certificate.not_valid_after_utc - RENEW_BEFORE > datetime.now(UTC))


def write_private(path, key):
    """A key file only its owner can read, from its first byte on."""
    path.unlink(missing_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption()))


def is_local(address):
    return any(address in network for network in LOCAL_NETWORKS if network.version == address.version)


def permits(authority, address):
    constraints = authority.extensions.get_extension_for_class(x509.NameConstraints).value
    return any(address in name.value for name in constraints.permitted_subtrees
               if isinstance(name, x509.IPAddress) and name.value.version == address.version)


def authority_der(files):
    """The authority as phones install it (DER: what Android's certificate installer and iOS both take)."""
    return x509.load_pem_x509_certificate(files.authority.read_bytes()).public_bytes(serialization.Encoding.DER)


def fingerprint(files):
    """SHA-256 of the authority, as iOS shows it under the profile's details: compare before trusting."""
    digest = x509.load_pem_x509_certificate(files.authority.read_bytes()).fingerprint(hashes.SHA256())
    return ":".join(f"{byte:02X}" for byte in digest)
