"""A partition's journal replicated on a real 3-server NATS JetStream cluster on loopback
(authcore.cluster.replication): a standby follows the owner bit for bit, takes over when the
owner's lease lapses, a deposed owner can append nothing once the new owner fenced the stream,
and a retry after a takeover gets the original answer."""

from __future__ import annotations

import itertools
import threading
import time

import pytest

from authcore.cluster import replication
from authcore.cluster.jetstream import Link, LocalJetStream
from authcore.cluster.replication import NotOwner, Partition
from authcore.engine import Engine
from authcore.errors import AuthcoreError
from authcore.journal.store import Journal
from authcore.v1 import authorization_pb2 as authz, common_pb2 as c

from conftest import Clock
from test_mutation_order import memory, payment, upsert

_partitions = itertools.count()


@pytest.fixture(scope="module")
def jetstream(tmp_path_factory):
    with LocalJetStream(tmp_path_factory.mktemp("jetstream")) as cluster:
        yield cluster


class Node:
    """One node's engine of a partition, its link to NATS and its replication."""

    def __init__(self, jetstream: LocalJetStream, data_dir, index: int, name: str, clock: Clock,
                 lease_s: float = 0.5):
        self.engine = Engine(Journal(data_dir), clock=clock)
        self.link = Link(jetstream.urls, name=name)
        self.partition = Partition(self.link, self.engine, index, node=name, address=f"{name}:0",
                                   lease_s=lease_s).start()

    def close(self) -> None:
        self.partition.close()
        self.link.close()
        self.engine.close()


def wait_for(condition, timeout_s: float = 15.0, what: str = "the condition"):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.01)
    raise AssertionError(f"{what} did not hold within {timeout_s} s")


def caught_up(a: Node, b: Node) -> bool:
    return b.engine.core.journal.last_seq == a.engine.core.journal.last_seq


@pytest.fixture
def nodes(jetstream, tmp_path):
    made: list[Node] = []
    index = next(_partitions)
    clock = Clock()

    def make(name: str, lease_s: float = 0.5) -> Node:
        node = Node(jetstream, tmp_path / name, index, name, clock, lease_s)
        made.append(node)
        return node

    yield make, clock
    for node in made:
        node.close()


def traffic(engine: Engine, prefix: str, accounts: int = 4, payments: int = 30) -> list:
    answers = []
    for k in range(accounts):
        upsert(engine, f"{prefix}-open-{k}", f"acct-{k}", 500_000 + 1_000 * k, tier=c.TIER_STANDARD)
    for j in range(payments):
        response, _ = engine.authorize(payment(f"{prefix}-pay-{j}", f"acct-{j % accounts}", 7_000 + 13 * j,
                                               (c.CHANNEL_WALLET, c.CHANNEL_SCAN_TO_PAY, c.CHANNEL_QUICK_PAY)[j % 3],
                                               device=f"dev-{j % 3}", ip="10.0.0.1"))
        answers.append(response)
    held = [r.authorization_id for r in answers if r.authorization_id]
    engine.capture(authz.CaptureRequest(request_id=f"{prefix}-cap", authorization_id=held[0], currency="CNY",
                                        amount_minor=1_000))
    engine.void(authz.VoidRequest(request_id=f"{prefix}-void", authorization_id=held[1]))
    return answers


def test_a_standby_follows_the_owner_bit_for_bit(nodes):
    make, _ = nodes
    a = make("a")
    wait_for(lambda: a.partition.role == "owner", what="the first node owning the partition")
    b = make("b")
    traffic(a.engine, "t")
    wait_for(lambda: caught_up(a, b), what="the standby catching up")
    assert b.partition.role == "standby"
    assert memory(b.engine) == memory(a.engine)
    # The standby's journal files are the owner's: a restart on them rebuilds the same memory.
    assert b.engine.core.journal.last_digest == a.engine.core.journal.last_digest


