"""The degradation lab's sentences that depend on the settings or on the run, built from them.

`setup_table` compares the paper's CIFAR-10 recipe (`LabConfig()`'s defaults) with the presets
this app runs (`PRESETS`), value by value, so the page cannot drift from the code. `gradient_note`
reads the gradient chart on screen (the `LabPoint` it plots): how each network's gradient changes
from its last block back to its first, where it dips, and whether a plain network's gradient
falls below a tenth of its value at the last block at this step. Like `teach_text.py` for the
gradient-flow tab: nothing is said about the chart that its curves do not show.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ..teach.degradation import LabPoint
from ..teach.lab_config import PRESETS, LabConfig
from ..teach.lab_data import CIFAR10_TRAIN_IMAGES
from . import lab_strings  # noqa: F401  (registers the strings used below)
from .strings import add_strings, say
from .teach_text import FLAT, format_factor, trend_phrase

VANISH = 10.0
"""A gradient below 1/VANISH of its value at the last block is stated as having fallen "below a tenth"."""
PAPER = LabConfig()
"""LabConfig's defaults are the paper's CIFAR-10 recipe (§4.2)."""


def network_name(name: str, lang: str = "en") -> str:
    """A lab network's name on the page: "plain-20" → "plain-20" / "普通网络-20", "resnet-56" → "ResNet-56"."""
    variant, _, depth = name.partition("-")
    return say(f"lab_net_{variant}", lang, depth=depth)


def _count(n: int) -> str:
    return f"{n:,}"


def _data(config: LabConfig, lang: str) -> str:
    if config.data == "generated":
        return say("lab_val_generated", lang, n=_count(config.train_size) if config.train_size else say("lab_val_all", lang))
    n = _count(config.train_size or CIFAR10_TRAIN_IMAGES)
    return say("lab_val_cifar" if config.data == "cifar10" else "lab_val_auto", lang, n=n)


def _steps(config: LabConfig, lang: str) -> str:
    join = say("lab_and", lang).join
    steps = join(_count(round(m * config.iterations)) for m in config.lr_milestones)
    percents = join(f"{m:.0%}" for m in config.lr_milestones)
    return say("lab_val_steps", lang, steps=steps, percents=percents)


def _row(config: LabConfig, lang: str, *, paper: bool) -> list[str]:
    """One column of the setup table: the values of `config` in the rows' order."""
    return [
        say("lab_val_cifar", lang, n=_count(CIFAR10_TRAIN_IMAGES)) if paper else _data(config, lang),
        f"{config.image_size}×{config.image_size}",
        say("lab_val_augment" if config.augment else "lab_val_no_augment", lang),
        str(config.batch_size),
        f"{config.lr:g}",
        _steps(config, lang),
        _count(config.iterations),
        say("lab_val_init_paper" if paper else "lab_val_init_lab", lang),
        say("lab_val_limit", lang, seconds=config.max_seconds) if config.max_seconds else say("lab_val_no_limit", lang),
        say("lab_val_measured_paper" if paper else "lab_val_measured_lab", lang),
    ]


ROWS = ("data", "size", "augment", "batch", "lr", "steps", "iterations", "init", "limit", "measured")
"""The setup table's rows, in `_row`'s order."""


def setup_table(lang: str = "en") -> str:
    """How the lab's presets differ from the paper's CIFAR-10 setup, as Markdown, read from the configs."""
    columns = [_row(PAPER, lang, paper=True), _row(PRESETS["cpu"], lang, paper=False),
               _row(PRESETS["gpu"], lang, paper=False)]
    header = say("lab_setup_cols", lang).split("|")
    lines = [say("lab_setup_title", lang), "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for i, row in enumerate(ROWS):
        lines.append("| " + " | ".join([say(f"lab_row_{row}", lang), *(column[i] for column in columns)]) + " |")
    return "\n".join(lines)


def _span(norms: Sequence[float], low: int, lang: str) -> str:
    """The blocks (numbered from 1) around `low` whose norm is within FLAT of the minimum: "blocks 8–12", "block 8"."""
    floor = norms[low] * FLAT
    first = last = low
    while first > 0 and norms[first - 1] <= floor:
        first -= 1
    while last < len(norms) - 1 and norms[last + 1] <= floor:
        last += 1
    if last > first:
        return say("lab_at_blocks", lang, span=f"{first + 1}–{last + 1}")
    return say("lab_at_block", lang, span=first + 1)


def _network_sentence(name: str, norms: Sequence[float], lang: str) -> str:
    """How one network's gradient changes from its last block to its first, and its dip if it has one."""
    text = say("lab_grad_line", lang, net=network_name(name, lang), trend=trend_phrase(norms[0] / norms[-1], lang))
    low = min(range(len(norms)), key=norms.__getitem__)
    if 0 < low < len(norms) - 1 and min(norms[0], norms[-1]) >= FLAT * norms[low]:
        space = "" if lang.startswith("zh") else " "
        text += space + say("lab_grad_dip", lang, where=_span(norms, low, lang), factor=format_factor(norms[-1] / norms[low]))
    return text


def gradient_note(point: LabPoint, lang: str = "en") -> str:
    """What the lab's gradient chart shows at `point`, read off its curves (the ones it plots: every
    network whose norms are all positive and finite)."""
    shown = {name: norms for name, norms in point.grad_norms.items()
             if norms and all(math.isfinite(g) and g > 0 for g in norms)}
    if not shown:
        return ""
    space = "" if lang.startswith("zh") else " "
    sentences = [say("lab_grad_head", lang, iteration=point.iteration)]
    sentences += [_network_sentence(name, norms, lang) for name, norms in shown.items()]
    plain = {name: norms for name, norms in shown.items() if name.startswith("plain")}
    if plain:
        vanished = [name for name, norms in plain.items() if norms[-1] / min(norms) >= VANISH]
        if vanished:
            nets = say("lab_and", lang).join(network_name(name, lang) for name in vanished)
            sentences.append(say("lab_grad_vanish", lang, nets=nets))
        else:
            sentences.append(say("lab_grad_fine", lang))
    return space.join(sentences)


add_strings({"lab_setup_table": setup_table("en")}, {"lab_setup_table": setup_table("zh-CN")})
