"""A few long-lived worker threads, where the first idle one always takes the next job.

PyTorch's CPU kernels run on an OpenMP team that belongs to the calling thread, and a team whose
thread has just worked spins for a while on the cores before it sleeps. A plain thread pool hands
a request alone to whichever worker is free, so consecutive requests alternate between workers
and one's team spins while the other's works (measured here: ResNet-50 all stages, 138 ms from
one thread, 188 ms alternating between two). `Workers` gives each job to the lowest-numbered idle
worker: a request alone always runs on worker 0, and the others only take jobs when it is busy.
Pure threading: no torch, no UI framework.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


class Workers:
    """`count` single-thread workers named `prefix`-0, -1, ...; `run` waits for a job's result."""

    def __init__(self, count: int, *, prefix: str) -> None:
        if count < 1:
            raise ValueError(f"count must be at least 1; got {count}")
        self._pools = [ThreadPoolExecutor(1, thread_name_prefix=f"{prefix}-{i}") for i in range(count)]
        self._busy = [0] * count  # jobs queued or running, per worker
        self._lock = threading.Lock()

    @property
    def count(self) -> int:
        return len(self._pools)

    def submit(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        """Queue `fn(*args)` on the lowest-numbered idle worker (all busy: the least busy one)."""
        with self._lock:
            index = min(range(len(self._pools)), key=lambda i: (self._busy[i], i))
            self._busy[index] += 1
        future = self._pools[index].submit(fn, *args)
        future.add_done_callback(lambda _: self._done(index))
        return future

    def run(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` on a worker; returns its result or raises its exception."""
        return self.submit(fn, *args).result()

    def shutdown(self, *, wait: bool = True, cancel_futures: bool = False) -> None:
        """End every worker (as `ThreadPoolExecutor.shutdown`); later submits raise RuntimeError."""
        for pool in self._pools:
            pool.shutdown(wait=wait, cancel_futures=cancel_futures)

    def _done(self, index: int) -> None:
        with self._lock:
            self._busy[index] -= 1


__all__ = ["Workers"]
