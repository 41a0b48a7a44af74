"""The compiled account index (authcore._fast.index.AccountIndex) against a dict, its plain-Python
reference: the same slot for every id over random ids (non-ASCII, 64 characters, ids that are
prefixes of others), across many doublings of its table, and with hashes cut to a few bits so
that thousands of ids share one; lookups of many ids at once, its snapshot arrays, its bounds;
and the ledger's views over it (account_ids, zones)."""

from __future__ import annotations

import os
import random
import threading
import time

import numpy as np
import pytest

from authcore._fast.index import MAX_ACCOUNTS_LIMIT, AccountIndex, IndexFull
from authcore.api.config import Config
from authcore.decision.policy import default_policy
from authcore.errors import ResourceExhausted
from authcore.state import accounts as accounts_mod
from authcore.state.accounts import Zones
from authcore.state.ledger import Ledger
from authcore.v1 import authorization_pb2 as authz

ALPHABETS = ("abcdefghijklmnopqrstuvwxyz0123456789-_", "账户用户甲乙丙丁", "éüßñøå", "😀🚀🀄")


def random_ids(rng: random.Random, count: int) -> list[str]:
    """Distinct ids of 1 to 64 characters from ASCII, CJK, Latin-1 and 4-byte characters, with
    some ids the prefixes of others (the same bytes up to a length)."""
    ids: dict[str, None] = {}
    while len(ids) < count:
        alphabet = rng.choice(ALPHABETS) if rng.random() < 0.3 else ALPHABETS[0]
        length = 64 if rng.random() < 0.1 else rng.randint(1, 20)
        account_id = "".join(rng.choice(alphabet) for _ in range(length))
        ids[account_id] = None
        if rng.random() < 0.05 and len(account_id) > 1:
            ids[account_id[:-1]] = None
    return list(ids)[:count]


def unknown_ids(rng: random.Random, known: list[str], count: int) -> list[str]:
    taken = set(known)
    return [x for x in random_ids(rng, count * 2) if x not in taken][:count]


def filled(ids: list[str], **kwargs) -> AccountIndex:
    index = AccountIndex(kwargs.pop("max_accounts", max(1, len(ids))), **kwargs)
    for account_id in ids:
        index.add(account_id)
    return index


def agrees(index: AccountIndex, reference: dict[str, int], absent: list[str]) -> None:
    """Every answer of index is the dict's."""
    assert len(index) == len(reference)
    for account_id, slot in reference.items():
        assert index.get(account_id) == slot and index[account_id] == slot and account_id in index
        assert index.id_of(slot) == account_id
    for account_id in absent:
        assert index.get(account_id) is None and index.get(account_id, -1) == -1 and account_id not in index
        with pytest.raises(KeyError):
            index[account_id]
    assert index.ids() == list(reference) == list(index)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_add_get_and_id_of_agree_with_a_dict(seed):
    rng = random.Random(seed)
    ids = random_ids(rng, 3_000)
    index, reference = AccountIndex(10_000), {}
    for account_id in ids:
        reference[account_id] = index.add(account_id)
        assert reference[account_id] == len(reference) - 1
    assert any(len(x) == 64 for x in ids) and any(len(x.encode()) > 4 * 40 for x in ids)
    assert any(not x.isascii() for x in ids)
    agrees(index, reference, unknown_ids(rng, ids, 500))


def test_the_table_grows_through_many_doublings_and_keeps_every_id():
    rng = random.Random(7)
    ids = [f"acct-{i:07d}" for i in range(60_000)]
    rng.shuffle(ids)
    index, reference = AccountIndex(60_000), {}
    sizes = []
    for account_id in ids:
        reference[account_id] = index.add(account_id)
        if len(reference) in (10, 100, 1_000, 10_000, 60_000):
            sizes.append(index.nbytes)
            agrees(index, reference, [f"acct-{i:07d}" for i in range(60_000, 60_100)])
    # From a table of 16 entries to 131,072: the buffers grew at every mark.
    assert sizes == sorted(sizes) and len(set(sizes)) == len(sizes)


