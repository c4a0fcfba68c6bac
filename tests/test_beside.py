"""Work done beside this process (the atlas beside the report): result and errors come back,
nothing keeps running after a stop, and with threads around it runs here instead."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import pytest

from scmap.core import _beside
from scmap.core._beside import Beside, _can_fork, beside_map
from scmap.errors import OutputError


def _write(path: Path, text: str) -> int:
    path.write_text(text, encoding="utf-8")
    return os.getpid()


def _fail(message: str) -> None:
    raise OutputError(message)


def _sleep_then_write(path: Path) -> None:
    time.sleep(3)
    path.write_text("late", encoding="utf-8")


@pytest.fixture
def forking(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fork path even in a test runner that has threads of its own (pytest-xdist's)."""
    if sys.platform != "linux":
        pytest.skip("forks only on Linux")
    monkeypatch.setattr(_beside, "_can_fork", lambda: True)


@pytest.mark.usefixtures("forking")
def test_the_work_runs_in_another_process_and_its_result_comes_back(tmp_path: Path):
    job = Beside(_write, tmp_path / "a.txt", "atlas")
    pid = job.wait()
    assert pid != os.getpid() and (tmp_path / "a.txt").read_text(encoding="utf-8") == "atlas"


def test_its_error_is_raised_here_as_it_was_raised_there():
    with pytest.raises(OutputError, match=r"disk full while writing atlas\.pdf"):
        Beside(_fail, "disk full while writing atlas.pdf").wait()


@pytest.mark.usefixtures("forking")
def test_a_stop_leaves_nothing_running(tmp_path: Path):
    job = Beside(_sleep_then_write, tmp_path / "late.txt")
    process = job._process
    job.stop()
    assert not process.is_alive()
    time.sleep(3.5)
    assert not (tmp_path / "late.txt").exists()


@pytest.mark.usefixtures("forking")
def test_its_error_in_the_child_is_raised_here():
    with pytest.raises(OutputError, match=r"disk full while writing atlas\.pdf"):
        Beside(_fail, "disk full while writing atlas.pdf").wait()


def test_with_another_thread_it_runs_here(tmp_path: Path):
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert not _can_fork()
        assert Beside(_write, tmp_path / "b.txt", "here").wait() == os.getpid()
    finally:
        stop.set()
        other.join()


def _square_and_pid(x: int) -> tuple[int, int]:
    if x < 0:
        raise OutputError(f"item {x} failed")
    if x == 99:
        os.kill(os.getpid(), 9)  # a worker killed (out of memory)
    return x * x, os.getpid()


@pytest.mark.usefixtures("forking")
def test_a_map_over_forked_workers_keeps_the_order_and_uses_other_processes():
    out = beside_map(_square_and_pid, list(range(12)), workers=2)
    assert [v for v, _ in out] == [x * x for x in range(12)]
    assert os.getpid() not in {pid for _, pid in out}


@pytest.mark.usefixtures("forking")
def test_a_failed_item_raises_here_and_a_killed_worker_does_not_hang():
    from concurrent.futures.process import BrokenProcessPool

    with pytest.raises(OutputError, match="item -3 failed"):
        beside_map(_square_and_pid, [1, 2, -3, 4], workers=2)
    with pytest.raises(BrokenProcessPool):
        beside_map(_square_and_pid, [1, 99, 3], workers=2)


def test_with_one_worker_the_map_runs_here():
    assert {pid for _, pid in beside_map(_square_and_pid, [1, 2, 3], workers=1)} == {os.getpid()}
