"""explain(): the contract, one forward pass, a partial backward, threads, faults."""

from __future__ import annotations

import pickle
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch
from helpers import hooks_left, walk_blocks

from resnet_demo import DEPTHS, ResourceExhaustedError, explain
from resnet_demo import explanation as explain_module

LAYER1 = {18: (64, 56, 56), 34: (64, 56, 56), 50: (256, 56, 56), 101: (256, 56, 56), 152: (256, 56, 56)}
LAYER4 = {18: (512, 7, 7), 34: (512, 7, 7), 50: (2048, 7, 7), 101: (2048, 7, 7), 152: (2048, 7, 7)}
N_BLOCKS = {18: 8, 34: 16, 50: 16, 101: 33, 152: 50}


@pytest.mark.parametrize("depth", DEPTHS)
def test_contract_for_every_depth(random_model, photo, depth):
    m = random_model(depth)
    r = explain(m, photo, top_k=5)
    assert [p.prob for p in r.predictions] == sorted((p.prob for p in r.predictions), reverse=True)
    assert len(r.predictions) == 5 and r.target == r.predictions[0].index
    assert r.predictions[0].label == m.categories[r.predictions[0].index] == r.target_label
    assert r.cam.shape == (224, 224) and r.cam.dtype == np.float32 and 0 <= r.cam.min() <= r.cam.max() <= 1
    assert list(r.cams_by_stage) == ["layer4"] and r.cams_by_stage["layer4"] is r.cam
    assert list(r.stages) == ["stem", "layer1", "layer2", "layer3", "layer4"]
    assert r.stages["stem"].shape == (64, 56, 56)
    assert r.stages["layer1"].shape == LAYER1[depth] and r.stages["layer4"].shape == LAYER4[depth]
    assert all(a.dtype == np.float32 for a in r.stages.values())
    assert len(r.blocks) == N_BLOCKS[depth]
    walk = walk_blocks(m.module, m.transform(photo).unsqueeze(0))  # a hook-free walk: independent norms
    assert [(b.stage, b.index) for b in r.blocks] == list(walk)
    for b in r.blocks:
        f_norm, identity_norm = (walk[(b.stage, b.index)][k].norm().item() for k in ("residual", "identity"))
        assert b.f_norm == pytest.approx(f_norm, rel=1e-3) and b.identity_norm == pytest.approx(identity_norm, rel=1e-3)
        assert b.ratio == pytest.approx(f_norm / identity_norm, rel=1e-3)
    assert [b.downsample for b in r.blocks if b.index == 0][1:] == [True, True, True]  # layers 2-4 open with one
    assert r.device == "cpu" and r.input_size == (224, 224) and r.depth == depth
    assert set(r.timings) >= {"preprocess", "forward", "backward", "cam", "total"}
    assert r.block_maps is None
    pickle.loads(pickle.dumps(r))  # crosses ZeroGPU's process boundary


def test_predictions_equal_a_bare_forward(random_model, photo):
    m = random_model(34)
    r = explain(m, photo, top_k=10)
    with torch.inference_mode():
        probs = m.module(m.transform(photo).unsqueeze(0)).softmax(-1)[0]
    top = probs.topk(10)
    assert [p.index for p in r.predictions] == top.indices.tolist()
    np.testing.assert_allclose([p.prob for p in r.predictions], top.values.numpy(), rtol=1e-5)


def test_target_class_and_all_stages(random_model, photo):
    m = random_model(18)
    r = explain(m, photo, target=281, all_stages=True, stage="layer3", block=("layer2", 1))
    assert r.target == 281 and r.target_label == "tabby"
    assert list(r.cams_by_stage) == ["layer1", "layer2", "layer3", "layer4"] and r.cam is r.cams_by_stage["layer3"]
    top1 = explain(m, photo, stage="layer3")
    assert not np.allclose(top1.cam, r.cam)
    bm = r.block_maps
    assert (bm.stage, bm.index) == ("layer2", 1) and bm.identity.shape == bm.residual.shape == bm.output.shape
    np.testing.assert_allclose(np.maximum(bm.identity + bm.residual, 0), bm.output, atol=1e-4)


def _graph_nodes(root: torch.Tensor) -> list[str]:
    seen, stack, names = set(), [root.grad_fn], []
    while stack:
        fn = stack.pop()
        if fn is None or fn in seen:
            continue
        seen.add(fn)
        names.append(type(fn).__name__)
        stack.extend(next_fn for next_fn, _ in fn.next_functions)
    return names


