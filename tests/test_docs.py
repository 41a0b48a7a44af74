"""The pages of docs/ stay true to the code: docs/api.md and docs/reasons.md are exactly what
scripts/gen_docs.py generates, docs/api.md names every service, RPC, message and enum of the
contract, and docs/operations.md describes every configuration key, every flag of
`authcore serve` and every metric the server exports."""

from __future__ import annotations

import dataclasses
import importlib.util
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


@pytest.fixture(scope="module")
def gen_docs():
    spec = importlib.util.spec_from_file_location("gen_docs", ROOT / "scripts" / "gen_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generated(gen_docs):
    return gen_docs.pages()


@pytest.fixture(scope="module")
def descriptors(gen_docs):
    return gen_docs.descriptor_set()


def section(text: str, heading: str) -> str:
    """The lines under heading (a whole heading line) up to the next heading; "" if it is missing."""
    lines = text.splitlines()
    if heading not in lines:
        return ""
    start = lines.index(heading) + 1
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("#")), len(lines))
    return "\n".join(lines[start:end])


# -- generated pages ------------------------------------------------------------------------


def test_generated_pages_are_current(gen_docs, generated):
    assert set(generated) == {DOCS / "api.md", DOCS / "reasons.md"}
    for path, text in generated.items():
        assert path.exists(), f"docs/{path.name} is missing: run python scripts/gen_docs.py"
        assert path.read_text() == text, f"docs/{path.name} is stale: run python scripts/gen_docs.py"


def test_generation_is_deterministic(gen_docs, generated):
    assert gen_docs.pages() == generated


def test_check_mode_names_a_stale_page(gen_docs, generated, tmp_path, monkeypatch, capsys):
    api, reasons = tmp_path / "api.md", tmp_path / "reasons.md"
    api.write_text(generated[DOCS / "api.md"])
    reasons.write_text(generated[DOCS / "reasons.md"])
    monkeypatch.setattr(gen_docs, "API_PAGE", api)
    monkeypatch.setattr(gen_docs, "REASONS_PAGE", reasons)
    assert gen_docs.main(["--check"]) == 0
    reasons.write_text(reasons.read_text().replace("| 640 |", "| 641 |"))
    assert gen_docs.main(["--check"]) == 1
    err = capsys.readouterr().err
    assert "reasons.md is stale" in err and "api.md" not in err


def test_check_mode_from_the_command_line():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_docs.py"), "--check"],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr


def test_reasons_page_has_the_whole_catalogue():
    from authcore.decision.reasons import CATALOGUE
    from authcore.v1 import common_pb2 as c

    text = (DOCS / "reasons.md").read_text()
    missing = [c.Reason.Name(r) for r in CATALOGUE if f"| `{c.Reason.Name(r)}` |" not in text]
    assert not missing, f"docs/reasons.md lacks {missing}"


# -- docs/api.md covers the contract ----------------------------------------------------------


def contract_names(descriptors) -> dict[str, list[str]]:
    """The headings docs/api.md must have, read from the descriptors of proto/authcore/v1."""
    names: dict[str, list[str]] = {"service": [], "rpc": [], "message": [], "enum": []}

    def messages(found, prefix=""):
        for message in found:
            if message.options.map_entry:
                continue
            names["message"].append(prefix + message.name)
            messages(message.nested_type, f"{prefix}{message.name}.")
            names["enum"].extend(f"{prefix}{message.name}.{e.name}" for e in message.enum_type)

    for file in descriptors.file:
        if file.package != "authcore.v1":
            continue
        for service in file.service:
            names["service"].append(service.name)
            names["rpc"].extend(f"{service.name}.{m.name}" for m in service.method)
        messages(file.message_type)
        names["enum"].extend(e.name for e in file.enum_type)
    return names


def test_api_names_every_service_rpc_message_and_enum(descriptors):
    names = contract_names(descriptors)
    assert len(names["service"]) >= 6 and len(names["rpc"]) >= 25, "the contract was not read"
    headings = set((DOCS / "api.md").read_text().splitlines())
    level = {"service": "###", "rpc": "####", "message": "###", "enum": "###"}
    missing = [f"{kind} {name}" for kind, found in names.items() for name in found
               if f"{level[kind]} {name}" not in headings]
    assert not missing, f"docs/api.md lacks {missing}: run python scripts/gen_docs.py"


