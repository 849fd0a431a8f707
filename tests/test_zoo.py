"""load_model: builders, weights sources (offline), devices, the cache and downloads."""

from __future__ import annotations

import threading
import time

import pytest
import torch
import torchvision
from helpers import save_fake_imagenet_weights

from resnet_demo import DEPTHS, DeviceUnavailableError, WeightsUnavailableError, load_model, zoo

BLOCKS_PER_STAGE = {18: [2, 2, 2, 2], 34: [3, 4, 6, 3], 50: [3, 4, 6, 3], 101: [3, 4, 23, 3], 152: [3, 8, 36, 3]}
RESIZE = {18: 256, 34: 256, 50: 232, 101: 232, 152: 232}  # torchvision's DEFAULT weights' transforms


@pytest.mark.parametrize("depth", DEPTHS)
def test_every_depth_builds_with_random_weights(random_model, depth):
    m = random_model(depth)
    assert m.depth == depth and not m.pretrained and m.weights == "random"
    assert m.device == torch.device("cpu")
    assert not m.module.training
    assert not any(p.requires_grad for p in m.module.parameters())
    assert [len(getattr(m.module, f"layer{i}")) for i in range(1, 5)] == BLOCKS_PER_STAGE[depth]
    assert len(m.categories) == 1000 and m.categories[281] == "tabby"
    assert m.transform.resize_size == [RESIZE[depth]] and m.transform.crop_size == [224]
    assert m.num_params == torchvision.models.get_model_weights(f"resnet{depth}").DEFAULT.meta["num_params"]


def test_random_weights_are_the_same_in_every_load():
    zoo.MODEL_CACHE.clear()
    a = load_model(18, weights="random", device="cpu")
    zoo.MODEL_CACHE.clear()
    b = load_model(18, weights="random", device="cpu")
    assert a is not b
    assert all(torch.equal(p, q) for p, q in zip(a.module.state_dict().values(), b.module.state_dict().values()))


@pytest.mark.parametrize("bad", [0, 20, 51, "resnet50", 50.5])
def test_unknown_depth_names_the_allowed_values(bad):
    with pytest.raises((ValueError, TypeError), match="18, 34, 50, 101, 152"):
        load_model(bad, weights="random")


def test_devices():
    assert zoo.resolve_device("cpu") == torch.device("cpu")
    assert zoo.resolve_device("auto").type in ("cuda", "mps", "cpu")
    with pytest.raises(ValueError, match="'auto', 'cpu'"):
        zoo.resolve_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(DeviceUnavailableError, match="--device auto"):
            load_model(18, weights="random", device="cuda")


def test_cache_reuses_and_evicts():
    cache = zoo.ModelCache(maxsize=2)
    loads = []

    def loader(key):
        def load():
            loads.append(key)
            return object()

        return load

    a = cache.get("a", loader("a"))
    assert cache.get("a", loader("a")) is a
    cache.get("b", loader("b"))
    cache.get("a", loader("a"))  # a is now the most recent
    cache.get("c", loader("c"))  # evicts b
    assert cache.keys() == ["a", "c"] and loads == ["a", "b", "c"]
    assert load_model(18, weights="random", device="cpu") is load_model(18, weights="random", device="cpu")


@pytest.mark.parametrize("depth", DEPTHS)
def test_imagenet_weights_load_offline_through_torchvisions_cache(depth, photo):
    zoo.MODEL_CACHE.clear()
    save_fake_imagenet_weights(depth)
    state = torch.load(zoo.checkpoint_path(depth), weights_only=True)
    try:
        m = load_model(depth, weights="imagenet", device="cpu")
        assert m.pretrained and m.weights == str(torchvision.models.get_model_weights(f"resnet{depth}").DEFAULT)
        assert zoo.checkpoint_path(depth).name in torchvision.models.get_model_weights(f"resnet{depth}").DEFAULT.url
        for key, value in m.module.state_dict().items():
            assert torch.equal(value, state[key]), key
        # torchvision's own builder reads the same file and computes the same logits
        reference = torchvision.models.get_model(f"resnet{depth}", weights="DEFAULT").eval()  # file in TORCH_HOME
        x = m.transform(photo).unsqueeze(0)
        with torch.inference_mode():
            torch.testing.assert_close(m.module(x), reference(x))
    finally:
        zoo.checkpoint_path(depth).unlink()
        zoo.MODEL_CACHE.clear()


def test_missing_weights_offline_say_how_to_fix_it():
    zoo.MODEL_CACHE.clear()
    assert not zoo.checkpoint_path(34).exists()
    with pytest.raises(WeightsUnavailableError) as info:
        load_model(34, weights="imagenet", device="cpu")
    message = str(info.value)
    assert "python -m resnet_demo download --depth 34" in message
    assert "--weights random" in message and "--weights PATH" in message
    assert not zoo.checkpoint_path(34).exists()
    assert not list(zoo.checkpoint_path(34).parent.glob("*.partial"))


