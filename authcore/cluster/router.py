"""The public port of a partitioned server. A call is served in this process when this process
owns its routing key, and otherwise forwarded as bytes to the owner's private socket, with the
caller's remaining deadline; the owner's response or status (google.rpc details, replay mark and
server time in the trailing metadata) is handed back unchanged. ROUTES is the whole table.

Only the owner of an account ever runs a request that changes it, so each account keeps one
writer and its request_ids are remembered by the owner's journal, exactly as in one process.
"""

from __future__ import annotations

import collections
import re
import time
from collections.abc import Callable

import grpc
from google.rpc import error_details_pb2, status_pb2
from grpc_health.v1 import health
from grpc_status import rpc_status

from authcore.decision import columns, validation
from authcore.api import identity
from authcore.api.decoding import Undecodable, decoder
from authcore.api.events import EventSource, partition_map, partition_refused
from authcore.engine import Engine, _reused_in_batch
from authcore.engine.accounts import MAX_IMPORT_CHUNKS
from authcore.errors import AuthcoreError, FieldViolation, InvalidArgument, abort_with
from authcore.cluster.partitions import partition_of, partition_of_id
from authcore.api.server import (
    MAX_MESSAGE_BYTES,
    SERVER_TIME_KEY,
    add_services,
    grpc_server,
)
from authcore.risk.shadow import merge_reports
from authcore.v1 import admin_pb2, authorization_pb2 as authz, events_pb2

# Route kinds. The key field of ACCOUNT and AUTHORIZATION routes names the request field read.
ACCOUNT = "account"  # the owner of request.<key> (an account id)
AUTHORIZATION = "authorization"  # the partition tagged in request.<key> (an authorization id)
BULK = "bulk"  # a columnar chunk split by account like a batch; one request_id in every partition
BATCH = "batch"  # split by account, sent to each owner at once, put back in order
BROADCAST = "broadcast"  # the same request to every partition; partition 0's answer or the first error
LOCAL = "local"  # any process answers from its own state, which every partition holds alike
GATHER = "gather"  # the same request to every partition; their answers merged (MERGES)
IMPORT = "import"  # a stream of import chunks, each split by account like a bulk chunk
WATCH = "watch"  # a response stream from partition request.<key>'s process, relayed as it comes
MAP = "map"  # answered by the router: where each partition is served

AUTHORIZATION_SERVICE = "/authcore.v1.AuthorizationService/"
ACCOUNT_SERVICE = "/authcore.v1.AccountService/"
ADMIN_SERVICE = "/authcore.v1.AdminService/"
INSTALLMENT_SERVICE = "/authcore.v1.InstallmentService/"
WATCH_EVENTS = "/authcore.v1.EventService/WatchEvents"

