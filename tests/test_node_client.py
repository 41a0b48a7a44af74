"""The npm package clients/node (authcore-client): its generated parts are what
scripts/gen_node.sh makes now, and it works as a user gets it: installed into a fresh Node
project with `npm install --install-links clients/node`, called from TypeScript compiled with
tsc --strict, against a live `authcore serve` (plaintext and mutual TLS) and a stand-in server
for retries and deadlines. Needs Node.js, npm and the root's packages (`make test` installs them);
the fresh project's dependencies come from the npm registry."""

from __future__ import annotations

import filecmp
import json
import pathlib
import re
import shutil
import socket
import subprocess

import pytest

# The servers of the examples' tests (fixtures: one plaintext and one mutual-TLS server for this module).
from tests.test_examples import ENV, ROOT, mutual_tls, plaintext  # noqa: F401

PKG = ROOT / "clients" / "node"
CALLERS = ROOT / "tests" / "node_client"
TSC = ROOT / "node_modules" / ".bin" / "tsc"
# The generated parts of the package, compared with a fresh generation.
GENERATED = ("proto", "src/gen", "dist")


def tool(name: str) -> str:
    found = shutil.which(name)
    assert found, f"{name} is needed for the Node.js client's tests (see README: Two commands)"
    return found


def run(*args: str | pathlib.Path, cwd: pathlib.Path, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, env=ENV, cwd=cwd, timeout=timeout)


