"""GS1 Digital Link URI syntax against the GS1 Barcode Syntax Engine's own unit tests.

Source: github gs1/gs1-syntax-engine, commit 50657db (2026-06-23), `src/c-lib/dl.c` (Apache-2.0; vendored
unmodified in tests/data/gs1-syntax-engine, see README.md there), function `test_dl_parseDLuri`: each
`test_parseDLuri(should_succeed, uri, expected)` call is a case, `expected` the element string in the engine's
form (`^` = FNC1, one after each variable-length AI that is not last). The cases are read from the C source at
collection time; those run while the test turns on a non-default option (zero-suppressed GTINs, convenience
alphas, unknown AIs as attributes) are left out, as zhijian runs the default options only: 100 of the 118.

zhijian's parser (`digital_link.parse`, the resolver's) must refuse what the engine refuses and, for what it
accepts, give the same AIs in the same order."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from zhijian.platform.errors import DomainError
from zhijian.trace import digital_link as D

SOURCE = Path(__file__).resolve().parents[1] / "data" / "gs1-syntax-engine" / "dl.c"
_STR = r'"(?:[^"\\]|\\.)*"'
_STATEMENT = re.compile(
    r"test_parseDLuri\(\s*(true|false)\s*,((?:\s*" + _STR + r")+)\s*,((?:\s*" + _STR + r")+)\s*\)\s*;"
    r"|gs1_encoder_set(\w+)\(ctx,\s*(?:(\w+),\s*)?(true|false)\)\s*;"
    r"|ctx->(\w+)\s*=\s*(true|false)\s*;")


def _c_string(literals: str) -> str:
    """Adjacent C string literals, concatenated and unescaped."""
    return "".join(bytes(p[1:-1], "utf-8").decode("unicode_escape") for p in re.findall(_STR, literals))


def _engine_cases() -> list[tuple[int, bool, str, str, frozenset[str]]]:
    """(line, should succeed, URI, expected, non-default options on) of each case in `test_dl_parseDLuri`."""
    src = SOURCE.read_text("utf-8")
    start = src.index("void test_dl_parseDLuri(void)")
    body = src[start:src.index("\n}\n", start)]
    # comments out, string literals kept (a URI such as "ftp://" holds a comment's opening)
    body = re.sub(r'("(?:[^"\\]|\\.)*")|//[^\n]*|/\*.*?\*/',
                  lambda m: m.group(1) or re.sub(r"[^\n]", " ", m.group(0)), body, flags=re.S)
    first_line = src[:start].count("\n") + 1
    options: set[str] = set()
    cases = []
    for m in _STATEMENT.finditer(body):
        if m.group(1):
            line = first_line + body[:m.start()].count("\n")
            cases.append((line, m.group(1) == "true", _c_string(m.group(2)), _c_string(m.group(3)),
                          frozenset(options)))
        elif m.group(4):  # gs1_encoder_setPermit…(ctx, true) / setValidationEnabled(ctx, v…, false): non-default
            name = m.group(4) + (f":{m.group(5)}" if m.group(5) else "")
            on = m.group(6) == "true"
            (options.add if (on if m.group(4).startswith("Permit") else not on) else options.discard)(name)
        else:  # ctx->permitConvenienceAlphas = true;
            (options.add if m.group(8) == "true" else options.discard)(m.group(7))
    return cases


CASES = _engine_cases()
DEFAULT = [pytest.param(ok, uri, want, id=f"dl.c:{line}") for line, ok, uri, want, opts in CASES if not opts]


def _engine_form(link: Any) -> str:
    out, after_variable = "^", False
    for ai, value in [(link.key_ai, link.key), *link.qualifiers.items(), *link.attributes.items()]:
        out += ("^" if after_variable else "") + ai + value
        after_variable = D.is_variable(ai)
    return out


def test_the_cases_are_all_read() -> None:
    assert (len(CASES), len(DEFAULT)) == (118, 100)
    assert sum(ok for _line, ok, _uri, _want, opts in CASES if not opts) == 58  # and 42 refusals


@pytest.mark.parametrize(("should_succeed", "uri", "expected"), DEFAULT)
def test_parse_agrees_with_the_syntax_engine(should_succeed: bool, uri: str, expected: str) -> None:
    if not should_succeed:
        with pytest.raises(DomainError) as err:
            D.parse(uri)
        assert err.value.status == 400
        return
    assert _engine_form(D.parse(uri)) == expected
