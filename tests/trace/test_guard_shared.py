"""The enumeration guard counts across processes through Redis (issue #23: several `zhijian serve` processes behind a
proxy share the rate limits and the guard).

The finding: the guard counted in each process's memory, so behind a round-robin proxy with P processes an
enumerating client could try P × 20 unknown codes a window before any process refused it (with two processes, 38
strikes left both processes answering). Tested on the real Redis at 127.0.0.1:6379."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest

from zhijian.platform.throttle import make_storage
from zhijian.trace.service.guard import EnumerationGuard

REDIS = os.environ.get("ZHIJIAN_TEST_REDIS", "redis://127.0.0.1:6379/15")
NOW = 1_800_000_000.0


@pytest.fixture
def store():  # type: ignore[no-untyped-def]
    storage = make_storage(REDIS)
    try:
        storage.incr("zj:probe", 5)
    except Exception:
        pytest.skip("no Redis on 127.0.0.1:6379")
    return storage


def test_two_processes_share_one_count(store) -> None:  # type: ignore[no-untyped-def]
    """Two guards (two processes' worth) on one store, a client alternating between them like round robin: it is
    refused after 20 unknown codes in all, not 20 in each."""
    a, b = EnumerationGuard(20, 600, store), EnumerationGuard(20, 600, store)
    client = "c-" + uuid.uuid4().hex
    counts = [(a if i % 2 else b).strike(client, NOW) for i in range(20)]
    assert counts == list(range(1, 21))  # one sequence across both: exactly one of them sees the 20th (one signal)
    assert a.blocked(client, NOW) != b.blocked(client, NOW)  # the one that counted the 20th knows at once
    late = b if a.blocked(client, NOW) else a
    assert late.strike(client, NOW) == 21  # the other learns at the client's next unknown code
    assert a.blocked(client, NOW) and b.blocked(client, NOW)
    assert not a.blocked("other-" + client, NOW)


def test_a_new_window_forgets(store) -> None:  # type: ignore[no-untyped-def]
    g = EnumerationGuard(3, 600, store)
    client = "c-" + uuid.uuid4().hex
    for _ in range(3):
        g.strike(client, NOW)
    assert g.blocked(client, NOW)
    assert not g.blocked(client, NOW + 600)
    assert g.strike(client, NOW + 600) == 1


def test_without_a_store_each_process_counts_alone() -> None:
    """No ZHIJIAN_REDIS_URL: the guard still works in its own process (the embedded default)."""
    g = EnumerationGuard(2, 600, None)
    g.share(None)
    assert [g.strike("x", NOW), g.strike("x", NOW)] == [1, 2]
    assert g.blocked("x", NOW)


def test_the_module_guard_of_real_processes_shares_through_redis(store) -> None:  # type: ignore[no-untyped-def]
    """Three Python processes with ZHIJIAN_REDIS_URL set, each striking the service's own GUARD 7 times for one
    client: the counts reach 21 across them and the last process is blocked."""
    client = "c-" + uuid.uuid4().hex
    code = ("import sys; from zhijian.trace import service as s; "
            f"print(' '.join(str(s.GUARD.strike({client!r}, {NOW})) for _ in range(7)), s.GUARD.blocked({client!r}, {NOW}))")
    env = {**os.environ, "ZHIJIAN_REDIS_URL": REDIS}
    outs = [subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True,
                           timeout=120).stdout.split() for _ in range(3)]
    assert [o[:-1] for o in outs] == [[str(n) for n in range(k, k + 7)] for k in (1, 8, 15)]
    assert [o[-1] for o in outs] == ["False", "False", "True"]
