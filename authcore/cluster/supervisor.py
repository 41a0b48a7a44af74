"""Multi-process serving: a supervisor and one worker process per partition of the accounts.

Start. The supervisor checks the data dir's layout (authcore.cluster.partitions), resolves the port and
starts N workers, each a fresh interpreter (`python -m authcore serve --partition i ...`), never
a fork of a process that has loaded grpc. A worker opens its partition's journal, serves its own
servicers on a private unix socket and says "private" on its stdout. When every worker has, the
supervisor writes "public" to each one's stdin; each then binds the shared public port with
SO_REUSEPORT (the kernel spreads connections over them), routes calls (authcore.cluster.router) and says
"ready". So no worker takes a call before every partition it may forward to is listening.

Stop. SIGINT or SIGTERM to the supervisor is forwarded to the workers as SIGTERM. A worker stops
taking calls on the public port and lets those in flight finish (forwarded ones too: every
private socket still serves), then says "drained". Once all have, the supervisor closes their
stdin, and each stops its private server and closes its journal. A worker whose stdin closes
early (the supervisor is gone) stops at once. A worker that exits by itself stops the server:
the supervisor stops the others and exits non-zero.
"""

from __future__ import annotations

import dataclasses
import faulthandler
import json
import logging
import os
import pathlib
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from typing import TextIO

import grpc

from authcore.api.config import Config
from authcore.engine import Engine
from authcore.errors import AuthcoreError
from authcore.cluster.partitions import (
    LayoutRefused,
    check_layout,
    id_tag,
    partition_dir,
    socket_dir_for,
    socket_name,
)
from authcore.api.events import EventSource, Watchers, watchers_for
from authcore.api.gate import GateInterceptor, public_port
from authcore.api.identity import PLAINTEXT_WARNING
from authcore.observability import events, tracing
from authcore.observability.metrics import endpoint_for as metrics_endpoint
from authcore.cluster.router import public_server
from authcore.api.server import create_server
from authcore.journal.store import DataDirInUse, DataDirLock

log = logging.getLogger("authcore")
GRACE_S = 5.0
# How long a step of the stop may take beyond the grace period before the supervisor kills.
STOP_MARGIN_S = 10.0
POLL_S = 0.1


# -- worker ---------------------------------------------------------------------------------


class _SupervisorLink:
    """The worker's side of the pipes: its commands on stdin, its reports on stdout."""

    def __init__(self, commands: TextIO, reports: TextIO):
        self.public = threading.Event()
        self.gone = threading.Event()
        self.reports = reports
        threading.Thread(target=self._read, args=(commands,), name="supervisor-commands", daemon=True).start()

    def _read(self, commands: TextIO) -> None:
        for line in commands:
            if line.strip() == "public":
                self.public.set()
        self.gone.set()  # end of input: the supervisor closed it, or is gone

    def tell(self, event: str, **fields) -> None:
        try:
            self.reports.write(json.dumps({"event": event, **fields}) + "\n")
            self.reports.flush()
        except BrokenPipeError:
            # The supervisor is gone: stop (gone), and let the buffered line fall into /dev/null
            # rather than fail again at exit.
            os.dup2(os.open(os.devnull, os.O_WRONLY), self.reports.fileno())
            self.gone.set()


class _Terminated:
    """Set by SIGTERM. A plain attribute, not a threading.Event: a Python signal handler runs in
    the main thread between two bytecodes, possibly while that thread is inside Event.wait and
    holds the Event's (non-reentrant) lock, so a handler calling Event.set() can block the main
    thread on itself forever: the worker then never drains, never stops, and is killed."""

    def __init__(self) -> None:
        self._set = False
        signal.signal(signal.SIGTERM, self._on_signal)

    def _on_signal(self, *_) -> None:
        self._set = True  # no lock, no call that could take one

    def is_set(self) -> bool:
        return self._set


def _wait_for(*events: threading.Event | _Terminated, timeout_s: float | None = None) -> bool:
    """Until one of events is set (True) or timeout_s passes (False)."""
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    waitable = next((event for event in events if isinstance(event, threading.Event)), None)
    while not any(event.is_set() for event in events):
        if deadline is not None and time.monotonic() >= deadline:
            return False
        if waitable is None:
            time.sleep(POLL_S)
        else:
            waitable.wait(POLL_S)
    return True


