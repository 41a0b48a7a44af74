"""A consumer of authcore's events, as billing or collections would write one: the partitions,
then each record of a partition's journal with what it did, resumable from the last seq seen.

    python examples/events.py [--target 127.0.0.1:50051] [--tls-dir certs] [--partition 0]
                              [--from-seq 1] [--count N]

Without --count it watches until Ctrl-C; store the last seq printed and pass it + 1 as --from-seq
to go on where it stopped (nothing missed, nothing twice)."""

from __future__ import annotations

import argparse
import sys

from authcore.v1 import journal_pb2

from _common import connect, parse_args, run_cli  # examples/_common.py, beside this file


def flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--partition", type=int, default=0, help="the partition watched (default: %(default)s)")
    parser.add_argument("--from-seq", type=int, default=0, help="the first seq (default: 0, the first kept)")
    parser.add_argument("--count", type=int, default=0, help="stop after this many records (default: 0, watch on)")


def main(argv: list[str] | None = None) -> int:
    ns = parse_args("Print a partition's journal records as events.", argv, flags)
    with connect(ns, "admin") as admin:  # the events are for admin only
        for owner in admin.partition_map().partitions:
            print(f"partition {owner.partition}: {owner.node or 'this server'} at {owner.address}")
        printed = 0
        for response in admin.watch_events(ns.partition, ns.from_seq):
            for record in response.records:
                effect = journal_pb2.JournalEffect.FromString(record.effect) if record.effect else None
                what = effect.WhichOneof("effect") if effect is not None else "no change"
                print(f"{record.seq} {record.method} {record.request_id or '-'} {what}", flush=True)
                printed += 1
                if printed == ns.count:
                    return 0
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
