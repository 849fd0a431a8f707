"""A hostile visitor, through the raw HTTP API only: what it can make the server read, hold and do.

Everything goes through `raw_api.RawClient` (plain HTTP, no gradio_client): payloads the page
never sends, for public and private events alike. The server must answer each with a clear
message (never Gradio's bare "Error", never a traceback), read no file it did not hand out,
and keep serving.
"""

from __future__ import annotations

import base64
import html
import http.client
import io
import json
import os
import threading
import time
from pathlib import Path

import httpx
import pytest
from helpers import serve_app
from PIL import Image
from raw_api import RawClient

from resnet_demo.service import AppConfig
from resnet_demo.ui.strings import EN, ZH

pytestmark = pytest.mark.live

REFUSED = f"{EN['err_image']} {EN['err_not_uploaded']}"
EXPLAIN_ARGS = [18, "gradcam", "layer4", "", 3, 0.5, False]  # depth … all_stages, after the photo


@pytest.fixture(scope="module")
def app():
    with serve_app(AppConfig(weights="random", device="cpu", probe_network=False, score_cam_channels=64)) as served:
        yield served


@pytest.fixture(scope="module")
def client(app):
    c = RawClient(app[0])
    yield c
    c.close()


@pytest.fixture(scope="module")
def uploaded(client, photo_path):
    return client.upload("cat.jpg", photo_path.read_bytes())


def detail(answer) -> str:
    """The message a refused call carries, whichever way it came back (HTTP 400, or the event stream)."""
    if answer.status != 200:
        return json.loads(answer.error)["detail"]
    return answer.error


def test_only_files_the_server_handed_out_are_read(client, uploaded, tmp_path):
    secret = tmp_path / "secret.jpg"
    with Image.new("RGB", (64, 64), (200, 10, 10)) as image:
        image.save(secret)
    upload_dir = Path(uploaded).parent
    link = upload_dir / f"link-{os.getpid()}-{time.time_ns()}.jpg"
    os.symlink(secret, link)  # a symlink inside the upload folder pointing out of it
    try:
        _only_handed_out_files_are_read(client, uploaded, tmp_path, secret, link)
    finally:
        link.unlink()  # Gradio's upload folder is shared: never leave the link behind, even on failure


def _only_handed_out_files_are_read(client, uploaded, tmp_path, secret, link) -> None:
    upload_dir = Path(uploaded).parent
    relative = os.path.relpath(secret, Path.cwd())
    paths = [
        str(secret), relative, f"../../../../../..{secret}", f"{upload_dir}/../../..{secret}",
        f"{uploaded}/../../../..{secret}", str(link), f"file://{secret}", "https://example.com/cat.jpg",
        "/etc/hostname", "/etc", "/no/such/file.jpg", "", "\x00", str(tmp_path),
    ]
    answers = {}
    for path in paths:
        for meta in (False, True):
            answer = client.call("explain", [client.file(path, meta=meta)] + EXPLAIN_ARGS)
            assert not answer.ok, (path, meta)
            answers[(path, meta)] = detail(answer)
    assert set(answers.values()) == {REFUSED}, answers  # one message: nothing about what exists where
    for weird in ([1, 2], {"path": 5, "meta": {"_type": "gradio.FileData"}}, {"url": "data:text/plain,hi"}):
        answer = client.call("explain", [weird] + EXPLAIN_ARGS)
        assert not answer.ok and answer.error, weird
    ok = client.call("explain", [client.file(uploaded, meta=False)] + EXPLAIN_ARGS)
    assert ok.ok and len(ok.data[0]["confidences"]) == 3
    other = client.call("residual", [client.file(str(secret))] + [18, "layer2", 0])
    assert detail(other) == REFUSED
    zh = httpx.post(f"{client.url}/gradio_api/queue/join", headers={"accept-language": "zh-CN"},
                    json={"data": [client.file(str(secret))] + EXPLAIN_ARGS, "fn_index": client.fn_index("explain"),
                          "session_hash": "zh"})
    assert zh.status_code == 400 and zh.json()["detail"] == f"{ZH['err_image']} {ZH['err_not_uploaded']}"


def test_request_bodies_are_bounded(client, uploaded):
    host, port = client.url.split("//")[1].split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    connection.putrequest("POST", "/gradio_api/upload")
    connection.putheader("Content-Length", str(40 * 2**20))  # declares 40 MB, sends 1 kB: refused unread
    connection.putheader("Content-Type", "multipart/form-data; boundary=x")
    connection.endheaders(b"x" * 1024)
    assert connection.getresponse().status == 413
    connection.close()
    many = [("files", (f"f{i}.jpg", b"\xff" * (10 * 2**20))) for i in range(3)]  # 30 MB in one request
    assert httpx.post(f"{client.url}/gradio_api/upload", files=many, timeout=60).status_code == 413

    def chunks():  # a well-formed 40 MB multipart upload without Content-Length: counted as it streams
        yield b'--x\r\nContent-Disposition: form-data; name="files"; filename="big.jpg"\r\n\r\n'
        for _ in range(40):
            yield b"\xff" * 2**20
        yield b"\r\n--x--\r\n"

    streamed = httpx.post(f"{client.url}/gradio_api/upload", content=chunks(),
                          headers={"content-type": "multipart/form-data; boundary=x"}, timeout=60)
    assert streamed.status_code == 413
    huge_json = client.join("explain", [], raw_body=json.dumps({"data": ["x" * (6 * 2**20)]}).encode())[0]
    assert huge_json.status_code == 413
    assert client.call("explain", [client.file(uploaded)] + EXPLAIN_ARGS).ok  # still serving


