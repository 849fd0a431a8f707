"""The stage table against torchvision's own modules, for every depth (built on the meta device)."""

from __future__ import annotations

import pytest
import torch
import torchvision

from resnet_demo.stages import CAM_STAGES, STAGE_MODULES, STAGES, stage_info, stage_table
from resnet_demo.weights import DEPTHS

INPUT = 224  # any multiple of 32 gives whole reductions


def _measured(depth: int) -> tuple[torch.nn.Module, dict[str, tuple[int, ...]]]:
    """ResNet-`depth` from torchvision and each child's output shape (C, H, W) for one zero image."""
    with torch.device("meta"):  # shapes without storage
        model = torchvision.models.get_model(f"resnet{depth}", weights=None)
    shapes: dict[str, tuple[int, ...]] = {}
    handles = [child.register_forward_hook(lambda m, a, out, name=name: shapes.__setitem__(name, tuple(out.shape[1:])))
               for name, child in model.named_children()]
    try:
        model.eval()
        with torch.inference_mode():
            model(torch.zeros(1, 3, INPUT, INPUT, device="meta"))
    finally:
        for handle in handles:
            handle.remove()
    return model, shapes


def test_table_covers_every_depth_and_stage():
    assert [s.name for s in stage_table(50)] == list(STAGES)
    for depth in DEPTHS:
        assert len(stage_table(depth)) == len(STAGES)


@pytest.mark.parametrize("depth", DEPTHS)
def test_table_matches_torchvisions_modules(depth):
    model, shapes = _measured(depth)
    children = [name for name, _ in model.named_children()]
    flat = [name for stage in STAGES for name in STAGE_MODULES[stage]]
    assert children[: len(flat)] == flat  # the stages are the network's children up to the pooling head
    for info in stage_table(depth):
        assert info.modules == STAGE_MODULES[info.name]
        assert info.output_module == info.modules[-1]
        channels, height, width = shapes[info.output_module]
        assert info.channels == channels
        assert info.reduction == INPUT // height == INPUT // width
        previous = INPUT if info.name == "stem" else INPUT // stage_table(depth)[STAGES.index(info.name) - 1].reduction
        assert info.stride == previous // height
        if info.name in CAM_STAGES:
            layer = getattr(model, info.name)
            assert info.blocks == len(layer)
            assert {type(block).__name__ for block in layer} == {info.block_type}
        else:
            assert (info.blocks, info.block_type) == (0, "")


@pytest.mark.parametrize("depth", DEPTHS)
def test_weighted_layers_add_up_to_the_depth(depth):
    """1 stem conv + blocks × convs per block + 1 fc = depth (BasicBlock: 2 convs, Bottleneck: 3)."""
    convs = {"BasicBlock": 2, "Bottleneck": 3}
    rows = stage_table(depth)[1:]
    assert 1 + sum(r.blocks * convs[r.block_type] for r in rows) + 1 == depth


@pytest.mark.parametrize("depth, stage, error", [
    (17, "layer1", ValueError), ("fifty", "layer1", ValueError), (True, "layer1", TypeError), (None, "stem", TypeError),
    (50, "layer5", ValueError), (50, None, ValueError), (50, ["stem"], ValueError),
])
def test_unknown_depth_or_stage_is_refused_by_name(depth, stage, error):
    with pytest.raises(error, match="depth|stage"):
        stage_info(depth, stage)


def test_stage_info_accepts_a_depth_as_text():
    assert stage_info("50", "layer4").channels == 2048
