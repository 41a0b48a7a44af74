"""What the sync and the asyncio client share: the methods of the contract, which of them are
safe to retry, the channel's options and credentials, and how a request is prepared."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import pathlib
import re
import uuid
from typing import Any

import grpc
from google.protobuf import message as pb_message

from authcore.v1 import (
    account_pb2, admin_pb2, authorization_pb2, credit_pb2, diagnostics_pb2, events_pb2, installment_pb2,
)

PACKAGE = "authcore.v1"
Metadata = tuple[tuple[str, str], ...]
DEFAULT_TIMEOUT_S = 2.0
MAX_MESSAGE_BYTES = 16 << 20
# Read-only methods: safe to send again whatever happened to the first attempt.
READ_ONLY = frozenset({
    "AccountService/GetAccount", "AdminService/GetPolicy", "AdminService/GetRiskModel", "AdminService/GetScorecard",
    "AdminService/ListVersions", "AdminService/GetVersion", "AdminService/GetShadowReport",
    "CreditService/AssessCredit", "DiagnosticsService/Echo", "InstallmentService/QuoteInstallments",
    "InstallmentService/GetAutoInstallment", "ClusterService/GetPartitionMap",
})
# EventService.WatchEvents: a response stream (Client.watch_events).
WATCH_EVENTS = "/authcore.v1.EventService/WatchEvents"


@dataclasses.dataclass(frozen=True, slots=True)
class Method:
    """One unary RPC of the contract."""

    path: str                 # "/authcore.v1.AuthorizationService/Authorize"
    request: type[pb_message.Message]
    response: type[pb_message.Message]
    # Safe to retry on UNAVAILABLE: read-only, or acting at most once per request_id.
    retryable: bool
    # Where the request's idempotency keys are: "request_id" at the top, the name of a repeated
    # field whose items each carry one (AuthorizeBatch's "requests"), or "" (none).
    keyed: str


def _methods() -> dict[str, Method]:
    out = {}
    for module in (authorization_pb2, account_pb2, installment_pb2, credit_pb2, admin_pb2, diagnostics_pb2, events_pb2):
        for service in module.DESCRIPTOR.services_by_name.values():
            for m in service.methods:
                if m.client_streaming or m.server_streaming:
                    continue  # AuthorizeStream: use the generated stub (authcore.v1)
                name = f"{service.name}/{m.name}"
                keyed = _keys_of(m.input_type)
                out[name] = Method(f"/{PACKAGE}.{name}", _message_class(m.input_type), _message_class(m.output_type),
                                   retryable=bool(keyed) or name in READ_ONLY, keyed=keyed)
    return out


def _keys_of(request: Any) -> str:
    if "request_id" in request.fields_by_name:
        return "request_id"
    return next((f.name for f in request.fields if f.message_type is not None and f.is_repeated
                 and "request_id" in f.message_type.fields_by_name), "")


def _message_class(descriptor: Any) -> type[pb_message.Message]:
    from google.protobuf import message_factory

    return message_factory.GetMessageClass(descriptor)


METHODS = _methods()
# What a routing client reads the partition map with.
PARTITION_MAP = METHODS["ClusterService/GetPartitionMap"]


def method(name: str) -> Method:
    """A method by "Service/Method" or, when unambiguous, by its RPC name alone ("Authorize")."""
    if name in METHODS:
        return METHODS[name]
    found = [m for key, m in METHODS.items() if key.split("/")[1] == name]
    if len(found) != 1:
        raise ValueError(f"no unary authcore method {name!r}")
    return found[0]


@dataclasses.dataclass(frozen=True)
class Retries:
    """grpc's own retries of UNAVAILABLE, for the methods safe to retry (the same bytes, so the
    same request_id). The whole call, every attempt included, stays within its deadline."""

    max_attempts: int = 4
    initial_backoff_s: float = 0.05
    max_backoff_s: float = 1.0
    multiplier: float = 2.0

    def service_config(self) -> str:
        if self.max_attempts < 2:
            return json.dumps({"methodConfig": []})
        names = [{"service": f"{PACKAGE}.{key.split('/')[0]}", "method": key.split("/")[1]}
                 for key, m in sorted(METHODS.items()) if m.retryable]
        return json.dumps({"methodConfig": [{"name": names, "retryPolicy": {
            "maxAttempts": min(self.max_attempts, 5),  # grpc's own ceiling
            "initialBackoff": f"{self.initial_backoff_s:.3f}s",
            "maxBackoff": f"{self.max_backoff_s:.3f}s",
            "backoffMultiplier": self.multiplier,
            "retryableStatusCodes": ["UNAVAILABLE"],
        }}]})


NO_RETRIES = Retries(max_attempts=1)


@dataclasses.dataclass(frozen=True)
class Tls:
    """Mutual TLS: the CA that signed the server's certificate, and this client's certificate and
    key (whose SAN names its identity: spiffe://authcore/wallet, ...). server_name: the name to
    check the server's certificate against, when it is not the target's host."""

    ca_file: str
    cert_file: str
    key_file: str
    server_name: str | None = None

    @classmethod
    def from_dir(cls, directory: str | pathlib.Path, identity: str, server_name: str | None = None) -> "Tls":
        """The files `authcore certs --out DIR` writes: ca.pem, IDENTITY.pem and IDENTITY-key.pem."""
        d = pathlib.Path(directory)
        return cls(str(d / "ca.pem"), str(d / f"{identity}.pem"), str(d / f"{identity}-key.pem"), server_name)

    def credentials(self) -> grpc.ChannelCredentials:
        ca, cert, key = (pathlib.Path(p).read_bytes() for p in (self.ca_file, self.cert_file, self.key_file))
        return grpc.ssl_channel_credentials(root_certificates=ca, private_key=key, certificate_chain=cert)


def channel_options(tls: Tls | None, retries: Retries) -> list[tuple]:
    options = [("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
               ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
               ("grpc.enable_retries", 1 if retries.max_attempts > 1 else 0),
               ("grpc.service_config", retries.service_config())]
    if tls is not None and tls.server_name:
        options.append(("grpc.ssl_target_name_override", tls.server_name))
    return options


def open_channel(module: Any, target: str, tls: Tls | None, retries: Retries, timeout: float) -> Any:
    """A channel of module (grpc, or grpc.aio) to target, over mutual TLS when tls is given."""
    if not timeout > 0:
        raise ValueError("timeout must be above 0 seconds")
    options = channel_options(tls, retries)
    if tls is not None:
        return module.secure_channel(target, tls.credentials(), options=options)
    return module.insecure_channel(target, options=options)


def callable_of(channel: Any, made: dict[str, Any], spec: Method) -> Any:
    """channel's multi-callable of spec, made once and kept in made."""
    send = made.get(spec.path)
    if send is None:
        send = made[spec.path] = channel.unary_unary(spec.path, request_serializer=spec.request.SerializeToString,
                                                     response_deserializer=spec.response.FromString)
    return send


def watch_callable(channel: Any, made: dict[str, Any]) -> Any:
    """channel's multi-callable of EventService.WatchEvents, made once and kept in made."""
    send = made.get(WATCH_EVENTS)
    if send is None:
        send = made[WATCH_EVENTS] = channel.unary_stream(
            WATCH_EVENTS, request_serializer=events_pb2.WatchEventsRequest.SerializeToString,
            response_deserializer=events_pb2.WatchEventsResponse.FromString)
    return send


def new_request_id() -> str:
    return uuid.uuid4().hex


def with_request_id(chunk: Any) -> Any:
    """An ImportAccounts chunk, given a random request_id (on it) when it has none."""
    if not chunk.request_id:
        chunk.request_id = new_request_id()
    return chunk


def prepare(spec: Method, given: pb_message.Message | None, fields: dict[str, Any]) -> tuple[pb_message.Message, str]:
    """The request to send (a copy: the caller's message is left as it was) with a request_id
    made where it needs one and has none, and that id ("" when it has none)."""
    request: Any = given
    if request is None:
        try:
            request = spec.request(**fields)
        except (TypeError, ValueError) as error:
            raise TypeError(f"{spec.request.DESCRIPTOR.name}: {error}") from None
    else:
        if fields:
            raise TypeError("give a request message or its fields, not both")
        if not isinstance(request, spec.request):
            raise TypeError(f"{spec.path} takes a {spec.request.DESCRIPTOR.full_name}, "
                            f"not a {type(request).__name__}")
        copy = spec.request()
        copy.CopyFrom(request)
        request = copy
    request_id = ""
    if spec.keyed == "request_id":
        if not request.request_id:
            request.request_id = new_request_id()
        request_id = request.request_id
    elif spec.keyed:
        for item in getattr(request, spec.keyed):
            if not item.request_id:
                item.request_id = new_request_id()
    return request, request_id


# -- routing by the partition map ---------------------------------------------------------------

# Channels a routing client keeps open to owners' addresses, at most (a cluster has few nodes).
MAX_ROUTES = 64
_ID_TAG = re.compile(r"p(\d{1,2})x(\d{1,2})")


def partition_of(account_id: str, partitions: int) -> int:
    """The partition that owns account_id, as the server computes it: BLAKE2b-64 of its UTF-8
    bytes, little-endian, mod the partitions (authcore.cluster.partitions)."""
    return int.from_bytes(hashlib.blake2b(account_id.encode(), digest_size=8).digest(), "little") % partitions


def has_partition_key(request: Any) -> bool:
    """Whether request names an account or an authorization (the calls a routing client routes)."""
    fields = request.DESCRIPTOR.fields_by_name
    return bool(("account_id" in fields and request.account_id)
                or ("authorization_id" in fields and request.authorization_id))


def partition_of_id(authorization_id: str, partitions: int) -> int | None:
    """The partition that made authorization_id ("au_p1x2_..."), as the server reads it
    (authcore.cluster.partitions): None when the id carries no tag of this layout."""
    parts = authorization_id.split("_", 2)
    match = _ID_TAG.fullmatch(parts[1]) if len(parts) == 3 else None
    if match is None:
        return None
    index, count = int(match.group(1)), int(match.group(2))
    # "p01x2" is no tag: the server writes the numbers without leading zeros.
    if count != partitions or index >= count or parts[1] != f"p{index}x{count}":
        return None
    return index


def partition_of_request(request: Any, partitions: int) -> int | None:
    """The partition a request's account or authorization belongs to; None for a request that has
    neither (a batch, a policy, ...) or an authorization id without this layout's tag."""
    fields = request.DESCRIPTOR.fields_by_name
    if "account_id" in fields and request.account_id:
        return partition_of(request.account_id, partitions)
    if "authorization_id" in fields and request.authorization_id:
        return partition_of_id(request.authorization_id, partitions)
    return None


def owners_of(partition_map: Any) -> list[str]:
    """The public address of each partition's owner ("" while one has none), by partition."""
    owners = [""] * len(partition_map.partitions)
    for owner in partition_map.partitions:
        if owner.partition < len(owners):
            owners[owner.partition] = owner.address
    return owners
