"""Multi-process mode: accounts partitioned over worker processes that share one port.

In-process first (two partitions and their routers in this process, beside a single-process
reference): forwarded answers are the owner's own, a batch split over partitions answers as one
engine does, and every method of the contract is routed or refused. Then `authcore serve
--processes 2` as real processes on a real port, through 8 separate connections: every account
lives in exactly one partition, a payment moves through any connection, replays and conflicts
behave as in one process, exactly 17 of 64 concurrent callers are approved, a batch spanning
both partitions equals its unary calls, a policy change holds in both partitions, a restart
keeps every balance, another process count is refused, and a dead worker stops the server."""

from __future__ import annotations

import hashlib
import itertools
import os
import pathlib
import queue
import re
import signal
import subprocess
import sys
import threading
import time

import grpc
import pytest
from conftest import Client
from grpc_health.v1 import health_pb2, health_pb2_grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from helpers import call_error, error_reason, violated_fields
from test_risk_grpc import linear_model

from authcore.api import config
from authcore.decision import columns
from authcore.engine import Engine
from authcore.cluster.partitions import (
    LayoutRefused,
    check_layout,
    id_tag,
    partition_dir,
    partition_of,
    partition_of_id,
    socket_name,
)
from authcore.decision.policy import default_policy
from authcore.cluster.router import ROUTES, public_server
from authcore.api.server import create_server
from authcore.journal.store import Journal
from authcore.v1 import (
    account_pb2,
    account_pb2_grpc,
    admin_pb2,
    admin_pb2_grpc,
    authorization_pb2,
    authorization_pb2_grpc,
    credit_pb2,
    diagnostics_pb2,
    diagnostics_pb2_grpc,
    events_pb2,
    installment_pb2,
)
from authcore.v1 import authorization_pb2 as authz
from authcore.v1 import common_pb2 as c

REPO = pathlib.Path(__file__).resolve().parent.parent
CONNECTIONS = 8
CALLERS = 64
N = 17
AMOUNT = 1_000
START_TIMEOUT_S = 60
_COUNTER_BASES = itertools.count(1)


def accounts_in(partition: int, prefix: str, count: int, processes: int = 2) -> list[str]:
    """count account ids that partition owns."""
    found = []
    k = 0
    while len(found) < count:
        account_id = f"{prefix}-{k}"
        if partition_of(account_id, processes) == partition:
            found.append(account_id)
        k += 1
    return found


def clients_of(target: str, count: int) -> list[Client]:
    """count clients, each on its own connection (no shared subchannel); request ids never repeat."""
    clients = []
    for _ in range(count):
        channel = grpc.insecure_channel(target, options=[("grpc.use_local_subchannel_pool", 1)])
        clients.append(Client(channel, authorization_pb2_grpc.AuthorizationServiceStub(channel),
                              account_pb2_grpc.AccountServiceStub(channel), admin_pb2_grpc.AdminServiceStub(channel),
                              1_000_000 * next(_COUNTER_BASES)))
    return clients


def replayed(call) -> bool:
    return ("authcore-replayed", "true") in tuple(call.trailing_metadata())


def status_of(error: grpc.RpcError):
    return rpc_status.from_call(error)


# -- partitions and layout --------------------------------------------------------------------


@pytest.mark.parametrize(("authorization_id", "processes", "owner"), [
    ("au_p1x2_0123456789abcdef", 2, 1),
    ("au_p0x2_0123456789abcdef", 2, 0),
    ("au_p63x64_0123456789", 64, 63),
    ("au_p1x3_0123456789abcdef", 2, None),  # another layout
    ("au_p2x2_0123456789abcdef", 2, None),  # no such partition
    ("au_p01x2_0123456789abcde", 2, None),  # not the canonical tag
    ("au_0123456789abcdef0123", 2, None),  # a single-process id
    ("au_p1x2", 2, None),
    ("", 2, None),
])
def test_the_owner_of_an_authorization_id_is_its_tag(authorization_id, processes, owner):
    assert partition_of_id(authorization_id, processes) == owner


def test_accounts_spread_by_blake2b():
    owners = [partition_of(f"acct-{k}", 4) for k in range(4_000)]
    assert all(800 <= owners.count(p) <= 1_200 for p in range(4))
    # The rule of the README, spelled out: BLAKE2b-64 of the UTF-8 id, little-endian, mod N.
    assert partition_of("张三", 7) == int.from_bytes(hashlib.blake2b("张三".encode(), digest_size=8).digest(),
                                                     "little") % 7


def test_engine_ids_carry_the_partition_tag_and_single_ids_do_not_change(tmp_path):
    tagged = Engine(Journal(tmp_path / "a"), default_model=False, id_tag="p1x2")
    plain = Engine(Journal(tmp_path / "b"), default_model=False)
    try:
        assert re.fullmatch(r"au_p1x2_[0-9a-f]{20}", tagged.core.new_id("au"))
        assert re.fullmatch(r"au_[0-9a-f]{20}", plain.core.new_id("au"))
        assert partition_of_id(tagged.core.new_id("au"), 2) == 1 and partition_of_id(plain.core.new_id("au"), 2) is None
    finally:
        tagged.close()
        plain.close()


