"""Memory and CPU time per hold of the ledger's holds, placed as bulk chunks place them.

    python benchmarks/hold_memory.py [holds]      (default 1,000,000)

Places the holds through Ledger.place_holds in chunks of 1,000 on 100 accounts and prints the
growth of the process's resident memory per hold and the CPU time of place_holds per hold (the
minimum and the mean over the chunks: the mean includes the garbage collector's work, which
grows with the Python objects alive). The same script runs on any build with Ledger.place_holds,
so that two builds can be compared on one machine."""

from __future__ import annotations

import math
import sys
import time

from authcore.decision.policy import default_policy
from authcore.state.ledger import Ledger
from authcore.v1 import common_pb2 as c

CHUNK = 1_000
ACCOUNTS = 100


def rss_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status (Linux only)")


def main(holds: int) -> None:
    ledger = Ledger(default_policy(), ACCOUNTS)
    for a in range(ACCOUNTS):
        ledger.upsert(f"acct-{a}", limit=10**15, status=c.ACCOUNT_STATUS_ACTIVE, tier=c.TIER_STANDARD,
                      overrides=None, overdue=0, currency=156, zone="Asia/Shanghai", utc_offset_s=8 * 3600)
    accounts = [f"acct-{i % ACCOUNTS}" for i in range(CHUNK)]
    merchants = [f"m-{i % 50}" for i in range(CHUNK)]
    amounts = [100 + i for i in range(CHUNK)]
    zeros, nans = [0] * CHUNK, [math.nan] * CHUNK
    before = rss_kib()
    times = []
    for k in range(holds // CHUNK):
        ids = [f"au_0123456789{k * CHUNK + i:010x}" for i in range(CHUNK)]
        started = time.process_time()
        ledger.place_holds(ids, accounts, merchants, 2_000_000_000, zeros, amounts, zeros, zeros, zeros, nans, nans,
                           zeros, zeros, 1_800_000_000 + k)
        times.append(time.process_time() - started)
    grown = (rss_kib() - before) * 1024
    placed = len(times) * CHUNK
    print(f"{placed:,} holds: resident memory +{grown / 2**20:.1f} MiB, {grown / placed:.0f} bytes per hold; "
          f"place_holds {min(times) / CHUNK * 1e6:.2f} us per hold (min), "
          f"{sum(times) / placed * 1e6:.2f} (mean)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
