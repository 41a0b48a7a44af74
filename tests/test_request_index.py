"""The remembered request ids in the compiled ring (authcore._fast.requests) with their answers
read back from the journal: the ring against a plain-Python reference (hashes shortened so that
many ids share one), replays after a restart, collisions, eviction by count and by age, reuse,
the answers' byte budget over the segment files, and snapshots of the older form."""

from __future__ import annotations

import collections
import os
import pathlib
import pickle
import random
import sqlite3

import numpy as np
import pytest

from authcore._fast import requests as ring
from authcore.engine import Engine
from authcore.errors import FailedPrecondition, RequestIdReused
from authcore.journal import segments
from authcore.journal.store import Journal
from authcore.state.idempotency import Entry, IdempotencyIndex, fingerprint
from authcore.v1 import admin_pb2, authorization_pb2 as authz, common_pb2 as c, journal_pb2


def open_engine(data_dir, clock, index: IdempotencyIndex | None = None, **journal_options) -> Engine:
    return Engine(Journal(data_dir, **journal_options), clock=clock, default_model=False, idempotency=index)


def pay_request(request_id: str, amount: int = 100) -> authz.AuthorizeRequest:
    return authz.AuthorizeRequest(request_id=request_id, account_id="a", channel=c.CHANNEL_WALLET, amount_minor=amount,
                                  currency="CNY", merchant=authz.Merchant(merchant_id="m", mcc="5411"))


def with_account(engine: Engine) -> Engine:
    if "a" not in engine.ledger.slot_of:
        engine.upsert_account(admin_pb2.UpsertAccountRequest(request_id="u", account_id="a", credit_limit_minor=10**9,
                                                             tier=c.TIER_PREMIUM))
    return engine


def files(data_dir) -> list[pathlib.Path]:
    return [path for _, path in segments.segment_files(pathlib.Path(data_dir) / "journal")]


# -- the ring against a reference ---------------------------------------------------------------


@pytest.mark.parametrize("hash_bits", [128, 6, 1])
def test_the_ring_matches_an_ordered_dict_under_puts_evictions_and_prunes(hash_bits):
    """Backward-shift deletion keeps every remaining entry findable: a reference OrderedDict and
    the ring agree after random puts (replacing, evicting by count) and prunes, with hashes
    shortened until many ids share one. The answers are "in the journal": a reader of records by
    position stands in for it."""
    rng = random.Random(hash_bits)
    index = IdempotencyIndex(max_entries=300, hash_bits=hash_bits, retention_s=1000)
    journal: dict[tuple[int, int], journal_pb2.JournalRecord] = {}
    index.reader = lambda seq, offset: journal.get((seq, offset))
    reference: collections.OrderedDict[str, tuple[int, bytes]] = collections.OrderedDict()
    now = 0
    for step in range(4000):
        now += rng.randrange(3)
        rid = f"id{rng.randrange(900)}"
        if rid in reference:
            digest = reference[rid][1]
            assert index.lookup(rid, "M", digest) == rid.encode()
            with pytest.raises(RequestIdReused):
                index.lookup(rid, "M", b"other digest 16b")
            continue
        digest = os.urandom(16)
        assert index.lookup(rid, "M", digest) is None
        journal[(step + 1, 8 * step)] = journal_pb2.JournalRecord(seq=step + 1, request_id=rid, response=rid.encode())
        index.put_position(rid, now, "M", digest, step + 1, 8 * step)
        reference[rid] = (now, digest)
        while len(reference) > 300:
            reference.popitem(last=False)
        if step % 97 == 0:
            index.prune(now)
            for old in [k for k, (at_s, _) in reference.items() if at_s < now - 1000]:
                del reference[old]
    assert len(index) == len(reference)
    for rid, (_, digest) in reference.items():
        assert rid in index and index.lookup(rid, "M", digest) == rid.encode()
    for rid in (f"id{k}" for k in range(900)):
        if rid not in reference:
            assert index.lookup(rid, "M", b"0123456789abcdef") is None


def test_the_same_request_put_again_replaces_its_entry():
    index = IdempotencyIndex()
    for _ in range(3):
        index.put("r", Entry(5, "Authorize", b"digest-of-r-0000", b"answer"))
    assert len(index) == 1 and index.response_bytes == len(b"answer")
    assert index.lookup("r", "Authorize", b"digest-of-r-0000") == b"answer"