@pytest.mark.parametrize(("existing", "processes", "refusal"), [
    ((), 1, None),
    ((), 2, None),
    (("authcore.db",), 1, None),
    (("authcore.db",), 2, "holds a single-process journal"),
    (("manifest-2",), 2, None),
    (("manifest-2",), 3, "partitioned for 2 processes"),
    (("manifest-2",), 1, "partitioned for 2 processes"),
    (("manifest-bad",), 2, "unreadable"),
])
def test_layout_rules(tmp_path, existing, processes, refusal):
    for name in existing:
        if name == "authcore.db":
            (tmp_path / name).write_bytes(b"")
        elif name == "manifest-2":
            check_layout(tmp_path, 2)
        else:
            (tmp_path / "partitions.json").write_text("{not json")
    if refusal is None:
        check_layout(tmp_path, processes)
        assert (tmp_path / "partitions.json").exists() == (processes > 1 or "manifest-2" in existing)
    else:
        with pytest.raises(LayoutRefused, match=refusal):
            check_layout(tmp_path, processes)


@pytest.mark.parametrize(("text", "processes"), [
    ("", 1),
    ("[server]\nprocesses = 2\n", 2),
    ("[server]\nprocesses = 64\n", 64),
    ("[server]\nprocesses = 0\n", None),
    ("[server]\nprocesses = 65\n", None),
    ('[server]\nprocesses = "2"\n', None),
])
def test_the_processes_setting(tmp_path, text, processes):
    path = tmp_path / "authcore.toml"
    path.write_text(text)
    if processes is None:
        with pytest.raises(ValueError, match="processes must be between 1 and 64"):
            config.load(path)
    else:
        assert config.load(path).processes == processes


# -- routing, in process ----------------------------------------------------------------------


class Pair:
    """Two partitions in this process: engines on their journals behind private unix sockets,
    and a public router each on its own port. Rules only (no risk model)."""

    def __init__(self, root: pathlib.Path):
        self.sockets = [str(root / socket_name(i, 2)) for i in range(2)]
        self.services = []
        for i in range(2):
            engine = Engine(Journal(partition_dir(root, i, 2)), default_model=False, id_tag=id_tag(i, 2))
            self.services.append(create_server(engine, f"unix:{self.sockets[i]}", max_workers=8,
                                               expiry_interval_s=3600).start())
        self.publics = [public_server(s.engine, s.health, i, self.sockets, "127.0.0.1:0", max_workers=8)
                        for i, s in enumerate(self.services)]
        for server, _, _ in self.publics:
            server.start()
        self.ports = [port for _, port, _ in self.publics]

    def stop(self) -> None:
        for server, _, router in self.publics:
            server.stop(1).wait()
            router.close()
        for service in self.services:
            service.stop(grace_s=1)


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """A Pair, and a single-process reference server deciding alike."""
    root = tmp_path_factory.mktemp("pair")
    two = Pair(root)
    reference = create_server(Engine(Journal(root / "single"), default_model=False), "127.0.0.1:0", max_workers=8,
                              expiry_interval_s=3600).start()
    yield {"ports": two.ports, "sockets": two.sockets, "reference": reference.port}
    two.stop()
    reference.stop(grace_s=1)


def test_a_forwarded_answer_is_the_owners_own(pair):
    """Through partition 0's router, an account of partition 1: the same response, status,
    google.rpc details and replay mark as partition 1 gives itself."""
    front, back = clients_of(f"127.0.0.1:{pair['ports'][0]}", 2)
    with grpc.insecure_channel(f"unix:{pair['sockets'][1]}") as channel:
        owner = account_pb2_grpc.AccountServiceStub(channel)
        far, missing = accounts_in(1, "fwd", 2)
        front.upsert(far, 100_000)
        request = account_pb2.GetAccountRequest(account_id=missing)
        routed, direct = call_error(front.accounts.GetAccount, request), call_error(owner.GetAccount, request)
        assert routed.code() == direct.code() == grpc.StatusCode.NOT_FOUND
        assert status_of(routed) == status_of(direct) and routed.details() == direct.details()
        view = account_pb2.GetAccountRequest(account_id=far)
        assert front.accounts.GetAccount(view) == owner.GetAccount(view)
    payment = front.pay_request(far, 30_000)
    first, call1 = front.authz.Authorize.with_call(payment, timeout=10)
    again, call2 = back.authz.Authorize.with_call(payment, timeout=10)
    assert first.authorization_id.startswith("au_p1x2_") and again == first
    assert not replayed(call1) and replayed(call2)
    assert any(key == "authcore-server-us" for key, _ in call2.trailing_metadata())
    capture = authz.CaptureRequest(request_id="cap-fwd", authorization_id=first.authorization_id, currency="CNY")
    assert front.authz.Capture(capture, timeout=10).captured_minor == 30_000
    # An id no partition made: NOT_FOUND, after the same validation as one process.
    for unknown in ("au_0123456789abcdef0123", "au_p1x3_0123456789abcdef"):
        error = call_error(front.authz.Void, authz.VoidRequest(request_id="v-unknown", authorization_id=unknown))
        assert error.code() == grpc.StatusCode.NOT_FOUND and error_reason(error) == "AUTHORIZATION_NOT_FOUND"
    error = call_error(front.authz.Void, authz.VoidRequest(request_id="v-empty", authorization_id=""))
    assert violated_fields(error) == ["authorization_id"]
    for client in (front, back):
        client.channel.close()