def _ready(cfg: Config, index: int, engine: Engine, supervisor: _SupervisorLink, **report):
    """A worker whose public port serves: its metrics endpoint (None if it cannot serve one), and
    "ready" told to the supervisor (with report's fields) and logged."""
    try:
        metrics = metrics_endpoint(cfg, index)
    except OSError as exc:
        print(f"authcore: partition {index} of {cfg.processes} cannot serve metrics: {exc}", file=sys.stderr,
              flush=True)
        metrics = None
    metrics_port = None if metrics is None else metrics.port
    supervisor.tell("ready", accounts=engine.ledger.n_accounts, records=engine.replayed_records,
                    policy=engine.ledger.policy.version, metrics_port=metrics_port, **report)
    events.started("partition", partition=index, processes=cfg.processes, address=f"{cfg.host}:{cfg.port}",
                   accounts=engine.ledger.n_accounts, metrics_port=metrics_port)
    return metrics


def run_worker(cfg: Config, index: int, socket_dir: str, open_engine: Callable[[pathlib.Path, str], Engine]) -> int:
    """Serve partition index of cfg.processes until the supervisor says stop; 2 if it cannot start."""
    processes = cfg.processes
    if cfg.cluster_nats:
        return _run_cluster_worker(cfg, index, open_engine)
    if processes < 2 or not 0 <= index < processes or not socket_dir:
        print("authcore: --partition is for the workers of --processes N (N >= 2) and needs --socket-dir",
              file=sys.stderr)
        return 2
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the supervisor, which stops everyone
    terminated = _Terminated()
    supervisor = _SupervisorLink(sys.stdin, sys.stdout)
    sockets = [str(pathlib.Path(socket_dir) / socket_name(i, processes)) for i in range(processes)]
    try:
        engine = open_engine(partition_dir(cfg.data_dir, index, processes), id_tag(index, processes))
        source = _event_source(cfg, engine, index)
        # The private socket trusts the caller a public port names in metadata; the socket's
        # directory is private to the server's user.
        service = create_server(engine, f"unix:{sockets[index]}", max_workers=cfg.workers,
                                expiry_interval_s=cfg.expiry_interval_s,
                                snapshot_every_records=cfg.snapshot_every_records,
                                interceptors=(GateInterceptor("forwarded"),), events=source)
    except (AuthcoreError, RuntimeError, ValueError, OSError) as exc:
        print(f"authcore: partition {index} of {processes} cannot start: {exc}", file=sys.stderr, flush=True)
        return 2
    service.start()
    supervisor.tell("private")
    _wait_for(supervisor.public, supervisor.gone, terminated)
    if not supervisor.public.is_set():
        service.stop(GRACE_S)
        return 0
    try:
        interceptors, credentials = public_port(cfg)
        public, _, router = public_server(engine, service.health, index, sockets, f"{cfg.host}:{cfg.port}",
                                          max_workers=cfg.workers, interceptors=interceptors,
                                          credentials=credentials, events=source)
    except RuntimeError as exc:
        print(f"authcore: partition {index} of {processes} cannot start: {exc}", file=sys.stderr, flush=True)
        service.stop(GRACE_S)
        return 2
    public.start()
    metrics = _ready(cfg, index, engine, supervisor)
    _wait_for(terminated, supervisor.gone)
    # A stop that outlives every step's bound is a bug: say where each thread is, and exit.
    faulthandler.dump_traceback_later(GRACE_S * 2 + STOP_MARGIN_S * 2, exit=True)
    service.health.enter_graceful_shutdown()
    public.stop(GRACE_S).wait()
    router.close()
    supervisor.tell("drained")
    # Other workers may still forward calls here while they drain: serve them until told.
    _wait_for(supervisor.gone, timeout_s=GRACE_S + STOP_MARGIN_S)
    service.stop(GRACE_S)
    events.stopped("partition", partition=index)
    if metrics is not None:
        metrics.close()
    tracing.shutdown()
    return 0


