"""A fair share for every visitor, through the raw HTTP API from distinct loopback addresses.

The kernel accepts any address of 127/8 as a source, so each client below binds its own
(127.0.0.2, 127.0.0.3…) and the server sees different visitors. The events that would compute
are swapped for ones that wait on a gate the test opens, so "queued or running" is a state the
test holds, not a race with the CPU.
"""

from __future__ import annotations

import socket
import threading
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

import gradio as gr
import httpx
import pytest
from helpers import serve_app
from raw_api import RawClient

from resnet_demo.service import AppConfig
from resnet_demo.ui.fair_order import interleave, running_events, waiting_events
from resnet_demo.ui.fair_share import FairShare, FairShareGate, events_in_flight
from resnet_demo.ui.strings import EN, ZH
from resnet_demo.ui.upload_share import UploadLedger
from resnet_demo.ui.visitor import TrustedProxies

pytestmark = pytest.mark.live

K = 3
COOLDOWN_S = 2.0
UPLOAD_KB = 200
SETTINGS = FairShare(per_visitor=K, lab_cooldown_s=COOLDOWN_S, login_failures=3, uploads_at_once=2,
                     upload_mb_per_minute=(2.5 * UPLOAD_KB) / 1024, trusted=TrustedProxies.parse("127.0.0.9"))
EXPLAIN_ARGS = [18, "gradcam", "layer4", "", 3, 0.5, False]


def gated(demo: gr.Blocks, api_name: str, gate: threading.Event) -> None:
    """Make the event `api_name` wait for `gate`, then change nothing (or yield nothing, for a generator)."""
    fn = next(f for f in demo.fns.values() if f.api_name == api_name)
    skips = [gr.skip() for _ in fn.outputs]

    if fn.types_generator:
        def waiting(*args, **kwargs):
            gate.wait(60)
            yield skips
    else:
        def waiting(*args, **kwargs):
            gate.wait(60)
            return skips
    fn.fn = waiting


@pytest.fixture(scope="module")
def served():
    gate = threading.Event()
    with serve_app(AppConfig(weights="random", device="cpu", probe_network=False), fair=SETTINGS) as (url, demo, _):
        for name in ("explain", "scorecam", "degradation"):
            gated(demo, name, gate)
        yield url, demo, gate


@pytest.fixture
def gate(served):
    """Closed for the test; opened at its end, and every event left is waited out."""
    _, demo, gate = served
    gate.clear()
    yield gate
    gate.set()
    settle(demo)