@pytest.mark.parametrize("hash_bits", [1, 3, 6])
def test_ids_sharing_a_hash_are_told_apart_by_their_bytes(hash_bits):
    rng = random.Random(hash_bits)
    ids = random_ids(rng, 4_000)
    # Ids of equal length and of one byte's difference, under the same few hashes.
    ids += [f"same-{i:04d}" for i in range(1_000)] + [f"same-{i:04d}x" for i in range(500)]
    ids = list(dict.fromkeys(ids))
    index = filled(ids, hash_bits=hash_bits)
    reference = {account_id: slot for slot, account_id in enumerate(ids)}
    agrees(index, reference, unknown_ids(rng, ids, 300) + [f"same-{i:04d}" for i in range(1_000, 1_100)])
    assert list(index.slots_of(ids)) == list(range(len(ids)))


def test_slots_of_is_get_of_each():
    rng = random.Random(11)
    ids = random_ids(rng, 2_000)
    index = filled(ids)
    asked = [rng.choice(ids) for _ in range(3_000)] + unknown_ids(rng, ids, 500) + ["", "\ud800"]
    rng.shuffle(asked)
    slots = index.slots_of(asked)
    assert slots.dtype == np.int64 and slots.shape == (len(asked),)
    assert slots.tolist() == [index.get(x, -1) for x in asked]
    # Any sequence: a tuple, a generator, a bulk request's repeated field.
    assert index.slots_of(tuple(asked)).tolist() == slots.tolist()
    assert index.slots_of(x for x in asked).tolist() == slots.tolist()
    request = authz.AuthorizeBulkRequest(account_ids=asked[:100])
    assert index.slots_of(request.account_ids).tolist() == slots[:100].tolist()
    assert index.slots_of([]).tolist() == []
    with pytest.raises(TypeError, match=r"ids\[1\]"):
        index.slots_of(["a", 1])


def test_add_many_appends_new_ids_in_order_and_returns_known_ones():
    rng = random.Random(5)
    first = random_ids(rng, 500)
    index = filled(first, max_accounts=2_000)
    reference = {account_id: slot for slot, account_id in enumerate(first)}
    batch = [rng.choice(first) for _ in range(200)] + unknown_ids(rng, first, 300)
    batch += batch[-50:]  # a new id given twice is added once
    rng.shuffle(batch)
    expected = [reference.setdefault(x, len(reference)) for x in batch]
    assert index.add_many(batch).tolist() == expected
    agrees(index, reference, unknown_ids(rng, list(reference), 100))


def test_the_arrays_rebuild_the_same_index():
    rng = random.Random(3)
    ids = random_ids(rng, 5_000)
    index = filled(ids)
    arrays = index.to_arrays()
    assert arrays["ids"].dtype == np.uint8 and arrays["offsets"].dtype == np.uint64
    assert arrays["ids"].tobytes() == "".join(ids).encode()
    assert arrays["offsets"].shape == (len(ids) + 1,)
    again = AccountIndex.from_arrays(arrays, len(ids) + 1)
    agrees(again, {x: slot for slot, x in enumerate(ids)}, unknown_ids(rng, ids, 200))
    assert again.add("one-more") == len(ids) and again.id_of(len(ids)) == "one-more"
    empty = AccountIndex.from_arrays(AccountIndex(5).to_arrays(), 5)
    assert len(empty) == 0 and empty.add("a") == 0 and empty["a"] == 0


def test_the_rebuilt_index_takes_more_ids():
    index = AccountIndex.from_arrays(filled(["a", "b"]).to_arrays(), 10)
    assert index.add("c") == 2 and index.add_many(["b", "d"]).tolist() == [1, 3]
    assert index.ids() == ["a", "b", "c", "d"]


def arrays_of(data: bytes, offsets: list[int]) -> dict[str, np.ndarray]:
    return {"ids": np.frombuffer(data, np.uint8).copy(), "offsets": np.array(offsets, np.uint64)}


