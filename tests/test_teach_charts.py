"""teach.charts: the browser-drawn charts carry the numbers, the styles and every word they are given."""

from __future__ import annotations

import dataclasses
import json

import pytest

from resnet_demo import explain
from resnet_demo.teach import charts
from resnet_demo.teach.gradflow import gradient_flow
from resnet_demo.ui.chart_strings import CHARTS, chart_text


def _spec(chart) -> dict:
    return json.loads(chart.to_json())  # what gr.Plot sends to the browser (Altair validates the schema)


def _layers(spec: dict) -> list[dict]:
    return spec.get("layer", [spec])


def _values(spec: dict) -> list[dict]:
    return [row for layer in _layers(spec) for row in layer.get("data", {}).get("values", [])]


def test_every_chart_has_the_same_words_in_both_languages():
    assert CHARTS["en"].keys() == CHARTS["zh-CN"].keys()
    for chart, words in CHARTS["en"].items():
        assert words.keys() == CHARTS["zh-CN"][chart].keys(), chart
        for key, text in CHARTS["zh-CN"][chart].items():
            if key not in ("f_norm",):  # a formula is the same in every language
                assert any("\u4e00" <= ch <= "\u9fff" for ch in text), (chart, key, text)


def test_ratio_chart_carries_every_block_and_marks_projections(random_model, photo):
    r = explain(random_model(50), photo)
    spec = _spec(charts.ratio_chart(r.blocks, highlight=("layer3", 2), text=chart_text("ratio", "zh-CN", depth=50)))
    rows = [row for row in _values(spec) if "ratio" in row]
    assert [row["block"] for row in rows] == [b.name for b in r.blocks] and len(rows) == 16
    assert [row["ratio"] for row in rows] == pytest.approx([b.ratio for b in r.blocks])
    assert [row["projection"] for row in rows if row["projection"] == "是"] == ["是"] * 4  # layer1.0 … layer4.0
    assert sum(row["chosen"] for row in rows) == 1 and spec["title"].startswith("ResNet-50：")
    assert spec["usermeta"]["embedOptions"]["renderer"] == "svg"
    bars = _layers(spec)[0]
    assert {t["title"] for t in bars["encoding"]["tooltip"]} >= {"‖F(x)‖ / ‖快捷连接‖", "‖快捷连接‖"}
    # one block numbering on the page: the x axis is labelled with torchvision's names, as the slider counts
    assert _tick_names(bars["encoding"]["x"]) == [b.name for b in r.blocks]


def _tick_names(x: dict) -> list[str]:
    """The names an x axis shows for ticks 1..N (its labelExpr looks them up in a list)."""
    expr = x["axis"]["labelExpr"]
    names, _, rest = expr.partition("][")
    assert rest == "datum.value - 1]", expr
    return json.loads(names + "]")


def test_gradient_flow_chart_is_log_scaled_dashed_for_plain_and_drops_zeros(random_model, photo):
    flows = gradient_flow(None, random_model(18), photo)
    text = chart_text("gradients", "en", depth=18)
    spec = _spec(charts.gradient_flow_chart(flows, text=text))
    lines = next(layer for layer in _layers(spec) if layer.get("mark", {}).get("type") == "line")
    assert lines["encoding"]["y"]["scale"]["type"] == "log"
    dash = lines["encoding"]["strokeDash"]["scale"]
    assert dict(zip(dash["domain"], dash["range"])) == {text["residual"]: [1, 0], text["plain"]: [6, 4]}
    rows = [row for row in _values(spec) if "norm" in row]
    assert _tick_names(lines["encoding"]["x"]) == flows["random/residual"].blocks
    assert len(rows) == 2 * 8 and {row["norm"] for row in rows} == {
        v for key in ("random/residual", "random/plain") for v in flows[key].norms}
    zero = dataclasses.replace(flows["random/residual"], norms=[0.0] * 8, loss=0.0)
    rows = [row for row in _values(_spec(charts.gradient_flow_chart({**flows, "random/residual": zero}, text=text)))
            if "norm" in row]
    assert len(rows) == 8  # a zero cannot sit on a log axis: left out, the plain curve stays
    with pytest.raises(ValueError, match="keys"):
        charts.gradient_flow_chart({"pretrained/residual": flows["random/residual"]}, text=text)
    with pytest.raises(ValueError, match="text must give"):
        charts.gradient_flow_chart(flows, text={})


def test_series_and_latency_charts():
    text = chart_text("lab_error", "zh-CN", data="生成的图像")
    rows = [{"x": i, "y": 1 - i / 10, "series": name, "kind": kind, "group": "20 层"} for i in range(3)
            for name, kind in (("plain-20", "plain"), ("resnet-20", "residual"))]
    spec = _spec(charts.series_chart(rows, text=text))
    assert spec["title"] == "训练误差（生成的图像）" and len(_values(spec)) == 6
    assert {row["kind"] for row in _values(spec)} == {text["plain"], text["residual"]}
    latency = _spec(charts.latency_chart([{"depth": "ResNet-18", "ms": 31.5, "gmacs": 1.82, "params": 11.7}],
                                         text=chart_text("latency", "en", device="cpu")))
    assert latency["title"] == "One request on this machine (cpu)" and _values(latency)[0]["ms"] == 31.5
