"""Hugging Face ZeroGPU support, inert everywhere else.

On a ZeroGPU Space the `spaces` package must be imported before torch, and functions that use
the GPU are decorated with `spaces.GPU`; they then run in a worker process, so their arguments
and results must pickle (ours are PIL images, numpy arrays and dataclasses). Without `spaces`,
`gpu_task` returns the function unchanged, so the same code runs locally.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

try:
    import spaces  # must precede `import torch` (this module is imported first by the package)
except ImportError:  # not on a Space: nothing to do
    spaces = None

F = TypeVar("F", bound=Callable)


def gpu_task(duration: int = 60) -> Callable[[F], F]:
    """Decorate a function that does GPU work: `spaces.GPU(duration=...)` on ZeroGPU, else nothing."""

    def decorate(fn: F) -> F:
        return spaces.GPU(duration=duration)(fn) if spaces is not None else fn

    return decorate