# Every method of the public port. A method served by this build but missing here is refused
# with UNIMPLEMENTED: serving it from one partition would answer from a part of the accounts.
ROUTES: dict[str, tuple[str, str]] = {
    AUTHORIZATION_SERVICE + "Authorize": (ACCOUNT, "account_id"),
    AUTHORIZATION_SERVICE + "AuthorizeBatch": (BATCH, ""),
    AUTHORIZATION_SERVICE + "AuthorizeBulk": (BULK, ""),
    AUTHORIZATION_SERVICE + "Capture": (AUTHORIZATION, "authorization_id"),
    AUTHORIZATION_SERVICE + "Void": (AUTHORIZATION, "authorization_id"),
    AUTHORIZATION_SERVICE + "Refund": (AUTHORIZATION, "authorization_id"),
    ACCOUNT_SERVICE + "GetAccount": (ACCOUNT, "account_id"),
    ACCOUNT_SERVICE + "Repay": (ACCOUNT, "account_id"),
    ADMIN_SERVICE + "UpsertAccount": (ACCOUNT, "account_id"),
    ADMIN_SERVICE + "ImportAccounts": (IMPORT, ""),
    ADMIN_SERVICE + "SetPolicy": (BROADCAST, ""),
    ADMIN_SERVICE + "SetRiskModel": (BROADCAST, ""),
    ADMIN_SERVICE + "SetScorecard": (BROADCAST, ""),
    ADMIN_SERVICE + "GetPolicy": (LOCAL, ""),
    ADMIN_SERVICE + "GetRiskModel": (LOCAL, ""),
    ADMIN_SERVICE + "GetScorecard": (LOCAL, ""),
    ADMIN_SERVICE + "ActivateVersion": (BROADCAST, ""),
    ADMIN_SERVICE + "ListVersions": (LOCAL, ""),
    ADMIN_SERVICE + "GetVersion": (LOCAL, ""),
    ADMIN_SERVICE + "SetShadow": (BROADCAST, ""),
    # Each partition counts the payments of its own accounts: the report is the sum.
    ADMIN_SERVICE + "ClearShadow": (GATHER, ""),
    ADMIN_SERVICE + "GetShadowReport": (GATHER, ""),
    INSTALLMENT_SERVICE + "QuoteInstallments": (ACCOUNT, "account_id"),
    INSTALLMENT_SERVICE + "SetAutoInstallment": (ACCOUNT, "account_id"),
    INSTALLMENT_SERVICE + "GetAutoInstallment": (ACCOUNT, "account_id"),
    "/authcore.v1.CreditService/AssessCredit": (LOCAL, ""),
    "/authcore.v1.DiagnosticsService/Echo": (LOCAL, ""),  # the transport floor stays a local no-op
    # Partition k's journal is read by worker k (in a cluster, any node's worker k has it).
    WATCH_EVENTS: (WATCH, "partition"),
    "/authcore.v1.ClusterService/GetPartitionMap": (MAP, ""),
    "/grpc.health.v1.Health/Check": (LOCAL, ""),
    "/grpc.health.v1.Health/Watch": (LOCAL, ""),
    "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo": (LOCAL, ""),
}
CHANNEL_OPTIONS = (("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
                   ("grpc.max_send_message_length", MAX_MESSAGE_BYTES))
# A call without a deadline reports one about 292 years away; forward it without one too.
NO_DEADLINE_S = 10 * 365 * 86_400

DECODE_BATCH = decoder(authz.AuthorizeBatchRequest.FromString)
DECODE_BULK = decoder(authz.AuthorizeBulkRequest.FromString)
DECODE_IMPORT = decoder(admin_pb2.ImportAccountsRequest.FromString)
DECODE_WATCH = decoder(events_pb2.WatchEventsRequest.FromString)
DECODE_MAP = decoder(events_pb2.GetPartitionMapRequest.FromString)

_Details = collections.namedtuple("_Details", ("method", "invocation_metadata"))


class Registry:
    """Stands in for a grpc.Server in server.add_services: collects the method handlers by path."""

    def __init__(self) -> None:
        self.handlers: dict[str, grpc.RpcMethodHandler] = {}
        self._generic: list[grpc.GenericRpcHandler] = []

    def add_registered_method_handlers(self, service: str, handlers: dict) -> None:
        self.handlers.update({f"/{service}/{method}": handler for method, handler in handlers.items()})

    def add_generic_rpc_handlers(self, generic_handlers) -> None:
        self._generic.extend(generic_handlers)

    def lookup(self, path: str) -> grpc.RpcMethodHandler | None:
        handler = self.handlers.get(path)
        if handler is None:
            for generic in self._generic:
                handler = generic.service(_Details(path, ()))
                if handler is not None:
                    break
        return handler


def _to_bytes(response) -> bytes:
    """A local answer is a message, a forwarded one is already bytes."""
    return response if type(response) is bytes else response.SerializeToString()


def _timeout(context: grpc.ServicerContext) -> float | None:
    remaining = context.time_remaining()
    return None if remaining > NO_DEADLINE_S else remaining


def relay_error(error: grpc.RpcError, context: grpc.ServicerContext):
    """End the call with the owner's status, details and trailing metadata, unchanged."""
    context.set_trailing_metadata(tuple(error.trailing_metadata() or ()))
    context.abort(error.code(), error.details() or "")


def _status_of(error: grpc.RpcError) -> status_pb2.Status:
    """The google.rpc.Status of a failed call: its details when it carried them."""
    status = rpc_status.from_call(error)
    if status is None:
        status = status_pb2.Status(code=error.code().value[0], message=error.details() or "")
    return status


def _outcome(call, context: grpc.ServicerContext):
    """The response bytes of a forwarded call, or the grpc.RpcError it ended with."""
    try:
        return call.result()
    except grpc.RpcError as error:
        return error
    except grpc.FutureCancelledError:  # the caller went away, and our callback cancelled it
        context.abort(grpc.StatusCode.CANCELLED, "cancelled by the caller")


def _caller_may_pay_on(context: grpc.ServicerContext, channels) -> None:
    """A batch or chunk with a payment on another channel than the caller's is refused whole,
    before any partition sees a part of it."""
    try:
        identity.caller_channels_check(channels)
    except AuthcoreError as error:
        abort_with(context, error)


def _parse(decode, data: bytes, context: grpc.ServicerContext):
    """The request decoded by decode (a decoding.decoder); bytes that do not decode end the call
    with INVALID_ARGUMENT, as in one process."""
    request = decode(data)
    if type(request) is Undecodable:
        abort_with(context, request.error())
    return request


class Router(grpc.GenericRpcHandler):
    """The public port's handler in partition index of processes; socket_paths[i] is partition
    i's private socket, local the handlers of this process's own servicers."""

    def __init__(self, local: Registry, index: int, processes: int, socket_paths: list[str],
                 events: EventSource | None = None):
        self.index = index
        self.processes = processes
        self.local = local
        # This process's watchers (forwarded ones count too: each holds a thread here) and the
        # public address GetPartitionMap names (set once the port is bound).
        self.events = events if events is not None else EventSource(None, index, processes)
        self.address = ""
        self.channels = [grpc.insecure_channel(f"unix:{path}", options=CHANNEL_OPTIONS) for path in socket_paths]
        self._handlers: dict[str, grpc.RpcMethodHandler] = {}
        self._owners: dict[str, list] = {}
        for path, (kind, key) in ROUTES.items():
            handler = local.lookup(path)
            if handler is None:
                continue  # not served by this build
            if kind == IMPORT:
                self._owners[path] = [channel.stream_unary(path, request_serializer=None, response_deserializer=None)
                                      for channel in self.channels]
            elif kind == WATCH:
                self._owners[path] = [channel.unary_stream(path, request_serializer=None, response_deserializer=None)
                                      for channel in self.channels]
            elif kind not in (LOCAL, MAP):
                self._owners[path] = [channel.unary_unary(path, request_serializer=None, response_deserializer=None)
                                      for channel in self.channels]
            self._handlers[path] = self._handler(path, kind, key, handler)

    def service(self, handler_call_details):
        path = handler_call_details.method
        handler = self._handlers.get(path)
        if handler is None and self.local.lookup(path) is not None:
            return _refusal(path, self.local.lookup(path))
        return handler

    def close(self) -> None:
        for channel in self.channels:
            channel.close()

    # -- handlers ---------------------------------------------------------------------------

    def _handler(self, path: str, kind: str, key: str, local: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
        if kind == LOCAL:
            return local
        if kind == WATCH:
            return grpc.unary_stream_rpc_method_handler(
                lambda data, context: self._watch(path, data, context, local), response_serializer=_to_bytes)
        if kind == MAP:
            return grpc.unary_unary_rpc_method_handler(self._partition_map, response_serializer=_to_bytes)
        if kind == BROADCAST:
            return grpc.unary_unary_rpc_method_handler(lambda data, context: self._broadcast(path, data, context))
        if kind == GATHER:
            return grpc.unary_unary_rpc_method_handler(lambda data, context: self._gather(path, data, context),
                                                       response_serializer=_to_bytes)
        if kind == BULK:
            return grpc.unary_unary_rpc_method_handler(
                lambda data, context: self._bulk(path, data, context, local), response_serializer=_to_bytes)
        if kind == IMPORT:
            return grpc.stream_unary_rpc_method_handler(
                lambda messages, context: self._import(path, messages, context), response_serializer=_to_bytes)
        if kind == BATCH:
            return grpc.unary_unary_rpc_method_handler(
                lambda data, context: self._batch(path, data, context, local), response_serializer=_to_bytes)
        owner_of = self._account_owner if kind == ACCOUNT else self._authorization_owner
        deserialize, behaviour = local.request_deserializer, local.unary_unary

        def routed(data: bytes, context: grpc.ServicerContext):
            request = _parse(deserialize, data, context)
            owner = owner_of(getattr(request, key))
            if self._serves(owner):
                return behaviour(request, context)
            return self._forward(path, owner, data, context)

        return grpc.unary_unary_rpc_method_handler(routed, response_serializer=_to_bytes)

    def _owner_call(self, path: str, owner: int):
        """The multi-callable that reaches partition owner's servicer of path."""
        return self._owners[path][owner]

    def _serves(self, owner: int) -> bool:
        """Whether this process answers partition owner's calls itself."""
        return owner == self.index

    def _all_here(self, groups: dict[int, list[int]]) -> bool:
        """Whether a batch or chunk split into groups (partition -> its items) is wholly this
        process's: then it is decided here, as an unpartitioned server does, not forwarded to this
        process's own private port."""
        return len(groups) == 1 and self._serves(next(iter(groups)))

    def _watches_here(self, partition: int) -> bool:
        """Whether this process serves partition's watchers itself."""
        return partition == self.index

    def _partition_map(self, data: bytes, context: grpc.ServicerContext) -> events_pb2.GetPartitionMapResponse:
        _parse(DECODE_MAP, data, context)  # bytes that do not decode: INVALID_ARGUMENT
        return self.partition_map()

    def partition_map(self) -> events_pb2.GetPartitionMapResponse:
        """Every partition served by this server's public address."""
        return partition_map([("", self.address)] * self.processes)

    def _watch(self, path: str, data: bytes, context: grpc.ServicerContext, local: grpc.RpcMethodHandler):
        """A WatchEvents call: served here when this process reads the partition's journal,
        otherwise relayed from that process's response stream as it comes."""
        request = _parse(DECODE_WATCH, data, context)
        if request.partition >= self.processes:
            abort_with(context, partition_refused(request.partition, self.processes))
        if self._watches_here(request.partition):
            yield from local.unary_stream(request, context)
            return
        try:
            self.events.watchers.enter(context)
        except AuthcoreError as error:
            abort_with(context, error)
        call = self._owner_call(path, request.partition)(data, timeout=_timeout(context),
                                                         metadata=identity.forwarded_metadata())
        context.add_callback(call.cancel)
        try:
            yield from call
        except grpc.RpcError as error:
            relay_error(error, context)

    def _account_owner(self, account_id: str) -> int:
        # An empty or malformed id still has an owner, whose engine answers INVALID_ARGUMENT.
        return partition_of(account_id, self.processes)

    def _authorization_owner(self, authorization_id: str) -> int:
        # No partition made an id without this layout's tag: the local engine validates the
        # request and answers NOT_FOUND for it, as a single process does for an unknown id.
        owner = partition_of_id(authorization_id, self.processes)
        return self.index if owner is None else owner

    def _forward(self, path: str, owner: int, data: bytes, context: grpc.ServicerContext) -> bytes:
        call, answer = self._forward_once(self._owner_call(path, owner), data, context)
        if isinstance(answer, grpc.RpcError):
            relay_error(answer, context)
        context.set_trailing_metadata(tuple(call.trailing_metadata() or ()))
        return answer

    def _forward_once(self, multi_callable, data: bytes, context: grpc.ServicerContext):
        """(the call, its response bytes or the grpc.RpcError it ended with)."""
        call = multi_callable.future(data, timeout=_timeout(context), metadata=identity.forwarded_metadata())
        context.add_callback(call.cancel)
        return call, _outcome(call, context)

    def _to_every_partition(self, path: str, data: bytes, context: grpc.ServicerContext) -> tuple[list, list]:
        """The same request to every partition at once: (calls, answer bytes); the first failure
        ends the call with its status."""
        timeout, metadata = _timeout(context), identity.forwarded_metadata()
        calls = [self._owner_call(path, i).future(data, timeout=timeout, metadata=metadata)
                 for i in range(self.processes)]
        for call in calls:
            context.add_callback(call.cancel)
        answers = [_outcome(call, context) for call in calls]
        for answer in answers:
            if isinstance(answer, grpc.RpcError):
                relay_error(answer, context)
        return calls, answers

    def _broadcast(self, path: str, data: bytes, context: grpc.ServicerContext) -> bytes:
        """The same request (same request_id) to every partition at once. Each journals it, so a
        retry after a failure part-way is answered by replay where it was done and done elsewhere."""
        calls, answers = self._to_every_partition(path, data, context)
        context.set_trailing_metadata(tuple(calls[0].trailing_metadata() or ()))
        return answers[0]

    def _gather(self, path: str, data: bytes, context: grpc.ServicerContext):
        """The same request to every partition at once; their answers merged into one."""
        _, answers = self._to_every_partition(path, data, context)
        response_cls = MERGES[path][0]
        return MERGES[path][1]([response_cls.FromString(answer) for answer in answers])

    def _scatter(self, path: str, groups: dict[int, list[int]], part_of, context: grpc.ServicerContext) -> list:
        """part_of(indices) sent to each owner of groups at once; [(indices, response bytes or
        the grpc.RpcError it ended with)] in the order of groups."""
        timeout, metadata = _timeout(context), identity.forwarded_metadata()
        calls = []
        for owner, indices in groups.items():
            call = self._owner_call(path, owner).future(part_of(indices).SerializeToString(), timeout=timeout,
                                                    metadata=metadata)
            context.add_callback(call.cancel)
            calls.append((indices, call))
        return [(indices, _outcome(call, context)) for indices, call in calls]

    def _batch(self, path: str, data: bytes, context: grpc.ServicerContext, local: grpc.RpcMethodHandler):
        """Split by account owner, one sub-batch per partition at once, results put back in order."""
        started = time.perf_counter_ns()
        request = _parse(DECODE_BATCH, data, context)
        _caller_may_pay_on(context, [item.channel for item in request.requests])
        try:
            validation.validate_batch(request)
        except InvalidArgument:
            return local.unary_unary(request, context)  # the engine answers a malformed batch
        items = request.requests
        results: list = [None] * len(items)
        groups: dict[int, list[int]] = {}
        owner_of_id: dict[str, int] = {}
        for i, item in enumerate(items):
            # Items are validated here with their place in the whole batch, as the engine does;
            # a sub-batch would number them from 0.
            violations = validation.authorize_violations(item, f"requests[{i}].")
            if violations:
                results[i] = InvalidArgument(violations).to_status()
                continue
            owner = partition_of(item.account_id, self.processes)
            # The engine refuses a request_id reused inside a batch with other parameters; when
            # the two items have different owners, no engine sees both, so it is refused here.
            if owner_of_id.setdefault(item.request_id, owner) != owner:
                results[i] = _reused_in_batch(item.request_id).to_status()
                continue
            groups.setdefault(owner, []).append(i)
        if self._all_here(groups) and all(r is None for r in results):
            return local.unary_unary(request, context)
        parts = self._scatter(path, groups, lambda indices: authz.AuthorizeBatchRequest(
            requests=[items[i] for i in indices]), context)
        for indices, answer in parts:
            if isinstance(answer, grpc.RpcError):
                # That partition decided none of its items, or cannot say: each item carries the
                # status its unary call would have ended with. Retrying with the same ids is safe.
                status = _status_of(answer)
                for i in indices:
                    results[i] = status
                continue
            answered = authz.AuthorizeBatchResponse.FromString(answer).results
            for i, result in zip(indices, answered, strict=True):
                results[i] = result
        out = authz.AuthorizeBatchResponse()
        for result in results:
            if isinstance(result, status_pb2.Status):
                out.results.add().error.CopyFrom(result)
            else:
                out.results.append(result)
        context.set_trailing_metadata(((SERVER_TIME_KEY, str((time.perf_counter_ns() - started) // 1000)),))
        return out


    def _bulk(self, path: str, data: bytes, context: grpc.ServicerContext, local: grpc.RpcMethodHandler):
        """Split a chunk by account owner; each partition decides its part under the chunk's
        request_id (so a retry replays where it was done and is done where it was not); the
        answers are put back in the chunk's order. A partition's failure fails the chunk: the
        caller retries it with the same request_id."""
        started = time.perf_counter_ns()
        request = _parse(DECODE_BULK, data, context)
        _caller_may_pay_on(context, request.channels)
        groups: dict[int, list[int]] = {}
        for i, account_id in enumerate(request.account_ids):
            groups.setdefault(partition_of(account_id, self.processes), []).append(i)
        if self._all_here(groups):
            return local.unary_unary(request, context)
        try:
            columns.chunk_of(request)
        except InvalidArgument:
            return local.unary_unary(request, context)  # the engine answers a malformed chunk
        answers = []
        for indices, answer in self._scatter(path, groups, lambda indices: columns.take(request, indices), context):
            if isinstance(answer, grpc.RpcError):
                relay_error(answer, context)
            answers.append((indices, authz.AuthorizeBulkResponse.FromString(answer)))
        n = len(request.account_ids)
        merged = {name: [None] * n for name in BULK_ANSWER_COLUMNS}
        out = authz.AuthorizeBulkResponse(request_id=request.request_id)
        expires_s, errors = 0, []
        for indices, part in answers:
            for name in BULK_ANSWER_COLUMNS:
                column = merged[name]
                for i, value in zip(indices, getattr(part, name), strict=True):
                    column[i] = value
            errors += [(indices[error.index], error.status) for error in part.errors]
            expires_s = max(expires_s, part.hold_expires_at.seconds)
            out.policy_version, out.model_version = part.policy_version, part.model_version
        for name in BULK_ANSWER_COLUMNS:
            getattr(out, name).extend(merged[name])
        for index, status in sorted(errors, key=lambda e: e[0]):
            out.errors.add(index=index).status.CopyFrom(status)
        if expires_s:
            out.hold_expires_at.seconds = expires_s
        context.set_trailing_metadata(((SERVER_TIME_KEY, str((time.perf_counter_ns() - started) // 1000)),))
        return out


    def _import(self, path: str, messages, context: grpc.ServicerContext) -> admin_pb2.ImportAccountsResponse:
        """Each chunk of an ImportAccounts stream validated here, split by account owner and sent
        to each owner at once under the chunk's request_id (a retry replays where it was applied
        and applies where it was not); the counts summed. A chunk refused here or by a partition
        ends the stream, as in one process; the parts other partitions applied stand, and the
        chunk retried with the same request_id (or fixed) completes it."""
        out = admin_pb2.ImportAccountsResponse()
        for data in messages:
            request = DECODE_IMPORT(data)
            try:
                if type(request) is Undecodable:
                    raise request.error()
                if len(out.chunks) >= MAX_IMPORT_CHUNKS:
                    raise InvalidArgument([FieldViolation("request_id", f"at most {MAX_IMPORT_CHUNKS} chunks per "
                                                                        "stream: send the rest on another")])
                columns.import_chunk_of(request)
            except AuthcoreError as error:
                out.chunks.add(request_id=getattr(request, "request_id", ""), error=error.to_status())
                return out
            result = self._import_chunk(path, request, context)
            out.chunks.append(result)
            if result.HasField("error"):
                return out
            out.created += result.created
            out.updated += result.updated
        return out

    def _import_chunk(self, path: str, request, context: grpc.ServicerContext) -> admin_pb2.ImportChunkResult:
        """One valid chunk through its accounts' owners: their results as one (a refusal's rows
        numbered as in the whole chunk)."""
        groups: dict[int, list[int]] = {}
        for i, account_id in enumerate(request.account_ids):
            groups.setdefault(partition_of(account_id, self.processes), []).append(i)
        timeout, metadata = _timeout(context), identity.forwarded_metadata()
        calls = []
        for owner, indices in groups.items():
            part = columns.import_take(request, indices).SerializeToString()
            call = self._owner_call(path, owner).future(iter([part]), timeout=timeout, metadata=metadata)
            context.add_callback(call.cancel)
            calls.append((indices, call))
        result = admin_pb2.ImportChunkResult(request_id=request.request_id, replayed=True)
        for indices, call in calls:
            answer = _outcome(call, context)
            if isinstance(answer, grpc.RpcError):
                return admin_pb2.ImportChunkResult(request_id=request.request_id, error=_status_of(answer))
            (part,) = admin_pb2.ImportAccountsResponse.FromString(answer).chunks
            if part.HasField("error"):
                return admin_pb2.ImportChunkResult(request_id=request.request_id,
                                                   error=renumbered(part.error, indices))
            result.created += part.created
            result.updated += part.updated
            result.replayed &= part.replayed
        return result


def renumbered(status: status_pb2.Status, indices: list[int]) -> status_pb2.Status:
    """A part's refusal with its rows' field violations (`account_ids[3]`) numbered as in the
    whole chunk (indices[3])."""
    out = status_pb2.Status()
    out.CopyFrom(status)
    for detail in out.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            for violation in bad.field_violations:
                match = ROW_FIELD.fullmatch(violation.field)
                if match and int(match.group(2)) < len(indices):
                    violation.field = f"{match.group(1)}[{indices[int(match.group(2))]}]"
            detail.Pack(bad)
    out.message = ROW_IN_MESSAGE.sub(
        lambda m: f"{m.group(1)}[{indices[int(m.group(2))]}]" if int(m.group(2)) < len(indices) else m.group(0),
        out.message)
    return out


ROW_FIELD = re.compile(r"(\w+)\[(\d+)\]")
ROW_IN_MESSAGE = re.compile(r"\b(\w+)\[(\d+)\]")


# How the answers of every partition become one, for the GATHER routes.
MERGES = {
    ADMIN_SERVICE + "ClearShadow": (admin_pb2.ClearShadowResponse, lambda answers: admin_pb2.ClearShadowResponse(
        report=merge_reports([a.report for a in answers]))),
    ADMIN_SERVICE + "GetShadowReport": (admin_pb2.GetShadowReportResponse, lambda answers: admin_pb2.GetShadowReportResponse(
        report=merge_reports([a.report for a in answers]))),
}

BULK_ANSWER_COLUMNS = ("decisions", "reasons", "authorization_ids", "available_credit_minor", "max_approvable_minor",
                       "risk_scores", "installment_terms")


def _refusal(path: str, local: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
    """UNIMPLEMENTED, in the shape of the method it refuses."""
    message = f"{path} is not served in multi-process mode"

    def refuse(request, context):
        context.abort(grpc.StatusCode.UNIMPLEMENTED, message)

    if local.request_streaming and local.response_streaming:
        return grpc.stream_stream_rpc_method_handler(refuse)
    if local.request_streaming:
        return grpc.stream_unary_rpc_method_handler(refuse)
    if local.response_streaming:
        return grpc.unary_stream_rpc_method_handler(refuse)
    return grpc.unary_unary_rpc_method_handler(refuse)


def public_server(engine: Engine, health_servicer: health.HealthServicer, index: int, sockets: list[str],
                  address: str, *, max_workers: int = 16, interceptors: tuple = (),
                  credentials: grpc.ServerCredentials | None = None,
                  router: Callable[[Registry], Router] | None = None,
                  events: EventSource | None = None) -> tuple[grpc.Server, int, Router]:
    """Build (not start) partition index's public port on address, shared with the other
    partitions through SO_REUSEPORT: this process's own servicers behind the router, which
    reaches partition i at sockets[i]. events: what this process's WatchEvents serves (shared
    with its private port). Returns the server, its port and the router."""
    local = Registry()
    add_services(local, engine, health_servicer, events)
    router = Router(local, index, len(sockets), sockets, events) if router is None else router(local)
    server = grpc_server(max_workers, options=(("grpc.so_reuseport", 1),), interceptors=interceptors)
    server.add_generic_rpc_handlers((router,))
    port = server.add_insecure_port(address) if credentials is None else server.add_secure_port(address, credentials)
    if port == 0:
        router.close()
        raise RuntimeError(f"could not bind {address}")
    router.address = f"{address.rsplit(':', 1)[0]}:{port}"
    return server, port, router