@pytest.mark.parametrize("n", [1, 17, 1000, 5000, 33_333])
def test_an_entry_takes_at_most_40_bytes_with_the_table(n):
    """32 bytes in the ring (its spare capacity is never touched), and the table's 4-byte slots at
    a load factor of at least a half once it has grown."""
    index = ring.RequestIndex(10**6)
    for k in range(n):
        index.put(k.to_bytes(16, "little"), b"fingerprint-0000", 0, k, ring.ANSWER_JOURNAL, k + 1, 8)
    assert ring.ENTRY_BYTES == ring.ENTRY_DTYPE.itemsize == 32
    assert ring.ENTRY_BYTES + 4 * index.table_capacity / max(n, 16) <= 40
    assert len(index) == n


def test_entries_of_the_40_byte_form_load_with_80_bits_of_their_hash():
    """A snapshot's entries of the form with all 128 bits of the hash and 8 bytes of the
    fingerprint: each found again by its request_id's hash and fingerprint, with its answer's
    place, and written back in the 32-byte form."""
    keys = [bytes([k]) * 8 + (k * 0x0123456789ABCDEF % 2**64).to_bytes(8, "little") for k in range(1, 200)]
    old = ring.RequestIndex(1000)
    new = ring.RequestIndex(1000)
    for k, key in enumerate(keys):
        new.put(key, b"fingerprint-0000", 3, 1_000 + k, ring.ANSWER_JOURNAL, k + 1, 64 * k)
    entries = new.to_array()
    assert entries.dtype.itemsize == 32
    wide = np.zeros(len(entries), ring.ENTRY_DTYPE_V1)
    for name in ("h0", "word", "at_s", "offset"):
        wide[name] = entries[name]
    # The 40-byte form held the hash's second half and 8 bytes of the fingerprint whole: the
    # hash's low 48 bits after h0 and the fingerprint's last 2 bytes are dropped on load.
    wide["h1"] = [int.from_bytes(key[8:], "little") for key in keys]
    wide["fp"] = int.from_bytes(b"fingerprint-0000"[:8], "little")
    assert wide.dtype.itemsize == 40
    old.from_array(wide)
    assert len(old) == len(keys)
    for k, key in enumerate(keys):
        found = old.match(key, b"fingerprint-0000", 3)
        assert found >= 0 and old.entry(found) == (1_000 + k, 3, ring.ANSWER_JOURNAL, k + 1, 64 * k)
        assert old.match(key, b"another-print-00", 3) == -1
    assert old.to_array().tobytes() == entries.tobytes()


def test_an_answer_of_another_request_id_of_the_same_hash_is_never_returned():
    """Two request ids of one hash, the same method and fingerprint: the journal record read back
    names the other id, so the lookup finds no answer (a new request), not the other's."""
    records = {(7, 100): journal_pb2.JournalRecord(seq=7, request_id="first", response=b"first's answer")}
    index = IdempotencyIndex(hash_bits=1)
    index.reader = lambda seq, offset: records.get((seq, offset))
    digest = b"the same digest!"
    index.put_position("first", 10, "Authorize", digest, 7, 100)
    assert index.lookup("first", "Authorize", digest) == b"first's answer"
    others = [f"x{k}" for k in range(64)]
    assert all(index.lookup(other, "Authorize", digest) is None for other in others)
    # Another method on the same hash: the record says it is another id's, so no conflict either.
    assert all(index.lookup(other, "Capture", digest) is None for other in others)
    with pytest.raises(RequestIdReused):
        index.lookup("first", "Capture", digest)


# -- the engine: replays read back from the journal ----------------------------------------------


