"""The upload ledger and its ASGI wrapper, without a server: a clock the test moves, an app the test writes.

The live version (distinct loopback visitors, Gradio's real upload route) is in
tests/test_ui_fair_share.py.
"""

from __future__ import annotations

import asyncio
import json

from resnet_demo.ui.strings import EN, ZH
from resnet_demo.ui.upload_share import UploadLedger, bounded_upload

MB = 2**20


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_at_once_counts_uploads_in_flight_per_visitor():
    ledger = UploadLedger(at_once=2, bytes_per_minute=0, clock=Clock())
    first, second = ledger.admit("a", 10), ledger.admit("a", 10)
    assert ledger.admit("a", 10) == ("busy_uploads", {"n": 2}, 5)
    assert not isinstance(ledger.admit("b", 10), tuple)  # another visitor
    ledger.end(first, 10)
    assert not isinstance(ledger.admit("a", 10), tuple)
    ledger.end(second, 10)


def test_bytes_a_minute_with_retry_after_until_enough_leaves_the_window():
    clock = Clock()
    ledger = UploadLedger(at_once=0, bytes_per_minute=10 * MB, clock=clock)
    big = ledger.admit("a", 6 * MB)
    assert not isinstance(ledger.admit("a", 4 * MB), tuple)  # 10 MB in flight: exactly the budget
    assert ledger.used("a") == 10 * MB
    refused = ledger.admit("a", 1)
    assert refused == ("upload_budget", {"mb": "10"}, 60)  # nothing has ended: a whole window
    clock.now += 5
    ledger.end(big, 6 * MB)  # ended at t+5: counts until t+65
    clock.now += 10
    assert ledger.admit("a", 2 * MB)[2] == 51  # 50.0 s left of big's window, rounded up (+1)
    clock.now += 51
    assert ledger.used("a") == 4 * MB  # big left the window; the 4 MB one is still in flight
    assert not isinstance(ledger.admit("a", 2 * MB), tuple)


def test_a_visitor_with_nothing_recent_may_always_send_one_upload():
    ledger = UploadLedger(at_once=0, bytes_per_minute=1 * MB, clock=Clock())
    ticket = ledger.admit("a", 5 * MB)  # larger than the budget, but the first one this minute
    assert not isinstance(ticket, tuple)
    ledger.end(ticket, 5 * MB)
    assert ledger.admit("a", 1)[0] == "upload_budget"


def test_zero_turns_each_bound_off():
    ledger = UploadLedger(at_once=0, bytes_per_minute=0, clock=Clock())
    assert not any(isinstance(ledger.admit("a", 100 * MB), tuple) for _ in range(20))


def upload_scope(length: int | None, lang: str = "en") -> dict:
    headers = [(b"content-type", b"multipart/form-data; boundary=x")]
    if length is not None:
        headers.append((b"content-length", str(length).encode()))
    if lang != "en":
        headers.append((b"accept-language", b"zh-CN"))
    return {"type": "http", "method": "POST", "path": "/gradio_api/upload", "headers": headers}


def run_upload(ledger: UploadLedger, scope: dict, chunks: list[bytes], app=None) -> tuple[list[dict], int]:
    """Send one upload through `bounded_upload`; returns what was answered and how often the body was read."""
    sent, reads = [], 0

    async def receive() -> dict:
        nonlocal reads
        reads += 1
        body = chunks[reads - 1] if reads <= len(chunks) else b""
        return {"type": "http.request", "body": body, "more_body": reads < len(chunks)}

    async def send(message: dict) -> None:
        sent.append(message)

    async def reading_app(scope, receive, send):  # reads the whole body, as Gradio's parser does, then answers
        while (await receive()).get("more_body"):
            pass
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"[]"})

    lang = "zh-CN" if any(k == b"accept-language" for k, _ in scope["headers"]) else "en"
    asyncio.run(bounded_upload(app or reading_app, scope, receive, send, ledger=ledger, visitor="a", lang=lang))
    return sent, reads


def test_a_refused_upload_is_answered_unread_in_the_visitors_language():
    ledger = UploadLedger(at_once=1, bytes_per_minute=0, clock=Clock())
    holding = ledger.admit("a", 10)
    sent, reads = run_upload(ledger, upload_scope(10, lang="zh-CN"), [b"x" * 10])
    assert reads == 0, "the refused upload's body was read"
    assert sent[0]["status"] == 429 and (b"retry-after", b"5") in sent[0]["headers"]
    assert json.loads(sent[1]["body"])["detail"] == ZH["busy_uploads"].format(n=1)
    ledger.end(holding, 10)
    sent, reads = run_upload(ledger, upload_scope(10), [b"x" * 10])
    assert sent[0]["status"] == 200 and reads == 1
    assert ledger.used("a") == 20  # both ended uploads count for the minute


def test_a_chunked_upload_is_stopped_with_the_parsers_error_when_it_passes_the_budget():
    ledger = UploadLedger(at_once=0, bytes_per_minute=100, clock=Clock())
    ledger.end(ledger.admit("a", 60), 60)
    errors = []

    async def gradio_like(scope, receive, send):  # Gradio deletes its files on a parse error and answers 400
        from python_multipart.exceptions import MultipartParseError
        try:
            while (await receive()).get("more_body"):
                pass
        except MultipartParseError as exc:
            errors.append(exc)
            await send({"type": "http.response.start", "status": 400, "headers": []})
            await send({"type": "http.response.body", "body": b"parse error"})
            return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"[]"})

    sent, reads = run_upload(ledger, upload_scope(None), [b"x" * 30] * 5, app=gradio_like)
    assert errors and reads == 2, "the stream was not ended once 60 + 60 bytes passed the budget of 100"
    assert [m["status"] for m in sent if m["type"] == "http.response.start"] == [429]
    assert json.loads(sent[-1]["body"])["detail"] == EN["upload_budget"].format(mb="0.0", s=60)
