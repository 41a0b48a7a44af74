"""Serving stacks for unary Authorize, measured side by side on loopback in one run:

  sync       the server `authcore serve` builds (grpcio's sync server: a thread pool, the
             metrics interceptor and the admission gate), started as `python -m authcore serve`;
  aio        a grpc.aio server: one asyncio event loop, the engine called inline in the loop (no
             executor), serving only Authorize, Echo and UpsertAccount (to open the accounts),
             with the real server's request decoders and error mapping;
  sync-bare  the sync server without interceptors (authcore.api.server.create_server alone), to
             tell the thread pool's cost from the interceptors'.
  sync:N     the sync server with [server] workers = N (16 by default).

    python scripts/serving_stacks.py [--seconds 10] [--callers 32] [--json stacks.json]

Each stack serves from its own process on port 0 with a fresh data dir and the same engine
(authcore.tools.cli.build_engine, default policy and model), with --accounts accounts opened
before measuring. Client processes (not the server's) then measure Echo of the request's and the
answer's sizes (the transport floor) and Authorize: serially (--serial-calls after --warmup) and
closed-loop (--callers over --client-processes processes, for --seconds). The stacks alternate
for --rounds rounds (the machine is shared and noisy); the table shows the median of the rounds,
Authorize/Echo per stack, and each stack against sync. "server CPU/call" is the server process's
CPU time (user + system) over the closed-loop calls it answered.

--profile PATH runs the aio server under cProfile and writes its statistics there (the figures
are then not comparable: use it for where the time goes, not for how much)."""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import json
import logging
import multiprocessing
import os
import pathlib
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import grpc
import numpy as np
from grpc_status import rpc_status

from authcore.api.decoding import decoded, decoder
from authcore.api.server import MAX_MESSAGE_BYTES, SERVER_TIME_KEY
from authcore.decision import validation
from authcore.errors import AuthcoreError
from authcore.observability import events
from authcore.v1 import admin_pb2, authorization_pb2 as authz, common_pb2 as c, diagnostics_pb2

STACKS = ("sync", "aio", "sync-bare")
METHODS = ("Echo", "Authorize")
AUTHORIZE = "/authcore.v1.AuthorizationService/Authorize"
ECHO = "/authcore.v1.DiagnosticsService/Echo"
# Distinct simulated payments cycled through by the callers (each call gets its own request_id).
MAX_TEMPLATES = 4096
START_TIMEOUT_S = 60
CALL_TIMEOUT_S = 10
log = logging.getLogger("authcore.serving_stacks")


# ---------------------------------------------------------------------------------------------
# The servers: `--serve aio|sync-bare --data-dir D` (sync is `python -m authcore serve`).

def _engine(data_dir: str):
    """The engine `authcore serve` builds over data_dir, with the default configuration."""
    from authcore.api import config as config_mod
    from authcore.tools.cli import build_engine

    return build_engine(config_mod.Config(port=0, data_dir=data_dir))


