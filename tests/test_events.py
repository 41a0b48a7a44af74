"""EventService.WatchEvents: a partition's journal as a stream of events, every seq once and in
order, resumable from the last seq seen + 1; ClusterService.GetPartitionMap. On one process
(in-process server, port 0), on `--processes 2`, and read by a Node.js caller."""

from __future__ import annotations

import threading
import time

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from authcore.api import identity
from authcore.api.server import create_server
from authcore.engine import Engine
from authcore.journal import segments
from authcore.journal.store import Journal
from authcore.v1 import authorization_pb2 as authz, events_pb2, events_pb2_grpc
from authcore.v1 import account_pb2, common_pb2 as c
from tests.conftest import connect

WAIT_S = 30.0


@pytest.fixture
def small_files_engine(data_dir, clock):
    """An engine whose journal begins a new file every 4 KB, so that a watch crosses files."""
    engine = Engine(Journal(data_dir, segment_bytes=4096), clock=clock, default_model=False)
    yield engine
    engine.close()


@pytest.fixture
def served(small_files_engine):
    service = create_server(small_files_engine, "127.0.0.1:0", max_workers=8, expiry_interval_s=3600).start()
    yield service
    service.stop(grace_s=1)


@pytest.fixture
def stubs(served):
    client = connect(served.port)
    yield client, events_pb2_grpc.EventServiceStub(client.channel)
    client.channel.close()


def business(client, accounts: int = 3, payments: int = 30) -> None:
    """Accounts opened, payments approved, some captured, refunded, repaid."""
    ids = [f"acct-{i}" for i in range(accounts)]
    for account_id in ids:
        client.upsert(account_id, 5_000_000)
    for i in range(payments):
        answer = client.pay(ids[i % accounts], 1_000 + i)
        assert answer.decision == c.DECISION_APPROVED, answer
        if i % 3 == 0:
            client.authz.Capture(authz.CaptureRequest(request_id=client.rid(), authorization_id=answer.authorization_id,
                                                      currency="CNY"), timeout=10)
            if i % 6 == 0:
                client.authz.Refund(authz.RefundRequest(request_id=client.rid(), authorization_id=answer.authorization_id,
                                                        amount_minor=500, currency="CNY"), timeout=10)
    client.accounts.Repay(account_pb2.RepayRequest(request_id=client.rid(), account_id=ids[0], amount_minor=300,
                                                   currency="CNY"), timeout=10)


def read_until(call, last_seq: int) -> list:
    """The records of a watch up to last_seq, each response checked."""
    records = []
    for response in call:
        assert response.partition == 0 and response.partitions == 1
        assert 0 < len(response.records) <= 256
        records.extend(response.records)
        if records[-1].seq >= last_seq:
            return records
    raise AssertionError("the watch ended early")


def seqs(records) -> list[int]:
    return [r.seq for r in records]


def journal_records(engine) -> list:
    """The journal's records as the files hold them, audits cleared."""
    out = []
    for record in segments.read_records(engine.journal.segments_dir):
        record.ClearField("audit")
        out.append(record)
    return out


def test_a_late_consumer_reads_every_event_in_order_and_resumes_without_gap_or_duplicate(served, stubs):
    client, events = stubs
    business(client)
    last = served.engine.journal.last_seq
    assert len(segments.segment_files(served.engine.journal.segments_dir)) > 2  # the watch crosses files

    call = events.WatchEvents(events_pb2.WatchEventsRequest(), timeout=WAIT_S)
    records = read_until(call, last)
    call.cancel()
    assert seqs(records) == list(range(1, last + 1))
    assert {"UpsertAccount", "Authorize", "Capture", "Refund", "Repay"} <= {r.method for r in records}
    assert not any(r.HasField("audit") for r in records)
    assert records == journal_records(served.engine)

    # Disconnect mid-way, resume from the last seen + 1: nothing missed, nothing twice.
    first = events.WatchEvents(events_pb2.WatchEventsRequest(from_seq=1), timeout=WAIT_S)
    seen = list(next(first).records)[:17]
    first.cancel()
    wait_for(lambda: served.events.watchers.active == 0, "both watches ended")
    rest = read_until(events.WatchEvents(events_pb2.WatchEventsRequest(from_seq=seen[-1].seq + 1), timeout=WAIT_S),
                      last)
    assert seqs(seen + rest) == list(range(1, last + 1))


