"""`authcore certs`: a development CA, a server certificate, one client certificate per
identity (wallet, scan-to-pay, quick-pay, admin) and a node certificate for the private ports of
a cluster's nodes, for mutual TLS on a laptop or in tests.

Production certificates come from the operator's own CA; the server only needs the same shape:
a server certificate for its host names, client certificates whose URI SAN is
spiffe://authcore/<identity> (authcore.api.identity), and a node certificate whose SANs are the
URI spiffe://authcore/node and the DNS name authcore-node, for both server and client use."""

from __future__ import annotations

import argparse
import datetime
import ipaddress
import pathlib
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from authcore.api.identity import IDENTITIES, NODE, NODE_SERVER_NAME, URI_PREFIX

DEFAULT_HOSTS = ("localhost", "127.0.0.1", "::1")
MAX_DAYS = 825


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "authcore development"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _builder(subject: str, issuer: x509.Name, public_key, days: int) -> x509.CertificateBuilder:
    now = datetime.datetime.now(datetime.timezone.utc)
    return (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(issuer).public_key(public_key)
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=days)))


def _san(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


def _write(directory: pathlib.Path, name: str, cert: x509.Certificate, key) -> None:
    (directory / f"{name}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path = directory / f"{name}-key.pem"
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)


def make_certs(directory: str | pathlib.Path, hosts=DEFAULT_HOSTS, days: int = 365) -> list[str]:
    """Write ca.pem, server.pem, <identity>.pem and node.pem (each with its -key.pem) into
    directory; returns the names written."""
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be between 1 and {MAX_DAYS}")
    if not hosts:
        raise ValueError("at least one host name or address is needed for the server certificate")
    out = pathlib.Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    ca_key = _key()
    ca_name = _name("authcore development CA")
    ca = (_builder("authcore development CA", ca_name, ca_key.public_key(), days)
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    _write(out, "ca", ca, ca_key)
    leaf = x509.BasicConstraints(ca=False, path_length=None)
    server_key = _key()
    server = (_builder(hosts[0], ca_name, server_key.public_key(), days)
              .add_extension(leaf, critical=True)
              .add_extension(x509.SubjectAlternativeName([_san(h) for h in hosts]), critical=False)
              .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
              .sign(ca_key, hashes.SHA256()))
    _write(out, "server", server, server_key)
    written = ["ca", "server"]
    for identity in IDENTITIES:
        key = _key()
        cert = (_builder(identity, ca_name, key.public_key(), days)
                .add_extension(leaf, critical=True)
                .add_extension(x509.SubjectAlternativeName([x509.UniformResourceIdentifier(URI_PREFIX + identity)]),
                               critical=False)
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
                .sign(ca_key, hashes.SHA256()))
        _write(out, identity, cert, key)
        written.append(identity)
    # One certificate for every node: it is both the private port's server certificate (checked for
    # NODE_SERVER_NAME, whatever address the lease names) and the forwarding node's client one.
    node_key = _key()
    node = (_builder(NODE, ca_name, node_key.public_key(), days)
            .add_extension(leaf, critical=True)
            .add_extension(x509.SubjectAlternativeName([x509.UniformResourceIdentifier(URI_PREFIX + NODE),
                                                        x509.DNSName(NODE_SERVER_NAME)]), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    _write(out, NODE, node, node_key)
    written.append(NODE)
    return written


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="authcore certs",
                                     description="Make development certificates for mutual TLS.")
    parser.add_argument("--out", default="authcore-certs", help="directory to write into (default ./authcore-certs)")
    parser.add_argument("--host", action="append", dest="hosts",
                        help=f"a server host name or address (repeatable; default {', '.join(DEFAULT_HOSTS)})")
    parser.add_argument("--days", type=int, default=365, help="validity in days (default 365)")
    ns = parser.parse_args(argv)
    try:
        written = make_certs(ns.out, tuple(ns.hosts or DEFAULT_HOSTS), ns.days)
    except (OSError, ValueError) as exc:
        print(f"authcore certs: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {', '.join(n + '.pem' for n in written)} (each with its -key.pem) to {ns.out}")
    print(f"serve with: authcore serve --tls-dir {ns.out}")
    return 0
