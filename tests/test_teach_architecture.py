"""The stage table against torchvision's published figures and the paper (the diagram: test_teach_diagram.py)."""

from __future__ import annotations

import pytest
import torch
import torchvision
from helpers import hooks_left

from resnet_demo import DEPTHS
from resnet_demo.teach.architecture import COLUMNS, Architecture, architecture, describe_architecture, format_count

BLOCKS_PER_STAGE = {18: [2, 2, 2, 2], 34: [3, 4, 6, 3], 50: [3, 4, 6, 3], 101: [3, 4, 23, 3], 152: [3, 8, 36, 3]}
"""Table 1 of He et al. (2016), "Deep Residual Learning for Image Recognition"."""
BLOCK_TYPE = {18: "BasicBlock", 34: "BasicBlock", 50: "Bottleneck", 101: "Bottleneck", 152: "Bottleneck"}
WIDTH = {18: 1, 34: 1, 50: 4, 101: 4, 152: 4}  # Bottleneck's expansion: its output has 4× the channels


def _meta(depth: int) -> dict:
    return torchvision.models.get_model_weights(f"resnet{depth}").DEFAULT.meta


def _rows(arch: Architecture) -> dict:
    return {row.stage: row for row in arch.rows}


@pytest.mark.parametrize("depth", DEPTHS)
def test_parameter_counts_match_torchvision(depth):
    arch = architecture(depth)
    with torch.device("meta"):  # counting needs no weight values
        reference = torchvision.models.get_model(f"resnet{depth}", weights=None)
    assert arch.total_params == sum(p.numel() for p in reference.parameters()) == _meta(depth)["num_params"]
    assert sum(row.params for row in arch.rows) == arch.total_params
    rows = _rows(arch)
    assert rows["stem"].params == 3 * 64 * 7 * 7 + 2 * 64  # conv1 (no bias) + bn1's weight and bias
    assert rows["head"].params == rows["layer4"].output_shape[0] * 1000 + 1000


@pytest.mark.parametrize("depth", DEPTHS)
def test_multiply_adds_match_torchvisions_published_ops(depth):
    assert architecture(depth).gmacs == pytest.approx(_meta(depth)["_ops"], rel=0.01)


@pytest.mark.parametrize("depth", DEPTHS)
def test_stage_shapes_block_types_and_counts(depth):
    arch = architecture(depth)
    rows = _rows(arch)
    assert [row.stage for row in arch.rows] == ["stem", "layer1", "layer2", "layer3", "layer4", "head"]
    assert rows["stem"].output_shape == (64, 56, 56)
    assert rows["layer1"].output_shape == (64 * WIDTH[depth], 56, 56)
    for before, after in (("layer1", "layer2"), ("layer2", "layer3"), ("layer3", "layer4")):
        c, h, w = rows[before].output_shape
        assert rows[after].output_shape == (2 * c, h // 2, w // 2)
    assert rows["layer4"].output_shape == (512 * WIDTH[depth], 7, 7)
    assert rows["head"].output_shape[0] == 1000
    assert [rows[f"layer{i}"].blocks for i in range(1, 5)] == BLOCKS_PER_STAGE[depth]
    assert {rows[f"layer{i}"].block_type for i in range(1, 5)} == {BLOCK_TYPE[depth]}
    for end in ("stem", "head"):
        assert (rows[end].blocks, rows[end].block_type) == (0, "")


def test_table_is_readable_strings():
    arch = architecture(50)
    table = arch.as_table()
    assert all(len(row) == len(COLUMNS) and all(isinstance(cell, str) for cell in row) for row in table)
    assert table[1][:4] == ["layer1", "Bottleneck", "3", "256×56×56"]
    assert table[0][1:3] == ["—", "—"]
    assert [format_count(n) for n in (512, 9536, 215808, 1_219_584, 25_557_032)] == [
        "512", "9.5 k", "216 k", "1.2 M", "25.6 M"]


def test_architecture_is_cached_and_validates_depth():
    assert architecture(50) is architecture("50")
    with pytest.raises(ValueError, match="depth"):
        architecture(51)


def test_real_model_matches_meta_model_and_is_left_unchanged(random_model, photo):
    m = random_model(50)
    x = m.transform(photo).unsqueeze(0)
    with torch.no_grad():
        before = m.module(x)
    with m.lock:
        arch = describe_architecture(m.module, 50)
    assert hooks_left(m.module) == []
    assert all(not sub._forward_hooks for sub in m.module.modules())
    with torch.no_grad():
        torch.testing.assert_close(m.module(x), before, rtol=0, atol=0)
    assert not m.module.training and not any(p.requires_grad for p in m.module.parameters())
    assert arch == architecture(50)  # a real forward on CPU and a meta-device pass agree


def test_training_model_keeps_its_mode_and_statistics():
    torch.manual_seed(0)
    model = torchvision.models.resnet18(weights=None).train()
    stats = {k: v.clone() for k, v in model.state_dict().items()}
    arch = describe_architecture(model, 18, input_size=160)
    assert all(sub.training for sub in model.modules())
    for key, value in model.state_dict().items():  # BatchNorm ran in eval mode: nothing updated
        assert torch.equal(value, stats[key]), key
    assert _rows(arch)["layer4"].output_shape == (512, 5, 5)  # 160 / 32
    assert arch.input_size == 160


def test_hooks_removed_and_mode_restored_when_the_forward_fails():
    model = torchvision.models.resnet18(weights=None).train()

    def fail(module, args, output):
        raise RuntimeError("boom")

    handle = model.layer2.register_forward_hook(fail)
    with pytest.raises(RuntimeError, match="boom"):
        describe_architecture(model, 18)
    handle.remove()
    assert hooks_left(model) == []
    assert all(sub.training for sub in model.modules())


def test_bad_arguments_raise_specific_errors():
    with torch.device("meta"):
        model = torchvision.models.resnet18(weights=None)
    with pytest.raises(ValueError, match="depth"):
        describe_architecture(model, 34)  # 18 weighted layers, not 34
    with pytest.raises(ValueError, match="depth"):
        describe_architecture(model, 19)
    with pytest.raises(TypeError, match="ResNet"):
        describe_architecture(torch.nn.Linear(2, 2), 18)
    with pytest.raises(ValueError, match="input_size"):
        describe_architecture(model, 18, input_size=8)


def test_stage_facts_of_a_real_model_at_another_input_size():
    """Shapes scale with the input; which blocks project and how does not (a real CPU model, not meta)."""
    torch.manual_seed(0)
    arch = describe_architecture(torchvision.models.resnet50(weights=None).eval(), 50, input_size=160)
    assert [(s.stage, s.input_shape, s.output_shape) for s in arch.stages] == [
        ("stem", (3, 160, 160), (64, 40, 40)),
        ("layer1", (64, 40, 40), (256, 40, 40)),
        ("layer2", (256, 40, 40), (512, 20, 20)),
        ("layer3", (512, 20, 20), (1024, 10, 10)),
        ("layer4", (1024, 10, 10), (2048, 5, 5)),
    ]
    projections = {b.name: (b.projection.kernel, b.projection.stride) for s in arch.stages for b in s.projection_blocks}
    assert projections == {"layer1.0": (1, 1), "layer2.0": (1, 2), "layer3.0": (1, 2), "layer4.0": (1, 2)}
    assert [s.blocks[-1].width for s in arch.stages[1:]] == [64, 128, 256, 512]
    assert [b.name for b in arch.stage("layer3").blocks] == [f"layer3.{i}" for i in range(6)]