def test_damaged_weights_are_reported_not_kept_and_a_good_file_then_loads():
    """A damaged download is reported, then the teacher puts a good file in its place: the same key loads."""
    zoo.MODEL_CACHE.clear()
    path = zoo.checkpoint_path(18)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not a checkpoint")
    try:
        with pytest.raises(WeightsUnavailableError, match="could not be read.*Delete it"):
            load_model(18, weights="imagenet", device="cpu")
        assert zoo.MODEL_CACHE.keys() == []  # nothing cached for the failure
        save_fake_imagenet_weights(18)
        m = load_model(18, weights="imagenet", device="cpu")
        assert m.pretrained and load_model(18, weights="imagenet", device="cpu") is m
    finally:
        path.unlink()
        zoo.MODEL_CACHE.clear()


def test_a_failed_load_lets_a_waiting_caller_try_again():
    cache, loads, first_started = zoo.ModelCache(maxsize=2), [], threading.Event()
    results = []

    def failing():
        loads.append("bad")
        first_started.set()
        time.sleep(0.2)  # long enough for the second caller to queue behind this load
        raise WeightsUnavailableError("download cut off")

    def good():
        loads.append("good")
        return "model"

    def second():
        assert first_started.wait(10), "the first load never started"
        results.append(cache.get("k", good))

    waiter = threading.Thread(target=second)
    waiter.start()
    with pytest.raises(WeightsUnavailableError):
        cache.get("k", failing)
    waiter.join(10)
    assert not waiter.is_alive() and results == ["model"] and loads == ["bad", "good"]
    assert cache.get("k", failing) == "model" and cache.keys() == ["k"]


def test_concurrent_first_loads_of_one_depth_load_it_once():
    cache, loads, start = zoo.ModelCache(maxsize=2), [], threading.Barrier(4)
    results = []

    def load():
        loads.append(1)
        time.sleep(0.5)  # a slow first load: every other caller arrives while it runs
        return object()

    def caller():
        start.wait(10)
        results.append(cache.get(("resnet", 50), load))

    threads = [threading.Thread(target=caller) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not any(t.is_alive() for t in threads)
    assert len(loads) == 1 and len(results) == 4 and all(r is results[0] for r in results)


def test_weights_from_a_path(tmp_path, photo):
    zoo.MODEL_CACHE.clear()
    torch.manual_seed(3)
    state = torchvision.models.resnet18().state_dict()
    path = tmp_path / "mine.pt"
    torch.save({"state_dict": state, "epoch": 3}, path)  # a training checkpoint wrapper works too
    m = load_model(18, weights=path, device="cpu")
    assert m.pretrained and m.weights == str(path)
    assert torch.equal(m.module.fc.weight, state["fc.weight"])
    with pytest.raises(WeightsUnavailableError, match="do not fit ResNet-50"):
        load_model(50, weights=path, device="cpu")
    with pytest.raises(WeightsUnavailableError, match="No weights file"):
        load_model(18, weights=tmp_path / "missing.pt", device="cpu")
    (tmp_path / "junk.pt").write_text("hello")
    with pytest.raises(WeightsUnavailableError, match="not a PyTorch state_dict"):
        load_model(18, weights=tmp_path / "junk.pt", device="cpu")


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float64])
def test_weights_files_of_any_float_dtype_run_as_float32(tmp_path, photo, dtype):
    from resnet_demo import explain

    zoo.MODEL_CACHE.clear()
    torch.manual_seed(4)
    state = torchvision.models.resnet18().state_dict()
    path = tmp_path / f"resnet18-{dtype}.pt"
    torch.save({k: v.to(dtype) if v.is_floating_point() else v for k, v in state.items()}, path)
    m = load_model(18, weights=path, device="cpu")
    assert {p.dtype for p in m.module.parameters()} == {torch.float32}
    assert m.module.bn1.num_batches_tracked.dtype == torch.int64  # integer buffers keep their type
    assert torch.allclose(m.module.fc.weight, state["fc.weight"].to(dtype).float())
    assert len(explain(m, photo).predictions) == 5  # the request that used to fail on every call


def test_a_weights_file_is_checked_once_for_the_depth_it_fits(tmp_path):
    torch.manual_seed(5)
    good = tmp_path / "r34.pt"
    torch.save(torchvision.models.resnet34().state_dict(), good)
    assert zoo.weights_file_depth(good) == 34
    wrong = tmp_path / "vgg-ish.pt"
    torch.save({"features.0.weight": torch.zeros(64, 3, 3, 3)}, wrong)
    with pytest.raises(WeightsUnavailableError, match="does not hold the weights of a torchvision ResNet"):
        zoo.weights_file_depth(wrong)
    truncated = tmp_path / "cut.pt"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(WeightsUnavailableError, match="not a PyTorch state_dict"):
        zoo.weights_file_depth(truncated)