def _aio_handler(name: str, call, request_class, response_class, timed: bool = True) -> grpc.RpcMethodHandler:
    """A unary aio handler over call(request, context) -> response or (response, replayed), run
    inline in the event loop. As authcore.api.server.rpc: a request that did not decode is refused,
    an AuthcoreError ends the call with its status and google.rpc details, anything else with
    INTERNAL, and (timed) the handler's time goes in the trailing metadata."""

    async def behaviour(request, context):
        started = time.perf_counter_ns()
        try:
            result = call(decoded(request), context)
        except AuthcoreError as error:
            events.refused(name, error, request)
            await context.abort_with_status(rpc_status.to_status(error.to_status()))
        except Exception:  # noqa: BLE001
            log.exception("unexpected error in %s", name)
            await context.abort(grpc.StatusCode.INTERNAL, "internal error; nothing was changed if the request is "
                                                          "retried")
        response = result[0] if isinstance(result, tuple) else result
        if timed:
            context.set_trailing_metadata(((SERVER_TIME_KEY, str((time.perf_counter_ns() - started) // 1000)),))
        return response

    return grpc.unary_unary_rpc_method_handler(behaviour, request_deserializer=decoder(request_class.FromString),
                                               response_serializer=response_class.SerializeToString)


def _echo(request, context):
    """As authcore.api.server.DiagnosticsServicer.Echo."""
    validation.validate_echo(request)
    return diagnostics_pb2.EchoResponse(payload=bytes(request.response_bytes))


def aio_handlers(engine) -> dict[str, dict[str, grpc.RpcMethodHandler]]:
    """The aio server's methods, by service."""
    from authcore.api import identity

    def authorize(request, context):
        identity.caller_channel_check(request.channel)
        return engine.authorize(request, context.time_remaining())

    return {
        "authcore.v1.AuthorizationService": {
            "Authorize": _aio_handler("Authorize", authorize, authz.AuthorizeRequest, authz.AuthorizeResponse)},
        "authcore.v1.AdminService": {
            "UpsertAccount": _aio_handler("UpsertAccount", lambda r, _: engine.upsert_account(r),
                                          admin_pb2.UpsertAccountRequest, admin_pb2.UpsertAccountResponse)},
        "authcore.v1.DiagnosticsService": {
            # Like the real Echo, untimed: the floor sets no trailing metadata.
            "Echo": _aio_handler("Echo", _echo, diagnostics_pb2.EchoRequest, diagnostics_pb2.EchoResponse, False)},
    }


async def _serve_aio(data_dir: str) -> None:
    engine = _engine(data_dir)
    server = grpc.aio.server(options=[("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
                                      ("grpc.max_send_message_length", MAX_MESSAGE_BYTES), ("grpc.so_reuseport", 0)])
    for service, handlers in aio_handlers(engine).items():
        # As the generated add_*Servicer_to_server do.
        server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(service, handlers),))
        server.add_registered_method_handlers(service, handlers)
    port = server.add_insecure_port("127.0.0.1:0")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await server.start()
    print(f"serving on 127.0.0.1:{port}", flush=True)
    await stop.wait()
    await server.stop(5)
    engine.close()


def _serve_sync_bare(data_dir: str) -> None:
    from authcore.api.server import create_server

    service = create_server(_engine(data_dir), "127.0.0.1:0").start()
    stopped = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopped.set())
    print(f"serving on 127.0.0.1:{service.port}", flush=True)
    while not stopped.wait(0.1):
        pass
    service.stop()


def serve(stack: str, data_dir: str, profile: str | None) -> int:
    if stack == "sync-bare":
        _serve_sync_bare(data_dir)
        return 0
    if not profile:
        asyncio.run(_serve_aio(data_dir))
        return 0
    import cProfile

    profiler = cProfile.Profile()
    profiler.enable()
    try:
        asyncio.run(_serve_aio(data_dir))
    finally:
        profiler.disable()
        profiler.dump_stats(profile)
    return 0


# ---------------------------------------------------------------------------------------------
# The clients: run in client processes (spawned once for the whole run).

_TEMPLATES: list[bytes] = []


def _client_init(templates: list[bytes]) -> None:
    _TEMPLATES[:] = templates


def _channel(target: str) -> grpc.Channel:
    return grpc.insecure_channel(target, options=[("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
                                                  ("grpc.max_send_message_length", MAX_MESSAGE_BYTES)])


def _authorize_bytes(tag: str, i: int) -> bytes:
    """A serialized AuthorizeRequest: template i with a request_id of its own (serialized messages
    concatenate into their merge; the templates have no request_id)."""
    return authz.AuthorizeRequest(request_id=f"{tag}-{i}").SerializeToString() + _TEMPLATES[i % len(_TEMPLATES)]


def _server_us(call) -> float:
    return next((float(v) for k, v in call.trailing_metadata() or () if k == SERVER_TIME_KEY), float("nan"))


def serial_client(target: str, tag: str, warmup: int, calls: int) -> dict:
    """Authorize warmed up (its answers' median size sets Echo's answer size), then Echo and
    Authorize one call at a time: each call's latency and the handler's time the server reported."""
    with _channel(target) as channel:
        authorize = channel.unary_unary(AUTHORIZE, _registered_method=True)
        echo = channel.unary_unary(ECHO, _registered_method=True)
        sizes, decisions = [], {}
        for i in range(warmup):
            answer = authorize(_authorize_bytes(f"{tag}-warm", i), timeout=CALL_TIMEOUT_S)
            sizes.append(len(answer))
            name = authz.AuthorizeResponse.FromString(answer).decision
            decisions[name] = decisions.get(name, 0) + 1
        request_bytes = int(np.median([len(t) for t in _TEMPLATES])) + len(f"{tag}-000000") + 2
        answer_bytes = int(np.median(sizes)) if sizes else 400
        echo_request = diagnostics_pb2.EchoRequest(payload=bytes(request_bytes), response_bytes=answer_bytes)
        echo_bytes = echo_request.SerializeToString()
        for _ in range(warmup):
            echo(echo_bytes, timeout=CALL_TIMEOUT_S)
        out = {"echo_request": echo_bytes, "answer_bytes": answer_bytes, "decisions": decisions}
        for method, make in (("Echo", lambda i: echo_bytes), ("Authorize", lambda i: _authorize_bytes(tag, i))):
            stub = echo if method == "Echo" else authorize
            latencies, server = np.empty(calls), np.empty(calls)
            for i in range(calls):
                request = make(i)
                t0 = time.perf_counter()
                _, call = stub.with_call(request, timeout=CALL_TIMEOUT_S)
                latencies[i] = time.perf_counter() - t0
                server[i] = _server_us(call)
            out[method] = {"latencies_us": latencies * 1e6, "server_us": server}
        return out


def closed_client(target: str, method: str, tag: str, callers: int, start_at: float, seconds: float,
                  echo_request: bytes) -> dict:
    """callers threads on one channel, each sending its next call when the last is answered, from
    start_at (time.time()) for seconds: the latencies of the calls answered, and the errors."""
    with _channel(target) as channel:
        stub = channel.unary_unary(AUTHORIZE if method == "Authorize" else ECHO, _registered_method=True)
        grpc.channel_ready_future(channel).result(timeout=START_TIMEOUT_S)
        latencies: list[float] = []
        errors: dict[str, int] = {}
        lock = threading.Lock()
        counter = iter(range(10**12))

        def caller() -> None:
            mine, failed = [], {}
            deadline = time.perf_counter() + (start_at - time.time()) + seconds
            time.sleep(max(0.0, start_at - time.time()))
            while time.perf_counter() < deadline:
                request = echo_request if method == "Echo" else _authorize_bytes(tag, next(counter))
                t0 = time.perf_counter()
                try:
                    stub(request, timeout=CALL_TIMEOUT_S)
                    mine.append(time.perf_counter() - t0)
                except grpc.RpcError as error:
                    failed[error.code().name] = failed.get(error.code().name, 0) + 1
            with lock:
                latencies.extend(mine)
                for code, n in failed.items():
                    errors[code] = errors.get(code, 0) + n

        threads = [threading.Thread(target=caller) for _ in range(callers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return {"latencies_us": np.array(latencies) * 1e6, "errors": errors,
                "elapsed_s": time.time() - start_at}


# ---------------------------------------------------------------------------------------------
# The run.

def templates_for(accounts: int, seed: int) -> list[bytes]:
    """Serialized AuthorizeRequests of the bench's simulated payments, without their request_id."""
    from authcore.tools.bench import requests_for

    out = []
    for data in requests_for(accounts, seed)[:MAX_TEMPLATES]:
        request = authz.AuthorizeRequest.FromString(data)
        request.ClearField("request_id")
        out.append(request.SerializeToString())
    return out


class Server:
    """One stack's server process on a fresh data dir; its stderr kept in a file for errors."""

    def __init__(self, stack: str, profile: str | None = None):
        self.stack = stack
        self._dir = tempfile.TemporaryDirectory(prefix=f"authcore-stack-{stack}-")
        data_dir = os.path.join(self._dir.name, "data")
        if stack == "sync" or stack.startswith("sync:"):
            argv = [sys.executable, "-m", "authcore", "serve", "--port", "0", "--data-dir", data_dir]
            if stack != "sync":
                # sync:N, the same server with [server] workers = N threads.
                config = os.path.join(self._dir.name, "authcore.toml")
                pathlib.Path(config).write_text(f"[server]\nworkers = {int(stack[5:])}\n")
                argv += ["--config", config]
        else:
            argv = [sys.executable, os.path.abspath(__file__), "--serve", stack, "--data-dir", data_dir]
            if profile:
                argv += ["--profile", profile]
        self._stderr = open(os.path.join(self._dir.name, "stderr.log"), "w+")
        self.process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self._stderr, text=True,
                                        env={**os.environ, "PYTHONUNBUFFERED": "1"})
        line = self.process.stdout.readline()
        match = re.search(r"serving on ([\d.]+:\d+)", line)
        if not match:
            self.close()
            raise RuntimeError(f"the {stack} server did not start (it printed {line!r}); its stderr: {self.stderr()}")
        self.target = match.group(1)

    def stderr(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read()[-2000:]

    def cpu_s(self) -> float:
        """The server process's CPU time so far (user + system, all its threads)."""
        fields = open(f"/proc/{self.process.pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._stderr.close()
        self._dir.cleanup()


def percentiles(us: np.ndarray) -> dict:
    us = us[~np.isnan(us)]
    if not len(us):
        return {"p50_us": None, "p99_us": None}
    return {"p50_us": round(float(np.percentile(us, 50)), 1), "p99_us": round(float(np.percentile(us, 99)), 1)}


def measure_stack(pool, stack: str, tag: str, ns: argparse.Namespace) -> dict:
    """One round of one stack: start it, open the accounts, measure, stop it."""
    from authcore.tools.bench import open_accounts

    server = Server(stack, ns.profile if stack == "aio" else None)
    try:
        open_accounts(server.target, ns.accounts, ns.seed)
        serial = pool.submit(serial_client, server.target, tag, ns.warmup, ns.serial_calls).result()
        out = {"stack": stack, "answer_bytes": serial["answer_bytes"],
               "echo_request_bytes": len(serial["echo_request"]),
               "warmup_decisions": {c.Decision.Name(k): v for k, v in serial["decisions"].items()}}
        per_process = [ns.callers // ns.client_processes + (p < ns.callers % ns.client_processes)
                       for p in range(ns.client_processes)]
        for method in METHODS:
            cpu_before = server.cpu_s()
            start_at = time.time() + 1.0
            parts = [pool.submit(closed_client, server.target, method, f"{tag}-c{method}-{p}", n, start_at,
                                 ns.seconds, serial["echo_request"]) for p, n in enumerate(per_process) if n]
            parts = [f.result() for f in parts]
            cpu_s = server.cpu_s() - cpu_before
            latencies = np.concatenate([p["latencies_us"] for p in parts])
            errors: dict[str, int] = {}
            for p in parts:
                for code, n in p["errors"].items():
                    errors[code] = errors.get(code, 0) + n
            elapsed_s = max(p["elapsed_s"] for p in parts)
            out[method] = {
                "serial": {**percentiles(serial[method]["latencies_us"]),
                           "server_p50_us": percentiles(serial[method]["server_us"])["p50_us"],
                           "calls": ns.serial_calls},
                "closed": {"throughput_per_s": round(len(latencies) / elapsed_s, 1), **percentiles(latencies),
                           "calls": int(len(latencies)), "errors": errors, "elapsed_s": round(elapsed_s, 3),
                           "server_cpu_us_per_call": round(cpu_s * 1e6 / max(1, len(latencies)), 1)},
            }
        return out
    finally:
        server.close()


FIGURES = (("serial", "p50_us"), ("serial", "p99_us"), ("serial", "server_p50_us"), ("closed", "throughput_per_s"),
           ("closed", "p50_us"), ("closed", "p99_us"), ("closed", "server_cpu_us_per_call"))


def summarise(rounds: list[dict], stacks: list[str]) -> dict:
    """Each stack's figures: the median over the rounds."""
    summary: dict = {}
    for stack in stacks:
        summary[stack] = {}
        for method in METHODS:
            figures: dict = {}
            for phase, key in FIGURES:
                values = [r[method][phase][key] for r in rounds
                          if r["stack"] == stack and r[method][phase][key] is not None]
                figures.setdefault(phase, {})[key] = round(statistics.median(values), 1) if values else None
            summary[stack][method] = figures
    return summary


def _ratio(a, b):
    return round(a / b, 3) if a is not None and b else None


def ratios(summary: dict) -> dict:
    """Authorize/Echo per stack, and every stack/sync per method, figure by figure."""
    over_echo = {stack: {f"{phase}.{key}": _ratio(s["Authorize"][phase][key], s["Echo"][phase][key])
                         for phase, key in FIGURES} for stack, s in summary.items()}
    over_sync = {}
    if "sync" in summary:
        for stack in summary:
            if stack != "sync":
                over_sync[stack] = {method: {f"{phase}.{key}": _ratio(summary[stack][method][phase][key],
                                                                      summary["sync"][method][phase][key])
                                             for phase, key in FIGURES} for method in METHODS}
    return {"authorize_over_echo": over_echo, "over_sync": over_sync}


# handler p50: the server's time from the parsed request to the answer ready (serial calls; Echo
# reports none). closed: with --callers. CPU/call: the server process's, closed loop.
HEADER = ("serial p50", "serial p99", "handler p50", "closed/s", "closed p50", "closed p99", "CPU/call")


def _cell(value, ratio: bool) -> str:
    if value is None:
        return f"{'-':>11}"
    return f"{value:>10.2f}x" if ratio else (f"{value:>9.0f}us" if value < 1e5 else f"{value:>11.0f}")


def table(summary: dict, derived: dict) -> str:
    lines = [f"{'stack':<14} {'method':<14} " + " ".join(f"{h:>11}" for h in HEADER)]
    for stack, s in summary.items():
        for method in METHODS:
            cells = [s[method][phase][key] for phase, key in FIGURES]
            lines.append(f"{stack:<14} {method:<14} " + " ".join(
                f"{(v if v is not None else 0):>10.0f}/s" if (phase, key) == ("closed", "throughput_per_s")
                else _cell(v, False) for v, (phase, key) in zip(cells, FIGURES)))
        cells = [derived["authorize_over_echo"][stack][f"{p}.{k}"] for p, k in FIGURES]
        lines.append(f"{stack:<14} {'Authorize/Echo':<14} " + " ".join(_cell(v, True) for v in cells))
    for stack, by_method in derived["over_sync"].items():
        for method in METHODS:
            cells = [by_method[method][f"{p}.{k}"] for p, k in FIGURES]
            lines.append(f"{stack + '/sync':<14} {method:<14} " + " ".join(_cell(v, True) for v in cells))
    return "\n".join(lines)


def round_line(r: dict, n: int) -> str:
    parts = [f"round {n} {r['stack']:<9}"]
    for method in METHODS:
        serial, closed = r[method]["serial"], r[method]["closed"]
        parts.append(f"{method} serial p50 {serial['p50_us']:.0f}us p99 {serial['p99_us']:.0f}us, closed "
                     f"{closed['throughput_per_s']:.0f}/s p50 {closed['p50_us'] or 0:.0f}us "
                     f"p99 {closed['p99_us'] or 0:.0f}us CPU {closed['server_cpu_us_per_call']:.0f}us/call"
                     + (f" errors {closed['errors']}" if closed["errors"] else ""))
    return "; ".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds of each closed-loop measurement")
    parser.add_argument("--callers", type=int, default=32, help="closed loop: callers in all")
    parser.add_argument("--client-processes", type=int, default=4, help="closed loop: client processes")
    parser.add_argument("--serial-calls", type=int, default=3000, help="serial: calls measured per method")
    parser.add_argument("--warmup", type=int, default=300, help="serial: calls per method before measuring")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of the stacks, in turn")
    parser.add_argument("--stacks", default=",".join(STACKS),
                        help=f"comma-separated, of {', '.join(STACKS)}, and sync:N (the sync server with N workers)")
    parser.add_argument("--accounts", type=int, default=1000, help="accounts opened on each server")
    parser.add_argument("--seed", type=int, default=1, help="seed of the simulated payments")
    parser.add_argument("--json", help="write the figures here")
    parser.add_argument("--profile", help="run the aio server under cProfile and write its statistics here")
    parser.add_argument("--serve", choices=("aio", "sync-bare"), help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    ns = parser.parse_args(argv)
    if ns.serve:
        return serve(ns.serve, ns.data_dir, ns.profile)
    stacks = [s for s in ns.stacks.split(",") if s]
    unknown = sorted(s for s in set(stacks) - set(STACKS) if not re.fullmatch(r"sync:[1-9][0-9]{0,3}", s))
    if unknown or not stacks:
        parser.error(f"unknown stack(s) {', '.join(unknown) or '(none given)'}: choose from {', '.join(STACKS)}")
    if not (0 < ns.seconds <= 600 and 1 <= ns.callers <= 1024 and 1 <= ns.client_processes <= min(ns.callers, 64)
            and 1 <= ns.serial_calls <= 1_000_000 and 0 <= ns.warmup <= 100_000 and 1 <= ns.rounds <= 20
            and ns.accounts >= 1):
        parser.error("seconds 0-600, 1-1024 callers over 1-64 client processes (no more than callers), "
                     "1-1,000,000 serial calls, 0-100,000 warm-up calls, 1-20 rounds, at least 1 account")
    templates = templates_for(ns.accounts, ns.seed)
    rounds: list[dict] = []
    wall_started = time.monotonic()
    with concurrent.futures.ProcessPoolExecutor(ns.client_processes, mp_context=multiprocessing.get_context("spawn"),
                                                initializer=_client_init, initargs=(templates,)) as pool:
        # Start every client process now, not during the first closed-loop measurement.
        for f in [pool.submit(time.sleep, 0.5) for _ in range(ns.client_processes)]:
            f.result()
        for n in range(1, ns.rounds + 1):
            for stack in stacks:
                print(f"round {n}: {stack} ...", file=sys.stderr, flush=True)
                rounds.append(measure_stack(pool, stack, f"{stack}-{n}", ns))
                print(round_line(rounds[-1], n), file=sys.stderr, flush=True)
    summary = summarise(rounds, stacks)
    derived = ratios(summary)
    print(f"unary Authorize and Echo (the floor) by serving stack: {ns.serial_calls} serial calls each; "
          f"{ns.callers} callers over {ns.client_processes} client processes for {ns.seconds:g} s; median of "
          f"{ns.rounds} round(s); {ns.accounts} accounts; {os.cpu_count()} CPUs")
    print(table(summary, derived))
    print(f"wall time {time.monotonic() - wall_started:.0f} s")
    if ns.json:
        settings = {k: v for k, v in vars(ns).items() if k not in ("serve", "data_dir")}
        with open(ns.json, "w") as f:
            json.dump({"settings": settings, "rounds": rounds, "summary": summary, **derived}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
