"""scripts/release.py: one version (contract/VERSION) carried by the server and both client
packages, checked before anything is built; the build makes the pure-Python client wheel and
sdist, the npm package and the server's sdist."""

from __future__ import annotations

import json
import pathlib
import shutil
import subprocess
import sys
import tarfile
import zipfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import release  # noqa: E402

VERSION = (ROOT / "contract" / "VERSION").read_text().strip()


@pytest.fixture
def copy(tmp_path, monkeypatch):
    """The places a version is written, copied, with the script pointed at the copies."""
    (tmp_path / "contract").mkdir()
    shutil.copy(ROOT / "contract" / "VERSION", tmp_path / "contract" / "VERSION")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "clients" / "python").mkdir(parents=True)
    (tmp_path / "clients" / "python" / "VERSION").symlink_to("../../contract/VERSION")
    monkeypatch.setattr(release, "ROOT", tmp_path)
    monkeypatch.setattr(release, "VERSION_FILE", tmp_path / "contract" / "VERSION")
    monkeypatch.setattr(release, "SERVER", tmp_path / "pyproject.toml")
    node = ROOT / "clients" / "node" / "package.json"
    if node.exists():
        (tmp_path / "clients" / "node").mkdir()
        shutil.copy(node, tmp_path / "clients" / "node" / "package.json")
    monkeypatch.setattr(release, "NODE", tmp_path / "clients" / "node" / "package.json")
    return tmp_path


def test_every_place_carries_the_contract_version():
    versions = release.carried_versions()
    assert set(versions.values()) == {VERSION}, versions
    assert "clients/node/package.json" in versions


def test_a_place_that_differs_is_named_and_nothing_is_built(copy, capsys):
    package = json.loads((copy / "clients" / "node" / "package.json").read_text())
    package["version"] = "9.9.9"
    (copy / "clients" / "node" / "package.json").write_text(json.dumps(package))
    assert release.main(["--check"]) == 1
    err = capsys.readouterr().err
    assert f"differs from contract/VERSION ({VERSION}): clients/node/package.json says 9.9.9" in err
    assert "release.py --version X writes every place" in err


def test_a_new_version_is_written_to_every_place(copy):
    release.write_version("2.3.4")
    assert (copy / "contract" / "VERSION").read_text() == "2.3.4\n"
    assert set(release.carried_versions().values()) == {"2.3.4"}
    assert '"authcore-client==2.3.4"' in (copy / "pyproject.toml").read_text()
    with pytest.raises(release.ReleaseError, match="not a version"):
        release.write_version("two")


def test_the_release_builds_both_packages_and_the_server_source(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "release.py"), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, cwd=ROOT, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    built = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert built == sorted([f"authcore-{VERSION}.tar.gz", f"authcore-client-{VERSION}.tgz",
                            f"authcore_client-{VERSION}-py3-none-any.whl", f"authcore_client-{VERSION}.tar.gz"])
    assert "+ npx buf breaking --against contract/authcore-v1-release.json" in done.stdout
    for name in built:
        assert f"{name}" in done.stdout and "sha256" in done.stdout
    wheel = zipfile.ZipFile(tmp_path / "out" / f"authcore_client-{VERSION}-py3-none-any.whl").namelist()
    assert "authcore/client/sync.py" in wheel and not any(n.endswith(".so") for n in wheel)
    server = tarfile.open(tmp_path / "out" / f"authcore-{VERSION}.tar.gz").getnames()
    assert f"authcore-{VERSION}/authcore/engine/facade.py" in server
    assert not any("/authcore/v1/" in n or "/authcore/client/" in n for n in server)
    npm = tarfile.open(tmp_path / "out" / f"authcore-client-{VERSION}.tgz").getnames()
    assert "package/package.json" in npm and any(n.startswith("package/proto/") for n in npm)