@pytest.mark.parametrize("arrays, max_accounts, message", [
    (arrays_of(b"ab", [0, 1, 2]), 1, "more than max_accounts 1"),
    (arrays_of(b"ab", [1, 2]), 5, "do not start at 0"),
    (arrays_of(b"ab", [0, 1]), 5, "end at the ids' length"),
    (arrays_of(b"abc", [0, 2, 1, 3]), 5, "go backwards"),
    (arrays_of(b"a" * 300, [0, 300]), 5, "over 256 bytes"),
    (arrays_of(b"abab", [0, 2, 4]), 5, "twice"),
    (arrays_of(b"a\xff", [0, 2]), 5, "not UTF-8"),
    (arrays_of("é".encode(), [0, 1, 2]), 5, "inside a UTF-8 character"),
    ({"ids": np.zeros(2, np.int64), "offsets": np.array([0, 2], np.uint64)}, 5, "uint8"),
])
def test_arrays_that_are_not_an_index_are_refused(arrays, max_accounts, message):
    with pytest.raises(ValueError, match=message):
        AccountIndex.from_arrays(arrays, max_accounts)


def test_max_accounts_is_refused_cleanly_and_nothing_half_added():
    index = filled(["a", "b", "c"], max_accounts=4)
    assert index.add("d") == 3
    with pytest.raises(IndexFull, match="at most 4 ids"):
        index.add("e")
    # A batch that would pass the bound adds none of its new ids; one of known ids is fine.
    with pytest.raises(IndexFull):
        index.add_many(["a", "x", "y"])
    assert index.ids() == ["a", "b", "c", "d"] and "x" not in index and index.get("d") == 3
    assert index.add_many(["d", "a"]).tolist() == [3, 0]


def test_a_batch_refused_midway_leaves_the_index_as_it_was():
    ids = [f"id-{i}" for i in range(1_000)]
    index = filled(ids[:600], max_accounts=900, hash_bits=4)
    with pytest.raises(IndexFull):
        index.add_many(ids[500:])
    assert len(index) == 600 and index.slots_of(ids).tolist() == list(range(600)) + [-1] * 400
    assert index.add_many(ids[600:900]).tolist() == list(range(600, 900))


@pytest.mark.parametrize("call, error, message", [
    (lambda i: i.add("a"), ValueError, "in the index already"),
    (lambda i: i.add("a" * 257), ValueError, "257 bytes"),
    (lambda i: i.add("😀" * 65), ValueError, "260 bytes"),
    (lambda i: i.add(5), TypeError, "a str, not int"),
    (lambda i: i.add_many(["b", "c" * 300]), ValueError, r"ids\[1\]"),
    (lambda i: i.add_many(["b", None]), TypeError, r"ids\[1\]"),
    (lambda i: i.id_of(1), IndexError, "holds 1 ids"),
    (lambda i: i.id_of(-1), IndexError, "slot -1"),
])
def test_bad_additions_and_slots_are_refused(call, error, message):
    index = filled(["a"], max_accounts=10)
    with pytest.raises(error, match=message):
        call(index)
    assert index.ids() == ["a"]


@pytest.mark.parametrize("kwargs, message", [
    ({"max_accounts": 0}, "max_accounts 0"),
    ({"max_accounts": MAX_ACCOUNTS_LIMIT + 1}, "max_accounts"),
    ({"max_accounts": 5, "max_id_bytes": 0}, "max_id_bytes"),
    ({"max_accounts": 5, "hash_bits": 0}, "hash_bits"),
    ({"max_accounts": 5, "hash_bits": 33}, "hash_bits"),
])
def test_the_bounds_themselves_are_checked(kwargs, message):
    with pytest.raises(ValueError, match=message):
        AccountIndex(**kwargs)


def test_an_addition_meeting_a_lookup_without_the_gil_is_refused():
    """slots_of releases the GIL; an addition then would move the buffers under it, so it is
    refused (the ledger's state lock keeps the two apart in the first place)."""
    ids = [f"id-{i}" for i in range(20_000)]
    # One bit of hash: every lookup walks the ids one by one, so the lookups take a while.
    index = filled(ids, max_accounts=30_000, hash_bits=1)
    found = []
    looking = threading.Thread(target=lambda: found.append(index.slots_of(ids)))
    looking.start()
    refused, added = None, 0
    deadline = time.monotonic() + 60
    while refused is None and looking.is_alive() and time.monotonic() < deadline:
        try:
            index.add(f"new-{added}")
            added += 1
        except RuntimeError as exc:
            refused = exc
    looking.join(timeout=120)
    assert refused is not None and "while a lookup runs without the GIL" in str(refused)
    assert found[0].tolist() == list(range(20_000)) and len(index) == 20_000 + added


