"""Accounts partitioned over processes: which partition owns an account or an authorization id,
where each partition keeps its journal, and the manifest that pins a data dir to one count.

Every account belongs to exactly one partition, by a hash of its id that does not depend on
anything else, and each partition is served by one process over its own journal: so every
account has one writer, as in a single process. The count cannot change on a data dir (the
accounts would move between journals); the manifest makes a start with another count refuse.
"""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
import re

MANIFEST = "partitions.json"
SINGLE_JOURNAL = "authcore.db"
MAX_PROCESSES = 64
# sun_path holds 108 bytes with its terminating zero; stay below it with a margin.
MAX_SOCKET_PATH_BYTES = 100
MANIFEST_FORMAT = 1
_TAG = re.compile(r"p(\d{1,2})x(\d{1,2})")


class LayoutRefused(Exception):
    """The data dir was laid out for another number of processes; the server must not start."""


def partition_of(account_id: str, processes: int) -> int:
    """The partition that owns account_id: BLAKE2b-64 of its UTF-8 bytes, little-endian, mod processes."""
    return int.from_bytes(hashlib.blake2b(account_id.encode(), digest_size=8).digest(), "little") % processes


def id_tag(index: int, processes: int) -> str:
    """The tag a partition's engine puts in the ids it makes: "p1x2" is partition 1 of 2."""
    return f"p{index}x{processes}"


def partition_of_id(authorization_id: str, processes: int) -> int | None:
    """The partition that made authorization_id ("au_p1x2_..."), or None when the id carries no
    tag of this layout (no partition holds it)."""
    parts = authorization_id.split("_", 2)
    if len(parts) != 3:
        return None
    match = _TAG.fullmatch(parts[1])
    if match is None:
        return None
    index, count = int(match.group(1)), int(match.group(2))
    if count != processes or index >= count or parts[1] != id_tag(index, count):
        return None
    return index


def partition_dir(data_dir: str | pathlib.Path, index: int, processes: int) -> pathlib.Path:
    """Where partition index keeps its journal and snapshots."""
    return pathlib.Path(data_dir) / f"partition-{index}-of-{processes}"


def socket_dir_for(data_dir: str | pathlib.Path, processes: int) -> pathlib.Path | None:
    """data_dir if every partition's socket path fits a unix socket address there, else None."""
    longest = pathlib.Path(data_dir).resolve() / socket_name(processes - 1, processes)
    return longest.parent if len(str(longest).encode()) <= MAX_SOCKET_PATH_BYTES else None


def socket_name(index: int, processes: int) -> str:
    return f"partition-{index}-of-{processes}.sock"


def check_layout(data_dir: str | pathlib.Path, processes: int) -> None:
    """Refuse (LayoutRefused) a data dir laid out for another number of processes; on the first
    partitioned start, write the manifest."""
    root = pathlib.Path(data_dir)
    manifest = root / MANIFEST
    recorded = _read_manifest(manifest)
    if processes == 1:
        if recorded is not None:
            raise LayoutRefused(f"{root} is partitioned for {recorded} processes ({manifest}); "
                                f"start it with --processes {recorded}")
        return
    if recorded is not None:
        if recorded != processes:
            raise LayoutRefused(f"{root} is partitioned for {recorded} processes ({manifest}), not {processes}; "
                                f"start it with --processes {recorded} (the count of a data dir cannot change: "
                                "its accounts would move between journals)")
        return
    if (root / SINGLE_JOURNAL).exists():
        raise LayoutRefused(f"{root} holds a single-process journal ({root / SINGLE_JOURNAL}); start it without "
                            "--processes, or use a new data dir for multi-process mode")
    root.mkdir(parents=True, exist_ok=True)
    temporary = manifest.with_suffix(".tmp")
    temporary.write_text(json.dumps({"format": MANIFEST_FORMAT, "processes": processes,
                                     "partition": "blake2b-64 of the account id, little-endian, mod processes"}))
    os.replace(temporary, manifest)


def _read_manifest(manifest: pathlib.Path) -> int | None:
    try:
        data = json.loads(manifest.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise LayoutRefused(f"{manifest}: unreadable ({exc}); the server will not guess the layout") from exc
    if not isinstance(data, dict):
        data = {}
    processes = data.get("processes")
    if data.get("format") != MANIFEST_FORMAT or type(processes) is not int or not 2 <= processes <= MAX_PROCESSES:
        raise LayoutRefused(f"{manifest}: not a manifest this build reads; the server will not guess the layout")
    return processes
