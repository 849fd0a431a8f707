"""Chinese class names wherever a class is named: predictions, class search, compare tab, result.json, CLI.

The reference for "Chinese" is the test's own: a name with CJK characters on a zh page, torchvision's
English label on an en page, and a few names written here by hand.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from torchvision.models import ResNet50_Weights

from resnet_demo.cli import main
from resnet_demo.service import AppConfig, Service
from resnet_demo.ui import params
from resnet_demo.ui.class_labels import choice_key, target_choices, with_class_choices
from resnet_demo.ui.handlers import Handlers
from resnet_demo.ui.teach_handlers import TeachHandlers

TORCHVISION = ResNet50_Weights.IMAGENET1K_V2.meta["categories"]
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
KEY = re.compile(r"(.+) \((\d{1,3})\)")  # a prediction's key: "name (index)"


def request(lang: str):
    return SimpleNamespace(headers={"accept-language": lang})


def no_progress(fraction=None, desc=None):
    pass


@pytest.fixture(scope="module")
def service():
    made = Service(AppConfig(weights="random", device="cpu", probe_network=False))
    yield made
    made.close()


def test_class_parameter_accepts_chinese_pinyin_and_both_label_forms():
    assert params.target_class("虎斑猫", TORCHVISION) == 281
    assert params.target_class("hubanmao", TORCHVISION) == 281
    assert params.target_class("hǔ bān māo", TORCHVISION) == 281
    assert params.target_class("281 · 虎斑猫 · tabby · hubanmao", TORCHVISION) == 281  # a zh choice's label
    assert params.target_class("虎斑猫 (281)", TORCHVISION) == 281  # a zh prediction's key
    assert params.target_class("鹤", TORCHVISION) == 134 and params.target_class("起重机", TORCHVISION) == 517
    with pytest.raises(params.ParameterError, match="No ImageNet class matches '猫'"):
        params.target_class("猫", TORCHVISION)  # many cats: the student picks one from the list


@pytest.mark.parametrize("lang", ["zh-CN,zh;q=0.9", "en-US,en;q=0.9"])
def test_predictions_and_result_json_name_classes(service, tmp_path, photo_path, lang):
    h = Handlers(service, outbox=tmp_path)
    out = h.explain(str(photo_path), 18, "gradcam", "layer4", "281", 5, 0.5, False, request(lang), no_progress)
    keys = [KEY.fullmatch(k) for k in out[0]]
    assert len(keys) == 5 and all(keys)
    for match in keys:
        name, index = match.group(1), int(match.group(2))
        if lang.startswith("zh"):
            assert CJK.search(name) and name != TORCHVISION[index], name
        else:
            assert name == TORCHVISION[index]
    result = json.loads(next(Path(f) for f in out[10] if f.endswith("result.json")).read_text(encoding="utf-8"))
    assert result["target"] == {"index": 281, "label": "tabby", "label_zh": "虎斑猫"}  # both, on either page
    for p in result["predictions"]:
        assert p["label"] == TORCHVISION[p["index"]] and CJK.search(p["label_zh"])


def test_compare_table_names_the_top1_in_the_page_language(service, tmp_path, photo_path):
    teach = TeachHandlers(service, outbox=tmp_path)
    for lang, chinese in (("zh-CN", True), ("en", False)):
        table = teach.compare(str(photo_path), [18], "gradcam", "layer4", request(lang), no_progress)[0]["value"]
        row = table[0] if isinstance(table, list) else table["data"][0]
        cell = next(str(c) for c in row if KEY.fullmatch(str(c)))  # the top-1 column: "name (index)"
        name, index = KEY.fullmatch(cell).groups()
        assert bool(CJK.search(name)) is chinese and (chinese or name == TORCHVISION[int(index)]), cell


def test_class_picker_choices_are_translated_per_language():
    tables = with_class_choices({"en": {"top1": "Top-1"}, "zh-CN": {"top1": "Top-1 预测"}}, TORCHVISION)
    assert tables["en"][choice_key(281)] == "281 · tabby" and tables["en"]["top1"] == "Top-1"
    zh = tables["zh-CN"][choice_key(281)]
    assert zh.startswith("281 · 虎斑猫") and "tabby" in zh and "hubanmao" in zh
    assert all(CJK.search(tables["zh-CN"][choice_key(i)]) for i in range(1000))
    choices = target_choices(TORCHVISION, "TOP", lambda key: f"<{key}>")
    assert choices[0] == ("TOP", "") and choices[282] == ("<class_281>", "281") and len(choices) == 1001
    with pytest.raises(ValueError, match="clash"):
        with_class_choices({"en": {"class_3": "x"}}, TORCHVISION)


def test_page_sends_the_chinese_choices(service):
    from resnet_demo.ui import build_app

    demo, options = build_app(service)
    assert options["i18n"].translations_dict["zh-CN"]["class_134"].startswith("134 · 鹤")
    assert options["i18n"].translations_dict["en"]["class_517"] == "517 · crane"
    picker = next(b for b in demo.blocks.values() if getattr(b, "elem_id", None) == "target")
    labels = [str(label) for label, _ in picker.choices]
    assert '"class_281"' in labels[282] and picker.choices[282][1] == "281"


def test_cli_prints_chinese_names_and_takes_a_chinese_target(tmp_path, photo_path, capsys):
    argv = ["explain", str(photo_path), "--depth", "18", "--weights", "random", "--device", "cpu", "--out",
            str(tmp_path)]
    assert main([*argv, "--target", "虎斑猫", "--lang", "zh-CN"]) == 0
    out = capsys.readouterr().out.splitlines()
    rows = [line.split(None, 2) for line in out[:5]]
    assert all(CJK.search(name) for _, _, name in rows), out
    assert "class 281 (虎斑猫)" in out[5]
    assert main([*argv, "--target", "hubanmao"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert all(name == TORCHVISION[int(index)] for _, index, name in (line.split(None, 2) for line in out[:5]))
    assert "class 281 (tabby)" in out[5]
    with pytest.raises(SystemExit):
        main([*argv, "--lang", "fr"])  # argparse refuses an unknown language
