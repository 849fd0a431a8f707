"""ImageNet class names in the reader's language: torchvision's English, or our Simplified Chinese list.

The engine names a class by its index and torchvision's English label (`weights.meta["categories"]`)
and knows nothing of languages; the web page, the CLI and `result.json` word a class through this
module. The Chinese names, with their pinyin, are data (`data/imagenet_zh.tsv`; its README says where
they came from and how they were checked). No torch or gradio here: it loads in a millisecond.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "imagenet_zh.tsv"
N_CLASSES = 1000


@dataclass(frozen=True)
class ClassName:
    """One ImageNet class as our data file names it."""

    index: int
    english: str  # torchvision's name, e.g. "tabby"
    chinese: str  # e.g. "虎斑猫"; a better-known alias may follow in brackets: "鼬鲨（虎鲨）"
    pinyin: str  # tone marks, a space between syllables: "hǔ bān māo"

    @property
    def search_pinyin(self) -> str:
        """The pinyin as typed without an input method: no tones, no spaces, ü as v ("lvxi")."""
        return fold_pinyin(self.pinyin)


def is_chinese(lang: str | None) -> bool:
    """True for a Chinese page language ("zh-CN", "zh"); class names are then shown in Chinese."""
    return isinstance(lang, str) and lang.lower().startswith("zh")


@functools.cache
def class_names() -> tuple[ClassName, ...]:
    """The 1000 classes in index order, read once from `DATA_FILE`.

    Raises ValueError naming the line if the file is malformed (so a bad edit fails at start, loudly).
    """
    rows = []
    for number, line in enumerate(DATA_FILE.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 4 or fields[0] != str(len(rows)) or not all(f.strip() for f in fields):
            raise ValueError(f"{DATA_FILE.name} line {number}: expected '{len(rows)}<TAB>english<TAB>中文<TAB>pinyin'")
        rows.append(ClassName(len(rows), fields[1], fields[2], fields[3]))
    if len(rows) != N_CLASSES:
        raise ValueError(f"{DATA_FILE.name}: expected {N_CLASSES} classes, found {len(rows)}")
    return tuple(rows)


def chinese_name(index: int, english: str | None = None) -> str | None:
    """Our Chinese name of class `index`, or None when there is none to trust.

    `english`, when given, is the label the model's weights carry for that index: if it is not the
    one our list was written for (weights with other categories), there is no Chinese name.
    """
    if not isinstance(index, int) or not 0 <= index < N_CLASSES:
        return None
    name = class_names()[index]
    return name.chinese if english is None or english == name.english else None


def display_name(index: int, english: str, lang: str | None) -> str:
    """How a page in `lang` names class `index` (whose torchvision label is `english`)."""
    return (chinese_name(index, english) or english) if is_chinese(lang) else english


def picker_label(index: int, english: str, lang: str | None) -> str:
    """A choice in the class search: "281 · tabby", or on a Chinese page "281 · 虎斑猫 · tabby · hubanmao".

    The dropdown filters its choices by substring in the browser, so a Chinese page's label holds
    everything a student may type: the index, the Chinese name, the English name and the pinyin
    without tones (what one types before the input method turns it into characters).
    """
    zh = chinese_name(index, english) if is_chinese(lang) else None
    if zh is None:
        return f"{index} · {english}"
    return f"{index} · {zh} · {english} · {class_names()[index].search_pinyin}"


def fold_pinyin(text: str) -> str:
    """Pinyin as compared in a search: lower case, no tone marks, spaces or apostrophes, ü written v."""
    text = unicodedata.normalize("NFD", text.lower())
    text = text.replace("u\u0308", "v")  # ü (u + combining diaeresis) before the tone marks go
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[\s'’·]", "", text)


def _forms(name: ClassName) -> set[str]:
    """Every text that names `name` exactly: English, the Chinese name, each part of it, its pinyin."""
    parts = [p for p in re.split(r"[（）()]", name.chinese) if p.strip()]
    forms = {name.english.lower(), name.chinese, *parts, name.search_pinyin}
    forms.add(name.search_pinyin.replace("v", "u"))  # "lu" for 绿 as well as "lv"
    return forms


@functools.cache
def _exact_index() -> dict[str, int]:
    index: dict[str, int] = {}
    ambiguous: set[str] = set()
    for name in class_names():
        for form in _forms(name):
            if index.setdefault(form, name.index) != name.index:
                ambiguous.add(form)
    return {form: i for form, i in index.items() if form not in ambiguous}


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).strip().lower().replace("㹴", "梗")
    return re.sub(r"\s+", " ", text)


def _starts_at_a_syllable(folded: str, name: ClassName) -> bool:
    """True if `folded` pinyin begins at one of `name`'s syllables ("banmao" in hu·ban·mao, not "anmao")."""
    syllables = [fold_pinyin(s) for s in name.pinyin.split()]
    for k in range(len(syllables)):
        rest = "".join(syllables[k:])
        if rest.startswith(folded) or rest.replace("v", "u").startswith(folded):
            return True
    return False


def find_class(text: str, labels: Sequence[str] | None = None) -> int | None:
    """The class that `text` names: its English label, its Chinese name (or the alias in brackets),
    its pinyin (with or without tones and spaces), or failing those the one class whose names
    contain `text`. None when nothing, or more than one class, matches.

    `labels` are the English labels of the weights in use; an exact one of them always matches
    (case first: "Cardigan" is the corgi, "cardigan" the jumper).
    """
    wanted = _normalise(text)
    if not wanted:
        return None
    if labels is not None:
        if text.strip() in labels:
            return list(labels).index(text.strip())
        hits = [i for i, label in enumerate(labels) if label.lower() == wanted]
        if len(hits) == 1:
            return hits[0]
    folded = fold_pinyin(wanted)
    exact = _exact_index()
    for form in (wanted, folded):
        if form in exact:
            return exact[form]
    hits = {n.index for n in class_names()
            if wanted in n.chinese or wanted in n.english.lower()
            or (folded.isascii() and folded.isalpha() and _starts_at_a_syllable(folded, n))}
    return hits.pop() if len(hits) == 1 else None
