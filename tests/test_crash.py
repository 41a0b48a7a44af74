"""The short variant of the crash harness: kill -9 the real server under concurrent load from
the three channels, restart it, and check that nothing acknowledged was lost or doubled.
The long run (`authcore crashtest --cycles 50`) is in the README."""

from authcore.crashtest import Harness


def test_kill_minus_nine_loses_and_doubles_nothing(tmp_path):
    report = Harness(str(tmp_path), threads=6, seed=1).run(cycles=3, min_run_s=0.3, max_run_s=0.8)
    assert report.cycles == 3
    assert report.acknowledged > 300 and report.replays_checked > 300
    assert (report.lost, report.doubled, report.invariant_failures) == (0, 0, [])
