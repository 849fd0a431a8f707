"""`ui.inert`: a request value (or an engine's sentence) as text that HTML and Markdown show as typed."""

from __future__ import annotations

import html

import pytest

from hostile_text import PAYLOADS, markup_in
from resnet_demo.ui.inert import inert, sentence
from resnet_demo.ui.params import ParameterError
from resnet_demo.ui.refusals import refusal_message


@pytest.mark.parametrize("name", list(PAYLOADS))
def test_every_payload_is_inert_as_html_and_as_markdown(name):
    payload = PAYLOADS[name]
    shown = inert(payload)
    assert markup_in(f"No class matches “{shown}”.", payload) == []


def test_text_reads_back_as_typed_and_hidden_characters_are_named():
    typed = 'tabby <b>"cat"</b> [x](javascript:y) 虎斑猫 café'
    assert html.unescape(inert(typed)) == typed  # a browser shows exactly what was typed
    assert "<" not in inert(typed) and "[" not in inert(typed) and "虎斑猫 café" in inert(typed)
    assert inert("a\u202eb\x00c") == "a⟨U+202E⟩b⟨U+0000⟩c"
    assert inert("x" * 100) == "x" * 60 + "…" and inert("x" * 100, limit=10) == "x" * 10 + "…"
    assert html.unescape(inert({"k": [1]})) == "{'k': [1]}"


def test_sentences_stay_readable_but_cannot_open_markup():
    text = "No such file: '/tmp/up/<img src=x>_a_.jpg'. Please upload it again (www.example.com)."
    shown = sentence(text)
    assert html.unescape(shown) == text and "Please upload it again" in shown
    assert markup_in(shown, "<img src=x>_a_.jpg www.example.com") == []


def test_refusals_quote_the_value_inert_in_both_languages():
    bad = ParameterError("target_class", "class", "<img src=x onerror=alert(1)>")
    for lang, start in (("en", "No ImageNet class matches “"), ("zh-CN", "没有与“")):
        message = refusal_message(bad, lang)
        assert message.startswith(start) and markup_in(message, bad.value) == []
    depth = refusal_message(ParameterError("depth", "choice", "[x](y)", allowed="18, 50"), "zh-CN")
    assert depth.startswith("该设置无效。depth 只能是 18, 50 中的一个") and "[" not in depth
