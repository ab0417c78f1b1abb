"""限流 — counters shared across workers and hosts: the public rate limit and failed-login throttling.

Both sit on one `limits` storage: in-process memory by default, Redis when `ZHIJIAN_REDIS_URL` is set
(then every worker and every host counts against the same numbers). Pure arithmetic lives in
`backoff_seconds`; the classes only read and write counters.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import time
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from limits import RateLimitItemPerMinute
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

from zhijian.platform.errors import DomainError
from zhijian.platform.logs import log

PREFIX = "zj"


def make_storage(redis_url: str | None) -> Storage:
    """The counters' home: Redis when configured (shared by every worker and host), memory otherwise."""
    storage = storage_from_string(redis_url, key_prefix="zhijian") if redis_url else storage_from_string("memory://")
    if not isinstance(storage, Storage):  # a synchronous URL gives a synchronous storage; never the asyncio kind
        raise TypeError(f"not a synchronous limits storage: {type(storage).__name__}")
    return storage


class RateLimiter:
    """Fixed one-minute windows per client key (limits' FixedWindowRateLimiter)."""

    def __init__(self, per_minute: int, storage: Storage | None = None, redis_url: str | None = None) -> None:
        self.per_minute = per_minute
        self.storage = storage or make_storage(None)
        self._item = RateLimitItemPerMinute(max(per_minute, 1), namespace=f"{PREFIX}:public")
        self._strategy = FixedWindowRateLimiter(self.storage)
        self._redis_url = redis_url  # the same counters through an asyncio client, for `hit_async`
        self._async: tuple[Any, Any] | None = None  # (weak ref to an event loop, its async strategy): one loop's own

    async def hit_async(self, key: str) -> bool:
        """`hit` without blocking the event loop: with Redis, the counter is incremented through redis-py's asyncio
        client (the synchronous call stalled every connection of the worker for each round trip — a third of the
        resolver's time behind a proxy, issue #23); in memory, the synchronous count (no I/O)."""
        if not self._redis_url:
            return self.hit(key)
        import asyncio

        from limits.aio.strategies import FixedWindowRateLimiter as AsyncFixedWindow
        from limits.storage import storage_from_string as from_string

        loop = asyncio.get_running_loop()
        if self._async is None or self._async[0]() is not loop:  # a Redis connection belongs to the loop it opened on
            storage = from_string(f"async+{self._redis_url}", key_prefix="zhijian", implementation="redispy")
            self._async = (weakref.ref(loop), AsyncFixedWindow(storage))
        strategy = self._async[1]
        try:
            return bool(await strategy.hit(self._item, key))
        except Exception:  # redis.ConnectionError and the like: as `hit`
            log.exception("rate-limit store unreachable; request not counted")
            return True

    def hit(self, key: str) -> bool:
        """Count one request; False once the client is over its limit for this minute.
        If the shared store is unreachable the request passes (logged): an outage of Redis must not turn
        every public page into a 500."""
        try:
            return bool(self._strategy.hit(self._item, key))
        except Exception:  # redis.ConnectionError and the like
            log.exception("rate-limit store unreachable; request not counted")
            return True

    def retry_after(self, key: str) -> int:
        try:
            reset, _remaining = self._strategy.get_window_stats(self._item, key)
        except Exception:
            return 60
        return max(1, math.ceil(reset - time.time()))


# ---------------------------------------------------------------- trusted proxies


def parse_networks(spec: str | Iterable[str] | None) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """`ZHIJIAN_TRUSTED_PROXIES`: addresses or CIDRs separated by commas or spaces ("" → none trusted)."""
    items = spec.replace(",", " ").split() if isinstance(spec, str) else list(spec or ())
    out = []
    for item in items:
        try:
            out.append(ipaddress.ip_network(item.strip(), strict=False))
        except ValueError as exc:
            raise DomainError("config.bad_proxy", f"ZHIJIAN_TRUSTED_PROXIES 中的地址无效：{item}",
                              f"invalid address in ZHIJIAN_TRUSTED_PROXIES: {item}") from exc
    return tuple(out)


def _in(address: str, networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_address(peer: str, forwarded_for: str | None,
                   trusted: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]) -> str:
    """The client's address: the peer itself unless the peer is a trusted proxy; then the right-most
    X-Forwarded-For entry that is not itself a trusted proxy (entries left of it are the client's to forge)."""
    if not trusted or not forwarded_for or not _in(peer, trusted):
        return peer
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        if not _in(hop, trusted):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # garbage from a trusted proxy's client: count it against the proxy
    return hops[0] if hops else peer


