"""Configuration in one place: defaults that work on a laptop, a TOML file, command-line flags."""

from __future__ import annotations

import dataclasses
import pathlib
import tomllib

from authcore.api.admission import Limits
from authcore.api.identity import NodeTlsFiles
from authcore.observability.logs import FORMATS as LOG_FORMATS, LEVELS as LOG_LEVELS
from authcore.cluster.partitions import MAX_PROCESSES
from authcore._fast.index import MAX_ACCOUNTS_LIMIT
from authcore.journal.store import DURABILITY_MODES


@dataclasses.dataclass
class Config:
    host: str = "127.0.0.1"
    port: int = 50051
    workers: int = 16
    # Graceful shutdown: NOT_SERVING is reported drain_delay_s before the port stops taking calls,
    # then calls in flight have shutdown_grace_s to finish.
    drain_delay_s: float = 0.0
    shutdown_grace_s: float = 5.0
    # Processes serving the accounts, each a partition of them with its own journal (1: one process).
    processes: int = 1
    data_dir: str = "authcore-data"
    durability: str = "normal"
    max_accounts: int = 1_000_000
    # A JSON policy (proto3 JSON of authcore.v1.Policy) made active at start if it differs.
    policy_file: str | None = None
    # A model file (as SetRiskModel takes it) made active at start if it differs. Both files are
    # watched while serving: new content is validated and made active without a restart.
    model_file: str | None = None
    expiry_interval_s: float = 1.0
    idempotency_retention_s: int = 48 * 3600
    # A snapshot is written (and the journal before it dropped) every this many records.
    snapshot_every_records: int = 100_000
    # Decisions are kept in the audit this long (authcore.journal.audit), then pruned by the sweeper.
    audit_retention_days: int = 400
    # Mutual TLS (all three, or none for plaintext on a loopback address): the server's
    # certificate and key, and the CA that signs the clients' certificates (authcore certs).
    tls_cert_file: str | None = None
    tls_key_file: str | None = None
    tls_client_ca_file: str | None = None
    # Prometheus metrics over HTTP ([metrics] host, port): off while metrics_port is None. With
    # --processes N, worker i serves on metrics_port + i (0: each worker picks a free port).
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = None
    # OpenTelemetry spans to this OTLP/gRPC endpoint ([telemetry] otlp_endpoint; else
    # $OTEL_EXPORTER_OTLP_ENDPOINT), when the otel extra is installed.
    telemetry_otlp_endpoint: str | None = None
    # Logs on stderr ([logging] format, level): "text" for people or "json", one object a line.
    logging_format: str = "text"
    logging_level: str = "INFO"
    # A cluster on NATS JetStream ([cluster], authcore.cluster.replication): the servers' URLs,
    # comma-separated (empty: no cluster, the embedded store alone), this node's name (unique in
    # the cluster), the partitions' lease, and the address of the private ports that other nodes
    # forward calls to (published in the leases: one the other nodes reach this node at).
    cluster_nats: str = ""
    cluster_node: str = ""
    cluster_lease_s: float = 1.0
    cluster_private_host: str = "127.0.0.1"
    # With [tls], the private ports serve mutual TLS with this node certificate and key (unset:
    # node.pem and node-key.pem beside [tls] client_ca_file, as `authcore certs` writes them).
    cluster_node_cert_file: str | None = None
    cluster_node_key_file: str | None = None
    # Replicas of each partition's stream and of the lease bucket (JetStream's R): 3 survives the
    # loss of one server; at most the number of JetStream servers.
    cluster_replicas: int = 3
    # Admission control of the public port ([limits], authcore.api.admission).
    limits: Limits = dataclasses.field(default_factory=Limits)

    @property
    def tls(self) -> bool:
        return self.tls_cert_file is not None

    def validate(self) -> None:
        if self.durability not in DURABILITY_MODES:
            raise ValueError(f"durability must be one of {sorted(DURABILITY_MODES)}")
        if not 0 <= self.port <= 65535:
            raise ValueError("port must be between 0 and 65535")
        if type(self.max_accounts) is not int or not 1 <= self.max_accounts <= MAX_ACCOUNTS_LIMIT:
            raise ValueError(f"max_accounts must be between 1 and {MAX_ACCOUNTS_LIMIT:,}")
        if not 1 <= self.workers <= 1024:
            raise ValueError("workers must be between 1 and 1024")
        if type(self.processes) is not int or not 1 <= self.processes <= MAX_PROCESSES:
            raise ValueError(f"processes must be between 1 and {MAX_PROCESSES}")
        if not 0 <= self.drain_delay_s <= 300 or not 0 < self.shutdown_grace_s <= 300:
            raise ValueError("drain_delay_s must be between 0 and 300 s, shutdown_grace_s above 0 and at most 300 s")
        if self.snapshot_every_records < 1_000:
            raise ValueError("snapshot_every_records must be at least 1,000")
        if type(self.audit_retention_days) is not int or not 1 <= self.audit_retention_days <= 36_500:
            raise ValueError("audit_retention_days must be between 1 and 36,500")
        if self.idempotency_retention_s < 24 * 3600:
            raise ValueError("idempotency_retention_s must be at least 24 hours")
        if self.metrics_port is not None and (type(self.metrics_port) is not int
                                              or not 0 <= self.metrics_port <= 65536 - self.processes):
            raise ValueError(f"[metrics] port must be between 0 and {65536 - self.processes} (one a process)")
        if self.logging_format not in LOG_FORMATS:
            raise ValueError(f"[logging] format must be one of {LOG_FORMATS}")
        if str(self.logging_level).upper() not in LOG_LEVELS:
            raise ValueError(f"[logging] level must be one of {LOG_LEVELS}")
        if self.cluster_nats:
            if not self.cluster_node or not all(ch.isalnum() or ch in "-_" for ch in self.cluster_node) \
                    or len(self.cluster_node) > 64:
                raise ValueError("[cluster] node must be 1 to 64 letters, digits, '-' or '_', unique in the cluster")
            if not 0.2 <= self.cluster_lease_s <= 60:
                raise ValueError("[cluster] lease_s must be between 0.2 and 60 s")
            if type(self.cluster_replicas) is not int or not 1 <= self.cluster_replicas <= 5:
                raise ValueError("[cluster] replicas must be between 1 and 5 (JetStream's limit)")
            host = self.cluster_private_host
            if not host or host in WILDCARD_HOSTS:
                raise ValueError(f"[cluster] private_host {host!r}: the other nodes dial this address (it is "
                                 "published in the partitions' leases); give this machine's own address, not a "
                                 "wildcard")
            if not is_loopback(host) and not self.tls:
                raise ValueError(f"[cluster] private_host {host} is not a loopback address: across machines the "
                                 "private ports serve mutual TLS only; configure [tls] (authcore certs writes a "
                                 "node certificate too) or keep private_host on loopback")
        self.limits.validate()
        tls = (self.tls_cert_file, self.tls_key_file, self.tls_client_ca_file)
        if any(tls) and not all(tls):
            raise ValueError("[tls] needs cert_file, key_file and client_ca_file together")
        if all(tls):
            for path in tls:
                if not pathlib.Path(path).is_file():
                    raise ValueError(f"[tls] {path}: no such file")
        elif not is_loopback(self.host):
            raise ValueError(f"plaintext is for local development: {self.host} is not a loopback address; "
                             "configure [tls] (authcore certs makes development certificates)")
        node = (self.cluster_node_cert_file, self.cluster_node_key_file)
        if any(node) and not all(node):
            raise ValueError("[cluster] needs node_cert_file and node_key_file together")
        files = self.node_tls()
        if self.cluster_nats and files is not None:
            for path in (files.cert_file, files.key_file):
                if not pathlib.Path(path).is_file():
                    raise ValueError(f"[cluster] node certificate {path}: no such file; with [tls] the private "
                                     "ports serve mutual TLS with a node certificate: `authcore certs` writes "
                                     "node.pem and node-key.pem beside ca.pem, or set [cluster] node_cert_file "
                                     "and node_key_file")

    def node_tls(self) -> NodeTlsFiles | None:
        """The private ports' mutual TLS files (None without [tls]: plaintext on loopback)."""
        if not self.tls or not self.tls_client_ca_file:
            return None
        beside_ca = pathlib.Path(self.tls_client_ca_file).parent
        return NodeTlsFiles(self.cluster_node_cert_file or str(beside_ca / "node.pem"),
                            self.cluster_node_key_file or str(beside_ca / "node-key.pem"), self.tls_client_ca_file)

    def use_tls_dir(self, directory: str) -> None:
        """The files `authcore certs` wrote into directory."""
        d = pathlib.Path(directory)
        self.tls_cert_file, self.tls_key_file, self.tls_client_ca_file = (
            str(d / "server.pem"), str(d / "server-key.pem"), str(d / "ca.pem"))


LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
# Addresses that listen everywhere but that no other node can dial.
WILDCARD_HOSTS = ("0.0.0.0", "::", "[::]")


def is_loopback(host: str) -> bool:
    return host in LOOPBACK_HOSTS or host.startswith("127.")


SECTIONS = {
    "server": ("host", "port", "workers", "processes", "drain_delay_s", "shutdown_grace_s"),
    "store": ("data_dir", "durability", "snapshot_every_records", "audit_retention_days"),
    "engine": ("max_accounts", "policy_file", "model_file", "expiry_interval_s", "idempotency_retention_s"),
    "tls": ("cert_file", "key_file", "client_ca_file"),
    "metrics": ("host", "port"),
    "telemetry": ("otlp_endpoint",),
    "logging": ("format", "level"),
    "cluster": ("nats", "node", "lease_s", "private_host", "replicas", "node_cert_file", "node_key_file"),
}
# Keys whose attribute carries their section's name first.
PREFIXED = ("tls", "metrics", "telemetry", "logging", "cluster")


def load(path: str | pathlib.Path | None) -> Config:
    """Defaults, overlaid with a TOML file's tables ([server], [store], [engine], [tls], [limits],
    [metrics], [telemetry], [logging]; docs/operations.md lists every key)."""
    config = Config()
    if path is None:
        return config
    data = tomllib.loads(pathlib.Path(path).read_text())
    for section, values in data.items():
        if section == "limits":
            fields = {f.name for f in dataclasses.fields(Limits)}
            unknown = sorted(set(values) - fields)
            if unknown:
                raise ValueError(f"{path}: unknown key {unknown[0]!r} in [limits]")
            config.limits = Limits(**values)
            continue
        allowed = SECTIONS.get(section)
        if allowed is None:
            raise ValueError(f"{path}: unknown section [{section}]")
        for key, value in values.items():
            if key not in allowed:
                raise ValueError(f"{path}: unknown key {key!r} in [{section}]")
            setattr(config, f"{section}_{key}" if section in PREFIXED else key, value)
    config.validate()
    return config
