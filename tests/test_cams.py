"""Every CAM method agrees with pytorch-grad-cam run the standard way (its own hooks and passes)."""

from __future__ import annotations

import copy
import threading

import numpy as np
import pytest
import torch
from helpers import correlation, hooks_left
from pytorch_grad_cam import (
    EigenCAM,
    EigenGradCAM,
    GradCAM,
    GradCAMPlusPlus,
    HiResCAM,
    LayerCAM,
    ScoreCAM,
    XGradCAM,
)
from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

from resnet_demo import CAM_STAGES, explain
from resnet_demo.cams import METHODS, ScoreRunner, check_method, compute_cam
from resnet_demo.capture import Capture
from resnet_demo.lanes import Cancelled

# Which pytorch-grad-cam class each method name stands for, written out here (not read from
# METHODS, the table under test), so a wrong mapping in cams.py disagrees with its reference.
REFERENCE_CLASS = {
    "gradcam": GradCAM,
    "gradcam++": GradCAMPlusPlus,
    "xgradcam": XGradCAM,
    "hirescam": HiResCAM,
    "layercam": LayerCAM,
    "eigencam": EigenCAM,
    "eigengradcam": EigenGradCAM,
    "scorecam": ScoreCAM,
}
GRADIENT_AND_EIGEN = [name for name in REFERENCE_CLASS if name != "scorecam"]


def test_every_method_has_a_reference_and_only_score_cam_runs_the_model():
    assert sorted(METHODS) == sorted(REFERENCE_CLASS)
    assert [name for name, spec in METHODS.items() if spec.runs_model] == ["scorecam"]


def reference_cam(method: str, module: torch.nn.Module, x: torch.Tensor, stage: str, target: int) -> np.ndarray:
    """pytorch-grad-cam as its README uses it, on a private copy whose weights require grad."""
    model = copy.deepcopy(module).requires_grad_(True)
    with REFERENCE_CLASS[method](model=model, target_layers=[getattr(model, stage)]) as cam:
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


def _layer4(m, size: int = 64):
    torch.manual_seed(0)
    x = torch.randn(1, 3, size, size)  # a small input keeps 512 masked passes quick
    with torch.no_grad(), Capture(m.module) as cap:
        logits = m.module(x)
    return x, cap.stages["layer4"].numpy(), int(logits.argmax())


def test_score_cam_with_every_channel_agrees_and_reports_progress(random_model):
    m = random_model(18)
    x, activations, target = _layer4(m)
    seen = []
    runner = ScoreRunner(m.module, 512, progress=lambda f, msg: seen.append(f))
    ours = compute_cam(METHODS["scorecam"], activations, None, target=target, input_tensor=x, model=runner,
                       max_channels=None, batch_size=16)
    expected = reference_cam("scorecam", m.module, x, "layer4", target)
    assert correlation(ours, expected) >= 0.999
    assert seen[-1] == pytest.approx(1.0) and len(seen) == 512 // 16


def score_cam_by_hand(model, x, activations, channels, target):
    """Score-CAM (Wang et al. 2020) over the given channels only, written out: mask, score, softmax, sum."""
    maps = torch.nn.functional.interpolate(torch.from_numpy(activations[:, channels]), size=x.shape[-2:],
                                           mode="bilinear", align_corners=True)[0]  # (n, H, W)
    low = maps.flatten(1).min(1).values[:, None, None]
    high = maps.flatten(1).max(1).values[:, None, None]
    masks = (maps - low) / (high - low + 1e-8)
    with torch.no_grad():
        scores = torch.stack([model(x * mask)[0, target] for mask in masks])  # (n,)
    weights = scores.softmax(0).numpy()
    cam = np.maximum((weights[:, None, None] * activations[0, channels]).sum(0), 0)
    cam = torch.nn.functional.interpolate(torch.from_numpy(cam)[None, None], size=x.shape[-2:], mode="bilinear")[0, 0]
    return ((cam - cam.min()) / (cam.max() - cam.min())).numpy()


def test_score_cam_bounded_to_the_strongest_channels(random_model):
    m = random_model(18)
    x, activations, target = _layer4(m)
    means = activations[0].mean(axis=(1, 2))
    strongest = np.argsort(-means)[:24]
    ours = compute_cam(METHODS["scorecam"], activations, None, target=target, input_tensor=x, model=m.module,
                       max_channels=24)
    assert correlation(ours, score_cam_by_hand(m.module, x, activations, strongest, target)) >= 0.999
    with pytest.raises(ValueError, match="max_channels"):
        compute_cam(METHODS["scorecam"], activations, None, target=target, input_tensor=x, model=m.module,
                    max_channels=0)


def test_score_runner_pauses_stops_and_locks_one_batch_at_a_time(random_model):
    m = random_model(18)
    x, activations, target = _layer4(m)
    lock, events = threading.Lock(), []

    class Watched:
        def __enter__(self):
            lock.acquire()
            events.append("lock")

        def __exit__(self, *exc):
            events.append("unlock")
            lock.release()

    def pause():
        assert not lock.locked()  # never paused while holding the model
        events.append("pause")

    runner = ScoreRunner(m.module, 8, lock=Watched(), pause=pause)
    compute_cam(METHODS["scorecam"], activations, None, target=target, input_tensor=x, model=runner,
                max_channels=8, batch_size=4)
    assert events == ["pause", "lock", "unlock"] * 2
    asked = []
    stopping = ScoreRunner(m.module, 8, should_stop=lambda: asked.append(1) or len(asked) > 1)  # stop before batch 2
    with pytest.raises(Cancelled):
        compute_cam(METHODS["scorecam"], activations, None, target=target, input_tensor=x, model=stopping,
                    max_channels=8, batch_size=4)
    assert stopping.done == 4  # one batch ran, the second never started


def test_unknown_method_names_the_allowed_ones():
    with pytest.raises(ValueError, match="gradcam.*eigencam"):
        check_method("smoothgrad")


def test_the_thin_svd_projection_equals_the_librarys(random_model, photo):
    from pytorch_grad_cam.utils.svd_on_activations import get_2d_projection

    from resnet_demo.cams import first_component_projection

    for depth in (18, 50):
        r = explain(random_model(depth), photo, method=None)
        for stage, activation in r.stages.items():
            ours, theirs = first_component_projection(activation[None]), get_2d_projection(activation[None])
            np.testing.assert_allclose(ours, theirs, rtol=1e-3, atol=1e-3 * float(np.abs(theirs).max()))
