"""Who sent a request: the visitor's address, which the per-visitor bounds (`fair_share.py`) count by.

A visitor is the TCP peer of the connection. Only when that peer is a proxy the server was told
to trust (`--trusted-proxies`) does `X-Forwarded-For` count, read from the right: each trusted
proxy appends the address it saw, so the rightmost entry that is not itself a trusted proxy is
the visitor; everything left of it was written by the client and may be forged. Never the
session hash (free to make), never a header from an untrusted peer.

On a Hugging Face Space (`SPACE_ID` set) the app is reachable only through the platform's
proxy, whose addresses are not published: there every peer is trusted as a proxy, and only the
rightmost `X-Forwarded-For` entry (the one the platform's proxy appended) is used, so anything a
client wrote further left changes nothing. Pure stdlib: no UI framework, no torch.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

UNKNOWN = "unknown"
"""The visitor of a request whose peer address the server does not know (a test client, a socket)."""


@dataclass(frozen=True)
class TrustedProxies:
    """Which peers may tell the server a visitor's address in `X-Forwarded-For`."""

    networks: tuple[Network, ...] = ()  # proxies named by --trusted-proxies (addresses or CIDR ranges)
    platform: bool = False  # True on a Hugging Face Space: every peer is the platform's proxy (one hop)

    @classmethod
    def parse(cls, spec: str | None, *, platform: bool = False) -> TrustedProxies:
        """From a comma-separated list such as "10.0.0.1, 192.168.0.0/24" ("" or None: none).

        Raises ValueError naming the entry that is neither an address nor a network.
        """
        networks = []
        for item in (spec or "").split(","):
            item = item.strip()
            if not item:
                continue
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError as exc:
                raise ValueError(f"trusted_proxies: {item!r} is not an IP address or network (e.g. 10.0.0.0/8)") from exc
        return cls(tuple(networks), platform)

    @classmethod
    def from_settings(cls, spec: str | None, environ: Mapping[str, str]) -> TrustedProxies:
        """`--trusted-proxies` plus the platform's proxy when `environ` says this is a Space (SPACE_ID)."""
        return cls.parse(spec, platform=bool(environ.get("SPACE_ID")))

    @property
    def any(self) -> bool:
        """Whether any peer's `X-Forwarded-For` is believed at all."""
        return self.platform or bool(self.networks)

    def listed(self, address: Address | None) -> bool:
        """Whether `address` is one of the proxies named by --trusted-proxies."""
        return address is not None and any(address in network for network in self.networks)

    def trusts(self, address: Address | None) -> bool:
        """Whether a connection from `address` may report the visitor's address."""
        return address is not None and (self.platform or self.listed(address))


def _address(text: str) -> Address | None:
    """An IP address from a peer or an `X-Forwarded-For` entry ("1.2.3.4", "1.2.3.4:5", "[::1]:5"), else None."""
    text = text.strip()
    if text.startswith("[") and "]" in text:
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # IPv4 with a port
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def forwarded_for(headers: Iterable[tuple[bytes, bytes]]) -> list[str]:
    """Every `X-Forwarded-For` entry of a request, left to right (repeated headers joined in order)."""
    entries = []
    for name, value in headers:
        if name.lower() == b"x-forwarded-for":
            entries.extend(part.strip() for part in value.decode("latin-1").split(","))
    return entries


def visitor_of(scope: MutableMapping[str, Any], trusted: TrustedProxies) -> str:
    """The visitor's address of an ASGI request `scope`, as text (`UNKNOWN` when there is no peer)."""
    client = scope.get("client")
    peer = _address(str(client[0])) if client else None
    if peer is None:
        return str(client[0]) if client else UNKNOWN
    if not trusted.trusts(peer):
        return str(peer)
    visitor = peer
    for entry in reversed(forwarded_for(scope.get("headers") or [])):
        hop = _address(entry)
        if hop is None:  # garbage in the header: stop at the last address a trusted hop vouched for
            break
        visitor = hop
        if trusted.platform or not trusted.listed(hop):  # the platform's proxy vouches for one hop only
            break
    return str(visitor)