def test_api_documents_every_field_and_enum_value(descriptors):
    text = (DOCS / "api.md").read_text()
    missing = []
    for file in descriptors.file:
        if file.package != "authcore.v1":
            continue
        for message in file.message_type:
            body = section(text, f"### {message.name}")
            missing += [f"{message.name}.{f.name}" for f in message.field if f"| `{f.name}` | {f.number} |" not in body]
        for enum in file.enum_type:
            body = section(text, f"### {enum.name}")
            missing += [f"{enum.name}.{v.name}" for v in enum.value if f"| `{v.name}` | {v.number} |" not in body]
    assert not missing, f"docs/api.md lacks {missing}: run python scripts/gen_docs.py"


# -- docs/operations.md -----------------------------------------------------------------------


def config_keys() -> dict[str, list[str]]:
    """Every key of every table authcore.api.config accepts."""
    from authcore.api import config
    from authcore.api.admission import Limits

    keys = {name: list(values) for name, values in config.SECTIONS.items()}
    keys["limits"] = [f.name for f in dataclasses.fields(Limits)]
    return keys


def test_operations_describes_every_config_key():
    text = (DOCS / "operations.md").read_text()
    keys = config_keys()
    assert "limits" in keys and "server" in keys
    missing = []
    for table, names in keys.items():
        body = section(text, f"### `[{table}]`")
        if not body:
            missing.append(f"[{table}] (no section)")
        missing += [f"[{table}] {key}" for key in names if f"| `{key}` |" not in body]
    assert not missing, f"docs/operations.md does not describe {missing}"


def test_operations_example_configuration_is_accepted(tmp_path):
    """The TOML example loads, and names every table (its keys may be commented out)."""
    from authcore.api import config

    text = (DOCS / "operations.md").read_text()
    blocks = re.findall(r"```toml\n(.*?)```", text, re.DOTALL)
    assert len(blocks) == 1, "docs/operations.md should have one TOML example"
    path = tmp_path / "authcore.toml"
    path.write_text(blocks[0])
    config.load(path)
    for table in config_keys():
        assert f"[{table}]" in blocks[0].splitlines(), f"the TOML example lacks [{table}]"


def test_operations_describes_every_serve_flag():
    result = subprocess.run([sys.executable, "-m", "authcore", "serve", "--help"], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    flags = sorted(set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", result.stdout)) - {"--help"})
    assert "--config" in flags and "--tls-dir" in flags
    body = section((DOCS / "operations.md").read_text(), "### Command-line flags of `authcore serve`")
    missing = [flag for flag in flags if f"| `{flag}" not in body]
    assert not missing, f"docs/operations.md does not describe the flags {missing}"


def test_operations_lists_every_command_and_the_flags_of_import():
    result = subprocess.run([sys.executable, "-m", "authcore", "--help"], cwd=ROOT, capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    commands = re.search(r"\{([a-z,]+)\}", result.stdout).group(1).split(",")
    assert "import" in commands and "serve" in commands
    body = section((DOCS / "operations.md").read_text(), "## Commands")
    missing = [command for command in commands if f"| `authcore {command}" not in body]
    assert not missing, f"docs/operations.md's Commands table does not list {missing}"
    result = subprocess.run([sys.executable, "-m", "authcore", "import", "--help"], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, check=False)
    flags = sorted(set(re.findall(r"^  (--[a-z][a-z-]+)", result.stdout, re.MULTILINE)) - {"--help"})
    assert "--target" in flags and "--chunk-rows" in flags
    line = next(line for line in body.splitlines() if line.startswith("| `authcore import"))
    assert not [flag for flag in flags if flag not in line], line


def exported_metrics() -> set[str]:
    """Every metric name the server's /metrics page carries (the # TYPE lines), plus any metric
    constructed anywhere in authcore (a registry the page might not show)."""
    from prometheus_client import generate_latest

    from authcore.observability import REGISTRY

    names = set(re.findall(r"^# TYPE (\S+) ", generate_latest(REGISTRY).decode(), re.MULTILINE))
    constructor = re.compile(r"\b(?:Counter|Gauge|Histogram|Summary|Info|Enum|CounterMetricFamily|GaugeMetricFamily|"
                             r"HistogramMetricFamily|SummaryMetricFamily|InfoMetricFamily)\(\s*\"([a-z_:][a-z0-9_:]*)\"")
    for source in sorted((ROOT / "authcore").rglob("*.py")):
        for name in constructor.findall(source.read_text()):
            if not any(exported.startswith(name) for exported in names):
                names.add(name)
    return names


def test_operations_describes_every_metric():
    names = exported_metrics()
    assert {"grpc_server_handled_total", "authcore_decisions_total", "authcore_policy_info"} <= names
    text = (DOCS / "operations.md").read_text()
    missing = sorted(name for name in names if f"`{name}`" not in text)
    assert not missing, f"docs/operations.md does not describe the metrics {missing}"
