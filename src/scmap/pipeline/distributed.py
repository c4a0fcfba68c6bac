"""Running on a Dask cluster: a local one of N worker processes, or an existing one by address.

``scmap batch --workers N`` and ``scmap run --workers N`` start a ``LocalCluster`` on this
machine; ``--scheduler tcp://host:8786`` connects to a cluster started elsewhere (``dask
scheduler`` + ``dask worker`` on an HPC queue, Dask Kubernetes, Coiled...). Workers must see the
same files as this machine (the inputs and the output folder on a shared disk) and have scmap
installed. Results do not depend on where a task ran: the tasks are the same functions the
in-process run calls.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from scmap.errors import InputError

__all__ = ["cluster", "mapper"]


def mapper(client: Any) -> Callable[[Callable[[Any], Any], Sequence[Any]], list[Any]]:
    """Run a function over items as the client's tasks, results in the items' order.

    A few tasks per worker are in flight at a time: the items (chunks with their service areas) are sent as workers free
    up, not all serialised at once in this process.
    """
    from dask.distributed import as_completed

    def run(fn: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
        window = max(2 * len(client.scheduler_info().get("workers", {})), 4)
        out: list[Any] = [None] * len(items)
        where: dict[str, int] = {}

        def submit(i: int) -> Any:
            future = client.submit(fn, items[i], pure=False)
            where[future.key] = i
            return future

        pending = as_completed([submit(i) for i in range(min(window, len(items)))])
        following = iter(range(min(window, len(items)), len(items)))
        for done in pending:
            out[where.pop(done.key)] = done.result()
            done.release()
            nxt = next(following, None)
            if nxt is not None:
                pending.add(submit(nxt))
        return out

    return run


@contextlib.contextmanager
def cluster(*, workers: int | None = None, scheduler: str | None = None) -> Iterator[Any]:
    """Return a ``dask.distributed.Client`` on a new local cluster or an existing one.

    A ``dask.distributed.Client``: on a new local cluster of *workers* processes, or on the
    cluster at *scheduler*.
    """
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - the dask extra is part of the test install
        raise InputError("running on Dask needs dask.distributed: pip install 'scmap[dask]'") from None
    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="20s")
        except OSError as exc:
            raise InputError(f"--scheduler {scheduler}: no Dask scheduler answers there ({exc})") from None
        with client:
            yield client
        return
    if workers is None or workers < 1:
        raise InputError("--workers: give the number of worker processes (1 or more)")
    logging.getLogger("distributed").setLevel(logging.ERROR)
    with (
        LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address="127.0.0.1:0") as local,
        Client(local) as client,
    ):
        yield client