def test_pasted_pictures_are_bounded_and_cleaned_up_with_gradios_cache(app, client, photo_path):
    from gradio.route_utils import delete_files_created_by_app

    _, demo, _ = app
    data_url = "data:image/jpeg;base64," + base64.b64encode(photo_path.read_bytes()).decode()
    ok = client.call("explain", [{"path": None, "url": data_url}] + EXPLAIN_ARGS)
    assert ok.ok
    pasted = [f for files in demo.temp_file_sets for f in files if "pasted-" in f]
    assert pasted and all(Path(f).exists() for f in pasted)
    delete_files_created_by_app(demo, age=0)  # what delete_cache runs every 30 minutes
    assert not any(Path(f).exists() for f in pasted)
    big = "data:image/png;base64," + base64.b64encode(os.urandom(3 * 2**20 + 10)).decode()
    answer = client.call("explain", [{"path": None, "url": big}] + EXPLAIN_ARGS)
    assert not answer.ok and "over 3 MB" in answer.error
    bad = client.call("explain", [{"path": None, "url": "data:image/png;base64,@@@"}] + EXPLAIN_ARGS)
    assert not bad.ok and "could not be read" in bad.error


BAD_VALUES = {  # event -> list of (arguments after the photo, phrase the message must contain)
    "explain": [
        (["abc", "gradcam", "layer4", "", 3, 0.5, False], "abc"),
        ([18, "smoothgrad", "layer4", "", 3, 0.5, False], "smoothgrad"),
        ([18, "gradcam", "layer9", "", 3, 0.5, False], "layer9"),
        ([18, "gradcam", "layer4", "x" * 5000, 3, 0.5, False], "at most 200 characters"),
        ([18, "gradcam", "layer4", "unicorn", 3, 0.5, False], "unicorn"),
        ([18, "gradcam", "layer4", "", 10**12, 0.5, False], "top_k"),
        ([18, "gradcam", "layer4", "", "many", 0.5, False], "top_k"),
        ([18, "gradcam", "layer4", "", 3, "NaN", False], "opacity"),
        ([18, "gradcam", "layer4", "", 3, [1], False], "opacity"),
        ([18, "gradcam", "layer4", "", 3, 0.5, "maybe"], "all_stages"),
    ],
    "scorecam": [(["abc", "layer4", "", 3, 0.5], "abc"), ([18, "layer0", "", 3, 0.5], "layer0")],
    "residual": [([18, "layer2", -5], "block"), ([18, "layer2", "x"], "block"), ([7, "layer2", 0], "7")],
    "compare": [([[18, 999], "gradcam", "layer4"], "999"), ([[18], "scorecam", "layer4"], "scorecam"),
                (["18,50", "gradcam", "layer4"], "depths")],
    "gradient_flow": [(["152x"], "152x")],
}


def refusal(answer) -> str:
    """A refused setting's message: in the note under the controls (the event's last output), as text."""
    assert answer.ok and answer.data[-1]["visible"], answer.error
    return html.unescape(answer.data[-1]["value"])


@pytest.mark.parametrize("event", list(BAD_VALUES))
def test_every_parameter_gets_a_clear_message(client, uploaded, event):
    for args, phrase in BAD_VALUES[event]:
        message = refusal(client.call(event, [client.file(uploaded)] + args))
        assert phrase in message and "Traceback" not in message, (event, args, message)
    assert "depth" in refusal(client.call("architecture", [{"depth": 50}]))


PRIVATE_PROBES = [  # (event, data, event_data): payloads the page never sends
    ("rerender", [None, float("inf")], None),
    ("enlarge_layer2", [None], {"index": ["x", {"y": 1}], "value": None}),
    ("pick_prediction", [], {"value": {"nested": ["junk"] * 10}, "index": 999}),
    ("export_full", [None, "abc"], None),
    ("export_npz", [None], None),
]


