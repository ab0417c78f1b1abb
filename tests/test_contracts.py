"""docs/CONTRACTS.md against what the rooms declare in their `contracts.py` (issue #17: contracts in code).

Four checks: every function the document says a room provides exists in that room's contracts with the documented
parameter names; every name a room's contracts export is documented; every cross-room call in `src/` names a
function its room declares (a call to an undeclared name would silently answer its default, "no data"); and no
workflow room reaches another room's modules by name at run time (`room_module`, `import_module`), the one way
past import-linter's `rooms-through-contracts`, which reads only import statements."""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

from zhijian.platform import rooms

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "CONTRACTS.md").read_text(encoding="utf-8")
CONTRACT_ROOMS = [r for r in rooms.ROOMS if (ROOT / "src" / "zhijian" / r / "contracts.py").exists()]

# "## spotcheck (监督抽查) provides" … up to the next "## "
SECTION = re.compile(r"^## (\w+) [^\n]*provides[^\n]*\n(.*?)(?=^## |\Z)", re.M | re.S)
SIGNATURE = re.compile(r"`(\w+)\(([^)`]*)\)")
WORKFLOW_ROOMS = ("spotcheck", "trace", "consumer", "equipment", "risk", "stable", "enforcement", "association")
DYNAMIC = re.compile(r"""\broom_module\(\s*"(\w+)",\s*"(\w+)"|\bimport_module\(\s*f?"zhijian\.(\w+)\.(\w+)""")
CALL = re.compile(r"""\b(?:call|room_call)\(\s*[\w.]+,\s*"(\w+)",\s*"(\w+)"|\boffer\(\s*"(\w+)",\s*"(\w+)"\)""")


def documented() -> dict[str, dict[str, list[str]]]:
    out: dict[str, dict[str, list[str]]] = {}
    for room, body in SECTION.findall(DOC):
        if room == "platform" or room not in CONTRACT_ROOMS:
            continue
        for name, params in SIGNATURE.findall(body):
            names = [p.strip().split("=")[0].strip() for p in params.split(",")]
            out.setdefault(room, {})[name] = [p for p in names if p and p not in ("*", "...")]
    return out


def contracts(room: str):
    return importlib.import_module(f"zhijian.{room}.contracts")


def test_the_document_describes_the_rooms_that_declare_a_contract():
    assert {"spotcheck", "consumer", "trace", "risk", "stable", "association", "enforcement"} <= set(documented())


@pytest.mark.parametrize("room", sorted(documented()))
def test_documented_functions_exist_with_the_documented_parameters(room):
    mod = contracts(room)
    for name, params in documented()[room].items():
        assert name in mod.__all__, f"{room}: CONTRACTS.md documents {name}() but {room}/contracts.py does not offer it"
        sig = inspect.signature(getattr(mod, name))
        actual = [p for p in sig.parameters if p not in ("args", "kwargs")]
        for p in params:
            assert p in actual, f"{room}.{name}: documented parameter {p!r} not in {actual}"


@pytest.mark.parametrize("room", CONTRACT_ROOMS)
def test_every_offered_name_is_documented(room):
    for name in contracts(room).__all__:
        assert re.search(rf"\b{name}\b", DOC), f"{room}/contracts.py offers {name}, which docs/CONTRACTS.md does not describe"


def test_every_cross_room_call_names_a_declared_function():
    bad = []
    for path in (ROOT / "src" / "zhijian").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for m in CALL.finditer(text):
            room, name = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
            if room not in CONTRACT_ROOMS or name not in contracts(room).__all__:
                bad.append(f"{path.relative_to(ROOT)}: {room}.{name}")
    assert not bad, "cross-room calls to undeclared contract functions: " + "; ".join(sorted(set(bad)))


def test_call_is_tolerant_of_absent_rooms_and_functions(db):
    with db.session() as s:
        assert rooms.call(s, "nosuchroom", "anything", default="none") == "none"
        assert rooms.call(s, "spotcheck", "no_such_function", default=[]) == []
        assert rooms.offer("spotcheck", "_record") is None  # private names are not offered
        from zhijian.stable import service as stable  # the run's shared database: compare with the room itself

        assert rooms.call(s, "stable", "listed_product_ids", default=None) == stable.listed_product_ids(s)
        assert isinstance(rooms.call(s, "stable", "listed_product_ids", default=None), set)


def test_no_room_reaches_another_rooms_modules_by_name():
    """`room_module("trace", "models")` in enforcement read trace's tables while import-linter saw no import (the
    gap of `enforcement/room_reads.py` until trace, equipment and consumer offered their reads)."""
    bad = []
    for room in WORKFLOW_ROOMS:
        for path in (ROOT / "src" / "zhijian" / room).rglob("*.py"):
            for m in DYNAMIC.finditer(path.read_text(encoding="utf-8")):
                other, module = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
                if other != room and other in WORKFLOW_ROOMS and module != "contracts":
                    bad.append(f"{path.relative_to(ROOT)}: zhijian.{other}.{module}")
    assert not bad, "rooms reading other rooms' modules past their contracts: " + "; ".join(sorted(set(bad)))
