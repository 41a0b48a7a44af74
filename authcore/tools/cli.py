"""The authcore command: `authcore serve` and `authcore demo`; the other commands' own modules."""

from __future__ import annotations

import argparse
import faulthandler
import functools
import logging
import pathlib
import signal
import sys
import tempfile
import time

from google.protobuf import json_format

from authcore.cluster import supervisor as cluster
from authcore import observability
from authcore.api import config as config_mod
from authcore.engine import Engine
from authcore.errors import AuthcoreError
from authcore.state.idempotency import IdempotencyIndex
from authcore.observability import events, logs, tracing
from authcore.observability.metrics import endpoint_for as metrics_endpoint
from authcore.tools.demo import LANGS
from authcore.api.gate import public_port
from authcore.api.identity import PLAINTEXT_WARNING
from authcore.cluster.partitions import LayoutRefused, check_layout
from authcore.api.reload import FileWatcher
from authcore.api.server import create_server
from authcore.journal.store import Journal

log = logging.getLogger("authcore")
# How often a serving process looks whether a stop signal came.
STOP_POLL_S = 0.1


def build_engine(cfg: config_mod.Config, data_dir: str | pathlib.Path | None = None, id_tag: str = "") -> Engine:
    """Open the journal in data_dir (default cfg.data_dir), rebuild the state from it, make the
    policy file's policy and the model file's model active if they differ, and watch both."""
    journal = Journal(cfg.data_dir if data_dir is None else data_dir, cfg.durability)
    engine = Engine(journal, max_accounts=cfg.max_accounts,
                    idempotency=IdempotencyIndex(retention_s=cfg.idempotency_retention_s), id_tag=id_tag,
                    audit_retention_s=cfg.audit_retention_days * 86400)
    observability.watch(engine)
    if cfg.policy_file or cfg.model_file:
        watcher = FileWatcher(engine, cfg.policy_file, cfg.model_file)
        try:
            watcher.poll(strict=True)
        except (ValueError, json_format.Error) as exc:
            engine.close()
            raise ValueError(f"policy or model file: {exc}") from exc
        except BaseException:
            engine.close()
            raise
        engine.periodic.append(watcher.poll)
    return engine


def build_service(cfg: config_mod.Config):
    """Open the journal, rebuild the state from it, and build the server."""
    engine = build_engine(cfg)
    interceptors, credentials = public_port(cfg)
    service = create_server(engine, f"{cfg.host}:{cfg.port}", max_workers=cfg.workers,
                            expiry_interval_s=cfg.expiry_interval_s, snapshot_every_records=cfg.snapshot_every_records,
                            interceptors=interceptors, credentials=credentials)
    return service, engine


def demo_certs(ns: argparse.Namespace, cfg: config_mod.Config) -> str | None:
    """Where the demo finds its client certificates: --tls-dir, else beside the client CA."""
    if not cfg.tls:
        return None
    return ns.tls_dir or str(pathlib.Path(cfg.tls_client_ca_file).parent)


def _stop_observing(metrics) -> None:
    """Close the metrics endpoint (when one was opened) and flush the spans not yet exported."""
    events.stopped("authcore")
    if metrics is not None:
        metrics.close()
    tracing.shutdown()


