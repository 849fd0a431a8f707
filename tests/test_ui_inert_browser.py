"""In Chromium: what a student types into *Class to explain* never becomes an element of the page,
and a class nobody has heard of leaves the result on screen, with the reason next to the picker.

Runs an example photo, then types each payload of `hostile_text.PAYLOADS` (tags, event
attributes, `javascript:`/`data:` URLs, Markdown links and images, bare links, very long text,
control characters, right-to-left overrides) into the class picker. After each refusal: no new
`img`, `a`, `script`, `iframe`, `object`, `embed` or `video` element anywhere in the page, a
flag an `onerror`/`onload` would set is still unset, no toast, the overlay and the predictions
are the ones shown before (no "Error" badge), and the note right under the picker shows the
text as it was typed.
"""

from __future__ import annotations

import unicodedata

import pytest

from helpers import serve_app
from hostile_text import HIDDEN, PAYLOADS
from resnet_demo.service import AppConfig
from test_ui_browser import browser  # noqa: F401 - the shared Chromium fixture (skips without Chromium)

pytestmark = pytest.mark.browser

ELEMENTS = "img, a, script, iframe, object, embed, video, audio"
TYPED = {name: value for name, value in PAYLOADS.items()
         if isinstance(value, str) and not any(0xD800 <= ord(c) <= 0xDFFF for c in value)}
"""What a keyboard can put into the picker (a lone surrogate cannot be typed; a dict is API-only)."""
NEW_NOTE = """([id, old]) => {
    if (document.querySelector('[data-testid=toast-body]')) return true;  // an error instead: the check says so
    const note = document.getElementById(id);  // a hidden component is not in the page at all
    if (!note || note.offsetParent === null) return false;
    const text = note.querySelector('[data-testid=markdown]')?.innerText ?? '';
    const tracker = note.querySelector('[data-testid=status-tracker]');  // the event's progress, while it runs
    return text.trim() !== '' && text !== old && (!tracker || tracker.classList.contains('hide'));
}"""
"""True once the event is over and the note under the picker says something new (or a toast appeared)."""


@pytest.fixture(scope="module")
def app_url():
    with serve_app(AppConfig(weights="random", device="cpu", probe_network=False)) as (url, _, _):
        yield url


def snapshot(page) -> dict:
    """What must not change when a class is refused."""
    return {
        "elements": page.locator(ELEMENTS).count(),
        "flag": page.evaluate("window.__xss === undefined ? null : window.__xss"),
        "overlay": page.locator("#overlay img").first.get_attribute("src"),
        "predictions": page.locator("#predictions").inner_text(),
        "toasts": page.locator("[data-testid=toast-body]").count(),
        "errors": page.get_by_text("Error", exact=True).count(),
    }


def as_typed(value: str) -> str:
    """The part of `value` the note must show letter for letter: up to its first hidden character."""
    for i, char in enumerate(value):
        if unicodedata.category(char) in HIDDEN:
            return value[:i]
    return value[:60]


def test_typed_markup_stays_text_and_the_result_stays_on_screen(browser, app_url):  # noqa: F811
    page = browser.new_page(viewport={"width": 1400, "height": 1100}, locale="en-US")
    page.goto(app_url, wait_until="domcontentloaded")
    page.locator("button.gallery-item").filter(has=page.locator("img[src$='cat.jpg']")).click()  # an example
    page.locator("#status").get_by_text("ResNet-50").wait_for(timeout=120_000)
    page.locator("#overlay img").first.wait_for(timeout=60_000)
    before = snapshot(page)
    assert before["flag"] is None and before["toasts"] == 0 and before["errors"] == 0
    picker = page.get_by_label("Class to explain")
    note = page.locator("#explain-note")
    shown = ""
    for name, value in TYPED.items():
        picker.fill(value)
        picker.press("Enter")
        page.wait_for_function(NEW_NOTE, arg=["explain-note", shown], timeout=60_000)
        page.wait_for_timeout(300)  # let anything the message could have created load and fire
        shown = page.evaluate("id => document.getElementById(id)?.querySelector('[data-testid=markdown]')?.innerText ?? ''",
                              "explain-note")
        assert snapshot(page) == before, (name, shown)
        assert "No ImageNet class matches" in shown or "at most 200 characters" in shown, (name, shown)
        expected = " ".join(as_typed(value.replace("\r", "").replace("\n", "")).split())
        if len(value) <= 200 and expected:
            assert expected in " ".join(shown.split()), (name, expected, shown)
        pick, box = picker.bounding_box(), note.bounding_box()
        assert 0 <= box["y"] - (pick["y"] + pick["height"]) < 120 and abs(box["x"] - pick["x"]) < 80, (pick, box)
    picker.fill("")
    picker.press("Enter")
    note.wait_for(state="hidden", timeout=60_000)  # a good answer clears the note
    page.close()