def test_a_standby_appends_nothing_itself(nodes):
    make, _ = nodes
    a = make("a")
    wait_for(lambda: a.partition.role == "owner", what="the first node owning the partition")
    b = make("b")
    traffic(a.engine, "t", payments=3)
    wait_for(lambda: caught_up(a, b), what="the standby catching up")
    before = memory(b.engine)
    with pytest.raises(AuthcoreError) as refused:
        upsert(b.engine, "on-standby", "acct-9", 1_000)
    assert "does not own partition" in str(refused.value) and refused.value.reason == "NOT_THE_OWNER"
    assert memory(b.engine) == before


def test_the_standby_takes_over_when_the_lease_lapses_and_answers_retries(nodes):
    make, _ = nodes
    a = make("a")
    wait_for(lambda: a.partition.role == "owner", what="the first node owning the partition")
    b = make("b")
    answers = traffic(a.engine, "t")
    wait_for(lambda: caught_up(a, b), what="the standby catching up")
    # The owner stops renewing (as a killed process would); its lease lapses.
    a.partition.close()
    wait_for(lambda: b.partition.role == "owner", what="the standby taking over")
    # A retry of an answered request gets the original answer from the new owner.
    for j in (0, 7, 29):
        again, replayed = b.engine.authorize(payment(f"t-pay-{j}", f"acct-{j % 4}", 7_000 + 13 * j,
                                                     (c.CHANNEL_WALLET, c.CHANNEL_SCAN_TO_PAY,
                                                      c.CHANNEL_QUICK_PAY)[j % 3],
                                                     device=f"dev-{j % 3}", ip="10.0.0.1"))
        assert replayed and again == answers[j]
    # And it serves new payments on the same books.
    seq = b.engine.core.journal.last_seq
    fresh, replayed = b.engine.authorize(payment("after", "acct-1", 1_000, device="dev-1", ip="10.0.0.1"))
    assert not replayed and fresh.decision in (c.DECISION_APPROVED, c.DECISION_DECLINED)
    assert b.engine.core.journal.last_seq == seq + 1


def standby_taking_the_lease(make) -> tuple[Node, Node, int]:
    """An owner a and a standby b caught up with it, both with long leases (neither notices a
    change by itself, as when paused or cut off); b then takes the lease as if a's had lapsed,
    through its own connection. Returns (a, b, b's lease revision)."""
    a = make("a", lease_s=60.0)
    wait_for(lambda: a.partition.role == "owner", what="the first node owning the partition")
    b = make("b", lease_s=60.0)
    traffic(a.engine, "t", payments=5)
    wait_for(lambda: caught_up(a, b), what="the standby catching up")
    return a, b, b.partition._put_lease(a.partition._lease_rev)


def test_a_deposed_owner_can_append_nothing_once_fenced(nodes):
    make, _ = nodes
    # Only the fence stops the old owner.
    a, b, revision = standby_taking_the_lease(make)
    b.partition._take_over(revision)
    assert b.partition.role == "owner"
    assert a.partition.role == "owner"  # it has not noticed
    seq_before = a.engine.core.journal.last_seq
    with pytest.raises(AuthcoreError):
        a.engine.authorize(payment("late", "acct-0", 1_000))
    assert a.partition.role == "standby"
    assert a.engine.core.journal.last_seq == seq_before
    with pytest.raises(NotOwner):
        a.partition.publish(seq_before + 1, [b"x"])
    # The new owner's records reach the old one, now a standby: one history.
    b.engine.authorize(payment("on-b", "acct-0", 1_000))
    wait_for(lambda: caught_up(b, a), what="the deposed owner following the new one")
    assert memory(a.engine) == memory(b.engine)


def test_a_takeover_whose_lease_was_taken_meanwhile_does_not_fence_the_stream(nodes):
    make, _ = nodes
    # b takes the lease, and before it fences the stream (its takeover outlasting its lease) a
    # third node takes the lease from b.
    a, b, revision = standby_taking_the_lease(make)
    b.link.run(b.partition._kv.update(b.partition.key, b'{"node":"c","address":"c:0","public":""}', last=revision))
    last_before = b.link.run(b.link.js.stream_info(b.partition.stream)).state.last_seq
    b.partition._take_over(revision)
    # b gave up: no marker was appended, it serves nothing, and the stream is not fenced against
    # its writer.
    assert b.partition.role == "standby"
    assert b.link.run(b.link.js.stream_info(b.partition.stream)).state.last_seq == last_before
    with pytest.raises(AuthcoreError):
        upsert(b.engine, "on-b", "acct-9", 1_000)
    answer, _ = a.engine.authorize(payment("on-a", "acct-0", 1_000))
    assert a.engine.core.journal.last_seq > 0 and answer.decision in (c.DECISION_APPROVED, c.DECISION_DECLINED)
    wait_for(lambda: caught_up(a, b), what="the standby following on")


