"""The README's looks at a server without grpcurl (server reflection, health, a method through
authcore.client) run as written against a live server, the port changed to the server's."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys

from tests.test_examples import ENV, ROOT, serve


def commands() -> list[str]:
    """The `.venv/bin/python -c ...` lines of the README's block that follows its grpcurl paragraph."""
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"`grpcurl` has no Debian package.*?```sh\n(.*?)```", readme, re.S).group(1)
    return [line for line in block.splitlines() if line.startswith(".venv/bin/python -c ")]


def test_the_readme_says_how_to_get_grpcurl():
    readme = " ".join((ROOT / "README.md").read_text().split())
    assert "go install github.com/fullstorydev/grpcurl/cmd/grpcurl@latest" in readme
    assert "https://github.com/fullstorydev/grpcurl/releases" in readme


def test_the_looks_without_grpcurl_run_as_written(tmp_path):
    found = commands()
    assert len(found) == 3
    server, target = serve(tmp_path / "data")
    outputs = []
    try:
        for line in found:
            # As a shell runs it, with this interpreter for .venv's.
            command = line.replace(".venv/bin/python", shlex.quote(sys.executable)).replace("127.0.0.1:50051", target)
            done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, env=ENV, timeout=60,
                                  cwd=ROOT)
            assert done.returncode == 0, (line, done.stderr)
            outputs.append(done.stdout)
    finally:
        server.terminate()
        server.wait(timeout=60)
    services, health, policy = outputs
    assert {"authcore.v1.AuthorizationService", "authcore.v1.AdminService", "grpc.health.v1.Health"} <= set(
        services.split())
    assert health.strip() == "status: SERVING"
    assert policy.strip() == "default-2026.1"
