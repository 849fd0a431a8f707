"""The stage table of a ResNet (stem, layer1..layer4, head), measured on the network itself.

Nothing here is a table keyed by depth: block types come from the modules' classes, output
shapes from one forward pass on a zero image, parameters from counting them and multiply-adds
from `torch.utils.flop_counter.FlopCounterMode`. `architecture(depth)` runs that pass on a
model built on PyTorch's meta device (shapes without storage: the architecture does not depend
on weight values), so it allocates no weights, needs no download and takes well under a second.

Multiply-adds count what FlopCounterMode counts: every convolution and the final fully connected
layer (FLOPs / 2, one MAC = one multiply + one add). BatchNorm, ReLU, pooling and the residual
additions are not counted; they are under 1% of the work. This is the convention of torchvision's
published `meta["_ops"]` (ResNet-50: 4.089), and the figures agree with those to the last published
digit for every depth. The ResNet paper's Table 1 counts multiply-adds too (it calls them FLOPs),
but its figures are not these: torchvision's ResNet-50/101/152 are "ResNet v1.5", whose
bottleneck blocks put the stride 2 on the 3×3 convolution instead of the first 1×1, so they need
4.09/7.80/11.51 billion multiply-adds where the paper lists 3.8/7.6/11.3 × 10⁹
(`PAPER_TABLE1_FLOPS`; tests/test_lesson_facts.py measures both versions).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import torch
import torchvision
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from ..stages import CAM_STAGES, STAGE_MODULES, STAGE_OUTPUT_MODULE
from ..zoo import check_depth, default_weights

COLUMNS: tuple[str, ...] = ("Stage", "Block type", "Blocks", "Output (C×H×W)", "Parameters")
"""Column names of `Architecture.as_table()`."""
ROW_PARTS: dict[str, tuple[str, ...]] = {**STAGE_MODULES, "head": ("avgpool", "fc")}
"""Which children of torchvision's ResNet make up each row, in forward order."""
ROW_OUTPUT: dict[str, str] = {**STAGE_OUTPUT_MODULE, "head": "fc"}
"""The child whose output is each row's output (the stem ends after the max-pool)."""
PAPER_STAGE: dict[str, str] = {"layer1": "conv2_x", "layer2": "conv3_x", "layer3": "conv4_x", "layer4": "conv5_x"}
"""torchvision's stages by their names in the ResNet paper's Table 1 (whose conv2_x also holds the max-pool)."""
PAPER_TABLE1_FLOPS: dict[int, float] = {18: 1.8, 34: 3.6, 50: 3.8, 101: 7.6, 152: 11.3}
"""The "FLOPs" (× 10⁹, multiply-adds) of He et al., CVPR 2016, Table 1, for a 224×224 image: the paper's
own models, whose bottleneck blocks stride their first 1×1 convolution (torchvision's stride the 3×3)."""


@dataclass(frozen=True)
class StageRow:
    """One row of the stage table."""

    stage: str  # "stem", "layer1".."layer4", "head"
    block_type: str  # "BasicBlock" or "Bottleneck" (the modules' class); "" for stem and head
    blocks: int  # residual blocks in the stage; 0 for stem and head
    output_shape: tuple[int, int, int]  # (C, H, W) for one input image; head: (classes, 1, 1)
    params: int


@dataclass(frozen=True)
class ConvFacts:
    """One convolution: what a student reads off it (kernel, stride, channels in and out)."""

    kernel: int  # 1 for a 1×1 convolution, 3 for 3×3, 7 for the stem's 7×7
    stride: int
    in_channels: int
    out_channels: int


@dataclass(frozen=True)
class BlockFacts:
    """One residual block, measured: the shapes of x and of the output, F(x)'s convolutions, the shortcut."""

    name: str  # "layer2.0"
    input_shape: tuple[int, int, int]  # (C, H, W) of x
    output_shape: tuple[int, int, int]  # (C, H, W) of ReLU(F(x) + shortcut(x))
    convs: tuple[ConvFacts, ...]  # the residual branch F(x), in forward order
    projection: ConvFacts | None  # the `downsample` shortcut's convolution; None: the shortcut is x itself

    @property
    def stride_conv(self) -> int | None:
        """Which of F(x)'s convolutions (0 = first) has a stride above 1; None when the block keeps its resolution."""
        return next((i for i, c in enumerate(self.convs) if c.stride > 1), None)

    @property
    def width(self) -> int:
        """Channels out of F(x)'s 3×3 convolution: the block's output channels (BasicBlock), a quarter (Bottleneck)."""
        return next(c.out_channels for c in self.convs if c.kernel > 1)


