"""The blocking client.

Every method takes the request message, or its fields as keywords
(`client.authorize(account_id=..., channel=..., amount_minor=..., currency="CNY", ...)`), and:

- gives the call a deadline (the client's `timeout`, 2 s unless set) when none is given;
- makes a request_id when the request has none (it is on the error raised, to retry with);
- lets grpc retry UNAVAILABLE, with backoff and within the deadline, where that is safe: read-only
  methods and those that act at most once per request_id (the same bytes go again);
- raises a typed `authcore.client.AuthcoreError` (InvalidArgument, NotFound, ResourceExhausted,
  ...) decoded from the call's google.rpc.Status, carrying the reason and the details.

Any other unary method, AdminService's included: `call("SetPolicy", request)`; ImportAccounts:
`import_accounts(chunks)`; the journal's events: `watch_events(partition, from_seq)`. AuthorizeStream: the generated stub over `client.channel`
(authcore.v1.authorization_pb2_grpc)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import grpc
from google.protobuf import message as pb_message

from authcore.client import _core
from authcore.client._core import Metadata
from authcore.client.errors import from_rpc_error
from authcore.v1 import account_pb2, admin_pb2, authorization_pb2, credit_pb2, events_pb2, installment_pb2

IMPORT_ACCOUNTS = "/authcore.v1.AdminService/ImportAccounts"

M = _core.METHODS


class Client:
    """A connection to an authcore server. target: "host:port"; tls: mutual TLS (None:
    plaintext, which the server serves on loopback only); timeout: the default deadline of a
    call, in seconds; retries: grpc's retries of UNAVAILABLE (_core.NO_RETRIES: none).

    route=True (for a cluster, docs/scale-out.md): a call about one account or authorization goes
    straight to the public address of its partition's owner, from the partition map (read from
    target on the first such call); when that call is UNAVAILABLE (the owner changed or died) the
    map is read again and the call sent once more, with its request_id, to the new owner. Other
    calls go to target."""

    def __init__(self, target: str = "127.0.0.1:50051", *, tls: _core.Tls | None = None,
                 timeout: float = _core.DEFAULT_TIMEOUT_S, retries: _core.Retries = _core.Retries(),
                 metadata: Metadata = (), route: bool = False):
        self._plaintext = tls is None
        self.channel = _core.open_channel(grpc, target, tls, retries, timeout)
        self.timeout = timeout
        self.metadata = tuple(metadata)
        self._callables: dict[str, Any] = {}
        self._route = route
        self._tls, self._retries = tls, retries
        # The owners' public addresses by partition, and a channel (with its callables) by address.
        self._owners: list[str] | None = None
        self._routes: dict[str, tuple[Any, dict[str, Any]]] = {}

    def _invoke(self, spec: _core.Method, request: pb_message.Message | None, fields: dict[str, Any],
                timeout: float | None, metadata: Metadata) -> Any:
        request, request_id = _core.prepare(spec, request, fields)
        deadline_s = self.timeout if timeout is None else timeout
        sent = self.metadata + tuple(metadata) or None
        try:
            if self._route and spec.retryable and _core.has_partition_key(request):
                routed = self._routed(spec, request, deadline_s, sent)
                if routed is not None:
                    return routed
            return _core.callable_of(self.channel, self._callables, spec)(request, timeout=deadline_s, metadata=sent)
        except grpc.RpcError as error:
            raise from_rpc_error(error, request_id, plaintext=self._plaintext) from None

    def _routed(self, spec: _core.Method, request: Any, timeout: float, metadata: Any) -> Any:
        """The call sent to its partition's owner (again after reading the map anew, if the owner
        it had was UNAVAILABLE); None for a call that belongs to no partition."""
        for attempt in range(2):
            if self._owners is None or attempt:
                # Read here, not by partition_map(), so that a failure raises with the call's request_id.
                read_map = _core.callable_of(self.channel, self._callables, _core.PARTITION_MAP)
                self._owners = _core.owners_of(read_map(events_pb2.GetPartitionMapRequest(), timeout=timeout,
                                                          metadata=metadata))
            partition = _core.partition_of_request(request, len(self._owners)) if self._owners else None
            if partition is None or not self._owners[partition]:
                return None
            address = self._owners[partition]
            route = self._routes.get(address)
            if route is None:
                if len(self._routes) >= _core.MAX_ROUTES:
                    self._routes.pop(next(iter(self._routes)))[0].close()
                route = self._routes[address] = (
                    _core.open_channel(grpc, address, self._tls, self._retries, self.timeout), {})
            try:
                return _core.callable_of(route[0], route[1], spec)(request, timeout=timeout, metadata=metadata)
            except grpc.RpcError as error:
                if attempt or error.code() != grpc.StatusCode.UNAVAILABLE:
                    raise
        return None

    def owner_address(self, account_id: str) -> str | None:
        """The public address the client sends account_id's calls to (route=True), from the
        partition map as last read (read now if it has not been)."""
        if self._owners is None:
            self._owners = _core.owners_of(self.partition_map())
        return self._owners[_core.partition_of(account_id, len(self._owners))] or None if self._owners else None

    def call(self, method: str, request: pb_message.Message | None = None, /, *, timeout: float | None = None,
             metadata: Metadata = (), **fields: Any) -> pb_message.Message:
        """Any unary method, by "Service/Method" or its RPC name: call("SetPolicy", request)."""
        return self._invoke(_core.method(method), request, fields, timeout, metadata)

    def authorize(self, request: authorization_pb2.AuthorizeRequest | None = None, /, *,
                  timeout: float | None = None, metadata: Metadata = (),
                  **fields: Any) -> authorization_pb2.AuthorizeResponse:
        """Approve, decline or challenge one payment (a request_id is made when none is given)."""
        return self._invoke(M["AuthorizationService/Authorize"], request, fields, timeout, metadata)

    def authorize_batch(self, request: authorization_pb2.AuthorizeBatchRequest | None = None, /, *,
                        timeout: float | None = None, metadata: Metadata = (),
                        **fields: Any) -> authorization_pb2.AuthorizeBatchResponse:
        """Up to 1,000 payments decided in order, each with its own request_id (made where missing)."""
        return self._invoke(M["AuthorizationService/AuthorizeBatch"], request, fields, timeout, metadata)

    def authorize_bulk(self, request: authorization_pb2.AuthorizeBulkRequest | None = None, /, *,
                       timeout: float | None = None, metadata: Metadata = (),
                       **fields: Any) -> authorization_pb2.AuthorizeBulkResponse:
        """A chunk of payments as columns (authcore.decision.columns.bulk_request builds one)."""
        return self._invoke(M["AuthorizationService/AuthorizeBulk"], request, fields, timeout, metadata)

    def capture(self, request: authorization_pb2.CaptureRequest | None = None, /, *,
                timeout: float | None = None, metadata: Metadata = (),
                **fields: Any) -> authorization_pb2.CaptureResponse:
        """Capture all or part of an approved authorization."""
        return self._invoke(M["AuthorizationService/Capture"], request, fields, timeout, metadata)

    def void(self, request: authorization_pb2.VoidRequest | None = None, /, *,
             timeout: float | None = None, metadata: Metadata = (),
             **fields: Any) -> authorization_pb2.VoidResponse:
        """Release an authorization's hold."""
        return self._invoke(M["AuthorizationService/Void"], request, fields, timeout, metadata)

    def refund(self, request: authorization_pb2.RefundRequest | None = None, /, *,
               timeout: float | None = None, metadata: Metadata = (),
               **fields: Any) -> authorization_pb2.RefundResponse:
        """Refund all or part of a capture."""
        return self._invoke(M["AuthorizationService/Refund"], request, fields, timeout, metadata)

    def get_account(self, request: account_pb2.GetAccountRequest | None = None, /, *,
                    timeout: float | None = None, metadata: Metadata = (),
                    **fields: Any) -> account_pb2.GetAccountResponse:
        """An account's limit, balances and state."""
        return self._invoke(M["AccountService/GetAccount"], request, fields, timeout, metadata)

    def repay(self, request: account_pb2.RepayRequest | None = None, /, *,
              timeout: float | None = None, metadata: Metadata = (),
              **fields: Any) -> account_pb2.RepayResponse:
        """Record a repayment, restoring available credit."""
        return self._invoke(M["AccountService/Repay"], request, fields, timeout, metadata)

    def quote_installments(self, request: installment_pb2.QuoteInstallmentsRequest | None = None, /, *,
                           timeout: float | None = None, metadata: Metadata = (),
                           **fields: Any) -> installment_pb2.QuoteInstallmentsResponse:
        """The installment plans a purchase could be split into, with their fees."""
        return self._invoke(M["InstallmentService/QuoteInstallments"], request, fields, timeout, metadata)

    def set_auto_installment(self, request: installment_pb2.SetAutoInstallmentRequest | None = None, /, *,
                             timeout: float | None = None, metadata: Metadata = (),
                             **fields: Any) -> installment_pb2.SetAutoInstallmentResponse:
        """Turn automatic installments on or off for an account."""
        return self._invoke(M["InstallmentService/SetAutoInstallment"], request, fields, timeout, metadata)

    def get_auto_installment(self, request: installment_pb2.GetAutoInstallmentRequest | None = None, /, *,
                             timeout: float | None = None, metadata: Metadata = (),
                             **fields: Any) -> installment_pb2.GetAutoInstallmentResponse:
        """An account's automatic-installment setting."""
        return self._invoke(M["InstallmentService/GetAutoInstallment"], request, fields, timeout, metadata)

    def assess_credit(self, request: credit_pb2.AssessCreditRequest | None = None, /, *,
                      timeout: float | None = None, metadata: Metadata = (),
                      **fields: Any) -> credit_pb2.AssessCreditResponse:
        """Score an applicant with the active scorecard."""
        return self._invoke(M["CreditService/AssessCredit"], request, fields, timeout, metadata)

    def import_accounts(self, chunks: Iterable[admin_pb2.ImportAccountsRequest], /, *, timeout: float | None = None,
                        metadata: Metadata = ()) -> admin_pb2.ImportAccountsResponse:
        """Open or update accounts in bulk (admin only): chunks of up to 10,000 accounts as
        columns, sent on one stream as the iterable yields them. Give each chunk a request_id
        that names its content (a file's digest and the chunk's number, as `authcore import`
        does): a chunk sent again under it is answered as the first time and not applied twice,
        so a whole import can be run again after a failure. A chunk without one gets a random
        id, set on it (applied again if sent again).

        The first refused chunk ends the stream and the answer: its result's `error` is set
        (`authcore.client.errors.from_status(result.error)` gives the typed error, with the field
        violations of each bad row), the chunks before it stand. The call raises only when the
        stream itself fails (UNAVAILABLE, PERMISSION_DENIED, ...). No deadline unless timeout is
        given: an import lasts as long as its chunks take."""
        send = self._callables.get(IMPORT_ACCOUNTS)
        if send is None:
            send = self._callables[IMPORT_ACCOUNTS] = self.channel.stream_unary(
                IMPORT_ACCOUNTS, request_serializer=admin_pb2.ImportAccountsRequest.SerializeToString,
                response_deserializer=admin_pb2.ImportAccountsResponse.FromString)

        try:
            return send(map(_core.with_request_id, chunks), timeout=timeout, metadata=self.metadata + tuple(metadata) or None)
        except grpc.RpcError as error:
            raise from_rpc_error(error, plaintext=self._plaintext) from None

    def watch_events(self, partition: int = 0, from_seq: int = 0, *, timeout: float | None = None,
                     metadata: Metadata = ()) -> Iterator[events_pb2.WatchEventsResponse]:
        """The records of partition's journal from from_seq on (0: the first it keeps), then each
        new one as it is written (admin only): responses of up to 256 records, in seq order, every
        seq once. Resume after a failure with from_seq = the last seq seen + 1. Runs until the
        caller stops iterating (the call is cancelled then) or timeout passes (no deadline unless
        given). A from_seq the partition no longer keeps raises InvalidArgument with code
        OUT_OF_RANGE and reason EVENTS_NOT_KEPT, whose metadata "first_seq" names the first it keeps. partition_map() tells how many partitions there are."""
        call = _core.watch_callable(self.channel, self._callables)(
            events_pb2.WatchEventsRequest(partition=partition, from_seq=from_seq), timeout=timeout,
            metadata=self.metadata + tuple(metadata) or None)
        try:
            yield from call
        except grpc.RpcError as error:
            raise from_rpc_error(error, plaintext=self._plaintext) from None
        finally:
            call.cancel()

    def partition_map(self, *, timeout: float | None = None,
                      metadata: Metadata = ()) -> events_pb2.GetPartitionMapResponse:
        """Each partition with the node that owns it and the public address serving it."""
        return self._invoke(M["ClusterService/GetPartitionMap"], None, {}, timeout, metadata)

    def close(self) -> None:
        for channel, _ in self._routes.values():
            channel.close()
        self._routes.clear()
        self.channel.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
