"""teach.degradation and its siblings: the CIFAR networks, the lab's data, run_lab, results.

References are independent of the package: layer counts from the paper's 6n+2 rule, a block and
a whole network written out with torch.nn.functional from the parameters, option A's shortcut as
slicing plus a concatenation of zeros, crops checked pixel by pixel, and a fake CIFAR-10 archive
that torchvision's own loader verifies and extracts (no network: conftest blocks sockets).
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import math
import pickle
import tarfile
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from resnet_demo.errors import DemoError
from resnet_demo.teach import cifar_nets, degradation, lab_data, lab_results
from resnet_demo.teach.cifar_nets import build_cifar_net, check_cifar_depth
from resnet_demo.teach.degradation import PRESETS, LabConfig, LabPoint, run_lab
from resnet_demo.teach.lab_data import DatasetUnavailableError, generate_textures, load_lab_data

DEVICES = ["cpu", pytest.param("cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA"))]
TINY = LabConfig(depths=(8, 14), iterations=6, batch_size=8, image_size=8, train_size=40, augment=False,
                 data="generated", report_every=2, error_window=3)


@pytest.fixture(scope="module")
def tiny_data():
    return load_lab_data(kind="generated", image_size=8, size=40, seed=0)


# ---------------------------------------------------------------------------------------------- networks


@pytest.mark.parametrize("depth", [8, 20, 32, 56])
@pytest.mark.parametrize("variant", ["plain", "resnet"])
def test_networks_have_6n_plus_2_weighted_layers_and_paper_shapes(depth, variant):
    net = build_cifar_net(depth=depth, variant=variant)
    weighted = [m for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    assert len(weighted) == depth and net.name == f"{variant}-{depth}"
    n = (depth - 2) // 6
    assert len(net.blocks) == len(net.block_names) == 3 * n
    assert sum(isinstance(m, nn.BatchNorm2d) for m in net.modules()) == depth - 1  # one after every conv
    logits, outputs = net.forward_blocks(torch.randn(2, 3, 32, 32))
    assert logits.shape == (2, 10)
    expected = [(2, 16, 32, 32)] * n + [(2, 32, 16, 16)] * n + [(2, 64, 8, 8)] * n
    assert [tuple(o.shape) for o in outputs] == expected


@pytest.mark.parametrize("depth", [20, 56])
def test_plain_and_residual_start_from_the_same_weights(depth):
    plain = build_cifar_net(depth=depth, variant="plain", seed=3)
    resnet = build_cifar_net(depth=depth, variant="resnet", seed=3)
    p, r = plain.state_dict(), resnet.state_dict()
    assert list(p) == list(r)  # option A shortcuts add no parameters
    assert all(torch.equal(p[k], r[k]) for k in p)
    other = build_cifar_net(depth=depth, variant="plain", seed=4).state_dict()
    assert not torch.equal(p["conv.weight"], other["conv.weight"])
    std = p["blocks.0.conv1.weight"].std().item()  # He init, fan_out: sqrt(2 / (16 * 3 * 3))
    assert std == pytest.approx(math.sqrt(2 / 144), rel=0.1)


def test_building_leaves_the_global_rng_alone():
    torch.manual_seed(123)
    state = torch.get_rng_state()
    build_cifar_net(depth=20, variant="resnet", seed=0)
    assert torch.equal(torch.get_rng_state(), state)


def _ref_bn(x, bn):
    return F.batch_norm(x, None, None, bn.weight, bn.bias, training=True, eps=bn.eps)


def _ref_net(net, x, *, residual):
    """The network written out from its parameters: conv, BN on batch statistics, option A by hand."""
    h = torch.relu(_ref_bn(F.conv2d(x, net.conv.weight, padding=1), net.bn))
    for block in net.blocks:
        stride = block.conv1.stride[0]
        f = torch.relu(_ref_bn(F.conv2d(h, block.conv1.weight, stride=stride, padding=1), block.bn1))
        f = _ref_bn(F.conv2d(f, block.conv2.weight, padding=1), block.bn2)
        if residual:
            shortcut = h[:, :, ::stride, ::stride]
            missing = f.shape[1] - shortcut.shape[1]
            zeros = torch.zeros(shortcut.shape[0], missing, *shortcut.shape[2:])
            f = f + torch.cat([shortcut, zeros], dim=1)
        h = torch.relu(f)
    return h.mean((2, 3)) @ net.fc.weight.T + net.fc.bias


@pytest.mark.parametrize("variant", ["plain", "resnet"])
def test_forward_equals_a_hand_written_reference(variant):
    net = build_cifar_net(depth=14, variant=variant, seed=1)
    x = torch.randn(4, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        ours = net(x)
        ref = _ref_net(net, x, residual=variant == "resnet")
    torch.testing.assert_close(ours, ref, rtol=1e-4, atol=1e-5)


def test_residual_block_with_a_shape_change_adds_zero_padded_subsampled_input():
    block = cifar_nets.CifarBlock(16, 32, 2, residual=True).eval()
    plain = cifar_nets.CifarBlock(16, 32, 2, residual=False).eval()
    plain.load_state_dict(block.state_dict())
    x = torch.randn(2, 16, 8, 8)
    with torch.no_grad():
        f_plus_x = block(x)
        branch = block.bn2(block.conv2(torch.relu(block.bn1(block.conv1(x)))))  # (2, 32, 4, 4)
        shortcut = torch.cat([x[:, :, ::2, ::2], torch.zeros(2, 16, 4, 4)], dim=1)
    torch.testing.assert_close(f_plus_x, torch.relu(branch + shortcut))
    torch.testing.assert_close(plain(x), torch.relu(branch))


@pytest.mark.parametrize("bad", [0, 2, 19, 21, 57, "20", 20.0, True])
def test_depth_must_be_6n_plus_2(bad):
    with pytest.raises((ValueError, TypeError), match="6n\\+2"):
        check_cifar_depth(bad)
    with pytest.raises(ValueError, match="variant"):
        build_cifar_net(depth=20, variant="highway")


# ---------------------------------------------------------------------------------------------- data


def test_generated_set_is_deterministic_balanced_and_varied():
    images, labels = generate_textures(size=200, image_size=16, seed=5)
    again, again_labels = generate_textures(size=200, image_size=16, seed=5)
    other, _ = generate_textures(size=200, image_size=16, seed=6)
    assert images.dtype == torch.uint8 and images.shape == (200, 3, 16, 16) and labels.shape == (200,)
    assert torch.equal(images, again) and torch.equal(labels, again_labels) and not torch.equal(images, other)
    assert torch.bincount(labels, minlength=10).tolist() == [20] * 10
    per_class = torch.stack([images[labels == c].float().mean(0) for c in range(10)])  # (10, 3, 16, 16)
    assert images.float().std() > 40  # colours and noise vary, not a constant image
    assert torch.cdist(per_class.flatten(1), per_class.flatten(1)).max() > 0


def test_load_lab_data_generated_names_itself_and_normalises(tiny_data):
    assert tiny_data.kind == "generated" and "generated" in tiny_data.description  # the CLI's English line
    assert (tiny_data.count, tiny_data.image_size, tiny_data.fallback) == (40, 8, None)
    assert len(tiny_data.classes) == 10 and len(tiny_data.labels) == 40
    x = lab_data.normalise(tiny_data.images, tiny_data)  # (40, 3, 8, 8)
    torch.testing.assert_close(x.mean((0, 2, 3)), torch.zeros(3), atol=1e-4, rtol=0)
    torch.testing.assert_close(x.std((0, 2, 3)), torch.ones(3), atol=1e-3, rtol=0)


def test_cifar10_offline_auto_falls_back_and_cifar10_raises(offline):
    data = load_lab_data(kind="auto", image_size=8, size=20)
    assert data.kind == "generated" and data.fallback == "offline"  # a fact the page words in its language
    assert "CIFAR-10 could not be had: offline" in data.description
    with pytest.raises(DatasetUnavailableError, match="download --what cifar10") as info:
        load_lab_data(kind="cifar10", image_size=8, size=20)
    assert isinstance(info.value, DemoError)
    assert lab_data.cifar10_root() == Path(offline) / "datasets" / "cifar10"
    with pytest.raises(ValueError, match="kind"):
        load_lab_data(kind="imagenet")


def _fake_cifar_archive(images_per_batch: int) -> tuple[bytes, dict[str, str]]:
    """A CIFAR-10-shaped tar.gz (random pixels, labels 0..9 in turn) and the MD5 of each member."""
    rng = np.random.default_rng(0)
    members, md5 = {}, {}
    for name in ["data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5", "test_batch"]:
        body = {"data": rng.integers(0, 256, (images_per_batch, 3072), dtype=np.uint8),
                "labels": [i % 10 for i in range(images_per_batch)]}
        members[name] = pickle.dumps(body)
    members["batches.meta"] = pickle.dumps({"label_names": [f"class{i}" for i in range(10)]})
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, content in members.items():
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
            md5[name] = hashlib.md5(content).hexdigest()
    return buf.getvalue(), md5


def test_cifar10_download_goes_through_weights_download_then_torchvision_extracts(monkeypatch, tmp_path):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    archive, md5 = _fake_cifar_archive(20)
    cifar = lab_data._CIFAR
    monkeypatch.setattr(cifar, "train_list", [[f"data_batch_{i}", md5[f"data_batch_{i}"]] for i in range(1, 6)])
    monkeypatch.setattr(cifar, "test_list", [["test_batch", md5["test_batch"]]])
    monkeypatch.setattr(cifar, "meta", {**cifar.meta, "md5": md5["batches.meta"]})
    monkeypatch.setattr(cifar, "tgz_md5", hashlib.md5(archive).hexdigest())
    calls = []

    def fake_download(url, dst, *, progress=None, timeout=30.0):
        calls.append((url, dst))
        progress(1.0, "Downloading")
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_bytes(archive)

    monkeypatch.setattr(lab_data, "download", fake_download)
    messages = []
    data = load_lab_data(kind="cifar10", image_size=16, size=None, progress=lambda f, m: messages.append(m))
    assert calls == [(cifar.url, tmp_path / "datasets" / "cifar10" / "cifar-10-python.tar.gz")]
    assert data.kind == "cifar10" and data.images.shape == (100, 3, 16, 16) and data.classes[0] == "class0"
    assert "Downloading" in messages and lab_data.cifar10_ready()
    assert load_lab_data(kind="auto", image_size=32, size=30).kind == "cifar10" and len(calls) == 1  # cached


def test_a_damaged_cifar10_download_is_deleted(monkeypatch, tmp_path):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.setattr(lab_data, "download", lambda url, dst, **kw: (dst.parent.mkdir(parents=True),
                                                                       dst.write_bytes(b"not a tar")))
    with pytest.raises(DatasetUnavailableError, match="damaged"):
        lab_data.fetch_cifar10()
    assert not (tmp_path / "datasets" / "cifar10" / "cifar-10-python.tar.gz").exists()


# ---------------------------------------------------------------------------------------------- run_lab


def _plain_numbers(value) -> bool:
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain_numbers(v) for k, v in value.items())
    if isinstance(value, (tuple, list)):
        return all(_plain_numbers(v) for v in value)
    return value is None or isinstance(value, (int, float, str))  # None: no fallback


@pytest.mark.parametrize("device", DEVICES)
def test_run_lab_yields_sane_points_on_a_schedule(tiny_data, device):
    config = dataclasses.replace(TINY, iterations=8, report_every=1)
    torch.manual_seed(7)
    state = torch.get_rng_state()
    points = list(run_lab(config, device=device, data=tiny_data))
    assert torch.equal(torch.get_rng_state(), state)  # the global RNG is untouched
    assert [p.iteration for p in points] == list(range(1, 9))
    assert [p.status for p in points] == ["running"] * 7 + ["done"] and points[-1].final
    assert [p.lr for p in points] == pytest.approx([0.1] * 4 + [0.01] * 2 + [0.001] * 2)  # milestones 0.5, 0.75
    assert [p.window for p in points] == [1, 2, 3, 3, 3, 3, 3, 3]
    names = ["plain-8", "plain-14", "resnet-8", "resnet-14"]
    for p in points:
        assert isinstance(p, LabPoint) and _plain_numbers(dataclasses.asdict(p))
        assert list(p.errors) == list(p.losses) == list(p.grad_norms) == names
        assert all(0 <= e <= 1 and e * p.window * 8 == round(e * p.window * 8) for e in p.errors.values())
        assert all(math.isfinite(v) and v > 0 for v in p.losses.values())
        assert {k: len(v) for k, v in p.grad_norms.items()} == {"plain-8": 3, "plain-14": 6, "resnet-8": 3,
                                                                "resnet-14": 6}
        assert all(g > 0 and math.isfinite(g) for v in p.grad_norms.values() for g in v)
        assert p.dataset == "generated" and p.iterations == 8 and p.eta_s >= 0 and p.iterations_per_s > 0
    assert points[-1].eta_s == 0
    warm = list(run_lab(dataclasses.replace(config, warmup_iterations=2, lr_milestones=()), data=tiny_data))
    assert [p.lr for p in warm] == pytest.approx([0.01] * 2 + [0.1] * 6)  # the paper's warm-up at lr / 10


def test_every_network_trains_on_identical_batches_in_the_same_order(tiny_data, monkeypatch):
    seen: dict[str, list[torch.Tensor]] = {}
    build = degradation.build_cifar_net

    def recording_build(**kwargs):
        net = build(**kwargs)
        log = seen.setdefault(net.name, [])
        net.conv.register_forward_pre_hook(lambda module, args: log.append(args[0].detach().clone()))
        return net

    monkeypatch.setattr(degradation, "build_cifar_net", recording_build)
    list(run_lab(dataclasses.replace(TINY, iterations=4, augment=True), data=tiny_data))
    batches = list(seen.values())
    assert len(batches) == 4 and all(len(b) == 4 for b in batches)
    for other in batches[1:]:
        assert all(torch.equal(a, b) for a, b in zip(batches[0], other, strict=True))
    assert not torch.equal(batches[0][0], batches[0][1])  # successive steps see different batches


def test_the_gradient_norm_is_that_of_each_block_output(tiny_data, monkeypatch):
    """The reported norm equals ‖∂loss/∂output‖ recomputed with autograd.grad on a copy of the start weights."""
    config = dataclasses.replace(TINY, depths=(8,), variants=("resnet",), iterations=1)
    net = build_cifar_net(depth=8, variant="resnet", seed=0)
    generator = torch.Generator().manual_seed(config.seed)
    index = torch.randperm(40, generator=generator)[:8]  # run_lab's first batch
    x, y = lab_data.normalise(tiny_data.images[index], tiny_data), tiny_data.labels[index]
    logits, outputs = net.forward_blocks(x)
    grads = torch.autograd.grad(F.cross_entropy(logits, y), outputs)
    point = next(run_lab(config, data=tiny_data))
    assert point.grad_norms["resnet-8"] == pytest.approx([g.norm().item() for g in grads], rel=1e-4)


def test_should_stop_ends_early_after_a_final_point(tiny_data):
    calls = []
    points = list(run_lab(dataclasses.replace(TINY, iterations=50), data=tiny_data,
                          should_stop=lambda: calls.append(1) or len(calls) >= 3))
    assert [p.iteration for p in points] == [2, 3] and points[-1].status == "stopped"


def test_pause_is_called_before_every_step(tiny_data):
    events = []
    lab = run_lab(TINY, data=tiny_data, pause=lambda: events.append("pause"))
    for point in lab:
        events.append(point.iteration)
    assert events == ["pause", "pause", 2, "pause", "pause", 4, "pause", "pause", 6]


def test_max_seconds_ends_the_run_and_pauses_do_not_count(tiny_data, monkeypatch):
    clock = iter(range(10_000))
    monkeypatch.setattr(degradation, "_clock", lambda: float(next(clock)))  # one second per reading
    config = dataclasses.replace(TINY, iterations=50, max_seconds=4.0)
    points = list(run_lab(config, data=tiny_data, pause=lambda: None))
    last = points[-1]
    assert last.status == "time_limit" and last.iteration < 50
    assert last.paused_s >= last.iteration and last.elapsed_s - last.paused_s >= 4.0


def test_augmentation_is_a_padded_crop_with_an_optional_flip():
    x = torch.arange(2 * 3 * 6 * 6, dtype=torch.float32).view(2, 3, 6, 6) + 1
    out = degradation._augment(x, torch.Generator().manual_seed(1))
    padded = F.pad(x, (4, 4, 4, 4))
    for i in range(2):
        candidates = [padded[i, :, r:r + 6, c:c + 6] for r in range(9) for c in range(9)]
        candidates += [c.flip(-1) for c in candidates]
        assert any(torch.equal(out[i], c) for c in candidates)


@pytest.mark.parametrize(("field", "value"), [
    ("depths", (20, 21)), ("depths", ()), ("variants", ("plain", "dense")), ("iterations", 0),
    ("batch_size", 1), ("lr", 0.0), ("lr_milestones", (0.75, 0.5)), ("lr_milestones", (1.5,)),
    ("lr_decay", 2.0), ("momentum", 1.0), ("weight_decay", -1e-4), ("image_size", 4), ("train_size", 5),
    ("data", "imagenet"), ("seed", -1), ("report_every", 0), ("error_window", 0), ("max_seconds", 0),
    ("augment", "yes"), ("iterations", 2.5), ("warmup_iterations", -1),
])
def test_config_validation_names_the_field(field, value):
    with pytest.raises((ValueError, TypeError), match=f"LabConfig.{field}"):
        LabConfig(**{field: value})


def test_presets_are_valid_and_run_lab_checks_its_arguments(tiny_data):
    assert {"cpu", "gpu"} <= set(PRESETS) and all(isinstance(c, LabConfig) for c in PRESETS.values())
    assert PRESETS["cpu"].data == "generated" and PRESETS["cpu"].max_seconds is not None
    assert PRESETS["gpu"].image_size == 32 and PRESETS["gpu"].batch_size == 128 and PRESETS["gpu"].augment
    with pytest.raises(TypeError, match="LabConfig"):
        next(run_lab({"iterations": 3}))
    with pytest.raises(ValueError, match="image_size"):
        next(run_lab(dataclasses.replace(TINY, image_size=16), data=tiny_data))


# ---------------------------------------------------------------------------------------------- results


def test_csv_and_charts(tiny_data, tmp_path):
    points = list(run_lab(TINY, data=tiny_data))
    path = lab_results.write_csv(points, tmp_path / "lab.csv")
    rows = path.read_text().splitlines()
    assert rows[0].startswith("iteration,elapsed_s,lr,network,train_error") and len(rows) == 1 + 3 * 4
    assert rows[-1].split(",")[3] == "resnet-14" and len(rows[-1].split(",")[6].split(";")) == 6
    image = lab_results.render_lab_chart(points)
    assert image.mode == "RGB" and image.width > 500


def test_load_recorded_returns_the_shipped_run():
    run = lab_results.load_recorded("cpu")
    path = lab_results.RECORDED_DIR / "degradation_cpu.json"
    assert path.stat().st_size < 200_000
    assert run.preset == "cpu" and isinstance(run.config, LabConfig) and run.duration_s > 0
    assert run.cpu and run.cores >= 1 and run.threads >= 1 and run.torch_version and run.date
    assert run.points[-1].dataset_images == run.config.train_size and run.points[-1].dataset_size == run.config.image_size
    iterations = [p.iteration for p in run.points]
    assert iterations == sorted(iterations) and run.points[-1].final and len(run.points) >= 20
    assert set(run.points[-1].errors) == {"plain-20", "plain-56", "resnet-20", "resnet-56"}
    assert json.loads(path.read_text())["seed"] == run.config.seed
    with pytest.raises(ValueError, match="recorded run"):
        lab_results.load_recorded("tpu")


def test_save_and_load_recorded_round_trip(tiny_data, tmp_path, monkeypatch):
    points = list(run_lab(dataclasses.replace(TINY, iterations=12, report_every=1), data=tiny_data))
    run = lab_results.RecordedRun(preset="gpu", config=TINY, points=tuple(points), cpu="test", cores=2, threads=1,
                                  gpu="NVIDIA test", device="cpu",
                                  torch_version=torch.__version__, date="2025-01-01T00:00:00Z", duration_s=1.5,
                                  load_average=(0.1, 0.2), note="test")
    monkeypatch.setattr(lab_results, "RECORDED_DIR", tmp_path)
    lab_results.save_recorded(run, tmp_path / "degradation_gpu.json", max_points=5)
    back = lab_results.load_recorded("gpu")
    kept = [p.iteration for p in back.points]
    assert len(kept) == 5 and kept[0] == 1 and kept[-1] == 12 and kept == sorted(set(kept)) and back.config == TINY
    assert back.points[-1].errors == pytest.approx(points[-1].errors, rel=1e-3)
