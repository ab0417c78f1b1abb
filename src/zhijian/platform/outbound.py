"""对外请求 — the one HTTP client for requests zhijian itself makes (webhooks), guarded against SSRF.

A destination chosen by a user (an EPCIS subscription's `dest`) must never reach the server's own
network: the loopback interface, private and link-local ranges, cloud metadata endpoints, multicast,
reserved and unspecified addresses are refused. The rules:

- https only; http only when the administrator sets `ZHIJIAN_OUTBOUND_HTTP=1`;
- the host is resolved and **every** address it resolves to must be public, then the request connects
  to that checked address (with the name as Host header and TLS SNI / certificate name), so a DNS answer
  that changes between check and connect (DNS rebinding) cannot redirect it;
- redirects are not followed, time and response size are bounded;
- the outcome a user sees is only "delivered", "failed (HTTP nnn)" or "failed" — never a connection
  error's name, which would make the webhook a port scanner;
- `ZHIJIAN_OUTBOUND_ALLOW` (comma-separated host names and CIDRs) lets an administrator admit internal
  receivers; it is read on every call, so changing it needs no restart.

Validate at creation with `check_destination(url, field=...)` (422 naming the field) and send with
`post(...)`, which checks again at delivery time.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from zhijian.platform.errors import DomainError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

DELIVERED = "delivered"
FAILED = "failed"

#: Ranges refused even where Python's `is_global` would let them through (or to be explicit about them).
_BLOCKED: tuple[Network, ...] = tuple(ipaddress.ip_network(n) for n in (
    "0.0.0.0/8",            # "this network"
    "100.64.0.0/10",        # shared address space (CGNAT; Alibaba Cloud metadata 100.100.100.200)
    "169.254.0.0/16",       # link-local, AWS/GCP/Azure metadata 169.254.169.254
    "192.0.0.0/24",         # IETF protocol assignments (incl. Oracle Cloud 192.0.0.192)
    "198.18.0.0/15",        # benchmarking
    "fd00:ec2::254/128",    # AWS metadata over IPv6
    "64:ff9b::/96",         # NAT64 (would reach IPv4 addresses checked above only in disguise)
    "2002::/16",            # 6to4 (embeds an IPv4 address)
))

MAX_URL = 500


@dataclass(frozen=True)
class Policy:
    """What the administrator allows (environment, read at every call)."""

    allow_http: bool
    allow_hosts: frozenset[str]
    allow_networks: tuple[Network, ...]


def policy(environ: Mapping[str, str] | None = None) -> Policy:
    env = os.environ if environ is None else environ
    hosts: set[str] = set()
    nets: list[Network] = []
    for item in (env.get("ZHIJIAN_OUTBOUND_ALLOW") or "").split(","):
        item = item.strip().lower()
        if not item:
            continue
        try:
            nets.append(ipaddress.ip_network(item.strip("[]"), strict=False))
        except ValueError:
            hosts.add(item.rstrip("."))
    return Policy(allow_http=env.get("ZHIJIAN_OUTBOUND_HTTP", "0") == "1", allow_hosts=frozenset(hosts),
                  allow_networks=tuple(nets))


def address_blocked(ip: IPAddress) -> bool:
    """True for every address a webhook must not reach (loopback, private, link-local, metadata …)."""
    if isinstance(ip, ipaddress.IPv6Address):
        mapped = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if mapped is not None and address_blocked(mapped):
            return True
    if (ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_multicast or ip.is_reserved
            or ip.is_unspecified or not ip.is_global):
        return True
    return any(ip.version == n.version and ip in n for n in _BLOCKED)


def _forbidden(field: str | None) -> DomainError:
    # One message for every reason (bad scheme, unresolvable, internal address): no oracle on the inside.
    return DomainError("outbound.forbidden_destination",
                       "目标地址不允许：须为可公开访问的 https 地址（内部地址需管理员在 ZHIJIAN_OUTBOUND_ALLOW 中放行）",
                       "destination not allowed: it must be a publicly reachable https URL (internal receivers "
                       "need the administrator's ZHIJIAN_OUTBOUND_ALLOW)", status=422, field=field)


Resolver = Callable[[str, int], list[IPAddress]]


def system_resolve(host: str, port: int) -> list[IPAddress]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    out: list[IPAddress] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        ip = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if ip not in out:
            out.append(ip)
    return out


@dataclass(frozen=True)
class Target:
    """A checked destination: connect to `address`, name the server `host`."""

    url: SplitResult
    host: str
    port: int
    address: IPAddress


def check_destination(url: str, *, field: str | None = "dest", resolve: Resolver | None = None,
                      pol: Policy | None = None) -> Target:
    """Parse, resolve and check a destination; raise 422 (naming `field`) unless every address is allowed."""
    pol = pol or policy()
    if not isinstance(url, str) or len(url) > MAX_URL or any(ord(c) < 33 or ord(c) == 127 for c in url):
        raise _forbidden(field)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise _forbidden(field) from None
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http") or (scheme == "http" and not pol.allow_http):
        raise _forbidden(field)
    host = (parts.hostname or "").rstrip(".").lower()
    if not host or parts.username is not None or parts.password is not None:
        raise _forbidden(field)
    port = port or (443 if scheme == "https" else 80)
    try:
        literal: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [literal]
    else:
        try:
            addresses = (resolve or system_resolve)(host, port)
        except (OSError, UnicodeError, ValueError):
            raise _forbidden(field) from None
    if not addresses:
        raise _forbidden(field)
    host_allowed = host in pol.allow_hosts
    for ip in addresses:
        if host_allowed or any(ip.version == n.version and ip in n for n in pol.allow_networks):
            continue
        if address_blocked(ip):
            raise _forbidden(field)
    return Target(parts, host, port, addresses[0])


@dataclass(frozen=True)
class Outcome:
    """What a delivery achieved: `status` is the only text ever stored or shown."""

    ok: bool
    status: str
    http_status: int | None = None


def post(url: str, content: bytes, headers: Mapping[str, str], *, timeout: float = 5.0,
         max_response_bytes: int = 64 * 1024, resolve: Resolver | None = None) -> Outcome:
    """POST `content` to a checked destination; never raises for network trouble, never follows redirects."""
    import httpx

    try:
        target = check_destination(url, field=None, resolve=resolve)
    except DomainError:
        return Outcome(False, FAILED)
    ip = target.address
    netloc = f"[{ip}]" if ip.version == 6 else str(ip)
    default_port = 443 if target.url.scheme.lower() == "https" else 80
    if target.port != default_port:
        netloc += f":{target.port}"
    direct = target.url._replace(netloc=netloc, scheme=target.url.scheme.lower(), fragment="").geturl()
    host_header = target.host if target.port == default_port else f"{target.host}:{target.port}"
    if ":" in target.host:  # an IPv6 literal
        host_header = f"[{target.host}]" + ("" if target.port == default_port else f":{target.port}")
    send_headers = {**dict(headers), "Host": host_header}
    try:
        with httpx.Client(timeout=httpx.Timeout(timeout), follow_redirects=False, trust_env=False) as client:
            req = client.build_request("POST", direct, content=content, headers=send_headers,
                                       extensions={"sni_hostname": target.host})
            resp = client.send(req, stream=True)
            try:
                read = 0
                for chunk in resp.iter_raw():
                    read += len(chunk)
                    if read > max_response_bytes:
                        break
                code = resp.status_code
            finally:
                resp.close()
    except (httpx.HTTPError, OSError, ValueError):
        return Outcome(False, FAILED)
    if 200 <= code < 300:
        return Outcome(True, DELIVERED, code)
    return Outcome(False, f"{FAILED} (HTTP {code})", code)
