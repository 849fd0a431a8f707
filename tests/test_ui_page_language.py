"""page_language: `?lang=` beats the session's choice, which beats Accept-Language; the page script says the same."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from starlette.applications import Starlette
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from resnet_demo.ui import page_language
from resnet_demo.ui.page_language import PageLanguage, chosen, remember, request_language


def req(query=None, session="s1", header="en-US,en;q=0.9"):
    return SimpleNamespace(query_params=query or {}, session_hash=session, headers={"accept-language": header})


@pytest.mark.parametrize(("value", "lang"), [("zh-CN", "zh-CN"), ("ZH", "zh-CN"), (" en ", "en"), ("fr", None),
                                             ("<script>", None), (["zh"], None), (None, None), ("zh" * 20, None)])
def test_only_known_values_choose_a_language(value, lang):
    assert chosen(value) == lang


def test_the_address_beats_the_session_which_beats_the_header(monkeypatch):
    monkeypatch.setattr(page_language, "SESSIONS", page_language._Sessions(size=2))
    assert request_language(req(header="zh-CN,zh;q=0.9")) == "zh-CN"  # no choice made: the browser's language
    assert request_language(req({"lang": "zh-CN"})) == "zh-CN"
    remember(req({"lang": "zh-CN"}, session="s1"))  # the page's load event
    assert request_language(req(session="s1")) == "zh-CN"  # a later event of that page, English header
    assert request_language(req(session="s2")) == "en"
    assert request_language(req({"lang": "en"}, session="s1")) == "en"
    remember(req({"lang": "en"}, session="s2"))
    remember(req({"lang": "en"}, session="s3"))  # the oldest session is forgotten: bounded memory
    assert request_language(req(session="s1")) == "en"
    assert request_language(None) == "en"
    remember(req({"lang": "xx"}, session="s4"))  # nothing to remember
    assert page_language.SESSIONS.get("s4") is None


def _client() -> TestClient:
    async def page(request):
        return HTMLResponse("<!doctype html><html><head><title>t</title></head><body>x</body></html>")

    async def api(request):
        return JSONResponse({"lang": "<head>"})

    app = Starlette(routes=[Route("/", page), Route("/api", api)])
    return TestClient(PageLanguage(app))


def test_a_page_asked_for_with_lang_starts_in_that_language():
    client = _client()
    body = client.get("/?lang=zh-CN").text
    assert body.index("<script>") == body.index("<head>") + 6  # before anything Gradio loads
    assert "'zh-CN'" in body and "Navigator.prototype,'language'" in body
    assert int(client.get("/?lang=zh-CN").headers["content-length"]) == len(body.encode())
    assert "'en'" in client.get("/").text  # no ?lang=: the header's language, as the handlers read it
    assert "'zh-CN'" in client.get("/", headers={"accept-language": "zh-TW,zh;q=0.9"}).text
    assert "'en'" in client.get("/", headers={"accept-language": "fr,en;q=0.5"}).text
    hostile = client.get("/?lang=<script>alert(1)</script>").text  # unknown: the header decides
    assert hostile.count("<script>") == 1 and "alert" not in hostile
    assert client.get("/api?lang=zh-CN").json() == {"lang": "<head>"}  # only HTML pages are touched