def test_lookups_of_what_is_not_an_id_find_nothing():
    index = filled(["a"])
    assert index.get(None) is None and index.get(b"a") is None and 1 not in index and "\ud800" not in index


@pytest.mark.parametrize("max_accounts", [0, -1, MAX_ACCOUNTS_LIMIT + 1, 1.5])
def test_the_config_refuses_a_max_accounts_the_index_cannot_hold(max_accounts):
    with pytest.raises(ValueError, match="max_accounts must be between 1 and 2,000,000,000"):
        Config(max_accounts=max_accounts).validate()


# -- the ledger's views -------------------------------------------------------------------------

def upsert(ledger: Ledger, account_id: str, zone: str = "Asia/Shanghai") -> tuple[int, bool]:
    return ledger.upsert(account_id, limit=1_000, status=1, tier=1, overrides=None, overdue=0, currency=156,
                         zone=zone, utc_offset_s=0)


def test_the_ledger_reads_ids_and_zones_by_slot():
    ledger = Ledger(default_policy(), max_accounts=3)
    assert [upsert(ledger, a, z) for a, z in (("a", "UTC"), ("账户", "Asia/Shanghai"), ("a", "Asia/Tokyo"))] == [
        (0, True), (1, True), (0, False)]
    assert list(ledger.account_ids) == ["a", "账户"] and ledger.account_ids[1] == "账户"
    assert ledger.account_ids[-1] == "账户" and ledger.account_ids[0:2] == ["a", "账户"]
    assert len(ledger.account_ids) == 2 and "账户" in ledger.account_ids and "b" not in ledger.account_ids
    # An upsert of a known account keeps its zone, as before (the zone is set when it is created).
    assert list(ledger.zones) == ["UTC", "Asia/Shanghai"] and ledger.zones[1] == "Asia/Shanghai"
    assert ledger.zones.names == ["UTC", "Asia/Shanghai"] and ledger.zones.codes.dtype == np.uint16
    upsert(ledger, "b")
    with pytest.raises(ResourceExhausted, match="at most 3 accounts"):
        upsert(ledger, "c")
    assert len(ledger.account_ids) == len(ledger.zones) == ledger.n_accounts == 3


def test_a_refused_account_changes_nothing():
    ledger = Ledger(default_policy(), max_accounts=5)
    upsert(ledger, "a")
    with pytest.raises(ValueError, match="257 bytes"):
        upsert(ledger, "x" * 257)
    assert ledger.n_accounts == 1 and len(ledger.zones) == 1 and list(ledger.account_ids) == ["a"]


def test_time_zones_are_bounded(monkeypatch):
    monkeypatch.setattr(accounts_mod, "MAX_ZONES", 2)
    ledger = Ledger(default_policy(), max_accounts=5)
    upsert(ledger, "a", "UTC")
    upsert(ledger, "b", "Asia/Tokyo")
    upsert(ledger, "c", "UTC")
    with pytest.raises(ResourceExhausted, match="at most 2 distinct time zones"):
        upsert(ledger, "d", "Asia/Shanghai")
    assert list(ledger.account_ids) == ["a", "b", "c"] and list(ledger.zones) == ["UTC", "Asia/Tokyo", "UTC"]


def test_zones_grow_past_their_first_rows_and_dump_as_codes():
    zones = Zones()
    names = ["UTC", "Asia/Tokyo", "Asia/Shanghai"]
    for i in range(3_000):
        zones.append(zones.code(names[i % 3]))
    assert len(zones) == 3_000 and zones[2_999] == "Asia/Shanghai" and list(zones)[:4] == names + ["UTC"]
    dumped_names, codes = zones.dump()
    assert dumped_names == names and codes.tolist() == [i % 3 for i in range(3_000)]
    assert list(Zones(dumped_names, codes)) == list(zones) == list(Zones.of(list(zones)))
    with pytest.raises(IndexError):
        zones[3_000]
    with pytest.raises(ValueError, match="names no zone"):
        Zones(["UTC"], np.array([0, 1], np.uint16))


