"""The teaching charts as Vega-Lite (Altair) specifications, drawn by the student's browser.

A chart drawn in the browser speaks the page's language with the browser's own fonts (简体中文
included, with nothing installed on the server), resizes with the page, and shows each point's
exact values on hover. Every function here takes plain data and a `text` mapping (titles, axis
titles, legend titles and series names, already in the visitor's language: the UI supplies
them) and returns an `altair` chart; nothing here knows any language or any UI framework.

Charts render as SVG (`usermeta.embedOptions`), so their text is in the page itself: readable by
screen readers and by the browser tests that check the language.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt

from ..explanation import BlockStat
from .gradflow import GradientFlow
from .plotting import STAGE_COLOURS

WEIGHTS_COLOURS: dict[str, str] = {"trained": "#D55E00", "random": "#0072B2"}
"""Line colour per weights of the gradient-flow chart (Okabe-Ito: safe for colour-blind students)."""
DASHES: dict[str, list[int]] = {"residual": [1, 0], "plain": [6, 4]}
"""Residual networks solid, plain ones dashed, as in He et al.'s figures."""
SVG = {"embedOptions": {"renderer": "svg", "actions": False}}
HEIGHT = 300
DASH_LEGEND = alt.Legend(symbolType="stroke", symbolSize=500, symbolStrokeWidth=2)
"""A legend of line styles draws each style as a line, not a dot."""


def _text(text: Mapping[str, str], key: str) -> str:
    try:
        return text[key]
    except KeyError:
        raise ValueError(f"text must give {key!r}; got keys {sorted(text)}") from None


def _finish(chart: alt.TopLevelMixin, text: Mapping[str, str]) -> alt.TopLevelMixin:
    return chart.properties(title=_text(text, "title"), width="container", height=HEIGHT, usermeta=SVG).configure_axis(
        labelFontSize=12, titleFontSize=13).configure_legend(labelFontSize=12, titleFontSize=12, labelLimit=320)


def _name_axis(names: Sequence[str], **options: Any) -> alt.Axis:
    """An x axis over block numbers 1..N whose tick labels are the blocks' names (layer3.0, ...).

    One numbering on the page: a block is called by torchvision's name, its stage and its index in
    the stage from 0, on the chart as in the residual tab's slider.
    """
    return alt.Axis(labelExpr=f"{json.dumps(list(names))}[datum.value - 1]", labelAngle=-90, labelOverlap=True, **options)


def _stage_bands(stages: Sequence[str]) -> alt.Chart:
    """Shaded spans, one per stage, behind a per-block chart (x = block number from 1)."""
    bands, start = [], 0
    for i in range(1, len(stages) + 1):
        if i == len(stages) or stages[i] != stages[start]:
            bands.append({"stage": stages[start], "x0": start + 0.5, "x1": i + 0.5, "mid": (start + 1 + i) / 2})
            start = i
    data = alt.Data(values=bands)
    colour = alt.Color("stage:N", scale=alt.Scale(domain=list(STAGE_COLOURS), range=list(STAGE_COLOURS.values())),
                       legend=None)
    rects = alt.Chart(data).mark_rect(opacity=0.09).encode(x="x0:Q", x2="x1:Q", color=colour)
    labels = alt.Chart(data).mark_text(baseline="top", dy=2, fontSize=11).encode(
        x="mid:Q", y=alt.value(0), text="stage:N", color=colour)
    return rects + labels


def ratio_chart(blocks: Sequence[BlockStat], *, text: Mapping[str, str],
                highlight: tuple[str, int] | None = None) -> alt.LayerChart:
    """‖F(x)‖ / ‖shortcut‖ for every block: bars coloured by stage; blocks whose shortcut is a 1×1
    projection are paler with a dashed outline; the chosen block has a solid black outline.

    text keys: title, x, y, block, stage, ratio, f_norm, shortcut_norm, projection, yes, no.
    """
    if not blocks:
        raise ValueError("blocks must hold at least one BlockStat")
    rows = [{"n": i + 1, "block": b.name, "stage": b.stage, "ratio": b.ratio, "f": b.f_norm, "x": b.identity_norm,
             "projection": _text(text, "yes") if b.downsample else _text(text, "no"),
             "chosen": highlight == (b.stage, b.index)} for i, b in enumerate(blocks)]
    data = alt.Data(values=rows)
    yes = _text(text, "yes")
    bars = alt.Chart(data).mark_bar().encode(
        x=alt.X("n:O", title=_text(text, "x"), axis=_name_axis([b.name for b in blocks])),
        y=alt.Y("ratio:Q", title=_text(text, "y")),
        color=alt.Color("stage:N", title=_text(text, "stage"),
                        scale=alt.Scale(domain=list(STAGE_COLOURS), range=list(STAGE_COLOURS.values()))),
        opacity=alt.condition(f"datum.projection == '{yes}'", alt.value(0.55), alt.value(1.0)),
        stroke=alt.value("black"),
        strokeWidth=alt.condition(f"datum.chosen || datum.projection == '{yes}'", alt.value(1.5), alt.value(0)),
        strokeDash=alt.condition("datum.chosen", alt.value([1, 0]), alt.value([3, 2])),
        tooltip=[alt.Tooltip("block:N", title=_text(text, "block")),
                 alt.Tooltip("ratio:Q", title=_text(text, "ratio"), format=".3f"),
                 alt.Tooltip("f:Q", title=_text(text, "f_norm"), format=".2f"),
                 alt.Tooltip("x:Q", title=_text(text, "shortcut_norm"), format=".2f"),
                 alt.Tooltip("projection:N", title=_text(text, "projection"))],
    )
    one = alt.Chart(alt.Data(values=[{"y": 1.0}])).mark_rule(strokeDash=[2, 2], color="#333").encode(y="y:Q")
    return _finish(alt.layer(bars, one), text)


