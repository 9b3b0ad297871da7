"""Lesson runs on a Dask distributed cluster: the optional `tracegen[dask]` extra.

The cluster runs `runs.run_json` and sends back trace JSON; templates, pages and the cache stay
on this machine, so a site built on a cluster is byte for byte the site built locally. Workers
need tracegen and the same numpy and scikit-learn versions (the trace hash names them, so a
mismatch shows as different hashes, never as silently different numbers), and a lesson that
reads a CSV needs that file at the same path on every worker.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from tracegen.errors import UsageError

# --scheduler local starts a cluster of worker processes on this machine (loopback only).
LOCAL = "local"
# How long to keep trying a scheduler address before giving up with one error line.
CONNECT_SECONDS = 10


class DaskPool:
    """The part of concurrent.futures.Executor the site uses, over a distributed.Client.

    It owns the client (and the local cluster, if it started one) and closes them on shutdown.
    """

    def __init__(self, client: Any, cluster: Any = None) -> None:
        self._client, self._cluster = client, cluster
        # pure=False: two runs of the same lesson and seed are still two tasks, as in the local pool.
        self._executor = client.get_executor(pure=False)

    @property
    def slots(self) -> int:
        """Return how many runs the cluster's workers run at once (its threads, when the build starts)."""
        return sum(self._client.nthreads().values())

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        """Run fn(*args) on the cluster; return a concurrent.futures.Future of its result."""
        return self._executor.submit(fn, *args)

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        """Stop: wait for the submitted runs (or cancel them), then close the client and any local cluster."""
        self._executor.shutdown(wait=wait and not cancel_futures)
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def start_dask_workers(count: int, scheduler: str) -> DaskPool:
    """Connect to the Dask scheduler at `scheduler` (or start `count` local workers for "local")."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise UsageError("tracegen build", "--scheduler",
                         "needs Dask's distributed package: pip install 'tracegen[dask]'") from None
    try:
        if scheduler == LOCAL:
            cluster = LocalCluster(n_workers=count, threads_per_worker=1, processes=True, host="127.0.0.1",
                                   dashboard_address=None)
            return DaskPool(Client(cluster), cluster)
        return DaskPool(Client(scheduler, timeout=CONNECT_SECONDS))
    except (OSError, TimeoutError, ValueError) as exc:
        raise UsageError("tracegen build", "--scheduler",
                         f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
