"""Every teaching sentence true for every depth, in English and 简体中文.

The facts are checked against references that share no code with the package: torchvision's
modules walked by hand on a meta-device model (shapes, strides, which blocks have a
`downsample`), Table 1 of He et al. (2016) for the block layout, torchvision's published
parameter and multiply-add figures, and gradients taken by `loss.backward()` through
torchvision's own forward for the gradient-flow summary.
"""

from __future__ import annotations

import copy
import math
import re
import string

import pytest
import torch
import torch.nn.functional as F
import torchvision
from torch import nn

from resnet_demo import DEPTHS
from resnet_demo.teach.architecture import architecture
from resnet_demo.teach.gradflow import GradientFlow, gradient_flow, summarize_flows
from resnet_demo.ui import teach_strings  # registers the teaching strings; its tables are checked below
from resnet_demo.ui.strings import EN, ZH, say
from resnet_demo.ui.teach_handlers import TeachHandlers
from resnet_demo.ui.teach_text import (
    architecture_note,
    format_factor,
    gradient_note,
    shortcut_note,
)
from resnet_demo.weights import default_weights

STAGES = ("layer1", "layer2", "layer3", "layer4")
BOTTLENECK_DEPTHS = (50, 101, 152)  # the paper's Table 1: ResNet-50 and deeper use bottleneck blocks
LANGS = ("en", "zh-CN")


# -- independent references ------------------------------------------------------------------------

def _meta_resnet(depth: int) -> nn.Module:
    with torch.device("meta"):
        return torchvision.models.get_model(f"resnet{depth}", weights=None).eval()


@pytest.fixture(scope="module")
def reference():
    """Per depth: {"stem": (in, out), "layer2.0": (in, out, downsample module or None), ...} by a hand walk."""
    cache: dict[int, dict] = {}

    def get(depth: int) -> dict:
        if depth not in cache:
            model = _meta_resnet(depth)
            x = torch.zeros(1, 3, 224, 224, device="meta")
            h = model.maxpool(model.relu(model.bn1(model.conv1(x))))
            facts = {"stem": (tuple(x.shape[1:]), tuple(h.shape[1:]))}
            for stage in STAGES:
                start = tuple(h.shape[1:])
                for i, block in enumerate(getattr(model, stage)):
                    before = tuple(h.shape[1:])
                    h = block(h)
                    facts[f"{stage}.{i}"] = (before, tuple(h.shape[1:]), block.downsample, block)
                facts[stage] = (start, tuple(h.shape[1:]))
            cache[depth] = facts
        return cache[depth]

    return get


def _shape(shape) -> str:
    return "×".join(map(str, shape))


# -- strings: both languages, same placeholders ------------------------------------------------------

def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_key_exists_in_both_languages_with_the_same_placeholders():
    assert set(EN) == set(ZH), sorted(set(EN) ^ set(ZH))
    assert set(teach_strings.EN) == set(teach_strings.ZH)
    mismatched = {key: (_fields(EN[key]), _fields(ZH[key])) for key in EN if _fields(EN[key]) != _fields(ZH[key])}
    assert not mismatched
    for key in EN:  # every string formats with its own placeholders (no stray braces)
        for lang in LANGS:
            values = {name: 1.5 for name in _fields(EN[key])}
            assert say(key, lang, **values) if values else say(key, lang)


def test_chinese_table_is_translated():
    untranslated = [key for key, text in teach_strings.ZH.items()
                    if not re.search(r"[\u4e00-\u9fff]", text) and len(text) > 3]  # "，" is a translation too
    copies = [key for key, text in teach_strings.ZH.items() if text == teach_strings.EN[key] and len(text) > 12]
    assert not untranslated and not copies, (untranslated, copies)


# -- architecture: the engine's facts against the hand walk and the paper ---------------------------

