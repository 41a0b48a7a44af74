"""`authcore cluster up`: a whole cluster on this machine, for development and tests: a JetStream
cluster of --servers nats-server processes and --nodes authcore nodes (`authcore serve --cluster`),
each with its own data dir and public port, on loopback. Runs until Ctrl-C (or --seconds), then
stops the nodes and the servers in order.

`authcore cluster move --nats URLS --partition K --to NODE`: hand partition K over to NODE's
standby (authcore.cluster.replication.hand_over), on any cluster."""

from __future__ import annotations

import argparse
import os
import pathlib
import re
import signal
import subprocess
import sys
import threading
import time

from authcore.cluster.jetstream import JetStreamMissing, LocalJetStream

START_TIMEOUT_S = 90.0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="authcore cluster", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="action", required=True)
    up = sub.add_parser("up", help="start a local JetStream cluster and authcore nodes on loopback")
    up.add_argument("--nodes", type=int, default=3, help="authcore nodes (default 3)")
    up.add_argument("--servers", type=int, default=3, help="nats-server processes (default 3; 1 for no replication)")
    up.add_argument("--partitions", type=int, default=2, help="partitions of the accounts, a process each on every "
                                                                "node (default 2)")
    up.add_argument("--port", type=int, default=50051, help="the first node's public port; node i serves on port + i "
                                                           "(default 50051; 0 picks free ones)")
    up.add_argument("--dir", default="authcore-cluster",
                    help="where the servers' and the nodes' data go (default ./authcore-cluster)")
    up.add_argument("--lease", type=float, default=1.0, help="the partitions' lease in seconds (default 1)")
    up.add_argument("--sync", choices=["always", "default"], default="always",
                    help="the servers' sync_interval: always (each message on disk before it is acknowledged; the "
                         "default) or JetStream's default (a power loss of every server can lose the last 2 min)")
    up.add_argument("--seconds", type=float, help="stop after this long (default: at Ctrl-C)")
    move = sub.add_parser("move", help="hand a partition over to another node's standby")
    move.add_argument("--nats", required=True, help="the cluster's NATS URLs, comma-separated")
    move.add_argument("--partition", type=int, required=True, help="the partition to move")
    move.add_argument("--to", required=True, help="the node that takes it (its --node name)")
    move.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for the takeover (default 30)")
    return parser


def move(ns: argparse.Namespace) -> int:
    from authcore.cluster.jetstream import Link
    from authcore.cluster.replication import HandoverRefused, hand_over

    if ns.partition < 0 or not ns.to.strip():
        print("authcore cluster move: --partition must be 0 or more and --to a node's name", file=sys.stderr)
        return 2
    try:
        with Link(ns.nats, name="authcore-cluster-move") as link:
            before, after, took_s = hand_over(link, ns.partition, ns.to.strip(), timeout_s=ns.timeout)
    except (HandoverRefused, JetStreamMissing) as exc:
        print(f"authcore cluster move: {exc}", file=sys.stderr)
        return 2
    except (TimeoutError, OSError, RuntimeError) as exc:
        print(f"authcore cluster move: {exc or 'no answer from NATS'} (check --nats and that the nodes run)",
              file=sys.stderr)
        return 1
    if before == after:
        print(f"partition {ns.partition} is already served by {after}")
    elif after == ns.to.strip():
        print(f"partition {ns.partition} moved from {before} to {after} in {took_s * 1000:.0f} ms")
    else:
        print(f"partition {ns.partition}: {ns.to.strip()} did not take it; {after} serves it after the lease lapsed "
              f"({took_s * 1000:.0f} ms)")
        return 1
    return 0


def main(argv: list[str]) -> int:
    ns = _parser().parse_args(argv)
    if ns.action == "move":
        return move(ns)
    if not 1 <= ns.nodes <= 9 or not 1 <= ns.servers <= 9 or not 1 <= ns.partitions <= 64:
        print("authcore cluster up: --nodes and --servers go from 1 to 9, --partitions from 1 to 64", file=sys.stderr)
        return 2
    if ns.port != 0 and not 1024 <= ns.port <= 65535 - ns.nodes:
        print(f"authcore cluster up: --port must be 0 or between 1024 and {65535 - ns.nodes}", file=sys.stderr)
        return 2
    root = pathlib.Path(ns.dir).resolve()
    try:
        jetstream = LocalJetStream(root / "jetstream", ns.servers, sync_always=ns.sync == "always").start()
    except (JetStreamMissing, RuntimeError, TimeoutError, OSError) as exc:
        print(f"authcore cluster up: the JetStream servers did not start: {exc}", file=sys.stderr)
        return 2
    print(f"JetStream: {ns.servers} servers on {', '.join(jetstream.urls)} (sync_interval {ns.sync}, data in "
          f"{root / 'jetstream'})", flush=True)
    stopping = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stopping.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    nodes: list[subprocess.Popen] = []
    try:
        config = root / "node.toml"
        config.write_text(f"[cluster]\nlease_s = {ns.lease}\nreplicas = {min(3, ns.servers)}\n")
        for i in range(ns.nodes):
            name = f"n{i + 1}"
            port = 0 if ns.port == 0 else ns.port + i
            nodes.append(subprocess.Popen(
                [sys.executable, "-m", "authcore", "serve", "--config", str(config), "--processes",
                 str(ns.partitions), "--port", str(port), "--data-dir", str(root / name), "--cluster",
                 ",".join(jetstream.urls), "--node", name],
                stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
                process_group=0))
        for i, node in enumerate(nodes):
            address = _serving(node)
            if address is None:
                print(f"authcore cluster up: node n{i + 1} did not start (exit code {node.poll()})", file=sys.stderr)
                return 1
            print(f"node n{i + 1}: serving on {address} ({ns.partitions} partitions, data in {root / f'n{i + 1}'})",
                  flush=True)
            threading.Thread(target=_drain, args=(node,), daemon=True).start()
        print("the cluster is up; press Ctrl-C to stop it" if ns.seconds is None
              else f"the cluster is up for {ns.seconds:g} s", flush=True)
        deadline = None if ns.seconds is None else time.monotonic() + ns.seconds
        while not stopping.is_set() and (deadline is None or time.monotonic() < deadline):
            if any(node.poll() is not None for node in nodes):
                print("authcore cluster up: a node exited; stopping the cluster", file=sys.stderr)
                return 1
            stopping.wait(0.2)
        return 0
    finally:
        for node in nodes:
            if node.poll() is None:
                node.send_signal(signal.SIGTERM)
        for node in nodes:
            try:
                node.wait(60)
            except subprocess.TimeoutExpired:
                node.kill()
                node.wait()
        jetstream.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        print("the cluster is stopped", flush=True)


def _serving(node: subprocess.Popen) -> str | None:
    deadline = time.monotonic() + START_TIMEOUT_S
    for line in node.stdout:
        match = re.search(r"serving on ([\w.:\[\]]+:\d+)", line)
        if match:
            return match.group(1)
        if time.monotonic() > deadline:
            break
    return None


def _drain(node: subprocess.Popen) -> None:
    for _ in node.stdout:
        pass