def tree(root: pathlib.Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


# -- the package as committed -------------------------------------------------------------------


def test_package_version_is_the_contracts():
    version = (ROOT / "contract" / "VERSION").read_text().strip()
    package = json.loads((PKG / "package.json").read_text())
    assert package["name"] == "authcore-client"
    assert package["version"] == version, "clients/node/package.json: run scripts/gen_node.sh (npm run gen:node)"
    assert f'CONTRACT_VERSION = "{version}"' in (PKG / "src" / "gen" / "version.ts").read_text()
    assert f'CONTRACT_VERSION = "{version}"' in (PKG / "dist" / "gen" / "version.js").read_text()


def test_package_declares_only_its_runtime_dependencies_and_points_at_dist():
    package = json.loads((PKG / "package.json").read_text())
    assert sorted(package["dependencies"]) == ["@bufbuild/protobuf", "@grpc/grpc-js"]
    assert "devDependencies" not in package, "dev tools belong in the root package.json"
    assert package["main"] == "./dist/index.js" and package["types"] == "./dist/index.d.ts"
    assert package["exports"]["."] == {"types": "./dist/index.d.ts", "default": "./dist/index.js"}
    for path in (package["main"], package["types"]):
        assert (PKG / path).is_file(), path
    # The root pins the code generator and the runtime it generates for together.
    root = json.loads((ROOT / "package.json").read_text())["devDependencies"]
    assert root["@bufbuild/protoc-gen-es"] == root["@bufbuild/protobuf"]
    assert package["dependencies"]["@bufbuild/protobuf"] == "^" + root["@bufbuild/protobuf"]


def test_generated_code_proto_copy_and_dist_are_current(tmp_path):
    """scripts/gen_node.sh into a temporary copy makes exactly what is committed."""
    out = tmp_path / "node"
    done = run("bash", ROOT / "scripts" / "gen_node.sh", "--out", out, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    for part in GENERATED:
        made, committed = out / part, PKG / part
        assert tree(made) == tree(committed), f"clients/node/{part} differs in its files: run scripts/gen_node.sh"
        stale = [name for name in tree(made) if not filecmp.cmp(made / name, committed / name, shallow=False)]
        assert not stale, f"clients/node/{part}: stale {stale}: run scripts/gen_node.sh (npm run gen:node)"
    assert (out / "package.json").read_text() == (PKG / "package.json").read_text()


def test_proto_copy_is_the_contract():
    for proto in (ROOT / "proto" / "authcore" / "v1").glob("*.proto"):
        assert (PKG / "proto" / "authcore" / "v1" / proto.name).read_bytes() == proto.read_bytes()
    for name in ("status.proto", "error_details.proto"):
        assert (PKG / "proto" / "google" / "rpc" / name).read_bytes() == \
            (ROOT / "third_party" / "proto" / "google" / "rpc" / name).read_bytes()


def test_npm_pack_holds_dist_proto_readme_and_license(tmp_path):
    done = run(tool("npm"), "pack", "--dry-run", "--json", cwd=PKG, timeout=120)
    assert done.returncode == 0, done.stderr
    files = {f["path"] for f in json.loads(done.stdout)[0]["files"]}
    assert {"package.json", "README.md", "LICENSE", "dist/index.js", "dist/index.d.ts",
            "proto/authcore/v1/authorization.proto", "proto/google/rpc/error_details.proto"} <= files
    assert not any(f.startswith(("src/", "node_modules/")) for f in files), sorted(files)


# -- a fresh project that installs the package -------------------------------------------------


CONSUMER_TSCONFIG = {
    "compilerOptions": {"strict": True, "module": "nodenext", "moduleResolution": "nodenext", "target": "es2022",
                        "types": ["node"], "outDir": "out", "rootDir": "src", "skipLibCheck": False},
    "include": ["src"],
}


@pytest.fixture(scope="module")
def consumer(tmp_path_factory):
    """A new Node project with authcore-client installed from the repository's path (as its
    README says) and the callers of tests/node_client compiled with tsc --strict into out/."""
    project = tmp_path_factory.mktemp("node-consumer")
    npm = tool("npm")
    assert TSC.exists(), "run npm install at the repository root (make test does)"
    assert run(npm, "init", "-y", cwd=project).returncode == 0
    assert run(npm, "pkg", "set", "type=commonjs", cwd=project).returncode == 0
    types_node = json.loads((ROOT / "package.json").read_text())["devDependencies"]["@types/node"]
    done = run(npm, "install", "--install-links", "--no-audit", "--no-fund", "--loglevel=error", PKG,
               f"@types/node@{types_node}", cwd=project, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    installed = project / "node_modules" / "authcore-client"
    assert installed.is_dir() and not installed.is_symlink(), "--install-links installs a copy, not a link"
    (project / "src").mkdir()
    for name in ("flow.ts", "errors.ts", "retries.ts", "events.ts"):
        shutil.copy(CALLERS / name, project / "src" / name)
    (project / "tsconfig.json").write_text(json.dumps(CONSUMER_TSCONFIG, indent=2))
    done = run(TSC, "-p", "tsconfig.json", cwd=project)
    assert done.returncode == 0, done.stdout + done.stderr
    return project


def node(project: pathlib.Path, script: str, *args: str) -> subprocess.CompletedProcess:
    return run(tool("node"), project / "out" / script, *args, cwd=project, timeout=120)


def check_flow(out: str) -> None:
    assert "opened created=true limit=500000 tier=STANDARD" in out
    assert re.search(r"^authorize APPROVED APPROVED available=487655 max=\d+ id=au_\w+$", out, re.M), out
    assert "capture captured=10000 released=2345 available=490000" in out
    assert "refund refunded=4000 total=4000 available=494000" in out
    assert "account limit=500000 available=494000 posted=6000" in out
    assert "decline DECLINED INSUFFICIENT_CREDIT iso=51" in out


def test_authorize_capture_refund_over_plaintext(consumer, plaintext):  # noqa: F811
    done = node(consumer, "flow.js", plaintext)
    assert done.returncode == 0, done.stdout + done.stderr
    check_flow(done.stdout)


def test_authorize_capture_refund_over_mutual_tls(consumer, mutual_tls):  # noqa: F811
    target, certs = mutual_tls
    done = node(consumer, "flow.js", target, str(certs))
    assert done.returncode == 0, done.stdout + done.stderr
    check_flow(done.stdout)


def closed_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{s.getsockname()[1]}"


def test_errors_are_typed_and_carry_the_status_details(consumer, plaintext, mutual_tls):  # noqa: F811
    tls_target, _ = mutual_tls
    done = node(consumer, "errors.js", plaintext, closed_port(), tls_target)
    assert done.returncode == 0, done.stdout + done.stderr
    seen = {e["what"]: e for e in map(json.loads, done.stdout.splitlines())}

    bad = seen["negative amount"]
    assert bad["class"] == "InvalidArgument" and bad["invalidArgument"] and bad["code"] == 3
    assert bad["codeName"] == "INVALID_ARGUMENT" and bad["statusCode"] == 3
    assert {"field": "amount_minor", "description": "must be greater than zero"} in bad["fieldViolations"]
    assert "google.rpc.BadRequest" in bad["details"]
    assert bad["requestId"] == "node-client-bad-1"
    assert bad["message"].startswith("INVALID_ARGUMENT: ") and bad["hint"] == ""

    missing = seen["unknown account"]
    assert missing["class"] == "NotFound" and missing["notFound"]
    assert missing["reason"] == "ACCOUNT_NOT_FOUND"
    assert missing["resource"] == {"type": "account", "name": "node-client-nobody"}
    assert missing["requestId"] == ""  # GetAccount has no request_id

    refused = seen["closed port"]
    assert refused["class"] == "Unavailable" and refused["statusCode"] is None
    assert refused["hint"].startswith("nothing listens there"), refused

    tls = seen["plaintext to TLS"]
    assert tls["codeName"] == "UNAVAILABLE" and tls["hint"].startswith("the server may require TLS"), tls
    assert "tlsFromDir" in tls["message"]


def test_retries_deadlines_and_request_ids(consumer):
    done = node(consumer, "retries.js")
    assert done.returncode == 0, done.stdout + done.stderr
    seen = {c["case"]: c for c in map(json.loads, done.stdout.splitlines())}

    # UNAVAILABLE twice, then an answer: three attempts, one request_id made by the client.
    recovered = seen["authorize recovers"]
    assert recovered["ok"] and len(recovered["attempts"]) == 3
    ids = {a[0] for a in recovered["attempts"]}
    assert len(ids) == 1 and re.fullmatch(r"[0-9a-f-]{36}", ids.pop())

    assert seen["authorize given id"]["attempts"] == [["caller-id-1"], ["caller-id-1"]]

    # Always UNAVAILABLE: four attempts (the default), all with the id the error carries.
    gave_up = seen["authorize gives up"]
    assert not gave_up["ok"] and gave_up["class"] == "Unavailable" and len(gave_up["attempts"]) == 4
    assert {a[0] for a in gave_up["attempts"]} == {gave_up["requestId"]}
    assert gave_up["hint"].startswith("the server may require TLS")  # plaintext, no status details

    assert len(seen["authorize without retries"]["attempts"]) == 1

    # Each item of a batch gets its own id, the same on every attempt; the caller's is kept.
    batch = seen["batch recovers"]
    assert batch["ok"] and len(batch["attempts"]) == 2 and batch["attempts"][0] == batch["attempts"][1]
    assert batch["attempts"][0][1] == "caller-item-2" and batch["attempts"][0][0] not in ("", "caller-item-2")

    # authcore's own UNAVAILABLE: retried, then decoded from grpc-status-details-bin.
    journal = seen["capture with details"]
    assert len(journal["attempts"]) == 4 and journal["reason"] == "JOURNAL_UNAVAILABLE"
    assert journal["retryAfterMs"] == 1500 and journal["metadata"] == {"shard": "0"}
    assert journal["hint"] == ""

    # A request without request_id is never retried.
    not_retried = seen["getAccount is not retried"]
    assert not not_retried["ok"] and not_retried["codeName"] == "UNAVAILABLE"
    assert not_retried["attempts"] == [["a"]]

    # The per-call deadline: 300 ms, not the stand-in's 3 s.
    late = seen["void times out"]
    assert late["class"] == "DeadlineExceeded" and late["ms"] < 2000 and len(late["attempts"]) == 1


MARKED = re.compile(r"// error:")


def test_tsc_strict_refuses_a_mistyped_caller(consumer, tmp_path):
    source = (CALLERS / "mistyped.ts").read_text()
    expected = {n for n, line in enumerate(source.splitlines(), 1) if MARKED.search(line)}
    assert len(expected) == 6
    (consumer / "mistyped").mkdir(exist_ok=True)
    (consumer / "mistyped" / "mistyped.ts").write_text(source)
    done = run(TSC, "--noEmit", "--strict", "--module", "nodenext", "--moduleResolution", "nodenext",
               "--types", "node", "mistyped/mistyped.ts", cwd=consumer)
    assert done.returncode != 0
    lines = {int(m.group(1)) for m in re.finditer(r"mistyped\.ts\((\d+),\d+\): error TS", done.stdout)}
    assert lines == expected, done.stdout
    assert "'string' is not assignable to type 'bigint" in done.stdout, done.stdout

    # The same caller with the types right compiles.
    fixed = (source.replace('amountMinor: "12345"', "amountMinor: 12_345n")
             .replace("const available: number", "const available: bigint")
             .replace('channel: "CHANNEL_WALLET"', "channel: Channel.WALLET")
             .replace("acountId", "accountId")
             .replace("amountMinor: 100 }", "amountMinor: 100n }")
             .replace("authorizationId: 42n", 'authorizationId: "au_1"'))
    (consumer / "mistyped" / "mistyped.ts").write_text(fixed)
    done = run(TSC, "--noEmit", "--strict", "--module", "nodenext", "--moduleResolution", "nodenext",
               "--types", "node", "mistyped/mistyped.ts", cwd=consumer)
    assert done.returncode == 0, done.stdout


def test_the_types_resolve_with_module_commonjs_too(consumer):
    """A project on the older module=commonjs (node10 resolution) gets the same types."""
    config = {"compilerOptions": {**CONSUMER_TSCONFIG["compilerOptions"], "module": "commonjs",
                                  "moduleResolution": "node10", "noEmit": True},
              "include": ["src"]}
    (consumer / "tsconfig.cjs.json").write_text(json.dumps(config))
    done = run(TSC, "-p", "tsconfig.cjs.json", cwd=consumer)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_readmes_typescript_compiles(consumer):
    """The README's first TypeScript example, as written, passes tsc --strict."""
    readme = (PKG / "README.md").read_text()
    example = re.search(r"```ts\n(.*?)```", readme, re.S).group(1)
    assert "client.authorize(" in example and "client.capture(" in example and "client.refund(" in example
    (consumer / "readme").mkdir(exist_ok=True)
    (consumer / "readme" / "example.ts").write_text(example)
    done = run(TSC, "--noEmit", "--strict", "--module", "nodenext", "--moduleResolution", "nodenext",
               "--types", "node", "readme/example.ts", cwd=consumer)
    assert done.returncode == 0, done.stdout


def test_getting_started_pay_ts_runs_as_written(consumer, plaintext):  # noqa: F811
    """docs/getting-started.md section 4: pay.ts, compiled with the page's tsc command in a project
    that installed the package from the repository's path, prints what the page shows."""
    page = (ROOT / "docs" / "getting-started.md").read_text()
    section = page[page.index("## 4. Authorize from Node.js"):page.index("## 5. Run the tests")]
    assert "npm install --install-links ../authcore/clients/node" in section
    command = re.search(r"^npx (tsc --strict .*) pay\.ts && node pay\.js$", section, re.M).group(1).split()
    source = re.search(r"```ts\n// pay\.ts\n(.*?)```", section, re.S).group(1)
    shown = re.search(r"```\n(APPROVED .*?)```", section, re.S).group(1).splitlines()
    work = consumer / "getting-started"
    work.mkdir(exist_ok=True)
    (work / "pay.ts").write_text(source.replace("127.0.0.1:50051", plaintext))
    done = run(TSC, *command[1:], "pay.ts", cwd=work)
    assert done.returncode == 0, done.stdout + done.stderr
    done = run(tool("node"), "pay.js", cwd=work, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines() == shown


def test_a_node_consumer_reads_every_event_and_resumes_without_gap(consumer, tmp_path):
    """tests/node_client/events.ts watches partition 0 of a server from seq 1, leaves part-way and
    resumes from the last seq seen + 1: it prints seqs 1..N, each once."""
    from authcore.api.server import create_server
    from authcore.engine import Engine
    from authcore.journal.store import Journal
    from tests.conftest import connect
    from tests.test_events import business

    engine = Engine(Journal(tmp_path / "data", segment_bytes=4096), default_model=False)
    service = create_server(engine, "127.0.0.1:0", max_workers=8, expiry_interval_s=3600).start()
    try:
        client = connect(service.port)
        business(client, payments=12)
        client.channel.close()
        last = engine.journal.last_seq
        done = node(consumer, "events.js", f"127.0.0.1:{service.port}", str(last))
    finally:
        service.stop(grace_s=1)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"partition 0 at 127.0.0.1:{service.port}"
    printed = [line.split() for line in lines[1:]]
    assert [int(seq) for _, seq, _ in printed] == list(range(1, last + 1))
    assert {"UpsertAccount", "Authorize", "Capture", "Refund", "Repay"} <= {method for _, _, method in printed}
