"""Every parameter a request can send, checked before any work, with a message that names it.

The page only sends values its controls allow; the HTTP API can send anything in any field: a
depth of "abc", an opacity of NaN, a top-k of 10^12, a megabyte of text as a class name, a list
where a flag belongs. Each checker returns the value in the type the engine wants or raises
`ParameterError`, which carries which parameter, the rule it broke and the value it got: the UI
words it in the visitor's language (`refusals.py`), showing the value only as inert text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

from ..class_names import find_class
from ..errors import DemoError

MAX_TEXT = 200
"""Longest text a parameter may carry (an ImageNet label is at most 80 characters)."""
TOP1_VALUES = ("", "top-1", "top1", "auto", "none")

_ENGLISH = {  # str(ParameterError): for logs and tests; the page shows refusals.refusal_message
    "choice": "{name} must be one of {allowed}; got {got}",
    "integer": "{name} must be a whole number from {low} to {high}; got {got}",
    "number": "{name} must be a number from {low:g} to {high:g}; got {got}",
    "flag": "{name} must be true or false; got {got}",
    "text": "{name} must be text of at most {max_length} characters; got {got}",
    "choices": "{name} must be a list of some of {allowed}; got {got}",
    "class": "No ImageNet class matches {got}.",
}


class ParameterError(DemoError, ValueError):
    """A request parameter is missing, of the wrong type or out of range.

    `name` is the parameter, `rule` the key of what it must be (`choice`, `integer`, `number`,
    `flag`, `text`, `choices`, `class`), `facts` that rule's figures (allowed values, bounds) and
    `value` what the request sent, untouched: whoever shows it makes it inert first.
    """

    def __init__(self, name: str, rule: str, value: Any, **facts: Any) -> None:
        super().__init__(_ENGLISH[rule].format(name=name, got=_shown(value), **facts))
        self.name, self.rule, self.value, self.facts = name, rule, value, facts  # after DemoError's own fields

    def __reduce__(self):  # noqa: ANN204 - pickle's protocol; Exception's default would lose the fields
        return _rebuilt, (self.name, self.rule, self.value, self.facts)


def _rebuilt(name: str, rule: str, value: Any, facts: dict[str, Any]) -> ParameterError:
    return ParameterError(name, rule, value, **facts)


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _listed(allowed: Sequence[Any]) -> str:
    return ", ".join(map(str, allowed))


def choice(name: str, value: Any, allowed: Sequence[Any]) -> Any:
    """`value` if it is one of `allowed` (ints also accepted as their decimal text)."""
    for option in allowed:
        if value == option and type(value) is not bool:
            return option
        if isinstance(option, int) and isinstance(value, str) and value.strip() == str(option):
            return option
    raise ParameterError(name, "choice", value, allowed=_listed(allowed))


def integer(name: str, value: Any, low: int, high: int) -> int:
    """`value` as an int in [low, high] (a whole float such as 5.0, or "5", is accepted)."""
    number = value
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,12}\s*", value):
        number = int(value)
    if isinstance(number, float) and math.isfinite(number) and number.is_integer():
        number = int(number)
    if isinstance(number, bool) or not isinstance(number, int) or not low <= number <= high:
        raise ParameterError(name, "integer", value, low=low, high=high)
    return number


def number(name: str, value: Any, low: float, high: float) -> float:
    """`value` as a finite float in [low, high]."""
    try:
        result = float(value) if not isinstance(value, bool) and isinstance(value, (int, float, str)) else math.nan
    except (ValueError, OverflowError):
        result = math.nan
    if not (math.isfinite(result) and low <= result <= high):
        raise ParameterError(name, "number", value, low=low, high=high)
    return result


def flag(name: str, value: Any) -> bool:
    """`value` as a bool (true/false, or 1/0)."""
    if isinstance(value, bool):
        return value
    if value in (0, 1) or (isinstance(value, str) and value.strip().lower() in ("true", "false", "0", "1")):
        return str(value).strip().lower() in ("1", "true")
    raise ParameterError(name, "flag", value)


def text(name: str, value: Any, *, max_length: int = MAX_TEXT) -> str:
    """`value` as a str of at most `max_length` characters (None counts as "")."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or len(value) > max_length:
        raise ParameterError(name, "text", value, max_length=max_length)
    return value


def choices(name: str, values: Any, allowed: Sequence[Any]) -> list[Any]:
    """`values` as a list of distinct items of `allowed`, in `allowed`'s order."""
    if not isinstance(values, (list, tuple)) or not values or len(values) > len(allowed):
        raise ParameterError(name, "choices", values, allowed=_listed(allowed))
    picked = {choice(name, v, allowed) for v in values}
    return [option for option in allowed if option in picked]


def target_class(value: Any, labels: Sequence[str]) -> int | None:
    """None for the top-1 class, else the index named by `value`: "281", "281 · tabby", "tabby (281)",
    "tabby", "虎斑猫", "hubanmao" or "hǔ bān māo" (see `class_names.find_class`).

    Raises `ParameterError` (rule "class", its value the text as typed, stripped).
    """
    value = text("target_class", value).strip()
    if value.lower() in TOP1_VALUES:
        return None
    match = re.fullmatch(r"(\d{1,4})(\s*[·:].*)?", value) or re.fullmatch(r".*\((\d{1,4})\)", value)
    if match and int(match.group(1)) < len(labels):
        return int(match.group(1))
    index = find_class(value, labels)
    if index is not None and index < len(labels):
        return index
    raise ParameterError("target_class", "class", value)
