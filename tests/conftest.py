"""Shared fixtures: an empty torch cache, no network, random-weight models, real photos.

Tests never touch the network: `socket` refuses every address but loopback (so a live Gradio
server on 127.0.0.1 works while a download attempt fails fast, exactly as on an offline
machine), and TORCH_HOME points at a fresh folder so no weights from the user's cache leak in.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from pathlib import Path

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

ASSETS = Path(__file__).resolve().parent.parent / "assets"

_real_connect = socket.socket.connect
_real_getaddrinfo = socket.getaddrinfo


def _is_local(host: object) -> bool:
    if not isinstance(host, str):
        return True  # AF_UNIX paths and the like
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _guarded_connect(self: socket.socket, address):  # type: ignore[no-untyped-def]
    host = address[0] if isinstance(address, tuple) else address
    if not _is_local(host):
        raise OSError(f"network access is disabled in tests (tried {address!r})")
    return _real_connect(self, address)


def _guarded_getaddrinfo(host, *args, **kwargs):  # type: ignore[no-untyped-def]
    if host is not None and not _is_local(host if isinstance(host, str) else host.decode()):
        raise socket.gaierror(f"network access is disabled in tests (tried to resolve {host!r})")
    return _real_getaddrinfo(host, *args, **kwargs)


@pytest.fixture(scope="session", autouse=True)
def offline(tmp_path_factory: pytest.TempPathFactory):
    """No network and an empty torch cache, for the whole session."""
    torch_home = tmp_path_factory.mktemp("torch_home")
    old_home = os.environ.get("TORCH_HOME")
    os.environ["TORCH_HOME"] = str(torch_home)
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.getaddrinfo = _guarded_getaddrinfo  # type: ignore[assignment]
    try:
        yield torch_home
    finally:
        socket.socket.connect = _real_connect  # type: ignore[method-assign]
        socket.getaddrinfo = _real_getaddrinfo
        if old_home is None:
            os.environ.pop("TORCH_HOME", None)
        else:
            os.environ["TORCH_HOME"] = old_home


@pytest.fixture(scope="session")
def photo():
    from PIL import Image

    with Image.open(ASSETS / "cat.jpg") as image:
        return image.convert("RGB")


@pytest.fixture(scope="session")
def photo_path() -> Path:
    return ASSETS / "cat.jpg"


@pytest.fixture(scope="session")
def random_model():
    """load_model(depth, weights="random", device="cpu"), cached by the engine itself."""
    from resnet_demo import load_model

    def get(depth: int):
        return load_model(depth, weights="random", device="cpu")

    return get


@pytest.fixture
def make_service():
    """Service(config, **kwargs) for one test, closed (its engine thread ended) when the test ends."""
    from resnet_demo.service import Service

    made = []

    def make(config, **kwargs):
        made.append(Service(config, **kwargs))
        return made[-1]

    yield make
    for service in made:
        service.close()
