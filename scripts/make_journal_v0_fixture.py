"""Write tests/fixtures/journal-v0/: journals whose effects are in the JSON form, as authcore
wrote them before the effects became authcore.v1.JournalEffect (commit f3b4a24 and earlier), for
tests/test_journal_v0.py to check that such a journal still starts with the same state.

It must run on that older code, e.g. from a checkout of f3b4a24 with its kernels built:
    PYTHONPATH=/path/to/old:/path/to/old/clients/python python scripts/make_journal_v0_fixture.py
and refuses to write anything when the code it runs on writes typed effects.

With --typed it writes tests/fixtures/journal-v1/ instead: the same journals as the code of commit
7c3c35f wrote them, typed effects in the `journal` table of authcore.db (schema 3, before the
segment files), from a checkout of that commit; it refuses code that writes JSON effects or
segment files.

Two data dirs, each an authcore.db (the lock file and WAL left out) and an expected.json beside it:
  plain/     every kind of effect, replayed from the first record;
  snapshot/  a snapshot taken half-way by the older code, then every kind of effect after it
             (expiries of holds the snapshot holds among them).
expected.json holds the clock time the answers were taken at, GetAccount of every account,
the active versions, and requests whose replay (same request_id) must return the stored answer.
"""

from __future__ import annotations

import base64
import datetime
import json
import math
import pathlib
import shutil
import sqlite3
import sys
import tempfile

from google.protobuf import json_format

from authcore.risk import features
from authcore.decision.columns import bulk_request
from authcore.engine import Engine
from authcore.risk.models import LINEAR_FORMAT
from authcore.decision.policy import default_policy
from authcore.journal.store import Journal
from authcore.v1 import (
    account_pb2, admin_pb2, authorization_pb2 as authz, common_pb2 as c, credit_pb2, installment_pb2 as inst,
)

FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures"
TYPED = "--typed" in sys.argv[1:]
OUT = FIXTURES / ("journal-v1" if TYPED else "journal-v0")
# 2026-11-22 10:00:00 in Asia/Shanghai, as tests/conftest.py's clock.
START_S = int(datetime.datetime(2026, 11, 22, 2, 0, tzinfo=datetime.UTC).timestamp())


class Clock:
    def __init__(self) -> None:
        self.now_s = START_S

    def __call__(self) -> float:
        return self.now_s


def linear_model(intercept: float) -> bytes:
    return json.dumps({"format": LINEAR_FORMAT, "features": features.NAMES, "coefficients": [0.0] * len(features.NAMES),
                       "intercept": intercept}).encode()


def small_card() -> credit_pb2.Scorecard:
    card = credit_pb2.Scorecard(version="card-v0", base_points=500)
    age = card.variables.add(name="age")
    age.bins.add(label="[-inf,30)", points=-40).ranges.add(lower=-math.inf, upper=30)
    age.bins.add(label="[30,inf)", points=20).ranges.add(lower=30, upper=math.inf)
    card.bands.add(min_score=480, tier=c.TIER_STANDARD, credit_limit_minor=1_000_000)
    return card


def payment(request_id: str, account_id: str, amount_minor: int, channel: int = c.CHANNEL_WALLET, *,
            currency: str = "CNY", **fields) -> authz.AuthorizeRequest:
    device = fields.pop("device", None)
    request = authz.AuthorizeRequest(request_id=request_id, account_id=account_id, channel=channel,
                                     amount_minor=amount_minor, currency=currency,
                                     merchant=authz.Merchant(merchant_id=fields.pop("merchant", "m-1"), mcc="5411",
                                                             country="CN"),
                                     verification=authz.Verification(factors=[1, 2]), **fields)
    if device is not None:
        request.device.CopyFrom(device)
    return request