def settle(demo, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while events_in_flight(demo) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not events_in_flight(demo), "events left in the queue"


def counts(demo, visitor: str) -> dict:
    return FairShareGate(None, blocks=demo, settings=SETTINGS).in_flight(visitor)


def visitor(url: str, source: str, **headers: str) -> RawClient:
    return RawClient(url, source=source, headers=headers or None)


def joins(client: RawClient, event: str, data: list, n: int) -> list[httpx.Response]:
    """`n` joins of `event`, each in a fresh session (as a flooder makes them: they cost nothing)."""
    return [client.join(event, data)[0] for _ in range(n)]


def test_a_flooder_is_refused_beyond_k_and_others_are_not(served, gate, photo_path):
    url, demo, _ = served
    flooder, student = visitor(url, "127.0.0.2"), visitor(url, "127.0.0.3")
    photo = flooder.file(flooder.upload("cat.jpg", photo_path.read_bytes()))
    answers = joins(flooder, "explain", [photo] + EXPLAIN_ARGS, 12)
    assert [a.status_code for a in answers] == [200] * K + [429] * (12 - K)
    refused = answers[-1]
    assert refused.json()["detail"] == EN["busy_visitor"].format(n=K)
    assert int(refused.headers["retry-after"]) > 0
    assert counts(demo, "127.0.0.2")[None] == K
    assert all(a.status_code == 200 for a in joins(student, "explain", [photo] + EXPLAIN_ARGS, K))
    zh = visitor(url, "127.0.0.2", **{"accept-language": "zh-CN,zh;q=0.9"}).join("explain", [photo] + EXPLAIN_ARGS)[0]
    assert zh.status_code == 429 and zh.json()["detail"] == ZH["busy_visitor"].format(n=K)
    gate.set()
    settle(demo)
    assert counts(demo, "127.0.0.2") == {None: 0} and counts(demo, "127.0.0.3") == {None: 0}
    done = flooder.call("explain", [photo] + EXPLAIN_ARGS)  # served again once its events are done
    assert done.ok, done.error


def test_a_burst_sent_at_once_is_counted_too(served, gate, photo_path):
    url, demo, _ = served
    photo = RawClient.file(visitor(url, "127.0.0.4").upload("cat.jpg", photo_path.read_bytes()))
    statuses: list[int] = []

    def one() -> None:
        with httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.4")) as http:
            response = http.post(f"{url}gradio_api/queue/join", json={
                "data": [photo] + EXPLAIN_ARGS, "fn_index": RawClient(url).fn_index("explain"),
                "session_hash": f"burst-{threading.get_ident()}"})
            statuses.append(response.status_code)

    threads = [threading.Thread(target=one) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] * K + [429] * (10 - K)


def test_heavy_lanes_one_each_and_a_cooldown_after_the_lab(served, gate, photo_path):
    url, demo, _ = served
    me = visitor(url, "127.0.0.5")
    photo = me.file(me.upload("cat.jpg", photo_path.read_bytes()))
    scorecam = [photo, 18, "layer4", "", 3, 0.5]
    assert [a.status_code for a in joins(me, "scorecam", scorecam, 2)] == [200, 429]
    assert joins(me, "scorecam", scorecam, 1)[0].json()["detail"] == EN["busy_slow"]
    assert [a.status_code for a in joins(me, "degradation", ["cpu"], 2)] == [200, 429]
    assert joins(me, "degradation", ["cpu"], 1)[0].json()["detail"] == EN["busy_lab"]
    assert joins(visitor(url, "127.0.0.6"), "degradation", ["cpu"], 1)[0].status_code == 200  # another visitor
    gate.set()
    settle(demo)
    time.sleep(0.6)  # the lab run's end is noticed within half a second
    again = joins(me, "degradation", ["cpu"], 1)[0]
    assert again.status_code == 429 and 1 <= int(again.headers["retry-after"]) <= COOLDOWN_S + 1
    assert again.json()["detail"] == EN["lab_cooldown"].format(s=again.headers["retry-after"])
    time.sleep(COOLDOWN_S)
    assert joins(me, "degradation", ["cpu"], 1)[0].status_code == 200


def test_counts_return_to_zero_when_the_client_leaves(served, gate, photo_path):
    url, demo, _ = served
    busy, leaver = visitor(url, "127.0.0.7"), visitor(url, "127.0.0.8")
    photo = busy.file(busy.upload("cat.jpg", photo_path.read_bytes()))
    joins(busy, "explain", [photo] + EXPLAIN_ARGS, 2)  # both workers of the model lane are now held
    session = "leaving-visitor"
    for _ in range(K):
        assert leaver.join("explain", [photo] + EXPLAIN_ARGS, session=session)[0].status_code == 200
    assert counts(demo, "127.0.0.8")[None] == K
    with leaver.http.stream("GET", f"{url}gradio_api/queue/data", params={"session_hash": session}) as stream:
        next(stream.iter_bytes())  # the stream is open; leave it
    deadline = time.monotonic() + 10
    while counts(demo, "127.0.0.8")[None] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert counts(demo, "127.0.0.8") == {None: 0}
    assert leaver.join("explain", [photo] + EXPLAIN_ARGS)[0].status_code == 200


def test_x_forwarded_for_counts_only_from_a_trusted_proxy(served, gate, photo_path):
    url, demo, _ = served
    photo = RawClient.file(visitor(url, "127.0.0.10").upload("cat.jpg", photo_path.read_bytes()))
    forger = visitor(url, "127.0.0.10")
    statuses = []
    for i in range(K + 2):  # a new forged address each time: still one visitor, 127.0.0.10
        forger.http.headers["x-forwarded-for"] = f"198.51.100.{i}"
        statuses.append(forger.join("explain", [photo] + EXPLAIN_ARGS)[0].status_code)
    assert statuses == [200] * K + [429, 429]
    proxy = visitor(url, "127.0.0.9")  # the trusted proxy: each address it reports is a visitor
    for client_address in ("203.0.113.1", "203.0.113.2"):
        proxy.http.headers["x-forwarded-for"] = f"6.6.6.6, {client_address}"
        got = [a.status_code for a in joins(proxy, "explain", [photo] + EXPLAIN_ARGS, K + 1)]
        assert got == [200] * K + [429], client_address
    assert counts(demo, "203.0.113.1")[None] == K and counts(demo, "6.6.6.6")[None] == 0


def test_a_refused_join_keeps_nothing(served, gate, photo_path):
    url, demo, _ = served
    me = visitor(url, "127.0.0.11")
    photo = me.file(me.upload("cat.jpg", photo_path.read_bytes()))
    joins(me, "explain", [photo] + EXPLAIN_ARGS, K)
    cache = Path(gr.Image().GRADIO_CACHE)
    before = sorted(cache.rglob("pasted-*"))
    pasted = {"path": None, "url": "data:image/jpeg;base64," + __import__("base64").b64encode(
        photo_path.read_bytes()).decode()}
    sessions_before = set(demo._queue.pending_messages_per_session)
    refused, session = me.join("explain", [pasted] + EXPLAIN_ARGS)
    assert refused.status_code == 429
    assert session not in demo._queue.pending_messages_per_session
    assert set(demo._queue.pending_messages_per_session) == sessions_before
    gate.set()
    settle(demo)
    assert sorted(cache.rglob("pasted-*")) == before


def test_per_visitor_zero_turns_it_off(photo_path):
    with serve_app(AppConfig(weights="random", device="cpu", probe_network=False),
                   fair=FairShare(per_visitor=0, upload_mb_per_minute=0.1)) as (url, demo, _):
        gate = threading.Event()
        gated(demo, "explain", gate)
        me = visitor(url, "127.0.0.12")
        photo = me.file(me.upload("cat.jpg", photo_path.read_bytes()))
        assert all(me.upload(f"{i}.jpg", bytes(200 * 1024)) for i in range(3))  # 600 kB: no upload budget either
        try:
            assert all(a.status_code == 200 for a in joins(me, "explain", [photo] + EXPLAIN_ARGS, 12))
        finally:
            gate.set()
            settle(demo)


def test_failed_logins_are_bounded_per_visitor():
    with serve_app(AppConfig(weights="random", device="cpu", probe_network=False), fair=SETTINGS,
                   auth=("class", "secret")) as (url, _, _):
        def login(source: str, password: str, **headers: str) -> httpx.Response:
            with httpx.Client(transport=httpx.HTTPTransport(local_address=source), headers=headers) as http:
                return http.post(f"{url}login", data={"username": "class", "password": password})

        assert [login("127.0.0.13", "guess").status_code for _ in range(3)] == [400] * 3
        refused = login("127.0.0.13", "secret")  # even the right password waits now
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) <= 61
        assert refused.json()["detail"] == EN["login_bounded"].format(s=refused.headers["retry-after"])
        zh = login("127.0.0.13", "secret", **{"accept-language": "zh-CN"})
        assert zh.json()["detail"].startswith("从你的地址登录失败")
        assert login("127.0.0.14", "secret").status_code == 200  # another visitor is not affected
        assert [login("127.0.0.15", "secret").status_code for _ in range(5)] == [200] * 5  # successes do not count


