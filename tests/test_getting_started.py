"""Getting started, section 7 (your own risk model and policy), run as written: its scripts are
taken from the page, the model trained, loaded with SetRiskModel and through `[engine] model_file`,
the policy read, changed and set, and `authcore policy show`; the feature table is the schema;
content that is not a model is refused saying what it is and what is expected."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys

import pytest
from google.protobuf import json_format

from authcore.risk import features
from authcore.client import Client
from authcore.risk.models import EXPECTED, ModelError, NotAModel, load_model
from authcore.decision.policy import default_policy
from authcore.v1 import policy_pb2
from tests.test_examples import ENV, ROOT, serve

PAGE = (ROOT / "docs" / "getting-started.md").read_text()
SECTION = PAGE[PAGE.index("## 7. Your own risk model and policy"):PAGE.index("## Where next")]
AUTHCORE = [sys.executable, "-m", "authcore"]


def files() -> dict[str, str]:
    """The section's code blocks whose first line names a file: `# train_model.py`."""
    return {name: code for name, code in re.findall(r"```(?:python|toml)\n# (\S+)\n(.*?)```", SECTION, re.S)}


def shell() -> list[tuple[str, list[str]]]:
    """The section's shell commands, each with the output lines the page shows under it."""
    out = []
    for block in re.findall(r"```sh\n(.*?)```", SECTION, re.S):
        for line in block.splitlines():
            if line.startswith("# "):
                out[-1][1].append(line[2:])
            else:
                out.append((line, []))
    return out


def run(command: list[str], cwd, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, env=ENV, timeout=300, cwd=cwd, **kwargs)


def serve_config(cwd, config: str) -> tuple[subprocess.Popen, str]:
    server = subprocess.Popen([*AUTHCORE, "serve", "--config", config], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True, env=ENV, cwd=cwd)
    line = server.stdout.readline()
    if "serving on" not in line:
        server.kill()
        pytest.fail(f"the server did not start: {line!r}")
    return server, line


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    server.wait(timeout=60)


def test_the_feature_table_is_the_schema():
    assert features.markdown_table() in SECTION, "stale feature table: python -m authcore.risk.features"
    for name in features.NAMES:
        assert f"`{name}`" in SECTION


def test_the_section_says_to_install_lightgbm_into_the_venv():
    assert ".venv/bin/pip install lightgbm" in [command for command, _ in shell()]


def test_own_model_and_policy_as_written(tmp_path):
    scripts = files()
    assert sorted(scripts) == ["authcore.toml", "load_model.py", "train_model.py"]
    commands = dict(shell())
    assert list(commands) == [".venv/bin/pip install lightgbm", ".venv/bin/python train_model.py",
                              ".venv/bin/python load_model.py", ".venv/bin/authcore serve --config authcore.toml",
                              ".venv/bin/authcore policy show > policy.json"]

    (tmp_path / "train_model.py").write_text(scripts["train_model.py"])
    trained = run([sys.executable, "train_model.py"], tmp_path)
    assert trained.returncode == 0, trained.stderr
    assert trained.stdout.splitlines() == commands[".venv/bin/python train_model.py"]
    digest = "sha256:" + hashlib.sha256((tmp_path / "my_model.txt").read_bytes()).hexdigest()[:16]

    server, target = serve(tmp_path / "data")
    try:
        assert "127.0.0.1:50051" in scripts["load_model.py"]
        (tmp_path / "load_model.py").write_text(scripts["load_model.py"].replace("127.0.0.1:50051", target))
        loaded = run([sys.executable, "load_model.py"], tmp_path)
        assert loaded.returncode == 0, loaded.stderr
        assert loaded.stdout.splitlines() == commands[".venv/bin/python load_model.py"]
        assert loaded.stdout.splitlines()[0] == f"risk model {digest} trees 30 trees"
        with Client(target) as client:
            policy = client.call("GetPolicy").policy
            assert client.call("GetRiskModel").model.version == digest
        assert policy.version == "my-policy-1"
        assert json_format.Parse((tmp_path / "policy.json").read_text(), policy_pb2.Policy()) == policy
        shown = run([*AUTHCORE, "policy", "show", "--target", target], tmp_path)
        assert shown.returncode == 0, shown.stderr
        assert json_format.Parse(shown.stdout, policy_pb2.Policy()) == policy
    finally:
        stop(server)

    assert "port = 50052" in scripts["authcore.toml"]
    (tmp_path / "authcore.toml").write_text(scripts["authcore.toml"].replace("port = 50052", "port = 0"))
    server, line = serve_config(tmp_path, "authcore.toml")
    try:
        documented = commands[".venv/bin/authcore serve --config authcore.toml"]
        assert documented == ["authcore serving on 127.0.0.1:50052 (plaintext, data dir authcore-data-own, ..., "
                              "policy my-policy-1)"]
        assert re.match(r"authcore serving on 127\.0\.0\.1:\d+ \(plaintext, data dir authcore-data-own, .*, "
                        r"policy my-policy-1\)$", line), line
        with Client(re.search(r"serving on (\S+)", line).group(1)) as client:
            assert client.call("GetRiskModel").model.version == digest
            assert client.call("GetPolicy").policy == policy
    finally:
        stop(server)


