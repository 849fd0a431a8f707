"""A refused control: its message, in the visitor's language, next to the control; the panels untouched.

When one control's value is refused (a class nobody has heard of, a depth of "abc" sent through
the API), raising `gr.Error` would put an "Error" badge over every output of the event and hide
the result the student was looking at. Instead the handler answers `gr.skip()` for every panel
and shows the message in a small note under the controls (`note`), which the next good answer
clears. Only a new photo that cannot be read still fails the whole event (`messages.user_error`).

The value the request sent appears in the message only through `inert.inert`.
"""

from __future__ import annotations

import gradio as gr

from .inert import inert
from .params import ParameterError
from .strings import add_strings, say

EN = {
    "ref_choice": "{name} must be one of {allowed}; it got “{value}”.",
    "ref_integer": "{name} must be a whole number from {low} to {high}; it got “{value}”.",
    "ref_number": "{name} must be a number from {low:g} to {high:g}; it got “{value}”.",
    "ref_flag": "{name} must be true or false; it got “{value}”.",
    "ref_text": "{name} must be text of at most {max_length} characters; it got “{value}”.",
    "ref_choices": "{name} must be a list of some of {allowed}; it got “{value}”.",
}
ZH = {
    "ref_choice": "{name} 只能是 {allowed} 中的一个，但收到的是“{value}”。",
    "ref_integer": "{name} 必须是 {low} 到 {high} 之间的整数，但收到的是“{value}”。",
    "ref_number": "{name} 必须是 {low:g} 到 {high:g} 之间的数，但收到的是“{value}”。",
    "ref_flag": "{name} 只能是 true 或 false，但收到的是“{value}”。",
    "ref_text": "{name} 必须是不超过 {max_length} 个字符的文本，但收到的是“{value}”。",
    "ref_choices": "{name} 必须是由 {allowed} 中的若干项组成的列表，但收到的是“{value}”。",
}
add_strings(EN, ZH)


def refusal_message(exc: ParameterError, lang: str) -> str:
    """What the visitor is told about a refused value, with the value as inert text."""
    if exc.rule == "class":
        return say("err_target", lang, text=inert(exc.value))
    detail = say(f"ref_{exc.rule}", lang, name=exc.name, value=inert(exc.value), **exc.facts)
    lead = say("err_value", lang)
    return f"{lead}{'' if lead.endswith('。') else ' '}{detail}"  # no space after a Chinese full stop


def note_box(elem_id: str) -> gr.Markdown:
    """The (hidden) note placed under a tab's controls; its text arrives already inert.

    Markdown, so a message can be worded like the rest of the page; maths rendering is off, since
    KaTeX reads `$$` in the rendered text itself, where escaping cannot reach it.
    """
    return gr.Markdown(visible=False, elem_id=elem_id, elem_classes="refusal-note", latex_delimiters=[])


def note(message: str = "") -> dict:
    """The note under the controls: `message`, or hidden when there is none."""
    return gr.update(value=message, visible=bool(message))


def refused(exc: ParameterError, lang: str, panels: int) -> tuple:
    """An event's answer to a refused control: `panels` outputs left as they are, then the note."""
    return (*(gr.skip() for _ in range(panels)), note(refusal_message(exc, lang)))
