"""Round-robin across visitors in Gradio's queue: one visitor's burst does not delay another's one request.

Gradio serves each concurrency group first come, first served. With per-visitor bounds alone,
a client that keeps its k events always queued takes k turns for every one turn of a student
with one request; measured (`bench/fair_share.py --sustained`, k = 4, 8 students) that more than
doubled the students' waits. So after each join the group's waiting events are put in rounds:
a visitor's first waiting event (counting the ones already running in that group) goes in the
first round, their second in the second, and so on; rounds are served in order, and within a
round the order of arrival is kept.

Gradio has no public API for its queue's order; `waiting_events` and `running_events` are the
one place that reads its bookkeeping (`Queue.event_queue_per_concurrency_id`, `active_jobs`),
and tests/test_ui_fair_share.py fails loudly if a Gradio release moves either.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any


def waiting_events(blocks: Any, group: str) -> list[Any] | None:
    """The list of events of `group` waiting for a worker, in the order Gradio serves them (None: no such group)."""
    queue = getattr(blocks, "_queue", None)
    event_queue = getattr(queue, "event_queue_per_concurrency_id", {}).get(group)
    return None if event_queue is None else event_queue.queue


def running_events(blocks: Any) -> list[Any]:
    """Every event a worker is computing now."""
    queue = getattr(blocks, "_queue", None)
    return [event for job in getattr(queue, "active_jobs", None) or [] if job for event in job]


def interleave(blocks: Any, group: str, visitor: Callable[[Any], str]) -> None:
    """Reorder the waiting events of `group` in rounds across visitors (see the module docstring).

    `visitor` names an event's visitor. The list is reordered in place, between two awaits of
    the event loop that serves the queue, so the queue never sees it half done.
    """
    waiting = waiting_events(blocks, group)
    if not waiting or len(waiting) < 2:
        return
    turns = Counter(visitor(event) for event in running_events(blocks) if getattr(event, "concurrency_id", None) == group)
    rounds = []
    for arrival, event in enumerate(waiting):
        who = visitor(event)
        rounds.append((turns[who], arrival, event))
        turns[who] += 1
    waiting[:] = [event for _, _, event in sorted(rounds, key=lambda r: (r[0], r[1]))]