def test_new_records_arrive_while_the_call_is_open(served, stubs):
    client, events = stubs
    business(client, payments=3)
    last = served.engine.journal.last_seq
    call = events.WatchEvents(events_pb2.WatchEventsRequest(from_seq=last + 1), timeout=WAIT_S)
    written = threading.Event()

    def pay_later():
        # The watch is open and has nothing to read until these are written.
        deadline = time.monotonic() + WAIT_S
        while served.events.watchers.active == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        business(connect(served.port, counter=1000), payments=6)
        written.set()

    writer = threading.Thread(target=pay_later)
    writer.start()
    try:
        records = read_until(call, last + 10)
    finally:
        call.cancel()
        writer.join(WAIT_S)
    assert written.is_set()
    assert seqs(records)[0] == last + 1 and seqs(records) == list(range(last + 1, last + 1 + len(records)))


def test_more_than_a_batch_comes_in_responses_of_at_most_256_records(served, stubs):
    client, events = stubs
    client.upsert("bulk", 100_000_000)
    for _ in range(3):
        client.authz.AuthorizeBatch(authz.AuthorizeBatchRequest(
            requests=[client.pay_request("bulk", 100 + i) for i in range(100)]), timeout=30)
    last = served.engine.journal.last_seq
    assert last > 256
    call = events.WatchEvents(events_pb2.WatchEventsRequest(), timeout=WAIT_S)
    first = next(call)
    assert len(first.records) == 256 and first.records[0].seq == 1
    rest = read_until(call, last)
    call.cancel()
    assert seqs(list(first.records) + rest) == list(range(1, last + 1))


def status_of(error: grpc.RpcError):
    status = rpc_status.from_call(error)
    assert status is not None, error
    return status


def test_records_dropped_after_a_snapshot_are_out_of_range_with_the_first_kept(served, stubs, clock):
    client, events = stubs
    business(client)
    # The answers past the idempotency retention are not kept for retries: their files may go.
    clock.advance(49 * 3600)
    served.engine.snapshot()
    business(client, payments=6)
    first_kept = served.engine.journal.first_seq()
    assert first_kept > 1

    call = events.WatchEvents(events_pb2.WatchEventsRequest(from_seq=1), timeout=WAIT_S)
    with pytest.raises(grpc.RpcError) as refused:
        next(call)
    assert refused.value.code() == grpc.StatusCode.OUT_OF_RANGE
    assert f"from {first_kept} on" in refused.value.details() and "snapshot" in refused.value.details()
    info = error_details_pb2.ErrorInfo()
    assert any(d.Unpack(info) for d in status_of(refused.value).details if d.Is(info.DESCRIPTOR))
    assert info.reason == "EVENTS_NOT_KEPT" and info.metadata["first_seq"] == str(first_kept)

    # 0: from the first kept; and the first kept itself.
    last = served.engine.journal.last_seq
    for from_seq in (0, first_kept):
        call = events.WatchEvents(events_pb2.WatchEventsRequest(from_seq=from_seq), timeout=WAIT_S)
        assert seqs(read_until(call, last)) == list(range(first_kept, last + 1))
        call.cancel()


def test_a_partition_the_server_does_not_have_is_invalid_with_a_field_violation(stubs):
    _, events = stubs
    call = events.WatchEvents(events_pb2.WatchEventsRequest(partition=1), timeout=WAIT_S)
    with pytest.raises(grpc.RpcError) as refused:
        next(call)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    bad = error_details_pb2.BadRequest()
    assert any(d.Unpack(bad) for d in status_of(refused.value).details if d.Is(bad.DESCRIPTOR))
    assert bad.field_violations[0].field == "partition"
    assert "1 partition, 0 to 0" in bad.field_violations[0].description


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, f"{what} within {WAIT_S} s"
        time.sleep(0.01)