@pytest.mark.parametrize(
    ("stage", "all_stages", "convs"),
    [("layer4", False, 0), ("layer2", False, 2 * (2 * 2 + 1)), ("layer3", True, 3 * (2 * 2 + 1))],
)
def test_one_forward_and_a_partial_backward(random_model, photo, monkeypatch, stage, all_stages, convs):
    """ResNet-18: the graph holds only the convolutions after the earliest CAM stage."""
    m = random_model(18)
    forwards, graphs = [], []
    handle = m.module.register_forward_pre_hook(lambda mod, args: forwards.append(1))
    real_grad = torch.autograd.grad

    def spy(outputs, inputs, *args, **kwargs):
        graphs.append(_graph_nodes(outputs))
        return real_grad(outputs, inputs, *args, **kwargs)

    monkeypatch.setattr(explain_module.torch.autograd, "grad", spy)
    try:
        explain(m, photo, stage=stage, all_stages=all_stages)
    finally:
        handle.remove()
    assert len(forwards) == 1 and len(graphs) == 1
    # layer4: pooling + fc only. Each later stage adds 2 blocks × 2 convs + 1 downsample conv.
    assert graphs[0].count("ConvolutionBackward0") == convs


def test_eigencam_runs_without_autograd(random_model, photo, monkeypatch):
    m = random_model(18)

    def forbidden(*args, **kwargs):
        raise AssertionError("eigencam must not run a backward pass")

    monkeypatch.setattr(explain_module.torch.autograd, "grad", forbidden)
    r = explain(m, photo, method="eigencam", all_stages=True)
    assert r.cams_by_stage.keys() == {"layer1", "layer2", "layer3", "layer4"}  # bench/eigencam_backward.py times it


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": "gradcam3"}, "method must be one of"),
        ({"stage": "layer5"}, r"stage must be one of \['layer1', 'layer2', 'layer3', 'layer4'\]"),
        ({"stage": "stem"}, "stage must be one of"),
        ({"top_k": 0}, "top_k must be between 1 and 1000"),
        ({"target": 1000}, "target must be between 0 and 999"),
        ({"block": ("layer1", 9)}, r"layer1 has blocks 0\.\.1"),
        ({"block": ("stem", 0)}, "block stage must be one of"),
    ],
)
def test_bad_arguments_name_the_allowed_values(random_model, photo, kwargs, message):
    with pytest.raises(ValueError, match=message):
        explain(random_model(18), photo, **kwargs)


def test_image_sources(random_model, photo_path):
    m = random_model(18)
    a = explain(m, photo_path)
    b = explain(m, photo_path.read_bytes())
    assert a.predictions == b.predictions and a.photo.size == (451, 300)


def test_threads_never_see_each_others_tensors(random_model, photo):
    """Mixed depths, stages and targets in parallel equal the same calls made one by one."""
    from PIL import ImageOps

    photos = [photo, ImageOps.mirror(photo), photo.rotate(20), ImageOps.grayscale(photo)]
    jobs = [
        (depth, photos[i % 4], stage, target)
        for i, (depth, stage, target) in enumerate(
            [(18, "layer4", None), (50, "layer3", None), (18, "layer2", 281), (50, "layer4", 7)] * 3
        )
    ]

    def run(job):
        depth, image, stage, target = job
        r = explain(random_model(depth), image, stage=stage, target=target, block=("layer1", 0))
        return r.predictions, r.cam, r.stages["layer2"], [b.ratio for b in r.blocks], r.block_maps.output

    sequential = [run(job) for job in jobs]
    barrier = threading.Barrier(6)

    def run_together(job):
        barrier.wait(timeout=60)
        return run(job)

    with ThreadPoolExecutor(max_workers=6) as pool:
        for _ in range(2):
            parallel = list(pool.map(run_together, jobs[:6])) + list(pool.map(run_together, jobs[6:]))
            for seq, par in zip(sequential, parallel):
                assert seq[0] == par[0]
                for a, b in zip(seq[1:], par[1:]):
                    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert hooks_left(random_model(18).module) == [] and hooks_left(random_model(50).module) == []


def test_out_of_memory_becomes_a_message_and_the_next_call_works(random_model, photo, monkeypatch):
    m = random_model(18)
    real_run = explain_module._run
    calls = []

    def oom_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return real_run(*args, **kwargs)

    monkeypatch.setattr(explain_module, "_run", oom_once)
    with pytest.raises(ResourceExhaustedError, match="ran out of memory"):
        explain(m, photo)
    assert explain(m, photo).predictions
    assert hooks_left(m.module) == []
