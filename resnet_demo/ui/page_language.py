"""One language for the whole page: `?lang=zh-CN` / `?lang=en` (which Settings → Language sets too),
else the browser's Accept-Language.

Two parts of the page pick a language in different places. Gradio's I18n words the static labels
in the browser, from `navigator.language` when the page starts (its Settings menu can switch them
later); the handlers word what they compute on the server (`say`). The server decides for both:

* `PageLanguage` (an ASGI middleware) puts a one-line script at the top of the page that makes
  `navigator.language` read the page's language before Gradio starts: `?lang=` of the address,
  else what `strings.language` reads from the Accept-Language header, the rule the handlers use;
* `remember` (the page's load event) records `?lang=` for the session, so every later request of
  that page is answered in it (without `?lang=`, each request's own Accept-Language gives the same);
* the same script follows Gradio's own Settings menu (footer → Settings → Language): Gradio's I18n
  writes each locale it switches to into `<html lang>`, and when that leaves the page's language
  after a user action, the script reloads the page with `?lang=` of the language chosen, so labels
  and server text switch together (the page's own switch, `switch_links`, does the same). The server
  words text in English and Simplified Chinese only; any other choice in that menu would give
  labels in one language and server text in another, so the page falls back to the nearest whole
  page: Chinese of either script → zh-CN, every other language → en. Gradio lists ~30 languages in
  a menu it builds itself; hiding the others would mean editing its markup, which a Gradio update
  can silently break, while svelte-i18n (Gradio's I18n library) always writes its locale into `<html lang>`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import MutableMapping
from typing import Any
from urllib.parse import parse_qs

from .strings import language

PARAM = "lang"
LANGUAGES = {"en": "en", "zh-cn": "zh-CN", "zh": "zh-CN"}
"""Values `?lang=` accepts (lower case) and the language each picks."""
SESSIONS_KEPT = 10_000  # page loads remembered; the oldest are forgotten first (they fall back to the header)


def chosen(value: object) -> str | None:
    """The language `?lang=value` picks, or None for anything else (a hostile value is simply ignored)."""
    return LANGUAGES.get(value.strip().lower()) if isinstance(value, str) and len(value) <= 16 else None


class _Sessions:
    """session hash → language chosen by `?lang=` on that page load (bounded, thread-safe)."""

    def __init__(self, size: int = SESSIONS_KEPT) -> None:
        self._langs: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()
        self._size = size

    def set(self, session: str, lang: str) -> None:
        with self._lock:
            self._langs[session] = lang
            self._langs.move_to_end(session)
            while len(self._langs) > self._size:
                self._langs.popitem(last=False)

    def get(self, session: str) -> str | None:
        with self._lock:
            return self._langs.get(session)


SESSIONS = _Sessions()


def _query_param(request: Any) -> str | None:
    params = getattr(request, "query_params", None)
    try:
        return chosen(params.get(PARAM)) if params is not None else None
    except (AttributeError, TypeError):
        return None


def _session(request: Any) -> str | None:
    session = getattr(request, "session_hash", None) if request is not None else None
    return session if isinstance(session, str) and session else None


def request_language(request: Any) -> str:
    """The page's language for text built on the server: `?lang=` of this request or of its page load,
    else the browser's Accept-Language."""
    if request is None:
        return "en"
    if lang := _query_param(request):
        return lang
    if (session := _session(request)) and (lang := SESSIONS.get(session)):
        return lang
    headers = getattr(request, "headers", None) or {}
    try:
        return language(headers.get("accept-language"))
    except (AttributeError, TypeError):
        return "en"


def remember(request: Any = None) -> None:
    """The page's load event: record `?lang=` of this page load for the rest of its session."""
    lang, session = _query_param(request), _session(request)
    if lang and session:
        SESSIONS.set(session, lang)


def switch_links() -> str:
    """Markdown links that reload the page in each language (each named in its own language)."""
    return f"[English](?{PARAM}=en) · [简体中文](?{PARAM}=zh-CN)"


def _script(lang: str) -> bytes:
    # Runs before Gradio's module scripts, which read navigator.language to pick the I18n locale.
    # Gradio's I18n (svelte-i18n) writes every locale it switches to into <html lang>; when the
    # Settings menu switches it away from the page's language, the page reloads with ?lang= of the
    # language the server can word (Chinese of any script -> zh-CN, any other -> en), so labels and
    # server text switch together. Only after a trusted user action: Gradio's own start-up never reloads.
    return (f"<script>(function(){{var l={lang!r};try{{Object.defineProperty(Navigator.prototype,'language',"
            f"{{get:function(){{return l}}}});Object.defineProperty(Navigator.prototype,'languages',"
            f"{{get:function(){{return [l]}}}})}}catch(e){{}}var h=document.documentElement;h.lang=l;"
            f"var u=0;['pointerdown','keydown'].forEach(function(t){{addEventListener(t,function(e){{"
            f"if(e.isTrusted)u=1}},true)}});try{{new MutationObserver(function(){{var v=h.lang||'';"
            f"if(!u||v===l)return;var w=/^zh/i.test(v)?'zh-CN':'en';if(w===l&&v.toLowerCase()===l.toLowerCase())return;"
            f"var q=new URL(location.href);q.searchParams.set('{PARAM}',w);location.replace(q.href)}})"
            f".observe(h,{{attributes:true,attributeFilter:['lang']}})}}catch(e){{}}}})();</script>"
            ).encode()


Scope = MutableMapping[str, Any]


class PageLanguage:
    """ASGI middleware: every HTML page starts Gradio's I18n in the language the server words it in."""

    def __init__(self, app: Any) -> None:
        self.app = app

    @classmethod
    def middleware(cls):
        """This middleware as FastAPI's constructor takes it (`launch(app_kwargs={"middleware": [...]})`)."""
        from starlette.middleware import Middleware

        return Middleware(cls)

    async def __call__(self, scope: Scope, receive, send) -> None:
        lang = None
        if scope["type"] == "http" and scope.get("method") == "GET":
            query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
            header = dict(scope.get("headers") or []).get(b"accept-language", b"").decode("latin-1")
            lang = chosen((query.get(PARAM) or [None])[0]) or language(header)
        if lang is None:
            await self.app(scope, receive, send)
            return
        start: dict | None = None
        chunks: list[bytes] = []

        async def patched(message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers") or [])
                if not headers.get(b"content-type", b"").startswith(b"text/html") or b"content-encoding" in headers:
                    start = None
                    await send(message)
                    return
                start = message
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks)
            at = body.find(b"<head>")
            if at >= 0:
                body = body[: at + 6] + _script(lang) + body[at + 6:]
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, patched)