def test_watchers_beyond_a_quarter_of_the_threads_are_refused_resource_exhausted(served, stubs):
    client, events = stubs
    client.upsert("w", 1_000)
    watchers = served.events.watchers
    assert watchers.limit == 2  # max_workers=8
    open_calls = [events.WatchEvents(events_pb2.WatchEventsRequest(), timeout=WAIT_S) for _ in range(2)]
    for call in open_calls:
        next(call)
    wait_for(lambda: watchers.active == 2, "two watchers counted")
    extra = events.WatchEvents(events_pb2.WatchEventsRequest(), timeout=WAIT_S)
    with pytest.raises(grpc.RpcError) as refused:
        next(extra)
    assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "2 event watchers" in refused.value.details()
    # The server still answers other calls, and a watcher gone makes room.
    assert client.accounts.GetAccount(account_pb2.GetAccountRequest(account_id="w"), timeout=10).account.account_id
    open_calls[0].cancel()
    wait_for(lambda: watchers.active == 1, "the cancelled watcher given back")
    again = events.WatchEvents(events_pb2.WatchEventsRequest(), timeout=WAIT_S)
    assert next(again).records[0].seq == 1
    again.cancel()
    open_calls[1].cancel()


def test_the_partition_map_of_one_process_is_its_own_address(served, stubs):
    client, _ = stubs
    answer = events_pb2_grpc.ClusterServiceStub(client.channel).GetPartitionMap(events_pb2.GetPartitionMapRequest(),
                                                                                 timeout=10)
    assert [(p.partition, p.node, p.address) for p in answer.partitions] == [(0, "", f"127.0.0.1:{served.port}")]


def test_watching_is_for_admin_only_and_the_map_for_anyone(tmp_path):
    """Over mutual TLS (`authcore serve --tls-dir`): a channel's certificate may read the map but
    not watch; admin's may watch."""
    import subprocess
    import sys

    from authcore.client import Client, PermissionDenied, Tls
    from tests.test_examples import ENV, serve

    assert identity.allowed("/authcore.v1.EventService/WatchEvents") == identity.ADMIN_ONLY
    assert identity.allowed("/authcore.v1.ClusterService/GetPartitionMap") is None
    subprocess.run([sys.executable, "-m", "authcore", "certs", "--out", str(tmp_path / "certs")], check=True,
                   env=ENV, capture_output=True, timeout=120)
    certs = tmp_path / "certs"
    server, target = serve(tmp_path / "data", "--tls-dir", str(certs))
    try:
        with Client(target, tls=Tls.from_dir(certs, "admin", server_name="localhost"), timeout=10) as admin:
            admin.call("UpsertAccount", account_id="tls-1", credit_limit_minor=1_000)
            assert next(admin.watch_events(from_seq=1, timeout=WAIT_S)).records[0].seq == 1
        with Client(target, tls=Tls.from_dir(certs, "wallet", server_name="localhost"), timeout=10) as wallet:
            assert len(wallet.partition_map().partitions) == 1
            with pytest.raises(PermissionDenied) as refused:
                next(wallet.watch_events(timeout=WAIT_S))
            assert refused.value.reason == "IDENTITY_NOT_ALLOWED"
    finally:
        server.terminate()
        server.wait(timeout=60)


# -- --processes 2: each partition's watch reaches its worker through either one ---------------------


