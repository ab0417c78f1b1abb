"""The statutory grounds read from consumer/data/grounds.json are the ones the Python tables held (codes, articles,
and a digest of the Chinese and English texts taken from the tables before they moved to the data file)."""

from __future__ import annotations

import hashlib
import json

from zhijian.consumer import procedure


def _digest(table: dict[str, procedure.Ground]) -> str:
    texts = [(g.zh, g.en) for g in table.values()]
    return hashlib.sha256(json.dumps(texts, ensure_ascii=False).encode()).hexdigest()


def test_non_acceptance_grounds_are_unchanged() -> None:
    assert [(g.code, g.article) for g in procedure.NON_ACCEPTANCE.values()] == [
        ("outside_jurisdiction", "第十五条第一项"), ("already_handled", "第十五条第二项"),
        ("not_consumer_dispute", "第十五条第三项"), ("time_limit", "第十五条第四项"),
        ("missing_material", "第十五条第五项"), ("other_law", "第十五条第六项")]
    assert all(k == g.code for k, g in procedure.NON_ACCEPTANCE.items())
    assert _digest(procedure.NON_ACCEPTANCE) == "eb0c83b17f282df5eec6a498085baa896694b475251071aeb63509221777b3bc"


def test_termination_grounds_are_unchanged() -> None:
    assert [(g.code, g.article) for g in procedure.TERMINATION.values()] == [
        ("withdrawn_or_settled", "第二十一条第一项"), ("no_agreement_on_testing", "第二十一条第二项"),
        ("refused_mediation", "第二十一条第三项"), ("no_agreement", "第二十一条第四项"),
        ("time_out", "第二十一条第五项"), ("non_acceptance_found", "第二十一条第六项"), ("other_law", "第二十一条第七项")]
    assert all(k == g.code for k, g in procedure.TERMINATION.items())
    assert _digest(procedure.TERMINATION) == "09bdb61ffbeb8ae28ea80a4b12d92559f57d8d3cd8b08183339f45027b42d9b3"
    assert procedure.TERMINATION["time_out"].en == "no agreement within 45 working days of acceptance"