class Scenario:
    """Every kind of effect, through the engine as the servicers call it."""

    def __init__(self, engine: Engine, clock: Clock):
        self.engine, self.clock = engine, clock
        self.replays: list[dict] = []

    def keep(self, method: str, request, response) -> None:
        """A request whose replay must answer response again."""
        self.replays.append({"method": method, "request": base64.b64encode(request.SerializeToString()).decode(),
                             "response": base64.b64encode(response.SerializeToString()).decode()})

    def pay(self, request: authz.AuthorizeRequest, keep: bool = False) -> authz.AuthorizeResponse:
        response, _ = self.engine.authorize(request)
        if keep:
            self.keep("Authorize", request, response)
        return response

    def accounts(self, prefix: str, keep: bool) -> None:
        e = self.engine
        overrides = c.LimitProfile(daily_count=40, per_transaction_minor=900_000)
        overrides.channels.add(channel=c.CHANNEL_QUICK_PAY, per_transaction_minor=50_000)
        request = admin_pb2.UpsertAccountRequest(request_id=f"{prefix}u1", account_id=f"{prefix}a1",
                                                 credit_limit_minor=2_000_000, tier=c.TIER_PREMIUM,
                                                 limit_overrides=overrides, credit_score=652.5)
        response, _ = e.upsert_account(request)
        if keep:
            self.keep("UpsertAccount", request, response)
        e.upsert_account(admin_pb2.UpsertAccountRequest(request_id=f"{prefix}u2", account_id=f"{prefix}a2",
                                                        credit_limit_minor=800_000, tier=c.TIER_STANDARD,
                                                        time_zone="Asia/Tokyo", credit_score=540))
        e.upsert_account(admin_pb2.UpsertAccountRequest(request_id=f"{prefix}u3", account_id=f"{prefix}a3",
                                                        credit_limit_minor=500_000, currency="HKD",
                                                        time_zone="Asia/Hong_Kong"))
        e.upsert_account(admin_pb2.UpsertAccountRequest(request_id=f"{prefix}u4", account_id=f"{prefix}a4",
                                                        credit_limit_minor=300_000, tier=c.TIER_STANDARD,
                                                        limit_overrides=c.LimitProfile(daily_amount_minor=250_000)))

    def versions(self, prefix: str) -> None:
        e = self.engine
        policy = default_policy()
        policy.version = f"{prefix}policy-2"
        policy.hold_ttl_seconds = 2 * 86400
        e.set_policy(admin_pb2.SetPolicyRequest(request_id=f"{prefix}p1", policy=policy))
        e.set_risk_model(admin_pb2.SetRiskModelRequest(request_id=f"{prefix}m1", model=linear_model(-6.0),
                                                       version=f"{prefix}model-1"))
        card = small_card()
        card.version = f"{prefix}card-1"
        e.set_scorecard(admin_pb2.SetScorecardRequest(request_id=f"{prefix}s1", scorecard=card))
        e.set_auto_installment(inst.SetAutoInstallmentRequest(
            request_id=f"{prefix}ai1", account_id=f"{prefix}a1",
            setting=inst.AutoInstallment(enabled=True, term_months=6, threshold_minor=100_000)))

    def payments(self, prefix: str, keep: bool) -> list[str]:
        """Approved holds (unary, batch, bulk) and one decline; returns the authorization ids."""
        e = self.engine
        here = authz.Device(device_id="phone-1", ip="203.0.113.7", latitude=31.23, longitude=121.47)
        ids = [
            self.pay(payment(f"{prefix}r1", f"{prefix}a1", 12_345, device=here), keep).authorization_id,
            # Caught by auto-installment: the plan rides on the hold.
            self.pay(payment(f"{prefix}r2", f"{prefix}a1", 150_000), keep).authorization_id,
            self.pay(payment(f"{prefix}r3", f"{prefix}a1", 20_000, c.CHANNEL_SCAN_TO_PAY,
                             qr_code_type=c.QR_CODE_TYPE_STATIC)).authorization_id,
            self.pay(payment(f"{prefix}r4", f"{prefix}a2", 90_000, installment_term_months=3)).authorization_id,
            self.pay(payment(f"{prefix}r5", f"{prefix}a3", 30_000, c.CHANNEL_QUICK_PAY, currency="HKD",
                             device=authz.Device(ip="2001:db8::1"))).authorization_id,
            self.pay(payment(f"{prefix}r6", f"{prefix}a4", 100_000)).authorization_id,
        ]
        declined = self.pay(payment(f"{prefix}r7", f"{prefix}a4", 10_000_000), keep)
        assert declined.decision == c.DECISION_DECLINED
        batch = authz.AuthorizeBatchRequest(requests=[
            payment(f"{prefix}b1", f"{prefix}a2", 4_000, device=authz.Device(device_id="tab-2")),
            payment(f"{prefix}b2", f"{prefix}a1", 7_000, c.CHANNEL_QUICK_PAY),
        ])
        answered = e.authorize_batch(batch)
        ids += [result.response.authorization_id for result in answered.results]
        chunk = bulk_request(f"{prefix}bulk1", [
            payment("", f"{prefix}a1", 1_500, device=authz.Device(device_id="pos-9", ip="198.51.100.20",
                                                                  latitude=22.54, longitude=114.06)),
            payment("", f"{prefix}a2", 2_500, c.CHANNEL_SCAN_TO_PAY, qr_code_type=c.QR_CODE_TYPE_DYNAMIC),
            payment("", f"{prefix}missing", 100),
            payment("", f"{prefix}a4", 3_500, c.CHANNEL_QUICK_PAY),
            payment("", f"{prefix}a1", 120_000),  # auto-installment in a chunk too
        ])
        response, _ = e.authorize_bulk(chunk)
        if keep:
            self.keep("AuthorizeBulk", chunk, response)
        ids += [i for i in response.authorization_ids if i]
        assert all(ids), ids
        return ids

    def lifecycle(self, prefix: str, ids: list[str], keep: bool) -> None:
        e = self.engine
        request = authz.CaptureRequest(request_id=f"{prefix}c1", authorization_id=ids[0], amount_minor=10_000,
                                       currency="CNY")
        response, _ = e.capture(request)
        if keep:
            self.keep("Capture", request, response)
        e.capture(authz.CaptureRequest(request_id=f"{prefix}c2", authorization_id=ids[1], currency="CNY"))
        e.capture(authz.CaptureRequest(request_id=f"{prefix}c3", authorization_id=ids[5], currency="CNY"))
        e.capture(authz.CaptureRequest(request_id=f"{prefix}c4", authorization_id=ids[-1], currency="CNY"))
        e.void(authz.VoidRequest(request_id=f"{prefix}v1", authorization_id=ids[2]))
        e.refund(authz.RefundRequest(request_id=f"{prefix}f1", authorization_id=ids[0], amount_minor=2_000,
                                     currency="CNY"))
        e.repay(account_pb2.RepayRequest(request_id=f"{prefix}y1", account_id=f"{prefix}a1", amount_minor=5_000,
                                         currency="CNY"))
        # Overdue, overrides cleared, a new score and tier on an existing account.
        e.upsert_account(admin_pb2.UpsertAccountRequest(
            request_id=f"{prefix}u5", account_id=f"{prefix}a4", credit_limit_minor=350_000, tier=c.TIER_PREMIUM,
            limit_overrides=c.LimitProfile(), overdue_minor=40_000, credit_score=580))

    def rollback(self, prefix: str) -> None:
        """Activate stored versions again: the shipped policy, then the fixture's."""
        e = self.engine
        policy = admin_pb2.VERSION_KIND_POLICY
        e.activate_version(admin_pb2.ActivateVersionRequest(request_id=f"{prefix}act1", kind=policy,
                                                            version=default_policy().version))
        e.activate_version(admin_pb2.ActivateVersionRequest(request_id=f"{prefix}act2", kind=policy,
                                                            version=f"{prefix}policy-2"))
        e.set_risk_model(admin_pb2.SetRiskModelRequest(request_id=f"{prefix}m2", model=linear_model(-5.0),
                                                       version=f"{prefix}model-2"))
        e.activate_version(admin_pb2.ActivateVersionRequest(request_id=f"{prefix}act3",
                                                            kind=admin_pb2.VERSION_KIND_RISK_MODEL,
                                                            version=f"{prefix}model-1"))
        e.set_auto_installment(inst.SetAutoInstallmentRequest(request_id=f"{prefix}ai2", account_id=f"{prefix}a2",
                                                              setting=inst.AutoInstallment(enabled=False)))

    def run(self, prefix: str, keep: bool) -> None:
        """One round of every kind of effect; the clock moves on by two hours."""
        self.accounts(prefix, keep)
        self.versions(prefix)
        ids = self.payments(prefix, keep)
        self.clock.now_s += 3600
        self.lifecycle(prefix, ids, keep)
        self.rollback(prefix)
        self.clock.now_s += 3600


