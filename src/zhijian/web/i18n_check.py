"""List the user-interface strings that have no English translation yet.

    python -m zhijian.web.i18n_check            # every room
    python -m zhijian.web.i18n_check web stable # some rooms

Collects `_("…")` calls in every room's templates and Python modules, the labels of `nav_item` /
`portal_link`, the values of module-level label maps named `*_ZH` (translated through a variable), and the zh-CN string constants of the web room's own modules (filter labels, card
labels and the like, which reach `_()` through a variable). Prints `file:line: msgid` for each string
missing from the catalogue (`platform/locale/en/LC_MESSAGES/messages.po` and the rooms' `<room>/locale/en.po`);
exit status 1 when any is missing.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from zhijian.platform.i18n import _catalog
from zhijian.platform.rooms import ROOMS

SRC = Path(__file__).resolve().parent.parent
CJK = re.compile(r"[\u3400-\u9fff]")
# any quoted literal inside a Jinja tag: macro labels (m.field("name", "产品名称")), label dicts ...
JINJA_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
LITERAL = re.compile(r""""((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'""")
# modules whose zh-CN constants are UI labels translated through a variable: the web room's own and the catalog
# console pages it used to hold (filter and kind labels)
LABEL_MODULES = {"pages.py", "sources.py", "rules.py", "core.py", "queue.py"}
LABEL_FILES = {*(f"web/{name}" for name in LABEL_MODULES), "catalog/pages.py"}


def _docstrings(tree: ast.AST) -> set[int]:
    ids: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = getattr(node, "body", [])
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _python_strings(path: Path, all_constants: bool) -> Iterator[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = _docstrings(tree)
    in_fstring: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            in_fstring.update(id(v) for v in node.values)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            args = node.args
            if name == "_" and args and isinstance(args[0], ast.Constant) and isinstance(args[0].value, str):
                yield node.lineno, args[0].value
            elif name in ("nav_item", "portal_link") and len(args) > 1 and isinstance(args[1], ast.Constant):
                yield node.lineno, str(args[1].value)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(node.value, ast.Dict):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(getattr(t, "id", "").endswith("_ZH") for t in targets):  # label maps: STATE_ZH = {...}
                for v in node.value.values:
                    if isinstance(v, ast.Constant) and isinstance(v.value, str):
                        yield v.lineno, v.value
        elif (all_constants and isinstance(node, ast.Constant) and isinstance(node.value, str)
              and id(node) not in docs and id(node) not in in_fstring and CJK.search(node.value)):
            yield node.lineno, node.value


def _template_strings(path: Path) -> Iterator[tuple[int, str]]:
    source = path.read_text(encoding="utf-8")
    for tag in JINJA_TAG.finditer(source):
        line = source.count("\n", 0, tag.start()) + 1
        for m in LITERAL.finditer(tag.group(0)):
            text = m.group(1) if m.group(1) is not None else m.group(2)
            yield line, text


def ui_strings(rooms: list[str] | None = None) -> dict[str, list[str]]:
    """msgid → places it is used (file:line), over the rooms' templates and Python modules."""
    found: dict[str, list[str]] = {}
    for room in rooms or list(ROOMS):
        base = SRC / room
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            rel = f"{path.relative_to(SRC.parent)}"
            if path.suffix == ".html":
                items = _template_strings(path)
            elif path.suffix == ".py" and "migrations" not in path.parts:
                items = _python_strings(path, path.relative_to(SRC).as_posix() in LABEL_FILES)
            else:
                continue
            for line, text in items:
                if CJK.search(text):
                    found.setdefault(text, []).append(f"{rel}:{line}")
    return found


def missing(rooms: list[str] | None = None) -> dict[str, list[str]]:
    have = _catalog("en")
    return {k: v for k, v in ui_strings(rooms).items() if k not in have}


def main(argv: list[str]) -> int:
    _catalog.cache_clear()
    todo = missing(argv or None)
    for text, places in sorted(todo.items(), key=lambda kv: kv[1][0]):
        print(f"{places[0]}: {text}")
    print(f"{len(todo)} untranslated", file=sys.stderr)
    return 1 if todo else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
