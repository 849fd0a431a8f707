"""The example-result cache (service.py): what it keeps, what it forgets, and that callers cannot change it.

Every check counts the model runs (calls that reach the engine), so a hit and a miss are told
apart by work done, not by timing.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from resnet_demo.service import ASSETS, AppConfig

OPTIONS = {"depth": 18, "method": "gradcam", "stage": "layer4", "top_k": 3}


@pytest.fixture
def counted(make_service):
    """A service with a 2-entry cache, and the list of model runs it has made."""

    def make(cache_size: int = 2):
        service = make_service(AppConfig(weights="random", device="cpu", probe_network=False), cache_size=cache_size)
        runs, real = [], service.on_engine

        def on_engine(fn, *args):
            runs.append(args[-2])  # the photo's path: (…, path, options) on every engine path
            return real(fn, *args)

        service.on_engine = on_engine
        return service, runs

    return make


def test_a_repeated_example_is_served_from_the_cache_until_evicted(counted):
    service, runs = counted(cache_size=2)
    cat, coffee, rocket = (str(ASSETS / f"{n}.jpg") for n in ("cat", "coffee", "rocket"))
    service.explain_photo(cat, **OPTIONS)
    service.explain_photo(cat, **OPTIONS)
    assert runs == [cat]  # the second one was a hit
    service.explain_photo(cat, **{**OPTIONS, "top_k": 4})  # another control: its own entry
    assert runs == [cat, cat]
    service.explain_photo(coffee, **OPTIONS)  # a third entry: the least recently used (top_k 3) goes
    service.explain_photo(cat, **{**OPTIONS, "top_k": 4})
    assert runs == [cat, cat, coffee]  # still kept
    service.explain_photo(cat, **OPTIONS)
    assert runs == [cat, cat, coffee, cat]  # evicted, so computed again
    service.explain_photo(rocket, **OPTIONS)
    service.explain_photo(coffee, **OPTIONS)
    assert runs[-2:] == [rocket, coffee] and len(service._results) == 2


def test_the_cache_goes_by_content_not_by_name(counted, tmp_path):
    service, runs = counted()
    cat = service.explain_photo(ASSETS / "cat.jpg", **OPTIONS)
    impostor = tmp_path / "cat.jpg"  # a visitor's photo with an example's name
    shutil.copy(ASSETS / "coffee.jpg", impostor)
    other = service.explain_photo(impostor, **OPTIONS)
    assert len(runs) == 2 and other.photo.size != cat.photo.size  # not cat's result
    coffee = service.explain_photo(ASSETS / "coffee.jpg", **OPTIONS)
    assert len(runs) == 2 and np.array_equal(coffee.cam, other.cam)  # same bytes, other name: a hit
    edited = tmp_path / "coffee.jpg"
    data = bytearray((ASSETS / "coffee.jpg").read_bytes())
    data[-3] ^= 0xFF  # one byte changed, same size as the example
    edited.write_bytes(bytes(data))
    service.explain_photo(edited, **OPTIONS)
    assert len(runs) == 3  # not the example any more: computed


def test_a_caller_cannot_change_what_later_callers_get(counted):
    service, runs = counted()
    first = service.explain_photo(ASSETS / "cat.jpg", **OPTIONS)
    cam, top = first.cam.copy(), [p.index for p in first.predictions]
    first.cam[:] = 0  # a careless caller draws on its result
    first.stages["layer4"][:] = 0
    first.predictions.clear()
    first.cams_by_stage.clear()
    for _ in range(2):
        later = service.explain_photo(ASSETS / "cat.jpg", **OPTIONS)
        assert np.array_equal(later.cam, cam) and [p.index for p in later.predictions] == top
        assert later.stages["layer4"].any() and list(later.cams_by_stage) == ["layer4"]
        later.cam[:] = 0
    assert len(runs) == 1  # both were cache hits
