"""`authcore bench` against a server it starts: both loops, the transport floor beside Authorize,
JSON figures; and the Echo method the floor is measured with."""

from __future__ import annotations

import json

import grpc
import pytest

from authcore.bench import main
from authcore.server import MAX_ECHO_BYTES
from authcore.v1 import diagnostics_pb2, diagnostics_pb2_grpc


@pytest.mark.parametrize("mode, extra", [("closed", ["--concurrency", "2"]), ("open", ["--rate", "150"])])
def test_bench_measures_authorize_beside_the_floor(tmp_path, capsys, mode, extra):
    out = tmp_path / "bench.json"
    assert main(["--mode", mode, "--duration", "1", "--accounts", "40", "--json", str(out), *extra]) == 0
    figures = json.loads(out.read_text())["results"]
    assert set(figures) == {"floor", "authorize"}
    for name, r in figures.items():
        assert r["ok"] > 50 and not r["errors"], (name, r)
        assert 0 < r["p50_us"] <= r["p90_us"] <= r["p99_us"] <= r["p99.9_us"] <= r["max_us"]
    assert 0 < figures["authorize"]["server_p50_us"] < figures["authorize"]["p50_us"]
    if mode == "open":
        assert 120 <= figures["authorize"]["throughput_per_s"] <= 160
    printed = capsys.readouterr().out
    assert "/ floor" in printed


def test_bench_measures_bulk_decisions(tmp_path):
    out = tmp_path / "bench.json"
    assert main(["--bulk", "200", "--concurrency", "2", "--duration", "1", "--accounts", "40", "--json", str(out)]) == 0
    figures = json.loads(out.read_text())["results"]
    assert set(figures) == {"floor", "bulk"}
    bulk = figures["bulk"]
    assert bulk["ok"] > 3 and not bulk["errors"]
    assert bulk["decisions_per_s"] == pytest.approx(bulk["throughput_per_s"] * 200)


def test_echo_is_bounded(client):
    echo = diagnostics_pb2_grpc.DiagnosticsServiceStub(client.channel).Echo
    assert len(echo(diagnostics_pb2.EchoRequest(payload=b"x" * 300, response_bytes=400)).payload) == 400
    with pytest.raises(grpc.RpcError) as info:
        echo(diagnostics_pb2.EchoRequest(response_bytes=MAX_ECHO_BYTES + 1))
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
