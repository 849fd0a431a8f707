"""Issue 14's done-when test, in Chromium: one language for the whole page, chosen by `?lang=`.

A browser set to English opens `?lang=zh-CN`, clicks an example and opens every tab: no English
sentence a student must read (outside code and proper names), Chinese class names in the
predictions, Chinese labels (Gradio's I18n, forced by the address) and Chinese text from the server.
A browser set to Chinese opens `?lang=en`: no Chinese outside the few places that name a Chinese
term on purpose. (Setup as in test_ui_browser.py.)
"""

from __future__ import annotations

import re
import time

import pytest
from helpers import serve
from test_ui_browser import browser  # noqa: F401  (the shared Chromium fixture)

from resnet_demo.service import AppConfig
from resnet_demo.ui.article_notes import NOTES_EN
from resnet_demo.ui.glossary import TERMS

pytestmark = pytest.mark.browser
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\u3000-\u303f\uff01-\uff5e]+")
ENGLISH_RUN = re.compile(r"[A-Za-z][A-Za-z'’-]+(?:[ ,]+[A-Za-z][A-Za-z'’-]+){2,}")
"""Three English words in a row (words of 2+ letters, joined by spaces or commas): the start of a sentence."""

PROPER_NAMES = (
    # cited papers' titles, and the products and people a citation names
    "Deep Residual Learning for Image Recognition", "Identity Mappings in Deep Residual Networks",
    "A Mean Field Theory of Batch Normalization", "Attention Is All You Need", "Microsoft Research Asia",
    "Microsoft Research", "Kaiming He", "Xiangyu Zhang", "Shaoqing Ren", "Jian Sun", "Jacob Gildenblat",
    "CVPR Workshops", "IEEE TIP", "Noto Sans CJK", "forward hook", "model.eval", "model.train", "plain-20",
)
"""English a Chinese page may show: names, not sentences (the glossary's English column is added below)."""
ENGLISH_WORD = re.compile(r"(?<![A-Za-z0-9_.\-/])[a-z]{3,}(?![A-Za-z0-9_(.\-/])")
"""A lower-case English word standing alone (not part of a name like layer3, a path or a call)."""
LOWER_CASE_NAMES = {
    "torchvision", "torch", "cpu", "cuda", "softmax", "mixup",  # libraries, devices, the names of operations
    "overlay", "result",  # the download list's file names (overlay.jpg, result.json)
    "processing", "queue",  # Gradio's own progress line while an event runs or waits ("queue: 1/2 | 0.4s")
}
"""Lower-case words a Chinese page may show, each a name rather than a word of a sentence."""


def _allowed_english() -> list[str]:
    names = list(PROPER_NAMES)
    for term in TERMS:  # the glossary shows each term's English name on purpose (中文 · English · one line)
        names.append(term.en)
        names += [part.strip() for part in re.split(r"[,;]", term.en_also or "")]
    return sorted({n for n in names if n}, key=len, reverse=True)


def _allowed_chinese() -> set[str]:
    """CJK an English page may show: the language switch, the glossary's Chinese column, the notes' quotes."""
    allowed = {"简体中文", "中文"}
    for term in TERMS:
        allowed.update(CJK.findall(term.zh))
    allowed.update(CJK.findall(NOTES_EN))  # the notes on the article quote its Chinese words
    return allowed


@pytest.fixture(scope="module")
def url():
    with serve(AppConfig(weights="random", device="cpu", probe_network=False)) as address:
        yield address


def visible_text(page) -> str:
    """The page's rendered text without code (gr.Code) or formulas in code spans."""
    return page.evaluate("""() => {
        const hidden = [...document.querySelectorAll('#hook-code, pre, code')];
        hidden.forEach(e => { e.dataset.was = e.style.display; e.style.display = 'none'; });
        const text = document.body.innerText;
        hidden.forEach(e => { e.style.display = e.dataset.was; });
        return text;
    }""")


def tour(browser, url, *, locale: str, lang: str) -> tuple[dict[str, str], str]:  # noqa: F811
    """Open the page in `locale` with ?lang=`lang`, click the first example, open every tab: each tab's text."""
    context = browser.new_context(locale=locale, viewport={"width": 1400, "height": 1100})
    page = context.new_page()
    page.goto(f"{url}?lang={lang}", wait_until="domcontentloaded")
    page.locator(".gallery-item").first.click()  # an example photo
    page.locator("#status").get_by_text("ResNet-50").wait_for(timeout=60_000)
    predictions = page.locator("#predictions").inner_text()
    tabs = page.locator("div[role=tablist]").first.get_by_role("tab")
    texts = {}
    for i in range(tabs.count()):
        name = tabs.nth(i).inner_text()
        tabs.nth(i).click()
        page.wait_for_timeout(800)  # the architecture and lab tabs fill themselves when opened
        texts[name] = visible_text(page)
    context.close()
    return texts, predictions


