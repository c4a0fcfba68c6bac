"""A stop signal that no code in between can lose.

The command line turns SIGINT, SIGHUP and SIGTERM into :class:`Interrupted`, raised from the
signal handler wherever the main thread is. Python swallows an exception raised there when the
main thread is inside a callback whose errors it only prints: a handler registered with
``os.register_at_fork`` (the logging module's, each time a run forks a worker), a ``__del__``, a
weakref callback. So the handler also writes the signal down, and each output checks it before it
moves into place (:func:`raise_if_stopped`): a stop that was swallowed still stops the run before
it replaces anything. Python would also print such a swallowed stop as "Exception ignored ...
Traceback"; :func:`quiet_unraisable` keeps that from the user, since the stop is still honoured.

Examples
--------
>>> forget_stop()
>>> raise_if_stopped()
>>> try:
...     stop_now(15, None)
... except Interrupted as exc:
...     exc.name
'SIGTERM'
>>> try:
...     raise_if_stopped()
... except Interrupted as exc:
...     exc.signum
15
>>> forget_stop()
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from typing import Any

__all__ = ["Interrupted", "forget_stop", "quiet_unraisable", "raise_if_stopped", "stop_now"]

_requested: list[int] = []


class Interrupted(BaseException):
    """Raised when a stop signal arrives, to unwind like Ctrl-C.

    Raised in the main thread by SIGINT, SIGHUP or SIGTERM: unwinds like Ctrl-C, so that every
    output being written is removed and the previous one kept, then exits 128 + the signal.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
        self.name = signal.Signals(signum).name


def stop_now(signum: int, frame: object) -> None:
    """Signal handler: write the stop down, then raise :class:`Interrupted` here."""
    _requested.append(signum)
    raise Interrupted(signum)


def raise_if_stopped() -> None:
    """Raise :class:`Interrupted` again if a stop signal arrived (even one whose raise was swallowed)."""
    if _requested:
        raise Interrupted(_requested[0])


def forget_stop() -> None:
    """Forget earlier stop signals (a new command starts)."""
    _requested.clear()


def quiet_unraisable(hook: Callable[[Any], object]) -> Callable[[Any], object]:
    """Return a ``sys.unraisablehook`` that says nothing of a swallowed :class:`Interrupted`.

    The stop was written down and is raised again before any output moves into place, so the
    "Exception ignored ... Traceback" Python would print is no news to the user; anything else
    goes to *hook* (the hook it replaces).
    """

    def quiet(unraisable: Any) -> object:
        if isinstance(getattr(unraisable, "exc_value", None), Interrupted):
            return None
        return hook(unraisable)

    return quiet
