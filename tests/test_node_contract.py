"""The Node.js contract test (tests/node/contract.test.js: @grpc/grpc-js and @grpc/proto-loader
loading proto/) against a live `authcore serve`, plaintext and with mutual TLS. Needs Node.js
and the packages of package.json (`make test` installs them)."""

from __future__ import annotations

import pathlib
import re
import shutil
import subprocess
import sys

import pytest

from tests.test_examples import ENV, ROOT, serve

NODE_TESTS = ROOT / "tests" / "node"


def run_node(target: str, tls_dir: pathlib.Path | None = None) -> str:
    node = shutil.which("node")
    assert node, "Node.js is needed for the contract test (see README: Two commands)"
    assert (ROOT / "node_modules" / "@grpc" / "grpc-js").is_dir(), "run `npm install` (make test does)"
    env = {**ENV, "AUTHCORE_TARGET": target}
    if tls_dir is not None:
        env["AUTHCORE_TLS_DIR"] = str(tls_dir)
    done = subprocess.run([node, "--test", "--test-reporter=tap", str(NODE_TESTS)], capture_output=True, text=True,
                          env=env, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    return done.stdout


def passed(tap: str) -> tuple[int, int]:
    return (int(re.search(r"^# pass (\d+)", tap, re.M).group(1)), int(re.search(r"^# fail (\d+)", tap, re.M).group(1)))


def test_node_contract_over_plaintext(tmp_path):
    server, target = serve(tmp_path / "data")
    try:
        assert passed(run_node(target)) == (3, 0)
    finally:
        server.terminate()
        server.wait(timeout=60)


def test_node_contract_over_mutual_tls(tmp_path):
    subprocess.run([sys.executable, "-m", "authcore", "certs", "--out",
                    str(tmp_path / "certs")], check=True, env=ENV, capture_output=True)
    server, target = serve(tmp_path / "data", "--tls-dir", str(tmp_path / "certs"))
    try:
        assert passed(run_node(target, tmp_path / "certs")) == (3, 0)
    finally:
        server.terminate()
        server.wait(timeout=60)


def test_a_failing_contract_fails_the_run(tmp_path):
    """The wrapper sees a failing Node test (the server is not there)."""
    with pytest.raises(AssertionError):
        run_node("127.0.0.1:1")


def test_the_node_example_of_getting_started_authorizes(tmp_path):
    server, target = serve(tmp_path / "data")
    try:
        done = subprocess.run([shutil.which("node") or "node", str(ROOT / "examples" / "node" / "authorize.js"), target],
                              capture_output=True, text=True, env=ENV, timeout=120, cwd=ROOT)
    finally:
        server.terminate()
        server.wait(timeout=60)
    assert done.returncode == 0, done.stderr
    assert re.search(r"node-example-\w+: DECISION_APPROVED \(REASON_APPROVED\), available 487655 fen", done.stdout)
    assert re.search(r"captured 12345 fen of au_", done.stdout)
