"""A worker of `authcore serve --processes N` takes SIGTERM at any point of its wait: the Python
handler runs in the main thread between two bytecodes, even while that thread holds the lock of
what it waits on, so the handler must take no lock (a threading.Event.set() there can block the
main thread on itself: the worker never drains nor stops, and its supervisor kills it)."""

from __future__ import annotations

import pathlib
import subprocess
import sys

REPO = pathlib.Path(__file__).resolve().parent.parent

# SIGTERM raised at the worst moment: at the first line run inside a wait of threading's, with
# that wait's lock held (inside `with self._cond:`); the handler runs right after raise_signal.
SCRIPT = """
import signal, sys, threading
from authcore.cluster import supervisor as cluster

terminated = cluster._Terminated()
gone = threading.Event()
raised = []

def trace(frame, event, arg):
    if event == "call" and frame.f_code.co_filename == threading.__file__ and frame.f_code.co_name == "wait":
        return local
    return None

def local(frame, event, arg):
    if event == "line" and not raised and "signaled = self._flag" in _line(frame):
        raised.append(True)
        signal.raise_signal(signal.SIGTERM)
    return local

def _line(frame):
    import linecache
    return linecache.getline(frame.f_code.co_filename, frame.f_lineno)

sys.settrace(trace)
taken = cluster._wait_for(terminated, gone, timeout_s=5)
sys.settrace(None)
print("raised" if raised else "not raised", "taken" if taken else "missed", flush=True)
"""


def test_sigterm_during_the_wait_is_taken_and_the_worker_goes_on():
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["raised", "taken"], (result.stdout, result.stderr)
