"""The crash harness: runs `authcore serve` as a subprocess under concurrent load from the three
channels, kills it with SIGKILL at random moments, restarts it, and checks after every restart:

  - every acknowledged answer comes back identical when its request_id is replayed (so it was
    journaled, and replaying does not act twice);
  - every request whose answer was lost in the kill gets an answer when replayed;
  - for every account: limit = available + posted + held, and posted and held equal what the
    acknowledged captures, refunds, repayments and open holds add up to;
  - a resolved hold cannot be captured or voided again.

`authcore crashtest --cycles 50` runs it on demand; tests/test_crash.py runs a short variant."""

from __future__ import annotations

import dataclasses
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time

import grpc

from authcore.v1 import (
    account_pb2, account_pb2_grpc, admin_pb2, admin_pb2_grpc, authorization_pb2 as authz, authorization_pb2_grpc,
    common_pb2 as c,
)

CHANNELS = (c.CHANNEL_WALLET, c.CHANNEL_SCAN_TO_PAY, c.CHANNEL_QUICK_PAY)
LIMIT_MINOR = 10_000_000
DEADLINE_S = 5.0


@dataclasses.dataclass
class Op:
    """One request the harness sent, and what it knows of its outcome."""

    method: str
    request: object
    account_id: str
    response: object = None          # the acknowledged answer
    error: grpc.StatusCode | None = None  # an acknowledged error (changed nothing)

    @property
    def in_doubt(self) -> bool:
        return self.response is None and self.error is None


@dataclasses.dataclass
class Report:
    cycles: int = 0
    acknowledged: int = 0
    in_doubt_resolved: int = 0
    replays_checked: int = 0
    lost: int = 0
    doubled: int = 0
    invariant_failures: list = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.lost or self.doubled or self.invariant_failures)