def batch_items(client: Client, names: dict[str, str], tag: str,
                reuse_across: bool = True) -> list[authz.AuthorizeRequest]:
    """A batch over both partitions (a0, b0 in partition 0, a1, b1 in 1): approvals, declines,
    a second payment on an account, an unknown account, an invalid item, a request sent twice,
    and (reuse_across) a request_id of partition 0's item reused with partition 1's account."""
    a0, a1, b0, b1 = names["a0"], names["a1"], names["b0"], names["b1"]
    return [
        client.pay_request(a0, 40_000, request_id=f"{tag}-1"),
        client.pay_request(b1, 40_000, request_id=f"{tag}-2"),
        client.pay_request(a1, 150_000, request_id=f"{tag}-3"),  # declined: above the credit
        client.pay_request(a0, 40_000, request_id=f"{tag}-4"),
        client.pay_request(b0, 0, request_id=f"{tag}-5"),  # invalid amount
        client.pay_request("nobody-at-all", 100, request_id=f"{tag}-6"),  # unknown account
        client.pay_request(b1, 40_000, request_id=f"{tag}-2"),  # the same request again
        client.pay_request(a1, 5_000, request_id=f"{tag}-1" if reuse_across else f"{tag}-9"),
        client.pay_request(a0, 40_000, request_id=f"{tag}-7"),  # declined: the credit is used up
        client.pay_request(b0, 10_000, request_id=f"{tag}-8"),
    ]


def comparable(result: authz.AuthorizeBatchResult):
    """A result without what differs by construction between two servers (ids, clock)."""
    if result.HasField("error"):
        return ("error", result.error.SerializeToString(deterministic=True))
    r = authz.AuthorizeResponse()
    r.CopyFrom(result.response)
    r.ClearField("authorization_id")
    r.ClearField("hold_expires_at")
    return ("response", r.SerializeToString(deterministic=True))


def test_a_batch_split_over_partitions_answers_as_one_engine(pair):
    partitioned = clients_of(f"127.0.0.1:{pair['ports'][1]}", 1)[0]
    single = clients_of(f"127.0.0.1:{pair['reference']}", 1)[0]
    p0, p1 = accounts_in(0, "bat", 2), accounts_in(1, "bat", 2)
    names = {"a0": p0[0], "b0": p0[1], "a1": p1[0], "b1": p1[1]}
    answers = []
    for client in (partitioned, single):
        for account_id in names.values():
            client.upsert(account_id, 100_000, tier=c.TIER_PREMIUM)
        request = authz.AuthorizeBatchRequest(requests=batch_items(client, names, "bat"))
        answers.append(client.authz.AuthorizeBatch(request, timeout=10).results)
    mine, reference = answers
    assert [comparable(r) for r in mine] == [comparable(r) for r in reference]
    kinds = [r.WhichOneof("result") for r in mine]
    assert kinds == ["response"] * 4 + ["error"] * 2 + ["response", "error", "response", "response"]
    assert mine[6] == mine[1]
    assert [mine[i].response.decision for i in (0, 2, 8)] == [c.DECISION_APPROVED, c.DECISION_DECLINED,
                                                             c.DECISION_DECLINED]
    assert mine[7].error.code == grpc.StatusCode.ALREADY_EXISTS.value[0]
    assert "requests[4].amount_minor" in mine[4].error.message
    assert {r.response.authorization_id[:8] for r in mine if r.response.authorization_id} == {"au_p0x2_", "au_p1x2_"}
    for client in (partitioned, single):
        client.channel.close()


