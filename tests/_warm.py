"""``scmap`` as a real process forked from a warm server, so that a test pays the imports once.

The crash, signal and full-disk tests start dozens of ``scmap`` processes to kill, starve or
stop them at a chosen file; each new interpreter spends about 3 s importing pandas, GDAL,
matplotlib, folium and the rest before it writes a byte. Here one fork server per test worker
imports all of that once (``multiprocessing``'s ``forkserver``), and every run is a fresh
``fork()`` of it that calls the command line (``scmap.cli.main.cli``) with the arguments: a separate process
with its own pid, exit code, signal handlers, file-size limit and working folder, which the
test kills or signals exactly as it would a ``subprocess.Popen``. Only what happens before
``cli`` (Python starting, imports) is not exercised here; ``tests/test_readme.py``,
``tests/test_examples.py`` and ``tests/test_bad_input.py`` run the installed ``scmap`` command.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

# everything a full run imports, some of it only when it gets there (and every command's module,
# from the command line's own table, in _server)
PRELOAD = [
    "_warm",
    "scmap.cli.main",
    "scmap.pipeline.results",
    "scmap.maps",
    "scmap.outputs.report",
    "scmap.outputs.atlas",
    "scmap.outputs.qgis",
    "scmap.outputs.workshop",
    "mapclassify",
    "esda.getisord",
    "libpysal.weights",
    "matplotlib.backends.backend_pdf",
    "babel.dates",
]

_context: Any = None


def _server() -> Any:
    global _context
    if _context is None:
        from scmap.cli.main import _COMMANDS

        _context = multiprocessing.get_context("forkserver")
        _context.set_forkserver_preload([*PRELOAD, *(f"scmap.cli.{module}" for module in _COMMANDS.values())])
    return _context


def _child(args: list[str], out: str, err: str, limit_bytes: int | None, cwd: str | None) -> None:
    """In the forked process: the files for stdout and stderr, the limits, then ``scmap ...``."""
    # what the server imported stays as it is: the run's full collections no longer walk (and
    # copy, page by page) the inherited heap; 1.32 s instead of 1.44 s a demo run
    gc.freeze()
    for fd, path in ((1, out), (2, err)):
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(handle, fd)
        os.close(handle)
    if limit_bytes is not None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))
    if cwd is not None:
        os.chdir(cwd)
    from scmap.cli.main import cli

    sys.argv = ["scmap", *args]
    cli(args=args, prog_name="scmap")


def _text(path: str) -> str:
    """What the process wrote there ("" when it was killed before it opened the file)."""
    return Path(path).read_text(encoding="utf-8", errors="replace") if os.path.exists(path) else ""


class WarmProcess:
    """One ``scmap`` run: ``pid``, ``poll``, ``wait``, ``communicate``, ``send_signal``, ``kill``."""

    def __init__(self, args: list[str | Path], *, limit_bytes: int | None = None, cwd: Path | None = None) -> None:
        self.args = ["scmap", *map(str, args)]
        self._folder = tempfile.mkdtemp(prefix="scmap-warm-")
        self._out, self._err = (os.path.join(self._folder, name) for name in ("out", "err"))
        self._texts: tuple[str, str] | None = None
        self._process = _server().Process(
            target=_child, args=(self.args[1:], self._out, self._err, limit_bytes, None if cwd is None else str(cwd))
        )
        self._process.start()
        self.pid: int = self._process.pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        """The exit code (negative: the signal that ended it), or None while it runs."""
        if self.returncode is None and not self._process.is_alive():
            self.returncode = self._process.exitcode
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the end; ``subprocess.TimeoutExpired`` after *timeout* seconds."""
        self._process.join(timeout)
        if self.poll() is None:
            raise subprocess.TimeoutExpired(self.args, timeout or 0)
        if self._texts is None:
            self._texts = (_text(self._out), _text(self._err))
            shutil.rmtree(self._folder, ignore_errors=True)
        return self.returncode  # type: ignore[return-value]

    def communicate(self, timeout: float | None = None) -> tuple[str, str]:
        """Wait, then what it printed on stdout and stderr."""
        self.wait(timeout)
        assert self._texts is not None
        return self._texts

    def send_signal(self, sig: int) -> None:
        """Send *sig* to the process (nothing when it has ended)."""
        if self.poll() is None:
            os.kill(self.pid, sig)

    def kill(self) -> None:
        """SIGKILL."""
        self._process.kill()


def run(
    args: list[str | Path], *, limit_bytes: int | None = None, timeout: float = 240, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """``subprocess.run([scmap, *args], capture_output=True, text=True)`` on a warm fork."""
    proc = WarmProcess(args, limit_bytes=limit_bytes, cwd=cwd)
    try:
        out, err = proc.communicate(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)  # reaped, its output files removed
        raise
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