def test_waiting_events_are_served_round_robin_across_visitors(served, gate, photo_path):
    url, demo, _ = served
    busy, burst, single = (visitor(url, f"127.0.0.{n}") for n in (16, 17, 18))
    photo = busy.file(busy.upload("cat.jpg", photo_path.read_bytes()))
    joins(busy, "explain", [photo] + EXPLAIN_ARGS, 2)  # both workers of the model group held by the gate
    deadline = time.monotonic() + 10
    while len(running_events(demo)) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    joins(burst, "explain", [photo] + EXPLAIN_ARGS, K)
    joins(single, "explain", [photo] + EXPLAIN_ARGS, 1)
    order = [event.request.client.host for event in waiting_events(demo, "model")]
    # busy has its 2 running, so its third would come last; burst's first goes before single's one,
    # but its second and third after it
    assert order == ["127.0.0.17", "127.0.0.18", "127.0.0.17", "127.0.0.17"]


def test_interleave_puts_events_in_rounds():
    def event(who: str, group: str = "model") -> SimpleNamespace:
        return SimpleNamespace(who=who, concurrency_id=group)

    waiting = [event("a"), event("a"), event("a"), event("b"), event("c"), event("b")]
    running = [[event("c")], None, [event("a", "slow")]]
    blocks = SimpleNamespace(_queue=SimpleNamespace(
        event_queue_per_concurrency_id={"model": SimpleNamespace(queue=waiting)}, active_jobs=running))
    interleave(blocks, "model", lambda e: e.who)
    # round 0: a, b (c has one running); round 1: a, c, b; round 2: a
    assert [e.who for e in waiting] == ["a", "b", "a", "c", "b", "a"]
    interleave(blocks, "other", lambda e: e.who)  # a group with no queue: nothing to do


