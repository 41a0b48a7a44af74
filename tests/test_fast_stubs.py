"""The type stubs of the compiled kernels (authcore/_fast/*.pyi) say what the compiled modules
really have: mypy's stubtest compares every name, class, property and signature of the stubs
with the modules at run time, so a kernel whose Python API changes without its stub fails here.
Only what Cython adds to every module (authcore/_fast/stubtest-allowlist.txt) is left out."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
FAST = ROOT / "authcore" / "_fast"


def test_every_compiled_module_has_a_stub():
    compiled = {p.stem for p in FAST.glob("*.pyx")}
    assert compiled == {"state", "decide", "models", "ledger", "holds", "risk", "wire", "path", "locks", "index", "requests"}
    assert {p.stem for p in FAST.glob("*.pyi")} == compiled


def test_the_stubs_match_the_compiled_modules():
    modules = [f"authcore._fast.{p.stem}" for p in sorted(FAST.glob("*.pyx"))]
    done = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "--concise", "--allowlist", str(FAST / "stubtest-allowlist.txt"),
         *modules],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
        env={**os.environ, "MYPYPATH": os.pathsep.join([str(ROOT), str(ROOT / "clients" / "python")])})
    assert done.returncode == 0, done.stdout + done.stderr
