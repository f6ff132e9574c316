"""The web app's translations: German complete, and the committed .mo files match the .po files
(the test suite cannot rely on msgfmt being installed, so the compiled files are committed)."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[2] / "src" / "klappt" / "web" / "locale"


def _entries(po: Path) -> list[tuple[str, str | None, list[str]]]:
    """(msgid, msgid_plural, msgstrs) of every entry but the header."""

    def text(lines: list[str]) -> str:
        raw = "".join(re.findall(r'"(.*)"', "\n".join(lines)))
        escapes = {"n": "\n", "t": "\t", "\\": "\\", '"': '"'}
        return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(1)), raw)

    out = []
    for block in po.read_text(encoding="utf-8").split("\n\n"):
        fields: dict[str, list[str]] = {}
        current = None
        for line in block.splitlines():
            m = re.match(r'^(msgid|msgid_plural|msgstr(?:\[\d\])?) (".*")$', line)
            if m:
                current = m.group(1)
                fields[current] = [m.group(2)]
            elif line.startswith('"') and current:
                fields[current].append(line)
        if "msgid" not in fields or text(fields["msgid"]) == "":
            continue
        strs = [text(v) for k, v in sorted(fields.items()) if k.startswith("msgstr")]
        plural = text(fields["msgid_plural"]) if "msgid_plural" in fields else None
        out.append((text(fields["msgid"]), plural, strs))
    return out


def test_german_is_complete__ok() -> None:
    entries = _entries(LOCALE / "de" / "LC_MESSAGES" / "django.po")
    assert len(entries) > 200
    missing = [msgid for msgid, _p, strs in entries if not all(strs)]
    assert not missing, missing
    fuzzy = "#, fuzzy" in (LOCALE / "de" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    assert not fuzzy


@pytest.mark.parametrize("lang", ["de", "en"])
def test_compiled_catalogue_matches_the_po_file__ok(lang: str) -> None:
    folder = LOCALE / lang / "LC_MESSAGES"
    with (folder / "django.mo").open("rb") as fh:
        mo = gettext.GNUTranslations(fh)
    for msgid, plural, strs in _entries(folder / "django.po"):
        if plural is None:
            assert mo.gettext(msgid) == (strs[0] or msgid), msgid
        else:
            assert mo.ngettext(msgid, plural, 1) == (strs[0] or msgid), msgid
            assert mo.ngettext(msgid, plural, 2) == (strs[1] or plural), msgid
