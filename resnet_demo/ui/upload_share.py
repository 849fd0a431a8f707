"""A fair share of the upload route: per visitor, a few uploads at once and a budget of bytes a minute.

Gradio writes every upload (`POST /gradio_api/upload`) into its folder and deletes it only after
an hour, so without a bound one visitor could fill the disk as fast as the network carries bytes.
`FairShareGate` (`fair_share.py`) sends each upload through `bounded_upload`:

* at most `at_once` uploads of one visitor are being received at once (a page sends one per
  photo), so a visitor cannot hold many slow uploads open either;
* at most `bytes_per_minute` bytes of one visitor's uploads within any minute, counted from the
  request's `Content-Length` before a byte of the body is read (uploads in flight count in full);
  the one exception: a visitor with nothing uploaded in the last minute may always send one
  upload (so a budget set below the largest file still lets a photo through).

A refused upload is answered 429 with `Retry-After` and a sentence in the visitor's language
before its body is read, so nothing of it reaches the disk. A body sent without a length (chunked)
is counted as it arrives; when it passes the budget, the stream is ended with the multipart
parser's own error, which makes Gradio delete what it had written, and the answer becomes the
same 429. Pure asyncio and stdlib: no UI framework, no torch.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from python_multipart.exceptions import MultipartParseError

from .limits import ASGIApp, Message, Receive, Scope, Send, refuse
from .strings import add_strings, say

add_strings(
    en={
        "busy_uploads": "You are already uploading {n} files. Please wait for them to finish, then try again.",
        "upload_budget": "You have uploaded {mb} MB in the last minute, as much as one visitor may. "
                         "Please try again in {s} seconds.",
    },
    zh={
        "busy_uploads": "你已有 {n} 个文件正在上传。请等它们传完后再试。",
        "upload_budget": "你在过去一分钟内已上传 {mb} MB，达到了每人每分钟的上限。请 {s} 秒后再试。",
    },
)

UPLOAD_WINDOW_S = 60.0
"""Uploaded bytes are counted over this many seconds."""
RETRY_UPLOAD_S = 5
"""Retry-After when a visitor has too many uploads in flight: about what one photo takes to send."""


@dataclass
class _Upload:
    at: float  # when it was admitted, then when it ended (its bytes count for a window from there)
    size: int  # bytes: Content-Length while in flight, then what arrived
    open: bool = True


class UploadLedger:
    """Per visitor: the uploads in flight and the bytes uploaded in the last `window_s` seconds."""

    def __init__(self, *, at_once: int, bytes_per_minute: int, window_s: float = UPLOAD_WINDOW_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.at_once, self.budget, self.window_s, self.clock = at_once, bytes_per_minute, window_s, clock
        self._uploads: dict[str, list[_Upload]] = {}

    def _current(self, visitor: str, now: float) -> list[_Upload]:
        """The visitor's uploads still in flight or ended within the window (older ones forgotten)."""
        kept = [u for u in self._uploads.get(visitor, []) if u.open or now - u.at < self.window_s]
        if kept:
            self._uploads[visitor] = kept
        else:
            self._uploads.pop(visitor, None)
        return kept

    def used(self, visitor: str) -> int:
        """Bytes the visitor's uploads count against the budget now."""
        return sum(u.size for u in self._current(visitor, self.clock()))

    def admit(self, visitor: str, declared: int) -> _Upload | tuple[str, dict, int]:
        """A ticket for an upload of `declared` bytes, or (string key, its fields, Retry-After) refusing it."""
        now = self.clock()
        current = self._current(visitor, now)
        in_flight = sum(u.open for u in current)
        if self.at_once and in_flight >= self.at_once:
            return "busy_uploads", {"n": in_flight}, RETRY_UPLOAD_S
        used = sum(u.size for u in current)
        if self.budget and used and used + declared > self.budget:
            return "upload_budget", {"mb": _mb(used)}, self._wait(current, used + declared - self.budget, now)
        ticket = _Upload(now, declared)
        self._uploads.setdefault(visitor, []).append(ticket)
        return ticket

    def _wait(self, current: list[_Upload], excess: int, now: float) -> int:
        """Seconds until enough ended uploads leave the window to free `excess` bytes (a window if never)."""
        freed = 0
        for upload in sorted((u for u in current if not u.open), key=lambda u: u.at):
            freed += upload.size
            if freed >= excess:
                return max(1, int(upload.at + self.window_s - now) + 1)
        return int(self.window_s)

    def over(self, ticket: _Upload, visitor: str) -> bool:
        """Whether the visitor's uploads, `ticket` as it stands, exceed the budget (never for a first upload)."""
        others = sum(u.size for u in self._current(visitor, self.clock()) if u is not ticket)
        return bool(self.budget) and others > 0 and others + ticket.size > self.budget

    def end(self, ticket: _Upload, received: int) -> None:
        """The upload ended (stored, refused or abandoned): its bytes count from now for a window."""
        ticket.at, ticket.size, ticket.open = self.clock(), received, False


def _mb(size: int) -> str:
    return f"{size / 2**20:.0f}" if size >= 2**20 else f"{size / 2**20:.1f}"


def _declared(scope: Scope) -> int | None:
    value = dict(scope.get("headers") or []).get(b"content-length")
    return int(value) if value is not None and value.isdigit() else None  # RequestLimits refused any other


async def bounded_upload(app: ASGIApp, scope: Scope, receive: Receive, send: Send, *, ledger: UploadLedger,
                         visitor: str, lang: str) -> None:
    """Pass one upload of `visitor` to `app` if the ledger admits it; otherwise answer 429 unread."""
    declared = _declared(scope)
    ticket = ledger.admit(visitor, declared or 0)
    if not isinstance(ticket, _Upload):
        key, fields, retry = ticket
        await refuse(send, 429, say(key, lang, s=retry, **fields), retry_after=retry)
        return
    received, over_budget, started = 0, False, False

    async def counted() -> Message:
        nonlocal received, over_budget
        message = await receive()
        received += len(message.get("body", b""))
        if declared is None:  # no length to check at the door: count it as it comes
            ticket.size = received
            if ledger.over(ticket, visitor):
                over_budget = True
                raise MultipartParseError("upload over the visitor's budget")  # Gradio deletes its partial files
        return message

    async def answered(message: Message) -> None:
        nonlocal started
        if over_budget:  # Gradio's answer to the parse error is replaced by the refusal
            if message["type"] == "http.response.start" and not started:
                started = True
                retry = int(UPLOAD_WINDOW_S)
                await refuse(send, 429, say("upload_budget", lang, mb=_mb(received), s=retry), retry_after=retry)
            return
        started = started or message["type"] == "http.response.start"
        await send(message)

    try:
        await app(scope, counted, answered)
    finally:
        ledger.end(ticket, received)