# ---------------------------------------------------------------- failed logins


@dataclass(frozen=True)
class LoginPolicy:
    """Failed-login throttling. After `free` failures each further one doubles the wait (1 s, 2 s, 4 s ...,
    capped at `lock_seconds`); at `lock_after` failures the account is locked for `lock_seconds`.
    A client address gets the same treatment with its own, higher thresholds (password spraying)."""

    free: int = 3
    lock_after: int = 10
    base_seconds: float = 1.0
    lock_seconds: int = 15 * 60
    window_seconds: int = 15 * 60
    client_free: int = 20
    client_lock_after: int = 100


def backoff_seconds(failures: int, free: int, lock_after: int, base: float, lock_seconds: int) -> int:
    """Seconds to wait after the `failures`-th consecutive failure (0 while still free)."""
    if failures >= lock_after:
        return lock_seconds
    if failures <= free:
        return 0
    return int(min(lock_seconds, math.ceil(base * 2 ** (failures - free - 1))))


class TooManyAttempts(DomainError):
    def __init__(self, retry_after: int) -> None:
        super().__init__("auth.throttled", f"登录尝试过于频繁，请 {retry_after} 秒后再试",
                         f"too many login attempts; try again in {retry_after} s", status=429,
                         extra={"retry_after": retry_after})
        self.retry_after = retry_after


@dataclass(frozen=True)
class Failure:
    account_failures: int
    client_failures: int
    wait_seconds: int
    locked: bool  # this failure engaged the account's (or client's) lock


def _digest(value: str) -> str:
    # usernames are keys in a shared store: hash them (Redis keys are visible to whoever runs Redis)
    return hashlib.sha256(value.encode()).hexdigest()[:32]


class LoginThrottle:
    """Per-account and per-client failure counters. Unknown usernames are counted exactly like real ones,
    so neither the answer nor its timing tells whether an account exists."""

    def __init__(self, storage: Storage | None = None, policy: LoginPolicy | None = None) -> None:
        self.storage = storage or make_storage(None)
        self.policy = policy or LoginPolicy()

    def _keys(self, username: str, client: str) -> tuple[str, str]:
        return (f"{PREFIX}:login:acct:{_digest(username.strip().lower())}", f"{PREFIX}:login:ip:{_digest(client)}")

    def check(self, username: str, client: str) -> None:
        """Refuse (429) while the account or the client is in a back-off period or locked. If the shared
        store is unreachable, refuse too (503 problem): login must not become unthrottled during an outage."""
        waits = []
        try:
            for key in self._keys(username, client):
                if self.storage.get(key + ":block") > 0:
                    waits.append(self.storage.get_expiry(key + ":block") - time.time())
        except Exception as exc:
            log.exception("login throttle store unreachable")
            raise DomainError("auth.throttle_unavailable", "登录暂不可用，请稍后再试",
                              "login is unavailable for a moment; try again later", status=503,
                              extra={"retry_after": 30}) from exc
        if waits:
            raise TooManyAttempts(max(1, math.ceil(max(waits))))

    def _block(self, key: str, seconds: int) -> None:
        if seconds > 0:
            self.storage.clear(key + ":block")
            self.storage.incr(key + ":block", seconds)

    def failed(self, username: str, client: str) -> Failure:
        p = self.policy
        acct, ip = self._keys(username, client)
        n_acct = self.storage.incr(acct, p.window_seconds)
        n_ip = self.storage.incr(ip, p.window_seconds)
        wait_acct = backoff_seconds(n_acct, p.free, p.lock_after, p.base_seconds, p.lock_seconds)
        wait_ip = backoff_seconds(n_ip, p.client_free, p.client_lock_after, p.base_seconds, p.lock_seconds)
        self._block(acct, wait_acct)
        self._block(ip, wait_ip)
        if n_acct >= p.lock_after:  # a lock outlives the counting window
            self.storage.clear(acct)
            self.storage.incr(acct, p.lock_seconds + p.window_seconds, amount=n_acct)
        locked = n_acct == p.lock_after or n_ip == p.client_lock_after
        return Failure(n_acct, n_ip, max(wait_acct, wait_ip), locked)

    def succeeded(self, username: str, client: str) -> None:
        """A right password resets the account's counter (the client's keeps counting: spraying)."""
        acct, _ip = self._keys(username, client)
        self.storage.clear(acct)
        self.storage.clear(acct + ":block")
