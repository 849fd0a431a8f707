"""The lab's sentences against what they describe: the paper's recipe, the presets, the recorded run, the chart.

References: the paper's §4.2 settings typed here, the presets, the recorded run read with `json`
(not the package's loader), and gradient minima computed here from the numbers the chart plots.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from resnet_demo.teach.degradation import LabPoint
from resnet_demo.teach.lab_config import PRESETS, LabConfig
from resnet_demo.teach.lab_results import load_recorded
from resnet_demo.ui.lab_text import gradient_note, network_name, setup_table
from resnet_demo.ui.strings import EN, ZH, say

RECORDED = Path(__file__).resolve().parents[1] / "resnet_demo/teach/recorded/degradation_cpu.json"
PAPER = {"lr": 0.1, "batch_size": 128, "iterations": 64_000, "image_size": 32, "augment": True,
         "lr_milestones": (0.5, 0.75), "momentum": 0.9, "weight_decay": 1e-4}
"""He et al., CVPR 2016, §4.2: lr 0.1 divided by 10 at 32k and 48k, stop at 64k, batch 128, 32×32 crops."""
LANGS = ("en", "zh-CN")


def test_the_config_defaults_are_the_papers_recipe():
    paper = LabConfig()
    assert {key: getattr(paper, key) for key in PAPER} == PAPER


@pytest.mark.parametrize("lang", LANGS)
def test_setup_table_states_every_value_of_the_paper_and_the_presets(lang):
    table = setup_table(lang)
    lines = [line for line in table.splitlines() if line.startswith("| ")][1:]  # the header row left out
    rows = {cells[0]: cells[1:] for cells in ([c.strip() for c in line.strip("| ").split(" | ")] for line in lines)}
    for i, config in enumerate((LabConfig(), PRESETS["cpu"], PRESETS["gpu"])):
        cell = {row: cells[i] for row, cells in rows.items()}
        assert cell[say("lab_row_lr", lang)] == f"{config.lr:g}"
        assert cell[say("lab_row_batch", lang)] == str(config.batch_size)
        assert cell[say("lab_row_size", lang)] == f"{config.image_size}×{config.image_size}"
        assert cell[say("lab_row_iterations", lang)] == f"{config.iterations:,}"
        for m in config.lr_milestones:
            assert f"{round(m * config.iterations):,}" in cell[say("lab_row_steps", lang)]
        assert cell[say("lab_row_augment", lang)] == say(
            "lab_val_augment" if config.augment else "lab_val_no_augment", lang)
    cpu = {row: cells[1] for row, cells in rows.items()}
    assert cpu[say("lab_row_lr", lang)] == "0.02" and cpu[say("lab_row_batch", lang)] == "64"  # issue 14's list
    assert "10,000" in cpu[say("lab_row_data", lang)] and cpu[say("lab_row_size", lang)] == "16×16"
    assert table == (EN if lang == "en" else ZH)["lab_setup_table"]  # the page shows this very table


def test_what_to_expect_quotes_the_recorded_run():
    run = json.loads(RECORDED.read_text())
    last = run["points"][-1]["errors"]
    pct = {name: round(100 * e) for name, e in last.items()}
    for text in (EN["lab_expect"], ZH["lab_expect"]):
        for name in ("plain-20", "plain-56", "resnet-20", "resnet-56"):
            assert f"{pct[name]}%" in text, (name, pct[name])
        assert f"{run['points'][-1]['iteration']} " in text
        assert re.search(rf"\b{round(run['duration_s'] / 60)}\b", text)
    assert pct["plain-56"] > 10 * pct["plain-20"] and pct["resnet-56"] > pct["resnet-20"]  # "close, not below"


def _plain_min_over_last(point) -> dict[str, float]:
    return {n: min(g) / g[-1] for n, g in point.grad_norms.items() if n.startswith("plain")}


def test_gradient_note_follows_the_curve_on_screen():
    run = load_recorded("cpu")
    by_iteration = {p.iteration: p for p in run.points}
    for iteration in (40, run.points[-1].iteration):
        point = by_iteration[iteration]
        ratios = _plain_min_over_last(point)
        vanished = [n for n, r in ratios.items() if r <= 0.1]
        for lang in LANGS:
            note = gradient_note(point, lang)
            assert note.startswith(say("lab_grad_head", lang, iteration=iteration))
            if vanished:
                nets = say("lab_and", lang).join(network_name(n, lang) for n in vanished)
                assert say("lab_grad_vanish", lang, nets=nets) in note
                assert say("lab_grad_fine", lang) not in note
            else:
                assert say("lab_grad_fine", lang) in note and "lab_grad_vanish" not in note
    assert _plain_min_over_last(by_iteration[40])["plain-56"] < 1 / 30  # the 30-50x dip issue 14 saw
    assert min(_plain_min_over_last(run.points[-1]).values()) > 0.1  # and none at the end
    early = gradient_note(by_iteration[40], "en")
    assert "blocks 6–12" in early and "plain-56" in early  # where the dip is, read off the curve


def test_gradient_note_on_made_up_curves():
    base = load_recorded("cpu").points[-1]
    point = dataclasses.replace(base, iteration=7, grad_norms={
        "plain-20": (2e-3, 1e-2, 1e-1, 1.0),  # shrinks 500x towards the input: vanishes, no interior dip
        "plain-56": (1.0, 0.01, 1.0, 1.0),  # a 100x dip at block 2 alone
        "resnet-20": (2.0, 1.0, 1.0, 1.0),
        "resnet-56": (1.0, 0.0, 1.0, 1.0),  # a zero cannot be plotted on a log axis: not described
    })
    assert isinstance(point, LabPoint)
    note = gradient_note(point, "en")
    assert say("lab_grad_line", "en", net="plain-20", trend=say("grad_trend_down", "en", factor="500")) in note
    assert note.count("In between it dips") == 1  # plain-56's; plain-20's minimum is at block 1, not a dip
    assert say("lab_grad_dip", "en", where=say("lab_at_block", "en", span=2), factor="100") in note
    assert "ResNet-56" not in note and "ResNet-20" in note
    assert say("lab_grad_vanish", "en", nets="plain-20 and plain-56") in note
    zh = gradient_note(point, "zh-CN")
    assert "普通网络-20" in zh and "plain" not in zh