def _run_cluster_worker(cfg: Config, index: int, open_engine: Callable[[pathlib.Path, str], Engine]) -> int:
    """Partition index of a cluster node (authcore.cluster.node): its engine, owner or standby
    through the partition's lease, a private TCP port for the calls other nodes forward, and the
    node's public port behind a ClusterRouter. With [tls] the private port serves mutual TLS with
    the node certificate and trusts a forwarded caller only from a peer that presents one too (the
    gate's "node" source); the router forwards with the same certificate. Without [tls] it is
    plaintext on loopback (config validation) and trusts what its own machine forwards."""
    from authcore.cluster.jetstream import JetStreamMissing, Link
    from authcore.cluster.node import ClusterRouter, Directory, OwnerOnly
    from authcore.cluster.replication import Partition

    processes = cfg.processes
    if not 0 <= index < processes:
        print("authcore: --partition must be below --processes", file=sys.stderr)
        return 2
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    terminated = _Terminated()
    supervisor = _SupervisorLink(sys.stdin, sys.stdout)
    link = replica = directory = None
    node_tls = cfg.node_tls()
    try:
        engine = open_engine(partition_dir(cfg.data_dir, index, processes), id_tag(index, processes))
        source = _event_source(cfg, engine, index)
        owner_only = OwnerOnly()
        if node_tls is None:
            private_gate, private_credentials, forwarding = GateInterceptor("forwarded"), None, None
        else:
            private_gate, private_credentials = GateInterceptor("node"), node_tls.server_credentials()
            forwarding = node_tls.channel_credentials()
        service = create_server(engine, f"{cfg.cluster_private_host}:0", max_workers=cfg.workers,
                                expiry_interval_s=cfg.expiry_interval_s,
                                snapshot_every_records=cfg.snapshot_every_records,
                                interceptors=(private_gate, owner_only), credentials=private_credentials,
                                events=source)
        service.start()
        link = Link(cfg.cluster_nats, name=f"{cfg.cluster_node}-p{index}")
        replica = Partition(link, engine, index, node=cfg.cluster_node,
                            address=f"{cfg.cluster_private_host}:{service.port}", public=f"{cfg.host}:{cfg.port}",
                            lease_s=cfg.cluster_lease_s, replicas=cfg.cluster_replicas,
                            on_role=lambda role: events.role_changed(index, role)).start()
        owner_only.replica = replica
        # Records older than this node's journal files are read back from the partition's stream.
        source.archive = replica.archived
        directory = Directory(link, lease_s=cfg.cluster_lease_s)
    except (AuthcoreError, RuntimeError, ValueError, OSError, TimeoutError, JetStreamMissing) as exc:
        print(f"authcore: partition {index} of {processes} cannot start: {exc}", file=sys.stderr, flush=True)
        for part in (replica, directory, link):
            if part is not None:
                part.close()
        return 2
    supervisor.tell("private")
    _wait_for(supervisor.public, supervisor.gone, terminated)

    def leave() -> None:
        """Let the lease lapse, stop following and serving, drop the link to NATS."""
        replica.close()
        directory.close()
        link.close()
        service.stop(GRACE_S)

    if not supervisor.public.is_set():
        leave()
        return 0
    try:
        interceptors, credentials = public_port(cfg)
        public, _, router = public_server(
            engine, service.health, index, [], f"{cfg.host}:{cfg.port}", max_workers=cfg.workers,
            interceptors=interceptors, credentials=credentials,
            router=lambda local: ClusterRouter(local, index, processes, replica, directory, source,
                                               credentials=forwarding), events=source)
    except RuntimeError as exc:
        print(f"authcore: partition {index} of {processes} cannot start: {exc}", file=sys.stderr, flush=True)
        leave()
        return 2
    public.start()
    metrics = _ready(cfg, index, engine, supervisor, role=replica.role)
    _wait_for(terminated, supervisor.gone)
    faulthandler.dump_traceback_later(GRACE_S * 2 + STOP_MARGIN_S * 2, exit=True)
    service.health.enter_graceful_shutdown()
    public.stop(GRACE_S).wait()
    router.close()
    # The lease is let go of by not renewing it: a standby elsewhere takes the partition over.
    replica.close()
    directory.close()
    supervisor.tell("drained")
    _wait_for(supervisor.gone, timeout_s=GRACE_S + STOP_MARGIN_S)
    service.stop(GRACE_S)
    link.close()
    events.stopped("partition", partition=index)
    if metrics is not None:
        metrics.close()
    tracing.shutdown()
    return 0


def _event_source(cfg: Config, engine: Engine, index: int) -> EventSource:
    """What worker index's WatchEvents serves: its partition's journal, shared by its private and
    public ports (and so one bound on the watchers of the process)."""
    return EventSource(engine.journal, index, cfg.processes, Watchers(watchers_for(cfg.workers)))