def test_a_restarted_standby_goes_on_from_its_own_files(nodes, tmp_path, jetstream):
    make, clock = nodes
    a = make("a")
    wait_for(lambda: a.partition.role == "owner", what="the first node owning the partition")
    b = make("b")
    traffic(a.engine, "one")
    wait_for(lambda: caught_up(a, b), what="the standby catching up")
    index = b.partition.index
    b.close()
    traffic(a.engine, "two", payments=10)
    again = Node(jetstream, tmp_path / "b", index, "b2", clock)
    try:
        # It replayed its own files, then read the stream from the next message on.
        assert again.engine.replayed_records > 0
        wait_for(lambda: caught_up(a, again), what="the restarted standby catching up")
        assert memory(again.engine) == memory(a.engine)
    finally:
        again.close()


def test_a_commit_larger_than_a_message_goes_in_several(nodes, monkeypatch):
    monkeypatch.setattr(replication, "MAX_MESSAGE_BYTES", 2_000)
    make, _ = nodes
    a = make("a")
    wait_for(lambda: a.partition.role == "owner", what="the first node owning the partition")
    b = make("b")
    upsert(a.engine, "open", "acct-0", 9_000_000, tier=c.TIER_STANDARD)
    chunk = [payment(f"k-{j}", "acct-0", 1_000 + j, device=f"dev-{j % 5}") for j in range(40)]
    from authcore.decision import columns
    a.engine.authorize_bulk(columns.bulk_request("chunk", chunk))
    wait_for(lambda: caught_up(a, b), what="the standby catching up")
    assert memory(b.engine) == memory(a.engine)


def test_a_commit_appended_in_part_is_read_back_from_the_stream(nodes, monkeypatch):
    monkeypatch.setattr(replication, "MAX_MESSAGE_BYTES", 600)
    make, _ = nodes
    a = make("a")
    wait_for(lambda: a.partition.role == "owner", what="the first node owning the partition")
    b = make("b")
    upsert(a.engine, "open", "acct-0", 9_000_000, tier=c.TIER_STANDARD)
    wait_for(lambda: caught_up(a, b), what="the standby catching up")
    # The commit's second message fails (its outcome unknown to the owner) after the first was
    # appended.
    publish, calls = a.link.js.publish, []

    async def failing_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise TimeoutError("no acknowledgement")
        return await publish(*args, **kwargs)

    monkeypatch.setattr(a.link.js, "publish", failing_second)
    batch = authz.AuthorizeBatchRequest(requests=[payment(f"k-{j}", "acct-0", 1_000 + j, device=f"dev-{j}")
                                                  for j in range(6)])
    with pytest.raises(AuthcoreError):
        a.engine.authorize_batch(batch)
    assert len(calls) == 2
    monkeypatch.setattr(a.link.js, "publish", publish)
    # Both nodes hold what the stream holds, the first message's records included, and the
    # partition is served again, by one of them.
    wait_for(lambda: "owner" in (a.partition.role, b.partition.role), what="an owner again")
    owner = a if a.partition.role == "owner" else b
    upsert(owner.engine, "after", "acct-1", 1_000)
    other = b if owner is a else a
    wait_for(lambda: caught_up(owner, other), what="the other node following")
    assert a.partition.failed is None and b.partition.failed is None
    assert memory(a.engine) == memory(b.engine)
    assert a.engine.core.journal.last_digest == b.engine.core.journal.last_digest


