"""Run a few independent pieces of drawing at once: numpy and PIL work outside the GIL.

After the model has answered, both cores of a small server are idle while one thread draws a
request's pictures one after another. `fan_out` spreads such pieces over a thread pool and the
calling thread; the result does not depend on whether a pool is given.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, wait
from typing import TypeVar

T = TypeVar("T")


def fan_out(jobs: dict[str, Callable[[], T]], pool: Executor | None = None) -> dict[str, T]:
    """Call every job and return name -> result, in the order given.

    With `pool`, every job but the first runs there while this thread runs the first (put the
    longest first). Jobs must not wait on the same pool themselves: then a busy pool only delays
    them and can never deadlock. Without `pool`, the jobs run here one by one. When a job fails,
    the first error is raised once every other job has ended or been cancelled.
    """
    if pool is None or len(jobs) < 2:
        return {name: job() for name, job in jobs.items()}
    first, *rest = jobs
    futures = {name: pool.submit(jobs[name]) for name in rest}
    try:
        results = {first: jobs[first]()}
        results.update({name: future.result() for name, future in futures.items()})
    except BaseException:
        # One job failed: jobs not yet started are cancelled and running ones awaited, so no
        # job of this call still runs (writing files, holding memory) once the error is raised.
        for future in futures.values():
            future.cancel()
        wait(futures.values())
        raise
    return {name: results[name] for name in jobs}


__all__ = ["fan_out"]