def test_processes_mode_routes_each_partition_to_its_worker(tmp_path):
    from authcore.cluster.partitions import partition_dir
    from tests.test_multiprocess import Served

    data_dir = tmp_path / "data"
    served = Served(data_dir, processes=2)
    try:
        target = served.serving().group(1)
        client = connect(int(target.rsplit(":", 1)[1]))
        business(client, accounts=8, payments=16)
        client.channel.close()
        expected = {}
        for partition in (0, 1):
            records = list(segments.read_records(partition_dir(data_dir, partition, 2) / segments.SEGMENTS_DIR))
            for record in records:
                record.ClearField("audit")
            assert records, f"partition {partition} has records"
            expected[partition] = records
        # Fresh connections land on either worker (SO_REUSEPORT): served here or forwarded.
        for attempt in range(6):
            with grpc.insecure_channel(target) as channel:
                events = events_pb2_grpc.EventServiceStub(channel)
                for partition in (0, 1):
                    call = events.WatchEvents(events_pb2.WatchEventsRequest(partition=partition), timeout=WAIT_S)
                    got = []
                    for response in call:
                        assert response.partition == partition and response.partitions == 2
                        got.extend(response.records)
                        if got[-1].seq >= expected[partition][-1].seq:
                            break
                    call.cancel()
                    assert got == expected[partition], (attempt, partition)
                with pytest.raises(grpc.RpcError) as refused:
                    next(events.WatchEvents(events_pb2.WatchEventsRequest(partition=2), timeout=WAIT_S))
                assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
                assert "2 partitions, 0 to 1" in refused.value.details()
                answer = events_pb2_grpc.ClusterServiceStub(channel).GetPartitionMap(
                    events_pb2.GetPartitionMapRequest(), timeout=10)
                assert [(p.partition, p.node, p.address) for p in answer.partitions] == [(0, "", target), (1, "", target)]
                with pytest.raises(grpc.RpcError) as malformed:
                    channel.unary_unary("/authcore.v1.ClusterService/GetPartitionMap")(b"\x0a\x05ab", timeout=10)
                assert malformed.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    finally:
        assert served.stop() == 0


# -- the Python client ---------------------------------------------------------------------------


def test_the_python_client_watches_resumes_and_reads_the_partition_map(served, stubs, clock):
    import asyncio

    from authcore.client import AsyncClient, Client, InvalidArgument

    client, _ = stubs
    business(client, payments=6)
    last = served.engine.journal.last_seq
    with Client(f"127.0.0.1:{served.port}") as typed:
        got = []
        for response in typed.watch_events(from_seq=1, timeout=WAIT_S):
            got.extend(response.records)
            if got[-1].seq >= last:
                break  # stops the call
        assert seqs(got) == list(range(1, last + 1))
        wait_for(lambda: served.events.watchers.active == 0, "the watch ended when iteration stopped")
        resumed = next(typed.watch_events(from_seq=5, timeout=WAIT_S))
        assert resumed.records[0].seq == 5
        assert [(p.partition, p.address) for p in typed.partition_map().partitions] == \
            [(0, f"127.0.0.1:{served.port}")]

        clock.advance(49 * 3600)
        served.engine.snapshot()
        business(client, payments=3)
        with pytest.raises(InvalidArgument) as refused:
            next(typed.watch_events(from_seq=1, timeout=WAIT_S))
        assert refused.value.code == grpc.StatusCode.OUT_OF_RANGE and refused.value.reason == "EVENTS_NOT_KEPT"
        assert refused.value.metadata["first_seq"] == str(served.engine.journal.first_seq())

    async def watch_async():
        async with AsyncClient(f"127.0.0.1:{served.port}") as typed:
            async for response in typed.watch_events(timeout=WAIT_S):
                return response, await typed.partition_map()

    response, owners = asyncio.run(watch_async())
    assert response.records[0].seq == served.engine.journal.first_seq() and len(owners.partitions) == 1


# -- a cluster on NATS JetStream ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def jetstream(tmp_path_factory):
    from authcore.cluster.jetstream import LocalJetStream

    with LocalJetStream(tmp_path_factory.mktemp("jetstream")) as servers:
        yield servers


