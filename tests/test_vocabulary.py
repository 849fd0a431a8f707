"""One vocabulary on the page: the glossary's terms, the other names only in the glossary, one citation form.

Every string the app can show is checked: the tables registered in `strings` (static labels and
the templates handlers fill in: main tab, teaching tabs, lab, notes, method notes, glossary) and
the chart texts. The glossary alone may name the alternatives (it glosses each once).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from resnet_demo.ui import build_app  # noqa: F401  (imports every module that registers strings)
from resnet_demo.ui.chart_strings import CHARTS
from resnet_demo.ui.glossary import AVOID, TERMS, glossary_markdown
from resnet_demo.ui.strings import EN, ZH, say

LANGS = ("en", "zh-CN")
GLOSSARY_KEYS = {"glossary_table"}
README = Path(__file__).resolve().parents[1] / "README.md"

CALQUES = ("更深并不是免费的", "单独的通道", "并不是免费", "免费的午餐")
"""Phrases issue 14 found on the page that no Chinese teacher would write ("lane" became 通道, a calque of
"is not free")."""
ENGLISH_IN_ZH = re.compile(r"\b(stem|skip|skips|shortcut|shortcuts|plain|BasicBlock|Bottleneck|downsample|lane)\b",
                           re.IGNORECASE)
"""English words the Chinese strings must not use outside code spans (`downsample` as code is fine)."""
CITATION = {
    "en": re.compile(r"He et al\.(?! \((?:CVPR 2016, arXiv:1512\.03385|ECCV 2016, arXiv:1603\.05027)\))"),
    "zh-CN": re.compile(r"He 等人(?!（(?:CVPR 2016，arXiv:1512\.03385|ECCV 2016，arXiv:1603\.05027)）)"),
}
"""A "He et al." not followed by one of the two citation forms (the ResNet paper, its follow-up)."""


def page_texts(lang: str) -> dict[str, str]:
    """Every string of `lang` the page can show, by where it comes from; the glossary left out."""
    table = ZH if lang == "zh-CN" else EN
    texts = {f"strings[{key}]": text for key, text in table.items() if key not in GLOSSARY_KEYS}
    texts.update({f"CHARTS[{chart}][{key}]": text for chart, words in CHARTS[lang].items()
                  for key, text in words.items()})
    return texts


def _prose(text: str) -> str:
    """`text` without what it cites rather than says: code spans, {placeholders}, and English terms in
    “quotes” or *italics* (the notes on the article discuss the English names themselves)."""
    for pattern in (r"`[^`]*`", r"\{[^{}]*\}", r"“[A-Za-z][A-Za-z -]*”", r"(?<!\*)\*[A-Za-z][A-Za-z -]*\*(?!\*)"):
        text = re.sub(pattern, "", text)
    return text


def _uses(term: str, text: str, lang: str) -> bool:
    if lang == "zh-CN":
        return term in text
    return re.search(rf"\b{re.escape(term)}\b", text, re.IGNORECASE) is not None


@pytest.mark.parametrize("lang", LANGS)
def test_only_the_glossary_names_the_alternatives(lang):
    found = {(where, term) for where, text in page_texts(lang).items() for term in AVOID[lang]
             if _uses(term, _prose(text), lang)}
    assert not found, sorted(found)


@pytest.mark.parametrize("lang", LANGS)
def test_the_glossary_glosses_every_alternative_once(lang):
    table = glossary_markdown(lang)
    other = glossary_markdown("en" if lang == "zh-CN" else "zh-CN")
    for term in AVOID[lang]:
        assert _uses(term, table + other, lang), f"{term!r} is avoided but never glossed"
    chosen = [t.zh if lang == "zh-CN" else t.en for t in TERMS]
    assert len(chosen) == len(set(chosen))
    for term in chosen:  # a chosen term is never also an avoided one
        assert not any(_uses(bad, term, lang) for bad in AVOID[lang]), term
    assert table == (ZH if lang == "zh-CN" else EN)["glossary_table"]  # the page shows this very table


def test_no_calque_and_no_english_term_in_chinese():
    texts = page_texts("zh-CN") | {"glossary": ZH["glossary_table"]}
    calques = {(where, c) for where, text in texts.items() for c in CALQUES if c in text}
    assert not calques, sorted(calques)
    english = {}
    for where, text in page_texts("zh-CN").items():
        prose = re.sub(r"\*\*[A-Za-z\d+.-]+-CAM[+]*\*\*", "", _prose(text))  # method names are names
        if words := ENGLISH_IN_ZH.findall(prose):
            english[where] = words
    assert not english, english
    assert not re.search(r"\bplain-\d", " ".join(page_texts("zh-CN").values()))  # 普通网络-20, not plain-20


@pytest.mark.parametrize("lang", LANGS)
def test_a_large_factor_cannot_be_misread(lang):
    """1.4×10⁸ after "1/" reads as (1/1.4)×10⁸: the phrase must not put the factor under a fraction bar."""
    for key in ("grad_trend_down", "grad_trend_up", "lab_grad_dip"):
        fields = {"factor": "1.4×10⁸", "where": "x"}
        text = say(key, lang, **{k: v for k, v in fields.items() if "{" + k + "}" in (EN[key] + ZH[key])})
        assert "1/1.4" not in text and "/1.4×" not in text, (key, text)


@pytest.mark.parametrize("lang", LANGS)
def test_one_citation_form_everywhere(lang):
    bad = {where: text[max(0, m.start() - 20):m.end() + 40] for where, text in page_texts(lang).items()
           if (m := CITATION[lang].search(text))}
    assert not bad, bad
    cited = [text for text in page_texts(lang).values() if "1512.03385" in text]
    assert len(cited) >= 4  # the residual, gradient-flow and lab tabs and the notes cite it


def test_readme_cites_the_same_way():
    text = README.read_text(encoding="utf-8")
    assert not CITATION["en"].search(text), CITATION["en"].search(text)
    assert "He et al. (2015)" not in text and "He et al. (2016)" not in text


@pytest.mark.parametrize("lang", LANGS)
def test_bold_closes_in_every_string(lang):
    """`**标题：**正文` stays literal asterisks: a closing `**` after a full-width colon and before a CJK
    character is not right-flanking (CommonMark; Gradio's marked agrees). Put the colon outside: `**标题**：`."""
    from markdown_it import MarkdownIt  # Gradio's own dependency

    md = MarkdownIt("commonmark")
    table = ZH if lang == "zh-CN" else EN
    stray = [key for key, text in table.items()
             if "**" in re.sub(r"<code>.*?</code>", "", md.render(re.sub(r"\{[^{}]*\}", "X", text)), flags=re.S)]
    assert not stray, stray