def test_the_rows_grow_within_their_reservation_without_a_copy():
    ledger = Ledger(default_policy(), max_accounts=5_000)
    first = [rows.ctypes.data for rows in (ledger.accounts, ledger.behaviour, ledger.zones.codes)]
    for i in range(3_000):
        upsert(ledger, f"a{i}", ("UTC", "Asia/Tokyo")[i % 2])
    # Grown by a quarter at a time from 1,024 rows, each time a longer view of the same
    # reservation of max_accounts rows (the rows never copied), the rows of every account kept.
    assert ledger.accounts.shape[0] == ledger.behaviour.shape[0] == 3_125
    assert [rows.ctypes.data for rows in (ledger.accounts, ledger.behaviour, ledger.zones.codes)] == first
    assert ledger._account_rows.reserved == ledger._behaviour_rows.reserved == 5_000
    assert (ledger.accounts["limit"][:3_000] == 1_000).all() and not ledger.accounts["limit"][3_000:].any()
    assert ledger.account_ids[2_999] == "a2999" and ledger.zones[2_999] == "Asia/Tokyo"


def two_accounts() -> dict:
    ledger = Ledger(default_policy(), max_accounts=5)
    upsert(ledger, "a", "UTC")
    upsert(ledger, "b", "Asia/Tokyo")
    return ledger.dump()


def as_lists(state: dict) -> dict:
    """The same dump as builds before the compiled index wrote it (ids and zones as lists)."""
    state = {k: v for k, v in state.items() if k not in ("account_index", "zone_names", "zone_codes")}
    return {**state, "account_ids": ["a", "b"], "zones": ["UTC", "Asia/Tokyo"]}


@pytest.mark.parametrize("change, message", [
    (lambda s: {**s, "zone_codes": s["zone_codes"][:1]}, "2 account rows, 2 ids and 1 zones"),
    (lambda s: {**s, "zone_codes": s["zone_codes"] + 5}, "names no zone"),
    (lambda s: {**s, "account_index": {**s["account_index"], "offsets": s["account_index"]["offsets"][:2]}},
     "end at the ids' length"),
    (lambda s: {**as_lists(s), "account_ids": ["a", "a"]}, "ids repeat"),
    (lambda s: {**as_lists(s), "zones": ["UTC"]}, "2 account rows, 2 ids and 1 zones"),
])
def test_a_snapshot_whose_ids_or_zones_do_not_match_its_rows_is_refused(change, message):
    with pytest.raises(ValueError, match=message):
        Ledger.load(change(two_accounts()), 5)


def test_both_snapshot_forms_load_the_same_ids_and_zones():
    for state in (two_accounts(), as_lists(two_accounts())):
        ledger = Ledger.load(state, 5)
        assert list(ledger.account_ids) == ["a", "b"] and list(ledger.zones) == ["UTC", "Asia/Tokyo"]
        assert ledger.slot_of["b"] == 1 and upsert(ledger, "c") == (2, True)


def mapping_of(address: int, size: int) -> str | None:
    """The name of the mapping of this process that holds address .. address + size ("" when
    anonymous), None when no one mapping holds it all."""
    for line in open("/proc/self/maps"):
        fields = line.split()
        start, end = (int(x, 16) for x in fields[0].split("-"))
        if start <= address and address + size <= end:
            return fields[5] if len(fields) > 5 else ""
    return None


def test_the_index_buffers_are_pages_of_their_own_through_growth():
    """The ids, offsets and table are mapped from the kernel, each from a page boundary (a heap
    chunk is never page-aligned, nor in the heap): their spare room is never resident, growth
    moves pages rather than copying, and a buffer let go of leaves no hole in the heap."""
    index = AccountIndex(1_000_000)
    page = os.sysconf("SC_PAGE_SIZE")
    for count in (1, 5_000, 200_000):
        index.add_many([f"acct-{i:08d}" for i in range(len(index), count)])
        for address, size in index.buffers:
            assert address % page == 0 and mapping_of(address, size) == ""
    assert len(index) == 200_000 and index.get("acct-00199999") == 199_999
    assert index.nbytes == sum(size for _, size in index.buffers)
