"""The overload run: a server under admission limits, driven open-loop at half and at three times
its sustainable rate. What was admitted should keep its latency, the rest be refused at once
(RESOURCE_EXHAUSTED with RetryInfo), and the server's memory stay bounded.

    python scripts/overload_run.py [--duration 10] [--json overload.json] [--pin] [--limits TOML]

--pin keeps the server on the first CPU and the load generators on the others, so that the
server's figures are not those of a machine shared with its own load.

Steps: start `authcore serve` with [limits] (max_in_flight 24, max_queue_ms 50), open the
simulator's accounts, measure the sustainable rate closed-loop (2 client processes x 8 callers),
then run open-loop at 0.5x and 3x that rate (over --client-processes processes), sampling the
server's resident memory."""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import threading
import time

from authcore.tools.bench import Plan, open_accounts, run

LIMITS = "[limits]\nmax_in_flight = 24\nmax_queue_ms = 50\nmin_deadline_ms = 1\n"


def rss_mib(pid: int) -> float:
    text = pathlib.Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", text).group(1)) / 1024


class Sampler:
    """The server's peak resident memory while a step runs."""

    def __init__(self, pid: int):
        self.pid, self.peak, self._stop = pid, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            self.peak = max(self.peak, rss_mib(self.pid))

    def __enter__(self) -> "Sampler":
        self.peak = rss_mib(self.pid)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--json", help="write the figures here")
    parser.add_argument("--pin", action="store_true",
                        help="the server on the first CPU, the load generators on the others")
    parser.add_argument("--limits", default=LIMITS, help="the [limits] section to serve with")
    parser.add_argument("--client-processes", type=int, default=2,
                        help="processes generating the open-loop load, each offering its share of the rate "
                             "(a generator that falls behind queues calls of its own, which it may see CANCELLED)")
    ns = parser.parse_args(argv)
    if not 1 <= ns.client_processes <= 64:
        parser.error(f"--client-processes {ns.client_processes}: choose 1 to 64 processes")
    cpus = sorted(os.sched_getaffinity(0))
    if ns.pin and len(cpus) < 2:
        parser.error("--pin needs two CPUs or more")
    with tempfile.TemporaryDirectory(prefix="authcore-overload-") as tmp:
        config = pathlib.Path(tmp) / "authcore.toml"
        config.write_text(ns.limits.replace("\\n", "\n") + "\n")
        server = subprocess.Popen([sys.executable, "-m", "authcore", "serve", "--port", "0", "--data-dir",
                                   f"{tmp}/data", "--config", str(config)], stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, text=True,
                                  preexec_fn=(lambda: os.sched_setaffinity(0, cpus[:1])) if ns.pin else None)
        if ns.pin:
            os.sched_setaffinity(0, cpus[1:])  # the client processes inherit it
        try:
            target = re.search(r"serving on ([\d.]+:\d+)", server.stdout.readline()).group(1)
            open_accounts(target, ns.accounts, 1, in_flight=8)  # below max_in_flight
            figures = {"limits": config.read_text().strip(), "pinned": ns.pin, "client_processes": ns.client_processes,
                       "start_rss_mib": round(rss_mib(server.pid), 1)}
            closed = run(Plan(target, "authorize", "closed", ns.duration, 8, 0.0, ns.accounts, 1, 0), 2)
            sustainable = closed["throughput_per_s"]
            figures["sustainable_per_s"] = sustainable
            for name, factor in (("half", 0.5), ("triple", 3.0)):
                rate = sustainable * factor
                with Sampler(server.pid) as memory:
                    started = time.perf_counter()
                    result = run(Plan(target, "authorize", "open", ns.duration, 0, rate / ns.client_processes,
                                      ns.accounts, 2 + int(factor * 10), 0), ns.client_processes)
                figures[name] = {"offered_per_s": round(rate, 1), "admitted_per_s": result["throughput_per_s"],
                                 "refused": result["errors"], "p50_us": result["p50_us"], "p99_us": result["p99_us"],
                                 "p99.9_us": result["p99.9_us"], "max_us": result["max_us"],
                                 "server_p50_us": result["server_p50_us"], "server_p99_us": result["server_p99_us"], "peak_rss_mib": round(memory.peak, 1),
                                 "wall_s": round(time.perf_counter() - started, 1)}
        finally:
            server.terminate()
            server.wait(timeout=60)
    print(json.dumps(figures, indent=2))
    if ns.json:
        pathlib.Path(ns.json).write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
