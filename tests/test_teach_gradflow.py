"""teach.gradflow: a faithful block walk, a real plain variant, and gradient norms per block.

References are independent of the module: torchvision's own forward (residual), torchvision's
own forward with every shortcut replaced by zeros (plain), gradients taken through hooks on
that forward, and the classifier's gradient written out by hand for the last block.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import threading

import pytest
import torch
import torch.nn.functional as F
import torchvision
from helpers import hooks_left
from torch import nn

from resnet_demo import load_model
from resnet_demo.capture import residual_blocks
from resnet_demo.teach import gradflow
from resnet_demo.teach.gradflow import (
    GradientFlow,
    forward_blocks,
    gradient_flow,
    gradient_norms,
    summarize_flows,
)

BLOCK_COUNTS = {18: 8, 34: 16, 50: 16, 101: 33, 152: 50}  # torchvision's [2,2,2,2], [3,4,6,3], ...
# plain/residual gradient norm at random init, every layer1 block: the largest measured over the
# four photos in assets/ was 0.0066 (R50), 9.1e-6 (R101) and 3.4e-9 (R152); bounds leave margin.
EARLY_RATIO_BOUND = {50: 0.05, 101: 1e-4, 152: 1e-6}


class ZeroShortcut(nn.Module):
    """Stands in for a block's `downsample` so that torchvision's own forward adds zeros instead of x."""

    def __init__(self, downsample: nn.Module | None):
        super().__init__()
        self.downsample = downsample

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.zeros_like(self.downsample(x) if self.downsample is not None else x)


def plain_copy(module: nn.Module) -> nn.Module:
    """A copy of a torchvision ResNet whose blocks compute ReLU(F(x) + 0): the plain network."""
    plain = copy.deepcopy(module)
    for stage in ("layer1", "layer2", "layer3", "layer4"):
        for block in getattr(plain, stage):
            block.downsample = ZeroShortcut(block.downsample)
    return plain


def reference_forward(module: nn.Module, x: torch.Tensor, target: int | None = None):
    """torchvision's forward with hooks: (logits, block outputs, grad norms if target is given)."""
    outputs, handles = [], []
    try:
        handles.append(module.maxpool.register_forward_hook(lambda m, a, out: out.detach().requires_grad_(True)))
        for stage in ("layer1", "layer2", "layer3", "layer4"):
            for block in getattr(module, stage):
                handles.append(block.register_forward_hook(lambda m, a, out: outputs.append(out)))
        logits = module(x)
    finally:
        for handle in handles:
            handle.remove()
    norms = None
    if target is not None:
        grads = torch.autograd.grad(F.cross_entropy(logits, torch.tensor([target])), outputs)
        norms = [g.norm().item() for g in grads]
    return logits.detach(), [o.detach() for o in outputs], norms


@pytest.fixture(scope="module")
def flows_at(random_model, photo):
    """gradient_flow(None, random ResNet-depth, photo), computed once per depth."""
    cache: dict[int, dict[str, GradientFlow]] = {}

    def get(depth: int) -> dict[str, GradientFlow]:
        if depth not in cache:
            cache[depth] = gradient_flow(None, random_model(depth), photo)
        return cache[depth]

    return get


def _x(model, photo):
    return model.transform(photo).unsqueeze(0)


