"""The example clients in examples/, run as a user runs them against `authcore serve`: plaintext
on loopback, and with mutual TLS and each channel's own certificate."""

from __future__ import annotations

import os
import pathlib
import re
import socket
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXAMPLES = ("wallet", "scan_to_pay", "quick_pay")
# The stubs of this tree's contract (clients/python) before any installed copy.
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join((str(ROOT), str(ROOT / "clients" / "python"))),
       "PYTHONUNBUFFERED": "1"}


def serve(data_dir: pathlib.Path, *extra: str) -> tuple[subprocess.Popen, str]:
    server = subprocess.Popen([sys.executable, "-m", "authcore", "serve", "--port", "0", "--data-dir", str(data_dir),
                               *extra], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=ENV)
    line = server.stdout.readline()
    match = re.search(r"serving on ([\d.]+:\d+)", line)
    if not match:
        server.kill()
        pytest.fail(f"the server did not start: {line!r}")
    return server, match.group(1)


@pytest.fixture(scope="module")
def plaintext(tmp_path_factory):
    server, target = serve(tmp_path_factory.mktemp("examples") / "data")
    yield target
    server.terminate()
    server.wait(timeout=60)


@pytest.fixture(scope="module")
def mutual_tls(tmp_path_factory):
    root = tmp_path_factory.mktemp("examples-tls")
    subprocess.run([sys.executable, "-m", "authcore", "certs", "--out", str(root / "certs")], check=True,
                   env=ENV, capture_output=True)
    server, target = serve(root / "data", "--tls-dir", str(root / "certs"))
    yield target, root / "certs"
    server.terminate()
    server.wait(timeout=60)


def run_example(name: str, *args: str) -> str:
    done = subprocess.run([sys.executable, str(ROOT / "examples" / f"{name}.py"), *args], capture_output=True,
                          text=True, env=ENV, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return done.stdout


def check(name: str, out: str) -> None:
    lines = out.splitlines()
    assert lines[0].startswith("opened example-")
    if name == "wallet":
        assert re.search(r"wallet ¥199.00 at the grocer\s+APPROVED", out)
        assert "same authorization" in out and "ANOTHER" not in out
        assert "captured ¥150.00, ¥49.00 of the hold released" in out
        assert re.search(r"\(above the credit line\)\s+DECLINED\s+INSUFFICIENT_CREDIT", out)
        assert "refused: INVALID_ARGUMENT, amount_minor: must be greater than zero" in out
        assert "available ¥4,900.00 of ¥5,000.00, posted ¥100.00" in out
    elif name == "scan_to_pay":
        assert re.search(r"static QR ¥300.00\s+APPROVED", out)
        assert re.search(r"daily cap\)\s+DECLINED\s+SCAN_STATIC_QR_DAILY_LIMIT_EXCEEDED", out)
        assert re.search(r"dynamic QR ¥800.00\s+CHALLENGE", out)
        assert re.search(r"\+ password \+ fingerprint\s+APPROVED", out)
        assert "void released ¥300.00" in out
    else:
        assert re.search(r"quick-pay ¥1,200.00\s+CHALLENGE\s+QUICK_PAY_VERIFICATION_REQUIRED", out)
        assert re.search(r"quick-pay ¥1,200.00 \+ PIN\s+APPROVED", out)
        # Each payment sent at once is approved, at once or, when the risk model challenged it (the
        # score of several payments in a second depends on the hour of day), after two factors.
        for amount in ("¥99.00", "¥45.00", "¥23.00"):
            at_once = re.search(rf"quick-pay {amount} \(sent at once\)\s+(\w+)\s+(\w+)", out)
            assert at_once, out
            if at_once.group(1) != "APPROVED":
                assert at_once.groups() == ("CHALLENGE", "RISK_VERIFICATION_REQUIRED"), out
                assert re.search(rf"quick-pay {amount} \(verified\)\s+APPROVED", out), out
            else:
                assert f"quick-pay {amount} (verified)" not in out
        assert "captured ¥1,200.00: available ¥8,633.00" in out


@pytest.mark.parametrize("name", EXAMPLES)
def test_each_example_runs_against_a_plaintext_development_server(plaintext, name):
    check(name, run_example(name, "--target", plaintext))


@pytest.mark.parametrize("name", EXAMPLES)
def test_each_example_runs_with_its_channels_certificate(mutual_tls, name):
    target, certs = mutual_tls
    check(name, run_example(name, "--target", target, "--tls-dir", str(certs)))


@pytest.mark.parametrize("lang", ["zh-CN", "zh"])
def test_customers_are_told_in_chinese_when_asked(plaintext, lang):
    out = run_example("wallet", "--target", plaintext, "--lang", lang)
    assert "customer is told: 可用额度不足" in out


@pytest.mark.parametrize("name", EXAMPLES)
def test_each_example_accepts_both_spellings_of_chinese(name):
    for lang in ("zh", "zh-CN"):
        done = subprocess.run([sys.executable, str(ROOT / "examples" / f"{name}.py"), "--lang", lang, "--help"],
                              capture_output=True, text=True, env=ENV, timeout=60, cwd=ROOT)
        assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("name", EXAMPLES)
def test_each_example_against_a_closed_port_says_what_to_check_in_one_line(name):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        target = f"127.0.0.1:{s.getsockname()[1]}"
    done = subprocess.run([sys.executable, str(ROOT / "examples" / f"{name}.py"), "--target", target],
                          capture_output=True, text=True, env=ENV, timeout=60, cwd=ROOT)
    assert done.returncode == 1 and done.stdout == "", (done.stdout, done.stderr)
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert done.stderr.startswith(f"{name}.py: cannot reach {target} (UNAVAILABLE") and "authcore serve" in done.stderr


def test_the_python_of_getting_started_runs_as_written(plaintext, tmp_path):
    page = (ROOT / "docs" / "getting-started.md").read_text()
    code = re.search(r"```python\n(.*?)```", page, re.S).group(1)
    assert "127.0.0.1:50051" in code
    script = tmp_path / "hello.py"
    script.write_text(code.replace("127.0.0.1:50051", plaintext))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=ENV, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "DECISION_APPROVED REASON_APPROVED 487655"
    assert done.stdout.splitlines()[1].startswith("INVALID_ARGUMENT [('amount_minor', 'must be greater than zero')")
