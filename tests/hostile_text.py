"""Text a hostile visitor types or sends, and an independent check that what came back is inert.

`PAYLOADS` is the table both the raw-HTTP test and the browser test send. `markup_in(text, payload)`
renders `text` the two ways the page does (as HTML, like Gradio's toasts; as Markdown with bare
links recognised, like `gr.Markdown`), with renderers that share no code with the app
(`html.parser`, `markdown-it-py` + `linkify-it-py`), and lists what in it is not inert.
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

from markdown_it import MarkdownIt

LONG = "A" * 5000
PAYLOADS: dict[str, Any] = {
    "img onerror": '<img src=x onerror="window.__xss=1">',
    "script, svg onload": "<script>window.__xss=1</script><svg onload=window.__xss=1>",
    "attribute breakout": '" onmouseover="window.__xss=1" x="',
    "javascript url": "javascript:window.__xss=1",
    "data url": "data:text/html;base64,PHNjcmlwdD53aW5kb3cuX194c3M9MTwvc2NyaXB0Pg==",
    "styled html link": '<a href="javascript:window.__xss=1" style="font-size:90px">x</a>',
    "markdown link": "[click me](javascript:window.__xss=1)",
    "markdown image": "![x](https://example.com/tracker.png)",
    "autolinks": "<https://example.com> www.example.com a@example.com",
    "markdown styling, maths": "**bold** _em_ ~~gone~~ `code` | a | b | $$x^2$$",
    "entities": "&lt;img src=x onerror=window.__xss=1&gt; &#60;b&#62;",
    "long": LONG,
    "long, markup past the limit": "x" * 150 + '<img src=x onerror="window.__xss=1">',
    "control characters": "tab\x00by\x1b[31m\r\n<b>x</b>\x7f\x85\x08end",
    "right-to-left override": "\u202egpj.exe\u202c <b>\u2066x\u2069</b>",
    "invisible, lone surrogate": "a\u200bb\u200c\u200d\ufeff\u2028\u2029\u200e\u200f\u061cc x\ud800y",
    "not text": {"<img src=x>": ["<script>window.__xss=1</script>", 5]},
}
FEW = ("img onerror", "markdown link", "control characters", "right-to-left override", "not text")
"""The payloads sent where a value is not text even on the page (numbers, flags, state): one of each kind."""

ALLOWED = {"p", "strong", "br", "code", "ul", "ol", "li", "h3", "h4"}
"""Elements the app's own Markdown produces (bold status lines, lists); anything else is a payload's."""
HIDDEN = {"Cc", "Cf", "Cs", "Co", "Zl", "Zp"}

_markdown = MarkdownIt("gfm-like", {"linkify": True})  # tables, strikethrough, bare links: as GitHub and Gradio


class _Elements(HTMLParser):
    """The elements, attributes and text of an HTML fragment."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):  # noqa: ANN001 - HTMLParser's signature
        self.tags.append((tag, attrs))

    def handle_data(self, data):  # noqa: ANN001
        self.text.append(data)

    def handle_comment(self, data):  # noqa: ANN001
        self.tags.append(("<!--", []))


def _parsed(fragment: str) -> _Elements:
    parser = _Elements()
    parser.feed(fragment)
    parser.close()
    return parser


def _words(payload: Any) -> list[str]:
    """Runs of the payload's visible text (split at hidden characters), 8 characters or more."""
    text = payload if isinstance(payload, str) else repr(payload)
    runs, run = [], []
    for char in text[:200]:
        if unicodedata.category(char) in HIDDEN:
            runs.append("".join(run))
            run = []
        else:
            run.append(char)
    runs.append("".join(run))
    return [r[:40] for r in runs if len(r) >= 8]


def markup_in(text: str, payload: Any) -> list[str]:
    """What in `text` is not inert: hidden characters of the payload, the payload whole, or, where
    `text` quotes the payload, elements, attributes or payload text a renderer turned into
    something else. Empty when `text` is inert (a text that quotes nothing of it is the server's own)."""
    problems = []
    raw = payload if isinstance(payload, str) else repr(payload)
    quoted = [word for word in _words(payload) if word in html.unescape(text)]
    for char in {c for c in raw if unicodedata.category(c) in HIDDEN}:
        if char in text and (quoted or char != "\n"):  # the app's own Markdown has line breaks
            problems.append(f"hidden character U+{ord(char):04X} came back")
    if len(raw) >= 200 and raw[:200] in text:
        problems.append(f"the value came back whole ({len(text)} characters)")
    if not quoted:
        return problems
    for how, rendered in (("as HTML", text), ("as Markdown", _markdown.render(text))):
        parsed = _parsed(rendered)
        for tag, attrs in parsed.tags:
            if tag not in ALLOWED or attrs:
                problems.append(f"{how}: <{tag} {attrs}>")
        shown = "".join(parsed.text)
        # the payload's text must be seen as typed, not rendered into markup
        problems += [f"{how}: {word!r} is not shown as typed" for word in quoted if word not in shown]
    return problems


def strings_in(value: Any, *, skip: tuple[str, ...] = ("url", "path")) -> Iterator[str]:
    """Every string in a JSON answer, except file locations (`url`, `path`: written by the server)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in skip:
                yield from strings_in(item, skip=skip)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from strings_in(item, skip=skip)
