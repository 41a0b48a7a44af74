"""The committed stubs in clients/python/authcore/v1 are exactly what proto/ generates."""

from __future__ import annotations

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_stubs_match_protos(tmp_path):
    subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_protos.py"), "--out", str(tmp_path)], check=True)
    generated = tmp_path / "authcore" / "v1"
    committed = ROOT / "clients" / "python" / "authcore" / "v1"
    names = sorted(p.name for p in generated.iterdir() if p.suffix in (".py", ".pyi") and p.name != "__init__.py")
    assert names == sorted(p.name for p in committed.iterdir()
                           if p.suffix in (".py", ".pyi") and p.name != "__init__.py"), "stub files differ"
    for name in names:
        assert (generated / name).read_text() == (committed / name).read_text(), (
            f"clients/python/authcore/v1/{name} is stale: run python scripts/gen_protos.py")
