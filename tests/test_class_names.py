"""The Chinese ImageNet class names: complete, aligned with torchvision, Simplified, unique; and the search.

References are independent of the data file: torchvision's own category list, OpenCC's
Traditional-to-Simplified table, pypinyin's readings, and names a person wrote into this test.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
from opencc import OpenCC
from pypinyin import Style, pinyin
from torchvision.models import ResNet18_Weights, ResNet50_Weights

from resnet_demo import class_names as cn
from resnet_demo.class_names import chinese_name, class_names, display_name, find_class, picker_label

TORCHVISION = ResNet50_Weights.IMAGENET1K_V2.meta["categories"]
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")

# Written by hand from general knowledge, not from the data file: a class and a word its Chinese name must hold.
SPOT_CHECKS = {
    1: "金鱼", 92: "蜂虎", 93: "犀鸟", 96: "巨嘴鸟", 134: "鹤", 207: "金毛", 281: "猫", 291: "狮", 309: "蜜蜂",
    334: "豪猪", 340: "斑马", 388: "大熊猫", 517: "起重机", 639: "泳衣", 713: "复印", 817: "跑车", 954: "香蕉",
    963: "萨",  # 比萨 or 披萨
}
NOT_IN = {92: "蜜蜂", 96: "犀鸟", 334: "刺猬", 288: "美洲豹"}  # the known mistranslations of other lists


def test_one_entry_per_class_in_torchvision_order():
    names = class_names()
    assert len(names) == 1000 and [n.index for n in names] == list(range(1000))
    assert [n.english for n in names] == list(TORCHVISION)
    assert list(ResNet18_Weights.IMAGENET1K_V1.meta["categories"]) == list(TORCHVISION)  # every depth's list


@pytest.mark.parametrize(("index", "word"), sorted(SPOT_CHECKS.items()))
def test_well_known_classes_have_the_expected_name(index, word):
    assert word in class_names()[index].chinese, (index, TORCHVISION[index], class_names()[index].chinese)


@pytest.mark.parametrize(("index", "wrong"), sorted(NOT_IN.items()))
def test_known_mistranslations_are_avoided(index, wrong):
    assert wrong not in class_names()[index].chinese


def test_simplified_characters_only():
    t2s = OpenCC("t2s")
    converted = [(n.index, n.chinese, t2s.convert(n.chinese)) for n in class_names()]
    assert [c for c in converted if c[1] != c[2]] == []


def test_names_unique_and_chinese():
    names = class_names()
    repeated = [name for name, count in Counter(n.chinese for n in names).items() if count > 1]
    assert not repeated
    assert all(n.chinese.strip() == n.chinese and CJK.search(n.chinese) for n in names), "empty or ASCII-only"


def test_pairs_sharing_a_wordnet_word_are_told_apart():
    """torchvision names two pairs of different WordNet synsets with the same word (older releases
    repeated the name exactly); the Chinese must say which is which."""
    first = [label.split()[0] for label in TORCHVISION]
    pairs = [(i, j) for i in range(1000) for j in range(i + 1, 1000)
             if first[i] == first[j] and first[i] in ("crane", "maillot")]
    assert pairs == [(134, 517), (638, 639)]
    for i, j in pairs:
        assert class_names()[i].chinese != class_names()[j].chinese
    assert "鹤" in class_names()[134].chinese and "起重机" in class_names()[517].chinese


def test_pinyin_is_a_reading_of_each_character():
    for n in class_names():
        syllables = n.pinyin.split()
        words = re.findall(r"[A-Za-z0-9]+|[\u3400-\u4dbf\u4e00-\u9fff]", n.chinese)
        assert len(syllables) == len(words), (n.index, n.chinese, n.pinyin)
        for word, syllable in zip(words, syllables):
            if word.isascii():
                assert syllable == word, (n.index, word, syllable)
                continue
            readings = pinyin(word, style=Style.TONE, heteronym=True)[0]
            toneless = pinyin(word, style=Style.NORMAL, heteronym=True)[0]
            assert syllable in readings or syllable in toneless, (n.index, n.chinese, word, syllable, readings)


def test_hand_checked_readings():
    by_name = {n.chinese: n.pinyin for n in class_names()}
    assert by_name["长尾猴"].startswith("cháng")  # long, not zhǎng (to grow)
    assert by_name["发夹"].startswith("fà") and by_name["调酒壶"].startswith("tiáo")
    assert by_name["木工刨"].endswith("bào")


def test_display_follows_the_page_language():
    assert display_name(281, "tabby", "zh-CN") == chinese_name(281) and CJK.search(display_name(281, "tabby", "zh"))
    assert display_name(281, "tabby", "en") == "tabby" and display_name(281, "tabby", None) == "tabby"
    assert chinese_name(281, "not tabby") is None  # weights with other labels get no (wrong) Chinese name
    assert display_name(281, "not tabby", "zh-CN") == "not tabby"
    assert chinese_name(1000) is None and chinese_name(-1) is None


def test_picker_label_holds_what_a_student_types():
    zh = picker_label(281, "tabby", "zh-CN")
    assert zh.startswith("281 · ") and class_names()[281].chinese in zh and "tabby" in zh and "hubanmao" in zh
    assert picker_label(281, "tabby", "en") == "281 · tabby"
    assert "lvanlexi" in picker_label(40, "American chameleon", "zh-CN")  # ü typed as v


@pytest.mark.parametrize(("typed", "index"), [
    ("虎斑猫", 281), ("tabby", 281), ("TABBY", 281), ("hubanmao", 281), ("hu ban mao", 281), ("hǔ bān māo", 281),
    ("Hu'Ban'Mao", 281), ("huban", 281),  # the start of the pinyin, at a syllable
    ("鹤", 134), ("crane bird", 134), ("起重机", 517), ("crane", 517),
    ("Cardigan", 264), ("cardigan", 474),  # torchvision's capital says corgi or jumper
    ("虎鲨", 3), ("鼬鲨", 3),  # either part of 鼬鲨（虎鲨）
    ("约克夏㹴", 187), ("约克夏梗", 187),  # terrier written either way
    ("lv an le xi", 40), ("lu an le xi", 40),
    ("大熊猫", 388), ("金毛", 207),  # a part of one name only
])
def test_find_class(typed, index):
    assert find_class(typed, TORCHVISION) == index


@pytest.mark.parametrize("typed", ["", "   ", "猫", "unicorn", "anmao", "muji", "a"])
def test_find_class_refuses_what_names_no_class_or_several(typed):
    assert find_class(typed, TORCHVISION) is None  # 猫: many cats; anmao: not at a syllable; muji: 母鸡 or 木屐


def test_malformed_data_fails_loudly(tmp_path, monkeypatch):
    rows = (cn.DATA_FILE.read_text(encoding="utf-8")).splitlines()
    cases = {
        "short": rows[:-1],
        "swapped": rows[:10] + [rows[11], rows[10]] + rows[12:],
        "no pinyin": [r.rsplit("\t", 1)[0] if r.startswith("5\t") else r for r in rows],
    }
    for case, lines in cases.items():
        path = tmp_path / f"{case}.tsv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        monkeypatch.setattr(cn, "DATA_FILE", path)
        cn.class_names.cache_clear()
        with pytest.raises(ValueError, match="imagenet_zh|expected|line"):
            cn.class_names()
    monkeypatch.undo()
    cn.class_names.cache_clear()
    assert len(cn.class_names()) == 1000