def test_a_bulk_chunk_split_over_partitions_answers_as_one_engine(pair):
    """AuthorizeBulk over both partitions: the same columns as one engine's, errors at their
    places, each partition's ids tagged; a retry of the chunk replays in every partition."""
    partitioned = clients_of(f"127.0.0.1:{pair['ports'][0]}", 1)[0]
    single = clients_of(f"127.0.0.1:{pair['reference']}", 1)[0]
    p0, p1 = accounts_in(0, "bulk", 2), accounts_in(1, "bulk", 2)
    order = [p0[0], p1[0], p1[1], "bulk-nobody", p0[1], p1[0], p0[0], p1[1]]
    answers = []
    for client in (partitioned, single):
        for account_id in p0 + p1:
            client.upsert(account_id, 50_000, tier=c.TIER_PREMIUM)
        payments = [client.pay_request(a, 30_000 + 1_000 * k) for k, a in enumerate(order)]
        request = columns.bulk_request("bulk-1", payments)
        first = client.authz.AuthorizeBulk(request, timeout=10)
        assert client.authz.AuthorizeBulk(request, timeout=10) == first
        answers.append(first)
    mine, reference = answers
    for name in ("decisions", "reasons", "available_credit_minor", "max_approvable_minor", "installment_terms"):
        assert list(getattr(mine, name)) == list(getattr(reference, name)), name
    assert [bool(a) for a in mine.authorization_ids] == [bool(a) for a in reference.authorization_ids]
    assert [(e.index, e.status.code) for e in mine.errors] == [(e.index, e.status.code) for e in reference.errors] \
        == [(3, grpc.StatusCode.NOT_FOUND.value[0])]
    assert {c.DECISION_APPROVED, c.DECISION_DECLINED} <= set(mine.decisions)
    assert {a[:8] for a in mine.authorization_ids if a} == {"au_p0x2_", "au_p1x2_"}
    bad = columns.bulk_request("bulk-bad", [partitioned.pay_request(p1[0], 1_000)] * 2)
    bad.amounts_minor[1] = 0
    assert violated_fields(call_error(partitioned.authz.AuthorizeBulk, bad)) == ["amounts_minor[1]"]
    for client in (partitioned, single):
        client.channel.close()


def test_a_chunk_or_batch_of_one_partition_answers_alike_at_its_owner_and_elsewhere(pair):
    """A chunk and a batch whose accounts are all partition 1's, sent to partition 1's own
    router (decided there) and to partition 0's (forwarded): the same answers as one engine's,
    and a retry through the other router replays them."""
    single = clients_of(f"127.0.0.1:{pair['reference']}", 1)[0]
    owner, other = (clients_of(f"127.0.0.1:{pair['ports'][i]}", 1)[0] for i in (1, 0))
    accounts = accounts_in(1, "one", 8)
    for client in (owner, single):
        for account_id in accounts:
            client.upsert(account_id, 50_000, tier=c.TIER_PREMIUM)
    for tag, first_client, retry_client, mine_ in (("here", owner, other, accounts[:4]),
                                                   ("there", other, owner, accounts[4:])):
        # The third payment on an account is above its credit.
        order = [mine_[k % 4] for k in range(9)]
        chunks, batches = [], []
        for client in (first_client, single):
            payments = [client.pay_request(a, 20_000 + 100 * k, request_id=f"{tag}-b{k}") for k, a in enumerate(order)]
            chunks.append(client.authz.AuthorizeBulk(columns.bulk_request(f"{tag}-chunk", payments), timeout=10))
            items = [client.pay_request(a, 1_000 + k, request_id=f"{tag}-i{k}") for k, a in enumerate(order[:5])]
            batches.append(client.authz.AuthorizeBatch(authz.AuthorizeBatchRequest(requests=items), timeout=10))
        mine, reference = chunks
        for name in ("decisions", "reasons", "available_credit_minor", "max_approvable_minor"):
            assert list(getattr(mine, name)) == list(getattr(reference, name)), (tag, name)
        assert {c.DECISION_APPROVED, c.DECISION_DECLINED} <= set(mine.decisions)
        assert {a[:8] for a in mine.authorization_ids if a} == {"au_p1x2_"}
        assert [comparable(r) for r in batches[0].results] == [comparable(r) for r in batches[1].results]
        payments = [retry_client.pay_request(a, 20_000 + 100 * k, request_id=f"{tag}-b{k}") for k, a in enumerate(order)]
        assert retry_client.authz.AuthorizeBulk(columns.bulk_request(f"{tag}-chunk", payments), timeout=10) == mine
    bad = columns.bulk_request("one-bad", [owner.pay_request(accounts[0], 1_000)] * 2)
    bad.amounts_minor[1] = 0
    assert violated_fields(call_error(owner.authz.AuthorizeBulk, bad)) == ["amounts_minor[1]"]
    for client in (owner, other, single):
        client.channel.close()


def test_a_partition_that_cannot_answer_fails_only_its_own_calls(tmp_path):
    """Partition 1's private server stopped: its accounts' calls, its items of a batch and a
    broadcast end with its status; partition 0's calls and items are answered."""
    two = Pair(tmp_path)
    client = clients_of(f"127.0.0.1:{two.ports[0]}", 1)[0]
    try:
        (mine,), (theirs,) = accounts_in(0, "down", 1), accounts_in(1, "down", 1)
        client.upsert(mine, 100_000)
        client.upsert(theirs, 100_000)
        two.services[1].server.stop(None).wait()
        assert client.pay(mine, 1_000).decision == c.DECISION_APPROVED
        assert call_error(client.pay, theirs, 1_000).code() == grpc.StatusCode.UNAVAILABLE
        results = client.authz.AuthorizeBatch(authz.AuthorizeBatchRequest(requests=[
            client.pay_request(theirs, 1_000), client.pay_request(mine, 1_000)]), timeout=10).results
        assert results[0].error.code == grpc.StatusCode.UNAVAILABLE.value[0]
        assert results[1].response.decision == c.DECISION_APPROVED
        error = call_error(client.admin.SetPolicy, admin_pb2.SetPolicyRequest(request_id="down-policy",
                                                                              policy=default_policy()), timeout=10)
        assert error.code() == grpc.StatusCode.UNAVAILABLE
    finally:
        client.channel.close()
        two.stop()


