"""scripts/overload_run.py refuses a load-generator count it cannot use, before starting anything."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "overload_run.py"


@pytest.mark.parametrize("processes", ["0", "65"])
def test_client_processes_out_of_range_are_refused(processes):
    done = subprocess.run([sys.executable, str(SCRIPT), "--client-processes", processes],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 2
    assert f"--client-processes {processes}: choose 1 to 64 processes" in done.stderr
