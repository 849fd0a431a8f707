"""What a visitor sends comes back as text, never as markup: every parameter of every event, raw HTTP.

Every event the page's config lists (public and private), every input slot of it (and the event
data of select events), gets each payload of `hostile_text.PAYLOADS` (tags, event attributes,
`javascript:`/`data:` URLs, Markdown links and images, bare links, very long text, control
characters, right-to-left overrides) with the page's own defaults in the other slots. Every string
that comes back (the outputs, the error, every message of the event stream) must be inert when
rendered as HTML and as Markdown (`hostile_text.markup_in`). A refused control of a public event
must leave every panel as it was (`gr.skip()`) and say why in the note, the event's last output.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from helpers import serve_app
from hostile_text import FEW, PAYLOADS, markup_in, strings_in
from raw_api import RawClient
from resnet_demo.service import AppConfig

pytestmark = pytest.mark.live

SKIP = {"__type__": "update"}
CONTROL_EVENTS = {"explain", "scorecam", "residual", "compare", "gradient_flow", "architecture", "degradation"}
"""Public events whose inputs are controls on the page: a refused value leaves their panels alone."""
TEXT_KINDS = {"image", "radio", "dropdown", "checkboxgroup", "markdown", "textbox"}
"""Inputs whose value is text somewhere (a path, a choice, a class, a label): they get every payload."""


@pytest.fixture(scope="module")
def client():
    with serve_app(AppConfig(weights="random", device="cpu", probe_network=False, score_cam_channels=8)) as served:
        c = RawClient(served[0])
        yield c
        c.close()


@pytest.fixture(scope="module")
def uploaded(client, photo_path):
    return client.upload("cat.jpg", photo_path.read_bytes())


def events(client) -> list[dict]:
    """Every event the server runs a function for, as the page's config lists it."""
    return [d for d in client.config["dependencies"] if d.get("backend_fn")]


def defaults(client, dependency: dict, photo: str) -> list:
    """What the page would send: the uploaded photo, each control's initial value, state as null."""
    components = {c["id"]: c for c in client.config["components"]}
    values = []
    for i in dependency["inputs"]:
        kind = components[i]["type"]
        if kind == "image":
            values.append(client.file(photo))
        elif kind == "dataset":
            values.append(0)  # the first example
        else:
            values.append(None if kind == "state" else components[i].get("props", {}).get("value"))
    return values


def selects(client, dependency: dict) -> bool:
    """Whether the event hands its function what was selected (a click on a picture or a label)."""
    components = {c["id"]: c["type"] for c in client.config["components"]}
    return any(trigger == "select" and components.get(target) not in ("tab", "tabitem")
               for target, trigger in dependency.get("targets", []))


def calls(client, photo: str) -> list[tuple]:
    """(event name, slot or None for the event data, dependency, data, payload, event data) for every payload."""
    components = {c["id"]: c["type"] for c in client.config["components"]}
    every, few = list(PAYLOADS.values()), [PAYLOADS[k] for k in FEW]
    planned = []
    for dependency in events(client):
        name = dependency.get("api_name") or str(dependency["id"])
        base = defaults(client, dependency, photo)
        clicked = {"index": [10, 10], "value": None, "selected": True} if selects(client, dependency) else None
        for slot, component in enumerate(dependency["inputs"]):
            for payload in every if components[component] in TEXT_KINDS else few:
                data = list(base)
                data[slot] = payload
                planned.append((name, slot, dependency, data, payload, clicked))
        if clicked:  # what was clicked: a label's text, a tile's position (the five grids share one handler)
            for payload in few if name.startswith("enlarge_layer") else every:
                planned.append((name, None, dependency, base, payload, {"index": payload, "value": payload}))
    return planned


def kept_with_a_note(answer, kinds: list[str]) -> bool:
    """Every output left as it was (state is never sent to the browser), the last one a visible note."""
    if not answer.ok:
        return False
    *panels, note = answer.data
    return (all(value == SKIP or (kind == "state" and value is None) for value, kind in zip(panels, kinds))
            and bool(note.get("visible") and note.get("value")))


def answer_strings(answer) -> list[str]:
    return [*strings_in(answer.error or ""), *strings_in(answer.data or []), *strings_in(answer.messages)]


def test_every_parameter_of_every_event_comes_back_inert(client, uploaded):
    planned = calls(client, uploaded)
    names = {p[0] for p in planned}
    assert CONTROL_EVENTS | {"rerender", "pick_prediction", "export_full", "enlarge_layer2", "load_example"} <= names
    components = {c["id"]: c["type"] for c in client.config["components"]}

    def run(plan):
        try:
            return plan, client.call(plan[2]["id"], plan[3], event_data=plan[5], timeout=120)
        except (httpx.HTTPError, ValueError) as exc:  # the event stream broke off, or is not JSON
            return plan, exc

    failures = []
    with ThreadPoolExecutor(4) as pool:
        for (name, slot, dependency, data, payload, event_data), answer in pool.map(run, planned):
            where = f"{name}[{'event data' if slot is None else slot}] <- {str(payload)[:40]!r}"
            if isinstance(answer, Exception):
                failures.append(f"{where}: the answer could not be read: {answer!r}")
                continue
            for text in answer_strings(answer):
                failures += [f"{where}: {problem}" for problem in markup_in(text, payload)]
            if answer.error == "Error" or "Traceback" in (answer.error or ""):
                failures.append(f"{where}: no message a visitor can read: {answer.error!r}")
            if name in CONTROL_EVENTS and slot is not None:
                kind = components[dependency["inputs"][slot]]
                if kind == "image":
                    if answer.ok or not answer.error:
                        failures.append(f"{where}: a photo that cannot be read must be refused with a message")
                elif not kept_with_a_note(answer, [components[o] for o in dependency["outputs"]]):
                    failures.append(f"{where}: panels not kept, or no note: {answer.error or answer.data}")
    assert not failures, f"{len(failures)} problems in {len(planned)} calls:\n" + "\n".join(failures[:40])


def test_refusals_in_chinese_are_inert_too(client, uploaded):
    zh = RawClient(client.url)
    zh.http.headers["accept-language"] = "zh-CN,zh;q=0.9"
    try:
        for payload in PAYLOADS.values():
            answer = zh.call("explain", [zh.file(uploaded), 18, "gradcam", "layer4", payload, 3, 0.5, False])
            note = answer.data[-1]["value"]
            assert answer.ok and ("没有与" in note or "该设置无效" in note), note
            assert markup_in(note, payload) == [], (payload, note)
    finally:
        zh.close()
