"""The capture's shortcut for identifiers already in canonical Digital Link form (issue #23): a link the shortcut
returns as is is one the full parse returns unchanged too — in the index (`canonical_id`) and in the CBV 2.0 event
hash (`canonical_value`) — on thousands of generated links (every character the shortcut admits) and on the near
misses it must leave to the parse (a query, a lot, a short key, a non-ASCII digit)."""

from __future__ import annotations

import random

from zhijian.trace.epcis import event_hash as H
from zhijian.trace.epcis import rules as R

_INDEX_CHARS = "ABCxyz019_.~!$'()*+,;:@=-"
_HASH_CHARS = "\"'-.0123456789;<=>ABZ_az"


def _links(rng: random.Random, chars: str, longest: int) -> list[str]:
    key = "".join(rng.choice("0123456789") for _ in range(14))
    serial = "".join(rng.choice(chars) for _ in range(rng.randint(1, longest)))
    return [f"https://id.gs1.org/01/{key}/21/{serial}", f"https://id.gs1.org/01/{key}",
            f"https://id.gs1.org/00/{key}0123"]


def test_what_the_shortcut_keeps_the_full_parse_keeps_too() -> None:
    rng = random.Random(23)
    for _ in range(3000):
        for link in _links(rng, _INDEX_CHARS, 30):
            assert R._CANONICAL_DL.fullmatch(link) and R._parsed_id(link) == link
        for link in _links(rng, _HASH_CHARS, 20):
            assert H._CANONICAL_DL.fullmatch(link) and H._parsed_value(link, False) == link


def test_near_misses_go_through_the_parse() -> None:
    for link, index, hashed in [
        ("https://id.gs1.org/01/06901234567892/21/A1?x=1", "https://id.gs1.org/01/06901234567892/21/A1",
         "https://id.gs1.org/01/06901234567892/21/A1"),
        ("https://id.gs1.org/01/06901234567892/10/L1/21/A1", "https://id.gs1.org/01/06901234567892/21/A1",
         "https://id.gs1.org/01/06901234567892/21/A1"),
        ("https://id.gs1.org/01/6901234567892/21/A1", "https://id.gs1.org/01/06901234567892/21/A1",
         "https://id.gs1.org/01/06901234567892/21/A1"),
        ("https://example.cn/01/06901234567892/21/A1", "https://id.gs1.org/01/06901234567892/21/A1",
         "https://id.gs1.org/01/06901234567892/21/A1"),
    ]:
        assert not R._CANONICAL_DL.fullmatch(link) and not H._CANONICAL_DL.fullmatch(link)
        assert (R.canonical_id(link), H.canonical_value(link)) == (index, hashed)
    arabic = "https://id.gs1.org/01/٠٦٩٠١٢٣٤٥٦٧٨٩٢"
    assert not R._CANONICAL_DL.fullmatch(arabic) and not H._CANONICAL_DL.fullmatch(arabic)
