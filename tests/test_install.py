"""What `make serve` and `make test` install, read from `make -n` (nothing is run): serving
installs authcore and its serving dependencies only and says what it is doing; the tests add the
development extras; neither installs again what the other already did."""

from __future__ import annotations

import pathlib
import shutil
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def planned(target: str, venv: pathlib.Path, *variables: str) -> str:
    """The commands `make target` would run with its virtual environment at venv."""
    done = subprocess.run(["make", "-n", target, f"VENV={venv}", *variables], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def pip_installs(commands: str) -> list[str]:
    return [line for line in commands.splitlines() if "pip install" in line and "--upgrade pip" not in line]


def stamp(venv: pathlib.Path, *names: str) -> None:
    """Mark venv as made by an earlier command (stamps newer than every source)."""
    venv.mkdir(exist_ok=True)
    for name in names:
        (venv / name).touch()


def test_a_first_make_serve_installs_what_serving_needs_and_says_so(tmp_path):
    commands = planned("serve", tmp_path / "venv")
    installs = pip_installs(commands)
    assert len(installs) == 1 and installs[0].endswith("pip install --progress-bar on -e ./clients/python -e ."), installs
    assert "[dev]" not in commands and "--quiet -e" not in commands
    for step in ("creating", "installing authcore and its serving dependencies", "compiled kernels",
                 "starting authcore serve"):
        assert step in commands, step


def test_make_test_installs_the_development_extras(tmp_path):
    installs = pip_installs(planned("test", tmp_path / "venv"))
    assert len(installs) == 1 and installs[0].endswith('-e ./clients/python -e ".[dev]"'), installs


def test_after_make_serve_make_test_adds_the_extras(tmp_path):
    venv = tmp_path / "venv"
    stamp(venv, ".created", ".installed")
    commands = planned("test", venv)
    assert [line.endswith('-e ./clients/python -e ".[dev]"') for line in pip_installs(commands)] == [True]
    assert "-m venv" not in commands


def test_after_make_test_make_serve_installs_nothing(tmp_path):
    venv = tmp_path / "venv"
    stamp(venv, ".created", ".installed-dev", ".installed")
    assert pip_installs(planned("serve", venv)) == []
    assert pip_installs(planned("test", venv)) == []


def test_make_serve_passes_its_arguments_to_serve(tmp_path):
    venv = tmp_path / "venv"
    stamp(venv, ".created", ".installed")
    assert f"{venv}/bin/authcore serve --demo --port 50061" in planned("serve", venv, "ARGS=--port 50061")
