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
from scmap.core._beside import Beside, _can_fork
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