def test_an_import_chunk_is_split_by_owner_and_its_refusals_numbered_as_sent(pair):
    """ImportAccounts through partition 0's port: each partition opens its own accounts of the
    chunk, a retry replays in both, and a refused row is named by its place in the whole chunk."""
    (client,) = clients_of(f"127.0.0.1:{pair['ports'][0]}", 1)
    mine, theirs = accounts_in(0, "imp", 3), accounts_in(1, "imp", 3)
    ids = [mine[0], theirs[0], mine[1], theirs[1], mine[2], theirs[2]]
    chunk = admin_pb2.ImportAccountsRequest(request_id="mp-import-1", account_ids=ids,
                                            credit_limits_minor=[1_000 * (i + 1) for i in range(6)],
                                            tiers=[c.TIER_STANDARD] * 6)
    try:
        answer = client.admin.ImportAccounts(iter([chunk]), timeout=10)
        assert (answer.created, answer.updated, answer.chunks[0].replayed) == (6, 0, False)
        for i, account_id in enumerate(ids):
            account = client.accounts.GetAccount(account_pb2.GetAccountRequest(account_id=account_id),
                                                 timeout=10).account
            assert (account.credit_limit_minor, account.tier) == (1_000 * (i + 1), c.TIER_STANDARD)
        again = client.admin.ImportAccounts(iter([chunk]), timeout=10)
        assert again.chunks[0].replayed and again.created == 6
        held = client.pay(theirs[1], 500)
        assert held.decision == c.DECISION_APPROVED
        billing = admin_pb2.ImportAccountsRequest(request_id="mp-import-2", account_ids=[mine[0], theirs[1]],
                                                  overdue_minor=[0, 1])  # nothing posted on theirs[1] yet
        refused = client.admin.ImportAccounts(iter([billing]), timeout=10).chunks[-1]
        assert refused.error.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
        bad = error_details_pb2.BadRequest()
        next(d for d in refused.error.details if d.Is(bad.DESCRIPTOR)).Unpack(bad)
        assert [v.field for v in bad.field_violations] == ["overdue_minor[1]"]
        assert "overdue_minor[1]" in refused.error.message
    finally:
        client.channel.close()


def test_every_method_of_the_contract_is_routed_or_refused(pair):
    files = (authorization_pb2, account_pb2, admin_pb2, credit_pb2, installment_pb2, diagnostics_pb2, events_pb2)
    methods = {f"/{s.full_name}/{m.name}": m for f in files for s in f.DESCRIPTOR.services_by_name.values()
               for m in s.methods}
    assert {path for path in ROUTES if path.startswith("/authcore.")} <= set(methods), "a route names no method"
    with grpc.insecure_channel(f"127.0.0.1:{pair['ports'][0]}") as channel:
        for path, method in methods.items():
            if path in ROUTES:
                continue
            if method.client_streaming:
                call = channel.stream_stream(path)(iter([b""]), timeout=5)
                with pytest.raises(grpc.RpcError) as info:
                    list(call)
            else:
                with pytest.raises(grpc.RpcError) as info:
                    channel.unary_unary(path)(b"", timeout=5)
            assert info.value.code() == grpc.StatusCode.UNIMPLEMENTED, path
        echo = diagnostics_pb2_grpc.DiagnosticsServiceStub(channel).Echo(
            diagnostics_pb2.EchoRequest(response_bytes=3), timeout=5)
        assert echo.payload == bytes(3)
        health = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=""), timeout=5)
        assert health.status == health_pb2.HealthCheckResponse.SERVING


def test_versions_are_activated_in_every_partition(pair):
    """ActivateVersion is broadcast: each partition rolls back; ListVersions answers alike anywhere."""
    (client,) = clients_of(f"127.0.0.1:{pair['ports'][0]}", 1)
    policy = default_policy()
    policy.version = "mp-rollback-1"
    try:
        client.admin.SetPolicy(admin_pb2.SetPolicyRequest(request_id="mp-rb-set", policy=policy), timeout=10)
        client.admin.ActivateVersion(admin_pb2.ActivateVersionRequest(
            request_id="mp-rb-back", kind=admin_pb2.VERSION_KIND_POLICY, version="default-2026.1"), timeout=10)
        for socket in pair["sockets"]:
            with grpc.insecure_channel(f"unix:{socket}") as channel:
                admin = admin_pb2_grpc.AdminServiceStub(channel)
                assert admin.GetPolicy(admin_pb2.GetPolicyRequest(), timeout=10).policy.version == "default-2026.1"
                listed = admin.ListVersions(admin_pb2.ListVersionsRequest(kind=admin_pb2.VERSION_KIND_POLICY),
                                            timeout=10).versions
                assert {v.version for v in listed} >= {"default-2026.1", "mp-rollback-1"}
    finally:
        client.channel.close()


