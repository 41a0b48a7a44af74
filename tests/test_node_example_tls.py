"""The Node.js example of getting started over mutual TLS (--tls-dir, the certificates of
`authcore certs`) against a live `authcore serve --tls-dir`, and what it says without them."""

from __future__ import annotations

import re
import shutil
import subprocess

# The mutual-TLS server of the Python examples' tests (a fixture: one server for this module).
from tests.test_examples import ENV, ROOT, mutual_tls  # noqa: F401

EXAMPLE = ROOT / "examples" / "node" / "authorize.js"


def node(*args: str) -> subprocess.CompletedProcess:
    found = shutil.which("node")
    assert found, "Node.js is needed for the Node.js example (see README: Two commands)"
    return subprocess.run([found, str(EXAMPLE), *args], capture_output=True, text=True, env=ENV, timeout=120, cwd=ROOT)


def test_the_node_example_authorizes_over_mutual_tls(mutual_tls):
    target, certs = mutual_tls
    done = node("--tls-dir", str(certs), target)
    assert done.returncode == 0, done.stderr
    assert re.search(r"node-example-\w+: DECISION_APPROVED \(REASON_APPROVED\), available 487655 fen", done.stdout)
    assert re.search(r"captured 12345 fen of au_", done.stdout)


def test_without_tls_dir_it_says_the_server_may_require_tls(mutual_tls):
    target, _ = mutual_tls
    done = node(target)
    assert done.returncode == 1
    assert "UNAVAILABLE" in done.stderr and "the server may require TLS: --tls-dir DIR" in done.stderr, done.stderr


def test_a_tls_dir_without_certificates_is_refused_in_one_line(tmp_path, mutual_tls):
    target, _ = mutual_tls
    done = node("--tls-dir", str(tmp_path), target)
    assert done.returncode == 2
    assert done.stderr.strip() == f"--tls-dir {tmp_path}: no ca.pem; make the certificates with: authcore certs --out {tmp_path}"
