"""Request values and server sentences as text that no part of the page can turn into markup.

What a visitor typed (or sent through the HTTP API) comes back in messages: Gradio renders an
error toast's message as HTML (sanitised, so tags such as `<img>` and `<a>` survive), and
`gr.Markdown` renders Markdown (links, images, emphasis, and bare URLs made into links) before
sanitising. So a value is shown only after `inert`:

* every ASCII punctuation mark becomes a numeric character reference (`<` → `&#60;`, `[` →
  `&#91;`, `:` → `&#58;`): both HTML and Markdown show the character itself, and neither can
  open a tag, an attribute, a link, an image, emphasis, a table, a heading or an autolink
  (`https://`, `www.` and `a@b` no longer read as such);
* control and formatting characters (NUL, escape, line breaks, the right-to-left override
  U+202E and the other bidi controls, zero-width characters, lone surrogates) are shown as
  `⟨U+202E⟩`, so they can neither reorder nor hide the text around them;
* it is cut to `limit` characters, with "…".

Letters, digits, spaces and other scripts (Chinese, accents) are left as they are. An engine
error's sentence, written by the server but possibly quoting a value (a file name), goes through
`sentence`, which escapes less so that prose stays readable. Both results are meant for HTML or
Markdown output (a toast, a note); plain-text outputs (chart titles, file names) are never built
from request values. A client of the raw API reads messages as HTML, as Gradio documents them:
`html.unescape` gives the text back.
"""

from __future__ import annotations

import string
import unicodedata
from typing import Any

VALUE_LIMIT = 60
"""Characters of a request value shown in a message (a class search, a parameter): enough to recognise it."""
SENTENCE_LIMIT = 600
"""Characters of a server-written sentence shown in a message."""

_HIDDEN = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}  # controls, format (bidi, zero-width), surrogates, unassigned
_PUNCTUATION = frozenset(string.punctuation)
_PROSE_SPECIAL = frozenset("&<>[]*_`\\~:@$|")  # tags, entities, links, emphasis, code, autolinks, maths, tables


def _escaped(text: str, limit: int, special: frozenset[str]) -> str:
    """`text` cut to `limit` characters, hidden ones made visible, `special` ones as character references."""
    shown = []
    for i, char in enumerate(text[:limit]):
        if unicodedata.category(char) in _HIDDEN:
            shown.append(f"⟨U+{ord(char):04X}⟩")
        elif char in special or (char == "." and text[max(i - 3, 0):i].lower() == "www"):
            shown.append(f"&#{ord(char)};")
        else:
            shown.append(char)
    return "".join(shown) + ("…" if len(text) > limit else "")


def inert(value: Any, *, limit: int = VALUE_LIMIT) -> str:
    """`value` (text as is, anything else as its repr) as inert text for an HTML or Markdown message."""
    return _escaped(value if isinstance(value, str) else repr(value), limit, _PUNCTUATION)


def sentence(text: str, *, limit: int = SENTENCE_LIMIT) -> str:
    """A server-written sentence (an engine error's message) as inert text for an HTML or Markdown message.

    It is prose, so it stays readable: only what could open a tag, an entity, a Markdown link,
    emphasis or an autolink is escaped (it may quote a value, such as a file name), and hidden
    characters are shown as in `inert`.
    """
    return _escaped(text, limit, _PROSE_SPECIAL)
