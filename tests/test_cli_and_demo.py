"""The commands a new user runs: the demo through a real server, and `authcore serve` as a
process that starts on an empty data dir, answers health checks and reflection, and reloads
its state on restart."""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import pathlib
import re
import socket
import subprocess
import sys

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

import pytest

from conftest import Clock
from authcore.tools import cli, demo as demo_mod
from authcore.risk import features
from authcore.tools.demo import run_demo
from authcore.engine import Engine
from authcore.api.server import create_server
from authcore.journal.store import Journal
from authcore.v1 import account_pb2, account_pb2_grpc, admin_pb2, admin_pb2_grpc


@pytest.fixture
def service(data_dir, clock):
    """The server as `authcore serve` runs it: default policy and default risk model."""
    engine = Engine(Journal(data_dir), clock=clock)
    service = create_server(engine, "127.0.0.1:0", expiry_interval_s=3600).start()
    yield service
    service.stop(grace_s=1)


def test_demo_prints_every_kind_of_answer(service):
    out = io.StringIO()
    run_demo(f"127.0.0.1:{service.port}", out)
    text = out.getvalue()
    for expected in ("APPROVED", "DECLINED", "CHALLENGE", "SCAN_STATIC_QR_DAILY_LIMIT_EXCEEDED",
                     "SCAN_QR_VERIFICATION_REQUIRED", "QUICK_PAY_VERIFICATION_REQUIRED", "INSUFFICIENT_CREDIT",
                     "ACCOUNT_FROZEN_OVERDUE", "ACCOUNT_CLOSED", "CURRENCY_NOT_SUPPORTED", "no second hold",
                     "Repay the overdue ¥300.00", "MERCHANT_CATEGORY_BLOCKED", "SUSPECTED_FRAUD",
                     "annualized rate", "auto-installment on", "bob turns auto-installment on for 12 months: refused",
                     "IMPOSSIBLE_TRAVEL"):
        assert expected in text, expected
    assert len(re.findall(r"^\d+ ", text, flags=re.M)) == 17


def test_demo_in_chinese(service):
    out = io.StringIO()
    run_demo(f"127.0.0.1:{service.port}", out, lang="zh")
    assert "还清逾期金额¥300.00后即可恢复支付" in out.getvalue()


def serve(data_dir: pathlib.Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "authcore", "serve", "--port", "0", "--data-dir", str(data_dir),
                             *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def test_serve_starts_answers_health_and_reflection_and_reloads(tmp_path):
    data_dir = tmp_path / "store"
    process = serve(data_dir, "--demo", "--exit-after-demo")
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    assert "0 accounts and 0 journal records loaded" in out and "no second hold" in out
    assert (data_dir / "authcore.db").exists()
    account_id = re.search(r"GetAccount (demo-alice-\w+)", out).group(1)

    process = serve(data_dir)
    try:
        line = process.stdout.readline()
        match = re.search(r"serving on ([\d.]+:\d+) .* (\d+) accounts and (\d+) journal records loaded", line)
        assert match, line
        assert int(match.group(2)) == 5 and int(match.group(3)) > 20
        with grpc.insecure_channel(match.group(1)) as channel:
            health = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=""), timeout=10)
            assert health.status == health_pb2.HealthCheckResponse.SERVING
            names = next(iter(reflection_pb2_grpc.ServerReflectionStub(channel).ServerReflectionInfo(
                iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=10)))
            services = {s.name for s in names.list_services_response.service}
            assert {"authcore.v1.AuthorizationService", "authcore.v1.AccountService",
                    "authcore.v1.AdminService", "grpc.health.v1.Health"} <= services
            account = account_pb2_grpc.AccountServiceStub(channel).GetAccount(
                account_pb2.GetAccountRequest(account_id=account_id), timeout=10).account
            assert account.available_credit_minor == 1_790_000 and len(account.holds) == 2
    finally:
        process.terminate()
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "stopping" in out


