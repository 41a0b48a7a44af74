"""authcore bench: drive a server with simulated traffic from the three channels, and measure
its transport floor — a no-op method with messages of the same size on the same server stack —
in the same run, so that every figure is also a ratio to the floor.

  closed loop: each caller sends its next request when the last one is answered;
  open loop:   requests leave at a constant rate and latency is measured from the time each was
               meant to leave, so a stall shows in the figures instead of slowing the sender
               (no coordinated omission).

Latencies are kept exactly (bounded by rate x duration) and summarised as p50 / p90 / p99 /
p99.9 / max; errors are counted by status code. --json writes everything, --plot a PNG of the
latency distributions (needs matplotlib)."""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import dataclasses
import json
import multiprocessing
import os
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable

import grpc
import numpy as np

from authcore.decision import columns
from authcore.tools.demo import Unreachable, describe_failure, wait_ready
from authcore.api.server import MAX_ECHO_BYTES, SERVER_TIME_KEY
from authcore.tools.simulator import Simulator
from authcore.v1 import (
    admin_pb2, admin_pb2_grpc, authorization_pb2 as authz, authorization_pb2_grpc, common_pb2 as c, diagnostics_pb2,
    diagnostics_pb2_grpc,
)

# The floor of a bulk chunk answers with about as many bytes as the chunk's answer.
BULK_ANSWER_BYTES = 45
MAX_SAMPLES = 5_000_000
MAX_IN_FLIGHT = 20_000
PERCENTILES = (50, 90, 99, 99.9)
# Accounts per ImportAccounts chunk when the bench opens its accounts.
OPEN_CHUNK = 2_000
OPEN_IN_FLIGHT = 64
# The bench's accounts are named <prefix>-000000, <prefix>-000001, ...
ACCOUNT_PREFIX = "bench"


@dataclasses.dataclass
class Plan:
    target: str
    method: str            # "authorize" or "floor"
    mode: str              # "closed" or "open"
    duration_s: float
    concurrency: int       # closed loop: callers per process
    rate: float            # open loop: requests per second per process
    accounts: int
    seed: int
    process: int
    bulk: int = 0          # payments per AuthorizeBulk chunk (0: unary Authorize)
    # A tag of this run in its request ids: a --target's store remembers the ids of earlier runs,
    # which would be answered as replays (or refused, for other content) instead of decided.
    run: str = ""


def requests_for(accounts: int, seed: int) -> list[bytes]:
    """Serialized AuthorizeRequests of normal simulated payments over bench accounts."""
    sim = Simulator(seed=seed, customers=max(accounts, 1), days=2, warmup_days=1, fraud_events={}, prefix=ACCOUNT_PREFIX)
    out = []
    for payment in sim.payments[:50_000]:
        out.append(payment.request("x").SerializeToString())
    return out


