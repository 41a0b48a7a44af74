"""The short variant of the crash harness: kill -9 the real server under concurrent load from
the three channels, restart it, and check that nothing acknowledged was lost or doubled.
The long run (`authcore crashtest --cycles 50`) is in the README."""

from authcore.tools.crashtest import Harness


import sqlite3


def test_kill_minus_nine_loses_and_doubles_nothing(tmp_path):
    report = Harness(str(tmp_path), threads=6, seed=1).run(cycles=3, min_run_s=0.6, max_run_s=1.2)
    assert report.cycles == 3
    assert report.acknowledged > 1000 and report.replays_checked > 1000
    assert (report.lost, report.doubled, report.invariant_failures) == (0, 0, [])
    snapshots = sqlite3.connect(tmp_path / "authcore.db").execute("SELECT count(*) FROM snapshot").fetchone()[0]
    assert snapshots == 1, "the run crossed at least one snapshot (every 1,000 records)"
