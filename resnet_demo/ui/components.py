"""A photo input that leaves reading the file to the engine, so every bad upload gets our message.

Gradio's own `Image` opens uploads with PIL in its preprocessing step; a file that is not an
image, or a decompression bomb, then fails inside Gradio with a generic error before our code
runs. `PhotoInput` hands the handler the uploaded file's path untouched (or writes a data URL's
bytes to a file in Gradio's cache), and `resnet_demo.images` checks it and says what is wrong.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from pathlib import Path

import gradio as gr


class PhotoInput(gr.Image):
    """`gr.Image` whose preprocessing never opens the file: the handler always gets a path."""

    is_template = True  # rendered by the frontend's `image` component
    # No __init__ override: Gradio builds the frontend config from the signature of __init__.

    def preprocess(self, payload):  # type: ignore[override]
        if payload is None:
            return None
        if payload.url and payload.url.startswith("data:"):
            try:
                data = base64.b64decode(payload.url.partition(",")[2], validate=True)
            except (binascii.Error, ValueError):
                raise gr.Error("The picture could not be received (bad data URL). Please try again.") from None
            path = Path(self.GRADIO_CACHE) / f"pasted-{uuid.uuid4().hex}"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            return str(path)
        if payload.path is None:
            raise gr.Error("The upload did not arrive; please try again.")
        return str(payload.path)  # a path inside Gradio's upload cache, never a user-chosen path


class ClassPicker(gr.Dropdown):
    """A searchable dropdown of the 1000 ImageNet classes whose API type is a plain string.

    As a plain Dropdown its API schema would list all 1000 choices; the handler already accepts
    "", an index, "index · label" or a label, so the API documents it as text.
    """

    is_template = True  # rendered by the frontend's `dropdown` component

    def api_info(self) -> dict:
        return {"type": "string", "description": '"" for the top-1 class, an index 0-999, or an ImageNet label'}
