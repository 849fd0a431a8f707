"""What a visitor is told: the request's language, and every failure as a message a student reads.

Shared by every handler module: the language comes from the page's `?lang=` or Accept-Language;
known failures (a bad photo, a bad setting, missing weights, memory, a stopped job) become a
`gr.Error` in that language; anything else is logged with its traceback and reported briefly.
Gradio renders a `gr.Error`'s message as HTML: no request value and no exception text enters
one except through `inert` (a refused setting's value, see `refusals.py`) or `sentence` (an
engine error written for the user, which may quote a file name).
"""

from __future__ import annotations

import logging
from typing import Any

import gradio as gr

from ..errors import DemoError, ImageError, ResourceExhaustedError, WeightsUnavailableError
from ..lanes import Cancelled
from . import page_language, params
from .inert import sentence
from .refusals import refusal_message
from .strings import TABLES, say
from .uploads import UploadRefused

log = logging.getLogger(__name__)


def request_language(request: gr.Request | None) -> str:
    """The language for text built at run time: the page's `?lang=`, else Accept-Language (`page_language`)."""
    return page_language.request_language(request)


def session_of(request: gr.Request | None) -> str | None:
    """The browser session a request came from (one per page load), or None outside a server."""
    session = getattr(request, "session_hash", None) if request is not None else None
    return session if isinstance(session, str) and session else None


def user_error(exc: BaseException, lang: str) -> gr.Error:
    """A gr.Error whose message says what happened and what to do (the server stays up)."""
    if isinstance(exc, gr.Error):
        return exc
    if isinstance(exc, UploadRefused):  # one message for every path the server did not hand out
        return gr.Error(f"{say('err_image', lang)} {say('err_not_uploaded', lang)}", print_exception=False)
    if isinstance(exc, Cancelled):
        return gr.Error(say("err_stopped", lang), print_exception=False)
    if isinstance(exc, params.ParameterError):
        return gr.Error(refusal_message(exc, lang), print_exception=False)
    for kind, key in (
        (ImageError, "err_image"),
        (WeightsUnavailableError, "err_weights"),
        (ResourceExhaustedError, "err_memory"),
        (DemoError, "err_value"),
    ):
        if isinstance(exc, kind):
            return gr.Error(join(say(key, lang), engine_detail(exc, lang), lang), print_exception=False)
    if isinstance(exc, (ValueError, TypeError)):  # the engine's own checks: their text quotes values, in English
        log.warning("refused a request: %s", exc)
        return gr.Error(say("err_value", lang), print_exception=False)
    log.exception("unexpected failure in a request", exc_info=exc)
    return gr.Error(say("err_unexpected", lang, kind=type(exc).__name__), print_exception=False)


def join(first: str, second: str, lang: str) -> str:
    """Two sentences: a space between them in English, none after a Chinese full stop."""
    return first if not second else f"{first}{'' if lang.startswith('zh') else ' '}{second}"


def engine_detail(exc: DemoError, lang: str) -> str:
    """What an engine error says, in `lang`: its case worded from the string table with its facts.

    A case no table words (a server set-up problem: weights, a device) keeps its English message on an
    English page (it may name a file: `sentence` makes it inert); a Chinese page gets a pointer to the log.
    """
    key = f"err_reason_{exc.reason}"
    if exc.reason and key in TABLES["en"]:
        try:
            return say(key, lang, **exc.facts)
        except (KeyError, IndexError, ValueError):  # facts that do not fit the template: a bug, not the user's
            log.exception("engine error %r lacks facts for %s", exc.reason, key)
    if lang.startswith("zh"):
        log.warning("engine error shown without its English detail: %s", exc)
        return say("err_detail_logged", lang)
    return sentence(str(exc))


def photo_path(image: Any) -> str:
    """The upload's path as the photo input handed it over, or the refusal it carries."""
    if isinstance(image, UploadRefused):
        raise image
    if isinstance(image, ImageError):  # a pasted picture that could not be read
        raise image
    if not isinstance(image, str) or not image:
        raise UploadRefused("no path")
    return image
