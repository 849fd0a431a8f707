"""weights.py: torch's cache, the download with its hash check and progress, and offline advice."""

from __future__ import annotations

import hashlib
import io
from urllib.error import URLError

import pytest

from resnet_demo import WeightsUnavailableError, weights


class _FakeResponse(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.headers = {"Content-Length": str(len(data))}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def test_download_checks_the_hash_and_reports_progress(tmp_path, monkeypatch):
    payload = bytes(range(256)) * 1024  # 256 KiB: several chunks
    digest = hashlib.sha256(payload).hexdigest()
    monkeypatch.setattr(weights, "urlopen", lambda request, timeout: _FakeResponse(payload))
    seen = []
    dst = tmp_path / f"model-{digest[:8]}.pth"
    weights.download("https://example.invalid/x.pth", dst, progress=lambda f, msg: seen.append((f, msg)))
    assert dst.read_bytes() == payload
    assert seen[-1][0] == pytest.approx(1.0) and all(a[0] <= b[0] for a, b in zip(seen, seen[1:]))
    assert "Downloading" in seen[0][1]

    bad = tmp_path / "model-00000000.pth"
    with pytest.raises(ValueError, match="corrupt"):
        weights.download("https://example.invalid/x.pth", bad)
    assert not bad.exists() and not list(tmp_path.glob("*.partial"))


def test_fetch_weights_turns_network_errors_into_advice(monkeypatch):
    def refuse(request, timeout):
        raise URLError("no route to host")

    monkeypatch.setattr(weights, "urlopen", refuse)
    with pytest.raises(WeightsUnavailableError, match="no route to host"):
        weights.fetch_weights(101)
