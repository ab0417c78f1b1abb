"""The reason sentences are `spotcheck/data/reasons.json` and the requirement sentences `data/requirements.json`
(issue #17): the same codes and (zh, en) sentences, in the same order, as the Python tables they were before."""

import hashlib
import json

from zhijian.spotcheck.rules.reasons import SENTENCES


def test_sentences_unchanged() -> None:
    assert len(SENTENCES) == 42
    assert all(isinstance(v, tuple) and len(v) == 2 for v in SENTENCES.values())
    canonical = json.dumps(list(SENTENCES.items()), ensure_ascii=False).encode()
    assert hashlib.sha256(canonical).hexdigest() == "f21a44fd6625797cfbbae4c5eb8acb483cb37c97fe9681183993d0d538c2aefa"


def test_requirement_sentences_unchanged() -> None:
    """`data/requirements.json`: the same 9 kinds and (zh, en) sentences of `Requirement.parse_zh` / `parse_en`."""
    from zhijian.spotcheck.rules.requirements import _PARSED

    assert all(isinstance(v, tuple) and len(v) == 2 for v in _PARSED.values())
    canonical = json.dumps(list(_PARSED.items()), ensure_ascii=False).encode()
    assert hashlib.sha256(canonical).hexdigest() == "783ad37e9813510ca37f137be882e1d38cadfe35a62bf5aff1b413e03a91206b"
