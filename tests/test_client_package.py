"""The contract as a Python package of its own (clients/python, `authcore-client`): its wheel is
pure Python, installs into a fresh virtualenv with no compiler and no numpy, pays through a live
server with authcore.client, and types a caller's code under mypy."""

from __future__ import annotations

import os
import pathlib
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile

import pytest

from tests.test_examples import plaintext  # noqa: F401  (a live `authcore serve`, one per module)

ROOT = pathlib.Path(__file__).resolve().parent.parent
CLIENT = ROOT / "clients" / "python"
VERSION = (ROOT / "contract" / "VERSION").read_text().strip()
DEPENDENCIES = {"grpcio", "grpcio-status", "protobuf", "googleapis-common-protos"}


def run(*args: str, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(args, capture_output=True, text=True, timeout=600, **kwargs)
    assert done.returncode == 0, f"{args}: {done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> pathlib.Path:
    """The wheel, built from a copy of clients/python (the build writes nothing into the tree)."""
    root = tmp_path_factory.mktemp("client-wheel")
    source = root / "src"
    shutil.copytree(CLIENT, source, ignore=shutil.ignore_patterns("*.egg-info", "build", "__pycache__"))
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet", "-w", str(root / "dist"),
        str(source))
    (found,) = (root / "dist").glob("*.whl")
    return found


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> pathlib.Path:
    """A fresh virtualenv (no system site-packages) holding the wheel and what it depends on,
    installed from wheels only, with no compiler on PATH."""
    root = tmp_path_factory.mktemp("client-venv") / "venv"
    run(sys.executable, "-m", "venv", str(root))
    python = root / "bin" / "python"
    env = {"PATH": str(root / "bin"), "HOME": os.environ.get("HOME", str(root)), "CC": "/bin/false",
           "CXX": "/bin/false", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    run(str(python), "-m", "pip", "install", "--quiet", "--only-binary", ":all:", str(wheel), env=env)
    return root


def fresh(venv: pathlib.Path, *args: str, cwd: pathlib.Path) -> subprocess.CompletedProcess:
    """A command in the fresh virtualenv, away from the repository (nothing of it on the path)."""
    return subprocess.run([str(venv / "bin" / "python"), *args], capture_output=True, text=True, timeout=300,
                          cwd=cwd, env={"PATH": str(venv / "bin"), "HOME": str(cwd), "PYTHONNOUSERSITE": "1"})


def test_the_wheel_is_pure_python_and_carries_the_contract_version(wheel):
    assert wheel.name == f"authcore_client-{VERSION}-py3-none-any.whl"
    names = zipfile.ZipFile(wheel).namelist()
    compiled = [n for n in names if n.endswith((".so", ".pyd", ".dylib", ".dll", ".c", ".pyx"))]
    assert compiled == []
    assert not any(n.startswith("authcore/") and n.count("/") == 1 for n in names), "authcore/ must stay a namespace"
    packages = {n.split("/")[1] for n in names if n.startswith("authcore/")}
    assert packages == {"v1", "client"}
    stubs = [n for n in names if n.startswith("authcore/v1/") and n.endswith("_pb2.py")]
    assert len(stubs) == 10 and all(n[:-3] + ".pyi" in names for n in stubs)
    assert {"authcore/v1/py.typed", "authcore/client/py.typed"} <= set(names)
    metadata = zipfile.ZipFile(wheel).read(f"authcore_client-{VERSION}.dist-info/METADATA").decode()
    requires = {line.split(":", 1)[1].strip().split(">")[0].split("=")[0].split("<")[0].strip()
                for line in metadata.splitlines() if line.startswith("Requires-Dist:")}
    assert requires == DEPENDENCIES


def test_the_fresh_venv_holds_only_the_client_and_its_four_dependencies(venv, tmp_path):
    done = fresh(venv, "-m", "pip", "list", "--format=freeze", cwd=tmp_path)
    installed = {re.sub(r"[-_.]+", "-", line.split("==")[0].lower()) for line in done.stdout.split()}
    assert "numpy" not in installed and "authcore" not in installed and "cython" not in installed
    # The four, and what they need themselves (grpcio: typing-extensions).
    assert DEPENDENCIES | {"authcore-client"} <= installed, installed
    assert installed - {"pip", "setuptools"} - DEPENDENCIES - {"authcore-client"} <= {"typing-extensions"}, installed
    done = fresh(venv, "-c", "import numpy", cwd=tmp_path)
    assert done.returncode == 1 and "No module named 'numpy'" in done.stderr
    done = fresh(venv, "-c", "import authcore.engine", cwd=tmp_path)
    assert done.returncode == 1 and "No module named 'authcore.engine'" in done.stderr


PAYMENT = '''
import sys
import uuid

from authcore.client import Client, InvalidArgument, __version__
from authcore.v1 import authorization_pb2 as authz, common_pb2 as c

account_id = f"pkg-{uuid.uuid4().hex[:8]}"
with Client(sys.argv[1]) as client:
    client.call("UpsertAccount", account_id=account_id, credit_limit_minor=500_000, tier=c.TIER_STANDARD)
    answer = client.authorize(account_id=account_id, channel=c.CHANNEL_WALLET, amount_minor=12_345, currency="CNY",
                              merchant=authz.Merchant(merchant_id="m-1", mcc="5411", country="CN"))
    print("authorized", c.Decision.Name(answer.decision), c.Reason.Name(answer.reason), answer.available_credit_minor)
    captured = client.capture(authorization_id=answer.authorization_id, amount_minor=10_000, currency="CNY")
    print("captured", captured.captured_minor, "released", captured.released_minor)
    refunded = client.refund(authorization_id=answer.authorization_id, amount_minor=4_000, currency="CNY")
    print("refunded", refunded.refunded_minor, "available", refunded.available_credit_minor)
    try:
        client.authorize(account_id=account_id, channel=c.CHANNEL_WALLET, amount_minor=-1, currency="CNY",
                         merchant=authz.Merchant(merchant_id="m-1", mcc="5411", country="CN"))
    except InvalidArgument as error:
        print("refused", error.code.name, [v.field for v in error.field_violations])
print("version", __version__)
'''


def test_the_installed_client_authorizes_captures_and_refunds(venv, plaintext, tmp_path):  # noqa: F811
    (tmp_path / "pay.py").write_text(PAYMENT)
    done = fresh(venv, "pay.py", plaintext, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "authorized DECISION_APPROVED REASON_APPROVED 487655"
    assert lines[1] == "captured 10000 released 2345"
    assert lines[2] == "refunded 4000 available 494000"
    assert lines[3] == "refused INVALID_ARGUMENT ['amount_minor']"
    assert lines[4] == f"version {VERSION}"


def test_getting_started_hello_runs_in_the_client_only_venv(venv, plaintext, tmp_path):  # noqa: F811
    """docs/getting-started.md: hello.py, run with the client package alone, prints what the page shows."""
    page = (ROOT / "docs" / "getting-started.md").read_text()
    assert "/tmp/billing-venv/bin/pip install ./clients/python" in page
    hello = re.search(r"Your own code, e.g. `hello.py`:\n\n```python\n(.*?)```", page, re.S).group(1)
    shown = re.search(r"```sh\n\.venv/bin/python hello.py\n(.*?)```", page, re.S).group(1).splitlines()
    (tmp_path / "hello.py").write_text(hello.replace("127.0.0.1:50051", plaintext))
    done = fresh(venv, "hello.py", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == shown[0].removeprefix("# ")
    assert lines[1].startswith(shown[1].removeprefix("# ").removesuffix(" ...]")), (lines[1], shown[1])


def mypy(venv: pathlib.Path, source: str, cwd: pathlib.Path) -> subprocess.CompletedProcess:
    """mypy (this environment's) checking a caller against the packages installed in the fresh venv."""
    (cwd / "caller.py").write_text(source)
    return subprocess.run([sys.executable, "-m", "mypy", "--python-executable", str(venv / "bin" / "python"),
                           "--no-incremental", "--strict", "caller.py"], capture_output=True, text=True, cwd=cwd,
                          timeout=600, env={**os.environ, "MYPYPATH": ""})


def test_mypy_types_a_caller_against_the_installed_package(venv, tmp_path):
    # A typed caller installs the type stubs of protobuf and grpcio beside the client.
    run(str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--only-binary", ":all:",
        "types-protobuf>=7.35.1", "types-grpcio>=1.85.0",
        env={"PATH": str(venv / "bin"), "HOME": str(tmp_path), "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    good = tmp_path / "good"
    good.mkdir()
    done = mypy(venv, PAYMENT.replace("import sys\n", "import sys\n\n\ndef main() -> None:\n    pass\n", 1), good)
    assert done.returncode == 0 and "Success: no issues found in 1 source file" in done.stdout, done.stdout
    bad = tmp_path / "bad"
    bad.mkdir()
    done = mypy(venv, "from authcore.client import Client\n"
                      "from authcore.v1 import authorization_pb2 as authz\n"
                      "with Client('127.0.0.1:1') as client:\n"
                      "    answer = client.authorize(authz.AuthorizeRequest(account_id='a', amount_minor='12'))\n"
                      "    text: str = answer.available_credit_minor\n"
                      "    print(answer.decison)\n", bad)
    assert done.returncode == 1, done.stdout
    assert 'caller.py:4: error: Argument "amount_minor"' in done.stdout
    assert "caller.py:5: error: Incompatible types in assignment" in done.stdout
    assert 'caller.py:6: error: "AuthorizeResponse" has no attribute "decison"' in done.stdout


def test_the_server_depends_on_the_client_package_of_the_same_version():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert f"authcore-client=={VERSION}" in project["dependencies"]
    assert not (ROOT / "authcore" / "v1").exists() and not (ROOT / "authcore" / "client").exists()
    client = tomllib.loads((CLIENT / "pyproject.toml").read_text())["project"]
    assert {d.split(">")[0].split("=")[0] for d in client["dependencies"]} == DEPENDENCIES
