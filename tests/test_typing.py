"""The type stubs shipped with the package (mypy-protobuf's .pyi beside every generated module,
py.typed) type a user's code: the client and the examples check clean, and a wrong field type or
a misspelt field is an error."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent
CLIENT = ROOT / "clients" / "python"  # the authcore-client distribution: authcore.v1, authcore.client


def mypy(*paths: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mypy", "--follow-imports=silent", "--no-incremental", *paths],
                          capture_output=True, text=True, cwd=ROOT, timeout=600,
                          env={**os.environ, "MYPYPATH": os.pathsep.join([str(CLIENT), str(ROOT / "examples")])})


def test_every_generated_module_has_its_stub_and_the_package_ships_them():
    generated = sorted((CLIENT / "authcore" / "v1").glob("*_pb2*.py"))
    assert len(generated) == 20  # 10 .proto files: each one's _pb2.py and _pb2_grpc.py
    for module in generated:
        assert module.with_suffix(".pyi").exists(), module.name
    # authcore is a namespace package: each typed part carries its own py.typed (PEP 561).
    assert (CLIENT / "authcore" / "v1" / "py.typed").exists() and (CLIENT / "authcore" / "client" / "py.typed").exists()
    assert not (CLIENT / "authcore" / "__init__.py").exists() and not (ROOT / "authcore" / "__init__.py").exists()
    assert (ROOT / "authcore" / "py.typed").exists()
    data = tomllib.loads((CLIENT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "py.typed" in data["authcore.client"] and {"*.pyi", "py.typed"} <= set(data["authcore.v1"])
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "py.typed" in data["authcore"]


def test_the_client_and_the_examples_type_check():
    done = mypy("--explicit-package-bases", "clients/python/authcore/client", *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "examples").glob("*.py")))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Success: no issues found" in done.stdout


def test_a_wrong_field_is_a_type_error(tmp_path):
    wrong = tmp_path / "wrong.py"
    wrong.write_text(
        "from authcore.client import Client\n"
        "from authcore.v1 import authorization_pb2 as authz, common_pb2 as c\n"
        "client = Client()\n"
        "answer = client.authorize(authz.AuthorizeRequest(account_id='a', amount_minor='12'))\n"
        "print(answer.decison)\n"
        "flag: bool = answer.decision == c.DECISION_APPROVED\n"
        "text: str = answer.available_credit_minor\n")
    done = mypy(str(wrong))
    assert done.returncode == 1
    assert 'wrong.py:4: error: Argument "amount_minor"' in done.stdout
    assert 'wrong.py:5: error: "AuthorizeResponse" has no attribute "decison"' in done.stdout
    assert "wrong.py:7: error: Incompatible types in assignment" in done.stdout
    assert "wrong.py:6" not in done.stdout