def test_serve_refuses_a_bad_config(tmp_path):
    config = tmp_path / "authcore.toml"
    config.write_text('[store]\ndurability = "sometimes"\n')
    result = subprocess.run([sys.executable, "-m", "authcore", "serve", "--config", str(config)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "bad configuration: durability" in result.stderr


def fraud_everywhere_model() -> bytes:
    """A linear model that scores every payment as fraud."""
    n = len(features.NAMES)
    return json.dumps({"format": "authcore-linear-v1", "features": features.NAMES, "coefficients": [0.0] * n,
                       "intercept": 20.0, "fill_values": [0.0] * n}).encode()


def test_serve_demo_on_a_store_whose_model_declines_everything_keeps_serving(tmp_path):
    data_dir = tmp_path / "store"
    engine = Engine(Journal(data_dir))
    engine.set_risk_model(admin_pb2.SetRiskModelRequest(request_id="fraud-model", model=fraud_everywhere_model(),
                                                        version="fraud-everywhere"))
    engine.close()
    process = serve(data_dir, "--demo")
    try:
        lines = []
        while not any("press Ctrl-C to stop" in line for line in lines):
            line = process.stdout.readline()
            assert line, (lines, process.stderr.read() if process.poll() is not None else "")
            lines.append(line)
        out = "".join(lines)
        target = re.search(r"serving on ([\d.]+:\d+)", out).group(1)
        assert "the active risk model is 'fraud-everywhere', not the shipped" in out
        assert "skipped: the capture and refund of alice's groceries" in out
        assert "skipped: the void of the static-QR hold" in out
        with grpc.insecure_channel(target) as channel:
            health = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=""), timeout=10)
            assert health.status == health_pb2.HealthCheckResponse.SERVING
            account_id = re.search(r"GetAccount (demo-alice-\w+)", out).group(1)
            account = account_pb2_grpc.AccountServiceStub(channel).GetAccount(
                account_pb2.GetAccountRequest(account_id=account_id), timeout=10).account
            assert account.held_minor == 0
            model = admin_pb2_grpc.AdminServiceStub(channel).GetRiskModel(admin_pb2.GetRiskModelRequest(), timeout=10)
            assert model.model.version == "fraud-everywhere"
    finally:
        process.terminate()
        out, err = process.communicate(timeout=30)
    assert "Traceback" not in err


def test_a_demo_that_fails_does_not_stop_serve(monkeypatch, capsys):
    def broken(*_args, **_kwargs):
        raise grpc.FutureTimeoutError()

    monkeypatch.setattr(demo_mod, "run_demo", broken)
    assert demo_mod.run_demo_beside_service("127.0.0.1:1") is False
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "the demo stopped early" in err and "keeps serving" in err


def closed_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{s.getsockname()[1]}"


