"""The reason sentences are `spotcheck/data/reasons.json` (issue #17): the same 42 codes and (zh, en) sentences, in
the same order, as the Python table they were written in before."""

import hashlib
import json

from zhijian.spotcheck.rules.reasons import SENTENCES


def test_sentences_unchanged() -> None:
    assert len(SENTENCES) == 42
    assert all(isinstance(v, tuple) and len(v) == 2 for v in SENTENCES.values())
    canonical = json.dumps(list(SENTENCES.items()), ensure_ascii=False).encode()
    assert hashlib.sha256(canonical).hexdigest() == "f21a44fd6625797cfbbae4c5eb8acb483cb37c97fe9681183993d0d538c2aefa"