def test_a_chinese_page_by_address_has_no_english_sentence(browser, url):  # noqa: F811
    start = time.perf_counter()
    texts, predictions = tour(browser, url, locale="en-US", lang="zh-CN")  # the browser says English
    assert "残差学习" in texts and "网络结构" in texts  # the static labels follow ?lang= (Gradio's I18n)
    names = re.findall(r"^(.+) \(\d{1,3}\)$", predictions, flags=re.M)
    assert names and all(CJK.search(name) for name in names), predictions
    allowed = _allowed_english()
    found = {}
    for tab, text in texts.items():
        for name in allowed:
            text = text.replace(name, " ")
        text = re.sub(r"《[^》]*》", " ", text)  # a cited title in title marks
        if runs := ENGLISH_RUN.findall(text):
            found[tab] = sorted(set(runs))
        if words := set(ENGLISH_WORD.findall(text)) - LOWER_CASE_NAMES:
            found[f"{tab} (words)"] = sorted(words)
    assert not found, found
    status = texts[next(iter(texts))]
    assert "设备" in status or "权重" in status  # the server's status line, worded in Chinese
    assert time.perf_counter() - start < 60


def test_an_english_page_by_address_has_no_chinese(browser, url):  # noqa: F811
    texts, predictions = tour(browser, url, locale="zh-CN", lang="en")  # the browser says Chinese
    assert "Residual learning" in texts and "Architecture" in texts
    assert re.search(r"\(\d{1,3}\)", predictions) and not CJK.search(predictions)
    allowed = _allowed_chinese()
    found = {tab: sorted(set(CJK.findall(text)) - allowed) for tab, text in texts.items()}
    assert not any(found.values()), {tab: words for tab, words in found.items() if words}


def test_the_settings_menu_switches_server_text_too(browser, url):  # noqa: F811
    """Gradio's own Settings → Language menu: choosing 简体中文 gives a Chinese page, not just Chinese labels.

    The page script sees the new locale and reloads the page with ?lang=zh-CN, so an example clicked
    afterwards gets its status line and class names from the server in Chinese too."""
    start = time.perf_counter()
    context = browser.new_context(locale="en-US", viewport={"width": 1400, "height": 1100})
    page = context.new_page()
    page.goto(url, wait_until="domcontentloaded")  # no ?lang=: the English browser gives an English page
    page.locator(".gallery-item").first.wait_for()
    assert page.evaluate("document.documentElement.lang") == "en"
    page.get_by_text("Settings").last.click()  # the footer's link opens Gradio's settings panel
    page.get_by_role("dialog").get_by_role("combobox", name="Language").click()
    page.get_by_role("option", name="简体中文").click()
    page.wait_for_url(re.compile(r"[?&]lang=zh-CN"), timeout=15_000)  # reloaded in the chosen language
    page.locator(".gallery-item").first.click()
    status = page.locator("#status")
    status.get_by_text("ResNet-50").wait_for(timeout=60_000)
    assert CJK.search(status.inner_text()), status.inner_text()  # server text, worded in Chinese
    names = re.findall(r"^(.+) \(\d{1,3}\)$", page.locator("#predictions").inner_text(), flags=re.M)
    assert names and all(CJK.search(name) for name in names), names
    assert page.get_by_role("tab", name="残差学习").count() == 1  # and the labels stayed Chinese
    context.close()
    assert time.perf_counter() - start < 40


def test_a_settings_language_without_server_text_falls_back_to_english(browser, url):  # noqa: F811
    """A language Gradio offers but the server cannot word (Français) gives a whole English page, not a mixed one;
    Gradio's own start-up (it sets the locale too) never triggers a reload."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1100})
    page = context.new_page()
    loads = []
    page.on("load", lambda _: loads.append(page.url))
    page.goto(url, wait_until="domcontentloaded")  # the Chinese browser gives a Chinese page
    page.locator(".gallery-item").first.wait_for()
    page.wait_for_timeout(500)
    assert page.evaluate("document.documentElement.lang") == "zh-CN" and len(loads) == 1, loads
    page.locator("footer").get_by_role("button").last.click()  # 设置: the footer's last button
    page.get_by_role("dialog").get_by_role("combobox").click()  # the settings panel's one menu: 语言
    page.get_by_role("option", name="Français").click()
    page.wait_for_url(re.compile(r"[?&]lang=en"), timeout=15_000)
    page.get_by_role("tab", name="Residual learning").wait_for()  # labels English again, as the server text
    assert page.evaluate("document.documentElement.lang") == "en"
    context.close()