@pytest.mark.parametrize("depth", [18, 50])
def test_residual_walk_is_torchvisions_forward(random_model, photo, depth):
    m = random_model(depth)
    x = _x(m, photo)
    ref_logits, ref_outputs, _ = reference_forward(m.module, x)
    with torch.no_grad():
        logits, outputs = forward_blocks(m.module, x, residual=True)
    torch.testing.assert_close(logits, m.module(x), rtol=1e-5, atol=1e-4)
    torch.testing.assert_close(logits, ref_logits, rtol=1e-5, atol=1e-4)
    assert len(outputs) == len(ref_outputs) == BLOCK_COUNTS[depth]
    for ours, theirs in zip(outputs, ref_outputs):
        torch.testing.assert_close(ours, theirs, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("depth", [18, 50])
def test_plain_variant_drops_every_skip(random_model, photo, depth):
    """Plain = torchvision's forward with all shortcuts zeroed; every block output differs from residual."""
    m = random_model(depth)
    x = _x(m, photo)
    plain = plain_copy(m.module)
    with torch.no_grad():
        logits, outputs = forward_blocks(m.module, x, residual=False)
        _, residual_outputs = forward_blocks(m.module, x, residual=True)
    ref_logits, ref_outputs, _ = reference_forward(plain, x)
    torch.testing.assert_close(logits, ref_logits, rtol=1e-4, atol=1e-5)
    for ours, theirs, residual in zip(outputs, ref_outputs, residual_outputs):
        torch.testing.assert_close(ours, theirs, rtol=1e-4, atol=1e-5)
        assert (ours - residual).norm() > 0.1 * residual.norm()  # not a rounding difference


@pytest.mark.parametrize("depth", [18, 50])
def test_gradient_norms_equal_autograd_through_torchvisions_forward(random_model, photo, depth):
    m = random_model(depth)
    x = _x(m, photo)
    target = 7  # not either network's top-1: no saturated loss
    for residual, module in ((True, copy.deepcopy(m.module)), (False, plain_copy(m.module))):
        flow = gradient_norms(m.module, x, residual=residual, target=target)
        _, _, expected = reference_forward(module, x, target)
        assert flow.norms == pytest.approx(expected, rel=1e-3)
        assert flow.target == target


def test_last_block_gradient_is_the_classifiers(random_model, photo):
    """Through avgpool + fc, ∂loss/∂out = Wᵀ(softmax(z) − onehot) / HW at every position."""
    m = random_model(50)
    x = _x(m, photo)
    for residual in (True, False):
        with torch.no_grad():
            logits, outputs = forward_blocks(m.module, x, residual=residual)
        target = int(logits.argmin())
        dz = torch.softmax(logits.double(), 1)[0] - F.one_hot(torch.tensor(target), 1000).double()
        hw = outputs[-1].shape[2] * outputs[-1].shape[3]
        expected = (m.module.fc.weight.double().T @ dz).norm().item() / math.sqrt(hw)
        flow = gradient_norms(m.module, x, residual=residual, target=target)
        assert flow.norms[-1] == pytest.approx(expected, rel=1e-4)


@pytest.mark.parametrize("depth", sorted(BLOCK_COUNTS))
def test_one_finite_positive_norm_per_block(random_model, flows_at, depth):
    flows = flows_at(depth)
    assert set(flows) == {"random/residual", "random/plain"}  # offline: no trained network
    names = [ref.name for ref in residual_blocks(random_model(depth).module)]
    for flow in flows.values():
        assert len(flow.norms) == BLOCK_COUNTS[depth]
        assert flow.blocks == names
        assert flow.stages == [name.split(".")[0] for name in names]
        assert all(math.isfinite(v) and v > 0 for v in flow.norms)
        assert math.isfinite(flow.loss) and flow.loss > 0
    assert flows["random/residual"].target == flows["random/plain"].target


@pytest.mark.parametrize("depth", sorted(EARLY_RATIO_BOUND))
def test_plain_early_gradients_far_smaller_than_residual_at_init(flows_at, depth):
    """One plain/residual ratio per block: tiny in layer1, near 1 at the last block (same classifier)."""
    flows = flows_at(depth)
    residual, plain = flows["random/residual"], flows["random/plain"]
    ratios = [p / r for p, r in zip(plain.norms, residual.norms)]
    early = [ratio for ratio, stage in zip(ratios, residual.stages) if stage == "layer1"]
    assert max(early) < EARLY_RATIO_BOUND[depth], ratios
    assert 0.3 < ratios[-1] < 3.0  # measured 0.71 to 0.86
    # the gap comes from the residual side growing backwards; the plain side stays within 10x
    assert residual.norms[0] > 50 * residual.norms[-1]
    assert 0.1 < plain.norms[0] / plain.norms[-1] < 1.0


def test_own_top1_saturates_a_deep_random_network(random_model, photo):
    """Why gradient_flow does not use gradient_norms' default label offline (see the module docstring)."""
    m = random_model(152)
    x = _x(m, photo)
    flow = gradient_norms(m.module, x, residual=True)
    assert flow.target == int(m.module(x).argmax())
    assert flow.loss == 0.0 and max(flow.norms) == 0.0  # float32 softmax is exactly one-hot
    plain = gradient_norms(m.module, x, residual=False)
    assert plain.target == flow.target  # the label comes from the residual network in both cases
    assert min(plain.norms) > 0


def test_trained_and_random_share_the_trained_top1(random_model, photo, tmp_path):
    torch.manual_seed(1)  # a stand-in for trained weights: offline there are none
    path = tmp_path / "resnet18_seed1.pth"
    torch.save(torchvision.models.resnet18().state_dict(), path)
    trained = load_model(18, weights=path, device="cpu")
    random = random_model(18)
    flows = gradient_flow(trained, random, photo)
    assert list(flows) == ["trained/residual", "trained/plain", "random/residual", "random/plain"]
    top1 = int(trained.module(_x(trained, photo)).argmax())
    assert {flow.target for flow in flows.values()} == {top1}
    assert flows["trained/residual"].norms != flows["random/residual"].norms
    assert {f.target for f in gradient_flow(trained, random, photo, target=3).values()} == {3}


def test_model_left_untouched(random_model, photo):
    m = random_model(18)
    state = {k: v.clone() for k, v in m.module.state_dict().items()}
    m.module.fc.weight.requires_grad_(True)  # a flag the caller chose: must survive
    try:
        gradient_flow(None, m, photo)
        assert hooks_left(m.module) == []
        assert not any(mod.training for mod in m.module.modules())
        assert [n for n, p in m.module.named_parameters() if p.requires_grad] == ["fc.weight"]
        assert all(p.grad is None for p in m.module.parameters())  # autograd.grad, not backward
        for key, value in m.module.state_dict().items():
            assert torch.equal(value, state[key]), key  # BatchNorm running statistics included
    finally:
        m.module.fc.weight.requires_grad_(False)


def test_bad_arguments_are_named(random_model, photo):
    m = random_model(18)
    x = _x(m, photo)
    with pytest.raises(ValueError, match="target"):
        gradient_norms(m.module, x, residual=True, target=1000)
    with pytest.raises(ValueError, match=r"\(1, 3, H, W\)"):
        gradient_norms(m.module, x[0], residual=True)
    running_mean = m.module.bn1.running_mean.clone()
    m.module.train()
    try:
        with pytest.raises(ValueError, match="eval mode"):
            gradient_norms(m.module, x, residual=True)
        with pytest.raises(ValueError, match="eval mode"):
            gradient_flow(None, m, photo)
        assert torch.equal(m.module.bn1.running_mean, running_mean)  # refused before any forward
    finally:
        m.module.eval()


class WatchedLock:
    """The model's lock, telling the test when someone asks for it and who holds it."""

    def __init__(self, lock) -> None:
        self.lock, self.asked, self.owner = lock, threading.Event(), None

    def __enter__(self):
        self.asked.set()
        self.lock.acquire()
        self.owner = threading.current_thread()
        return self

    def __exit__(self, *exc) -> None:
        self.owner = None
        self.lock.release()


def test_gradient_flow_holds_the_models_lock(random_model, photo, monkeypatch):
    base = random_model(18)
    m = dataclasses.replace(base, lock=WatchedLock(base.lock))
    inside, results = [], []
    real_norms = gradflow.gradient_norms

    def watched_norms(*args, **kwargs):
        inside.append(m.lock.owner is threading.current_thread())
        return real_norms(*args, **kwargs)

    monkeypatch.setattr(gradflow, "gradient_norms", watched_norms)
    with base.lock:  # another request holds the model
        worker = threading.Thread(target=lambda: results.append(gradient_flow(None, m, photo)))
        worker.start()
        assert m.lock.asked.wait(30), "gradient_flow never asked for the model's lock"
        assert not results and inside == []  # it cannot compute while we hold the lock
    worker.join(timeout=60)
    assert not worker.is_alive() and len(results) == 1
    assert inside == [True, True]  # both variants computed while holding the lock
    # Same numbers as a run on this thread, up to float summation order (each thread sets its own
    # intra-op thread count in torch, so reductions may split differently).
    expected = gradient_flow(None, base, photo)["random/plain"].norms
    assert results[0]["random/plain"].norms == pytest.approx(expected, rel=1e-5)


# What the module docstring reports for random init on assets/cat.jpg: last→first growth of the
# residual gradient, and plain/residual at the first block (each within a factor of 3).
DOCSTRING_GROWTH = {18: 4, 34: 1e2, 50: 1e2, 101: 7e4, 152: 1e8}
DOCSTRING_FIRST_RATIO = {18: 0.07, 34: 0.002, 50: 0.003, 101: 4e-6, 152: 1.5e-9}


@pytest.mark.parametrize("depth", sorted(BLOCK_COUNTS))
def test_summary_matches_the_curves_and_the_docstring(flows_at, depth):
    flows = flows_at(depth)
    s = summarize_flows(flows)["random"]
    residual, plain = flows["random/residual"].norms, flows["random/plain"].norms
    assert s.blocks == BLOCK_COUNTS[depth]
    assert s.residual_growth == residual[0] / residual[-1] and s.plain_growth == plain[0] / plain[-1]
    assert s.first_block_ratio == plain[0] / residual[0]
    assert DOCSTRING_GROWTH[depth] / 3 < s.residual_growth < DOCSTRING_GROWTH[depth] * 3
    assert DOCSTRING_FIRST_RATIO[depth] / 3 < s.first_block_ratio < DOCSTRING_FIRST_RATIO[depth] * 3
    assert 1 / 5 < s.plain_growth < 1 / 2  # "shrinks only 2-5x at every depth"
    assert not s.residual_saturated and not s.plain_saturated
