"""Build a release of authcore: the contract's two client packages and the server's source.

  python scripts/release.py                 check, then build the version in contract/VERSION
  python scripts/release.py --version 0.2.0 write the new version first (contract/VERSION, and
                                            where the packages carry it), then check and build
  python scripts/release.py --check         check only: every version agrees, buf lint and
                                            buf breaking pass, the stubs are what proto/ generates

contract/VERSION is the one place the version is written; the server (pyproject.toml: its version
and its pin of authcore-client), the Python client (clients/python/VERSION links to it) and the
Node.js package (clients/node/package.json) carry it, and the checks fail when any differs.
Builds into dist/release-VERSION/:
  authcore_client-VERSION-py3-none-any.whl and its sdist   (pure Python; clients/python)
  authcore-client-VERSION.tgz                              (npm pack of clients/node)
  authcore-VERSION.tar.gz                                  (the server's sdist; compiled on install)
and prints each file with its size and sha256. After publishing, `make contract-release` makes
this contract the baseline buf breaking compares against.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
VERSION_FILE = ROOT / "contract" / "VERSION"
SERVER = ROOT / "pyproject.toml"
NODE = ROOT / "clients" / "node" / "package.json"
PIN = re.compile(r'"authcore-client==([^"]+)"')
SEMVER = re.compile(r"^\d+\.\d+\.\d+(?:[-.]?(?:a|b|rc|dev)\d+)?$")


class ReleaseError(Exception):
    pass


def read_version() -> str:
    return VERSION_FILE.read_text().strip()


def carried_versions() -> dict[str, str]:
    """Where the version is carried, and what each place says."""
    found = {"contract/VERSION": read_version()}
    pin = PIN.search(SERVER.read_text())
    found["pyproject.toml (authcore-client==)"] = pin.group(1) if pin else "(no pin)"
    link = ROOT / "clients" / "python" / "VERSION"
    found["clients/python/VERSION"] = link.read_text().strip() if link.exists() else "(missing)"
    if NODE.exists():
        found["clients/node/package.json"] = json.loads(NODE.read_text())["version"]
    return found


def write_version(version: str) -> None:
    if not SEMVER.match(version):
        raise ReleaseError(f"--version {version}: not a version like 1.2.3")
    VERSION_FILE.write_text(version + "\n")
    SERVER.write_text(PIN.sub(f'"authcore-client=={version}"', SERVER.read_text()))
    if NODE.exists():
        package = json.loads(NODE.read_text())
        package["version"] = version
        NODE.write_text(json.dumps(package, indent=2, ensure_ascii=False) + "\n")


def run(*args: str, cwd: pathlib.Path = ROOT) -> None:
    """A step of the release; its output is shown only when it fails."""
    shown = [pathlib.Path(args[0]).name, *(str(a).replace(str(ROOT) + "/", "") for a in args[1:])]
    print("+", " ".join(shown), flush=True)
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
        raise ReleaseError(f"{' '.join(args)} failed (exit {done.returncode})")


def check() -> str:
    versions = carried_versions()
    version = versions["contract/VERSION"]
    wrong = {where: v for where, v in versions.items() if v != version}
    if wrong:
        raise ReleaseError("the version differs from contract/VERSION (" + version + "): "
                           + ", ".join(f"{where} says {v}" for where, v in wrong.items())
                           + "; python scripts/release.py --version X writes every place")
    npx = shutil.which("npx")
    if npx is None:
        raise ReleaseError("npx (Node.js) is needed for buf lint, buf breaking and npm pack")
    run(npx, "buf", "lint")
    run(npx, "buf", "breaking", "--against", "contract/authcore-v1-release.json")
    with tempfile.TemporaryDirectory() as tmp:
        run(sys.executable, "scripts/gen_protos.py", "--out", tmp)
        generated = pathlib.Path(tmp) / "authcore" / "v1"
        committed = ROOT / "clients" / "python" / "authcore" / "v1"
        stale = [p.name for p in generated.glob("*_pb2*.py*") if p.read_text() != (committed / p.name).read_text()]
        if stale:
            raise ReleaseError(f"clients/python/authcore/v1 is stale ({', '.join(sorted(stale))}): make protos")
    return version


def build(version: str, out: pathlib.Path) -> list[pathlib.Path]:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        # Built from copies, so that nothing is written into the source tree.
        client = pathlib.Path(tmp) / "client"
        shutil.copytree(ROOT / "clients" / "python", client,
                        ignore=shutil.ignore_patterns("*.egg-info", "build", "__pycache__"))
        run(sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(client))
        server = pathlib.Path(tmp) / "server"
        shutil.copytree(ROOT, server, ignore=shutil.ignore_patterns(
            ".git", ".venv", "node_modules", "dist", "build", "*.egg-info", "__pycache__", "authcore-data",
            ".pytest_cache", ".benchmarks", ".hypothesis", "*.so", "clients"))
        run(sys.executable, "-m", "build", "--no-isolation", "--sdist", "--outdir", str(out), str(server))
    if NODE.exists():
        run(shutil.which("npm") or "npm", "pack", "--pack-destination", str(out), str(NODE.parent))
    files = sorted(p for p in out.iterdir() if version in p.name)
    expected = {f"authcore_client-{version}-py3-none-any.whl", f"authcore_client-{version}.tar.gz",
                f"authcore-{version}.tar.gz"} | ({f"authcore-client-{version}.tgz"} if NODE.exists() else set())
    missing = expected - {p.name for p in files}
    if missing:
        raise ReleaseError(f"the build did not make {', '.join(sorted(missing))}")
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", help="the new version: written to contract/VERSION and every place that carries it")
    parser.add_argument("--check", action="store_true", help="check only, build nothing")
    parser.add_argument("--out", type=pathlib.Path, help="where to build (default dist/release-VERSION)")
    ns = parser.parse_args(argv)
    try:
        if ns.version:
            write_version(ns.version)
        version = check()
        if ns.check:
            print(f"release {version}: versions agree, buf lint and buf breaking pass, stubs are current")
            return 0
        out = ns.out or ROOT / "dist" / f"release-{version}"
        for path in build(version, out):
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            print(f"{path.relative_to(out.parent) if out.parent in path.parents else path}  "
                  f"{path.stat().st_size:>9,} B  sha256 {digest}")
    except ReleaseError as error:
        print(f"release: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