@pytest.mark.parametrize("snapshot", [True, False], ids=["snapshot and tail", "tail only"])
def test_replays_after_a_restart_read_their_answers_back(data_dir, clock, snapshot):
    engine = with_account(open_engine(data_dir, clock))
    early = {f"e{k}": engine.authorize(pay_request(f"e{k}", 100 + k))[0] for k in range(5)}
    if snapshot:
        engine.snapshot()
    late = {f"l{k}": engine.authorize(pay_request(f"l{k}", 200 + k))[0] for k in range(5)}
    engine.close()
    restarted = open_engine(data_dir, clock)
    try:
        assert restarted.replayed_records == (5 if snapshot else 11)
        for answers, base in ((early, 100), (late, 200)):
            for k, (rid, first) in enumerate(answers.items()):
                again, replayed = restarted.authorize(pay_request(rid, base + k))
                assert replayed and again == first
                with pytest.raises(RequestIdReused):
                    restarted.authorize(pay_request(rid, base + k + 1))
        assert len(restarted.idempotency) == 11
    finally:
        restarted.close()


def test_request_ids_sharing_a_hash_each_get_their_own_answer(data_dir, clock):
    """With the hash cut to 2 bits every id shares it with many others: each replay still gets
    its own answer, reuse is still refused, a new id is still new, before and after a restart."""
    engine = with_account(open_engine(data_dir, clock, IdempotencyIndex(hash_bits=2)))
    answers = {f"r{k}": engine.authorize(pay_request(f"r{k}", 100 + k))[0] for k in range(24)}
    engine.snapshot()
    answers.update({f"s{k}": engine.authorize(pay_request(f"s{k}", 300 + k))[0] for k in range(8)})
    engine.close()
    restarted = open_engine(data_dir, clock, IdempotencyIndex(hash_bits=2))
    try:
        for rid, first in answers.items():
            amount = (100 if rid[0] == "r" else 300) + int(rid[1:])
            again, replayed = restarted.authorize(pay_request(rid, amount))
            assert replayed and again == first
        with pytest.raises(RequestIdReused):
            restarted.authorize(pay_request("r3", 1))
        _, replayed = restarted.authorize(pay_request("new", 77))
        assert not replayed
    finally:
        restarted.close()


def test_ids_are_forgotten_oldest_first_by_count_and_by_age(data_dir, clock):
    engine = with_account(open_engine(data_dir, clock, IdempotencyIndex(max_entries=3)))
    try:
        for k in range(4):
            engine.authorize(pay_request(f"r{k}", 100))
        assert len(engine.idempotency) == 3 and "r0" not in engine.idempotency and "r3" in engine.idempotency
        _, replayed = engine.authorize(pay_request("r0", 100))
        assert not replayed, "forgotten by count: new again"
        _, replayed = engine.authorize(pay_request("r3", 100))
        assert replayed
        clock.advance(engine.idempotency.retention_s + 1)
        engine.authorize(pay_request("late", 100))  # r2 forgotten by count: r3, r0, late
        with engine.core.idempotency_lock:
            assert engine.idempotency.prune(engine.core.now()) == 2
        assert len(engine.idempotency) == 1 and "late" in engine.idempotency
        _, replayed = engine.authorize(pay_request("r3", 100))
        assert not replayed, "forgotten by age: new again"
    finally:
        engine.close()


def test_files_holding_remembered_answers_stay_until_their_ids_are_forgotten(data_dir, clock):
    engine = with_account(open_engine(data_dir, clock, segment_bytes=4096))
    try:
        first = engine.authorize(pay_request("first", 100))[0]
        for k in range(60):
            engine.authorize(pay_request(f"r{k}", 100))
        seq = engine.snapshot()
        assert len(files(data_dir)) > 3 and engine.journal.first_seq() == 1
        assert engine.journal.record_count() == 0
        again, replayed = engine.authorize(pay_request("first", 100))
        assert replayed and again == first
        # Past the retention, nothing keeps them: the next snapshot drops them.
        clock.advance(engine.idempotency.retention_s + 1)
        seq = engine.snapshot()
        assert [p.name for p in files(data_dir)] == [segments.segment_name(seq + 1)]
    finally:
        engine.close()


