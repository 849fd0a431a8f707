"""The class picker's 1000 choices in each page language (Chinese pages search by 中文名, English or pinyin).

The choices are built once, when the page is built, so each is a Gradio I18n key ("class_281"): the
browser shows the label of the page's language ("281 · tabby", or "281 · 虎斑猫 · tabby · hubanmao")
and filters the list by what is typed into it, in that language. The value sent back is the index
as text, whatever the language, and `params.target_class` reads it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from ..class_names import picker_label


def choice_key(index: int) -> str:
    """The I18n key of class `index`'s choice label."""
    return f"class_{index}"


def with_class_choices(tables: Mapping[str, Mapping[str, str]], labels: Sequence[str]) -> dict[str, dict[str, str]]:
    """`tables` (language -> key -> text) plus every class's choice label in each language."""
    merged = {}
    for lang, table in tables.items():
        choices = {choice_key(i): picker_label(i, label, lang) for i, label in enumerate(labels)}
        clash = set(choices) & set(table)
        if clash:
            raise ValueError(f"string keys clash with the class choices: {sorted(clash)[:5]}")
        merged[lang] = {**table, **choices}
    return merged


def target_choices(labels: Sequence[str], top1: object, t: Callable[[str], object]) -> list[tuple[object, str]]:
    """The picker's choices: `top1` (a translated label, value "") first, then each class (value its index)."""
    return [(top1, "")] + [(t(choice_key(i)), str(i)) for i in range(len(labels))]