def test_the_shadow_report_sums_the_partitions(pair):
    (client,) = clients_of(f"127.0.0.1:{pair['ports'][0]}", 1)
    policy = default_policy()
    policy.version = "mp-shadow-1"
    policy_limits = next(t for t in policy.tiers if t.tier == c.TIER_NEW).limits
    policy_limits.per_transaction_minor = 500
    try:
        client.admin.SetShadow(admin_pb2.SetShadowRequest(policy=policy), timeout=10)
        accounts = accounts_in(0, "shadow", 2) + accounts_in(1, "shadow", 2)
        for account in accounts:
            client.upsert(account, 100_000)
            assert client.pay(account, 1_000).decision == c.DECISION_APPROVED
        report = client.admin.GetShadowReport(admin_pb2.GetShadowReportRequest(), timeout=10).report
        assert (report.decisions, report.agreements, report.policy_version) == (4, 0, "mp-shadow-1")
        assert {d.account_id for d in report.disagreements} == set(accounts)
        final = client.admin.ClearShadow(admin_pb2.ClearShadowRequest(), timeout=10).report
        assert final.decisions == 4
        assert not client.admin.GetShadowReport(admin_pb2.GetShadowReportRequest(), timeout=10).report.active
    finally:
        client.channel.close()


# -- real processes -----------------------------------------------------------------------------


class Served:
    """`authcore serve --processes N` as a subprocess; its stdout read by a thread."""

    def __init__(self, data_dir: pathlib.Path, *extra: str, processes: int = 2):
        self.stderr_path = data_dir.parent / f"{data_dir.name}-{time.monotonic_ns()}.stderr"
        self.stderr = open(self.stderr_path, "w")  # noqa: SIM115 - closed in wait()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "authcore", "serve", "--processes", str(processes), "--port", "0",
             "--data-dir", str(data_dir), *extra],
            stdout=subprocess.PIPE, stderr=self.stderr, text=True, cwd=REPO,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        self.lines: queue.Queue = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.output.append(line)
            self.lines.put(line)
        self.lines.put(None)

    def serving(self) -> re.Match:
        """The serving line, once every worker is ready."""
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=1)
            except queue.Empty:
                continue
            assert line is not None, f"exited before serving: {self.errors()}"
            match = re.search(r"serving on ([\d.]+:\d+) \((\d+) processes, .* (\d+) accounts and (\d+) journal", line)
            if match:
                return match
        raise AssertionError(f"no serving line in {START_TIMEOUT_S} s: {self.errors()}")

    def workers(self) -> list[int]:
        """The pids of the supervisor's children."""
        pids = []
        for stat in pathlib.Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                pids.append(int(stat.parent.name))
        return pids

    def wait(self, timeout_s: float = 60) -> int:
        try:
            code = self.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"the server did not stop in {timeout_s} s: {self.errors()}") from None
        self.stderr.close()
        return code

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.wait()

    def errors(self) -> str:
        if not self.stderr.closed:
            self.stderr.flush()
        return self.stderr_path.read_text()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """Two processes on one port, reached through 8 connections; velocity rules off and a model
    that scores every payment as safe, set once through the broadcast."""
    data_dir = tmp_path_factory.mktemp("mp") / "data"
    served = Served(data_dir)
    try:
        match = served.serving()
        assert match.group(2) == "2"
        clients = clients_of(match.group(1), CONNECTIONS)
        policy = default_policy()
        policy.version = "mp-1"
        policy.risk.max_payments_per_minute = policy.risk.max_payments_per_hour = 0
        policy.risk.blocked_mccs.append("7995")
        set_policy = admin_pb2.SetPolicyRequest(request_id="mp-policy-1", policy=policy)
        answer = clients[0].admin.SetPolicy(set_policy, timeout=10)
        clients[0].admin.SetRiskModel(admin_pb2.SetRiskModelRequest(
            request_id="mp-model-1", model=linear_model(-12.0, {}), version="calm"), timeout=10)
        yield {"clients": clients, "data_dir": data_dir, "set_policy": (set_policy, answer), "served": served}
        for client in clients:
            client.channel.close()
    finally:
        code = served.stop()
    assert code == 0, served.errors()


