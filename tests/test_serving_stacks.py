"""scripts/serving_stacks.py: the sync server and a grpc.aio server measured side by side (tiny
settings here: the figures themselves are not checked), and the aio server answering bad calls
as the real server does."""

from __future__ import annotations

import importlib.util
import json
import pathlib
import subprocess
import sys

import grpc
import pytest

from helpers import call_error, details, error_reason, violated_fields
from authcore.v1 import authorization_pb2 as authz, common_pb2 as c, diagnostics_pb2

ROOT = pathlib.Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "serving_stacks.py"
FIGURES = {"serial": {"p50_us", "p99_us", "server_p50_us"},
           "closed": {"throughput_per_s", "p50_us", "p99_us", "server_cpu_us_per_call"}}


def _script():
    spec = importlib.util.spec_from_file_location("serving_stacks", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_both_stacks_are_measured_printed_and_written(tmp_path):
    out = tmp_path / "stacks.json"
    done = subprocess.run([sys.executable, str(SCRIPT), "--seconds", "0.5", "--callers", "4", "--client-processes", "2",
                           "--serial-calls", "200", "--warmup", "30", "--rounds", "1", "--stacks", "sync,aio",
                           "--accounts", "50", "--json", str(out)],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = [line.split() for line in done.stdout.splitlines()]
    for stack in ("sync", "aio"):
        for method in ("Echo", "Authorize", "Authorize/Echo"):
            assert any(row[:2] == [stack, method] for row in rows), (stack, method, done.stdout)
    assert any(row[:2] == ["aio/sync", "Authorize"] for row in rows), done.stdout
    figures = json.loads(out.read_text())
    assert {"settings", "rounds", "summary", "authorize_over_echo", "over_sync"} <= set(figures)
    assert set(figures["summary"]) == {"sync", "aio"}
    for stack, methods in figures["summary"].items():
        for method in ("Echo", "Authorize"):
            for phase, keys in FIGURES.items():
                assert keys <= set(methods[method][phase]), (stack, method, phase)
            assert 0 < methods[method]["serial"]["p50_us"] <= methods[method]["serial"]["p99_us"]
            assert methods[method]["closed"]["throughput_per_s"] > 0
        # The handler's own time is part of the call's.
        assert 0 < methods["Authorize"]["serial"]["server_p50_us"] < methods["Authorize"]["serial"]["p50_us"]
    for r in figures["rounds"]:
        assert not r["Authorize"]["closed"]["errors"] and not r["Echo"]["closed"]["errors"], r
        assert r["warmup_decisions"].get("DECISION_APPROVED"), r["warmup_decisions"]
    assert set(figures["over_sync"]) == {"aio"}
    assert figures["over_sync"]["aio"]["Authorize"]["closed.throughput_per_s"] > 0


@pytest.fixture(scope="module")
def servers():
    """The sync and aio stacks, each serving a fresh store."""
    module = _script()
    started = {}
    try:
        for stack in ("sync", "aio"):
            started[stack] = module.Server(stack)
        yield started
    finally:
        for server in started.values():
            server.close()


@pytest.mark.parametrize("stack", ["sync", "aio"])
def test_the_aio_server_refuses_bad_calls_as_the_real_server_does(servers, stack):
    with grpc.insecure_channel(servers[stack].target) as channel:
        authorize = channel.unary_unary("/authcore.v1.AuthorizationService/Authorize", request_serializer=None,
                                        response_deserializer=None)
        error = call_error(authorize, b"\x0a\x05ab", timeout=10)
        assert (error.code(), error_reason(error), violated_fields(error)) == (
            grpc.StatusCode.INVALID_ARGUMENT, "MALFORMED_REQUEST", [""])

        request = authz.AuthorizeRequest(request_id="r-1", account_id="nobody", amount_minor=100, currency="CNY",
                                         channel=c.CHANNEL_WALLET,
                                         merchant=authz.Merchant(merchant_id="m-1", mcc="5411", country="CN"))
        error = call_error(authorize, request.SerializeToString(), timeout=10)
        assert error.code() == grpc.StatusCode.NOT_FOUND, error
        assert details(error)["ResourceInfo"].resource_name == "nobody"

        echo = channel.unary_unary("/authcore.v1.DiagnosticsService/Echo",
                                   request_serializer=diagnostics_pb2.EchoRequest.SerializeToString,
                                   response_deserializer=diagnostics_pb2.EchoResponse.FromString)
        assert len(echo(diagnostics_pb2.EchoRequest(payload=b"x" * 10, response_bytes=7), timeout=10).payload) == 7
        error = call_error(echo, diagnostics_pb2.EchoRequest(response_bytes=-1), timeout=10)
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert violated_fields(error) == ["response_bytes"]


@pytest.mark.parametrize("argv, says", [
    (["--stacks", "sync,threads"], "unknown stack(s) threads"),
    (["--callers", "2", "--client-processes", "4"], "no more than callers"),
])
def test_bad_settings_are_refused_with_what_to_choose(argv, says, capsys):
    with pytest.raises(SystemExit) as info:
        _script().main(argv)
    assert info.value.code == 2
    assert says in capsys.readouterr().err