def test_answers_past_the_byte_budget_are_refused_after_their_files_go(data_dir, clock):
    """The files kept for answers stay within max_response_bytes: past it the oldest go, and a
    retry of a request answered there is refused, never acted on again, also after a restart."""
    budget = 3 * 4096
    engine = with_account(open_engine(data_dir, clock, IdempotencyIndex(max_response_bytes=budget),
                                      segment_bytes=4096))
    try:
        answers = {f"r{k}": engine.authorize(pay_request(f"r{k}", 100))[0] for k in range(80)}
        engine.snapshot()
        kept = files(data_dir)[:-1]
        assert 0 < sum(p.stat().st_size for p in kept) <= budget
        assert engine.journal.first_seq() > 2
        with pytest.raises(FailedPrecondition) as info:
            engine.authorize(pay_request("r0", 100))
        assert info.value.reason == "REQUEST_ALREADY_ANSWERED"
        again, replayed = engine.authorize(pay_request("r79", 100))
        assert replayed and again == answers["r79"]
    finally:
        engine.close()
    restarted = open_engine(data_dir, clock, IdempotencyIndex(max_response_bytes=budget), segment_bytes=4096)
    try:
        with pytest.raises(FailedPrecondition) as info:
            restarted.authorize(pay_request("r0", 100))
        assert info.value.reason == "REQUEST_ALREADY_ANSWERED"
        again, replayed = restarted.authorize(pay_request("r79", 100))
        assert replayed and again == answers["r79"]
    finally:
        restarted.close()


def test_a_snapshot_of_request_ids_as_tuples_still_replays_their_answers(data_dir, clock):
    """A snapshot written before the ring (format 3: (request_id, (at_s, method, fingerprint,
    response)) per id) starts: its answers wait in the side table, replayed across the upgrade
    and across the next snapshot, until they age out."""
    engine = with_account(open_engine(data_dir, clock))
    answers = {f"r{k}": engine.authorize(pay_request(f"r{k}", 100 + k))[0] for k in range(3)}
    seq = engine.snapshot()
    engine.close()
    db = sqlite3.connect(pathlib.Path(data_dir) / "authcore.db")
    try:
        (blob,) = db.execute("SELECT state FROM snapshot WHERE seq = ?", (seq,)).fetchone()
        state = pickle.loads(blob)
        assert state["format"] == 4
        state["format"] = 3
        state["idempotency"] = [
            (rid, (int(clock.now_s), "Authorize", fingerprint("Authorize", pay_request(rid, 100 + k)),
                   answer.SerializeToString()))
            for k, (rid, answer) in enumerate(answers.items())]
        db.execute("UPDATE snapshot SET state = ? WHERE seq = ?", (pickle.dumps(state), seq))
        db.commit()
    finally:
        db.close()
    # The files before the snapshot are gone: only the side table has these answers.
    for path in files(data_dir)[:-1]:
        path.unlink()
    restarted = open_engine(data_dir, clock)
    try:
        assert restarted.idempotency.response_bytes == sum(len(a.SerializeToString()) for a in answers.values())
        for k, (rid, first) in enumerate(answers.items()):
            again, replayed = restarted.authorize(pay_request(rid, 100 + k))
            assert replayed and again == first
        with pytest.raises(RequestIdReused):
            restarted.authorize(pay_request("r1", 5))
        restarted.snapshot()
    finally:
        restarted.close()
    again_restarted = open_engine(data_dir, clock)
    try:
        again, replayed = again_restarted.authorize(pay_request("r2", 102))
        assert replayed and again == answers["r2"]
        clock.advance(again_restarted.idempotency.retention_s + 1)
        with again_restarted.core.idempotency_lock:
            again_restarted.idempotency.prune(again_restarted.core.now())
        assert again_restarted.idempotency.response_bytes == 0 and len(again_restarted.idempotency) == 0
    finally:
        again_restarted.close()


def test_a_damaged_answer_frame_is_refused_never_returned(data_dir, clock):
    """The frame of a remembered answer is read back with its CRCs checked: damaged, the retry is
    refused as answered (nothing done again), not given the bytes."""
    engine = with_account(open_engine(data_dir, clock))
    try:
        engine.authorize(pay_request("r", 100))
        (seq, offset), = [(r.seq, o) for r, o in engine.journal.positioned_records() if r.request_id == "r"]
        (path,) = files(data_dir)
        raw = bytearray(path.read_bytes())
        raw[offset + segments.HEADER.size + 5] ^= 0xFF
        path.write_bytes(bytes(raw))
        assert engine.journal.read_record(seq, offset) is None
        with pytest.raises(FailedPrecondition) as info:
            engine.authorize(pay_request("r", 100))
        assert info.value.reason == "REQUEST_ALREADY_ANSWERED"
    finally:
        engine.close()
