"""Every CAM method agrees with pytorch-grad-cam run the standard way (its own hooks and passes)."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

from helpers import correlation, hooks_left
from resnet_demo import CAM_STAGES, explain
from resnet_demo.cams import METHODS, check_method, compute_cam
from resnet_demo.capture import Capture

GRADIENT_AND_EIGEN = [name for name, spec in METHODS.items() if not spec.runs_model]


def reference_cam(method: str, module: torch.nn.Module, x: torch.Tensor, stage: str, target: int) -> np.ndarray:
    """pytorch-grad-cam as its README uses it, on a private copy whose weights require grad."""
    model = copy.deepcopy(module).requires_grad_(True)
    with METHODS[method].impl(model=model, target_layers=[getattr(model, stage)]) as cam:
        return cam(input_tensor=x, targets=[ClassifierOutputTarget(target)])[0]


@pytest.mark.parametrize("depth", [18, 50])  # BasicBlock and Bottleneck
@pytest.mark.parametrize("method", GRADIENT_AND_EIGEN)
def test_method_agrees_with_pytorch_grad_cam_at_every_stage(random_model, photo, method, depth):
    m = random_model(depth)
    r = explain(m, photo, method=method, all_stages=True)
    x = m.transform(photo).unsqueeze(0)
    for stage in CAM_STAGES:
        expected = reference_cam(method, m.module, x, stage, r.target)
        ours = r.cams_by_stage[stage]
        assert ours.shape == expected.shape == (224, 224) and ours.dtype == np.float32
        assert 0.0 <= ours.min() and ours.max() <= 1.0
        if expected.std() == 0:  # a flat map: ours must be flat too
            assert ours.std() < 1e-6, stage
            continue
        assert correlation(ours, expected) >= 0.999, (method, stage)
    assert hooks_left(m.module) == []


def test_score_cam_agrees_and_reports_progress(random_model):
    m = random_model(18)
    torch.manual_seed(0)
    x = torch.randn(1, 3, 64, 64)  # small input keeps 512 masked passes quick
    with torch.no_grad(), Capture(m.module) as cap:
        logits = m.module(x)
    target = int(logits.argmax())
    seen = []
    ours = compute_cam(
        METHODS["scorecam"], cap.stages["layer4"].numpy(), None, target=target, input_tensor=x, model=m.module,
        progress=lambda f, msg: seen.append(f),
    )
    expected = reference_cam("scorecam", m.module, x, "layer4", target)
    assert correlation(ours, expected) >= 0.999
    assert seen[-1] == pytest.approx(1.0) and len(seen) == 512 // 16


def test_unknown_method_names_the_allowed_ones():
    with pytest.raises(ValueError, match="gradcam.*eigencam"):
        check_method("smoothgrad")