class Server:
    """`authcore serve` in a subprocess on a free port."""

    def __init__(self, data_dir: str, durability: str):
        # Frequent snapshots and sweeps, so that kills also land during snapshots.
        os.makedirs(data_dir, exist_ok=True)
        config = os.path.join(data_dir, "crashtest.toml")
        with open(config, "w") as f:
            f.write("[store]\nsnapshot_every_records = 1000\n[engine]\nexpiry_interval_s = 0.2\n")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "authcore", "serve", "--port", "0", "--data-dir", data_dir,
             "--durability", durability, "--config", config],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        line = self.process.stdout.readline()
        match = re.search(r"serving on ([\d.]+:\d+)", line)
        if not match:
            self.process.kill()
            raise RuntimeError(f"the server did not start: {line!r}")
        self.target = match.group(1)
        self.channel = grpc.insecure_channel(self.target)
        grpc.channel_ready_future(self.channel).result(timeout=30)
        self.authz = authorization_pb2_grpc.AuthorizationServiceStub(self.channel)
        self.accounts = account_pb2_grpc.AccountServiceStub(self.channel)
        self.admin = admin_pb2_grpc.AdminServiceStub(self.channel)

    def kill(self) -> None:
        """SIGKILL the server; the channel stays open for callers still in flight to fail on."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def close(self) -> None:
        self.channel.close()

    def method(self, name: str):
        return {"Authorize": self.authz.Authorize, "Capture": self.authz.Capture, "Void": self.authz.Void,
                "Refund": self.authz.Refund, "Repay": self.accounts.Repay}[name]


class Harness:
    def __init__(self, data_dir: str, accounts: int = 6, threads: int = 6, seed: int = 0, durability: str = "normal"):
        self.data_dir = data_dir
        self.durability = durability
        self.account_ids = [f"crash-{i}" for i in range(accounts)]
        self.threads = threads
        self.rng = random.Random(seed)
        self.ops: list[Op] = []
        self.lock = threading.Lock()
        self.counter = 0
        self.report = Report()

    def rid(self) -> str:
        with self.lock:
            self.counter += 1
            return f"crash-{self.counter}"

    # -- load -----------------------------------------------------------------------------

    def _send(self, server: Server, op: Op) -> None:
        with self.lock:
            self.ops.append(op)
        try:
            op.response = server.method(op.method)(op.request, timeout=DEADLINE_S)
        except grpc.RpcError as error:
            if error.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED,
                                grpc.StatusCode.CANCELLED, grpc.StatusCode.UNKNOWN, grpc.StatusCode.INTERNAL):
                return  # no answer: in doubt until replayed
            op.error = error.code()

    def _worker(self, server: Server, stop: threading.Event, seed: int) -> None:
        rng = random.Random(seed)
        mine: list[Op] = []   # approvals this worker may capture or void
        captured: list[Op] = []
        while not stop.is_set():
            roll = rng.random()
            account = rng.choice(self.account_ids)
            approved = [o for o in mine if o.response is not None and o.response.decision == c.DECISION_APPROVED]
            if roll < 0.55 or not approved:
                channel = rng.choice(CHANNELS)
                request = authz.AuthorizeRequest(
                    request_id=self.rid(), account_id=account, channel=channel, amount_minor=rng.randint(100, 20_000),
                    currency="CNY", merchant=authz.Merchant(merchant_id="m-crash", mcc="5411", country="CN"),
                    qr_code_type=c.QR_CODE_TYPE_DYNAMIC if channel == c.CHANNEL_SCAN_TO_PAY else 0,
                    verification=authz.Verification(factors=[1, 2]))
                op = Op("Authorize", request, account)
                mine.append(op)
            elif roll < 0.75:
                target = approved[rng.randrange(len(approved))]
                mine.remove(target)
                amount = rng.randint(1, target.request.amount_minor)
                op = Op("Capture", authz.CaptureRequest(request_id=self.rid(),
                                                        authorization_id=target.response.authorization_id,
                                                        amount_minor=amount, currency="CNY"), target.account_id)
                captured.append(op)
            elif roll < 0.85:
                target = approved[rng.randrange(len(approved))]
                mine.remove(target)
                op = Op("Void", authz.VoidRequest(request_id=self.rid(),
                                                  authorization_id=target.response.authorization_id), target.account_id)
            elif roll < 0.95 and any(o.response is not None for o in captured):
                target = rng.choice([o for o in captured if o.response is not None])
                captured.remove(target)
                op = Op("Refund", authz.RefundRequest(request_id=self.rid(), authorization_id=target.response.authorization_id,
                                                      amount_minor=rng.randint(1, target.response.captured_minor),
                                                      currency="CNY"), target.account_id)
            else:
                op = Op("Repay", account_pb2.RepayRequest(request_id=self.rid(), account_id=account,
                                                          amount_minor=rng.randint(1, 500), currency="CNY"), account)
            self._send(server, op)

    # -- checks ---------------------------------------------------------------------------

    def _replay(self, server: Server, since: int, sample: int = 300) -> None:
        """Replay the requests of the last cycle, every one still in doubt, and a sample of the
        older ones: acknowledged answers must be identical, lost ones must come."""
        older = [op for op in self.ops[:since] if not op.in_doubt]
        chosen = self.ops[since:] + [op for op in self.ops[:since] if op.in_doubt]
        chosen += self.rng.sample(older, min(sample, len(older)))
        for op in chosen:
            if op.error is not None:
                continue  # errors changed nothing and are not stored
            try:
                again = server.method(op.method)(op.request, timeout=DEADLINE_S)
            except grpc.RpcError as error:
                if op.in_doubt and error.code() not in (grpc.StatusCode.UNAVAILABLE,):
                    op.error = error.code()
                    self.report.in_doubt_resolved += 1
                    continue
                self.report.lost += 1
                self.report.invariant_failures.append(f"{op.method} {op.request.request_id}: {error.code()}")
                continue
            if op.in_doubt:
                op.response = again
                self.report.in_doubt_resolved += 1
            elif again != op.response:
                self.report.doubled += 1
                self.report.invariant_failures.append(f"{op.method} {op.request.request_id}: replay differs")
            self.report.replays_checked += 1

    def _balances(self, server: Server) -> None:
        """posted and held of every account equal what the acknowledged answers add up to."""
        expected = {a: {"posted": 0, "held": 0} for a in self.account_ids}
        holds = {}
        for op in self.ops:
            r = op.response
            if r is None:
                continue
            if op.method == "Authorize" and r.decision == c.DECISION_APPROVED:
                holds[r.authorization_id] = (op.account_id, op.request.amount_minor)
        for op in self.ops:
            r = op.response
            if r is None:
                continue
            e = expected[op.account_id]
            if op.method == "Capture":
                e["posted"] += r.captured_minor
                holds.pop(r.authorization_id, None)
            elif op.method == "Void":
                holds.pop(r.authorization_id, None)
            elif op.method == "Refund":
                e["posted"] -= r.refunded_minor
            elif op.method == "Repay":
                e["posted"] -= r.repaid_minor
        for account_id, amount in holds.values():
            expected[account_id]["held"] += amount
        for account_id in self.account_ids:
            view = server.accounts.GetAccount(account_pb2.GetAccountRequest(account_id=account_id)).account
            if view.credit_limit_minor != view.available_credit_minor + view.posted_balance_minor + view.held_minor:
                self.report.invariant_failures.append(f"{account_id}: limit != available + posted + held")
            want = expected[account_id]
            if (view.posted_balance_minor, view.held_minor) != (want["posted"], want["held"]):
                self.report.invariant_failures.append(
                    f"{account_id}: posted/held {view.posted_balance_minor}/{view.held_minor}, "
                    f"acknowledged answers add up to {want['posted']}/{want['held']}")

    def _resolved_once(self, server: Server) -> None:
        """A captured or voided hold refuses a second resolution."""
        for op in self.ops:
            if op.method not in ("Capture", "Void") or op.response is None:
                continue
            try:
                server.authz.Void(authz.VoidRequest(request_id=self.rid(), authorization_id=op.response.authorization_id),
                                  timeout=DEADLINE_S)
                self.report.doubled += 1
                self.report.invariant_failures.append(f"hold {op.response.authorization_id} resolved twice")
            except grpc.RpcError as error:
                if error.code() != grpc.StatusCode.FAILED_PRECONDITION:
                    self.report.invariant_failures.append(f"second resolution: {error.code()}")

    # -- cycles ---------------------------------------------------------------------------

    def run(self, cycles: int, min_run_s: float = 0.3, max_run_s: float = 1.5, log=None) -> Report:
        server = Server(self.data_dir, self.durability)
        for account_id in self.account_ids:
            server.admin.UpsertAccount(admin_pb2.UpsertAccountRequest(
                request_id=f"open-{account_id}", account_id=account_id, credit_limit_minor=LIMIT_MINOR,
                tier=c.TIER_PREMIUM, limit_overrides=c.LimitProfile(daily_count=10**6, monthly_count=10**6)))
        # The default policy's velocity caps would decline most of this load: lift them.
        policy = server.admin.GetPolicy(admin_pb2.GetPolicyRequest()).policy
        policy.version = "crashtest"
        policy.risk.max_payments_per_minute = policy.risk.max_payments_per_hour = 0
        policy.risk.challenge_score = policy.risk.decline_score = 0
        server.admin.SetPolicy(admin_pb2.SetPolicyRequest(request_id="crash-policy", policy=policy))
        for cycle in range(cycles):
            since = len(self.ops)
            stop = threading.Event()
            workers = [threading.Thread(target=self._worker, args=(server, stop, self.rng.random()), daemon=True)
                       for _ in range(self.threads)]
            for w in workers:
                w.start()
            time.sleep(self.rng.uniform(min_run_s, max_run_s))
            server.kill()      # SIGKILL, mid-load
            stop.set()
            for w in workers:
                w.join(timeout=30)
            server.close()
            server = Server(self.data_dir, self.durability)
            self._replay(server, since)
            self._balances(server)
            self.report.cycles += 1
            self.report.acknowledged = sum(1 for o in self.ops if not o.in_doubt)
            if log:
                log(f"cycle {cycle + 1}/{cycles}: {len(self.ops)} requests, {self.report.acknowledged} answered, "
                    f"{self.report.in_doubt_resolved} lost in kills and answered on replay, "
                    f"{len(self.report.invariant_failures)} failures")
            if self.report.invariant_failures:
                break
        self._resolved_once(server)
        server.kill()
        server.close()
        return self.report


def main(argv: list[str] | None = None) -> int:
    import argparse

    from authcore.tools.helpformat import DefaultsHelpFormatter

    parser = argparse.ArgumentParser(prog="authcore crashtest", description=__doc__,
                                     formatter_class=DefaultsHelpFormatter)
    parser.add_argument("--cycles", type=int, default=50, help="kill -9 and restart cycles to run")
    parser.add_argument("--threads", type=int, default=6, help="client threads sending payments during each cycle")
    parser.add_argument("--durability", choices=["normal", "fsync"], default="normal",
                        help="the server's journal durability mode")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the random payments and kill moments (the same seed, the same run)")
    ns = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="authcore-crash-") as data_dir:
        harness = Harness(data_dir, threads=ns.threads, seed=ns.seed, durability=ns.durability)
        started = time.monotonic()
        report = harness.run(ns.cycles, log=print)
    print(f"{report.cycles} kill -9 cycles in {time.monotonic() - started:.0f} s: {report.acknowledged} answered "
          f"requests, {report.replays_checked} replays checked, {report.in_doubt_resolved} answers lost in a kill "
          f"and recovered by replay; lost {report.lost}, doubled {report.doubled}, "
          f"invariant failures {len(report.invariant_failures)}")
    for failure in report.invariant_failures[:20]:
        print("  " + failure)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
