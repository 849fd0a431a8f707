"""The command line: files written, and one readable line (no traceback) for bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from resnet_demo.cli import main

ROOT = Path(__file__).resolve().parent.parent


def test_explain_writes_json_npz_and_panels(tmp_path, photo_path, capsys):
    code = main(
        ["explain", str(photo_path), "--depth", "18", "--weights", "random", "--device", "cpu",
         "--all-stages", "--block", "layer2.0", "--target", "tabby", "--out", str(tmp_path)]
    )
    assert code == 0
    out = capsys.readouterr()
    assert "untrained" in out.err and "wrote" in out.out
    result = json.loads((tmp_path / "result.json").read_text())
    assert result["depth"] == 18 and result["device"] == "cpu" and result["pretrained"] is False
    assert result["target"] == {"index": 281, "label": "tabby", "label_zh": "虎斑猫"}
    assert len(result["predictions"]) == 5
    assert result["stage_shapes"]["layer1"] == [64, 56, 56] and result["stage_shapes"]["layer4"] == [512, 7, 7]
    assert len(result["blocks"]) == 8 and {"ratio", "f_norm", "identity_norm"} <= set(result["blocks"][0])
    assert len(result["crop_box"]) == 4 and "total" in result["timings_ms"]
    arrays = np.load(tmp_path / "arrays.npz")
    assert arrays["stage/layer2"].shape == (128, 28, 28) and arrays["cam/layer1"].shape == (224, 224)
    assert arrays["block/layer2.0/residual"].shape == (128, 28, 28)
    for name in ("overlay.jpg", "cam_strip.jpg", "features_stem.jpg", "features_layer4.jpg", "block.png"):
        assert (tmp_path / name).stat().st_size > 1000


def test_bad_inputs_exit_non_zero_with_one_line(tmp_path, capsys):
    not_image = tmp_path / "notes.jpg"
    not_image.write_text("just text")
    cases = [
        (["explain", str(not_image), "--weights", "random", "--out", str(tmp_path)], "not an image"),
        (["explain", str(tmp_path / "missing.png"), "--weights", "random", "--out", str(tmp_path)], "No such file"),
        (["explain", str(ROOT / "assets" / "cat.jpg"), "--depth", "18", "--out", str(tmp_path)],
         "download --depth 18"),  # offline: the ImageNet weights cannot be fetched
        (["explain", str(ROOT / "assets" / "cat.jpg"), "--weights", "random", "--target", "unicorn",
          "--out", str(tmp_path)], "no ImageNet class"),
    ]
    for argv, message in cases:
        assert main(argv) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert err[-1].startswith("error: ") and message in err[-1], err
        assert "Traceback" not in "\n".join(err)


def test_module_entry_point_runs_without_traceback(tmp_path):
    bad = tmp_path / "empty.png"
    bad.write_bytes(b"")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "resnet_demo", "explain", str(bad), "--weights", "random", "--out", str(tmp_path)],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert proc.returncode == 2 and proc.stderr.strip() == "error: The file is empty. Please upload a photo as " \
        "JPEG, PNG, WebP, GIF, BMP or TIFF."
    help_text = subprocess.run([sys.executable, "-m", "resnet_demo", "--help"], capture_output=True, text=True,
                               env=env, timeout=300).stdout
    assert "explain" in help_text and "download" in help_text and "degradation" in help_text


def test_degradation_writes_csv_and_chart(tmp_path, capsys):
    code = main(["degradation", "--preset", "cpu", "--iterations", "2", "--device", "cpu", "--out", str(tmp_path)])
    assert code == 0
    out = capsys.readouterr()
    assert "data: generated" in out.err and "2/2" in out.err
    assert "plain-56: training error" in out.out and "wrote degradation.csv" in out.out
    rows = (tmp_path / "degradation.csv").read_text().splitlines()
    assert rows[0].startswith("iteration,") and len(rows) == 1 + 4  # one final point, four networks
    assert {row.split(",")[3] for row in rows[1:]} == {"plain-20", "plain-56", "resnet-20", "resnet-56"}
    assert (tmp_path / "degradation.png").stat().st_size > 1000


def test_download_offline_fails_with_one_line_per_kind(capsys):
    cases = [
        (["download", "--what", "cifar10"], "download --what cifar10"),
        (["download", "--what", "all", "--depth", "18"], "download --what cifar10"),  # CIFAR-10 comes first
        (["download", "--depth", "18"], "download --depth 18"),  # the default still fetches weights only
        (["download", "--what", "weights", "--depth", "18"], "download --depth 18"),
    ]
    for argv, message in cases:
        assert main(argv) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert err[-1].startswith("error: ") and message in err[-1], err
        assert "Traceback" not in "\n".join(err)


def test_degradation_and_download_reject_bad_choices(capsys):
    for argv in (["degradation", "--preset", "tpu", "--out", "x"], ["degradation", "--data", "imagenet",
                                                                       "--out", "x"], ["download", "--what", "x"]):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 2 and "invalid choice" in capsys.readouterr().err