def make(kind: str, workdir: pathlib.Path) -> dict:
    clock = Clock()
    data = workdir / kind
    engine = Engine(Journal(data), clock=clock, default_model=False)
    scenario = Scenario(engine, clock)
    scenario.run("x-", keep=False)
    if kind == "snapshot":
        engine.snapshot()
    # Holds that lapse (the snapshot's, in snapshot/): the clock moves past their expiry and the sweeper runs.
    clock.now_s += 3 * 86400
    assert engine.expire_due() > 0
    scenario.run("", keep=True)
    clock.now_s += 600
    expected = {
        "now_s": clock.now_s,
        "made_by": "authcore 7c3c35f (typed effects in the journal table, schema 3)" if TYPED
                   else "authcore f3b4a24 (effects as JSON text)",
        "accounts": {
            account_id: json_format.MessageToDict(
                engine.get_account(account_pb2.GetAccountRequest(account_id=account_id)),
                preserving_proto_field_name=True)
            for account_id in engine.ledger.account_ids
        },
        "policy_version": engine.ledger.policy.version,
        "model_version": engine.model_info.version,
        "scorecard_version": engine.scorecard.card.version,
        "replays": scenario.replays,
    }
    engine.close()
    db = sqlite3.connect(data / "authcore.db")
    kinds = db.execute("SELECT DISTINCT typeof(effect) FROM journal").fetchall()
    texts = db.execute("SELECT effect FROM journal WHERE effect IS NOT NULL").fetchall()
    snapshots = db.execute("SELECT count(*) FROM snapshot").fetchone()[0]
    db.close()
    if TYPED:
        if {k for (k,) in kinds} != {"blob", "null"} or (data / "journal").exists():
            raise SystemExit("the code on PYTHONPATH does not write typed effects into the journal table: run this "
                             "on the code of 7c3c35f")
    elif {k for (k,) in kinds} != {"text", "null"} or not all(t.startswith("{") for (t,) in texts):
        raise SystemExit("the code on PYTHONPATH writes typed effects: run this on the code before them (f3b4a24)")
    assert snapshots == (1 if kind == "snapshot" else 0)
    expected["records"] = len(texts)
    return expected


def main() -> None:
    with tempfile.TemporaryDirectory(prefix=OUT.name + "-") as tmp:
        workdir = pathlib.Path(tmp)
        for kind in ("plain", "snapshot"):
            expected = make(kind, workdir)
            out = OUT / kind
            if out.exists():
                shutil.rmtree(out)
            out.mkdir(parents=True)
            shutil.copyfile(workdir / kind / "authcore.db", out / "authcore.db")
            (out / "expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")
            print(f"wrote {out}: {expected['records']} effects, {len(expected['accounts'])} accounts, "
                  f"{(out / 'authcore.db').stat().st_size} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