def test_private_events_check_what_they_are_sent(client, uploaded):
    """Each private event's answer, stated exactly: with nothing shown yet, and with a result shown."""
    nothing = {event: client.call(event, data, event_data=event_data) for event, data, event_data in PRIVATE_PROBES}
    assert nothing["rerender"].ok and nothing["enlarge_layer2"].ok  # nothing shown: nothing to redraw
    assert nothing["pick_prediction"].ok and nothing["pick_prediction"].data[0] == ""  # junk picks no class
    assert nothing["export_full"].error == nothing["export_npz"].error == EN["err_no_photo"]

    session = f"private-{time.time_ns()}"  # the session's state (gr.State) now holds a shown result
    assert client.call("explain", [client.file(uploaded)] + EXPLAIN_ARGS, session=session).ok
    shown = {event: client.call(event, data, event_data=event_data, session=session)
             for event, data, event_data in PRIVATE_PROBES}
    assert "opacity" in refusal(shown["rerender"])  # refused next to the controls, the overlays stay
    assert not shown["enlarge_layer2"].ok and "x" in shown["enlarge_layer2"].error
    assert shown["pick_prediction"].ok and shown["pick_prediction"].data[0] == ""
    assert not shown["export_full"].ok and "opacity" in shown["export_full"].error
    assert shown["export_npz"].ok and [f["orig_name"] for f in shown["export_npz"].data[0]] == [
        "overlay.jpg", "result.json", "arrays.npz"]
    for answer in [*nothing.values(), *shown.values()]:
        assert answer.error != "Error" and "Traceback" not in (answer.error or "")
    assert client.call("explain", [client.file(uploaded)] + EXPLAIN_ARGS).ok


def test_score_cam_does_not_hold_cheap_requests_hostage_and_stops_when_the_visitor_leaves(app, client, uploaded,
                                                                                          monkeypatch):
    _, _, service = app
    batches, real, cheap_done, stops = [], service.gate.wait_idle, threading.Event(), []
    left_at = []  # how many batches had been asked for when the server saw the visitor leave
    score_cam = service.score_cam

    def watched(*args, should_stop=None, **kwargs):  # keeps the stop check the page's event hands the engine
        stops.append(should_stop)
        return score_cam(*args, should_stop=should_stop, **kwargs)

    def counted(timeout=10.0):  # called before each batch, never inside one
        batches.append(time.monotonic())
        if len(batches) == 2:  # hold Score-CAM until the cheap answer is in
            cheap_done.wait(60)
        if len(batches) == 3:  # hold it again until the server has seen the visitor leave
            deadline = time.monotonic() + 60
            while not stops[0]():
                if time.monotonic() > deadline:
                    return real(timeout)  # the assertion below says what went wrong
                time.sleep(0.01)
            left_at.append(len(batches))
        return real(timeout)

    monkeypatch.setattr(service, "score_cam", watched)
    monkeypatch.setattr(service.gate, "wait_idle", counted)
    try:
        response, session = client.join("scorecam", [client.file(uploaded), 18, "layer4", "", 3, 0.5])
        assert response.status_code == 200
        stream = httpx.Client(timeout=120).stream("GET", f"{client.url}/gradio_api/queue/data",
                                                  params={"session_hash": session})
        listener = stream.__enter__()
        lines = listener.iter_lines()
        deadline = time.monotonic() + 60
        while len(batches) < 2:  # the stream sends a message at least every second while it runs
            assert time.monotonic() < deadline, "Score-CAM never started its second batch"
            next(lines)
        engines = [t for t in threading.enumerate() if t.name == "score-cam"]
        assert len(engines) == 1
        cheap = client.call("explain", [client.file(uploaded)] + EXPLAIN_ARGS)  # same depth, during Score-CAM
        assert cheap.ok and len(batches) == 2 and engines[0].is_alive()  # answered mid-run, whatever the speed
        cheap_done.set()
        stream.__exit__(None, None, None)  # the visitor closes the tab
        engines[0].join(120)  # Gradio cancels the event; the engine stops at its next batch
        assert left_at == [3], "the server never told Score-CAM that the visitor left"
        assert not engines[0].is_alive(), "Score-CAM kept running after the visitor left"
        assert len(batches) == 3, f"Score-CAM asked for {len(batches) - 3} more batches after the visitor left"
    finally:
        cheap_done.set()


def test_identical_requests_at_once_all_download_whole_files(client, photo_path):
    """Students clicking the same example with the same controls: every file arrives complete."""
    example = client.config["dependencies"]  # noqa: F841 - the config loaded: the server is up
    paths = [client.upload("same.jpg", photo_path.read_bytes()) for _ in range(6)]
    results, errors = [], []

    def student(path):
        try:
            answer = RawClient(client.url).call("explain", [client.file(path)] + [18, "gradcam", "layer4", "", 5, 0.5,
                                                                                   True])
            assert answer.ok, answer.error
            results.append(answer.data)
        except Exception as exc:  # noqa: BLE001 - collected and reported below
            errors.append(exc)

    threads = [threading.Thread(target=student, args=(p,)) for p in paths]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(results) == 6
    for data in results:
        images = [data[1], data[2], *data[3:8]]
        for item in images + data[10]:
            url = item["url"]
            body = httpx.get(url).content
            assert body, url
            if url.endswith((".jpg", ".png")):
                with Image.open(io.BytesIO(body)) as image:
                    image.load()  # a truncated file fails to decode
    overlays = {d[1]["path"] for d in results}
    assert len(overlays) == 6  # one file per request: no request rewrites another's
