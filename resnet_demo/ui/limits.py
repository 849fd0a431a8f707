"""Bounds on what one HTTP request can make the server hold, before Gradio reads it.

An ASGI middleware in front of the whole app (`launch(app_kwargs={"middleware": ...})`):

* every request body is bounded: an upload to a little over the upload limit (Gradio checks
  each file's size, but not how many files one request carries), anything else (the JSON of
  an API call) to `json_bytes`, so no request can make the server parse megabytes of JSON;
* every file payload in an API call must name a file the server handed out (`uploads.accept_path`:
  inside the upload folder, or a bundled example). Gradio checks only payloads that carry its
  FileData marker, with its own wording, and would download any public URL named as a path into
  its cache, of any size; here every other path (absolute, `..`, a symlink out, `file://`, a
  URL, with or without the marker) gets one and the same message, in the visitor's language,
  that says nothing about the server's files. The photo input checks again (`PhotoInput`).

Refusals are plain HTTP errors (413, 400) with a JSON `detail` a person can read.
"""

from __future__ import annotations

import json
import os
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

from .strings import language, say
from .uploads import UploadRefused, accept_path

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class _TooLarge(Exception):
    pass


def file_paths(value: Any) -> Iterable[Any]:
    """Every `path` of a file payload (a JSON object with a "path" key), at any depth of `value`."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if "path" in item:
                yield item["path"]
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


class RequestLimits:
    """Refuse request bodies over their limit (413) and file payloads that name a URL (400)."""

    def __init__(self, app: ASGIApp, *, upload_bytes: int, roots: Iterable[str | os.PathLike],
                 files: Iterable[str | os.PathLike] = (), json_bytes: int = 4_500_000) -> None:
        self.app = app
        self.upload_bytes = upload_bytes
        self.json_bytes = json_bytes
        self.roots, self.files = tuple(roots), tuple(files)

    @classmethod
    def middleware(cls, **options: Any):
        """This middleware as FastAPI's constructor takes it (`launch(app_kwargs={"middleware": [...]})`)."""
        from starlette.middleware import Middleware

        return Middleware(cls, **options)

    def _refuses_a_file(self, body: bytes) -> bool:
        if b'"path"' not in body:
            return False
        try:
            payload = json.loads(body)
        except (ValueError, RecursionError):
            return False  # not JSON: Gradio answers that itself
        for path in file_paths(payload):
            if path is None:  # a data URL, or no file: the photo input decides
                continue
            try:
                accept_path(path, roots=self.roots, files=self.files)
            except UploadRefused:
                return True
        return False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        is_upload = scope["path"].rstrip("/").endswith("/upload")
        limit = self.upload_bytes if is_upload else self.json_bytes
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await refuse(send, 413, f"The request is too large (the limit is {limit // 2**20} MB).")
            return
        if is_upload:
            await self._stream_bounded(scope, receive, send, limit)
            return
        body = bytearray()
        while True:  # a JSON body is small: read it whole, then check it
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if len(body) > limit:
                await refuse(send, 413, f"The request is too large (the limit is {limit // 2**20} MB).")
                return
            if not message.get("more_body"):
                break
        if self._refuses_a_file(bytes(body)):
            lang = language(dict(scope.get("headers") or []).get(b"accept-language", b"").decode("latin-1"))
            await refuse(send, 400, f"{say('err_image', lang)} {say('err_not_uploaded', lang)}")
            return
        await self.app(scope, replaying(bytes(body), receive), send)

    async def _stream_bounded(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                raise _TooLarge
            return message

        answer = ResponseStatus(send)
        try:
            await self.app(scope, counted, answer)
        except _TooLarge:
            if not answer.status:
                await refuse(send, 413, f"The upload is too large (the limit is {limit // 2**20} MB).")


def replaying(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands the app the body a middleware has already read, then the client's
    own messages (its disconnect), so reading a body to check it costs the app nothing."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


class ResponseStatus:
    """A `send` that passes every message on and remembers the response's status (0 until it starts)."""

    def __init__(self, send: Send) -> None:
        self._send, self.status = send, 0

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
        await self._send(message)


async def refuse(send: Send, status: int, detail: str, *, retry_after: int | None = None) -> None:
    """Answer a request with `status` and a JSON `detail` a person can read (and `Retry-After`)."""
    content = json.dumps({"detail": detail}, ensure_ascii=False).encode()
    headers = [(b"content-type", b"application/json; charset=utf-8"), (b"content-length", str(len(content)).encode())]
    if retry_after is not None:
        headers.append((b"retry-after", str(max(1, retry_after)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": content})
