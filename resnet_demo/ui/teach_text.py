"""The teaching views' sentences that depend on the depth or the weights, built from measured facts.

Written here, in the student's language, from numbers the engine measured on the model
(`teach.architecture` facts, `teach.gradflow.summarize_flows`): nothing is stated about a depth
that was not read off that depth's model, and nothing about a chart that its curves do not show.
"""

from __future__ import annotations

import math

from ..teach.architecture import PAPER_STAGE, PAPER_TABLE1_FLOPS, Architecture, BlockFacts, StageFacts
from ..teach.gradflow import GradientFlow, summarize_flows
from .strings import say

FLAT = 2.0
"""A change by less than this factor is stated as "about the same" (the notes round anyway)."""
SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def format_factor(x: float) -> str:
    """A factor of at least 1 as a student reads it: 3.6, 97, 1.4×10⁸."""
    if not math.isfinite(x) or x <= 0:
        raise ValueError(f"x must be a positive finite factor; got {x!r}")
    if x < 10:
        return f"{x:.1f}"
    if x < 1000:
        return f"{x:.0f}"
    exponent = math.floor(math.log10(x))
    mantissa = x / 10**exponent
    if round(mantissa, 1) >= 10:  # 9.96e5 is 1.0×10⁶, not 10.0×10⁵
        mantissa, exponent = mantissa / 10, exponent + 1
    return f"{mantissa:.1f}×10{str(exponent).translate(SUPERSCRIPT)}"


def _shape(shape: tuple[int, ...]) -> str:
    return "×".join(map(str, shape))  # (C, H, W) -> "256×56×56"


def _space(lang: str) -> str:
    """What goes between two sentences: Chinese full stops need no space."""
    return "" if lang.startswith("zh") else " "


def shortcut_note(block: BlockFacts, lang: str = "en") -> str:
    """One sentence on a block's shortcut: x itself, or which convolution and why (from its measured shapes)."""
    if block.projection is None:
        return say("res_shortcut_identity", lang, block=block.name, shape=_shape(block.input_shape))
    return say("res_shortcut_projection", lang, block=block.name, kernel=block.projection.kernel,
               stride=block.projection.stride, input=_shape(block.input_shape), output=_shape(block.output_shape))


def _change(facts: StageFacts, lang: str) -> str:
    if facts.stride == 1 and facts.channel_factor == 1:
        return say("arch_shape_kept", lang)
    factor = facts.channel_factor
    parts = [
        say("arch_res_kept", lang) if facts.stride == 1 else say("arch_res_div", lang, stride=facts.stride),
        say("arch_ch_kept", lang) if factor == 1
        else say("arch_ch_mul", lang, factor=int(factor) if factor.is_integer() else f"{factor:.2g}"),
    ]
    return say("arch_sep", lang).join(parts)


def _shortcuts(facts: StageFacts, lang: str) -> str:
    projections = facts.projection_blocks
    if not projections:
        return say("arch_no_projection", lang)
    if projections != facts.blocks[:1]:  # not the usual "first block only": name them all
        return say("arch_projections", lang, blocks=say("arch_sep", lang).join(b.name for b in projections))
    first, rest = projections[0].projection, len(facts.blocks) - 1
    text = say("arch_first_projection", lang, kernel=first.kernel, stride=first.stride)
    if rest:
        text += _space(lang) + (say("arch_rest_one", lang) if rest == 1 else say("arch_rest_many", lang, count=rest))
    return text


def block_type_name(block_type: str, lang: str = "en") -> str:
    """A block class ("BasicBlock", "Bottleneck", or both joined by ", ") as the page names it."""
    return say("arch_sep", lang).join(say(f"arch_block_{name.strip()}", lang) for name in block_type.split(","))


def _block_types(arch: Architecture, lang: str) -> str:
    return block_type_name(", ".join(sorted({row.block_type for row in arch.rows if row.block_type})), lang)


def _widths(arch: Architecture, lang: str) -> str:
    """Where each block does its 3×3 work: at its full output width, or on a fraction of it."""
    stages = [facts for facts in arch.stages if facts.blocks]
    ratios = {b.output_shape[0] / b.width for facts in stages for b in facts.blocks}
    block_type = _block_types(arch, lang)
    if ratios == {1.0}:
        widths = " / ".join(str(facts.blocks[-1].width) for facts in stages)
        return say("arch_width_full", lang, block_type=block_type, widths=widths)
    if len(ratios) == 1 and (factor := ratios.pop()).is_integer():
        widths = say("arch_sep", lang).join(
            say("arch_width_of", lang, width=facts.blocks[-1].width, channels=facts.output_shape[0], stage=facts.stage)
            for facts in stages)
        return say("arch_width_reduced", lang, block_type=block_type, factor=int(factor), widths=widths)
    return ""


