"""A real browser (Debian's Chromium, driven by Playwright) uses the app like a student would.

Needs /usr/bin/chromium (`apt-get install -y chromium`). Without it these tests are skipped,
except under .ci/run, which installs it and sets RESNET_DEMO_REQUIRE_BROWSER=1 so they must run.
Playwright's own browser download is not used. Screenshots land in $RESNET_DEMO_SCREENSHOTS or the test's tmp dir.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import serve, serve_app
from PIL import Image

from resnet_demo.service import AppConfig

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("RESNET_DEMO_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"]


@pytest.fixture(scope="module")
def app_url():
    with serve(AppConfig(weights="imagenet", device="cpu")) as url:  # offline: untrained, with the banner
        yield url


@pytest.fixture(scope="module")
def browser():
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM}: apt-get install -y chromium"
        if os.environ.get("RESNET_DEMO_REQUIRE_BROWSER"):  # set by .ci/run: there it must run
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("RESNET_DEMO_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def explained_page(browser, app_url, photo_path, *, locale: str = "en-US", height: int = 1100):
    """A new page (its own context, so its language) that has uploaded the photo and shows ResNet-50's answer."""
    page = browser.new_context(locale=locale, viewport={"width": 1400, "height": height}).new_page()
    page.goto(app_url, wait_until="domcontentloaded")
    page.locator("#photo input[type=file]").set_input_files(str(photo_path))
    page.locator("#status").get_by_text("ResNet-50").wait_for(timeout=120_000)
    return page


def test_upload_predict_switch_depth(browser, app_url, photo_path, shots):
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="en-US")
    page.goto(app_url, wait_until="domcontentloaded")
    assert "UNTRAINED" in page.locator("#banner").inner_text(timeout=30_000)  # offline: unmissable warning
    page.locator("#photo input[type=file]").set_input_files(str(photo_path))
    status = page.locator("#status")
    status.get_by_text("ResNet-50").wait_for(timeout=120_000)
    assert page.locator("#predictions").get_by_text("(").first.is_visible()
    assert page.locator("#overlay img").first.get_attribute("src")
    page.locator("#depth").get_by_text("ResNet-18", exact=True).click()
    status.get_by_text("ResNet-18").wait_for(timeout=120_000)
    page.screenshot(path=str(shots / "explain_resnet18.png"), full_page=True)
    page.close()


def test_a_photo_uploaded_over_another_is_computed_once(browser, photo_path, tmp_path):
    """Gradio's image input sends two identical /explain calls when a photo replaces the shown one."""
    second = tmp_path / "second.jpg"
    with Image.open(photo_path) as img:
        img.transpose(Image.FLIP_LEFT_RIGHT).save(second)
    with serve_app(AppConfig(weights="random", device="cpu", probe_network=False)) as (url, demo, service):
        calls = []
        explain_photo = service.explain_photo
        service.explain_photo = lambda path, **kw: calls.append(path) or explain_photo(path, **kw)
        index, fn = next((i, f) for i, f in demo.fns.items() if f.api_name == "explain")
        answered = counted_calls(fn)
        sent = []  # the /explain joins the page sent, as Chromium saw them
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="en-US")
        page.on("request", lambda r: sent.append(r) if is_join_of(r, index) else None)
        page.goto(url, wait_until="domcontentloaded")
        for n, photo in enumerate((photo_path, second), start=1):
            before = len(sent)
            page.locator("#photo input[type=file]").set_input_files(str(photo))
            deadline = time.monotonic() + 120
            # done when the photo was computed and every /explain the page sent for it has been answered
            while not (len(calls) >= n and len(sent) > before and answered() == len(sent)):
                assert time.monotonic() < deadline, (
                    f"photo {n}: after 120 s, {len(calls)} model runs, {len(sent) - before} /explain calls sent, "
                    f"{answered()} of all {len(sent)} answered")
                page.wait_for_timeout(50)
            assert len(calls) == n, calls
        assert len(sent) >= 3, "Gradio no longer sends the duplicate call: this test no longer tests the merge"
        assert calls[1].endswith("second.jpg")
        page.close()


def is_join_of(request, index: int) -> bool:
    """Whether a request Chromium sent is a queue join of the event `index`."""
    if request.method != "POST" or not request.url.split("?")[0].endswith("/queue/join"):
        return False
    try:
        return json.loads(request.post_data or "{}").get("fn_index") == index
    except ValueError:
        return False