def test_a_cluster_node_reads_records_its_files_dropped_back_from_the_stream(jetstream, tmp_path):
    """An owner that snapshotted (its first files gone) serves a watch from seq 1: the older
    records from the partition's stream, the rest from its files, as a standby's files hold them."""
    from authcore.api.events import EventSource
    from authcore.cluster.jetstream import Link
    from authcore.cluster.replication import Partition
    from tests.conftest import Clock

    index = 5  # a stream of its own (the serving nodes below use partitions 0 and 1)
    clock = Clock()
    made = []

    def node(name):
        engine = Engine(Journal(tmp_path / name, segment_bytes=4096), clock=clock, default_model=False)
        link = Link(jetstream.urls, name=f"events-{name}")
        replica = Partition(link, engine, index, node=name, address=f"{name}:0", lease_s=0.5).start()
        made.append((replica, link, engine))
        return engine, replica

    owner_engine, owner = node("a")
    wait_for(lambda: owner.role == "owner", "the first node owning the partition")
    standby_engine, _ = node("b")
    service = create_server(owner_engine, "127.0.0.1:0", max_workers=8, expiry_interval_s=3600,
                            events=EventSource(owner_engine.journal, index, index + 1, archive=owner.archived)).start()
    try:
        client = connect(service.port)
        business(client, payments=24)
        clock.advance(49 * 3600)
        owner_engine.snapshot()
        business(client, payments=6)
        last = owner_engine.journal.last_seq
        first_kept = owner_engine.journal.first_seq()
        assert first_kept > 1
        wait_for(lambda: standby_engine.journal.last_seq == last, "the standby caught up")
        events = events_pb2_grpc.EventServiceStub(client.channel)
        got = []
        for response in events.WatchEvents(events_pb2.WatchEventsRequest(partition=index, from_seq=1), timeout=WAIT_S):
            assert response.partition == index and response.partitions == index + 1
            got.extend(response.records)
            if got[-1].seq >= last:
                break
        assert seqs(got) == list(range(1, last + 1))
        assert got == journal_records(standby_engine)
        client.channel.close()
    finally:
        service.stop(grace_s=1)
        for replica, link, _ in made:
            replica.close()
            link.close()
        for _, _, engine in made:
            if engine is not owner_engine:
                engine.close()


def watch_all(address: str, partition: int, last_seq: int) -> list:
    """Partition's records 1..last_seq watched through address."""
    with grpc.insecure_channel(address) as channel:
        got = []
        call = events_pb2_grpc.EventServiceStub(channel).WatchEvents(
            events_pb2.WatchEventsRequest(partition=partition, from_seq=1), timeout=WAIT_S)
        for response in call:
            assert response.partition == partition and response.partitions == 2
            got.extend(response.records)
            if got[-1].seq >= last_seq:
                break
        call.cancel()
    return [r for r in got if r.seq <= last_seq]


def last_seqs(directory, name: str) -> list[int]:
    """The last seq of each partition's journal files of node name."""
    from authcore.cluster.partitions import partition_dir

    out = []
    for partition in (0, 1):
        found = segments.segment_files(partition_dir(directory / name, partition, 2) / segments.SEGMENTS_DIR)
        last = 0
        for first, path in found:
            held = len(segments.scan(path).payloads)
            if held:
                last = first + held - 1
        out.append(last)
    return out


