"""One writer per store and one store per port: a data dir is held exclusively (an flock the
kernel drops on kill -9) by every process that writes it, so a second server on it is refused
at once naming the holder's pid, single- or multi-process; a supervisor killed with SIGKILL and
started again never runs beside its old workers; read-only tools keep working on a held dir;
and a second server on a port already served is refused instead of sharing it."""

from __future__ import annotations

import ctypes
import os
import pathlib
import re
import signal
import subprocess
import sys
import time

import grpc
import pytest
from test_multiprocess import Served, clients_of

from authcore.cluster.partitions import partition_dir
from authcore.journal.store import LOCK_FILE, DataDirInUse, DataDirLock, Journal
from authcore.v1 import account_pb2, account_pb2_grpc, admin_pb2, admin_pb2_grpc
from authcore.v1 import common_pb2 as c

REPO = pathlib.Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 60


class Single:
    """A single-process `authcore serve` as a subprocess."""

    def __init__(self, data_dir: pathlib.Path, port: int = 0):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "authcore", "serve", "--port", str(port), "--data-dir", str(data_dir)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})

    def serving(self) -> str:
        line = self.process.stdout.readline()
        match = re.search(r"serving on ([\d.]+:\d+)", line)
        assert match, (line, self.process.stderr.read() if self.process.poll() is not None else "")
        # Stop signals are handled from the next line on.
        while "press Ctrl-C to stop" not in line:
            line = self.process.stdout.readline()
            assert line, self.process.stderr.read()
        return match.group(1)

    def refused(self) -> str:
        """The stderr of a start that must be refused; asserts it exited 2."""
        try:
            _, stderr = self.process.communicate(timeout=START_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.communicate()
            raise AssertionError("a start that must be refused is serving") from None
        assert self.process.returncode == 2, stderr
        return stderr

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.communicate()
            raise AssertionError("the server did not stop") from None
        return self.process.returncode


def _upsert(target: str, account_id: str) -> None:
    with grpc.insecure_channel(target) as channel:
        admin_pb2_grpc.AdminServiceStub(channel).UpsertAccount(admin_pb2.UpsertAccountRequest(
            request_id=f"open-{account_id}", account_id=account_id, credit_limit_minor=100_000,
            tier=c.TIER_STANDARD), timeout=10)


def _gone(pid: int) -> bool:
    try:
        state = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state == "Z"


def _subreaper(on: bool) -> None:
    """Adopt (or stop adopting) orphaned descendants: prctl(PR_SET_CHILD_SUBREAPER)."""
    libc = ctypes.CDLL(None, use_errno=True)
    assert libc.prctl(36, int(on), 0, 0, 0) == 0, os.strerror(ctypes.get_errno())


def _wait_gone(pids: list[int], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not all(_gone(pid) for pid in pids):
        assert time.monotonic() < deadline, f"processes {pids} did not exit"
        time.sleep(0.1)


# -- the lock itself ----------------------------------------------------------------------------


def test_a_second_journal_on_a_held_dir_is_refused_naming_the_holder(tmp_path):
    journal = Journal(tmp_path)
    try:
        assert (tmp_path / LOCK_FILE).read_text().strip() == str(os.getpid())
        with pytest.raises(DataDirInUse, match=f"in use by another authcore process \\(pid {os.getpid()}"):
            Journal(tmp_path)
    finally:
        journal.close()
    Journal(tmp_path).close()  # released on close


def test_the_lock_is_released_when_the_holder_is_killed(tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from authcore.journal.store import Journal; Journal(sys.argv[1]); "
         "print('held', flush=True); time.sleep(600)", str(tmp_path)],
        stdout=subprocess.PIPE, text=True, cwd=REPO)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(DataDirInUse, match=f"pid {holder.pid}"):
            DataDirLock(tmp_path)
    finally:
        holder.kill()
        holder.wait()
    DataDirLock(tmp_path).release()


# -- single-process servers -----------------------------------------------------------------------


def test_a_second_server_on_a_data_dir_in_use_is_refused_and_audit_still_reads_it(tmp_path):
    data_dir = tmp_path / "data"
    first = Single(data_dir)
    try:
        target = first.serving()
        _upsert(target, "held-1")
        second = Single(data_dir)
        stderr = second.refused()
        assert f"pid {first.process.pid}" in stderr and str(data_dir) in stderr, stderr
        # A read-only tool on the held dir: the audit export reads the journal beside the server.
        out = tmp_path / "audit.csv"
        result = subprocess.run([sys.executable, "-m", "authcore", "audit", "export", "--data-dir", str(data_dir),
                                 "--format", "csv",
                                 "--out", str(out)], capture_output=True, text=True, cwd=REPO, timeout=120)
        assert result.returncode == 0, result.stderr
        assert out.exists()
        with grpc.insecure_channel(target) as channel:  # the first server still serves
            view = account_pb2_grpc.AccountServiceStub(channel).GetAccount(
                account_pb2.GetAccountRequest(account_id="held-1"), timeout=10)
            assert view.account.credit_limit_minor == 100_000
    finally:
        assert first.stop() == 0
    # Once it stopped, the data dir starts again.
    again = Single(data_dir)
    try:
        again.serving()
    finally:
        assert again.stop() == 0


def test_a_second_server_on_a_port_in_use_is_refused_and_clients_reach_one_store(tmp_path):
    first = Single(tmp_path / "one")
    try:
        target = first.serving()
        port = int(target.rsplit(":", 1)[1])
        _upsert(target, "only-in-one")
        stderr = Single(tmp_path / "other", port).refused()
        assert f"127.0.0.1:{port}" in stderr and "port is in use" in stderr, stderr
        # Every new connection reaches the first store.
        for client in clients_of(target, 20):
            view = client.accounts.GetAccount(account_pb2.GetAccountRequest(account_id="only-in-one"), timeout=10)
            assert view.account.credit_limit_minor == 100_000
            client.channel.close()
        # A multi-process server on the same port is refused too.
        refused = subprocess.run([sys.executable, "-m", "authcore", "serve", "--processes", "2", "--port", str(port),
                                  "--data-dir", str(tmp_path / "multi2")], capture_output=True, text=True, cwd=REPO,
                                 timeout=120)
        assert refused.returncode == 2 and f"port {port}" in refused.stderr, refused.stderr
    finally:
        assert first.stop() == 0


def test_a_single_process_server_on_the_port_of_a_multi_process_one_is_refused(tmp_path):
    served = Served(tmp_path / "multi")
    try:
        target = served.serving().group(1)
        port = int(target.rsplit(":", 1)[1])
        stderr = Single(tmp_path / "single", port).refused()
        assert f"127.0.0.1:{port}" in stderr, stderr
    finally:
        assert served.stop() == 0, served.errors()


# -- multi-process servers ------------------------------------------------------------------------


def test_a_second_multi_process_server_on_a_data_dir_in_use_is_refused(tmp_path):
    data_dir = tmp_path / "data"
    served = Served(data_dir)
    try:
        served.serving()
        second = Served(data_dir)
        assert second.wait() == 2
        assert f"pid {served.process.pid}" in second.errors(), second.errors()
        # A worker's partition, opened by anything else that writes: refused naming the worker.
        workers = served.workers()
        with pytest.raises(DataDirInUse, match="pid (" + "|".join(map(str, workers)) + r")\b"):
            Journal(partition_dir(data_dir, 0, 2))
    finally:
        assert served.stop() == 0, served.errors()


def test_a_supervisor_killed_then_restarted_never_runs_beside_its_old_workers(tmp_path):
    """The supervisor alone is killed with SIGKILL while its workers are held stopped (as slow
    drains would keep them): the next start is refused, naming a live worker; once the old
    workers have seen their supervisor gone and exited, the next start serves every balance.
    This process adopts the orphaned workers (a child subreaper): their process group then has a
    parent in the session, so the kernel does not hang them up for being stopped and orphaned."""
    data_dir = tmp_path / "data"
    served = Served(data_dir)
    target = served.serving().group(1)
    names = [f"kept-{k}" for k in range(6)]
    for name in names:
        _upsert(target, name)
    workers = served.workers()
    assert len(workers) == 2
    _subreaper(True)
    try:
        for pid in workers:
            os.kill(pid, signal.SIGSTOP)
        served.process.kill()
        served.wait()
        restarted = Served(data_dir)
        assert restarted.wait() == 2
        errors = restarted.errors()
        assert re.search("pid (" + "|".join(map(str, workers)) + r")\b", errors), errors
        assert "still stopping" in errors
        for pid in workers:
            assert not _gone(pid), "the old workers were alive all along"
        for pid in workers:
            os.kill(pid, signal.SIGCONT)
        _wait_gone(workers)  # their stdin closed with the supervisor: they stop by themselves
    finally:
        for pid in workers:
            try:
                if not _gone(pid):
                    os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
        _subreaper(False)
    again = Served(data_dir)
    try:
        match = again.serving()
        assert int(match.group(3)) == len(names)
        for client in clients_of(match.group(1), 2):
            for name in names:
                assert client.accounts.GetAccount(account_pb2.GetAccountRequest(account_id=name),
                                                  timeout=10).account.credit_limit_minor == 100_000
            client.channel.close()
    finally:
        assert again.stop() == 0, again.errors()
