"""Who is calling, and what they may call.

Over mutual TLS the caller is named by its client certificate: a URI subject alternative name
spiffe://authcore/<identity>, one of wallet, scan-to-pay, quick-pay (the payment channels) and
admin (operators). The rules, in one table (PERMISSIONS) and one check per payment:

- AdminService and EventService (the journal's records, every account's payments): admin only.
- Authorize, AuthorizeBatch, AuthorizeBulk, AuthorizeStream and Capture: the channels only, and
  each for its own channel: a payment whose `channel` is not the certificate's is refused, as
  is a capture of another channel's authorization.
- Void and Refund: the authorization's own channel, or admin (customer service).
- Everything else (accounts, credit, installments, the partition map, health, reflection, the
  echo floor): anyone with a certificate.

A refusal is PERMISSION_DENIED (UNAUTHENTICATED without a usable certificate) with an ErrorInfo,
and changes nothing. Without TLS (local development only, see authcore.tools.cli) no identity is
checked. In multi-process mode the public port checks the certificate and forwards the caller's
identity to the owning partition in metadata, which only the private ports trust: a unix socket
of the same server, or a cluster node's private TCP port. With TLS, that port serves mutual TLS
and takes a call only from a peer whose certificate names spiffe://authcore/node (NODE), another
node of the cluster; a node certificate names no caller, so the public port refuses it.
"""

from __future__ import annotations

import contextvars
import dataclasses
import pathlib

import grpc

from authcore.errors import PermissionDenied, Unauthenticated
from authcore.decision.policy import CHANNELS
from authcore.v1 import common_pb2 as c

URI_PREFIX = "spiffe://authcore/"
ADMIN = "admin"
CHANNEL_OF = {"wallet": c.CHANNEL_WALLET, "scan-to-pay": c.CHANNEL_SCAN_TO_PAY, "quick-pay": c.CHANNEL_QUICK_PAY}
IDENTITIES = (*CHANNEL_OF, ADMIN)
# The identity of a cluster node on another node's private port: never a caller of a public port.
NODE = "node"
# The name a node's private port answers to over TLS: every node certificate carries it as a DNS
# name, and a forwarding node checks it rather than the address in the lease, which changes as
# partitions move (the CA and the node identity are what is trusted).
NODE_SERVER_NAME = "authcore-node"
# The metadata key a public port uses to pass the caller on to the partition that answers.
FORWARDED_KEY = "authcore-identity"
SAN_KEY = "x509_subject_alternative_name"

_SERVICE = "/authcore.v1."
CHANNELS_ONLY = frozenset(CHANNEL_OF)
CHANNELS_AND_ADMIN = frozenset(IDENTITIES)
ADMIN_ONLY = frozenset((ADMIN,))
# Who may call a method, by its full path; a service prefix covers its methods. Unlisted: anyone.
PERMISSIONS = {
    _SERVICE + "AdminService/": ADMIN_ONLY,
    _SERVICE + "EventService/": ADMIN_ONLY,
    _SERVICE + "AuthorizationService/Authorize": CHANNELS_ONLY,
    _SERVICE + "AuthorizationService/AuthorizeBatch": CHANNELS_ONLY,
    _SERVICE + "AuthorizationService/AuthorizeBulk": CHANNELS_ONLY,
    _SERVICE + "AuthorizationService/AuthorizeStream": CHANNELS_ONLY,
    _SERVICE + "AuthorizationService/Capture": CHANNELS_ONLY,
    _SERVICE + "AuthorizationService/Void": CHANNELS_AND_ADMIN,
    _SERVICE + "AuthorizationService/Refund": CHANNELS_AND_ADMIN,
}

# The caller of the call this thread is serving; None: not checked (plaintext development, or
# a private socket's call without a forwarded identity).
CALLER: contextvars.ContextVar[str | None] = contextvars.ContextVar("authcore_caller", default=None)


def allowed(path: str) -> frozenset | None:
    """The identities that may call path; None: anyone."""
    rule = PERMISSIONS.get(path)
    if rule is None:
        rule = PERMISSIONS.get(path[: path.rfind("/") + 1])
    return rule


def identity_of_sans(sans, accepted: tuple[str, ...] = IDENTITIES) -> str | None:
    """The identity named by a certificate's subject alternative names (bytes or str), or None
    when none (or more than one) is an authcore identity (NODE included), or it is not one of
    accepted."""
    found = set()
    for san in sans or ():
        text = san.decode() if isinstance(san, bytes) else san
        if text.startswith(URI_PREFIX) and text[len(URI_PREFIX):] in (*IDENTITIES, NODE):
            found.add(text[len(URI_PREFIX):])
    named = found.pop() if len(found) == 1 else None
    return named if named in accepted else None


def caller_channel_check(channel: int) -> None:
    """Refuse a payment on channel unless the caller is that channel (or not checked)."""
    caller = CALLER.get()
    if caller is None or CHANNEL_OF.get(caller) == channel:
        return
    raise _mismatch(caller, channel)


def caller_channels_check(channels) -> None:
    """caller_channel_check for every channel of a batch or bulk chunk: all or none."""
    caller = CALLER.get()
    if caller is None:
        return
    own = CHANNEL_OF.get(caller)
    for i, channel in enumerate(channels):
        if channel != own:
            raise _mismatch(caller, channel, index=i)


