"""A fair share for every visitor: per-visitor bounds on queued work and on login attempts.

An ASGI middleware on the routes that put work in Gradio's queue (`/queue/join`, `/call/<api>`)
and on `/login`, inside `limits.RequestLimits` (so the body it reads is already bounded). A
visitor is an address (`visitor.py`), never a session hash, which costs nothing to make.

* At most `per_visitor` events of one visitor queued or running at once; the heavy lanes less
  (`lanes`: one Score-CAM, one lab run). A join beyond that is refused at once with HTTP 429,
  `Retry-After` and a sentence in the visitor's language; it never reaches Gradio, so nothing
  is queued and nothing it sent (a pasted picture) is written anywhere.
* A visitor whose lab run just ended waits `lab_cooldown_s` before starting another: the lab is
  one run per server, and one person must not hold it all lesson long.
* Within a concurrency group, waiting events are served round-robin across visitors
  (`fair_order.py`), so a visitor's k queued events do not each go before another's one.
* With --auth, at most `login_failures` failed logins a minute per visitor (attempts in flight
  count until they succeed), so a script cannot try class passwords as fast as the server answers.
* Uploads (`/upload`): at most `uploads_at_once` of one visitor received at once and
  `upload_mb_per_minute` megabytes a minute (`upload_share.py`), refused unread, so one visitor
  cannot fill the disk before Gradio's hourly cleanup.

The count of a visitor's events is not kept here but read from Gradio's queue each time (every
event it holds, queued or running, and the address that joined it): an event that finishes,
fails, is cancelled or loses its client leaves that queue, so the count cannot leak. Joins of one
visitor are admitted one at a time, so a burst sent at once cannot slip past the count together.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from .fair_order import interleave
from .limits import ASGIApp, Receive, ResponseStatus, Scope, Send, refuse, replaying
from .strings import add_strings, language, say
from .upload_share import UploadLedger, bounded_upload
from .visitor import TrustedProxies, visitor_of

add_strings(
    en={
        "busy_visitor": "You have {n} requests waiting or running. Please wait for them to finish, then try again.",
        "busy_slow": "Your Score-CAM is still being computed. Please wait for it to finish (or stop it), "
                     "then try again.",
        "busy_lab": "Your training run in the degradation lab has not finished yet. Please wait for it to end "
                    "before you start another.",
        "lab_cooldown": "You have just trained in the degradation lab. So that others get a turn too, you can "
                        "train again in {s} seconds.",
        "login_bounded": "Too many failed logins from your address. Please try again in {s} seconds.",
    },
    zh={
        "busy_visitor": "你已有 {n} 个请求在排队或计算。请等它们完成后再试。",
        "busy_slow": "你的 Score-CAM 还在计算。请等它算完（或先停止它）再试。",
        "busy_lab": "你在退化实验中的训练还没有结束。请等它结束后再开始新的训练。",
        "lab_cooldown": "你刚在退化实验中训练过一次。为了让其他同学也能轮到，请 {s} 秒后再训练。",
        "login_bounded": "从你的地址登录失败的次数太多了。请 {s} 秒后再试。",
    },
)

RETRY_BUSY_S = 5
"""Retry-After of a refused join: a few seconds, about what an explanation takes on a CPU."""
LOGIN_WINDOW_S = 60.0
"""Failed logins are counted over this many seconds."""
_SWEEP_AT = 256
"""Forget expired cooldowns and login counts once this many visitors are remembered."""


@dataclass(frozen=True)
class FairShare:
    """The per-visitor bounds (flags --per-visitor, --lab-cooldown, --login-attempts, --uploads-at-once,
    --upload-mb-per-minute, --trusted-proxies)."""

    per_visitor: int = 4  # events of one visitor queued or running at once; 0 turns every per-visitor bound off
    lanes: Mapping[str, int] = field(default_factory=lambda: {"slow": 1, "lab": 1})  # by concurrency_id
    lab_cooldown_s: float = 120.0  # after a visitor's lab run ends, before they may start another
    login_failures: int = 10  # failed logins a minute per visitor; 0: unbounded
    uploads_at_once: int = 2  # uploads of one visitor received at once (a page sends one per photo); 0: unbounded
    upload_mb_per_minute: float = 60.0  # megabytes of one visitor's uploads a minute (a dozen phone photos); 0: unbounded
    trusted: TrustedProxies = TrustedProxies()  # whose X-Forwarded-For names the visitor

    def __post_init__(self) -> None:
        for name in ("per_visitor", "lab_cooldown_s", "login_failures", "uploads_at_once", "upload_mb_per_minute"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be 0 or more, got {getattr(self, name)!r}")


def events_in_flight(blocks: Any) -> list[Any]:
    """Every event Gradio's queue holds now, queued or running (its own bookkeeping, read only).

    Gradio has no public API for this; `Queue.event_ids_to_events` is where an event lives from
    its join until it finishes, fails, is cancelled or its client leaves.
    tests/test_ui_fair_share.py fails loudly if a Gradio release moves it.
    """
    queue = getattr(blocks, "_queue", None)
    return list(getattr(queue, "event_ids_to_events", {}).values())


def _lang(scope: Scope) -> str:
    """The visitor's language, from the request's Accept-Language."""
    return language(dict(scope.get("headers") or []).get(b"accept-language", b"").decode("latin-1"))


def _is_join(path: str) -> bool:
    path = path.rstrip("/")
    return path.endswith("/queue/join") or "/call/" in path


class FairShareGate:
    """Refuse (429) a visitor's join beyond their bounds, and their logins after too many failures."""

    def __init__(self, app: ASGIApp, *, blocks: Any, settings: FairShare) -> None:
        self.app, self.blocks, self.settings = app, blocks, settings
        self._admitting: dict[str, tuple[asyncio.Lock, int]] = {}  # visitor -> (lock, joins holding or awaiting it)
        self._lab_ended: dict[str, float] = {}  # visitor -> monotonic time their last lab run ended
        self._failures: dict[str, list[float]] = {}  # visitor -> times of login attempts not (yet) successful
        self._watchers: set[asyncio.Task] = set()  # lab runs waited on for their end (the loop keeps weak refs)
        self.uploads = UploadLedger(at_once=settings.uploads_at_once,
                                    bytes_per_minute=int(settings.upload_mb_per_minute * 2**20))

    @classmethod
    def middleware(cls, **options: Any):
        """This middleware as FastAPI's constructor takes it (`launch(app_kwargs={"middleware": [...]})`)."""
        from starlette.middleware import Middleware

        return Middleware(cls, **options)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            path = scope["path"]
            if self.settings.per_visitor and _is_join(path):
                await self._join(scope, receive, send)
                return
            if self.settings.per_visitor and path.rstrip("/").endswith("/upload"):
                await bounded_upload(self.app, scope, receive, send, ledger=self.uploads,
                                     visitor=visitor_of(scope, self.settings.trusted), lang=_lang(scope))
                return
            if self.settings.login_failures and path.rstrip("/").endswith("/login"):
                await self._login(scope, receive, send)
                return
        await self.app(scope, receive, send)

    # -- joins ---------------------------------------------------------------------------------

    def _visitor_of_event(self, event: Any) -> str:
        request = getattr(event, "request", None)
        return visitor_of(request.scope, self.settings.trusted) if request is not None else ""

    def in_flight(self, visitor: str) -> dict[str | None, int]:
        """How many of `visitor`'s events the queue holds, in all (key None) and by concurrency group."""
        counts: dict[str | None, int] = {None: 0}
        for event in events_in_flight(self.blocks):
            if self._visitor_of_event(event) != visitor:
                continue
            counts[None] += 1
            group = getattr(event, "concurrency_id", None)
            counts[group] = counts.get(group, 0) + 1
        return counts

    def _group(self, path: str, body: bytes) -> str | None:
        """The concurrency group of the event a join names (None when it names none Gradio knows)."""
        return getattr(self._event(path, body), "concurrency_id", None)

    def _stops(self, path: str, body: bytes) -> bool:
        """Whether the event a join names cancels others (a Stop button): it ends work, so a visitor
        at their bound may still send one, or a page could never stop its own Score-CAM."""
        return bool(getattr(self._event(path, body), "cancels", None))

    def _event(self, path: str, body: bytes) -> Any:
        """Gradio's BlockFunction that a join names (by api name or `fn_index`), or None."""
        fns = getattr(self.blocks, "fns", {})
        fn = None
        if "/call/" in path:
            name = path.rstrip("/").rsplit("/", 1)[-1]
            fn = next((f for f in fns.values() if getattr(f, "api_name", None) == name), None)
        else:
            try:
                index = json.loads(body).get("fn_index")
                fn = fns.get(index) if isinstance(index, int) else None
            except (ValueError, AttributeError, RecursionError, TypeError):
                fn = None  # not JSON, or not an object: Gradio answers that itself
        return fn

    def _refusal(self, visitor: str, group: str | None, lang: str,
                 counts: dict[str | None, int] | None = None, *, stops: bool = False) -> tuple[str, int] | None:
        """The message and Retry-After seconds that refuse this join, or None to admit it.

        A join that stops other events (`stops`) gets one place beyond the bound: still bounded,
        but a visitor whose page is full can always press Stop."""
        counts = counts if counts is not None else self.in_flight(visitor)
        if counts[None] >= self.settings.per_visitor + (1 if stops else 0):
            return say("busy_visitor", lang, n=counts[None]), RETRY_BUSY_S
        bound = self.settings.lanes.get(group or "")
        if bound is not None and counts.get(group, 0) >= bound:
            key = f"busy_{group}" if group in ("slow", "lab") else "busy_visitor"
            return say(key, lang, n=counts[None]), RETRY_BUSY_S
        if group == "lab" and visitor in self._lab_ended:
            wait = self._lab_ended[visitor] + self.settings.lab_cooldown_s - time.monotonic()
            if wait > 0:
                return say("lab_cooldown", lang, s=int(wait) + 1), int(wait) + 1
        return None

    @asynccontextmanager
    async def _admission(self, visitor: str) -> Iterator[None]:
        """One join of `visitor` at a time between counting and queueing (others are not held up)."""
        lock, users = self._admitting.get(visitor) or (asyncio.Lock(), 0)
        self._admitting[visitor] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._admitting[visitor]
            if users <= 1:
                del self._admitting[visitor]
            else:
                self._admitting[visitor] = (lock, users - 1)

    async def _join(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = bytearray()
        while True:  # bounded by RequestLimits in front of this middleware
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        visitor = visitor_of(scope, self.settings.trusted)
        lang = _lang(scope)
        answer = ResponseStatus(send)
        group, stops = None, False
        async with self._admission(visitor):
            self._sweep()
            counts = self.in_flight(visitor)
            if counts[None] <= self.settings.per_visitor:  # a flooder over its bound costs no JSON parse
                group = self._group(scope["path"], bytes(body))
                stops = self._stops(scope["path"], bytes(body))
            refusal = self._refusal(visitor, group, lang, counts, stops=stops)
            if refusal is not None:
                await refuse(send, 429, refusal[0], retry_after=refusal[1])
                return
            await self.app(scope, replaying(bytes(body), receive), answer)
        status = answer.status
        if status == 200 and group is not None:  # round-robin across visitors within the event's group
            interleave(self.blocks, group, self._visitor_of_event)
        if group == "lab" and status == 200:
            task = asyncio.get_running_loop().create_task(self._stamp_lab_end(visitor))
            self._watchers.add(task)
            task.add_done_callback(self._watchers.discard)

    async def _stamp_lab_end(self, visitor: str, *, poll_s: float = 0.5) -> None:
        """Wait until `visitor` has no lab run in the queue, then start their cooldown."""
        while self.in_flight(visitor).get("lab", 0):
            await asyncio.sleep(poll_s)
        self._lab_ended[visitor] = time.monotonic()

    # -- logins --------------------------------------------------------------------------------

    async def _login(self, scope: Scope, receive: Receive, send: Send) -> None:
        visitor = visitor_of(scope, self.settings.trusted)
        now = time.monotonic()
        self._sweep()
        recent = [t for t in self._failures.get(visitor, []) if now - t < LOGIN_WINDOW_S]
        if len(recent) >= self.settings.login_failures:
            wait = int(recent[0] + LOGIN_WINDOW_S - now) + 1
            lang = _lang(scope)
            self._failures[visitor] = recent
            await refuse(send, 429, say("login_bounded", lang, s=wait), retry_after=wait)
            return
        recent.append(now)  # counted while in flight, so a burst sent at once is bounded too
        self._failures[visitor] = recent
        answer = ResponseStatus(send)
        try:
            await self.app(scope, receive, answer)
        finally:
            if 200 <= answer.status < 400 and now in self._failures.get(visitor, []):  # a success is no failure
                self._failures[visitor].remove(now)

    def _sweep(self) -> None:
        """Forget cooldowns and login counts that expired, once many visitors are remembered."""
        now = time.monotonic()
        if len(self._lab_ended) > _SWEEP_AT:
            self._lab_ended = {v: t for v, t in self._lab_ended.items() if now - t < self.settings.lab_cooldown_s}
        if len(self._failures) > _SWEEP_AT:
            self._failures = {v: ts for v, ts in self._failures.items() if any(now - t < LOGIN_WINDOW_S for t in ts)}

