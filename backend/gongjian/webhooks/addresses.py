"""Where a webhook may go: public addresses only (no server-side request forgery).

A subscriber names any URL, and the deliverer POSTs to it from inside the network; pointed at
`127.0.0.1`, `169.254.169.254` (cloud metadata) or a `10.x` service it would reach what the
internet can't. So the host is resolved and every address it resolves to must be public — not
loopback, private, shared (100.64/10), link-local, multicast, reserved or unspecified, including
IPv4 hidden in IPv6 (`::ffff:127.0.0.1`, NAT64, 6to4). Checked when a subscription is made or
changed (422 `webhook_address_forbidden`) and again right before each send, because DNS can change
in between; the sender then connects to the address it checked (`pinned`), so a second lookup
can't swap it. GONGJIAN_WEBHOOK_ALLOW_PRIVATE turns the check off for development and tests.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass

import httpx

from gongjian.kit.errors import unprocessable
from gongjian.settings import get_settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class AddressRefused(Exception):
    """The host doesn't resolve, or resolves to an address webhooks may not reach; `reason` is
    short and safe to store on the delivery."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Target:
    """Where to connect, and what to tell the receiver it is called."""

    url: httpx.URL
    headers: dict[str, str]
    extensions: dict[str, str]


def is_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return is_public(embedded)
    return address.is_global and not (
        address.is_multicast
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_unspecified
    )


def public_addresses(url: str) -> list[IPAddress]:
    """Every address `url`'s host resolves to, all public; else AddressRefused."""
    try:
        parsed = httpx.URL(url)
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        found = socket.getaddrinfo(parsed.host, port, type=socket.SOCK_STREAM)
    except (httpx.InvalidURL, OSError, UnicodeError, ValueError) as exc:
        raise AddressRefused("webhook_host_unresolvable", "host_unresolvable") from exc
    addresses: list[IPAddress] = []
    for *_, sockaddr in found:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if not is_public(address):
            raise AddressRefused("webhook_address_forbidden", f"address_forbidden: {address}")
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise AddressRefused("webhook_host_unresolvable", "host_unresolvable")
    return addresses


def require_public(url: str) -> None:
    """The subscription-time check: 422 unless `url` may receive webhooks."""
    if get_settings().webhook_allow_private:
        return
    try:
        public_addresses(url)
    except AddressRefused as refused:
        detail = {
            "webhook_host_unresolvable": "无法解析 Webhook 地址的主机名",
            "webhook_address_forbidden": "Webhook 地址不能指向本机、内网、链路本地、组播或保留地址",
        }[refused.code]
        raise unprocessable(refused.code, detail, field="body.url") from refused


def pinned(url: str) -> Target:
    """The send-time check: the URL with its host replaced by the checked address, the original
    host in `Host` and as the TLS server name (so certificates are still checked against it)."""
    parsed = httpx.URL(url)
    if get_settings().webhook_allow_private:
        return Target(parsed, {}, {})
    address = public_addresses(url)[0]
    extensions: dict[str, str] = {}
    try:
        ipaddress.ip_address(parsed.host)
    except ValueError:
        if parsed.scheme == "https":
            extensions["sni_hostname"] = parsed.host
    return Target(parsed.copy_with(host=str(address)), {"Host": parsed.netloc.decode("ascii")}, extensions)
