"""One piece of work done beside this process, when the machine allows it.

A pack's files are independent once the results exist: the atlas (matplotlib, one process's
worth of drawing) can be written while this process writes the report. :class:`Beside` runs
a function in a forked child on Linux when this process has no other thread (forking a
process with threads can deadlock the child); anywhere else it runs the function at once, in
this process. The child dies with this process (``PR_SET_PDEATHSIG``) and on the usual
signals, so a killed or interrupted run leaves nothing writing behind it; its result or its
error comes back through a pipe and is raised here as it was raised there.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import pickle
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["Beside"]

_PR_SET_PDEATHSIG = 1


def _can_fork() -> bool:
    return (
        sys.platform == "linux" and threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()
    )


def _child(conn: Any, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    with contextlib.suppress(OSError, AttributeError):  # die with the parent, whatever kills it
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, signal.SIG_DFL)
    try:
        message: tuple[str, Any] = ("ok", fn(*args))
    except BaseException as err:  # raised again in the parent
        message = ("error", err)
    try:
        conn.send(message)
    except (pickle.PicklingError, TypeError, AttributeError):
        conn.send(("error", RuntimeError(f"{type(message[1]).__name__}: {message[1]}")))
    conn.close()


class Beside:
    """``fn(*args)`` in a forked child (or at once here); :meth:`wait` gives its result."""

    def __init__(self, fn: Callable[..., Any], *args: Any) -> None:
        self._process: Any = None
        self._result: Any = None
        if not _can_fork():
            self._result = fn(*args)
            return
        context = multiprocessing.get_context("fork")
        self._conn, child_conn = context.Pipe(duplex=False)
        self._process = context.Process(target=_child, args=(child_conn, fn, args), daemon=True)
        self._process.start()
        child_conn.close()

    def wait(self) -> Any:
        """The function's result; its exception raised here if it failed."""
        if self._process is None:
            return self._result
        try:
            kind, value = self._conn.recv()
        except EOFError:
            self._process.join()
            raise RuntimeError(f"the process writing beside this one ended ({self._process.exitcode})") from None
        self._process.join()
        self._process = None
        if kind == "error":
            raise value
        return value

    def stop(self) -> None:
        """End the child if it is still working (this run failed or was interrupted)."""
        if self._process is not None and self._process.is_alive():
            self._process.kill()
            self._process.join()
        self._process = None