# -- supervisor -----------------------------------------------------------------------------


@dataclasses.dataclass
class _Worker:
    index: int
    process: subprocess.Popen
    reports: dict = dataclasses.field(default_factory=dict)  # event -> its fields
    exited: bool = False


class _Stopped(Exception):
    """SIGINT or SIGTERM reached the supervisor."""


class _WorkerLost(Exception):
    """A worker exited, or began to stop, without the supervisor asking."""

    def __init__(self, worker: _Worker):
        super().__init__(worker.index)
        self.worker = worker


class Cluster:
    """The supervisor's view of its workers: their processes and what they reported."""

    def __init__(self, cfg: Config, config_path: str | None, port: int, socket_dir: pathlib.Path):
        self.cfg = cfg
        self.events: queue.Queue = queue.Queue()
        self.signalled = False
        self._start_args = (config_path, port, socket_dir)
        self.workers = [self._start(i, config_path, port, socket_dir) for i in range(cfg.processes)]
        self.restarts = 0

    def restart(self, worker: _Worker) -> None:
        """Start worker's partition again in a new process (a cluster node's: the partition's
        standby elsewhere has taken over; the new process follows it as a standby)."""
        worker.process.wait()
        self.workers[worker.index] = self._start(worker.index, *self._start_args)
        self.restarts += 1

    def _start(self, index: int, config_path: str | None, port: int, socket_dir: pathlib.Path) -> _Worker:
        cfg = self.cfg
        argv = [sys.executable, "-m", "authcore", "serve", "--partition", str(index), "--processes",
                str(cfg.processes), "--socket-dir", str(socket_dir), "--host", cfg.host, "--port", str(port),
                "--data-dir", str(cfg.data_dir), "--durability", cfg.durability]
        if config_path:
            argv += ["--config", config_path]
        argv += ["--log-format", cfg.logging_format, "--log-level", str(cfg.logging_level).upper()]
        if cfg.metrics_port is not None:  # worker i serves its metrics on metrics_port + i
            argv += ["--metrics-host", cfg.metrics_host, "--metrics-port", str(cfg.metrics_port)]
        if cfg.tls:
            argv += ["--tls-cert", cfg.tls_cert_file, "--tls-key", cfg.tls_key_file,
                     "--tls-client-ca", cfg.tls_client_ca_file]
        if cfg.cluster_nats:
            argv += ["--cluster", cfg.cluster_nats, "--node", cfg.cluster_node]
        # Its own process group: a signal to the supervisor's group (Ctrl-C, timeout) reaches the
        # supervisor alone, which stops the workers in order.
        process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=_worker_env(),
                                   process_group=0)
        worker = _Worker(index, process)
        threading.Thread(target=self._read, args=(worker,), name=f"worker-{index}-reports", daemon=True).start()
        return worker

    def _read(self, worker: _Worker) -> None:
        for line in worker.process.stdout:
            try:
                report = json.loads(line)
            except ValueError:
                continue
            self.events.put((worker, report))
        self.events.put((worker, None))  # its stdout closed: it is exiting

    def _next(self) -> tuple[_Worker, dict | None]:
        while True:
            if self.signalled:
                raise _Stopped
            try:
                return self.events.get(timeout=POLL_S)
            except queue.Empty:
                pass

    def wait_all(self, event: str) -> None:
        """Until every worker reported event; _WorkerLost or _Stopped otherwise."""
        while not all(event in w.reports for w in self.workers):
            self.wait_one()

    def wait_one(self) -> None:
        worker, report = self._next()
        if report is None:
            worker.exited = True
            raise _WorkerLost(worker)
        worker.reports[report["event"]] = report
        if report["event"] == "drained":  # someone else sent it SIGTERM
            raise _Stopped if self.signalled else _WorkerLost(worker)

    def tell_all(self, command: str) -> None:
        for worker in self.workers:
            try:
                worker.process.stdin.write(command + "\n")
                worker.process.stdin.flush()
            except OSError:
                pass  # it is gone: its reader reports the exit

    def stop(self) -> bool:
        """Drain the public ports, then stop the private servers; True if every worker exited 0."""
        alive = [w for w in self.workers if w.process.poll() is None]
        # Every step below is bounded; if the stop still hangs, say where and exit.
        faulthandler.dump_traceback_later(3 * (GRACE_S + STOP_MARGIN_S) + STOP_MARGIN_S, exit=True)
        for worker in alive:
            worker.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + GRACE_S + STOP_MARGIN_S
        while (time.monotonic() < deadline
               and not all("drained" in w.reports or w.exited for w in alive)):
            try:
                worker, report = self.events.get(timeout=POLL_S)
            except queue.Empty:
                continue
            if report is None:
                worker.exited = True
            else:
                worker.reports[report["event"]] = report
        for worker in self.workers:
            try:
                worker.process.stdin.close()
            except OSError:
                pass  # it is gone already
        clean = True
        for worker in self.workers:
            try:
                code = worker.process.wait(timeout=GRACE_S + STOP_MARGIN_S)
            except subprocess.TimeoutExpired:
                worker.process.kill()
                code = worker.process.wait()
            clean = clean and code == 0
        return clean