def test_a_node_whose_journal_is_another_history_never_serves_the_partition(nodes, tmp_path, jetstream):
    make, clock = nodes
    a = make("a")
    wait_for(lambda: a.partition.role == "owner", what="the first node owning the partition")
    traffic(a.engine, "one", payments=3)
    # A journal of the same length written elsewhere: its digests are not the stream's.
    other = Engine(Journal(tmp_path / "other"), clock=clock)
    traffic(other, "elsewhere", payments=3)
    other.close()
    index = a.partition.index
    stranger = Node(jetstream, tmp_path / "other", index, "stranger", clock)
    try:
        traffic(a.engine, "two", payments=2)
        wait_for(lambda: stranger.partition.failed is not None, what="the stranger refusing the stream")
        assert "digest" in stranger.partition.failed or "belongs" in stranger.partition.failed
        a.partition.close()  # the owner's lease lapses: the stranger must not take it
        time.sleep(4 * stranger.partition.lease_s)
        assert stranger.partition.role == "standby"
    finally:
        stranger.close()


def test_a_handover_moves_the_partition_to_the_named_standby_with_nothing_lost(nodes):
    make, _ = nodes
    # Leases long enough that only the handover moves the partition, never a lapse.
    a = make("a", lease_s=5.0)
    wait_for(lambda: a.partition.role == "owner", what="the first node owning the partition")
    b, n3 = make("b", lease_s=5.0), make("c", lease_s=5.0)
    answers = traffic(a.engine, "t", payments=12)
    wait_for(lambda: caught_up(a, b) and caught_up(a, n3), what="the standbys catching up")
    # Payments go on at the owner while the partition moves; each is answered once, by a or by the node named c.
    acknowledged, refused, stop = [], [], threading.Event()

    def pay() -> None:
        for j in itertools.count():
            if stop.is_set():
                return
            request = payment(f"moving-{j}", f"acct-{j % 4}", 1_000 + j, device="dev-1", ip="10.0.0.1")
            try:
                acknowledged.append((request, a.engine.authorize(request)[0]))
            except AuthcoreError as error:
                refused.append(request)
                assert error.reason == "NOT_THE_OWNER"
                return

    payer = threading.Thread(target=pay)
    payer.start()
    time.sleep(0.2)
    before, after, took_s = replication.hand_over(n3.link, n3.partition.index, "c", timeout_s=30)
    stop.set()
    payer.join(30)
    assert (before, after) == ("a", "c") and took_s < 30
    wait_for(lambda: n3.partition.role == "owner", what="c owning the partition")
    wait_for(lambda: a.partition.role == "standby", what="a stepping down at its renewal")
    assert b.partition.role == "standby" and n3.partition.takeovers == 1
    # Every answer a gave stands on c: its retry gets it again; a refused request is decided anew.
    for request, answer in acknowledged + [(payment(f"t-pay-{j}", f"acct-{j % 4}", 7_000 + 13 * j,
                                                    (c.CHANNEL_WALLET, c.CHANNEL_SCAN_TO_PAY,
                                                     c.CHANNEL_QUICK_PAY)[j % 3], device=f"dev-{j % 3}",
                                                    ip="10.0.0.1"), answers[j]) for j in (0, 11)]:
        again, replayed = n3.engine.authorize(request)
        assert replayed and again == answer
    for request in refused:
        assert not n3.engine.authorize(request)[1]
    n3.engine.authorize(payment("on-c", "acct-2", 1_000))
    wait_for(lambda: caught_up(n3, a) and caught_up(n3, b), what="a and b following c")
    assert memory(a.engine) == memory(b.engine) == memory(n3.engine)
    # The owner named again: nothing to do.
    assert replication.hand_over(a.link, a.partition.index, "c")[:2] == ("c", "c")


def test_a_handover_to_a_node_without_a_standby_ends_with_the_lease_lapsing(nodes):
    make, _ = nodes
    a = make("a")
    wait_for(lambda: a.partition.role == "owner", what="the first node owning the partition")
    b = make("b")
    traffic(a.engine, "t", payments=3)
    wait_for(lambda: caught_up(a, b), what="the standby catching up")
    before, after, _ = replication.hand_over(b.link, b.partition.index, "nowhere", timeout_s=30)
    assert before == "a" and after in ("a", "b")
    with pytest.raises(replication.HandoverRefused):
        replication.hand_over(b.link, 999, "b", timeout_s=5)
