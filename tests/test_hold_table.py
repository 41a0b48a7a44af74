"""The compiled hold table (authcore._fast.holds) against a plain-Python reference: dicts of
holds, a list of open holds per account, a set of dropped ids, driven by the same random moves."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from authcore._fast.holds import DROPPED, HoldTable
from authcore._fast.ledger import day_and_month
from authcore.decision.policy import default_policy
from authcore.state.ledger import HOLD_FIELDS, Ledger
from authcore.v1 import common_pb2 as c

SLOTS = 4
MONTH_S = 31 * 86400


def ledger_with_accounts() -> Ledger:
    ledger = Ledger(default_policy(), 100)
    for slot in range(SLOTS):
        ledger.upsert(f"acct-{slot}", limit=10**12, status=c.ACCOUNT_STATUS_ACTIVE, tier=c.TIER_STANDARD,
                      overrides=None, overdue=0, currency=156, zone="UTC", utc_offset_s=0)
    return ledger


class Reference:
    """What the table must answer, kept the plain way."""

    def __init__(self):
        self.holds: dict[str, dict] = {}
        self.open: dict[int, list[str]] = {s: [] for s in range(SLOTS)}
        self.plans: dict[int, list[str]] = {s: [] for s in range(SLOTS)}
        self.dropped: set[str] = set()

    def window_start(self, hold: dict) -> int:
        if hold["state"] == "captured" and hold["term"]:
            return hold["captured_s"] + hold["term"] * MONTH_S
        return hold["closed_s"]


def random_id(rng: random.Random, n: int) -> str:
    if rng.random() < 0.2:  # ids from a journal may be anything
        return "".join(rng.choice("αβγ-_/é0123456789xyz") for _ in range(rng.randint(0, 80))) + f"#{n}"
    return f"au_{rng.getrandbits(40):010x}{n:010x}"


def check(table: HoldTable, ref: Reference) -> None:
    assert table.live == len(ref.holds)
    for authorization_id, hold in ref.holds.items():
        row = table.find(authorization_id)
        assert row >= 0
        fields = dict(zip(HOLD_FIELDS, table.fields(row, table.gen_of(row)), strict=True))
        assert fields == hold
    for authorization_id in ref.dropped:
        assert table.find(authorization_id) == DROPPED
    for slot in range(SLOTS):
        assert [table.id_of(row) for row in table.open_rows(slot)] == ref.open[slot]
        assert table.open_count(slot) == len(ref.open[slot])
        assert [table.id_of(row) for row in table.plan_rows(slot)] == ref.plans[slot]
    assert sorted(table.id_of(row) for row in table.live_rows()) == sorted(ref.holds)


@pytest.mark.parametrize("seed", range(4))
def test_the_table_answers_as_the_reference_through_random_moves(seed):
    rng = random.Random(seed)
    ledger = ledger_with_accounts()
    table, ref = HoldTable(), Reference()
    now_s, n = 1_800_000_000, 0
    window_s = rng.choice([86400, 30 * 86400])
    for step in range(1000):
        now_s += rng.randint(0, 3 * 86400)
        move = rng.random()
        open_ids = [i for i, h in ref.holds.items() if h["state"] == "held"]
        closed_ids = [i for i, h in ref.holds.items() if h["state"] != "held"]
        if move < 0.4 or not ref.holds:
            n += 1
            authorization_id = random_id(rng, n)
            slot, channel, amount = rng.randrange(SLOTS), rng.randrange(3), rng.randint(1, 10**6)
            term = rng.choice([0, 0, 3, 6])
            expires_s = now_s + rng.randint(60, 20 * 86400)
            merchant = f"m{rng.randrange(5)}"
            table.place(ledger.book, authorization_id, slot, merchant, expires_s, channel, amount, 0, 0, 0, math.nan,
                        math.nan, term, 60 if term else 0, now_s)
            day = now_s // 86400
            ref.holds[authorization_id] = dict(
                authorization_id=authorization_id, slot=slot, channel=channel, amount=amount, flags=0,
                day_index=day, month_index=day_and_month(now_s, 0)[1],
                created_s=now_s, expires_s=expires_s, merchant_id=merchant, state="held", captured=0, refunded=0,
                term=term, rate_bps=60 if term else 0, captured_s=0, closed_s=0)
            ref.open[slot].append(authorization_id)
        elif move < 0.55 and open_ids:
            authorization_id = rng.choice(open_ids)
            hold = ref.holds[authorization_id]
            captured = rng.randint(1, hold["amount"])
            table.capture(table.find(authorization_id), captured, now_s)
            hold.update(state="captured", captured=captured, captured_s=now_s, closed_s=now_s)
            ref.open[hold["slot"]].remove(authorization_id)
            if hold["term"]:
                ref.plans[hold["slot"]].append(authorization_id)
        elif move < 0.65 and open_ids:
            authorization_id = rng.choice(open_ids)
            hold = ref.holds[authorization_id]
            state = rng.choice(["voided", "expired"])
            table.release(table.find(authorization_id), state, now_s)
            hold.update(state=state, closed_s=now_s)
            ref.open[hold["slot"]].remove(authorization_id)
        elif move < 0.7 and closed_ids:
            authorization_id = rng.choice(closed_ids)
            hold = ref.holds[authorization_id]
            if hold["state"] == "captured" and hold["refunded"] < hold["captured"]:
                table.refund(table.find(authorization_id), 1)
                hold["refunded"] += 1
        elif move < 0.9:
            # The sweeper: every closed hold whose window passed, oldest first.
            rows = table.past_window(now_s, window_s, 10**9)
            taken = [table.id_of(row) for row in rows]
            expected = {i for i, h in ref.holds.items() if h["state"] != "held"
                        and ref.window_start(h) + window_s <= now_s}
            assert set(taken) == expected and len(taken) == len(expected)
            starts = [ref.window_start(ref.holds[i]) for i in taken]
            assert starts == sorted(starts)
            for authorization_id in taken:
                table.drop(authorization_id)
                hold = ref.holds.pop(authorization_id)
                if authorization_id in ref.plans[hold["slot"]]:
                    ref.plans[hold["slot"]].remove(authorization_id)
                ref.dropped.add(authorization_id)
        else:
            due = [table.id_of(row) for row in table.due(now_s, 10**9)]
            expected = {i for i in open_ids if ref.holds[i]["expires_s"] <= now_s}
            assert set(due) == expected and len(due) == len(expected)
            for authorization_id in due:
                table.requeue(table.find(authorization_id))
        if step % 250 == 0:
            table = HoldTable.load(table.dump())
        check(table, ref)
    assert ref.dropped, "the moves dropped holds"


def test_rows_and_arena_are_used_again_after_drops():
    """Placing and dropping many holds with long ids keeps the table at the size of what is live:
    freed rows are taken first and the arena is compacted."""
    ledger = ledger_with_accounts()
    table = HoldTable()
    for k in range(30_000):
        authorization_id = f"{'x' * 90}{k:08d}"
        table.place(ledger.book, authorization_id, k % SLOTS, "m", 10**9 + 100, 0, 1, 0, 0, 0, math.nan, math.nan, 0, 0,
                    10**9)
        table.release(table.find(authorization_id), "voided", 10**9)
        if k >= 10:
            table.drop(f"{'x' * 90}{k - 10:08d}")
    assert table.live == 10 and table.top == 11
    assert table.arena_used < 2 * (1 << 20) + 20 * 98
    assert [table.find(f"{'x' * 90}{k:08d}") for k in (0, 29_989)] == [DROPPED, DROPPED]
    assert table.id_of(table.find(f"{'x' * 90}{29_999:08d}")) == f"{'x' * 90}{29_999:08d}"


def test_a_dump_loads_bit_for_bit():
    ledger = ledger_with_accounts()
    table = HoldTable()
    for k in range(50):
        table.place(ledger.book, f"au_{k}", k % SLOTS, f"m{k % 3}", 10**9 + k, k % 3, 100 + k, 0, 0, 0, math.nan,
                    math.nan, 6 if k % 7 == 0 else 0, 60, 10**9)
    for k in range(0, 50, 3):
        table.capture(table.find(f"au_{k}"), 50, 10**9 + 1)
    table.drop("au_3")
    dumped = table.dump()
    again = HoldTable.load(dumped).dump()
    assert dumped.keys() == again.keys()
    for name, value in dumped.items():
        if isinstance(value, np.ndarray):
            assert value.tobytes() == again[name].tobytes(), name
        else:
            assert value == again[name], name


def test_a_hold_is_placed_once():
    ledger = ledger_with_accounts()
    table = HoldTable()
    table.place(ledger.book, "au_1", 0, "m", 10**9, 0, 1, 0, 0, 0, math.nan, math.nan, 0, 0, 10**9 - 10)
    held = int(ledger.row(0)["held"])
    with pytest.raises(ValueError, match="au_1"):
        table.place(ledger.book, "au_1", 0, "m", 10**9, 0, 1, 0, 0, 0, math.nan, math.nan, 0, 0, 10**9 - 10)
    assert int(ledger.row(0)["held"]) == held, "nothing booked for a refused hold"
    with pytest.raises(KeyError, match="not a closed hold"):
        table.drop("au_1")
