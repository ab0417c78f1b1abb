"""The capture's compiled schema validator (jsonschema-rs, issue #23) gives jsonschema's verdict: on every event of
the GS1 reference examples and on thousands of mutants of them (fields dropped, replaced by other JSON values, list
items repeated — including the values where the two regex engines differ, such as a final newline), whatever the
compiled one says, `_event_valid_fast` answers what jsonschema answers."""

from __future__ import annotations

import copy
import json
import random
from typing import Any

from tests.conftest import GS1_EPCIS
from zhijian.trace.epcis import rules as R

_VALUES: list[Any] = [None, 1, 1.5, True, "", "x", "ADD\n", "ADD", [], {}, ["a", "a"], "+08:00\n", "+08:00",
                      "urn:epcglobal:cbv:bizstep:x", "https://gs1.org/voc/x", "٣", "ABC", "ab", [{"x": 1}],
                      {"type": "x"}]


def _mutant(rng: random.Random, event: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(event)
    for _ in range(rng.randint(1, 3)):
        node: Any = out
        while True:
            if isinstance(node, dict) and node:
                key, r = rng.choice(list(node)), rng.random()
                if r < 0.3:
                    del node[key]
                elif r < 0.6:
                    node[key] = rng.choice(_VALUES)
                elif r < 0.7:
                    node[rng.choice(["ex:f", "bad", "type", "uom", "quantity", "value"])] = rng.choice(_VALUES)
                else:
                    node = node[key]
                    continue
            elif isinstance(node, list) and node:
                i, r = rng.randrange(len(node)), rng.random()
                if r < 0.3:
                    node[i] = rng.choice(_VALUES)
                elif r < 0.4:
                    node.append(copy.deepcopy(node[i]))
                else:
                    node = node[i]
                    continue
            break
    return out


def test_the_compiled_validator_agrees_with_jsonschema() -> None:
    assert R._compiled() is not None  # installed with the project
    _, reference = R._validators()
    events = [e for path in sorted((GS1_EPCIS / "examples").glob("*.jsonld"))
              for e in R.document_events(json.loads(path.read_text("utf-8"))) if isinstance(e, dict)]
    assert len(events) > 50
    rng = random.Random(23)
    cases = events + [_mutant(rng, rng.choice(events)) for _ in range(3000)]
    verdicts = [(R._event_valid_fast(e), bool(reference.is_valid(e))) for e in cases]
    assert [i for i, (fast, ref) in enumerate(verdicts) if fast != ref] == []
    assert 0 < sum(ref for _, ref in verdicts) < len(cases)  # both kinds were judged
    newline = copy.deepcopy(events[0])
    newline["eventTimeZoneOffset"] = "+08:00\n"  # Python's `$` matches before it, Rust's does not
    assert R._event_valid_fast(newline) is bool(reference.is_valid(newline))