@pytest.mark.parametrize("command", [["demo"], ["bench", "--duration", "1"]])
def test_a_command_against_a_closed_port_says_what_to_check_in_one_line(command):
    target = closed_port()
    done = subprocess.run([sys.executable, "-m", "authcore", *command, "--target", target], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 1, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert f"cannot reach {target} in 5 s" in lines[0] and "authcore serve" in lines[0]
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("lang", ["zh", "zh-CN"])
def test_demo_in_chinese_has_no_english_only_line(service, lang):
    out = io.StringIO()
    run_demo(f"127.0.0.1:{service.port}", out, lang=lang)
    text = out.getvalue()
    for known in ("分期报价", "自动分期已开启", "bob 开启 12 期自动分期：被拒绝", "GetAccount demo-alice-", "没有第二笔预授权",
                  "客户", "告知客户"):
        assert known in text, known
    for line in text.splitlines():
        if re.search(r"[A-Za-z]", line):
            assert re.search(r"[\u4e00-\u9fff]", line), line


@pytest.mark.parametrize("lang", ["zh", "zh-CN", "en"])
def test_both_spellings_of_chinese_are_accepted_by_the_cli(lang, monkeypatch):
    seen = {}
    monkeypatch.setattr(demo_mod, "run_demo", lambda target, lang="en", **_: seen.update(target=target, lang=lang))
    assert cli.main(["demo", "--target", "127.0.0.1:1", "--lang", lang]) == 0
    assert seen["lang"] == lang
    parser = capture_parsers(monkeypatch, lambda: cli.main(["serve", "--lang", lang]))[-1]
    assert parser.parse_args(["serve", "--lang", lang]).lang == lang


def test_version_is_the_contracts():
    done = subprocess.run([sys.executable, "-m", "authcore", "--version"], capture_output=True, text=True, timeout=60)
    contract = (pathlib.Path(__file__).resolve().parents[1] / "contract" / "VERSION").read_text().strip()
    assert done.returncode == 0 and done.stdout.strip() == f"authcore {contract}"


class _Captured(Exception):
    pass


def capture_parsers(monkeypatch, call) -> list[argparse.ArgumentParser]:
    """The parsers a command builds, caught when it parses its arguments."""
    parsers = []

    def parse(self, *args, **kwargs):
        parsers.append(self)
        raise _Captured

    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", parse)
    with pytest.raises(_Captured):
        call()
    monkeypatch.undo()
    return parsers


def options_of(parser: argparse.ArgumentParser, path: str):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from options_of(sub, f"{path} {name}")
        elif action.option_strings and action.help != argparse.SUPPRESS:
            yield path, action


@pytest.mark.parametrize("command", ["serve", "demo", "crashtest", "bench", "certs", "audit", "policy", "import"])
def test_every_option_of_every_command_has_a_help_text(command, monkeypatch):
    parser = capture_parsers(monkeypatch, lambda: cli.main([command]))[-1]
    for path, action in options_of(parser, command):
        assert action.help, (path, action.option_strings)
        if command in ("bench", "crashtest") and action.default not in (None, argparse.SUPPRESS) \
                and action.default is not False:
            shown = parser._get_formatter()._expand_help(action)  # the text --help prints for it
            assert "default" in shown, (path, action.option_strings)


def test_serve_demo_in_multi_process_mode_with_a_model_that_declines_everything(tmp_path):
    (tmp_path / "fraud.json").write_bytes(fraud_everywhere_model())
    (tmp_path / "authcore.toml").write_text(f'[engine]\nmodel_file = "{tmp_path / "fraud.json"}"\n')
    done = subprocess.run([sys.executable, "-m", "authcore", "serve", "--port", "0", "--data-dir", str(tmp_path / "d"),
                           "--processes", "2", "--config", str(tmp_path / "authcore.toml"), "--demo",
                           "--exit-after-demo"], capture_output=True, text=True, timeout=180,
                          env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert done.returncode == 0, done.stderr
    assert "the active risk model is 'sha256:" in done.stdout
    assert "skipped: the void of the static-QR hold" in done.stdout and "GetAccount demo-alice-" in done.stdout
    assert "Traceback" not in done.stderr and "demo stopped early" not in done.stderr


# -- the demo's table in README.md, at every hour of the day ----------------------------------------

README = (pathlib.Path(__file__).resolve().parents[1] / "README.md").read_text()
SHOWN = re.search(r"^## What the demo shows\n.*?```\n(.*?)```\n(.*?)\n## ", README, re.S | re.M)


def table_rows(text: str) -> list[dict[str, str]]:
    """The numbered rows of the demo's table, each a column name -> cell (cut where the header's
    columns begin)."""
    header = next(line for line in text.splitlines() if line.startswith("#   customer"))
    starts = [m.start() for m in re.finditer(r"(?<=\s\s)\S|^\S", header)]
    names = [header[a:b].strip() for a, b in zip(starts, [*starts[1:], None])]
    return [{name: line[a:b].strip() for name, a, b in zip(names, starts, [*starts[1:], None])}
            for line in text.splitlines() if re.match(r"^\d+ ", line)]


def demo_at(data_dir: pathlib.Path, hour: int, minute: int) -> str:
    """The demo through a server whose clock reads hour:minute in Asia/Shanghai (the demo
    accounts' time zone) on 2026-11-22, and stands still."""
    at = datetime.datetime(2026, 11, 22, hour, minute, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
    engine = Engine(Journal(data_dir), clock=Clock(at.timestamp()))
    service = create_server(engine, "127.0.0.1:0", expiry_interval_s=3600).start()
    try:
        out = io.StringIO()
        run_demo(f"127.0.0.1:{service.port}", out)
        return out.getvalue()
    finally:
        service.stop(grace_s=1)
        engine.close()


@pytest.mark.parametrize("hour", range(24))
def test_the_demo_decides_as_the_readme_shows_at_every_hour(tmp_path, hour):
    """The default model weighs the hour of day (local_hour): the risk column changes with it, and
    no decision, reason, amount or message of README.md's table does."""
    shown = table_rows(SHOWN.group(1))
    ran = table_rows(demo_at(tmp_path / "data", hour, 10))
    assert len(ran) == len(shown) == 17
    for row in (*shown, *ran):
        del row["risk"]
    assert ran == shown


def test_the_readme_demo_table_is_the_demo_at_the_hour_it_names(tmp_path):
    said = re.search(r"risk column .*? at (\d\d):(\d\d) \(Asia/Shanghai\)", " ".join(SHOWN.group(2).split()))
    assert said, "README.md does not say at what hour of day its demo table's risk column was taken"
    assert table_rows(demo_at(tmp_path / "data", int(said.group(1)), int(said.group(2)))) == table_rows(SHOWN.group(1))