def test_every_account_lives_in_exactly_one_partition(cluster):
    clients, data_dir = cluster["clients"], cluster["data_dir"]
    names = [f"spread-{k}" for k in range(40)]
    for k, account_id in enumerate(names):
        clients[k % CONNECTIONS].upsert(account_id, 50_000 + k)
    owners = [partition_of(a, 2) for a in names]
    assert 10 <= owners.count(0) <= 30
    assert (data_dir / "partitions.json").exists()
    for i in range(2):
        assert (partition_dir(data_dir, i, 2) / "authcore.db").exists()
        with grpc.insecure_channel(f"unix:{data_dir / socket_name(i, 2)}") as channel:
            private = account_pb2_grpc.AccountServiceStub(channel)
            for account_id, owner in zip(names, owners, strict=True):
                request = account_pb2.GetAccountRequest(account_id=account_id)
                if owner == i:
                    assert private.GetAccount(request, timeout=5).account.credit_limit_minor == 50_000 + int(
                        account_id.split("-")[1])
                else:
                    assert call_error(private.GetAccount, request, timeout=5).code() == grpc.StatusCode.NOT_FOUND


def test_a_payment_moves_through_any_connection(cluster):
    clients = cluster["clients"]
    for partition in (0, 1):
        account_id = accounts_in(partition, "life", 1)[0]
        clients[0].upsert(account_id, 100_000, tier=c.TIER_PREMIUM)
        held = clients[1].pay(account_id, 30_000, factors=(1, 2))
        assert held.decision == c.DECISION_APPROVED and held.authorization_id.startswith(f"au_p{partition}x2_")
        captured = clients[2].authz.Capture(authz.CaptureRequest(
            request_id=clients[2].rid(), authorization_id=held.authorization_id, amount_minor=20_000,
            currency="CNY"), timeout=10)
        assert (captured.captured_minor, captured.released_minor) == (20_000, 10_000)
        refunded = clients[3].authz.Refund(authz.RefundRequest(
            request_id=clients[3].rid(), authorization_id=held.authorization_id, amount_minor=5_000,
            currency="CNY"), timeout=10)
        assert refunded.refunded_total_minor == 5_000
        second = clients[4].pay(account_id, 10_000, factors=(1, 2))
        voided = clients[5].authz.Void(authz.VoidRequest(request_id=clients[5].rid(),
                                                         authorization_id=second.authorization_id), timeout=10)
        assert voided.released_minor == 10_000
        views = {c_.accounts.GetAccount(account_pb2.GetAccountRequest(account_id=account_id),
                                        timeout=10).account.SerializeToString(deterministic=True)
                 for c_ in clients}
        assert len(views) == 1
        view = account_pb2.Account.FromString(views.pop())
        assert (view.available_credit_minor, view.posted_balance_minor, view.held_minor) == (85_000, 15_000, 0)
        # A retry through another connection: the stored answer, marked; other parameters: refused.
        payment = clients[6].pay_request(account_id, 1_000, factors=(1, 2))
        first, call1 = clients[6].authz.Authorize.with_call(payment, timeout=10)
        again, call2 = clients[7].authz.Authorize.with_call(payment, timeout=10)
        assert again == first and not replayed(call1) and replayed(call2)
        conflicting = clients[0].pay_request(account_id, 2_000, factors=(1, 2), request_id=payment.request_id)
        error = call_error(clients[0].authz.Authorize, conflicting, timeout=10)
        assert error.code() == grpc.StatusCode.ALREADY_EXISTS and error_reason(error) == "REQUEST_ID_REUSED"


