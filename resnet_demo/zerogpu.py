"""Hugging Face ZeroGPU support, inert everywhere else.

On a ZeroGPU Space the `spaces` package must be imported before torch (this module is imported
first by the package), and functions that use the GPU are decorated with `spaces.GPU`; they then
run in a worker process, so their arguments and results must pickle, and callbacks (progress,
stop) cannot cross into them. Whether this *is* ZeroGPU is the `spaces` package's own setting
(`SPACES_ZERO_GPU`, read into `spaces.config.Config.zero_gpu`), not whether `spaces` imports:
it is an ordinary package that may be installed anywhere. Off ZeroGPU, `gpu_task` returns the
function unchanged, so the same code runs locally.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

try:
    import spaces  # must precede `import torch`
except ImportError:  # not on a Space: nothing to do
    spaces = None

F = TypeVar("F", bound=Callable)
Duration = int | Callable[..., int]
"""Seconds of GPU time a task reserves: a number, or a function of the task's own arguments."""


def on_zerogpu(module: Any = spaces) -> bool:
    """True only where the `spaces` package says this is a ZeroGPU Space."""
    try:
        return bool(module.config.Config.zero_gpu)
    except AttributeError:  # not installed (None), or a version without that setting
        return False


ON_ZEROGPU: bool = on_zerogpu()


def gpu_task(duration: Duration = 60) -> Callable[[F], F]:
    """Decorate a function that does GPU work: `spaces.GPU(duration=...)` on ZeroGPU, else nothing.

    `duration` may be a function taking the task's arguments (spaces' dynamic duration), so a
    request reserves GPU time in proportion to its work, not a fixed minute.
    """

    def decorate(fn: F) -> F:
        return spaces.GPU(duration=duration)(fn) if ON_ZEROGPU else fn

    return decorate