def cmd_serve(ns: argparse.Namespace) -> int:
    try:
        cfg = config_mod.load(ns.config)
        for key in ("host", "port", "data_dir", "durability", "processes", "tls_cert_file", "tls_key_file",
                    "tls_client_ca_file", "metrics_host", "metrics_port", "logging_format", "logging_level",
                    "cluster_nats", "cluster_node"):
            if getattr(ns, key) is not None:
                setattr(cfg, key, getattr(ns, key))
        if ns.tls_dir is not None:
            cfg.use_tls_dir(ns.tls_dir)
        cfg.validate()
    except (OSError, ValueError) as exc:
        print(f"authcore: bad configuration: {exc}", file=sys.stderr)
        return 2
    logs.configure(cfg.logging_format, cfg.logging_level)
    if ns.partition is not None or (cfg.processes == 1 and not cfg.cluster_nats):  # the processes that serve calls
        tracing.configure(cfg.telemetry_otlp_endpoint)
    if ns.partition is not None:
        return cluster.run_worker(cfg, ns.partition, ns.socket_dir, functools.partial(build_engine, cfg))
    if cfg.processes > 1 or cfg.cluster_nats:
        return cluster.run_supervisor(cfg, ns.config, demo=ns.demo, exit_after_demo=ns.exit_after_demo, lang=ns.lang,
                                      tls_dir=demo_certs(ns, cfg))
    try:
        check_layout(cfg.data_dir, 1)
    except LayoutRefused as exc:
        print(f"authcore: cannot start: {exc}", file=sys.stderr)
        return 2
    try:
        service, engine = build_service(cfg)
        metrics = metrics_endpoint(cfg)
    except (AuthcoreError, RuntimeError, ValueError, OSError) as exc:
        print(f"authcore: cannot start: {exc}", file=sys.stderr)
        return 2
    # The stop signals are taken before the port opens, so that a SIGTERM at any point after it
    # stops the server in order. The handler only sets a flag: a handler runs in the main thread
    # between two bytecodes, where setting an Event whose lock that thread holds would deadlock.
    stop_signals: list[int] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda signum, _frame: stop_signals.append(signum))
    service.start()
    target = f"{cfg.host}:{service.port}"
    events.started("authcore", address=target, data_dir=str(cfg.data_dir), durability=cfg.durability,
                   accounts=engine.ledger.n_accounts, journal_records=engine.replayed_records,
                   policy_version=engine.ledger.policy.version, model_version=engine.model_info.version,
                   metrics_port=None if metrics is None else metrics.port)
    print(f"authcore serving on {target} ({'mutual TLS' if cfg.tls else 'plaintext'}, data dir {cfg.data_dir}, "
          f"durability {cfg.durability}, {engine.ledger.n_accounts} accounts and {engine.replayed_records} journal "
          f"records loaded, policy {engine.ledger.policy.version})", flush=True)
    if metrics is not None:
        print(f"metrics on http://{cfg.metrics_host}:{metrics.port}/metrics", flush=True)
    if not cfg.tls:
        log.warning(PLAINTEXT_WARNING)
    demo_ran = True
    if ns.demo:
        from authcore.tools.demo import run_demo_beside_service

        demo_ran = run_demo_beside_service(target, lang=ns.lang, tls_dir=demo_certs(ns, cfg),
                                           keeps_serving=not ns.exit_after_demo)
    if ns.exit_after_demo:
        _stop_observing(metrics)
        service.stop(cfg.shutdown_grace_s)
        return 0 if demo_ran else 1
    print("press Ctrl-C to stop", flush=True)
    while not stop_signals:
        time.sleep(STOP_POLL_S)
    print(f"stopping: health NOT_SERVING, draining in-flight calls (at most {cfg.shutdown_grace_s:g} s)", flush=True)
    # Every step of the stop is bounded; a stop that still hangs says where, and exits.
    faulthandler.dump_traceback_later(cfg.drain_delay_s + 2 * cfg.shutdown_grace_s + 30, exit=True)
    service.stop(cfg.shutdown_grace_s, cfg.drain_delay_s)
    print(f"stopped: journal flushed through record {engine.journal.last_seq}", flush=True)
    _stop_observing(metrics)
    return 0


def cmd_demo(ns: argparse.Namespace) -> int:
    import grpc

    from authcore.tools.demo import Unreachable, describe_failure, run_demo

    try:
        if ns.target:
            run_demo(ns.target, lang=ns.lang)
            return 0
        with tempfile.TemporaryDirectory(prefix="authcore-demo-") as data_dir:
            cfg = config_mod.Config(port=0, data_dir=data_dir)
            service, _ = build_service(cfg)
            service.start()
            try:
                run_demo(f"127.0.0.1:{service.port}", lang=ns.lang)
            finally:
                service.stop()
    except Unreachable as exc:
        print(f"authcore demo: {exc}", file=sys.stderr)
        return 1
    except grpc.RpcError as error:
        print(f"authcore demo: a call to {ns.target or 'the in-process server'} failed: {describe_failure(error)}",
              file=sys.stderr)
        return 1
    return 0


def version() -> str:
    """The installed package's version: the contract's (contract/VERSION), which the server and
    both client packages carry."""
    from importlib import metadata

    try:
        return metadata.version("authcore")
    except metadata.PackageNotFoundError:  # run from a source tree that is not installed
        return "0+unknown"


