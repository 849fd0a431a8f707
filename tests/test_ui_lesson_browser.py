"""The lesson's vocabulary and notes as a student's browser shows them, in 简体中文 and in English.

Chromium with the page's language set like a student's: the glossary tab, the notes on the
article, the method note computed when the CAM method or stage changes, the architecture table's
paper names, and the lab's setup table and gradient sentence.
"""

from __future__ import annotations

import pytest
from test_ui_browser import app_url, browser, shots  # noqa: F401  (the same live app and Chromium)

pytestmark = pytest.mark.browser


def _page(browser, app_url, locale: str):  # noqa: F811
    page = browser.new_context(locale=locale, viewport={"width": 1400, "height": 1100}).new_page()
    page.goto(app_url, wait_until="domcontentloaded")
    return page


def _pick(page, label: str, option: str) -> None:
    page.get_by_label(label).click()
    page.get_by_role("option", name=option, exact=True).click()


def test_chinese_page_keeps_the_lesson_vocabulary(browser, app_url, shots):  # noqa: F811
    page = _page(browser, app_url, "zh-CN")
    note = page.locator("#method-note")
    note.get_by_text("空间上的平均值").wait_for(timeout=30_000)  # Grad-CAM defined where it is shown
    _pick(page, "CAM 方法", "Eigen-CAM")
    note.get_by_text("不区分类别").wait_for(timeout=30_000)
    _pick(page, "CAM 方法", "Grad-CAM")
    page.get_by_role("radio", name="layer1").first.check()
    note.get_by_text("LayerCAM").first.wait_for(timeout=30_000)
    assert "56×56" in note.inner_text()

    page.get_by_role("tab", name="网络结构").click()
    page.locator("#arch-table").get_by_text("conv2_x").wait_for(timeout=60_000)
    table = page.locator("#arch-table").inner_text()
    assert "瓶颈块" in table and "起始层" in table and "Bottleneck" not in table
    assert "v1.5" in page.locator("#arch-totals").inner_text()

    page.get_by_role("tab", name="退化实验").click()
    page.locator("#lab-gradient-note").get_by_text("第 2000 次迭代时").wait_for(timeout=60_000)
    assert "0.02" in page.locator("#lab-setup").inner_text()

    page.get_by_role("tab", name="术语与说明").click()
    assert "快捷连接" in page.locator("#glossary").inner_text(timeout=30_000)
    notes = page.locator("#article-notes").inner_text()
    assert "微软亚洲研究院" in notes and "1202" in notes
    page.screenshot(path=str(shots / "glossary_zh.png"), full_page=True)
    page.context.close()


def test_english_page_names_the_same_things_in_english(browser, app_url):  # noqa: F811
    page = _page(browser, app_url, "en-US")
    page.locator("#method-note").get_by_text("spatial mean").wait_for(timeout=30_000)
    page.get_by_role("tab", name="Glossary and notes").click()
    glossary = page.locator("#glossary").inner_text(timeout=30_000)
    assert "shortcut connection" in glossary and "快捷连接" in glossary  # both languages, by design
    assert "Microsoft Research Asia" in page.locator("#article-notes").inner_text()
    page.context.close()
