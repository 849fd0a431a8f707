"""Who a request's visitor is: the TCP peer, or what a trusted proxy reports (`ui/visitor.py`)."""

from __future__ import annotations

import pytest

from resnet_demo.ui.visitor import UNKNOWN, TrustedProxies, forwarded_for, visitor_of


def scope(peer: str | None, *forwarded: str) -> dict:
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded]
    return {"type": "http", "client": (peer, 5000) if peer else None, "headers": headers}


NONE = TrustedProxies()
PROXY = TrustedProxies.parse("10.0.0.1, 192.168.7.0/24")
SPACE = TrustedProxies.from_settings("", {"SPACE_ID": "someone/resnet"})


def test_the_peer_is_the_visitor_when_no_proxy_is_trusted():
    assert visitor_of(scope("203.0.113.9"), NONE) == "203.0.113.9"
    assert visitor_of(scope("203.0.113.9", "1.2.3.4"), NONE) == "203.0.113.9"  # a forged header changes nothing
    assert visitor_of(scope("10.0.0.1", "1.2.3.4"), NONE) == "10.0.0.1"
    assert visitor_of(scope(None, "1.2.3.4"), NONE) == UNKNOWN


def test_an_untrusted_peer_cannot_choose_its_address():
    assert visitor_of(scope("203.0.113.9", "10.0.0.1"), PROXY) == "203.0.113.9"
    assert visitor_of(scope("10.0.0.2", "8.8.8.8"), PROXY) == "10.0.0.2"


def test_a_trusted_proxy_reports_the_visitor_read_from_the_right():
    assert visitor_of(scope("10.0.0.1", "198.51.100.4"), PROXY) == "198.51.100.4"
    # the client wrote "6.6.6.6" itself; the proxy appended what it saw
    assert visitor_of(scope("10.0.0.1", "6.6.6.6, 198.51.100.4"), PROXY) == "198.51.100.4"
    # a chain of two trusted proxies: the second reports the first, the first reports the visitor
    assert visitor_of(scope("10.0.0.1", "6.6.6.6, 198.51.100.4, 192.168.7.20"), PROXY) == "198.51.100.4"
    assert visitor_of(scope("10.0.0.1", "6.6.6.6", "198.51.100.4"), PROXY) == "198.51.100.4"  # repeated headers
    assert visitor_of(scope("192.168.7.3", "[2001:db8::5]:4711"), PROXY) == "2001:db8::5"
    assert visitor_of(scope("10.0.0.1", "198.51.100.4:6000"), PROXY) == "198.51.100.4"


def test_garbage_in_the_header_stops_at_the_last_vouched_address():
    assert visitor_of(scope("10.0.0.1"), PROXY) == "10.0.0.1"
    assert visitor_of(scope("10.0.0.1", "not-an-ip"), PROXY) == "10.0.0.1"
    assert visitor_of(scope("10.0.0.1", "198.51.100.4, <script>"), PROXY) == "10.0.0.1"
    assert visitor_of(scope("10.0.0.1", "6.6.6.6, junk, 192.168.7.9"), PROXY) == "192.168.7.9"  # the inner proxy


def test_on_a_space_only_the_platforms_hop_counts():
    assert SPACE.platform and SPACE.any
    assert visitor_of(scope("172.16.5.5", "198.51.100.4"), SPACE) == "198.51.100.4"
    assert visitor_of(scope("172.16.5.5", "6.6.6.6, 198.51.100.4"), SPACE) == "198.51.100.4"
    assert visitor_of(scope("172.16.5.5"), SPACE) == "172.16.5.5"
    assert not TrustedProxies.from_settings(None, {}).any


def test_forwarded_for_keeps_order_across_headers():
    assert forwarded_for([(b"X-Forwarded-For", b"1.1.1.1, 2.2.2.2"), (b"host", b"x"),
                          (b"x-forwarded-for", b" 3.3.3.3")]) == ["1.1.1.1", "2.2.2.2", "3.3.3.3"]


@pytest.mark.parametrize("bad", ["10.0.0", "proxy.example", "10.0.0.0/33", "*"])
def test_a_bad_trusted_proxy_is_named(bad):
    with pytest.raises(ValueError, match="trusted_proxies"):
        TrustedProxies.parse(f"10.0.0.1,{bad}")


def test_app_flags_and_their_environment_variables(monkeypatch):
    import app

    monkeypatch.delenv("SPACE_ID", raising=False)
    args = app.parse_args([])
    assert (args.per_visitor, args.lab_cooldown, args.login_attempts) == (4, 120.0, 10)
    assert (args.uploads_at_once, args.upload_mb_per_minute) == (2, 60.0)
    assert not args.trusted_proxies.any
    monkeypatch.setenv("RESNET_EXPLORER_PER_VISITOR", "0")
    monkeypatch.setenv("RESNET_EXPLORER_TRUSTED_PROXIES", "10.0.0.0/8")
    monkeypatch.setenv("SPACE_ID", "someone/resnet")
    args = app.parse_args([])
    assert args.per_visitor == 0 and args.trusted_proxies.platform
    assert args.trusted_proxies.networks[0].with_prefixlen == "10.0.0.0/8"
    assert app.parse_args(["--per-visitor", "6"]).per_visitor == 6  # the flag wins
    monkeypatch.setenv("RESNET_EXPLORER_UPLOADS_AT_ONCE", "3")
    monkeypatch.setenv("RESNET_EXPLORER_UPLOAD_MB_PER_MINUTE", "12.5")
    assert (app.parse_args([]).uploads_at_once, app.parse_args([]).upload_mb_per_minute) == (3, 12.5)
    assert app.parse_args(["--upload-mb-per-minute", "0"]).upload_mb_per_minute == 0
    for bad in (["--per-visitor", "-1"], ["--lab-cooldown", "-5"], ["--trusted-proxies", "nginx"],
                ["--uploads-at-once", "-1"], ["--upload-mb-per-minute", "-2"], ["--upload-mb-per-minute", "lots"]):
        with pytest.raises(SystemExit):
            app.parse_args(bad)
