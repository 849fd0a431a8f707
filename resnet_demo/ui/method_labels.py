"""How the method menus name the CAM methods: the published name, and "(slow)" in the page's language.

The engine's `CamMethod.title` is the method's proper name only; a method that runs the network
per channel gets an I18n key of its own (registered at import, before the page's I18n is built),
so the browser shows "Score-CAM (slow)" or "Score-CAM（较慢）".
"""

from __future__ import annotations

from collections.abc import Callable

from ..cams import METHODS
from .strings import EN, ZH, add_strings


def _key(name: str) -> str:
    return f"method_label_{name}"


add_strings({_key(n): EN["method_slow"].format(title=m.title) for n, m in METHODS.items() if m.runs_model},
            {_key(n): ZH["method_slow"].format(title=m.title) for n, m in METHODS.items() if m.runs_model})


def method_choices(t: Callable[[str], object], *, slow: bool = True) -> list[tuple[object, str]]:
    """(label, value) of each CAM method for a menu; `slow=False` leaves out those that run the model."""
    return [(t(_key(name)) if spec.runs_model else spec.title, name) for name, spec in METHODS.items()
            if slow or not spec.runs_model]
