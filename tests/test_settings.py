"""settings: one prefix, read once; the old RESNET_DEMO_* names still work, with a warning."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings

import pytest

from resnet_demo.settings import PREFIX, Settings, env


def test_defaults_when_nothing_is_set():
    assert Settings.from_environ({}) == Settings(max_models=None, display_mb=256, debug=False)


def test_every_setting_is_read_under_the_prefix():
    read = Settings.from_environ({PREFIX + "MAX_MODELS": "2", PREFIX + "DISPLAY_MB": "64", PREFIX + "DEBUG": "1"})
    assert read == Settings(max_models=2, display_mb=64, debug=True)


@pytest.mark.parametrize("old, field, value", [("RESNET_DEMO_MAX_MODELS", "max_models", 3),
                                               ("RESNET_DEMO_DEBUG", "debug", True)])
def test_an_old_name_still_works_and_says_it_is_deprecated(old, field, value):
    with pytest.warns(FutureWarning, match=f"{old} is deprecated; set {PREFIX}"):
        read = Settings.from_environ({old: "3" if field == "max_models" else "yes"})
    assert getattr(read, field) == value


def test_the_new_name_wins_over_the_old_one_without_a_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert env("MAX_MODELS", {PREFIX + "MAX_MODELS": "1", "RESNET_DEMO_MAX_MODELS": "4"}) == "1"


def test_an_empty_value_counts_as_unset():
    assert Settings.from_environ({PREFIX + "DISPLAY_MB": "", PREFIX + "DEBUG": ""}) == Settings()


@pytest.mark.parametrize("value", ["many", "-1", "2.5", " "])
def test_a_bad_number_names_its_variable(value):
    with pytest.raises(ValueError, match=f"{PREFIX}DISPLAY_MB must be a whole number"):
        Settings.from_environ({PREFIX + "DISPLAY_MB": value})


def test_the_modules_that_use_a_setting_read_it_from_the_environment():
    """A fresh interpreter: the model cache, the display store and the CLI see the variables."""
    code = ("import json; from resnet_demo import zoo, cli; from resnet_demo.ui.shown import DisplayStore; "
            "print(json.dumps([zoo.MODEL_CACHE.maxsize, DisplayStore().budget_bytes, cli.SETTINGS.debug]))")
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("RESNET_DEMO_", PREFIX))}
    environ.update({"RESNET_DEMO_MAX_MODELS": "2", PREFIX + "DISPLAY_MB": "3", PREFIX + "DEBUG": "1"})
    done = subprocess.run([sys.executable, "-c", code], env=environ, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [2, 3 * 2**20, True]
    assert "RESNET_DEMO_MAX_MODELS is deprecated" in done.stderr
