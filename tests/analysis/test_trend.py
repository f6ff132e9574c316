"""Trends across waves whose forms change (issue 19), on a real project built by the CLI.

Three waves (tests/analysis/trend_waves.py) are imported with ``klappt init``, ``klappt
register``, ``klappt import``; the mapping 2021 → 2022 is applied with ``klappt waves map
--apply``. Real processes, SQLite. The trend's tables are checked against ``klappt tabulate``
of each wave's data mapped by hand, the panels against a direct count over site ids.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.append(str(Path(__file__).resolve().parent))

from trend_waves import DATA, MAPPING, REGISTER, mapped_by_hand, rows, write_waves

CLEAN = ("DJANGO_SETTINGS_MODULE", "KLAPPT_PROJECT", "DATABASE_URL", "KLAPPT_WEB_BACKEND")


def _run(args: list[str], cwd: Path, lang: str = "de") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in CLEAN}
    env["KLAPPT_LANG"] = lang
    env["COLUMNS"] = "1000"  # one message on one line, the path unbroken
    return subprocess.run(
        [sys.executable, "-m", "klappt", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("trend")
    files = write_waves(root)
    assert _run(["init", str(root / "p")], root).returncode == 0
    p = ["--project", str(root / "p")]
    (root / "register.csv").write_text(REGISTER, encoding="utf-8")
    done = _run(["register", str(root / "register.csv"), *p], root)
    assert done.returncode == 0, done.stderr
    for wave, (form, data) in files.items():
        done = _run(["import", wave, str(form), str(data), *p], root)
        assert done.returncode == 0, done.stderr
    (root / "mapping.yaml").write_text(MAPPING, encoding="utf-8")
    done = _run(["waves", "map", "--apply", str(root / "mapping.yaml"), *p], root)
    assert done.returncode == 0, done.stderr
    return root


_TRENDS: dict[tuple[str, ...], str] = {}


def _trend(project: Path, *extra: str) -> dict[str, Any]:
    """``klappt trend --json -`` over the three waves (each set of options run once)."""
    if extra in _TRENDS:
        return json.loads(_TRENDS[extra])
    done = _run(
        [
            "trend",
            "--waves",
            "2020,2021,2022",
            "--json",
            "-",
            "--project",
            str(project / "p"),
            *extra,
        ],
        project,
    )
    assert done.returncode == 0, done.stderr
    _TRENDS[extra] = done.stdout
    return json.loads(done.stdout)


def _entry(result: dict[str, Any], question: str) -> dict[str, Any]:
    return next(e for e in result["trends"] if e["question"] == question)


def _figures(table: dict[str, Any]) -> dict[str, Any]:
    """What a trend table and a tabulate table share: base, rows, mean, stats."""
    keep = ("base", "rows", "mean", "top2", "stats")
    return {k: table[k] for k in keep if k in table}


def test_trend_tables_equal_tabulations_of_the_waves_mapped_by_hand(project: Path) -> None:
    result = _trend(project)
    assert result["waves"] == ["2020", "2021", "2022"]
    form_2022 = project / "form_2022.md"
    for wave in ("2020", "2021", "2022"):
        data = project / f"by_hand_{wave}.csv"
        data.write_text(mapped_by_hand(wave), encoding="utf-8")
        done = _run(["tabulate", str(form_2022), str(data), "--json", "-"], project)
        assert done.returncode == 0, done.stderr
        tab = {t["question"]: t for t in json.loads(done.stdout)["tables"]}
        for question in ("planung", "bew", "anz", "typ"):
            mine = _entry(result, question)["waves"][wave]
            assert _figures(mine) == _figures(tab[question]), (wave, question)
    planung = _entry(result, "planung")
    # named as in 2022, each wave's own question name and text kept
    assert planung["waves"]["2020"]["question"] == "plan"
    assert planung["waves"]["2020"]["label"] == "Gibt es eine Planung?"
    assert planung["waves"]["2022"]["label"] == "Gibt es eine schriftliche Planung?"
    assert [r["choice"] for r in planung["waves"]["2020"]["rows"]] == ["ja", "nein", "weiss"]
    # teilweise merged into ja: 2020 has ja, teilweise, ja of five
    assert planung["waves"]["2020"]["base"] == 5
    assert planung["waves"]["2020"]["rows"][0]["count"] == 3


def test_a_question_missing_in_a_wave(project: Path) -> None:
    result = _trend(project)
    names = [e["question"] for e in result["trends"]]
    assert "bem" not in names  # asked in 2020 only
    neu = _entry(result, "neu21")
    assert sorted(neu["waves"]) == ["2021", "2022"]  # not asked in 2020: no table, no zero
    assert neu["waves"]["2021"]["base"] == 4


def test_unchanged_questions_map_without_a_file(project: Path) -> None:
    result = _trend(project)
    bew = _entry(result, "bew")
    assert sorted(bew["waves"]) == ["2020", "2021", "2022"]
    assert bew["scale"] is True


def _sites(wave: str, question: str) -> dict[str, str]:
    from trend_waves import BY_HAND

    out = {}
    for r in rows(wave):
        value = r.get(question) or ""
        if question == "planung" and "plan" in r:
            value = BY_HAND[r["plan"]]
        out[r["kommune"]] = value
    return out


def test_transitions_equal_a_direct_count_over_site_ids(project: Path) -> None:
    result = _trend(project)
    planung = _entry(result, "planung")
    pairs = {(p["from"], p["to"]): p for p in planung["panels"]}
    assert set(pairs) == {("2020", "2021"), ("2021", "2022"), ("2020", "2022")}
    for (a, b), p in pairs.items():
        before, after = _sites(a, "planung"), _sites(b, "planung")
        both = [s for s in before if s in after]
        direct: dict[tuple[str, str], int] = {}
        for s in both:
            key = (before[s], after[s])
            direct[key] = direct.get(key, 0) + 1
        got = {(t["from"], t["to"]): t["sites"] for t in p["transitions"]}
        assert got == direct, (a, b)
        assert p["sites"] == len(both)
        assert p["only_from"] == len([s for s in before if s not in after])
        assert p["only_to"] == len([s for s in after if s not in before])
    # 2020 → 2022: s1, s2, s4 in both; s3, s5 only in 2020; s6 only in 2022
    first_last = pairs[("2020", "2022")]
    assert (first_last["sites"], first_last["only_from"], first_last["only_to"]) == (3, 2, 1)


def test_mean_change_of_the_same_sites_for_a_scale(project: Path) -> None:
    result = _trend(project)
    p = next(p for p in _entry(result, "bew")["panels"] if (p["from"], p["to"]) == ("2020", "2022"))
    before, after = _sites("2020", "bew"), _sites("2022", "bew")
    steps = [int(after[s]) - int(before[s]) for s in before if s in after]
    assert steps == [0, 1, -2]
    assert p["mean_change"] == round(sum(steps) / len(steps), 2) == -0.33


def test_site_column_gives_the_same_panels(project: Path) -> None:
    linked = _trend(project)
    named = _trend(project, "--site-column", "kommune")
    assert _entry(named, "planung")["panels"] == _entry(linked, "planung")["panels"]
    # the question naming the site has no panel: it would only say "s1 → s1"
    assert _entry(linked, "kommune")["panels"] == []
    assert linked["response"]["2020"] == {"returns": 5, "sites": 5, "register": 6, "percent": 83.3}


def test_exact_tests_equal_scipys_on_the_same_tables(project: Path) -> None:
    from scipy.stats import binom, binomtest, fisher_exact

    result = _trend(project, "--tests")
    assert "Zufallsstichprobe" in result["footnote"]
    planung = _entry(result, "planung")
    first, last = planung["waves"]["2020"], planung["waves"]["2022"]
    for test, r1, r2 in zip(planung["tests"], first["rows"], last["rows"], strict=True):
        table = [
            [r1["count"], first["base"] - r1["count"]],
            [r2["count"], last["base"] - r2["count"]],
        ]
        assert test["test"] == "fisher_exact"
        assert test["p"] == round(float(fisher_exact(table).pvalue), 4)
    for row in first["rows"]:
        ci = binomtest(row["count"], first["base"]).proportion_ci(method="wilson")
        assert row["ci95"] == [round(100 * ci.low, 1), round(100 * ci.high, 1)]
    p = next(p for p in planung["panels"] if (p["from"], p["to"]) == ("2020", "2022"))
    before, after = _sites("2020", "planung"), _sites("2022", "planung")
    for t in p["tests"]:
        c = t["choice"]
        left = sum(1 for s in before if s in after and before[s] == c and after[s] != c)
        joined = sum(1 for s in before if s in after and before[s] != c and after[s] == c)
        assert (t["left"], t["joined"]) == (left, joined)
        n = left + joined
        # McNemar's exact test as statsmodels computes it: twice the smaller binomial tail
        expected = 1.0 if n == 0 else min(1.0, 2 * float(binom.cdf(min(left, joined), n, 0.5)))
        assert t["p"] == round(expected, 4)


def test_by_groups_are_protected_as_in_tabulate(project: Path) -> None:
    result = _trend(project, "--by", "typ")
    assert result["disclosure"]["min_cell"] == 3
    table = _entry(result, "planung")["waves"]["2022"]
    groups = {g["choice"]: g for g in table["by"]["groups"]}
    # two sites of each type in 2022: fewer than three, withheld
    assert groups["kreis"].get("suppressed") is True and groups["kreis"]["base"] is None
    shown = _trend(project, "--by", "typ", "--no-suppress")
    g = {g["choice"]: g for g in _entry(shown, "planung")["waves"]["2022"]["by"]["groups"]}
    assert g["kreis"]["base"] == 2


def test_proposal_lists_every_pair_with_a_score_and_the_unmatched(project: Path) -> None:
    out = project / "proposal.yaml"
    done = _run(
        ["waves", "map", "2020", "2022", "--out", str(out), "--project", str(project / "p")],
        project,
    )
    assert done.returncode == 0, done.stderr
    import yaml

    proposal = yaml.safe_load(out.read_text(encoding="utf-8"))
    pairs = {q["from"]: q for q in proposal["questions"]}
    assert pairs["plan"]["to"] == "planung" and 60 <= pairs["plan"]["score"] < 100
    # the choice lists differ: every choice of 2020 listed, teilweise has no counterpart
    assert pairs["plan"]["choices"] == {"ja": "ja", "teilweise": None, "nein": "nein"}
    assert pairs["bew"]["score"] == 100
    assert proposal["unmatched_from"] == ["bem"]
    assert proposal["unmatched_to"] == ["neu21"]
    # the proposal is a valid mapping file as it stands
    done = _run(["waves", "map", "--apply", str(out), "--project", str(project / "p")], project)
    assert done.returncode == 0, done.stderr
    stored = project / "p" / "mappings" / "2020--2022.yaml"
    assert stored.read_text(encoding="utf-8") == out.read_text(encoding="utf-8")
    stored.unlink()  # the other tests trend over the chain 2020 → 2021 → 2022


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (MAPPING.replace("teilweise: ja", "teilweise: vielleicht"), 8, "vielleicht"),
        (MAPPING.replace("to: planung", "to: anz"), 5, "anz"),
        (MAPPING.replace('to: "2022"', 'to: "2019"'), 2, "2019"),
        (MAPPING.replace("      teilweise: ja\n", ""), 4, "teilweise"),
        (MAPPING.replace("from: plan\n", "from: planx\n"), 4, "planx"),
        (MAPPING + "  - from: plan\n    to: null\n", 10, "zweimal"),
        (MAPPING.replace("questions:", "questions: [", 1), None, "YAML"),
    ],
)
def test_a_bad_mapping_is_one_message_naming_its_line(
    project: Path, text: str, line: int | None, words: str
) -> None:
    bad = project / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    kept = project / "p" / "mappings" / "2021--2022.yaml"
    assert kept.read_text(encoding="utf-8") == MAPPING
    done = _run(["waves", "map", "--apply", str(bad), "--project", str(project / "p")], project)
    assert done.returncode == 2
    assert kept.read_text(encoding="utf-8") == MAPPING  # nothing stored
    assert sorted(f.name for f in kept.parent.iterdir()) == ["2021--2022.yaml"]
    message = " ".join(done.stderr.split())
    assert f"Zuordnung {bad}, Zeile {line if line else ''}" in message, message
    assert words in message
    assert "Traceback" not in done.stderr


def test_wave_data_unchanged_by_the_trend(project: Path) -> None:
    # the stored returns are what was imported: the trend reads, it never writes
    done = _run(
        ["tabulate", "--wave", "2020", "--json", "-", "--project", str(project / "p")], project
    )
    tab = {t["question"]: t for t in json.loads(done.stdout)["tables"]}
    assert [r["count"] for r in tab["plan"]["rows"]] == [2, 1, 2]
    assert DATA["2020"].count("teilweise") == 1


def test_screen_and_workbook(project: Path) -> None:
    from openpyxl import load_workbook

    p = ["--project", str(project / "p")]
    # 2020 and 2022 alone: no mapping between them is stored, plan and planung are not compared
    done = _run(["trend", "--waves", "2020,2022", *p], project)
    assert done.returncode == 0, done.stderr
    assert "eine Planung?" not in done.stdout
    assert "'planung' steht nur in einer Welle" in " ".join(done.stderr.split())
    done = _run(["trend", "--waves", "2020,2021,2022", *p], project)
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stdout.split())
    assert "Gibt es eine schriftliche Planung?" in text and "2020 (n=5)" in text
    assert "2020: plan – Gibt es eine Planung?" in text  # the question each wave asked
    book = project / "trend.xlsx"
    done = _run(["trend", "--waves", "2020,2021,2022", "--xlsx", str(book), *p], project)
    assert done.returncode == 0, done.stderr
    rows = list(load_workbook(book).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("Frage", "Welle", "Frage in der Welle")
    planung_2020 = [r for r in rows if r[0] == "planung" and r[1] == "2020"]
    assert [(r[2], r[4], r[5], r[6]) for r in planung_2020] == [
        ("plan", 5, "ja", 3),
        ("plan", 5, "nein", 2),
        ("plan", 5, "weiß nicht", 0),
    ]


def test_a_bad_mapping_in_english(project: Path) -> None:
    bad = project / "bad_en.yaml"
    bad.write_text(MAPPING.replace("to: planung", "to: anz"), encoding="utf-8")
    p = ["--project", str(project / "p")]
    done = _run(["waves", "map", "--apply", str(bad), *p], project, lang="en")
    assert done.returncode == 2
    message = " ".join(done.stderr.split())
    assert f"Mapping {bad}, line 5: 'plan' (select_one) cannot be mapped onto 'anz' (integer)" in (
        message
    ), message


def test_a_chain_may_pass_a_stored_wave_not_in_the_trend(project: Path) -> None:
    p = ["--project", str(project / "p")]
    # without a step from 2020, a trend of 2020 and 2022 compares only unchanged questions
    alone = _trend_of(project, "2020,2022")
    assert "planung" not in [e["question"] for e in alone["trends"]]
    # 2020 → 2021 kept (nothing but unchanged questions): 2020 → 2021 → 2022 is a chain
    step = project / "p" / "mappings" / "2020--2021.yaml"
    (project / "step.yaml").write_text('from: "2020"\nto: "2021"\nquestions: []\n', "utf-8")
    done = _run(["waves", "map", "--apply", str(project / "step.yaml"), *p], project)
    assert done.returncode == 0, done.stderr
    try:
        chained = _trend_of(project, "2020,2022")
    finally:
        step.unlink()
    planung = _entry(chained, "planung")
    assert sorted(planung["waves"]) == ["2020", "2022"]
    full = _entry(_trend(project), "planung")
    assert planung["waves"]["2020"] == full["waves"]["2020"]


def _trend_of(project: Path, waves: str) -> dict[str, Any]:
    done = _run(
        ["trend", "--waves", waves, "--json", "-", "--project", str(project / "p")], project
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)
