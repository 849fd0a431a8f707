"""Forward hooks that record, in one pass, everything the app shows about a ResNet's insides.

`Capture` is the only place in the package that attaches hooks. It owns every handle, removes
them all in `finally` (also when the forward pass raises), and leaves the model's train/eval
mode and `requires_grad` flags exactly as it found them. What it records:

* each stage's output (stem = after the max-pool, layer1..layer4), detached;
* for the earliest stage whose CAM is wanted, the output is swapped for a detached copy that
  requires grad. Parameters are frozen, so autograd records nothing before that point and the
  backward pass runs only from the logit back to that stage;
* for every residual block, ‖F(x)‖ (the branch's last BatchNorm output, before the add) and
  ‖identity‖ (x, or downsample(x)). torchvision's blocks do `out += identity` in place, so the
  BatchNorm output is mutated after its hook returns: norms are taken inside the hook, and the
  one block whose maps are kept is cloned there.

The model is shared between requests, so callers hold `LoadedModel.lock` while a Capture is open.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType
from typing import Any

import torch
from torch import Tensor, nn
from torch.utils.hooks import RemovableHandle
from torchvision.models.resnet import BasicBlock, Bottleneck

from .stages import CAM_STAGES, STAGE_OUTPUT_MODULE, STAGES  # re-exported: the stage names live in stages.py

RESIDUAL_BN: dict[type[nn.Module], str] = {BasicBlock: "bn2", Bottleneck: "bn3"}
"""The last BatchNorm of the residual branch F(x) in each block type (its output is F(x))."""


@dataclass(frozen=True)
class BlockRef:
    """Where one residual block lives in the model, and which of its modules carry F(x) and x."""

    stage: str
    index: int
    block: nn.Module
    residual_bn: nn.Module  # output = F(x)
    downsample: nn.Module | None  # output = identity when present; else identity = block input

    @property
    def name(self) -> str:
        return f"{self.stage}.{self.index}"


def residual_blocks(model: nn.Module) -> list[BlockRef]:
    """Every residual block of a torchvision ResNet, in forward order."""
    refs = []
    for stage in CAM_STAGES:
        for index, block in enumerate(getattr(model, stage)):
            refs.append(
                BlockRef(stage, index, block, getattr(block, RESIDUAL_BN[type(block)]), block.downsample)
            )
    return refs


def check_block(model: nn.Module, block: tuple[str, int]) -> tuple[str, int]:
    """Validate a (stage, index) block address against `model`, naming the allowed values."""
    try:
        stage, index = block
    except (TypeError, ValueError):
        raise ValueError(f"block must be a (stage, index) pair such as ('layer2', 0); got {block!r}") from None
    if stage not in CAM_STAGES:
        raise ValueError(f"block stage must be one of {list(CAM_STAGES)}; got {stage!r}")
    count = len(getattr(model, stage))
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < count:
        raise ValueError(f"{stage} has blocks 0..{count - 1}; got index {index!r}")
    return stage, index


def _l2(t: Tensor) -> Tensor:
    """Per-sample L2 norm over (C, H, W): a BLAS dot per sample, about twice as fast as vector_norm."""
    flat = t.reshape(t.shape[0], -1)
    return torch.stack([torch.dot(v, v) for v in flat]).sqrt()  # (B,)


class Capture:
    """Context manager owning every hook of one forward pass; see the module docstring.

    grad_from: the stage from which autograd should record (None: no gradients at all).
    keep_block: (stage, index) of a block whose x / F(x) / output maps are kept.
    """

    def __init__(self, model: nn.Module, *, grad_from: str | None = None, keep_block: tuple[str, int] | None = None):
        if grad_from is not None and grad_from not in CAM_STAGES:
            raise ValueError(f"grad_from must be one of {list(CAM_STAGES)} or None; got {grad_from!r}")
        self.model = model
        self.grad_from = grad_from
        self.keep_block = keep_block
        self.blocks = residual_blocks(model)
        self.stages: dict[str, Tensor] = {}  # detached stage outputs, (1, C, H, W)
        self.graph: dict[str, Tensor] = {}  # stage outputs inside the autograd graph
        self.block_maps: dict[str, Tensor] = {}  # "identity", "residual", "output" of keep_block
        self._f_norms: dict[int, Tensor] = {}
        self._identity_norms: dict[int, Tensor] = {}
        self._handles: list[RemovableHandle] = []
        self._saved_modes: list[tuple[nn.Module, bool]] = []
        self._saved_flags: list[tuple[nn.Parameter, bool]] = []

    # -- lifecycle ------------------------------------------------------------------------------

    def __enter__(self) -> Capture:
        # Record only what we change (eval mode, frozen weights), so restoring is exact and cheap.
        self._saved_modes = [(m, True) for m in self.model.modules() if m.training]
        self._saved_flags = [(p, True) for p in self.model.parameters() if p.requires_grad]
        try:
            for module, _ in self._saved_modes:
                module.training = False
            for param, _ in self._saved_flags:
                param.requires_grad_(False)  # gradients flow to activations only, never to weights
            self._attach()
        except BaseException:
            self._restore()
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._restore()  # never swallows the exception

    def _restore(self) -> None:
        try:
            self.remove_hooks()
        finally:
            for module, training in self._saved_modes:
                module.training = training
            for param, flag in self._saved_flags:
                param.requires_grad_(flag)

    def remove_hooks(self) -> None:
        """Remove every hook this Capture attached; safe to call more than once."""
        while self._handles:
            self._handles.pop().remove()

    # -- hooks ----------------------------------------------------------------------------------

    def _attach(self) -> None:
        for stage in STAGES:
            module = getattr(self.model, STAGE_OUTPUT_MODULE[stage])
            self._handles.append(module.register_forward_hook(self._stage_hook(stage)))
        for k, ref in enumerate(self.blocks):
            keep = self.keep_block == (ref.stage, ref.index)
            self._handles.append(ref.residual_bn.register_forward_hook(self._residual_hook(k, keep)))
            if ref.downsample is not None:
                self._handles.append(ref.downsample.register_forward_hook(self._identity_hook(k, keep)))
            else:
                self._handles.append(ref.block.register_forward_pre_hook(self._block_input_hook(k, keep)))
            if keep:
                self._handles.append(ref.block.register_forward_hook(self._output_hook()))

    def _stage_hook(self, stage: str):
        def hook(module: nn.Module, args: Any, output: Tensor) -> Tensor | None:
            if stage == self.grad_from:
                output = output.detach().requires_grad_(True)  # autograd starts here
            self.graph[stage] = output
            self.stages[stage] = output.detach()  # never modified in place downstream
            return output if stage == self.grad_from else None

        return hook

    def _residual_hook(self, k: int, keep: bool):
        def hook(module: nn.Module, args: Any, output: Tensor) -> None:
            with torch.no_grad():  # `output` is about to receive `+= identity`: measure it now
                self._f_norms[k] = _l2(output)
                if keep:
                    self.block_maps["residual"] = output.detach().clone()

        return hook

    def _identity_hook(self, k: int, keep: bool):
        def hook(module: nn.Module, args: Any, output: Tensor) -> None:
            self._record_identity(k, keep, output)

        return hook

    def _block_input_hook(self, k: int, keep: bool):
        def hook(module: nn.Module, args: tuple[Tensor, ...]) -> None:
            self._record_identity(k, keep, args[0])

        return hook

    def _record_identity(self, k: int, keep: bool, identity: Tensor) -> None:
        with torch.no_grad():
            self._identity_norms[k] = _l2(identity)
            if keep:
                self.block_maps["identity"] = identity.detach().clone()

    def _output_hook(self):
        def hook(module: nn.Module, args: Any, output: Tensor) -> None:
            self.block_maps["output"] = output.detach().clone()

        return hook

    # -- results --------------------------------------------------------------------------------

    def block_norms(self) -> Tensor:
        """(2, n_blocks, batch): ‖F(x)‖ and ‖identity‖ of every block, still on the model's device."""
        n = len(self.blocks)
        if len(self._f_norms) != n or len(self._identity_norms) != n:
            raise RuntimeError("block norms are incomplete: was the forward pass run inside this Capture?")
        f = torch.stack([self._f_norms[k] for k in range(n)])
        identity = torch.stack([self._identity_norms[k] for k in range(n)])
        return torch.stack([f, identity])