def _tell(worker: _Worker, command: str) -> None:
    try:
        worker.process.stdin.write(command + "\n")
        worker.process.stdin.flush()
    except OSError:
        pass  # it is gone: its reader reports the exit


def _restart_in_cluster(cluster: Cluster, worker: _Worker) -> None:
    """A cluster node's worker died (its partition's standby on another node takes over): start it
    again, after a pause if it died at once (a bad store must not spin)."""
    code = worker.process.wait()
    print(f"authcore: worker {worker.index} (pid {worker.process.pid}) exited with code {code}; starting it again "
          "(another node's standby serves its partition meanwhile)", file=sys.stderr, flush=True)
    if "ready" not in worker.reports:
        time.sleep(1.0)
    cluster.restart(worker)


def _worker_env() -> dict[str, str]:
    """This environment, with this authcore first on the path: workers run the supervisor's code."""
    root = str(pathlib.Path(__file__).resolve().parents[2])
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": root if not path else os.pathsep.join((root, path))}


def _reserve_port(host: str, port: int) -> tuple[socket.socket | None, int]:
    """The port the workers bind. Port 0: a free one, held (bound, not listening, SO_REUSEPORT)
    until the workers have bound it too. Any port: refused (OSError) if something listens on it,
    since SO_REUSEPORT would otherwise share it with that other server."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                         flags=socket.AI_PASSIVE)[0]
    if port != 0:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
        return None, port
    held = socket.socket(family, kind, proto)
    held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    held.bind(address)
    return held, held.getsockname()[1]


def run_supervisor(cfg: Config, config_path: str | None, *, demo: bool = False, exit_after_demo: bool = False,
                   lang: str = "en", tls_dir: str | None = None) -> int:
    """`authcore serve --processes N`: start, announce, run until a signal or a worker's death."""
    shown_data_dir = cfg.data_dir
    cfg = dataclasses.replace(cfg, data_dir=str(pathlib.Path(cfg.data_dir).resolve()))
    try:
        check_layout(cfg.data_dir, cfg.processes)
        lock = _hold_data_dir(cfg.data_dir, cfg.processes)
    except (LayoutRefused, DataDirInUse) as exc:
        print(f"authcore: cannot start: {exc}", file=sys.stderr)
        return 2
    try:
        held, port = _reserve_port(cfg.host, cfg.port)
    except OSError as exc:
        lock.release()
        print(f"authcore: cannot start: port {cfg.port} on {cfg.host} is not free ({exc}); another server may "
              "be serving it: stop it, or choose another --port", file=sys.stderr)
        return 2
    try:
        return _run_cluster(cfg, config_path, port, held, shown_data_dir, demo, exit_after_demo, lang, tls_dir)
    finally:
        lock.release()


def _hold_data_dir(data_dir: str, processes: int) -> DataDirLock:
    """Hold the data dir for the supervisor's life (a second supervisor is refused), and refuse
    to start while any partition is still held: by the workers of a supervisor that was killed
    (kill -9, the OOM killer) and that are still draining. Those stop by themselves once they
    see their supervisor gone; the start is refused, not delayed, so nothing ever runs beside them."""
    lock = DataDirLock(data_dir)
    try:
        for index in range(processes):
            try:
                DataDirLock(partition_dir(data_dir, index, processes)).release()
            except DataDirInUse as exc:
                raise DataDirInUse(f"partition {index} of {processes}: {exc}; it may be a worker of an earlier "
                                   "server that is still stopping: wait for it to exit") from None
    except BaseException:
        lock.release()
        raise
    return lock