# -- uploads ---------------------------------------------------------------------------------------


def ledger_of(demo) -> UploadLedger:
    """The running gate's upload ledger (the middleware instance Starlette built for this app)."""
    layer = demo.app.middleware_stack
    while layer is not None and not isinstance(layer, FairShareGate):
        layer = getattr(layer, "app", None)
    assert layer is not None, "no FairShareGate in the app's middleware stack"
    return layer.uploads


def in_flight(ledger: UploadLedger, visitor: str) -> int:
    return sum(u.open for u in ledger._uploads.get(visitor, []))


def multipart(name: str, content: bytes, boundary: str = "b0undary") -> tuple[bytes, bytes]:
    """(head, tail) of a one-file multipart body: send head + content + tail."""
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n"
            f"Content-Type: image/jpeg\r\n\r\n").encode()
    return head, f"\r\n--{boundary}--\r\n".encode()


class HeldUpload:
    """An upload from `source` whose body stops half-way until `finish()`: an upload in flight, held by the test."""

    def __init__(self, url: str, source: str, content: bytes) -> None:
        host, port = url.split("//")[1].rstrip("/").split(":")
        head, self.tail = multipart(f"held-{uuid.uuid4().hex}.jpg", content)
        self.rest = content[len(content) // 2:]
        self.sock = socket.create_connection((host, int(port)), source_address=(source, 0), timeout=30)
        length = len(head) + len(content) + len(self.tail)
        self.sock.sendall((f"POST /gradio_api/upload HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n"
                           f"Content-Type: multipart/form-data; boundary=b0undary\r\nContent-Length: {length}\r\n\r\n"
                           ).encode() + head + content[:len(content) // 2])

    def finish(self) -> int:
        self.sock.sendall(self.rest + self.tail)
        answer = b""
        while chunk := self.sock.recv(65536):
            answer += chunk
        self.sock.close()
        return int(answer.split(b" ", 2)[1])


def names_in(folder: Path) -> set[str]:
    return {p.name for p in folder.rglob("*") if p.is_file()}


def test_uploads_at_once_are_bounded_per_visitor_and_refused_unread(served, photo_path):
    url, demo, _ = served
    content = photo_path.read_bytes()
    ledger = ledger_of(demo)
    held = [HeldUpload(url, "127.0.0.20", content) for _ in range(2)]
    try:
        deadline = time.monotonic() + 10
        while in_flight(ledger, "127.0.0.20") < 2:
            assert time.monotonic() < deadline, "the two held uploads never reached the gate"
            time.sleep(0.02)
        me = visitor(url, "127.0.0.20", **{"accept-language": "zh-CN"})
        name = f"refused-{uuid.uuid4().hex}.jpg"
        refused = me.http.post(f"{url}gradio_api/upload", files={"files": (name, content)})
        assert refused.status_code == 429 and refused.headers["retry-after"] == "5"
        assert refused.json()["detail"] == ZH["busy_uploads"].format(n=2)
        assert visitor(url, "127.0.0.21").upload("other.jpg", content)  # another visitor uploads meanwhile
    finally:
        statuses = [h.finish() for h in held]
    assert statuses == [200, 200]
    assert name not in names_in(Path(gr.Image().GRADIO_CACHE)), "the refused upload was written"
    assert visitor(url, "127.0.0.20").upload("again.jpg", content)  # its uploads ended: it may upload again


def test_upload_bytes_a_minute_are_bounded_per_visitor(served):
    url, demo, _ = served
    me = visitor(url, "127.0.0.22")
    piece = bytes(UPLOAD_KB * 1024)
    assert me.upload("one.jpg", piece) and me.upload("two.jpg", piece)  # 400 kB of a 500 kB budget
    name = f"third-{uuid.uuid4().hex}.jpg"
    refused = me.http.post(f"{url}gradio_api/upload", files={"files": (name, piece)})
    assert refused.status_code == 429 and 1 <= int(refused.headers["retry-after"]) <= 61
    assert refused.json()["detail"] == EN["upload_budget"].format(mb="0.4", s=refused.headers["retry-after"])
    assert name not in names_in(Path(gr.Image().GRADIO_CACHE)), "the refused upload was written"
    assert me.upload("small.jpg", bytes(50 * 1024))  # what is left of the budget still fits
    assert visitor(url, "127.0.0.23").upload("theirs.jpg", piece)  # another visitor has their own budget


def test_a_chunked_upload_past_the_budget_is_stopped_and_leaves_no_file(served):
    url, demo, _ = served
    me = visitor(url, "127.0.0.24")
    assert me.upload("first.jpg", bytes(UPLOAD_KB * 1024))
    cache = Path(gr.Image().GRADIO_CACHE)
    before = names_in(cache)
    head, tail = multipart(f"chunked-{uuid.uuid4().hex}.jpg", b"")

    def body():  # no Content-Length: httpx sends it chunked, 64 kB at a time, 640 kB in all
        yield head
        for _ in range(10):
            yield bytes(64 * 1024)
        yield tail

    answer = me.http.post(f"{url}gradio_api/upload", content=body(),
                          headers={"content-type": "multipart/form-data; boundary=b0undary"})
    assert answer.status_code == 429 and answer.json()["detail"].startswith("You have uploaded")
    assert names_in(cache) == before, "a part of the stopped upload was left on disk"


def test_a_visitor_at_the_bound_can_still_press_stop(served, gate, photo_path):
    """The Stop button's event cancels Score-CAM: refusing it would leave a full page unable to stop
    its own work. It gets one place beyond the bound."""
    url, demo, _ = served
    student = visitor(url, "127.0.0.19")
    photo = student.file(student.upload("cat.jpg", photo_path.read_bytes()))
    assert all(a.status_code == 200 for a in joins(student, "explain", [photo] + EXPLAIN_ARGS, K))
    stop_index = next(i for i, f in demo.fns.items() if f.cancels)

    def press_stop(n: int) -> int:
        with httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.19")) as http:
            return http.post(f"{url}gradio_api/queue/join", json={
                "data": [], "fn_index": stop_index, "session_hash": f"stop-{n}"}).status_code

    assert joins(student, "explain", [photo] + EXPLAIN_ARGS, 1)[0].status_code == 429  # the bound holds
    first = press_stop(0)
    settle_deadline = time.monotonic() + 10
    while counts(demo, "127.0.0.19")[None] > K and time.monotonic() < settle_deadline:
        time.sleep(0.05)  # the stop event itself is quick; wait until it has left the queue
    assert first == 200, "a visitor at the bound could not press Stop"
    gate.set()
    settle(demo)