@dataclass(frozen=True)
class StageFacts:
    """What one part of the network (stem or layer1..layer4) does to the shape of what flows through it."""

    stage: str  # "stem", "layer1".."layer4"
    input_shape: tuple[int, int, int]  # (C, H, W)
    output_shape: tuple[int, int, int]
    blocks: tuple[BlockFacts, ...]  # empty for the stem

    @property
    def stride(self) -> int:
        """How many times smaller the resolution gets (1: kept; 2: halved; the stem: 4)."""
        return self.input_shape[1] // self.output_shape[1]

    @property
    def channel_factor(self) -> float:
        """Output channels / input channels (1: kept; 2: doubled; layer1 of ResNet-50: 4)."""
        return self.output_shape[0] / self.input_shape[0]

    @property
    def projection_blocks(self) -> tuple[BlockFacts, ...]:
        """The blocks whose shortcut is a projection (downsample) rather than x itself."""
        return tuple(b for b in self.blocks if b.projection is not None)


@dataclass(frozen=True)
class Architecture:
    """A ResNet's stage table and totals, for one square input image of `input_size` pixels."""

    depth: int
    rows: tuple[StageRow, ...]  # a tuple: cached values are shared, so they must not change
    total_params: int
    gmacs: float  # multiply-adds for one image, in billions (see the module docstring)
    input_size: int = 224
    stages: tuple[StageFacts, ...] = ()  # stem, layer1..layer4: shapes and shortcuts, measured

    def stage(self, name: str) -> StageFacts:
        """The facts of one stage ("stem", "layer1".."layer4"); ValueError names the allowed ones."""
        for facts in self.stages:
            if facts.stage == name:
                return facts
        raise ValueError(f"stage must be one of {[f.stage for f in self.stages]}; got {name!r}")

    def block(self, name: str) -> BlockFacts:
        """The facts of one block, by name ("layer2.0"); ValueError names the allowed ones."""
        blocks = [b for facts in self.stages for b in facts.blocks]
        for facts in blocks:
            if facts.name == name:
                return facts
        raise ValueError(f"block must be one of {[b.name for b in blocks]}; got {name!r}")

    def as_table(self) -> list[list[str]]:
        """The rows as strings, e.g. ["layer1", "Bottleneck", "3", "256×56×56", "216 k"]."""
        return [
            [
                row.stage,
                row.block_type or "—",
                str(row.blocks) if row.blocks else "—",
                "×".join(map(str, row.output_shape)),
                format_count(row.params),
            ]
            for row in self.rows
        ]


def format_count(n: int) -> str:
    """A parameter count a student reads at a glance: 9.5 k, 1.2 M."""
    for scale, suffix in ((1e6, " M"), (1e3, " k")):
        if n >= scale:
            value = n / scale
            return f"{value:.1f}{suffix}" if value < 100 else f"{value:.0f}{suffix}"
    return str(n)


def _weighted_layers(module: nn.Module) -> int:
    """Convolutions and linear layers on the main path: the "depth" of the network's name.

    Projection shortcuts (`downsample`) are not counted, as in the paper: ResNet-50 has
    1 stem conv + 16 blocks × 3 convs + 1 fc = 50.
    """
    return sum(
        isinstance(m, (nn.Conv2d, nn.Linear)) for name, m in module.named_modules() if "downsample" not in name
    )


def _conv_facts(conv: nn.Conv2d) -> ConvFacts:
    return ConvFacts(conv.kernel_size[0], conv.stride[0], conv.in_channels, conv.out_channels)


def _block_convs(block: nn.Module) -> tuple[tuple[ConvFacts, ...], ConvFacts | None]:
    """F(x)'s convolutions (registration order, which is forward order in torchvision) and the projection's."""
    branch = tuple(_conv_facts(m) for name, m in block.named_modules()
                   if isinstance(m, nn.Conv2d) and not name.startswith("downsample"))
    shortcut = getattr(block, "downsample", None)
    convs = [m for m in shortcut.modules() if isinstance(m, nn.Conv2d)] if shortcut is not None else []
    return branch, (_conv_facts(convs[0]) if convs else None)