def _run_cluster(cfg: Config, config_path: str | None, port: int, held: socket.socket | None, shown_data_dir: str,
                 demo: bool, exit_after_demo: bool, lang: str, tls_dir: str | None) -> int:
    socket_dir = socket_dir_for(cfg.data_dir, cfg.processes)
    temporary_dir = None if socket_dir is not None else pathlib.Path(tempfile.mkdtemp(prefix="authcore-"))
    cluster = Cluster(cfg, config_path, port, socket_dir or temporary_dir)

    def on_signal(*_) -> None:
        cluster.signalled = True

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        return _supervise(cluster, cfg, port, held, shown_data_dir, demo, exit_after_demo, lang, tls_dir)
    except BaseException:
        cluster.stop()  # whatever went wrong here, the workers stop in order
        raise
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if held is not None:
            held.close()
        if temporary_dir is not None:
            shutil.rmtree(temporary_dir, ignore_errors=True)


def _supervise(cluster: Cluster, cfg: Config, port: int, held: socket.socket | None, data_dir: str, demo: bool,
               exit_after_demo: bool, lang: str, tls_dir: str | None) -> int:
    target = f"{cfg.host}:{port}"
    starting = True
    try:
        cluster.wait_all("private")
        cluster.tell_all("public")
        for worker in cluster.workers:
            worker.reports["told_public"] = True
        cluster.wait_all("ready")
        starting = False
        if held is not None:
            held.close()
        ready = [w.reports["ready"] for w in cluster.workers]
        policies = sorted({r["policy"] for r in ready})
        cluster_note = f", node {cfg.cluster_node} of the cluster on {cfg.cluster_nats}" if cfg.cluster_nats else ""
        print(f"authcore serving on {target} ({cfg.processes} processes{cluster_note}, data dir {data_dir}, durability "
              f"{cfg.durability}, {sum(r['accounts'] for r in ready)} accounts and "
              f"{sum(r['records'] for r in ready)} journal records loaded, policy {', '.join(policies)})", flush=True)
        if cfg.metrics_port is not None:
            ports = ", ".join(str(r.get("metrics_port")) for r in ready)
            print(f"metrics of partitions 0..{cfg.processes - 1} on {cfg.metrics_host} ports {ports}", flush=True)
        if not cfg.tls:
            log.warning(PLAINTEXT_WARNING)
        demo_ran = True
        if demo:
            from authcore.tools.demo import run_demo_beside_service

            demo_ran = run_demo_beside_service(target, lang=lang, tls_dir=tls_dir, keeps_serving=not exit_after_demo)
        if exit_after_demo:
            return 0 if cluster.stop() and demo_ran else 1
        print("press Ctrl-C to stop", flush=True)
        while True:
            try:
                cluster.wait_one()
            except _WorkerLost as lost:
                if not cfg.cluster_nats or cluster.signalled:
                    raise
                _restart_in_cluster(cluster, lost.worker)
                continue
            for worker in cluster.workers:
                if "private" in worker.reports and not worker.reports.get("told_public"):
                    worker.reports["told_public"] = True
                    _tell(worker, "public")
    except _Stopped:
        print("stopping: draining in-flight calls", flush=True)
        return 0 if cluster.stop() else 1
    except _WorkerLost as lost:
        worker = lost.worker
        if not worker.exited:
            print(f"authcore: worker {worker.index} (pid {worker.process.pid}) was stopped by a signal that did not "
                  "come from the supervisor; stopping the others", file=sys.stderr, flush=True)
            cluster.stop()
            return 1
        code = worker.process.wait()
        if starting:
            print(f"authcore: cannot start: partition {worker.index} of {cfg.processes} exited with code {code}; "
                  "stopping the others", file=sys.stderr, flush=True)
        else:
            print(f"authcore: worker {worker.index} (pid {worker.process.pid}) exited unexpectedly with code "
                  f"{code}; stopping the others", file=sys.stderr, flush=True)
        cluster.stop()
        return 2 if starting and code == 2 else 1
    except grpc.RpcError as error:  # the demo met a stopped worker
        print(f"authcore: the demo failed: {error.code().name} {error.details()}", file=sys.stderr, flush=True)
        cluster.stop()
        return 1
