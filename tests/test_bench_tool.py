"""`authcore bench` against a server it starts: both loops, the transport floor beside Authorize,
JSON figures; and the Echo method the floor is measured with."""

from __future__ import annotations

import argparse
import json
import re

import grpc
import numpy as np
import pytest

from authcore.tools import bench
from authcore.tools.bench import main
from authcore.api.server import MAX_ECHO_BYTES
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


def test_bench_says_what_it_writes_and_what_runs_beside_the_measurements(tmp_path, capsys):
    assert main(["--duration", "0.5", "--accounts", "30", "--concurrency", "1"]) == 0
    captured = capsys.readouterr()
    assert "open 30 accounts, then for the transport floor (Echo) and for authorize" in captured.err
    assert "opening 30 accounts bench-000000 .. bench-000029 on the temporary store" in captured.err
    assert "Authorize, closed loop, 1 client process(es), 1 callers each, 0.5 s per method, 30 accounts" \
        in captured.out
    wall = re.search(r"^wall time [\d.]+ s: server start [\d.]+ s, opening accounts [\d.]+ s, "
                     r"floor: building payments [\d.]+ s, floor: measuring [\d.]+ s, "
                     r"authorize: building payments [\d.]+ s, authorize: measuring [\d.]+ s, the rest", captured.out, re.M)
    assert wall, captured.out


def test_bench_against_a_running_server_says_the_accounts_stay_in_its_store(service, capsys):
    server_target = f"127.0.0.1:{service.port}"
    assert main(["--target", server_target, "--duration", "0.3", "--accounts", "5", "--concurrency", "1"]) == 0
    err = capsys.readouterr().err
    assert f"opening 5 accounts bench-000000 .. bench-000004 on the store of {server_target}; they stay there" in err


def test_plot_without_matplotlib_is_refused_up_front_with_how_to_get_it(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(bench, "plot_available", lambda: False)
    monkeypatch.setattr(bench, "start_server", lambda *_: pytest.fail("the run started"))
    assert main(["--plot", str(tmp_path / "p.png")]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "pip install matplotlib" in err
    assert not (tmp_path / "p.png").exists()


def test_the_plot_names_the_settings_and_labels_percentiles(tmp_path):
    pytest.importorskip("matplotlib")
    rng = np.random.default_rng(0)
    results = {name: bench.summarise(rng.lognormal(-8, 0.5, 2000), {}, 1.0) for name in ("floor", "authorize")}
    ns = argparse.Namespace(mode="open", concurrency=8, rate=500.0, processes=2, duration=5.0, bulk=0, accounts=40,
                            seed=3)
    fig = bench.plot_figure(results, bench.settings_line(ns))
    ax = fig.axes[0]
    assert "open loop, 2 client process(es), 500 requests/s, 5 s per method, 40 accounts, seed 3" in ax.get_title()
    assert ax.get_ylabel() == "percentile"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["50", "90", "99", "99.9"]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[0].startswith("floor: 2,000 samples") and legend[1].startswith("authorize: 2,000 samples")
    bench.plot(results, str(tmp_path / "p.png"), "settings")
    assert (tmp_path / "p.png").stat().st_size > 1000
