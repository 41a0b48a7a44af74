"""Configuration in one place: defaults that work on a laptop, a TOML file, command-line flags."""

from __future__ import annotations

import dataclasses
import pathlib
import tomllib

from authcore.partitions import MAX_PROCESSES
from authcore.store import DURABILITY_MODES


@dataclasses.dataclass
class Config:
    host: str = "127.0.0.1"
    port: int = 50051
    workers: int = 16
    # Processes serving the accounts, each a partition of them with its own journal (1: one process).
    processes: int = 1
    data_dir: str = "authcore-data"
    durability: str = "normal"
    max_accounts: int = 1_000_000
    # A JSON policy (proto3 JSON of authcore.v1.Policy) made active at start if it differs.
    policy_file: str | None = None
    expiry_interval_s: float = 1.0
    idempotency_retention_s: int = 48 * 3600
    # A snapshot is written (and the journal before it dropped) every this many records.
    snapshot_every_records: int = 100_000

    def validate(self) -> None:
        if self.durability not in DURABILITY_MODES:
            raise ValueError(f"durability must be one of {sorted(DURABILITY_MODES)}")
        if not 0 <= self.port <= 65535:
            raise ValueError("port must be between 0 and 65535")
        if not 1 <= self.workers <= 1024:
            raise ValueError("workers must be between 1 and 1024")
        if type(self.processes) is not int or not 1 <= self.processes <= MAX_PROCESSES:
            raise ValueError(f"processes must be between 1 and {MAX_PROCESSES}")
        if self.snapshot_every_records < 1_000:
            raise ValueError("snapshot_every_records must be at least 1,000")
        if self.idempotency_retention_s < 24 * 3600:
            raise ValueError("idempotency_retention_s must be at least 24 hours")


SECTIONS = {
    "server": ("host", "port", "workers", "processes"),
    "store": ("data_dir", "durability", "snapshot_every_records"),
    "engine": ("max_accounts", "policy_file", "expiry_interval_s", "idempotency_retention_s"),
}


def load(path: str | pathlib.Path | None) -> Config:
    """Defaults, overlaid with a TOML file's [server], [store] and [engine] tables."""
    config = Config()
    if path is None:
        return config
    data = tomllib.loads(pathlib.Path(path).read_text())
    for section, values in data.items():
        allowed = SECTIONS.get(section)
        if allowed is None:
            raise ValueError(f"{path}: unknown section [{section}]")
        for key, value in values.items():
            if key not in allowed:
                raise ValueError(f"{path}: unknown key {key!r} in [{section}]")
            setattr(config, key, value)
    config.validate()
    return config