def main(argv: list[str] | None = None) -> int:
    logs.configure("text", "INFO")  # `serve` reconfigures from its flags and configuration
    parser = argparse.ArgumentParser(prog="authcore", description="Authorization core for credit-line payments.")
    parser.add_argument("--version", action="version", version=f"authcore {version()}",
                        help="print the version and exit")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the gRPC server on the embedded store")
    serve.add_argument("--config", help="TOML configuration file")
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default 50051; 0 picks a free one)")
    serve.add_argument("--data-dir", dest="data_dir", help="where the journal lives (default ./authcore-data)")
    serve.add_argument("--durability", choices=["normal", "fsync"], help="journal durability mode")
    serve.add_argument("--metrics-port", dest="metrics_port", type=int,
                       help="serve Prometheus metrics on this port (worker i of --processes N: port + i)")
    serve.add_argument("--metrics-host", dest="metrics_host", help="address of the metrics port (default 127.0.0.1)")
    serve.add_argument("--log-format", dest="logging_format", choices=logs.FORMATS,
                       help="logs on stderr: text (default) or json, one object a line; masked either way")
    serve.add_argument("--log-level", dest="logging_level", choices=logs.LEVELS, help="default INFO")
    serve.add_argument("--tls-dir", dest="tls_dir",
                       help="mutual TLS with the server.pem, server-key.pem and ca.pem of `authcore certs`")
    serve.add_argument("--tls-cert", dest="tls_cert_file", help="the server's certificate (PEM)")
    serve.add_argument("--tls-key", dest="tls_key_file", help="the server's private key (PEM)")
    serve.add_argument("--tls-client-ca", dest="tls_client_ca_file",
                       help="the CA the clients' certificates must chain to (PEM)")
    serve.add_argument("--processes", type=int,
                       help="processes, each serving a partition of the accounts on the shared port (default 1)")
    serve.add_argument("--cluster", dest="cluster_nats", metavar="NATS_URLS",
                       help="serve as a node of a cluster on these NATS JetStream servers (comma-separated "
                            "nats:// URLs): one process a partition (--processes), each the owner or a warm "
                            "standby of its partition; see docs/scale-out.md")
    serve.add_argument("--node", dest="cluster_node", help="this node's name in the cluster (unique)")
    # A worker of `--processes N`, started by the supervisor: its partition and the private sockets' dir.
    serve.add_argument("--partition", type=int, help=argparse.SUPPRESS)
    serve.add_argument("--socket-dir", dest="socket_dir", help=argparse.SUPPRESS)
    serve.add_argument("--demo", action="store_true", help="after starting, run the scripted demo against it")
    serve.add_argument("--exit-after-demo", action="store_true", help="stop after the demo (with --demo)")
    serve.add_argument("--lang", choices=LANGS, default="en",
                       help="language of the demo's messages: en, or zh (also spelled zh-CN) (default en)")
    serve.set_defaults(func=cmd_serve)
    demo = sub.add_parser("demo", help="run the scripted demo (against --target, or an in-process server)")
    demo.add_argument("--target", help="host:port of a running server")
    demo.add_argument("--lang", choices=LANGS, default="en",
                      help="language of the demo's messages: en, or zh (also spelled zh-CN) (default en)")
    demo.set_defaults(func=cmd_demo)
    crash = sub.add_parser("crashtest", help="kill -9 the server under load, restart, check the invariants",
                           add_help=False)
    crash.set_defaults(func=None)
    sub.add_parser("bench", help="load a server with simulated traffic beside its transport floor", add_help=False)
    sub.add_parser("certs", help="make development certificates for mutual TLS", add_help=False)
    sub.add_parser("audit", help="export the decision audit (parquet, csv) or decide it again", add_help=False)
    sub.add_parser("policy", help="print the default or a server's policy as JSON (policy show)", add_help=False)
    sub.add_parser("import", help="open or update accounts in bulk from a CSV or parquet file (ImportAccounts)",
                   add_help=False)
    sub.add_parser("cluster", help="cluster up: a local NATS JetStream cluster and authcore nodes (development); "
                                   "cluster move: hand a partition over to another node",
                   add_help=False)
    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] == ["crashtest"]:
        from authcore.tools.crashtest import main as crashtest

        return crashtest(argv[1:])
    if argv[:1] == ["certs"]:
        from authcore.tools.certs import main as certs

        return certs(argv[1:])
    if argv[:1] == ["audit"]:
        from authcore.journal.audit import main as audit

        return audit(argv[1:])
    if argv[:1] == ["policy"]:
        from authcore.tools.policy_tool import main as policy

        return policy(argv[1:])
    if argv[:1] == ["import"]:
        from authcore.tools.importer import main as import_accounts

        return import_accounts(argv[1:])
    if argv[:1] == ["cluster"]:
        from authcore.tools.cluster_cli import main as cluster_up

        return cluster_up(argv[1:])
    if argv[:1] == ["bench"]:
        from authcore.tools.bench import main as bench

        return bench(argv[1:])
    ns = parser.parse_args(argv)
    return ns.func(ns)


if __name__ == "__main__":
    sys.exit(main())
