"""A raw HTTP client for a Gradio app: what a hostile visitor can send, without gradio_client's help.

gradio_client always uploads files first and wraps them in Gradio's `FileData` marker; a visitor
with curl can send any JSON to `POST /gradio_api/queue/join` instead, for any event (public or
private, by its index), with any value in any field. This client does exactly that and reads the
answer from the queue's event stream (`GET /gradio_api/queue/data`), so tests see what such a
visitor sees: the outputs, or the error message shown to them.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

FILE_META = {"_type": "gradio.FileData"}


@dataclass
class Answer:
    """What came back for one queued call."""

    ok: bool
    data: list[Any] | None = None  # the outputs, when ok
    error: str | None = None  # the message shown to the visitor, when not ok ("" when Gradio shows none)
    messages: list[dict] = field(default_factory=list)  # every event-stream message, in order
    status: int = 200  # HTTP status of the join request


class RawClient:
    """Talks to a running app at `url` through its HTTP API only."""

    def __init__(self, url: str, *, timeout: float = 180.0, source: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        """`source`: the local address to connect from (any of 127/8 on loopback: a distinct visitor)."""
        self.url = url.rstrip("/")
        transport = httpx.HTTPTransport(local_address=source) if source else None
        self.http = httpx.Client(timeout=timeout, transport=transport, headers=headers)
        self.config = self.http.get(f"{self.url}/config").json()
        self.events = {d.get("api_name") or f"#{d['id']}": d["id"] for d in self.config["dependencies"]}

    def fn_index(self, name: str | int) -> int:
        """The index of an event, by its api_name ("explain", "enlarge_2"...) or as given."""
        return name if isinstance(name, int) else self.events[name.lstrip("/")]

    def upload(self, name: str, content: bytes) -> str:
        """Upload like the page does; returns the server-side path Gradio hands back."""
        response = self.http.post(f"{self.url}/gradio_api/upload", files={"files": (name, content)})
        response.raise_for_status()
        return response.json()[0]

    @staticmethod
    def file(path: str, *, meta: bool = True, **extra: Any) -> dict:
        """A file payload naming `path`, with or without Gradio's FileData marker."""
        payload: dict[str, Any] = {"path": path, "orig_name": path.rsplit("/", 1)[-1], **extra}
        if meta:
            payload["meta"] = FILE_META
        return payload

    def join(self, event: str | int, data: list[Any], *, event_data: Any = None, session: str | None = None,
             raw_body: bytes | None = None) -> tuple[httpx.Response, str]:
        """Queue one call; returns the HTTP response and the session hash to read the answer with."""
        session = session or uuid.uuid4().hex[:11]
        body = raw_body if raw_body is not None else json.dumps({
            "data": data, "event_data": event_data, "fn_index": self.fn_index(event), "trigger_id": None,
            "session_hash": session,
        }).encode()
        response = self.http.post(f"{self.url}/gradio_api/queue/join", content=body,
                                  headers={"content-type": "application/json"})
        return response, session

    def call(self, event: str | int, data: list[Any], *, event_data: Any = None, session: str | None = None,
             timeout: float = 180.0) -> Answer:
        """Queue one call and wait for its final answer (in a new session unless `session` is given)."""
        response, session = self.join(event, data, event_data=event_data, session=session)
        if response.status_code != 200:
            return Answer(ok=False, error=response.text, status=response.status_code)
        event_id = response.json()["event_id"]
        messages = []
        for message in self._messages(session, timeout):
            if message.get("event_id") not in (None, event_id):
                continue
            messages.append(message)
            if message.get("msg") == "process_completed":
                return self._final(message, messages)
        return Answer(ok=False, error="stream closed without an answer", messages=messages)

    def answers(self, session: str, event_ids: list[str], *, timeout: float = 180.0) -> dict[str, Answer]:
        """The final answers of several calls queued in one session, by event id (one event stream)."""
        done: dict[str, Answer] = {}
        for message in self._messages(session, timeout):
            if message.get("msg") == "process_completed" and message.get("event_id") in event_ids:
                done[message["event_id"]] = self._final(message, [message])
                if len(done) == len(event_ids):
                    break
        return done

    def _messages(self, session: str, timeout: float) -> Iterator[dict]:
        """The session's event stream, message by message.

        Lines are split at "\n" only, as the event-stream format says: httpx's `iter_lines` also
        splits at U+0085 and U+2028, which a message may carry inside its JSON text.
        """
        with self.http.stream("GET", f"{self.url}/gradio_api/queue/data", params={"session_hash": session},
                              timeout=timeout) as stream:
            pending = ""
            for chunk in stream.iter_text():
                *lines, pending = (pending + chunk).split("\n")
                for line in lines:
                    if line.startswith("data:"):
                        yield json.loads(line[5:])

    @staticmethod
    def _final(message: dict, messages: list[dict]) -> Answer:
        output = message.get("output") or {}
        if message.get("success"):
            return Answer(ok=True, data=output.get("data"), messages=messages)
        return Answer(ok=False, error=output.get("error") or "", messages=messages)

    def close(self) -> None:
        self.http.close()
