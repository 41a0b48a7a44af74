"""The asyncio client: AsyncClient's methods are coroutines, otherwise as authcore.client.Client.

Deadlines, request ids, retries and typed errors: as authcore.client.sync says."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable
from typing import Any

import grpc
from google.protobuf import message as pb_message

from authcore.client import _core
from authcore.client._core import Metadata
from authcore.client.errors import from_rpc_error
from authcore.v1 import account_pb2, admin_pb2, authorization_pb2, credit_pb2, events_pb2, installment_pb2

M = _core.METHODS


class AsyncClient:
    """A connection to an authcore server from asyncio code; the arguments are Client's. Make it
    inside the event loop that uses it; `async with AsyncClient(...) as client:` closes it.

    route=True (for a cluster, docs/scale-out.md): a call about one account or authorization goes
    straight to the public address of its partition's owner, from the partition map (read from
    target on the first such call); when that call is UNAVAILABLE (the owner changed or died) the
    map is read again and the call sent once more, with its request_id, to the new owner. Other
    calls go to target."""

    def __init__(self, target: str = "127.0.0.1:50051", *, tls: _core.Tls | None = None,
                 timeout: float = _core.DEFAULT_TIMEOUT_S, retries: _core.Retries = _core.Retries(),
                 metadata: Metadata = (), route: bool = False):
        self._plaintext = tls is None
        self.channel = _core.open_channel(grpc.aio, target, tls, retries, timeout)
        self.timeout = timeout
        self.metadata = tuple(metadata)
        self._callables: dict[str, Any] = {}
        self._route = route
        self._tls, self._retries = tls, retries
        # The owners' public addresses by partition, and a channel (with its callables) by address.
        self._owners: list[str] | None = None
        self._routes: dict[str, tuple[Any, dict[str, Any]]] = {}

    async def _invoke(self, spec: _core.Method, request: pb_message.Message | None, fields: dict[str, Any],
                      timeout: float | None, metadata: Metadata) -> Any:
        request, request_id = _core.prepare(spec, request, fields)
        deadline_s = self.timeout if timeout is None else timeout
        sent = self.metadata + tuple(metadata) or None
        try:
            if self._route and spec.retryable and _core.has_partition_key(request):
                routed = await self._routed(spec, request, deadline_s, sent)
                if routed is not None:
                    return routed
            return await _core.callable_of(self.channel, self._callables, spec)(request, timeout=deadline_s,
                                                                                metadata=sent)
        except grpc.RpcError as error:
            raise from_rpc_error(error, request_id, plaintext=self._plaintext) from None

    async def _routed(self, spec: _core.Method, request: Any, timeout: float, metadata: Any) -> Any:
        """The call sent to its partition's owner (again after reading the map anew, if the owner
        it had was UNAVAILABLE); None for a call that belongs to no partition."""
        for attempt in range(2):
            if self._owners is None or attempt:
                # Read here, not by partition_map(), so that a failure raises with the call's request_id.
                read_map = _core.callable_of(self.channel, self._callables, _core.PARTITION_MAP)
                self._owners = _core.owners_of(await read_map(events_pb2.GetPartitionMapRequest(), timeout=timeout,
                                                          metadata=metadata))
            partition = _core.partition_of_request(request, len(self._owners)) if self._owners else None
            if partition is None or not self._owners[partition]:
                return None
            address = self._owners[partition]
            route = self._routes.get(address)
            if route is None:
                # The table changes before the first await, so that no other call opens a second
                # channel to the address meanwhile.
                evicted = None
                if len(self._routes) >= _core.MAX_ROUTES:
                    evicted = self._routes.pop(next(iter(self._routes)))[0]
                route = self._routes[address] = (
                    _core.open_channel(grpc.aio, address, self._tls, self._retries, self.timeout), {})
                if evicted is not None:
                    await evicted.close()
            try:
                return await _core.callable_of(route[0], route[1], spec)(request, timeout=timeout, metadata=metadata)
            except grpc.RpcError as error:
                if attempt or error.code() != grpc.StatusCode.UNAVAILABLE:
                    raise
        return None

    async def owner_address(self, account_id: str) -> str | None:
        """The public address the client sends account_id's calls to (route=True), from the
        partition map as last read (read now if it has not been)."""
        if self._owners is None:
            self._owners = _core.owners_of(await self.partition_map())
        return self._owners[_core.partition_of(account_id, len(self._owners))] or None if self._owners else None

    async def call(self, method: str, request: pb_message.Message | None = None, /, *,
                   timeout: float | None = None, metadata: Metadata = (), **fields: Any) -> pb_message.Message:
        """Any unary method, by "Service/Method" or its RPC name: await call("SetPolicy", request)."""
        return await self._invoke(_core.method(method), request, fields, timeout, metadata)

    async def authorize(self, request: authorization_pb2.AuthorizeRequest | None = None, /, *,
                        timeout: float | None = None, metadata: Metadata = (),
                        **fields: Any) -> authorization_pb2.AuthorizeResponse:
        """Approve, decline or challenge one payment (a request_id is made when none is given)."""
        return await self._invoke(M["AuthorizationService/Authorize"], request, fields, timeout, metadata)

    async def authorize_batch(self, request: authorization_pb2.AuthorizeBatchRequest | None = None, /, *,
                              timeout: float | None = None, metadata: Metadata = (),
                              **fields: Any) -> authorization_pb2.AuthorizeBatchResponse:
        """Up to 1,000 payments decided in order, each with its own request_id (made where missing)."""
        return await self._invoke(M["AuthorizationService/AuthorizeBatch"], request, fields, timeout, metadata)

    async def authorize_bulk(self, request: authorization_pb2.AuthorizeBulkRequest | None = None, /, *,
                             timeout: float | None = None, metadata: Metadata = (),
                             **fields: Any) -> authorization_pb2.AuthorizeBulkResponse:
        """A chunk of payments as columns (authcore.decision.columns.bulk_request builds one)."""
        return await self._invoke(M["AuthorizationService/AuthorizeBulk"], request, fields, timeout, metadata)

    async def capture(self, request: authorization_pb2.CaptureRequest | None = None, /, *,
                      timeout: float | None = None, metadata: Metadata = (),
                      **fields: Any) -> authorization_pb2.CaptureResponse:
        """Capture all or part of an approved authorization."""
        return await self._invoke(M["AuthorizationService/Capture"], request, fields, timeout, metadata)

    async def void(self, request: authorization_pb2.VoidRequest | None = None, /, *,
                   timeout: float | None = None, metadata: Metadata = (),
                   **fields: Any) -> authorization_pb2.VoidResponse:
        """Release an authorization's hold."""
        return await self._invoke(M["AuthorizationService/Void"], request, fields, timeout, metadata)

    async def refund(self, request: authorization_pb2.RefundRequest | None = None, /, *,
                     timeout: float | None = None, metadata: Metadata = (),
                     **fields: Any) -> authorization_pb2.RefundResponse:
        """Refund all or part of a capture."""
        return await self._invoke(M["AuthorizationService/Refund"], request, fields, timeout, metadata)

    async def get_account(self, request: account_pb2.GetAccountRequest | None = None, /, *,
                          timeout: float | None = None, metadata: Metadata = (),
                          **fields: Any) -> account_pb2.GetAccountResponse:
        """An account's limit, balances and state."""
        return await self._invoke(M["AccountService/GetAccount"], request, fields, timeout, metadata)

    async def repay(self, request: account_pb2.RepayRequest | None = None, /, *,
                    timeout: float | None = None, metadata: Metadata = (),
                    **fields: Any) -> account_pb2.RepayResponse:
        """Record a repayment, restoring available credit."""
        return await self._invoke(M["AccountService/Repay"], request, fields, timeout, metadata)

    async def quote_installments(self, request: installment_pb2.QuoteInstallmentsRequest | None = None, /, *,
                                 timeout: float | None = None, metadata: Metadata = (),
                                 **fields: Any) -> installment_pb2.QuoteInstallmentsResponse:
        """The installment plans a purchase could be split into, with their fees."""
        return await self._invoke(M["InstallmentService/QuoteInstallments"], request, fields, timeout, metadata)

    async def set_auto_installment(self, request: installment_pb2.SetAutoInstallmentRequest | None = None, /, *,
                                   timeout: float | None = None, metadata: Metadata = (),
                                   **fields: Any) -> installment_pb2.SetAutoInstallmentResponse:
        """Turn automatic installments on or off for an account."""
        return await self._invoke(M["InstallmentService/SetAutoInstallment"], request, fields, timeout, metadata)

    async def get_auto_installment(self, request: installment_pb2.GetAutoInstallmentRequest | None = None, /, *,
                                   timeout: float | None = None, metadata: Metadata = (),
                                   **fields: Any) -> installment_pb2.GetAutoInstallmentResponse:
        """An account's automatic-installment setting."""
        return await self._invoke(M["InstallmentService/GetAutoInstallment"], request, fields, timeout, metadata)

    async def assess_credit(self, request: credit_pb2.AssessCreditRequest | None = None, /, *,
                            timeout: float | None = None, metadata: Metadata = (),
                            **fields: Any) -> credit_pb2.AssessCreditResponse:
        """Score an applicant with the active scorecard."""
        return await self._invoke(M["CreditService/AssessCredit"], request, fields, timeout, metadata)

    async def import_accounts(self, chunks: Iterable[admin_pb2.ImportAccountsRequest]
                              | AsyncIterable[admin_pb2.ImportAccountsRequest], /, *,
                              timeout: float | None = None,
                              metadata: Metadata = ()) -> admin_pb2.ImportAccountsResponse:
        """Client.import_accounts as a coroutine; chunks may be an async iterable."""
        path = "/authcore.v1.AdminService/ImportAccounts"
        send = self._callables.get(path)
        if send is None:
            send = self._callables[path] = self.channel.stream_unary(
                path, request_serializer=admin_pb2.ImportAccountsRequest.SerializeToString,
                response_deserializer=admin_pb2.ImportAccountsResponse.FromString)

        async def identified():
            if isinstance(chunks, AsyncIterable):
                async for chunk in chunks:
                    yield _core.with_request_id(chunk)
            else:
                for chunk in chunks:
                    yield _core.with_request_id(chunk)

        try:
            return await send(identified(), timeout=timeout, metadata=self.metadata + tuple(metadata) or None)
        except grpc.RpcError as error:
            raise from_rpc_error(error, plaintext=self._plaintext) from None

    async def watch_events(self, partition: int = 0, from_seq: int = 0, *, timeout: float | None = None,
                           metadata: Metadata = ()) -> AsyncIterator[events_pb2.WatchEventsResponse]:
        """Client.watch_events as an async iterator."""
        call = _core.watch_callable(self.channel, self._callables)(
            events_pb2.WatchEventsRequest(partition=partition, from_seq=from_seq), timeout=timeout,
            metadata=self.metadata + tuple(metadata) or None)
        try:
            async for response in call:
                yield response
        except grpc.RpcError as error:
            raise from_rpc_error(error, plaintext=self._plaintext) from None
        finally:
            call.cancel()

    async def partition_map(self, *, timeout: float | None = None,
                            metadata: Metadata = ()) -> events_pb2.GetPartitionMapResponse:
        """Client.partition_map as a coroutine."""
        return await self._invoke(M["ClusterService/GetPartitionMap"], None, {}, timeout, metadata)

    async def close(self) -> None:
        routes = list(self._routes.values())
        self._routes.clear()
        for channel, _ in routes:
            await channel.close()
        await self.channel.close()

    async def __aenter__(self) -> "AsyncClient":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