def test_policy_show_prints_the_default_policy_without_a_server(tmp_path):
    shown = run([*AUTHCORE, "policy", "show"], tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert json_format.Parse(shown.stdout, policy_pb2.Policy()) == default_policy()


def test_policy_show_against_no_server_says_so_in_one_line(tmp_path):
    shown = run([*AUTHCORE, "policy", "show", "--target", "127.0.0.1:1"], tmp_path)
    assert shown.returncode == 1 and shown.stdout == ""
    assert shown.stderr.startswith("authcore policy show: GetPolicy on 127.0.0.1:1 failed: UNAVAILABLE")
    assert len(shown.stderr.strip().splitlines()) == 1


NOT_MODELS = [  # content, what it is found to be
    (b"", "it is empty"),
    (b"tree\n", "text starting 'tree' without an objective= line"),
    (b"tree\nversion=v4\nnum_class=1\n", "text starting 'tree' without an objective= line"),
    (b"hello\n", "text starting 'hello'"),
    (b"\x80\x04\x95", "binary data, not UTF-8 text"),
    (b"[1, 2]", "a JSON array, not an object"),
    (b'{"version": "p1", "tiers": []}', "a JSON object of unknown model format (keys: version, tiers)"),
]


@pytest.mark.parametrize("content, found", NOT_MODELS, ids=[found for _, found in NOT_MODELS])
def test_content_that_is_not_a_model_is_named(content, found):
    with pytest.raises(NotAModel) as refused:
        load_model(content, schema=features.NAMES)
    assert str(refused.value).startswith(f"the content is not a LightGBM or XGBoost model dump: {found}")
    assert str(refused.value).endswith(f", expected {EXPECTED}")
    assert "binary objectives" not in str(refused.value)


def test_a_model_that_is_wrong_keeps_its_own_reason():
    with pytest.raises(ModelError, match="only binary objectives are supported, not 'regression'") as refused:
        load_model(b"tree\nversion=v4\nobjective=regression\nmax_feature_idx=0\n\nTree=0\nnum_leaves=1\n"
                   b"leaf_value=0.5\n\nend of trees\n")
    assert not isinstance(refused.value, NotAModel)


def test_set_risk_model_refuses_a_non_model_saying_what_it_is(client):
    from authcore.v1 import admin_pb2

    with pytest.raises(Exception) as refused:
        client.admin.SetRiskModel(admin_pb2.SetRiskModelRequest(request_id=client.rid(), model=b"tree\n"))
    assert refused.value.code().name == "INVALID_ARGUMENT"
    assert refused.value.details() == ("invalid request: model: the content is not a LightGBM or XGBoost model dump: "
                                       f"text starting 'tree' without an objective= line, expected {EXPECTED}")


def test_a_model_file_that_is_not_a_model_stops_the_start_naming_the_file(tmp_path):
    (tmp_path / "policy.json").write_text(json_format.MessageToJson(default_policy()))
    (tmp_path / "authcore.toml").write_text('[server]\nport = 0\n[store]\ndata_dir = "data"\n'
                                            '[engine]\nmodel_file = "policy.json"\n')
    started = run([*AUTHCORE, "serve", "--config", "authcore.toml"], tmp_path)
    assert started.returncode == 2
    assert ("model file policy.json is not a LightGBM or XGBoost model dump: a JSON object of unknown model format "
            "(keys: version, holdTtlSeconds, tiers, risk, installments") in started.stderr
    assert started.stderr.strip().endswith(f"expected {EXPECTED}")