@pytest.mark.parametrize("depth", DEPTHS)
def test_stage_facts_match_torchvision_and_the_paper(reference, depth):
    ref = reference(depth)
    arch = architecture(depth)
    assert [s.stage for s in arch.stages] == ["stem", *STAGES]
    bottleneck = depth in BOTTLENECK_DEPTHS
    for facts in arch.stages:
        assert (facts.input_shape, facts.output_shape) == ref[facts.stage][:2], facts.stage
    assert arch.stage("stem").stride == 4
    layer1 = arch.stage("layer1")
    assert layer1.stride == 1 and layer1.channel_factor == (4 if bottleneck else 1)
    for stage in STAGES[1:]:  # layer2..layer4: half the resolution, twice the channels, at every depth
        assert (arch.stage(stage).stride, arch.stage(stage).channel_factor) == (2, 2.0), stage
    expected = {"layer2.0", "layer3.0", "layer4.0"} | ({"layer1.0"} if bottleneck else set())
    with_downsample = {name for name, value in ref.items() if "." in name and value[2] is not None}
    assert with_downsample == expected
    assert {b.name for s in arch.stages for b in s.projection_blocks} == expected
    for s in arch.stages[1:]:
        for block in s.blocks:
            before, after, downsample, module = ref[block.name]
            assert (block.input_shape, block.output_shape) == (before, after)
            if downsample is None:
                assert block.projection is None and before == after
            else:
                conv = downsample[0]
                assert (block.projection.kernel, block.projection.stride) == (conv.kernel_size[0], conv.stride[0]) == (
                    1, before[1] // after[1])
                assert (block.projection.in_channels, block.projection.out_channels) == (before[0], after[0])
            # the 3×3 width: a quarter of the output in a Bottleneck, all of it in a BasicBlock (Table 1)
            assert block.width == module.conv2.out_channels == after[0] // (4 if bottleneck else 1)


def test_stage_and_block_lookups_name_the_allowed_values():
    arch = architecture(18)
    assert arch.block("layer2.0").projection is not None and arch.block("layer2.1").projection is None
    with pytest.raises(ValueError, match="layer1.0"):
        arch.block("layer1.2")  # ResNet-18 has two blocks per stage
    with pytest.raises(ValueError, match="stem"):
        arch.stage("layer5")


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("lang", LANGS)
def test_architecture_note_states_the_measured_shapes(reference, depth, lang):
    ref = reference(depth)
    note = architecture_note(architecture(depth), lang)
    lines = {line.split("**")[1]: line for line in note.splitlines() if line.startswith("- **")}
    assert list(lines) == [say("arch_row_stem", lang), *STAGES]
    lines["stem"] = lines.pop(say("arch_row_stem", lang))
    for stage, line in lines.items():
        before, after = ref[stage][:2]
        assert f"{_shape(before)} → {_shape(after)}" in line
    for i, stage in enumerate(STAGES):  # the paper's Table 1 names: layer1 is conv2_x, ..., layer4 conv5_x
        assert f"conv{i + 2}_x" in lines[stage]
    assert "conv1" in lines["stem"] and "conv2_x" in lines["stem"]  # the max-pool the paper counts in conv2_x
    layer1 = lines["layer1"]
    if depth in BOTTLENECK_DEPTHS:
        assert say("arch_res_kept", lang) in layer1 and say("arch_ch_mul", lang, factor=4) in layer1
        assert say("arch_first_projection", lang, kernel=1, stride=1) in layer1
    else:
        assert say("arch_shape_kept", lang) in layer1 and say("arch_no_projection", lang) in layer1
        assert say("arch_first_projection", lang, kernel=1, stride=1) not in note
    for stage in STAGES[1:]:
        assert say("arch_res_div", lang, stride=2) in lines[stage] and say("arch_ch_mul", lang, factor=2) in lines[stage]
        assert say("arch_first_projection", lang, kernel=1, stride=2) in lines[stage]
    assert note.count("GMACs") == 1  # the browser test waits for exactly one element with it


@pytest.mark.parametrize("depth", [18, 50])
def test_shortcut_note_of_every_block(reference, depth):
    ref = reference(depth)
    arch = architecture(depth)
    for name, value in ref.items():
        if "." not in name:
            continue
        before, after, downsample, _ = value
        for lang in LANGS:
            text = shortcut_note(arch.block(name), lang)
            if downsample is None:
                assert text == say("res_shortcut_identity", lang, block=name, shape=_shape(before))
            else:
                assert f"{_shape(before)} → {_shape(after)}" in text and f" {downsample[0].stride[0]} " in text
            assert "‖F(x)‖/‖" not in text  # the browser test finds the summary by that text


def test_architecture_handler_returns_the_note(tmp_path):
    """The handler's note states torchvision's published figures and the paper's shapes for the depth asked."""
    _, totals, _, _ = TeachHandlers(None, outbox=tmp_path).architecture(18)
    meta = torchvision.models.ResNet18_Weights.IMAGENET1K_V1.meta  # 11,689,512 parameters, 1.814 GFLOPs
    assert totals.startswith("**ResNet-18**") and f"{meta['num_params'] / 1e6:.1f} M parameters" in totals
    assert f"{meta['_ops']:.2f} GMACs" in totals
    assert "64×56×56 → 128×28×28" in totals and "256×14×14 → 512×7×7" in totals  # the paper's Table 1


# -- the static sentences: what they claim for all depths ------------------------------------------

def test_layer1_projection_claim_names_exactly_the_bottleneck_depths(reference):
    has_projection = tuple(d for d in DEPTHS if reference(d)["layer1.0"][2] is not None)
    assert has_projection == BOTTLENECK_DEPTHS
    named = "ResNet-" + "/".join(map(str, has_projection))
    for table in (EN, ZH):
        for key in ("res_read", "stage_note"):
            assert named in table[key], key
            assert set(re.findall(r"ResNet-[\d/]+", table[key])) == {named}, key
    c_in, c_out = reference(50)["layer1"][0][0], reference(50)["layer1"][1][0]
    for d in BOTTLENECK_DEPTHS:
        assert (reference(d)["layer1"][0][0], reference(d)["layer1"][1][0]) == (c_in, c_out)
    for table in (EN, ZH):
        assert f"{c_in} → {c_out}" in table["res_read"]
        assert str(c_in) in table["stage_note"] and str(c_out) in table["stage_note"]


def test_input_size_in_the_intro_is_the_crop_of_every_depth():
    sizes = {architecture(d).input_size for d in DEPTHS}
    assert len(sizes) == 1
    size = sizes.pop()
    for table in (EN, ZH):
        assert f"{size}×{size}" in table["arch_intro"]


def test_crop_note_every_edge_is_cut():
    """'A little is cut off every edge, even along the shorter side': resize > crop at every depth."""
    for depth in DEPTHS:
        t = default_weights(depth).transforms()
        assert t.resize_size[0] > t.crop_size[0], depth


def test_diagram_caption_numbers_match_the_models(reference):
    r34, r50 = architecture(34), architecture(50)
    blocks = [[row.blocks for row in arch.rows if row.stage in STAGES] for arch in (r34, r50)]
    assert blocks[0] == blocks[1] == [3, 4, 6, 3]
    en, zh = EN["arch_diagram"], ZH["arch_diagram"]
    assert "3, 4, 6, 3" in en and "3、4、6、3" in zh
    assert "50 layers instead of 34" in en and "从 34 增加到 50" in zh
    assert f"{r50.gmacs:.1f} instead of {r34.gmacs:.1f} billion" in en
    assert f"{round(r34.gmacs * 10)} 亿次增加到 {round(r50.gmacs * 10)} 亿次" in zh
    assert f"{r50.total_params / 1e6:.1f} instead of {r34.total_params / 1e6:.1f} million" in en
    assert f"{round(r34.total_params / 1e5) * 10} 万增加到 {round(r50.total_params / 1e5) * 10} 万" in zh
    assert 1.0 < r50.gmacs / r34.gmacs < 1.2  # "only a little more work"
    # "a quarter of the block's output channels (64 of 256 here)": a layer1 block that keeps its shape
    _, after, downsample, module = reference(50)["layer1.1"]
    assert downsample is None and after[0] == 256 and module.conv2.out_channels == 64
    assert "64 of 256" in en and "256 个中的 64 个" in zh


def test_degradation_lab_is_named_and_the_tab_says_it_trains_nothing():
    assert "Degradation lab" in EN["grad_intro"] and "trains nothing" in EN["grad_intro"]
    assert "退化实验" in ZH["grad_intro"] and "不训练" in ZH["grad_intro"]


# -- gradient flow: the note's numbers against gradients taken independently ------------------------

class _ZeroShortcut(nn.Module):
    def __init__(self, downsample: nn.Module | None):
        super().__init__()
        self.downsample = downsample

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.zeros_like(self.downsample(x) if self.downsample is not None else x)


def _backward_norms(module: nn.Module, x: torch.Tensor, target: int, *, plain: bool) -> list[float]:
    """‖∂loss/∂(block output)‖ by loss.backward() through torchvision's forward (a copy; plain: shortcuts zeroed)."""
    module = copy.deepcopy(module)
    outputs = []

    def keep(mod: nn.Module, args: object, out: torch.Tensor) -> None:
        out.retain_grad()
        outputs.append(out)

    for stage in STAGES:
        for block in getattr(module, stage):
            if plain:
                block.downsample = _ZeroShortcut(block.downsample)
            block.register_forward_hook(keep)
    with torch.enable_grad():
        logits = module(x.clone().requires_grad_(True))
        F.cross_entropy(logits, torch.tensor([target])).backward()
    return [o.grad.norm().item() for o in outputs]


@pytest.fixture(scope="module")
def measured(random_model, photo):
    """Per depth: (gradient_flow's result, independent residual norms, independent plain norms)."""
    cache: dict[int, tuple] = {}

    def get(depth: int):
        if depth not in cache:
            m = random_model(depth)
            x = m.transform(photo).unsqueeze(0)
            with torch.no_grad():
                target = int(m.module(x).argmin())  # offline, gradient_flow's label: the class ranked last
            flows = gradient_flow(None, m, photo)
            assert {f.target for f in flows.values()} == {target}
            cache[depth] = (flows, _backward_norms(m.module, x, target, plain=False),
                            _backward_norms(m.module, x, target, plain=True))
        return cache[depth]

    return get


@pytest.mark.parametrize("depth", [18, 50])
def test_flow_summary_matches_independent_gradients(measured, depth):
    flows, residual, plain = measured(depth)
    s = summarize_flows(flows)["random"]
    assert s.blocks == len(residual) == len(plain)
    assert s.residual_growth == pytest.approx(residual[0] / residual[-1], rel=1e-3)
    assert s.plain_growth == pytest.approx(plain[0] / plain[-1], rel=1e-3)
    assert s.first_block_ratio == pytest.approx(plain[0] / residual[0], rel=1e-3)
    assert not s.residual_saturated and not s.plain_saturated
    # what the module docstring reports for random init: the ResNet's gradient grows towards the input,
    # the plain network's shrinks by 2-5x
    assert residual[0] > 2 * residual[-1] and 0.2 < plain[0] / plain[-1] < 0.5


@pytest.mark.parametrize("depth", [18, 50])
@pytest.mark.parametrize("lang", LANGS)
def test_gradient_note_states_the_plotted_numbers(measured, depth, lang):
    flows, residual, plain = measured(depth)
    note = gradient_note(flows, lang)
    grow, shrink, ratio = residual[0] / residual[-1], plain[-1] / plain[0], residual[0] / plain[0]
    ends = {"first": flows["random/residual"].blocks[0], "last": flows["random/residual"].blocks[-1]}
    assert ends["first"] == "layer1.0" and ends["last"] == f"layer4.{len(getattr(_meta_resnet(depth), 'layer4')) - 1}"
    assert say("grad_residual_line", lang, trend=say("grad_trend_up", lang, factor=format_factor(grow)), **ends) in note
    assert say("grad_plain_line", lang, trend=say("grad_trend_down", lang, factor=format_factor(shrink))) in note
    assert say("grad_first_less", lang, factor=format_factor(ratio), **ends) in note
    assert say("grad_random_why", lang) in note and say("grad_untrained", lang) in note
    assert say("grad_trained_cut", lang) not in note
    # "mostly from the ResNet's growth": only when its growth is over half the gap, in orders of magnitude
    assert (say("grad_random_gap", lang) in note) == (math.log(grow) > 0.5 * math.log(ratio))
    if lang == "en":
        assert note.lower().count("dashed lines") == 1  # the browser test waits for exactly one


def _flow(norms: list[float], loss: float = 1.0) -> GradientFlow:
    names = [f"layer1.{i}" for i in range(len(norms))]
    return GradientFlow(norms=norms, blocks=names, stages=["layer1"] * len(norms), target=0, loss=loss)


def test_summary_and_note_follow_the_numbers_not_a_script():
    """Trained weights whose curves shrink, cross, or saturate: the note says what they do."""
    flows = {
        "trained/residual": _flow([1.0, 2.0, 4.0]),  # shrinks 4x towards the input
        "trained/plain": _flow([1.5, 1.0, 1.2]),  # flat; at block 1 above the residual one
        "random/residual": _flow([0.0, 0.0, 0.0], loss=0.0),  # saturated
        "random/plain": _flow([8.0, 4.0, 1.0]),
    }
    summaries = summarize_flows(flows)
    assert list(summaries) == ["trained", "random"]
    trained, random = summaries["trained"], summaries["random"]
    assert trained.residual_growth == pytest.approx(0.25) and trained.plain_growth == pytest.approx(1.25)
    assert trained.first_block_ratio == pytest.approx(1.5) and not trained.residual_saturated
    assert random.residual_saturated and not random.plain_saturated and math.isnan(random.residual_growth)
    assert math.isnan(random.first_block_ratio)
    assert _flow([1e-28, 1e-29], loss=0.0) and summarize_flows(
        {"random/residual": _flow([1e-28, 1e-29], loss=0.0), "random/plain": _flow([1.0, 1.0])}
    )["random"].residual_saturated  # a zero loss is saturated even when rounding leaves tiny gradients
    for lang in LANGS:
        note = gradient_note(flows, lang)
        ends = {"first": "layer1.0", "last": "layer1.2"}  # the blocks _flow names
        assert say("grad_residual_line", lang, trend=say("grad_trend_down", lang, factor="4.0"), **ends) in note
        assert say("grad_plain_line", lang, trend=say("grad_trend_flat", lang)) in note
        assert say("grad_first_same", lang, **ends) in note
        assert say("grad_trained_cut", lang) in note and say("grad_untrained", lang) not in note
        assert say("grad_saturated", lang, variant=say("grad_with_skips", lang)) in note
        assert say("grad_plain_line", lang, trend=say("grad_trend_up", lang, factor="8.0")) in note
        assert say("grad_random_why", lang) not in note  # the residual curve shows nothing to explain
    with pytest.raises(ValueError, match="both"):
        summarize_flows({"random/residual": _flow([1.0])})
    with pytest.raises(ValueError, match="keys"):
        summarize_flows({"imagenet/residual": _flow([1.0]), "imagenet/plain": _flow([1.0])})


def test_format_factor():
    assert [format_factor(x) for x in (1.0, 3.64, 91.06, 454.2, 1.356e8, 9.96e5, 6.6e8)] == [
        "1.0", "3.6", "91", "454", "1.4×10⁸", "1.0×10⁶", "6.6×10⁸"]
    for bad in (0.0, -1.0, math.inf, math.nan):
        with pytest.raises(ValueError, match="factor"):
            format_factor(bad)
