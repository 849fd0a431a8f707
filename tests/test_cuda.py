"""The GPU path, checked the day a GPU is there: skipped without CUDA (as pytorch-grad-cam's CUDA tests).

Run on a GPU machine: `python -m pytest -q tests/test_cuda.py`. Each test compares the CUDA
path with the CPU path or with its own baseline; none needs trained weights or the network.
"""

from __future__ import annotations

import gc

import numpy as np
import pytest
import torch

from helpers import correlation, hooks_left
from resnet_demo import CAM_STAGES, ResourceExhaustedError, explain, load_model
from resnet_demo.cams import METHODS

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU"),
]


@pytest.fixture(scope="module")
def models():
    return {device: load_model(50, weights="random", device=device) for device in ("cpu", "cuda")}


@pytest.mark.parametrize("method", list(METHODS))
def test_every_method_on_cuda_agrees_with_the_cpu(models, photo, method):
    options = {"method": method, "all_stages": not METHODS[method].runs_model, "max_channels": 64}
    cpu = explain(models["cpu"], photo, **options)
    gpu = explain(models["cuda"], photo, **options)
    assert gpu.device.startswith("cuda")
    assert [p.index for p in gpu.predictions] == [p.index for p in cpu.predictions]
    np.testing.assert_allclose([p.prob for p in gpu.predictions], [p.prob for p in cpu.predictions], atol=1e-3)
    for stage, cam in cpu.cams_by_stage.items():
        if cam.std() > 1e-6:
            assert correlation(gpu.cams_by_stage[stage], cam) >= 0.999, (method, stage)
    for name in cpu.stages:
        assert correlation(gpu.stages[name], cpu.stages[name]) >= 0.999
    assert hooks_left(models["cuda"].module) == []


def test_gpu_memory_returns_to_its_baseline_after_50_requests(models, photo):
    model = models["cuda"]
    explain(model, photo, all_stages=True)  # first-call allocations (cuDNN workspaces) are not growth
    gc.collect()
    torch.cuda.synchronize()
    baseline = torch.cuda.memory_allocated()
    for i in range(50):
        explain(model, photo, method=("gradcam", "layercam", "eigencam")[i % 3], stage=CAM_STAGES[i % 4],
                all_stages=i % 2 == 0, block=("layer3", i % 6) if i % 5 == 0 else None)
    gc.collect()
    torch.cuda.synchronize()
    assert torch.cuda.memory_allocated() - baseline < 1 * 2**20  # under a megabyte: nothing kept per request
    assert hooks_left(model.module) == []


def test_out_of_memory_on_the_gpu_becomes_a_message_and_the_next_request_works(models, photo, monkeypatch):
    model = models["cuda"]
    real_forward = type(model.module).forward
    calls = []

    def failing_once(self, x):
        if not calls:
            calls.append(1)
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")
        return real_forward(self, x)

    monkeypatch.setattr(type(model.module), "forward", failing_once)
    with pytest.raises(ResourceExhaustedError, match="ran out of memory"):
        explain(model, photo)
    assert hooks_left(model.module) == [] and not any(p.requires_grad for p in model.module.parameters())
    assert len(explain(model, photo).predictions) == 5