def gradient_flow_chart(flows: Mapping[str, GradientFlow], *, text: Mapping[str, str]) -> alt.LayerChart:
    """‖∂loss/∂(block output)‖ per block on a log scale: residual solid, plain dashed, one colour per weights.

    flows: `gradflow.gradient_flow`'s result ("trained/residual", "random/plain", ...). A zero
    gradient (a saturated loss) cannot sit on a log axis and is left out. text keys: title, x,
    y, weights, variant, trained, random, residual, plain, block, norm.
    """
    if not flows:
        raise ValueError("flows must hold at least one GradientFlow")
    first = next(iter(flows.values()))
    rows = []
    for key, flow in flows.items():
        weights, _, variant = key.partition("/")
        if weights not in WEIGHTS_COLOURS or variant not in DASHES or flow.blocks != first.blocks:
            raise ValueError(f"flows keys must be '<trained|random>/<residual|plain>' of one network; got {key!r}")
        for i, (block, norm) in enumerate(zip(flow.blocks, flow.norms)):
            if norm > 0 and math.isfinite(norm):
                rows.append({"n": i + 1, "block": block, "norm": norm, "weights": _text(text, weights),
                             "variant": _text(text, variant)})
    weights = [w for w in WEIGHTS_COLOURS if any(k.startswith(w) for k in flows)]
    lines = alt.Chart(alt.Data(values=rows)).mark_line(point=alt.OverlayMarkDef(size=18)).encode(
        x=alt.X("n:Q", title=_text(text, "x"), scale=alt.Scale(domain=[0.5, len(first.blocks) + 0.5], nice=False),
                axis=_name_axis(first.blocks, values=list(range(1, len(first.blocks) + 1)))),
        y=alt.Y("norm:Q", title=_text(text, "y"), scale=alt.Scale(type="log"), axis=alt.Axis(format="~e")),
        color=alt.Color("weights:N", title=_text(text, "weights"),
                        scale=alt.Scale(domain=[_text(text, w) for w in weights],
                                        range=[WEIGHTS_COLOURS[w] for w in weights])),
        strokeDash=alt.StrokeDash("variant:N", title=_text(text, "variant"), legend=DASH_LEGEND,
                                  scale=alt.Scale(domain=[_text(text, v) for v in DASHES], range=list(DASHES.values()))),
        detail=["weights:N", "variant:N"],
        tooltip=[alt.Tooltip("block:N", title=_text(text, "block")),
                 alt.Tooltip("norm:Q", title=_text(text, "norm"), format=".3e"),
                 alt.Tooltip("weights:N", title=_text(text, "weights")),
                 alt.Tooltip("variant:N", title=_text(text, "variant"))],
    )
    return _finish(alt.layer(_stage_bands(first.stages), lines), text)


def series_chart(rows: Sequence[Mapping[str, Any]], *, text: Mapping[str, str], log_y: bool = False,
                 y_format: str = ".3f") -> alt.Chart:
    """Lines of y over x, one per series, solid or dashed by kind: the degradation lab's curves.

    rows: {"x": number, "y": number, "series": a network's name, "kind": "residual" or "plain",
    "group": what the colour shows (e.g. the depth: plain-20 and ResNet-20 share a colour and
    differ by their dashes, as in He et al.'s figures)}. text keys: title, x, y, series, group,
    kind, residual, plain.
    """
    kinds = {_text(text, k): dash for k, dash in DASHES.items()}
    data = [{**row, "kind": _text(text, row["kind"])} for row in rows]
    y_scale = alt.Scale(type="log") if log_y else alt.Scale(zero=False)
    return _finish(alt.Chart(alt.Data(values=data)).mark_line().encode(
        x=alt.X("x:Q", title=_text(text, "x")),
        y=alt.Y("y:Q", title=_text(text, "y"), scale=y_scale),
        color=alt.Color("group:N", title=_text(text, "group"), sort=None),
        strokeDash=alt.StrokeDash("kind:N", title=_text(text, "kind"), legend=DASH_LEGEND,
                                  scale=alt.Scale(domain=list(kinds), range=list(kinds.values()))),
        detail="series:N",
        tooltip=[alt.Tooltip("series:N", title=_text(text, "series")), alt.Tooltip("x:Q", title=_text(text, "x")),
                 alt.Tooltip("y:Q", title=_text(text, "y"), format=y_format)],
    ), text)


def latency_chart(rows: Sequence[Mapping[str, Any]], *, text: Mapping[str, str]) -> alt.Chart:
    """One bar per depth: what one request took on this machine, with GMACs and parameters on hover.

    rows: {"depth": "ResNet-50", "ms": number, "gmacs": number, "params": millions}. text keys:
    title, x, y, gmacs, params.
    """
    return _finish(alt.Chart(alt.Data(values=list(rows))).mark_bar(color="#4C72B0").encode(
        x=alt.X("depth:N", title=_text(text, "x"), sort=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("ms:Q", title=_text(text, "y")),
        tooltip=[alt.Tooltip("depth:N", title=_text(text, "x")), alt.Tooltip("ms:Q", title=_text(text, "y"), format=".1f"),
                 alt.Tooltip("gmacs:Q", title=_text(text, "gmacs"), format=".2f"),
                 alt.Tooltip("params:Q", title=_text(text, "params"), format=".1f")],
    ), text)