def race(clients: list[Client], account_id: str) -> list:
    """CALLERS threads over the connections, released together, each authorizing AMOUNT."""
    barrier = threading.Barrier(CALLERS)
    answers: list = [None] * CALLERS

    def call(i: int) -> None:
        client = clients[i % len(clients)]
        request = client.pay_request(account_id, AMOUNT, request_id=f"{account_id}-{i}", factors=(1, 2))
        barrier.wait()
        answers[i] = client.authz.Authorize(request, timeout=60)

    threads = [threading.Thread(target=call, args=(i,)) for i in range(CALLERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def test_exactly_n_of_64_concurrent_callers_over_8_connections(cluster):
    clients = cluster["clients"]
    for partition in (0, 1):
        account_id = accounts_in(partition, "race", 1)[0]
        clients[0].upsert(account_id, N * AMOUNT, tier=c.TIER_PREMIUM,
                          limit_overrides=c.LimitProfile(daily_count=10_000, monthly_count=10_000))
        answers = race(clients, account_id)
        assert sum(a.decision == c.DECISION_APPROVED for a in answers) == N
        assert {a.reason for a in answers if a.decision != c.DECISION_APPROVED} == {c.REASON_INSUFFICIENT_CREDIT}
        for client in clients:
            view = client.accounts.GetAccount(account_pb2.GetAccountRequest(account_id=account_id), timeout=10)
            assert (view.account.available_credit_minor, view.account.held_minor) == (0, N * AMOUNT)


def test_a_batch_over_both_partitions_equals_its_unary_calls(cluster):
    clients = cluster["clients"]
    answers = []
    for tag in ("batch", "unary"):
        names = dict(zip(("a0", "b0", "a1", "b1"), (*accounts_in(0, tag, 2), *accounts_in(1, tag, 2)), strict=True))
        for account_id in names.values():
            clients[1].upsert(account_id, 100_000, tier=c.TIER_PREMIUM)
        # A request_id reused on another partition's account in separate calls is not seen by
        # the other partition (README, "Multi-process mode"), so this batch does not reuse one.
        items = batch_items(clients[2], names, f"mp-{tag}", reuse_across=False)
        if tag == "batch":
            answers.append(list(clients[2].authz.AuthorizeBatch(authz.AuthorizeBatchRequest(requests=items),
                                                                timeout=10).results))
            continue
        unary = []
        for i, item in enumerate(items):
            try:
                unary.append(authz.AuthorizeBatchResult(response=clients[i % CONNECTIONS].authz.Authorize(
                    item, timeout=10)))
            except grpc.RpcError as error:
                unary.append(authz.AuthorizeBatchResult(error=status_of(error)))
        answers.append(unary)
    batch, unary = answers

    def decided(result):
        if result.HasField("error"):
            return result.error.code
        r = result.response
        return (r.decision, r.reason, r.available_credit_minor, r.max_approvable_minor, r.policy_version)

    assert [decided(r) for r in batch] == [decided(r) for r in unary]
    assert [r.response.authorization_id[:8] for r in batch if r.response.authorization_id] == [
        "au_p0x2_", "au_p1x2_", "au_p0x2_", "au_p1x2_", "au_p1x2_", "au_p0x2_"]
    assert batch[1] == batch[6]
    assert batch[5].error.message == unary[5].error.message  # the unknown account's NOT_FOUND


def test_a_policy_change_is_in_force_in_both_partitions(cluster):
    clients = cluster["clients"]
    set_policy, answer = cluster["set_policy"]
    for client in clients:
        assert client.admin.GetPolicy(admin_pb2.GetPolicyRequest(), timeout=10).policy.version == "mp-1"
    again, call = clients[5].admin.SetPolicy.with_call(set_policy, timeout=10)
    assert again == answer and replayed(call)
    for partition in (0, 1):
        account_id = accounts_in(partition, "casino", 1)[0]
        clients[partition].upsert(account_id, 100_000, tier=c.TIER_PREMIUM)
        blocked = clients[3].pay(account_id, 1_000, merchant=authz.Merchant(merchant_id="m", mcc="7995",
                                                                              country="CN"))
        assert (blocked.decision, blocked.reason, blocked.policy_version) == (
            c.DECISION_DECLINED, c.REASON_MERCHANT_CATEGORY_BLOCKED, "mp-1")
        assert blocked.risk.model_version == "calm"


def test_a_restart_keeps_every_balance_and_another_count_is_refused(tmp_path):
    data_dir = tmp_path / "data"
    served = Served(data_dir)
    try:
        clients = clients_of(served.serving().group(1), CONNECTIONS)
        names = [*accounts_in(0, "keep", 4), *accounts_in(1, "keep", 4)]
        for k, account_id in enumerate(names):
            client = clients[k % CONNECTIONS]
            client.upsert(account_id, 100_000, tier=c.TIER_PREMIUM)
            held = client.pay(account_id, 10_000 + k, factors=(1, 2))
            clients[(k + 1) % CONNECTIONS].authz.Capture(authz.CaptureRequest(
                request_id=f"keep-capture-{k}", authorization_id=held.authorization_id, amount_minor=5_000,
                currency="CNY"), timeout=10)
            client.pay(account_id, 2_000 + k, factors=(1, 2))
        before = {a: clients[0].accounts.GetAccount(account_pb2.GetAccountRequest(account_id=a), timeout=10).account
                  for a in names}
        for client in clients:
            client.channel.close()
    finally:
        code = served.stop()
    assert code == 0, served.errors()
    assert "stopping: draining in-flight calls" in "".join(served.output)

    served = Served(data_dir)
    try:
        match = served.serving()
        assert int(match.group(3)) == len(names)
        clients = clients_of(match.group(1), 2)
        for account_id, was in before.items():
            now = clients[1].accounts.GetAccount(account_pb2.GetAccountRequest(account_id=account_id),
                                                 timeout=10).account
            assert (now.available_credit_minor, now.posted_balance_minor, now.held_minor) == (
                was.available_credit_minor, was.posted_balance_minor, was.held_minor)
            assert [h.authorization_id for h in now.holds] == [h.authorization_id for h in was.holds]
        for client in clients:
            client.channel.close()
    finally:
        code = served.stop()
    assert code == 0, served.errors()

    for extra, processes in ((), 3), ((), 1):
        refused = Served(data_dir, *extra, processes=processes)
        assert refused.wait() == 2
        assert "is partitioned for 2 processes" in refused.errors()


def test_a_dead_worker_stops_the_server(tmp_path):
    served = Served(tmp_path / "data")
    served.serving()
    workers = served.workers()
    assert len(workers) == 2
    os.kill(workers[1], signal.SIGKILL)
    code = served.wait()
    assert code != 0
    assert "exited unexpectedly" in served.errors()
    assert not any(pathlib.Path(f"/proc/{pid}").exists() and _is_running(pid) for pid in workers)


def _is_running(pid: int) -> bool:
    try:
        state = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
