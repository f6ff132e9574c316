"""Fill the English catalogue of the web app: English is the source language, so each empty
``msgstr`` becomes its ``msgid`` (``msgstr[1]`` its ``msgid_plural``), and ``msgfmt
--statistics`` counts every entry as translated, as tests/web/test_one_language.py demands.

Run after adding messages: ``python tools/po_english.py`` (then compile both catalogues with
``msgfmt --check -o django.mo django.po``). The German catalogue is translated by hand.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

PO = Path(__file__).resolve().parents[1] / "src/klappt/web/locale/en/LC_MESSAGES/django.po"


def _field(lines: list[str], name: str) -> list[str] | None:
    """The lines of one field (``msgid "..."`` and its continuation lines), or None."""
    for i, line in enumerate(lines):
        if line.startswith(name + " "):
            out = [line]
            for more in lines[i + 1 :]:
                if not more.startswith('"'):
                    break
                out.append(more)
            return out
    return None


def fill(text: str) -> str:
    blocks = text.split("\n\n")
    for n, block in enumerate(blocks):
        lines = block.split("\n")
        msgid = _field(lines, "msgid")
        if msgid is None or msgid == ['msgid ""']:
            continue  # the header
        plural = _field(lines, "msgid_plural")
        targets = (
            [("msgstr", msgid)] if plural is None else [("msgstr[0]", msgid), ("msgstr[1]", plural)]
        )
        for name, source in targets:
            current = _field(lines, name)
            if current != [f'{name} ""']:
                continue  # translated already
            at = lines.index(current[0])
            kind = source[0].split(" ", 1)[0]
            lines[at : at + 1] = [name + source[0][len(kind) :], *source[1:]]
        blocks[n] = "\n".join(lines)
    return "\n\n".join(blocks)


if __name__ == "__main__":
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else PO
    old = path.read_text(encoding="utf-8")
    new = fill(old)
    path.write_text(new, encoding="utf-8")
    print(f"{path}: {len(re.findall(r'^msgstr', old, re.M))} entries, filled what was empty")
