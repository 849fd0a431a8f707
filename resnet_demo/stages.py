"""One table per ResNet depth: each stage's modules, output channels, blocks, stride and block type.

torchvision builds every ResNet from one block type and a count of blocks per stage
(`_resnet(Bottleneck, [3, 4, 6, 3], ...)` for ResNet-50); this module holds the same facts as data,
the way timm's `FeatureInfo` does (`num_chs`, `reduction`, `module`), so every view reads them from
one place instead of re-deriving them: plain data, read without building or loading a model.
tests/test_stages.py holds every entry against torchvision's own modules for all five depths;
`teach.architecture` still *measures* shapes, parameters and multiply-adds on the network itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .weights import check_depth

STAGES: tuple[str, ...] = ("stem", "layer1", "layer2", "layer3", "layer4")
"""Every stage whose feature maps the app shows."""
CAM_STAGES: tuple[str, ...] = STAGES[1:]
"""The residual stages a CAM can be computed for."""
STAGE_MODULES: dict[str, tuple[str, ...]] = {
    "stem": ("conv1", "bn1", "relu", "maxpool"),
    **{name: (name,) for name in CAM_STAGES},
}
"""The children of torchvision's ResNet that make up each stage, in forward order."""
STAGE_OUTPUT_MODULE: dict[str, str] = {name: modules[-1] for name, modules in STAGE_MODULES.items()}
"""The child of torchvision's ResNet whose output is each stage's output (the stem ends after the max-pool)."""

_LAYOUT: dict[int, tuple[str, tuple[int, int, int, int]]] = {
    18: ("BasicBlock", (2, 2, 2, 2)),
    34: ("BasicBlock", (3, 4, 6, 3)),
    50: ("Bottleneck", (3, 4, 6, 3)),
    101: ("Bottleneck", (3, 4, 23, 3)),
    152: ("Bottleneck", (3, 8, 36, 3)),
}
# depth -> (block type, blocks per residual stage): the arguments of torchvision's resnet18..152 builders
_EXPANSION: dict[str, int] = {"BasicBlock": 1, "Bottleneck": 4}  # the block classes' `expansion`
_STEM_CHANNELS = 64  # conv1's output; layer k's blocks are 64·2^(k-1) wide before the expansion
_STEM_STRIDE = 4  # conv1 (stride 2) then the max-pool (stride 2)


@dataclass(frozen=True)
class StageInfo:
    """One stage of one depth, as torchvision builds it."""

    name: str  # "stem", "layer1".."layer4"
    modules: tuple[str, ...]  # the ResNet's children that make it up, in forward order
    output_module: str  # the child whose output is the stage's output
    channels: int  # channels of the stage's output
    blocks: int  # residual blocks; 0 for the stem
    stride: int  # how much the stage shrinks its input's height and width
    reduction: int  # total stride from the input image to the stage's output
    block_type: str  # "BasicBlock" or "Bottleneck" (torchvision's class name); "" for the stem


def stage_table(depth: Any) -> tuple[StageInfo, ...]:
    """Every stage of ResNet-`depth`, stem first; raises ValueError naming the depths for an unknown one."""
    return _TABLES[check_depth(depth)]


def stage_info(depth: Any, stage: Any) -> StageInfo:
    """One stage of ResNet-`depth`; raises ValueError naming the allowed depths or stages."""
    table = stage_table(depth)
    if not isinstance(stage, str) or stage not in STAGES:
        raise ValueError(f"stage must be one of {list(STAGES)}; got {stage!r}")
    return table[STAGES.index(stage)]


def _build(block_type: str, blocks: tuple[int, ...]) -> tuple[StageInfo, ...]:
    rows = [StageInfo("stem", STAGE_MODULES["stem"], STAGE_OUTPUT_MODULE["stem"], _STEM_CHANNELS, 0,
                      _STEM_STRIDE, _STEM_STRIDE, "")]
    for k, (name, count) in enumerate(zip(CAM_STAGES, blocks)):
        stride = 1 if k == 0 else 2  # layer1 follows the max-pool at full size; the others halve
        rows.append(StageInfo(name, STAGE_MODULES[name], STAGE_OUTPUT_MODULE[name],
                              _STEM_CHANNELS * 2**k * _EXPANSION[block_type], count,
                              stride, rows[-1].reduction * stride, block_type))
    return tuple(rows)


_TABLES: dict[int, tuple[StageInfo, ...]] = {depth: _build(*layout) for depth, layout in _LAYOUT.items()}
