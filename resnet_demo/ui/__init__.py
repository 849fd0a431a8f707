"""The Gradio web app: a view on `resnet_demo.service`. Builds the page; `app.py` launches it."""

from .layout import build_app

__all__ = ["build_app"]