def caller_hold_check(channel_index: int | None) -> None:
    """Refuse an operation on an authorization made on another channel than the caller's; admin
    passes (where the method's permission lets admin in at all). None: no such authorization
    (the engine answers NOT_FOUND)."""
    caller = CALLER.get()
    if caller is None or caller == ADMIN or channel_index is None:
        return
    channel = CHANNELS[channel_index]
    if CHANNEL_OF.get(caller) != channel:
        raise PermissionDenied("CHANNEL_MISMATCH", f"the authorization was made on {c.Channel.Name(channel)}; "
                               f"the certificate is {caller}'s", {"identity": caller,
                                                                  "channel": c.Channel.Name(channel)})


def _mismatch(caller: str, channel_value: int, index: int | None = None) -> PermissionDenied:
    channel = c.Channel.Name(channel_value) if channel_value in c.Channel.values() else str(channel_value)
    where = "" if index is None else f" (payment {index})"
    metadata = {"identity": caller, "channel": channel}
    if index is not None:
        metadata["index"] = str(index)
    return PermissionDenied("CHANNEL_MISMATCH", f"a {caller} certificate may not authorize on {channel}{where}",
                            metadata)


def forwarded_metadata() -> tuple | None:
    """The metadata that carries this call's caller to another partition."""
    caller = CALLER.get()
    return None if caller is None else ((FORWARDED_KEY, caller),)


def certificate_identity(context) -> str:
    """The identity the call's client certificate names; Unauthenticated when none."""
    identity = identity_of_sans(context.auth_context().get(SAN_KEY))
    if identity is None:
        raise Unauthenticated(f"a client certificate naming one of {', '.join(URI_PREFIX + i for i in IDENTITIES)} "
                              "is required")
    return identity


def node_certificate_check(context) -> None:
    """Refuse a call to a private port unless the peer's certificate names the node identity:
    PermissionDenied for a caller's certificate (a channel's or admin's), Unauthenticated for
    one naming no identity."""
    sans = context.auth_context().get(SAN_KEY)
    if identity_of_sans(sans, (NODE,)) == NODE:
        return
    named = identity_of_sans(sans)
    if named is not None:
        raise PermissionDenied("IDENTITY_NOT_ALLOWED", f"a {named} certificate may not call a node's private "
                               "port: only other nodes of the cluster may (a certificate naming "
                               f"{URI_PREFIX}{NODE})", {"identity": named, "method": "private port"})
    raise Unauthenticated(f"a node's private port takes calls from other nodes only: a certificate naming "
                          f"{URI_PREFIX}{NODE} is required")


def check_allowed(caller: str | None, rule: frozenset | None, path: str) -> None:
    """Refuse path to caller unless rule (allowed(path)) lets it in; None callers are not checked."""
    if caller is not None and rule is not None and caller not in rule:
        raise PermissionDenied("IDENTITY_NOT_ALLOWED", f"{caller} may not call {path}",
                               {"identity": caller, "method": path})


# -- credentials ----------------------------------------------------------------------------

PLAINTEXT_WARNING = """\
************************************************************************************
WARNING: authcore is serving PLAINTEXT gRPC without client certificates.
Every caller may call every method, on every channel, including AdminService.
This is for local development only. For anything else, make certificates
(authcore certs --out DIR) and serve with --tls-dir DIR (or [tls] in the config).
************************************************************************************"""


@dataclasses.dataclass(frozen=True)
class TlsFiles:
    """The server's certificate and key, and the CA its clients' certificates must chain to."""

    cert_file: str
    key_file: str
    client_ca_file: str

    def server_credentials(self) -> grpc.ServerCredentials:
        """Mutual TLS: a client without a certificate signed by the CA fails the handshake."""
        key, cert, ca = (pathlib.Path(p).read_bytes() for p in (self.key_file, self.cert_file, self.client_ca_file))
        return grpc.ssl_server_credentials([(key, cert)], root_certificates=ca, require_client_auth=True)


@dataclasses.dataclass(frozen=True)
class NodeTlsFiles(TlsFiles):
    """A cluster node's certificate and key (naming NODE and NODE_SERVER_NAME), and the CA the
    other nodes' certificates must chain to: the private ports' mutual TLS, both ways (a private
    port's server credentials are TlsFiles'; a peer without a certificate signed by the CA fails
    the handshake)."""

    def channel_credentials(self) -> grpc.ChannelCredentials:
        """A forwarding node's, to another node's private port (with NODE_CHANNEL_OPTIONS)."""
        key, cert, ca = (pathlib.Path(p).read_bytes() for p in (self.key_file, self.cert_file, self.client_ca_file))
        return grpc.ssl_channel_credentials(root_certificates=ca, private_key=key, certificate_chain=cert)


# A channel to a private port checks the peer's certificate for NODE_SERVER_NAME, whatever address it dials.
NODE_CHANNEL_OPTIONS = (("grpc.ssl_target_name_override", NODE_SERVER_NAME),)


def channel_credentials(directory: str | pathlib.Path, identity: str) -> grpc.ChannelCredentials:
    """A client's credentials from `authcore certs` output: the CA and identity's key pair."""
    d = pathlib.Path(directory)
    return grpc.ssl_channel_credentials(root_certificates=(d / "ca.pem").read_bytes(),
                                        private_key=(d / f"{identity}-key.pem").read_bytes(),
                                        certificate_chain=(d / f"{identity}.pem").read_bytes())
