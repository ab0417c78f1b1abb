"""The fast JSON depth scan answers what the regular expression does, for every input (issue #23); the EPCIS API's
JSON reader (orjson first) reads what json.loads read, the same values, and refuses what it refused."""

from __future__ import annotations

import json
import math
import random
from typing import Any

import pytest
from starlette.requests import Request

from tests import aio
from zhijian.platform.middleware import _json_depth_regex, json_depth
from zhijian.trace.api import _read_json
from zhijian.trace.epcis import EpcisError


def test_depth_scan_equals_the_regular_expression_on_random_text() -> None:
    rng = random.Random(23)
    alphabet = [b'"', b"\\", b"[", b"]", b"{", b"}", b"a", b"n", b" ", b"\x00", b"u"]
    for length in (4, 8, 16, 40, 120):
        for _ in range(4000):
            text = b"".join(rng.choice(alphabet) for _ in range(rng.randint(0, length)))
            assert json_depth(text) == _json_depth_regex(text), text


def _value(rng: random.Random, depth: int) -> Any:
    r = rng.random()
    if depth > 6 or r < 0.3:
        return rng.choice(['a"b\\', "[{", '\\"]', "x\\\\", "中文", "\\", "", 1, 2.5, None, True])
    if r < 0.6:
        return [_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {rng.choice(["k", '"[', "\\{", "键"]) + str(i): _value(rng, depth + 1) for i in range(rng.randint(0, 3))}


def test_depth_scan_of_json_documents() -> None:
    rng = random.Random(17)
    for _ in range(800):
        v = _value(rng, 0)
        for ascii_only in (True, False):
            text = json.dumps(v, ensure_ascii=ascii_only).encode()
            assert json_depth(text) == _json_depth_regex(text), text
    assert json_depth(b"[" * 100_000 + b"]" * 100_000) == 100_000
    assert json_depth(b'{"a": "[[[[\\"[[["}') == 1
    assert json_depth(b'["\\\\", [[]]]') == 3
    assert json_depth(b"") == 0


def _request(body: bytes, media: str = "application/ld+json") -> Request:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    return Request({"type": "http", "method": "POST", "path": "/epcis/capture", "headers": [
        (b"content-type", media.encode())]}, receive)


def _read(body: bytes) -> Any:
    return aio.run(_read_json(_request(body)))  # a loop of its own even where another test left one running


@pytest.mark.parametrize("body", [
    b'{"a": [1, 2.5, -0, "x", null, true]}', b"123456789012345678901234567890", b"-9223372036854775809",
    b'{"n": 18446744073709551615}', b"1e400", b"NaN", b"-Infinity", b'"\\ud800"', b"\xef\xbb\xbf{}",
    '{"a": "中文"}'.encode("utf-16"), b'{"a":1,"a":2}', b"0.1", b"5e-324", b'"\\u0000"', b"9007199254740993",
])
def test_read_json_reads_what_json_loads_read(body: bytes) -> None:
    got, want = _read(body), json.loads(body)
    assert repr(got) == repr(want) and type(got) is type(want) or (
        isinstance(want, float) and math.isnan(want) and math.isnan(got))


@pytest.mark.parametrize("body", [b"", b"[1,]", b'"\xff"', b"{", b"[1] x", b"\xed\xa0\x80"])
def test_read_json_refuses_what_json_loads_refused(body: bytes) -> None:
    with pytest.raises(EpcisError) as err:
        _read(body)
    assert err.value.status == 400
