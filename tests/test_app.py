"""app.py's launch: the service it starts is closed when the server stops (its engine thread and pools end)."""

from __future__ import annotations

import pytest


class FakeService:
    made: list[FakeService] = []

    def __init__(self, config) -> None:
        self.config, self.closed = config, 0
        FakeService.made.append(self)

    def start(self) -> None:
        pass

    def close(self) -> None:
        self.closed += 1


class FakeDemo:
    def __init__(self, stop: BaseException | None) -> None:
        self.stop, self.launched = stop, False

    def queue(self, **options) -> FakeDemo:
        return self

    def launch(self, **options) -> None:
        self.launched = True
        assert not FakeService.made[-1].closed, "the service was closed before the server stopped"
        if self.stop is not None:
            raise self.stop


@pytest.mark.parametrize("stop", [None, KeyboardInterrupt(), OSError("port in use")],
                         ids=["server-stopped", "ctrl-c", "launch-failed"])
def test_the_service_is_closed_when_the_server_stops(monkeypatch, stop):
    import app

    demo = FakeDemo(stop)
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "")  # main() sets it for uvicorn; restored after the test
    monkeypatch.setenv("TQDM_DISABLE", "1")
    monkeypatch.setattr(app, "Service", FakeService)
    monkeypatch.setattr(app, "build_app", lambda service, **options: (demo, {}))
    if stop is None:
        app.main(["--weights", "random", "--device", "cpu"])
    else:
        with pytest.raises(type(stop)):
            app.main(["--weights", "random", "--device", "cpu"])
    assert demo.launched and FakeService.made[-1].closed == 1