def paper_version_note(arch: Architecture, lang: str = "en") -> str:
    """Whether this is the paper's model, read off where its downsampling blocks put their stride 2.

    The paper strides the first convolution of a block that halves the resolution (Table 1);
    torchvision's Bottleneck strides its 3×3 convolution instead ("v1.5"), which costs more
    multiply-adds than the paper's Table 1 lists. Empty when no block strides or the paper
    gives no figure for the depth.
    """
    strided = [b for facts in arch.stages for b in facts.blocks if b.stride_conv is not None]
    if not strided or arch.depth not in PAPER_TABLE1_FLOPS:
        return ""
    key = "arch_v1" if all(b.stride_conv == 0 for b in strided) else "arch_v15"
    return say(key, lang, depth=arch.depth, block_type=_block_types(arch, lang), gmacs=arch.gmacs,
               paper=PAPER_TABLE1_FLOPS[arch.depth])


def architecture_note(arch: Architecture, lang: str = "en") -> str:
    """Totals and the paper's figure; per stage its shapes, what it does to them and its shortcuts; the 3×3 width."""
    rows = {row.stage: row for row in arch.rows}
    head = [say("arch_totals", lang, depth=arch.depth, params=arch.total_params / 1e6, gmacs=arch.gmacs,
                size=arch.input_size)]
    if version := paper_version_note(arch, lang):
        head.append(version)
    lines = [say("arch_shapes", lang, depth=arch.depth, size=arch.input_size)]
    for facts in arch.stages:
        shapes = {"input": _shape(facts.input_shape), "output": _shape(facts.output_shape)}
        if not facts.blocks:
            lines.append("- " + say("arch_stem", lang, stride=facts.stride, **shapes))
            continue
        lines.append("- " + say("arch_stage", lang, stage=facts.stage, paper=PAPER_STAGE[facts.stage],
                                blocks=len(facts.blocks), block_type=block_type_name(rows[facts.stage].block_type, lang),
                                change=_change(facts, lang), shortcuts=_shortcuts(facts, lang), **shapes))
    widths = _widths(arch, lang)
    return "\n\n".join(head) + "\n\n" + "\n".join(lines) + (f"\n\n{widths}" if widths else "")


def architecture_table(arch: Architecture, lang: str = "en") -> list[list[str]]:
    """The stage table in the page's language, each row also named as in the paper (conv1, conv2_x, ...)."""
    paper = {**PAPER_STAGE, "stem": say("arch_paper_stem", lang), "head": say("arch_paper_head", lang)}
    table = []
    for stage, block_type, *rest in arch.as_table():
        name = say(f"arch_row_{stage}", lang) if stage in ("stem", "head") else stage
        kind = block_type if block_type == "—" else block_type_name(block_type, lang)
        table.append([name, paper[stage], kind, *rest])
    return table


def trend_phrase(growth: float, lang: str) -> str:
    """How a curve changes from its last point back to its first, `growth` = first / last, in words."""
    if growth >= FLAT:
        return say("grad_trend_up", lang, factor=format_factor(growth))
    if growth <= 1 / FLAT:
        return say("grad_trend_down", lang, factor=format_factor(1 / growth))
    return say("grad_trend_flat", lang)


def gradient_note(flows: dict[str, GradientFlow], lang: str = "en") -> str:
    """How to read the gradient-flow chart, with the numbers read off the very curves it plots."""
    space = _space(lang)
    paragraphs = [say("grad_read", lang)]
    names = next(iter(flows.values())).blocks if flows else []
    ends = {"first": names[0], "last": names[-1]} if names else {"first": "", "last": ""}
    for weights, s in summarize_flows(flows).items():
        sentences = [say(f"grad_weights_{weights}", lang)]
        for saturated, key in ((s.residual_saturated, "grad_with_skips"), (s.plain_saturated, "grad_without_skips")):
            if saturated:
                sentences.append(say("grad_saturated", lang, variant=say(key, lang)))
        if not s.residual_saturated and math.isfinite(s.residual_growth):
            sentences.append(say("grad_residual_line", lang, trend=trend_phrase(s.residual_growth, lang), **ends))
        if not s.plain_saturated and math.isfinite(s.plain_growth):
            sentences.append(say("grad_plain_line", lang, trend=trend_phrase(s.plain_growth, lang)))
        ratio = s.first_block_ratio
        if not (s.residual_saturated or s.plain_saturated) and math.isfinite(ratio):
            if ratio <= 1 / FLAT:
                sentences.append(say("grad_first_less", lang, factor=format_factor(1 / ratio), **ends))
            elif ratio >= FLAT:
                sentences.append(say("grad_first_more", lang, factor=format_factor(ratio), **ends))
            else:
                sentences.append(say("grad_first_same", lang, **ends))
        if weights == "random" and not s.residual_saturated and s.residual_growth >= FLAT:  # NaN compares False
            sentences.append(say("grad_random_why", lang))
            # "mostly": the ResNet's own growth is over half the gap at block 1, in orders of magnitude,
            # and the plain network's gradient shrinks by less than 10x (so it does not vanish)
            if not s.plain_saturated and ratio < 1 and s.residual_growth ** 2 > 1 / ratio and s.plain_growth > 0.1:
                sentences.append(say("grad_random_gap", lang))
        if weights == "trained":
            sentences.append(say("grad_trained_cut", lang))
        paragraphs.append(sentences[0] + space + space.join(sentences[1:]))
    if "trained" not in {key.partition("/")[0] for key in flows}:
        paragraphs.append(say("grad_untrained", lang))
    return "\n\n".join(paragraphs)
