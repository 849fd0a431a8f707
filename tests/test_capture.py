"""Capture's hooks: stage outputs, the residual identity, and a model left exactly as found."""

from __future__ import annotations

import pytest
import torch
from torchvision.models.feature_extraction import create_feature_extractor

from helpers import hooks_left, walk_blocks
from resnet_demo import DEPTHS, explain
from resnet_demo.capture import STAGE_OUTPUT_MODULE, Capture, residual_blocks


@pytest.mark.parametrize("depth", DEPTHS)
def test_stage_outputs_equal_torchvisions_feature_extractor(random_model, photo, depth):
    m = random_model(depth)
    x = m.transform(photo).unsqueeze(0)
    extractor = create_feature_extractor(m.module, return_nodes={v: k for k, v in STAGE_OUTPUT_MODULE.items()})
    with torch.no_grad():
        expected = extractor(x)
        with Capture(m.module) as cap:
            m.module(x)
    for stage, tensor in expected.items():
        torch.testing.assert_close(cap.stages[stage], tensor, rtol=1e-4, atol=1e-4)
    assert hooks_left(m.module) == []


@pytest.mark.parametrize("depth", DEPTHS)
def test_residual_identity_holds_for_every_block(random_model, depth):
    """F(x) + identity reproduces each block's output before its final ReLU (hook-free walk)."""
    m = random_model(depth)
    torch.manual_seed(0)
    x = torch.randn(1, 3, 64, 64)  # small input: one pass per block stays cheap
    walk = walk_blocks(m.module, x)
    with torch.no_grad(), Capture(m.module) as cap:
        m.module(x)
    f_norms, id_norms = cap.block_norms()[:, :, 0]
    refs = residual_blocks(m.module)
    assert len(refs) == len(walk)
    for k, ref in enumerate(refs):
        expected = walk[(ref.stage, ref.index)]
        assert f_norms[k].item() == pytest.approx(expected["residual"].norm().item(), rel=1e-4)
        assert id_norms[k].item() == pytest.approx(expected["identity"].norm().item(), rel=1e-4)
    for ref in refs:  # the kept maps of every block, one pass each
        with torch.no_grad(), Capture(m.module, keep_block=(ref.stage, ref.index)) as cap:
            m.module(x)
        expected = walk[(ref.stage, ref.index)]
        maps = cap.block_maps
        torch.testing.assert_close(maps["residual"] + maps["identity"], expected["pre"], rtol=1e-4, atol=1e-4)
        torch.testing.assert_close(maps["output"], expected["out"], rtol=1e-4, atol=1e-4)
        torch.testing.assert_close(torch.relu(maps["residual"] + maps["identity"]), maps["output"], rtol=1e-4, atol=1e-4)
    assert hooks_left(m.module) == []


def test_no_hooks_left_and_model_restored_after_an_exception(random_model, photo, monkeypatch):
    m = random_model(18)
    m.module.train()  # a state the caller chose: must survive the call
    m.module.layer2[0].conv1.weight.requires_grad_(True)

    def boom(*args, **kwargs):
        raise RuntimeError("boom in the middle of the forward pass")

    monkeypatch.setattr(m.module.layer3[0].conv2, "forward", boom)
    try:
        with pytest.raises(RuntimeError, match="boom"):
            explain(m, photo, all_stages=True, block=("layer1", 1))
        assert hooks_left(m.module) == []
        assert all(mod.training for mod in m.module.modules())
        assert m.module.layer2[0].conv1.weight.requires_grad
        assert sum(p.requires_grad for p in m.module.parameters()) == 1
    finally:
        m.module.eval()
        m.module.layer2[0].conv1.weight.requires_grad_(False)


def test_model_left_as_found_after_success(random_model, photo):
    m = random_model(50)
    before = explain(m, photo)
    m.module.train()
    m.module.fc.weight.requires_grad_(True)
    try:
        during = explain(m, photo, all_stages=True)  # runs in eval mode regardless
        assert during.predictions == before.predictions
        assert all(mod.training for mod in m.module.modules())
        assert m.module.fc.weight.requires_grad and m.module.fc.weight.grad is None  # no weight gradients
        assert hooks_left(m.module) == []
    finally:
        m.module.eval()
        m.module.fc.weight.requires_grad_(False)


def test_remove_hooks_is_idempotent(random_model):
    m = random_model(18)
    cap = Capture(m.module)
    with cap:
        assert hooks_left(m.module)
        cap.remove_hooks()
        cap.remove_hooks()
    assert hooks_left(m.module) == []
    with pytest.raises(ValueError, match="layer1"):
        Capture(m.module, grad_from="stem")
