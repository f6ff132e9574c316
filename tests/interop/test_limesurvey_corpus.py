"""Every LimeSurvey file of the third-party corpus imports, or stops with one clear message.

Run with ``-s`` to see the counts (they go into the README). For the survey archives, the
tables of the imported returns must equal a plain count of the raw ``.lsr`` rows, done here
with nothing but ElementTree.
"""

from __future__ import annotations

import re
import time
import zipfile
from collections import Counter
from pathlib import Path
from xml.etree import ElementTree

from klappt.analysis.tabulate import tabulate
from klappt.errors import KlapptError
from klappt.interop.limesurvey.read import read_lsa, read_lss

#: Stops we accept: the file is not importable for a reason we can name to the user.
CLEAR_STOPS = {"INTEROP_005", "INTEROP_006", "INTEROP_007", "INTEROP_009"}


def _files(corpora: Path, suffix: str) -> list[Path]:
    return sorted((corpora / "limesurvey").rglob(f"*{suffix}"))


def test_every_limesurvey_file_imports_or_stops_clearly__ok(corpora: Path) -> None:
    files = _files(corpora, ".lss") + _files(corpora, ".lsa")
    assert files, "no LimeSurvey files in the corpus"
    imported: list[str] = []
    stopped: list[tuple[str, str, str]] = []
    with_skips: Counter[str] = Counter()
    translated = verbatim = 0
    slowest = (0.0, "")
    for path in files:
        start = time.perf_counter()
        try:
            result = read_lss(path) if path.suffix == ".lss" else read_lsa(path)
        except KlapptError as exc:
            stopped.append((path.name, exc.code.name, exc.message("en")))
            continue
        finally:
            slowest = max(slowest, (time.perf_counter() - start, path.name))
        imported.append(path.name)
        assert result.instrument is not None and result.xlsform and result.xlsform[:2] == b"PK"
        assert result.summary.questions > 0
        translated += len(result.summary.to_dict()["translated"])
        verbatim += len(result.summary.to_dict()["verbatim"])
        for item in result.summary.to_dict()["skipped"]:
            with_skips[item.split(": ", 1)[1]] += 1
    lss = [p for p in files if p.suffix == ".lss"]
    lss_ok = sum(1 for name in imported if name.endswith(".lss"))
    lsa_ok = len(imported) - lss_ok
    print(
        f"\nLimeSurvey corpus: {lss_ok} of {len(lss)} structure files (.lss) import, "
        f"{lsa_ok} of {len(files) - len(lss)} archives (.lsa) import; "
        f"{translated} conditions translated, {verbatim} kept verbatim; slowest {slowest[1]} {slowest[0]:.1f} s"
    )
    print(f"skipped questions: {dict(with_skips) or 'none'}")
    for name, code, message in stopped:
        print(f"stopped: {name}: {code}: {message}")
    assert all(code in CLEAR_STOPS for _, code, _ in stopped), stopped
    assert slowest[0] < 60, f"{slowest[1]} took {slowest[0]:.0f} s"


_SGQA = re.compile(r"^(\d+)X(\d+)X(\d+)(.*)$")


def _rows(root: ElementTree.Element, table: str) -> list[dict[str, str]]:
    return [
        {c.tag.lstrip("_"): c.text or "" for c in row} for row in root.iterfind(f"{table}/rows/row")
    ]


def reference_counts(archive: Path) -> tuple[int, dict[str, Counter[str]]]:
    """Count the answers in an archive's ``.lsr`` by hand: (returns, question -> code -> count)."""
    with zipfile.ZipFile(archive) as z:
        lss = ElementTree.fromstring(next(z.read(n) for n in z.namelist() if n.endswith(".lss")))
        lsr_names = [n for n in z.namelist() if n.endswith(".lsr")]
        if not lsr_names:
            return 0, {}
        lsr = ElementTree.fromstring(z.read(lsr_names[0]))
    questions = {
        q["qid"]: (q["title"], q["type"])
        for q in _rows(lss, "questions")
        if q.get("parent_qid", "0") == "0"
    }
    counts: dict[str, Counter[str]] = {}
    rows = _rows(lsr, "responses")
    for row in rows:
        for field, value in row.items():
            m = _SGQA.match(field)
            if not m or not value or m.group(3) not in questions:
                continue
            title, qtype = questions[m.group(3)]
            suffix = m.group(4)
            if qtype in "L!5GYIO" and suffix == "":
                counts.setdefault(title, Counter())["other" if value == "-oth-" else value] += 1
            elif (
                qtype in "MP"
                and suffix
                and not suffix.endswith("comment")
                and suffix != "other"
                and value == "Y"
            ):
                counts.setdefault(title, Counter())[suffix] += 1
            elif qtype in "FHABCE" and suffix:
                counts.setdefault(f"{title}_{suffix}", Counter())[value] += 1
    return len(rows), counts


def test_archive_returns_tabulate_like_a_plain_count__ok(corpora: Path) -> None:
    checked = 0
    for archive in _files(corpora, ".lsa"):
        returns, expected = reference_counts(archive)
        result = read_lsa(archive)
        if result.raw is None:
            assert returns == 0, archive.name
            continue
        assert result.summary.returns == returns and result.responses.height == returns, (
            archive.name
        )
        tab = tabulate(result.responses)
        got = {
            t.question: Counter({r.choice: r.count for r in t.rows if r.count})
            for t in tab.tables
            if t.rows
        }
        assert got == expected, archive.name
        checked += 1
    print(f"\n{checked} archives with returns: tables equal the plain count of the .lsr rows")
    assert checked >= 5
