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
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

__all__ = ["Beside", "beside_map", "local_workers"]

_PR_SET_PDEATHSIG = 1


def _can_fork() -> bool:
    return (
        sys.platform == "linux" and threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()
    )


def _as_child() -> None:
    """Die with the parent, whatever kills it, and on the usual signals."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, signal.SIG_DFL)


def _trimmed() -> None:
    """Give the heap's free pages back to the system before forking (glibc's ``malloc_trim``).

    Pages the allocator keeps free after a large analysis (half a gigabyte at a million
    solutions) would otherwise be inherited by the child, and copied as soon as either
    process allocates into them: every process would count them again.
    """
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _child(conn: Any, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    _as_child()
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
        _trimmed()
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

    def done(self) -> bool:
        """Whether the function has ended (:meth:`wait` then returns at once)."""
        return self._process is None or not self._process.is_alive()

    def stop(self) -> None:
        """End the child if it is still working (this run failed or was interrupted)."""
        if self._process is not None and self._process.is_alive():
            self._process.kill()
            self._process.join()
        self._process = None


_WORK: tuple[Callable[[Any], Any], Sequence[Any]] | None = None
"""The function and items of the running :func:`beside_map` (the forked workers inherit them)."""


def _item(i: int) -> Any:
    assert _WORK is not None
    fn, items = _WORK
    return fn(items[i])


def local_workers() -> int:
    """Return the number of worker processes :func:`beside_map` can use here.

    Worker processes :func:`beside_map` can use here: this machine's cores, or 1 where it
    cannot fork (not Linux, or threads running).
    """
    return (os.cpu_count() or 1) if _can_fork() else 1


def beside_map(fn: Callable[[Any], Any], items: Sequence[Any], workers: int | None = None) -> list[Any]:
    """Map *fn* over *items* in forked worker processes, results in order.

    ``[fn(item) for item in items]`` over *workers* forked processes (default
    :func:`local_workers`), results in order. The workers inherit *items* instead of receiving
    them pickled; only results travel back. They die with this process; a worker that dies
    raises ``BrokenProcessPool`` here instead of hanging. With one worker it runs here.
    """
    global _WORK
    count = min(workers or local_workers(), len(items))
    if count <= 1 or not _can_fork():
        return [fn(item) for item in items]
    _WORK = (fn, items)
    _trimmed()
    pool = ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("fork"), initializer=_as_child)
    try:
        return list(pool.map(_item, range(len(items))))
    except BaseException:  # an error, Ctrl-C or a signal here: the workers stop now, not after their item
        for process in list(getattr(pool, "_processes", {}).values()):
            process.kill()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        _WORK = None
