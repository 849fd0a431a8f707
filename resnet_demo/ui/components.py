"""A photo input that leaves reading the file to the engine, and reads only files the server handed out.

Gradio's own `Image` opens uploads with PIL in its preprocessing step; a file that is not an
image, or a decompression bomb, then fails inside Gradio with a generic error before our code
runs. `PhotoInput` hands the handler the uploaded file's path untouched, after checking that it
is one the server handed out (`uploads.accept_path`), or writes a data URL's bytes to a file in
Gradio's cache (registered for Gradio's cache cleanup). A refusal is handed to the handler as
the `ImageError` itself, so the handler can say it in the visitor's language.
"""

from __future__ import annotations

from pathlib import Path

import gradio as gr
from gradio.data_classes import ImageData
from pydantic import ConfigDict, ValidationError, model_validator

from ..errors import ImageError
from ..service import EXAMPLE_PHOTOS
from .uploads import accept_path, save_data_url


class PhotoData(ImageData):
    """Gradio's `ImageData`, except that a malformed payload (a list, a number, a path that is not a
    string) becomes an empty one instead of failing validation inside Gradio with a bare "Error":
    `PhotoInput` then refuses it with the app's own message. The API schema stays ImageData's."""

    model_config = ConfigDict(title="ImageData")

    @model_validator(mode="wrap")
    @classmethod
    def _or_empty(cls, value, handler):  # noqa: ANN001, ANN206 - pydantic's validator signature
        try:
            return handler(value)
        except ValidationError:
            return cls.model_construct(path=None, url=None)


class PhotoInput(gr.Image):
    """`gr.Image` whose preprocessing never opens the file: the handler gets a checked path or a refusal."""

    is_template = True  # rendered by the frontend's `image` component
    data_model = PhotoData
    # No __init__ override: Gradio builds the frontend config from the signature of __init__.

    def preprocess(self, payload):  # type: ignore[override]
        if payload is None:
            return None
        try:
            if payload.url and payload.url.startswith("data:"):
                path = save_data_url(payload.url, Path(self.GRADIO_CACHE) / "pasted")
                self.temp_files.add(str(path))  # so Gradio's cache cleanup (delete_cache) removes it
                return str(path)
            return str(accept_path(payload.path, roots=[self.GRADIO_CACHE], files=EXAMPLE_PHOTOS))
        except ImageError as refusal:
            return refusal


def _as_sent(self, payload):  # noqa: ANN001 - Gradio's preprocess signature
    """Hand the value to the handler as the request sent it: the handler checks it (`params`) and
    says what is wrong, naming the parameter, in the visitor's language. (Gradio's own checks
    either crash on a wrong type, answering a bare "Error", or name neither the parameter nor
    the allowed values in a way a student reads.)"""
    return payload


class Choice(gr.Radio):
    """`gr.Radio` whose value the handler checks."""

    is_template = True
    preprocess = _as_sent


class Choices(gr.CheckboxGroup):
    """`gr.CheckboxGroup` whose values the handler checks."""

    is_template = True
    preprocess = _as_sent


class Menu(gr.Dropdown):
    """`gr.Dropdown` whose value the handler checks."""

    is_template = True
    preprocess = _as_sent


class NumberSlider(gr.Slider):
    """`gr.Slider` whose value the handler checks."""

    is_template = True
    preprocess = _as_sent


class ClassPicker(gr.Dropdown):
    """A searchable dropdown of the 1000 ImageNet classes whose API type is a plain string.

    As a plain Dropdown its API schema would list all 1000 choices; the handler already accepts
    "", an index, "index · label" or a name (English, Chinese or pinyin), so the API documents it as text.
    """

    is_template = True  # rendered by the frontend's `dropdown` component
    preprocess = _as_sent  # any text: `params.target_class` reads it

    def api_info(self) -> dict:
        return {"type": "string", "description": '"" for the top-1 class, an index 0-999, or a class name '
                '(English, Chinese or pinyin)'}
