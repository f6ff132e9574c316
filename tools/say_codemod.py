"""Rewrite the CLI's old ``_t(lang, de, en)`` calls as ``say(de, en, lang)``, the one helper
(klappt.language.say: German, English, then the language). For merging branches written before
the change: ``python tools/say_codemod.py src/klappt/cli/*.py``; then ``ruff format`` them."""

from __future__ import annotations

import ast
import sys
from pathlib import Path


def rewrite(source: str) -> str:
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def pos(lineno: int, col: int) -> int:
        # ast columns count UTF-8 bytes
        line = lines[lineno - 1]
        return starts[lineno - 1] + len(line.encode("utf-8")[:col].decode("utf-8"))

    calls = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Call)
        and isinstance(n.func, ast.Name)
        and n.func.id == "_t"
        and len(n.args) == 3
        and not n.keywords
    ]
    # innermost last in the source first, so earlier offsets stay valid
    for call in sorted(calls, key=lambda c: (c.lineno, c.col_offset), reverse=True):
        a, b, c = call.args
        spans = [
            (pos(x.lineno, x.col_offset), pos(x.end_lineno or 0, x.end_col_offset or 0))
            for x in (a, b, c)
        ]
        seg = [source[s:e] for s, e in spans]
        sep1 = source[spans[0][1] : spans[1][0]]
        sep2 = source[spans[1][1] : spans[2][0]]
        start = pos(call.func.lineno, call.func.col_offset)
        source = (
            source[:start]
            + "say"
            + source[pos(call.func.end_lineno or 0, call.func.end_col_offset or 0) : spans[0][0]]
            + seg[1]
            + sep1
            + seg[2]
            + sep2
            + seg[0]
            + source[spans[2][1] :]
        )
        lines = source.splitlines(keepends=True)
        starts = [0]
        for line in lines:
            starts.append(starts[-1] + len(line))
    return source


if __name__ == "__main__":
    for name in sys.argv[1:]:
        path = Path(name)
        old = path.read_text(encoding="utf-8")
        new = rewrite(old)
        if new != old:
            path.write_text(new, encoding="utf-8")
            print(f"rewritten: {path}")