def test_watching_through_either_cluster_node_gives_the_same_records_after_a_takeover_too(jetstream, tmp_path):
    import os
    import signal

    from tests.test_cluster import Node, open_account

    nodes = [Node(tmp_path, name, jetstream.urls) for name in ("n1", "n2")]
    addresses = [n.address for n in nodes]
    try:
        accounts = [f"ev-{i}" for i in range(12)]
        for account in accounts:
            open_account(addresses, account, 10_000_000)
        client = connect(int(addresses[0].rsplit(":", 1)[1]))

        def pay(count: int, offset: int) -> None:
            for i in range(count):
                request = client.pay_request(accounts[i % len(accounts)], 100 + i, request_id=f"ev-pay-{offset + i}")
                deadline = time.monotonic() + WAIT_S
                while True:
                    try:
                        client.authz.Authorize(request, timeout=10)
                        break
                    except grpc.RpcError as error:  # a takeover under way: the same request_id again
                        if error.code() not in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED) \
                                or time.monotonic() > deadline:
                            raise

        def same_everywhere() -> dict[int, list]:
            lasts = [max(seq) for seq in zip(*(last_seqs(tmp_path, n.name) for n in nodes))]
            seen = {}
            for partition in (0, 1):
                watched = [watch_all(address, partition, lasts[partition]) for address in addresses for _ in range(2)]
                assert seqs(watched[0]) == list(range(1, lasts[partition] + 1))
                assert all(w == watched[0] for w in watched), partition
                seen[partition] = watched[0]
            return seen

        pay(300, 0)
        before = same_everywhere()

        owners = {}
        for address in addresses:
            with grpc.insecure_channel(address) as channel:
                answer = events_pb2_grpc.ClusterServiceStub(channel).GetPartitionMap(
                    events_pb2.GetPartitionMapRequest(), timeout=10)
            owners[address] = [(p.partition, p.node, p.address) for p in answer.partitions]
        assert owners[addresses[0]] == owners[addresses[1]]
        by_name = {n.name: n.address for n in nodes}
        assert [p for p, _, _ in owners[addresses[0]]] == [0, 1]
        assert all(by_name[node] == address for _, node, address in owners[addresses[0]])

        # The owner of partition 0 killed: the other node takes it over; the records go on.
        owner_name = owners[addresses[0]][0][1]
        owner = next(n for n in nodes if n.name == owner_name)
        os.kill(owner.worker(0), signal.SIGKILL)
        pay(60, 1000)
        with grpc.insecure_channel(addresses[0]) as channel:
            moved = events_pb2_grpc.ClusterServiceStub(channel).GetPartitionMap(
                events_pb2.GetPartitionMapRequest(), timeout=10).partitions[0]
        assert moved.node != owner_name and moved.address == by_name[moved.node]
        after = same_everywhere()
        for partition in (0, 1):
            assert after[partition][:len(before[partition])] == before[partition]
        assert len(after[0]) > len(before[0])
        # Resumed where the first watch ended: the rest, nothing twice.
        resumed = []
        with grpc.insecure_channel(addresses[1]) as channel:
            call = events_pb2_grpc.EventServiceStub(channel).WatchEvents(
                events_pb2.WatchEventsRequest(partition=0, from_seq=len(before[0]) + 1), timeout=WAIT_S)
            for response in call:
                resumed.extend(response.records)
                if resumed[-1].seq >= after[0][-1].seq:
                    break
            call.cancel()
        assert before[0] + resumed == after[0]
        client.channel.close()
    finally:
        for node in nodes:
            node.stop()


def test_the_events_example_prints_every_record_and_goes_on_from_a_seq(served, stubs):
    import subprocess
    import sys

    from tests.test_examples import ENV, ROOT

    client, _ = stubs
    business(client, payments=6)
    last = served.engine.journal.last_seq

    def run(*args: str) -> list[str]:
        done = subprocess.run([sys.executable, str(ROOT / "examples" / "events.py"), "--target",
                               f"127.0.0.1:{served.port}", *args], capture_output=True, text=True, env=ENV,
                              timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout.splitlines()

    lines = run("--from-seq", "1", "--count", str(last))
    assert lines[0] == f"partition 0: this server at 127.0.0.1:{served.port}"
    printed = [line.split() for line in lines[1:]]
    assert [int(fields[0]) for fields in printed] == list(range(1, last + 1))
    assert ["Capture", "hold_captured"] in [fields[1:4:2] for fields in printed]
    assert ["Repay", "repaid"] in [fields[1:4:2] for fields in printed]
    rest = run("--from-seq", "5", "--count", str(last - 4))
    assert rest[1:] == lines[5:]


def test_bodies_that_do_not_decode_are_invalid_argument(served, stubs):
    client, _ = stubs
    for path, streaming in (("/authcore.v1.ClusterService/GetPartitionMap", False),
                            ("/authcore.v1.EventService/WatchEvents", True)):
        kind = client.channel.unary_stream if streaming else client.channel.unary_unary
        call = kind(path, request_serializer=None, response_deserializer=None)
        with pytest.raises(grpc.RpcError) as refused:
            answer = call(b"\x0a\x05ab", timeout=10)
            if streaming:
                next(answer)
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT, path
        assert "MALFORMED_REQUEST" in str(status_of(refused.value).details[-1].value), path
