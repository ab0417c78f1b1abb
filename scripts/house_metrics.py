"""The house's measures (issue #17): largest module, longest functions, highest complexity (ruff's C901 / mccabe),
mypy errors. Run: .venv/bin/python scripts/house_metrics.py [--mypy]"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "zhijian"


def main() -> None:
    files = [p for p in SRC.rglob("*.py") if "migrations" not in p.parts]
    sizes = sorted(((len(p.read_text(encoding="utf-8").splitlines()), p) for p in files), reverse=True)
    print("largest modules:", ", ".join(f"{p.relative_to(SRC)} {n}" for n, p in sizes[:5]))
    print("modules over 600 lines:", sum(1 for n, _ in sizes if n > 600))
    funcs = []
    for p in files:
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                funcs.append((node.end_lineno - node.lineno + 1, f"{p.relative_to(SRC)}:{node.name}"))
    funcs.sort(reverse=True)
    print("longest functions:", ", ".join(f"{n} {f}" for n, f in funcs[:5]))
    print("functions over 60 lines:", sum(1 for n, _ in funcs if n > 60))
    out = subprocess.run([sys.executable, "-m", "ruff", "check", str(SRC), "--select", "C901", "--config",
                          "lint.mccabe.max-complexity=0", "--output-format", "json", "--exit-zero"],
                         capture_output=True, text=True, check=True).stdout
    cx = sorted(((int(re.search(r"\((\d+) > ", d["message"]).group(1)), d["message"].split("`")[1],  # type: ignore[union-attr]
                  Path(d["filename"]).relative_to(SRC)) for d in json.loads(out)), reverse=True)
    print("highest complexity:", ", ".join(f"{c} {f}:{n}" for c, n, f in cx[:5]))
    print("functions over complexity 15:", sum(1 for c, _, _ in cx if c > 15))
    if "--mypy" in sys.argv:
        res = subprocess.run([sys.executable, "-m", "mypy"], capture_output=True, text=True)
        print("mypy:", (res.stdout.strip().splitlines() or ["?"])[-1])


if __name__ == "__main__":
    main()
