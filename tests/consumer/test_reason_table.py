"""The reason sentences are `consumer/data/reasons.json` (issue #17): the same 26 codes and (zh, en) sentences, in
the same order, as the Python table they were written in before."""

import hashlib
import json

from zhijian.consumer.rules.reasons import SENTENCES


def test_sentences_unchanged() -> None:
    assert len(SENTENCES) == 26
    assert all(isinstance(v, tuple) and len(v) == 2 for v in SENTENCES.values())
    canonical = json.dumps(list(SENTENCES.items()), ensure_ascii=False).encode()
    assert hashlib.sha256(canonical).hexdigest() == "5be1ef004540747849bd2abc71781e1cc788f007a3ec18dff29e278090f0bbc3"