def _bulk_chunks(templates: list, size: int) -> list[bytes]:
    """Serialized AuthorizeBulkRequests of `size` payments each, without their request_id (the
    sender adds one: see _with_request_id)."""
    count = max(1, min(16, len(templates) // size))
    return [columns.bulk_request("", (templates[(k * size + j) % len(templates)] for j in range(size)))
            .SerializeToString() for k in range(count)]


def _with_request_id(request_id: str, chunk: bytes) -> bytes:
    """A serialized chunk with its request_id: serialized messages concatenate into their merge."""
    return authz.AuthorizeBulkRequest(request_id=request_id).SerializeToString() + chunk


def _send_loop(plan: Plan) -> dict:
    """One client process: build its simulated payments, run the plan, and return its samples
    and counts, and how long the payments took to build."""
    prepare_started = time.perf_counter()
    channel = grpc.insecure_channel(plan.target, options=[("grpc.max_receive_message_length", 16 << 20),
                                                          ("grpc.max_send_message_length", 16 << 20)])
    authorize = authorization_pb2_grpc.AuthorizationServiceStub(channel).Authorize
    echo = diagnostics_pb2_grpc.DiagnosticsServiceStub(channel).Echo
    # Bulk chunks go as bytes both ways: the client's own protobuf work is not the server's figure.
    bulk = channel.unary_unary("/authcore.v1.AuthorizationService/AuthorizeBulk", request_serializer=None,
                               response_deserializer=None)
    templates = [authz.AuthorizeRequest.FromString(b) for b in requests_for(plan.accounts, plan.seed)]
    chunks = _bulk_chunks(templates, plan.bulk) if plan.bulk else []
    if plan.bulk:
        size, response_size = len(chunks[0]), min(plan.bulk * BULK_ANSWER_BYTES, MAX_ECHO_BYTES)
    else:
        size, response_size = int(np.median([t.ByteSize() for t in templates])), 400
    floor_request = diagnostics_pb2.EchoRequest(payload=bytes(size), response_bytes=response_size)
    counter = iter(range(10**12))
    lock = threading.Lock()

    def make():
        i = next(counter)
        if plan.method == "floor":
            return echo, floor_request
        if plan.bulk:
            return bulk, _with_request_id(f"bench-{plan.run}{plan.seed}-{plan.process}-{i}", chunks[i % len(chunks)])
        request = authz.AuthorizeRequest()
        request.CopyFrom(templates[i % len(templates)])
        request.request_id = f"bench-{plan.run}{plan.seed}-{plan.process}-{i}"
        return authorize, request

    latencies = np.empty(MAX_SAMPLES, dtype=np.float64)
    server_us = np.empty(MAX_SAMPLES, dtype=np.float64)
    count = [0]
    errors: collections.Counter = collections.Counter()

    def record(latency_s: float, code: str | None, trailing=None) -> None:
        with lock:
            if code is not None:
                errors[code] += 1
            elif count[0] < MAX_SAMPLES:
                latencies[count[0]] = latency_s
                server_us[count[0]] = next((float(v) for k, v in trailing or () if k == SERVER_TIME_KEY), np.nan)
                count[0] += 1

    started = time.perf_counter()
    prepare_s = started - prepare_started
    deadline = started + plan.duration_s
    if plan.mode == "closed":
        def caller():
            while time.perf_counter() < deadline:
                method, request = make()
                t0 = time.perf_counter()
                try:
                    _, call = method.with_call(request, timeout=10)
                    record(time.perf_counter() - t0, None, call.trailing_metadata())
                except grpc.RpcError as error:
                    record(0.0, error.code().name)

        threads = [threading.Thread(target=caller) for _ in range(plan.concurrency)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    else:
        interval = 1.0 / plan.rate
        in_flight = threading.Semaphore(MAX_IN_FLIGHT)
        pending = []
        i = 0
        while True:
            intended = started + i * interval
            if intended >= deadline:
                break
            now = time.perf_counter()
            if intended > now:
                time.sleep(intended - now)
            if not in_flight.acquire(blocking=False):
                record(0.0, "CLIENT_OVERLOADED")
                i += 1
                continue
            method, request = make()
            future = method.future(request, timeout=10)

            def done(f, intended=intended):
                in_flight.release()
                try:
                    f.result()
                    record(time.perf_counter() - intended, None, f.trailing_metadata())
                except grpc.RpcError as error:
                    record(0.0, error.code().name)

            future.add_done_callback(done)
            pending.append(future)
            i += 1
        for future in pending:
            try:
                future.result(timeout=30)
            except (grpc.RpcError, concurrent.futures.TimeoutError):
                pass
    elapsed = time.perf_counter() - started
    channel.close()
    return {"latencies": latencies[: count[0]].copy(), "server_us": server_us[: count[0]].copy(),
            "errors": dict(errors), "elapsed_s": elapsed, "prepare_s": prepare_s}


class ProgressBar:
    """A bar on stderr, redrawn twice a second while a measurement (or other work) runs: filled
    with the time over duration_s, or with progress() (the fraction done) when given."""

    def __init__(self, label: str, duration_s: float = 1.0, progress: Callable[[], float] | None = None):
        self.label, self.duration_s, self.progress = label, duration_s, progress
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._tick, daemon=True)

    def _draw(self) -> None:
        elapsed = (time.monotonic() - self._started) / self.duration_s
        done = min(1.0, max(0.0, self.progress() if self.progress is not None else elapsed))
        print(f"\r{self.label:<10} [{'#' * int(done * 30):<30}] {done:4.0%}", end="", file=sys.stderr, flush=True)

    def _tick(self) -> None:
        while not self._stop.wait(0.5):
            self._draw()

    def __enter__(self) -> "ProgressBar":
        self._started = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._draw()
        print(file=sys.stderr)


def run(plan: Plan, processes: int) -> dict:
    """Run a plan on `processes` client processes; merge their samples."""
    plans = [dataclasses.replace(plan, process=p) for p in range(processes)]
    if processes == 1:
        parts = [_send_loop(plans[0])]
    else:
        with multiprocessing.get_context("spawn").Pool(processes) as pool:
            parts = pool.map(_send_loop, plans)
    latencies = np.concatenate([p["latencies"] for p in parts]) if parts else np.empty(0)
    server = np.concatenate([p["server_us"] for p in parts]) if parts else np.empty(0)
    errors: collections.Counter = collections.Counter()
    for p in parts:
        errors.update(p["errors"])
    elapsed = max(p["elapsed_s"] for p in parts)
    out = summarise(latencies, dict(errors), elapsed)
    out["prepare_s"] = round(max(p["prepare_s"] for p in parts), 3)
    if plan.bulk and plan.method != "floor":
        out["decisions_per_s"] = round(out["throughput_per_s"] * plan.bulk, 1)
    server = server[~np.isnan(server)]
    for p in PERCENTILES:
        out[f"server_p{p}_us"] = round(float(np.percentile(server, p)), 1) if len(server) else None
    return out


def summarise(latencies_s: np.ndarray, errors: dict, elapsed_s: float) -> dict:
    us = latencies_s * 1e6
    out = {"ok": int(len(us)), "errors": errors, "elapsed_s": round(elapsed_s, 3),
           "throughput_per_s": round(len(us) / elapsed_s, 1) if elapsed_s else 0.0}
    for p in PERCENTILES:
        out[f"p{p}_us"] = round(float(np.percentile(us, p)), 1) if len(us) else None
    out["max_us"] = round(float(us.max()), 1) if len(us) else None
    out["_samples_us"] = us
    return out


def start_server(data_dir: str, processes: int = 1) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen([sys.executable, "-m", "authcore", "serve", "--port", "0", "--data-dir", data_dir,
                                "--processes", str(processes)],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    line = process.stdout.readline()
    match = re.search(r"serving on ([\d.]+:\d+)", line)
    if not match:
        process.kill()
        raise SystemExit(f"the server did not start: {line!r}")
    return process, match.group(1)


def account_ids(accounts: int) -> str:
    """The ids of the bench's accounts, as a range."""
    return f"{ACCOUNT_PREFIX}-000000 .. {ACCOUNT_PREFIX}-{max(accounts, 1) - 1:06d}"


def open_accounts(target: str, accounts: int, seed: int, in_flight: int = OPEN_IN_FLIGHT) -> None:
    """The simulator's customers, created on the target in bulk (ImportAccounts, chunks of
    OPEN_CHUNK; idempotent: each chunk's request id names its accounts), or with in_flight
    UpsertAccount calls at a time on a server without ImportAccounts."""
    sim = Simulator(seed=seed, customers=max(accounts, 1), days=2, warmup_days=1, fraud_events={}, prefix=ACCOUNT_PREFIX)
    ids = [cust.account_id for cust in sim.customers]
    chunks = [admin_pb2.ImportAccountsRequest(
        request_id=f"{ACCOUNT_PREFIX}-open-{start}-{len(ids[start:start + OPEN_CHUNK])}",
        account_ids=ids[start:start + OPEN_CHUNK], credit_limits_minor=[10**10] * len(ids[start:start + OPEN_CHUNK]),
        tiers=[c.TIER_PREMIUM] * len(ids[start:start + OPEN_CHUNK])) for start in range(0, len(ids), OPEN_CHUNK)]
    with grpc.insecure_channel(target) as channel:
        admin = admin_pb2_grpc.AdminServiceStub(channel)
        try:
            answer = admin.ImportAccounts(iter(chunks), timeout=120)
        except grpc.RpcError as error:
            if error.code() != grpc.StatusCode.UNIMPLEMENTED:
                raise
            # A server without ImportAccounts (an older one): one UpsertAccount an account.
            for start in range(0, len(ids), in_flight):
                for call in [admin.UpsertAccount.future(admin_pb2.UpsertAccountRequest(
                        request_id=f"{account_id}-open", account_id=account_id, credit_limit_minor=10**10,
                        tier=c.TIER_PREMIUM), timeout=10) for account_id in ids[start:start + in_flight]]:
                    call.result()
            return
    for chunk in answer.chunks:
        if chunk.HasField("error"):
            raise RuntimeError(f"opening the bench's accounts failed: {chunk.error.message}")


def table(results: dict[str, dict]) -> str:
    floor = results.get("floor")
    lines = [f"{'':<10} {'ok':>9} {'per s':>9} " + " ".join(f"{'p' + str(p):>9}" for p in PERCENTILES)
             + f" {'max':>9}  errors"]
    for name, r in results.items():
        cells = [f"{name:<10}", f"{r['ok']:>9}", f"{r['throughput_per_s']:>9.0f}"]
        for key in [f"p{p}_us" for p in PERCENTILES] + ["max_us"]:
            cells.append(f"{(r[key] or 0):>7.0f}us")
        lines.append(" ".join(cells) + f"  {r['errors'] or '-'}")
        if floor is not None and name != "floor":
            ratios = [f"{(r[f'p{p}_us'] or 0) / (floor[f'p{p}_us'] or 1):>8.2f}x" for p in PERCENTILES]
            tput = r["throughput_per_s"] / (floor["throughput_per_s"] or 1)
            lines.append(f"{'/ floor':<10} {'':>9} {tput:>8.2f}x " + " ".join(ratios)
                         + f" {(r['max_us'] or 0) / (floor['max_us'] or 1):>8.2f}x")
    for name, r in results.items():
        if r.get("decisions_per_s") is not None:
            lines.append(f"{name}: {r['decisions_per_s']:,.0f} decisions/s")
        if r.get("server_p50_us") is not None:
            lines.append(f"{name + ' in server':<20} " + " ".join(
                f"p{p} {r[f'server_p{p}_us']:.0f}us" for p in PERCENTILES)
                + "  (handler: parsed request to response ready)")
    return "\n".join(lines)


def plot_available() -> bool:
    """Whether matplotlib (which --plot needs) is installed."""
    import importlib.util

    return importlib.util.find_spec("matplotlib") is not None


def settings_line(ns: argparse.Namespace) -> str:
    """The run's settings, as printed above the figures and in the plot's title."""
    load = f"{ns.concurrency} callers each" if ns.mode == "closed" else f"{ns.rate:g} requests/s"
    kind = f"AuthorizeBulk chunks of {ns.bulk}" if ns.bulk else "Authorize"
    return (f"{kind}, {ns.mode} loop, {ns.processes} client process(es), {load}, {ns.duration:g} s per method, "
            f"{ns.accounts} accounts, seed {ns.seed}")


def plot_figure(results: dict[str, dict], settings: str = ""):
    """Each method's latency distribution: latency against percentile (50 to 99.9 and beyond on a
    log-odds scale), the run's settings in the title and each line's samples in the legend.
    Needs matplotlib."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 5))
    for name, r in results.items():
        us = np.sort(r["_samples_us"])
        if len(us):
            tail = 1 - np.arange(1, len(us) + 1) / (len(us) + 1)  # the share of samples above each one
            ax.plot(us, 1 / tail, label=f"{name}: {len(us):,} samples, p50 {r['p50_us']:.0f} µs, "
                                        f"p99 {r['p99_us']:.0f} µs")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("latency (µs)")
    ax.set_ylabel("percentile")
    ax.set_yticks([2, 10, 100, 1000])
    ax.set_yticklabels(["50", "90", "99", "99.9"])
    ax.minorticks_off()
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="upper left", fontsize="small")
    ax.set_title("authcore bench: " + ("AuthorizeBulk" if "bulk" in results else "Authorize")
                 + " beside the transport floor\n" + settings, fontsize="small")
    fig.tight_layout()
    return fig


def plot(results: dict[str, dict], path: str, settings: str = "") -> str:
    """plot_figure written to path as a PNG."""
    import matplotlib.pyplot as plt

    fig = plot_figure(results, settings)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return f"plot written to {path}"


def main(argv: list[str] | None = None) -> int:
    from authcore.tools.helpformat import DefaultsHelpFormatter

    parser = argparse.ArgumentParser(prog="authcore bench", description=__doc__, formatter_class=DefaultsHelpFormatter)
    parser.add_argument("--target", help="host:port of a running server (default: start one on a temporary store)")
    parser.add_argument("--mode", choices=["closed", "open"], default="closed",
                        help="closed: each caller waits for its answer; open: requests leave at --rate")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measurement (at most 600)")
    parser.add_argument("--concurrency", type=int, default=8, help="closed loop: callers per client process")
    parser.add_argument("--rate", type=float, default=1000.0, help="open loop: requests per second in all")
    parser.add_argument("--processes", type=int, default=1, help="client processes")
    parser.add_argument("--server-processes", type=int, default=1,
                        help="without --target: serve with this many processes (multi-process mode)")
    parser.add_argument("--accounts", type=int, default=2000,
                        help=f"accounts the payments are spread over, opened on the target as {ACCOUNT_PREFIX}-000000, "
                             f"{ACCOUNT_PREFIX}-000001, ... (they stay in its store)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the simulated payments (the same seed, the same "
                                                            "payments)")
    parser.add_argument("--bulk", type=int, default=0,
                        help="send AuthorizeBulk chunks of this many payments instead of unary Authorize calls")
    parser.add_argument("--json", help="write the figures here")
    parser.add_argument("--plot", help="write a PNG of the latency distributions here (needs matplotlib)")
    ns = parser.parse_args(argv)
    if not (0 < ns.duration <= 600 and 1 <= ns.processes <= 64 and 1 <= ns.concurrency <= 1024 and ns.rate > 0
            and 0 <= ns.bulk <= columns.MAX_BULK and ns.accounts >= 1):
        parser.error(f"duration 0-600 s, 1-64 processes, 1-1024 callers, a positive rate, bulk 0-{columns.MAX_BULK}, "
                     "at least 1 account")
    if ns.plot and not plot_available():
        print("authcore bench: --plot needs matplotlib, which is not installed: pip install matplotlib "
              "(or leave out --plot)", file=sys.stderr)
        return 2
    measured = "bulk" if ns.bulk else "authorize"
    if ns.target is not None:
        try:
            with grpc.insecure_channel(ns.target) as channel:
                wait_ready(channel, ns.target, "`make serve` starts one; without --target bench starts its own")
        except Unreachable as exc:
            print(f"authcore bench: {exc}", file=sys.stderr)
            return 1
    print(f"authcore bench runs, in order: {'' if ns.target else 'start a server on a temporary store, '}"
          f"open {ns.accounts} accounts, then for the transport floor (Echo) and for {measured}: build the simulated "
          f"payments (a few seconds) and measure for {ns.duration:g} s", file=sys.stderr)
    phases: dict[str, float] = {}
    wall_started = time.monotonic()
    server = None
    try:
        with tempfile.TemporaryDirectory(prefix="authcore-bench-") as data_dir:
            target = ns.target
            t0 = time.monotonic()
            if target is None:
                server, target = start_server(data_dir, ns.server_processes)
                phases["server start"] = time.monotonic() - t0
            try:
                where = "the temporary store" if ns.target is None else f"the store of {target}; they stay there"
                print(f"opening {ns.accounts} accounts {account_ids(ns.accounts)} on {where} ...", file=sys.stderr)
                t0 = time.monotonic()
                open_accounts(target, ns.accounts, ns.seed)
                phases["opening accounts"] = time.monotonic() - t0
                results = {}
                run_tag = f"{secrets.token_hex(4)}-"
                for method in ("floor", measured):
                    plan = Plan(target, method, ns.mode, ns.duration, ns.concurrency, ns.rate / ns.processes,
                                ns.accounts, ns.seed, 0, ns.bulk, run_tag)
                    with ProgressBar(method, ns.duration):
                        results[method] = run(plan, ns.processes)
                    phases[f"{method}: building payments"] = results[method]["prepare_s"]
                    phases[f"{method}: measuring"] = results[method]["elapsed_s"]
            finally:
                if server is not None:
                    server.terminate()
                    server.wait(timeout=30)
    except grpc.RpcError as error:
        print(f"authcore bench: a call to {ns.target or 'the temporary server'} failed: {describe_failure(error)}",
              file=sys.stderr)
        return 1
    wall_s = time.monotonic() - wall_started
    print(settings_line(ns))
    print(table(results))
    print(f"wall time {wall_s:.1f} s: " + ", ".join(f"{name} {secs:.1f} s" for name, secs in phases.items())
          + f", the rest {max(0.0, wall_s - sum(phases.values())):.1f} s (processes starting and stopping)")
    if ns.json:
        clean = {k: {kk: vv for kk, vv in v.items() if not kk.startswith("_")} for k, v in results.items()}
        with open(ns.json, "w") as f:
            json.dump({"settings": vars(ns), "results": clean, "phases_s": phases}, f, indent=2)
    if ns.plot:
        print(plot(results, ns.plot, settings_line(ns)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
