"""max_approvable_minor is the largest amount the request would have been approved for, on its
channel with its verification, at decision time: before its own hold. On an APPROVED answer it is
what was available before the hold, bounded by the limits; after a decline it is what would pass
now, and that amount does pass."""

from __future__ import annotations

import pytest

from authcore.v1 import common_pb2 as c

OK, NO = c.DECISION_APPROVED, c.DECISION_DECLINED
STANDARD = {"tier": c.TIER_STANDARD}


def overrides(**fields) -> dict:
    return {**STANDARD, "limit_overrides": c.LimitProfile(**fields)}


# name, credit line, account fields, payments before, the payment, decision, max approvable, available after
CASES = [
    ("approved-bounded-by-credit", 3_000, STANDARD, [], 1_000, OK, 3_000, 2_000),
    ("approved-whole-line", 3_000, STANDARD, [], 3_000, OK, 3_000, 0),
    ("approved-after-a-payment", 3_000, STANDARD, [500], 1_000, OK, 2_500, 1_500),
    ("approved-bounded-by-per-transaction", 10_000_000, overrides(per_transaction_minor=5_000), [], 1_000, OK,
     5_000, 9_999_000),
    ("approved-bounded-by-daily-amount", 10_000_000, overrides(daily_amount_minor=10_000), [6_000], 1_000, OK,
     4_000, 9_993_000),
    ("declined-credit", 3_000, STANDARD, [1_000], 2_500, NO, 2_000, 2_000),
    ("declined-daily-amount", 10_000_000, overrides(daily_amount_minor=10_000), [6_000], 4_001, NO, 4_000,
     9_994_000),
]


@pytest.mark.parametrize("name, line, fields, before, amount, decision, max_approvable, available", CASES,
                         ids=[case[0] for case in CASES])
def test_max_approvable_is_before_the_payments_own_hold(client, name, line, fields, before, amount, decision,
                                                        max_approvable, available):
    client.upsert(name, line, **fields)
    for paid in before:
        assert client.pay(name, paid).decision == OK
    answer = client.pay(name, amount)
    assert (answer.decision, answer.max_approvable_minor, answer.available_credit_minor) == (
        decision, max_approvable, available)
    if decision == OK:
        assert answer.max_approvable_minor >= amount
    else:
        # What would pass now does pass, and one fen more would not have.
        assert client.pay(name, max_approvable).decision == OK


def test_the_contract_and_the_docs_say_it_is_before_the_own_hold():
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[1]
    for path in ("proto/authcore/v1/authorization.proto", "docs/api.md", "README.md"):
        text = " ".join((root / path).read_text().replace("//", " ").split())
        assert "would have been approved for, on its channel with its verification, at decision time" in text, path
        assert "would be approved now on this channel" not in text, path
