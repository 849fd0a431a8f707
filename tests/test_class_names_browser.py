"""In Chromium: a zh-CN page names the predictions in Chinese, and its class search finds a class by
Chinese or pinyin; an en page stays English. (Setup as in test_ui_browser.py.)"""

from __future__ import annotations

import re

import pytest

from helpers import serve
from resnet_demo.service import AppConfig
from test_ui_browser import browser  # noqa: F401  (the shared Chromium fixture)

pytestmark = pytest.mark.browser
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def url():
    with serve(AppConfig(weights="random", device="cpu", probe_network=False)) as address:
        yield address


def open_explained(browser, url, photo_path, locale):  # noqa: F811
    context = browser.new_context(locale=locale, viewport={"width": 1400, "height": 1100})
    page = context.new_page()
    page.goto(url, wait_until="domcontentloaded")
    page.locator("#photo input[type=file]").set_input_files(str(photo_path))
    page.locator("#status").get_by_text("ResNet-50").wait_for(timeout=120_000)
    return context, page


def search(page, typed: str):
    """Type into the class search as a student would: letters key by key; Chinese committed at once by
    the input method, whose committing key (space, a digit) then comes up (the dropdown filters on keyup)."""
    box = page.locator("#target input")
    box.click()
    box.fill("")
    if typed.isascii():
        box.press_sequentially(typed)
    else:
        page.keyboard.insert_text(typed)
        box.press("End")
    page.wait_for_timeout(300)
    return page.locator("#target ul[role=listbox] li")


def test_zh_page_names_classes_in_chinese_and_finds_them_by_pinyin(browser, url, photo_path):  # noqa: F811
    context, page = open_explained(browser, url, photo_path, "zh-CN")
    predictions = page.locator("#predictions").inner_text()
    names = re.findall(r"^(.+) \(\d{1,3}\)$", predictions, flags=re.M)
    assert names and all(CJK.search(name) for name in names), predictions
    for typed in ("hubanmao", "虎斑猫", "tabby"):
        options = search(page, typed)
        options.first.wait_for(timeout=10_000)
        assert options.count() == 1 and "281 · 虎斑猫" in options.first.inner_text(), typed
    options.first.click()  # explain class 281: the page asks the server with the index
    page.locator("#status").get_by_text("ResNet-50").wait_for(timeout=120_000)
    assert "虎斑猫" in page.locator("#target input").input_value()
    context.close()


def test_en_page_keeps_english_names(browser, url, photo_path):  # noqa: F811
    context, page = open_explained(browser, url, photo_path, "en-US")
    predictions = page.locator("#predictions").inner_text()
    assert re.search(r"\(\d{1,3}\)", predictions) and not CJK.search(predictions)
    options = search(page, "tabby")
    options.first.wait_for(timeout=10_000)
    assert options.first.inner_text().strip() == "281 · tabby"
    assert search(page, "hubanmao").count() == 0  # no pinyin in English labels
    context.close()