def describe_architecture(module: nn.Module, depth: int, *, input_size: int = 224) -> Architecture:
    """Measure the stage table of a torchvision ResNet with one forward pass on a zero image.

    The pass runs under `torch.inference_mode` in eval mode (so BatchNorm statistics are not
    touched); train/eval flags are restored and every hook removed in `finally`. A module shared
    between threads must be guarded by its `LoadedModel.lock`, as for `capture.Capture`: the
    pass would otherwise run through other callers' hooks. Block and stage shapes come from hooks
    on every block in the same pass (`Architecture.stages`). Raises `ValueError` for an unknown
    depth or one that does not match the module, `TypeError` if `module` is not a ResNet.
    """
    depth = check_depth(depth)
    missing = [name for parts in ROW_PARTS.values() for name in parts if not hasattr(module, name)]
    if not isinstance(module, nn.Module) or missing:
        raise TypeError(f"module must be a torchvision ResNet; {type(module).__name__} lacks {missing}")
    if (counted := _weighted_layers(module)) != depth:
        raise ValueError(f"depth={depth} does not match the module, which has {counted} weighted layers")
    if isinstance(input_size, bool) or not isinstance(input_size, int) or input_size < 32:
        raise ValueError(f"input_size must be an int of at least 32 pixels; got {input_size!r}")

    first = next(module.parameters())
    x = torch.zeros(1, 3, input_size, input_size, device=first.device, dtype=first.dtype)  # (B, C, H, W)
    shapes: dict[str, tuple[int, ...]] = {}
    block_shapes: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {}  # block name -> (x, output) (C, H, W)

    def record(row: str):
        def hook(mod: nn.Module, args: object, output: torch.Tensor) -> None:
            shapes[row] = tuple(output.shape[1:])  # drop the batch dimension

        return hook

    def record_block(name: str):
        def hook(mod: nn.Module, args: tuple, output: torch.Tensor) -> None:
            block_shapes[name] = (tuple(args[0].shape[1:]), tuple(output.shape[1:]))

        return hook

    blocks = {f"{stage}.{i}": block for stage in CAM_STAGES for i, block in enumerate(getattr(module, stage))}

    training = [m for m in module.modules() if m.training]
    handles = []
    try:
        for m in training:
            m.training = False
        for row, child in ROW_OUTPUT.items():
            handles.append(getattr(module, child).register_forward_hook(record(row)))
        for name, block in blocks.items():
            handles.append(block.register_forward_hook(record_block(name)))
        with torch.inference_mode(), FlopCounterMode(display=False) as counter:
            module(x)
    finally:
        for handle in handles:
            handle.remove()
        for m in training:
            m.training = True

    rows = tuple(
        StageRow(
            stage=row,
            block_type=", ".join(sorted({type(b).__name__ for b in getattr(module, row)})) if row in CAM_STAGES else "",
            blocks=len(getattr(module, row)) if row in CAM_STAGES else 0,
            output_shape=(shapes[row] + (1, 1))[:3],  # the head's (classes,) becomes (classes, 1, 1)
            params=sum(p.numel() for name in parts for p in getattr(module, name).parameters()),
        )
        for row, parts in ROW_PARTS.items()
    )
    facts = {name: BlockFacts(name, *block_shapes[name], *_block_convs(block))
             for name, block in blocks.items()}
    stages = [StageFacts("stem", tuple(x.shape[1:]), shapes["stem"], ())]
    for stage in CAM_STAGES:
        members = tuple(f for name, f in facts.items() if name.split(".")[0] == stage)
        stages.append(StageFacts(stage, members[0].input_shape, members[-1].output_shape, members))
    return Architecture(
        depth=depth,
        rows=rows,
        total_params=sum(p.numel() for p in module.parameters()),
        gmacs=counter.get_total_flops() / 2 / 1e9,
        input_size=input_size,
        stages=tuple(stages),
    )


def architecture(depth: int) -> Architecture:
    """The stage table of ResNet-`depth`, measured once on a meta-device model.

    The input is the size its ImageNet weights' preprocessing crops to (224), the size
    torchvision's published `meta["_ops"]` refers to.
    """
    return _architecture(check_depth(depth))


@functools.cache
def _architecture(depth: int) -> Architecture:
    with torch.device("meta"):  # shapes and counts without allocating or initialising weights
        module = torchvision.models.get_model(f"resnet{depth}", weights=None)
    crop = default_weights(depth).transforms().crop_size[0]  # never hard-code 224
    return describe_architecture(module, depth, input_size=crop)