def counted_calls(fn) -> Callable[[], int]:
    """Wrap the Gradio event `fn` so that its finished calls are counted; returns the counter."""
    inner, done = fn.fn, []

    @functools.wraps(inner)  # Gradio reads the signature for its special arguments (gr.Request, progress)
    def counting(*args, **kwargs):
        try:
            return inner(*args, **kwargs)
        finally:
            done.append(1)

    fn.fn = counting
    return lambda: len(done)


def test_chinese_ui_renders(browser, app_url, shots):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(app_url, wait_until="domcontentloaded")
    page.get_by_text("解释一张照片").first.wait_for(timeout=30_000)
    assert page.get_by_text("网络深度").first.is_visible()
    assert "未经训练" in page.locator("#banner").inner_text(timeout=30_000)
    page.screenshot(path=str(shots / "explain_zh.png"), full_page=True)
    context.close()



def test_teaching_tabs_and_channel_enlarging(browser, app_url, photo_path, shots):
    page = explained_page(browser, app_url, photo_path)

    grid = page.locator("#grid-stem img").first
    grid.click(position={"x": 60, "y": 90})  # inside the first tile
    page.locator("#enlarged img").first.wait_for(timeout=60_000)

    page.get_by_role("tab", name="Residual learning").click()
    page.locator("#residual-show").click()
    page.locator("#residual-summary").get_by_text("‖F(x)‖/‖").wait_for(timeout=120_000)
    page.screenshot(path=str(shots / "residual.png"), full_page=True)

    page.get_by_role("tab", name="Architecture").click()
    page.locator("#arch-totals").get_by_text("GMACs").wait_for(timeout=60_000)
    assert "Bottleneck" in page.locator("#arch-table").inner_text()
    page.screenshot(path=str(shots / "architecture.png"), full_page=True)

    page.get_by_role("tab", name="Gradient flow").click()
    page.locator("#grad-show").click()
    page.locator("#grad-note").get_by_text("Dashed lines").wait_for(timeout=180_000)
    page.screenshot(path=str(shots / "gradients.png"), full_page=True)

    page.get_by_role("tab", name="Compare depths").click()
    page.locator("#compare-show").click()
    page.locator("#compare-table").get_by_text("parameters (M)").wait_for(timeout=180_000)
    assert "ResNet-152" in page.locator("#compare-table").inner_text()
    page.screenshot(path=str(shots / "compare.png"), full_page=True)
    page.context.close()


CJK = re.compile(r"[\u4e00-\u9fff]")


def _chart_text(page, elem_id: str, timeout: int = 180_000) -> str:
    """The text of a browser-drawn chart (Vega renders SVG: its titles, axes and legends are in the page)."""
    chart = page.locator(f"#{elem_id} svg.marks").first
    chart.wait_for(timeout=timeout)
    return chart.text_content() or ""


def test_every_chart_speaks_chinese(browser, app_url, photo_path, shots):
    page = explained_page(browser, app_url, photo_path, locale="zh-CN")
    texts = {}
    page.get_by_role("tab", name="残差学习").click()
    page.locator("#residual-show").click()
    texts["ratio"] = _chart_text(page, "ratio-chart")
    page.get_by_role("tab", name="比较不同深度").click()
    page.locator("#compare-show").click()
    texts["latency"] = _chart_text(page, "compare-chart")
    page.get_by_role("tab", name="梯度流").click()
    page.locator("#grad-show").click()
    texts["gradients"] = _chart_text(page, "grad-chart")
    page.get_by_role("tab", name="退化实验").click()
    texts["lab"] = _chart_text(page, "lab-error", timeout=60_000)
    assert "事先记录" in page.locator("#lab-status").inner_text()
    page.screenshot(path=str(shots / "lab_zh.png"), full_page=True)
    for name, text in texts.items():
        assert CJK.search(text), f"{name} chart has no Chinese: {text[:200]!r}"
    assert "对数坐标" in texts["gradients"] and "训练误差" in texts["lab"] and "耗时" in texts["latency"]
    page.context.close()


def test_score_cam_runs_after_the_other_panels_and_stops(browser, app_url, photo_path, shots):
    page = explained_page(browser, app_url, photo_path, height=1000)
    page.get_by_label("CAM method").click()
    page.get_by_role("option", name="Score-CAM (slow)").click()
    note = page.locator("#score-note")
    note.get_by_text("channels scored").wait_for(timeout=120_000)  # progress under the overlay
    assert "s left" in note.inner_text()
    page.screenshot(path=str(shots / "score_cam_running.png"))
    page.locator("#stop").click()
    note.get_by_text("was stopped").wait_for(timeout=30_000)
    assert not page.locator("#stop").is_visible()
    page.context.close()
