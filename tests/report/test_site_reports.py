"""Site reports (issue 18): every figure equals a direct count from the returns, on the
reference pack and on a small case written here; small groups and other sites stay hidden."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from klappt.instrument.model import Choice, Instrument, Question
from klappt.reference import load_reference, reference_path
from klappt.report.site_report import build_site_reports, render_site_report
from klappt.report.site_values import Site, read_sites
from klappt.responses.dataset import load_responses
from klappt.responses.io import RawTable

MARK = " ◀ Ihre Angabe"


def _rows(name: str) -> list[dict[str, str]]:
    with open(reference_path(name), encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def reference():
    _, rs, _ = load_reference("2022")
    _, rs20, _ = load_reference("2020")
    sites = read_sites(reference_path("register.csv"))
    return build_site_reports(rs, sites, wave="2022", previous=("2020", rs20)), sites


def _panel(built, question):
    for s in built.slides:
        for p in s.panels:
            if p.question == question:
                return s, p
    raise AssertionError(question)


@pytest.mark.parametrize("site_id", ["e", "gt"])
@pytest.mark.parametrize("question", ["lebenswelt", "abh_fortfuehrung", "ueberleitung"])
def test_reference_figures_equal_direct_counts(reference, site_id, question):
    reports, sites = reference
    rows = _rows("returns_2022.csv")
    typ = {s.site_id: s.attrs.get("typ") for s in sites}
    built = reports.built(site_id)
    _, p = _panel(built, question)
    own = next(r[question] for r in rows if r["kommune"] == site_id)
    answered = [r for r in rows if r[question]]
    group = [r for r in answered if typ[r["kommune"]] == typ[site_id]]
    choices = [c.name for c in reports.main.data.instrument.question(question).choices]
    total = p.series[0]
    assert total.base == len(answered)
    assert list(total.counts) == [sum(r[question] == c for r in answered) for c in choices]
    # the group: its returns counted directly (the small types count with the smallest group)
    assert len(p.series) == 2
    g = p.series[1]
    host = reports.main.group_of[site_id]
    members = {s for s, k in typ.items() if k in host.split("+")}
    group = [r for r in answered if r["kommune"] in members]
    assert g.base == len(group)
    assert list(g.counts) == [sum(r[question] == c for r in group) for c in choices]
    marked = [c for c in p.categories if c.endswith(MARK)]
    label = reports.main.data.instrument.question(question).choices[choices.index(own)]
    assert marked == [label.label("de") + MARK]


def test_previous_wave_is_the_sites_own(reference):
    reports, _ = reference
    r20 = {r["kommune"]: r for r in _rows("returns_2020.csv")}
    r22 = {r["kommune"]: r for r in _rows("returns_2022.csv")}
    site = next(s for s in r22 if s in r20 and r20[s]["thm_anzahl"])
    built = reports.built(site)
    slide, _ = _panel(built, "thm_anzahl")
    line = f"2020: {r20[site]['thm_anzahl']} → 2022: {r22[site]['thm_anzahl']}"
    assert line in slide.bullets
    without = next(s for s in r22 if s not in r20)
    slide, _ = _panel(reports.built(without), "thm_anzahl")
    assert not any(b.startswith("2020:") for b in slide.bullets)


def test_reference_report_holds_no_other_site(reference):
    reports, sites = reference
    html = render_site_report(reports, "e", "html").decode("utf-8")
    assert "Essen" in html
    others = [s.name for s in sites if s.site_id != "e" and len(s.name) > 4]
    # names that are part of another (Essen in "Essen-Nord") do not occur in the register
    assert [n for n in others if n in html] == []
    own_texts = {v for r in _rows("returns_2022.csv") if r["kommune"] == "e" for v in r.values()}
    for r in _rows("returns_2022.csv"):
        if r["kommune"] == "e":
            continue
        for key in ("mehrwert_text", "verstetigung_text", "ueberleitung_wie"):
            first = r[key].strip().splitlines()[0] if r[key].strip() else ""
            # the synthetic pack reuses phrases: one also in Essen's own answers is Essen's
            if len(first) > 25 and not any(first in own for own in own_texts):
                assert first not in html, key


# -- a small case written here ----------------------------------------------------------------


def _small():
    sites = [
        Site("a", "Altstadt", {"typ": "x"}),
        Site("b", "Bergdorf", {"typ": "x"}),
        Site("c", "Cstadt", {"typ": "x"}),
        Site("d", "Dorfen", {"typ": "y"}),
        Site("f", "Feldheim", {"typ": "y"}),
        Site("g", "Grünau", {"typ": "y"}),
        Site("h", "Hafenau", {"typ": "z"}),  # alone in its group
        Site("k", "Kleinkirchen", {"typ": "x"}),  # no return
    ]
    form = Instrument(
        "Klein",
        "klein",
        (
            Question("ort", "select_one", choices=tuple(Choice(s.site_id) for s in sites)),
            Question("q1", "select_one", choices=(Choice("ja"), Choice("nein"))),
            Question("m", "select_multiple", choices=(Choice("p"), Choice("r"), Choice("s"))),
            Question("n", "integer"),
            Question("t", "text"),
        ),
    )
    records = [
        ["a", "ja", "p r", "4", "Geheimnis von Altstadt"],
        ["b", "nein", "r", "2", "Text von Bergdorf"],
        ["c", "ja", "p", "7", "Text von Cstadt"],
        ["d", "ja", "s", "1", "Text von Dorfen"],
        ["f", "nein", "p s", "3", "Text von Feldheim"],
        ["g", "ja", "r", "5", "Text von Grünau"],
        ["h", "nein", "p", "9", "Text von Hafenau"],
    ]
    raw = RawTable.from_records(["ort", "q1", "m", "n", "t"], records, source="klein.csv")
    rs, report = load_responses(form, raw)
    assert report.ok, report.issues
    return build_site_reports(rs, sites, wave="2024"), records


def test_small_case_figures():
    reports, _ = _small()
    built = reports.built("a")
    _, p = _panel(built, "q1")
    assert p.series[0].counts == (4, 3)
    # group x: a, b, c plus h (its type z has one return: counted with the smallest group)
    assert reports.main.group_of["a"] == "x+z"
    assert p.series[1].counts == (2, 2) and p.series[1].base == 4
    assert p.categories == ("ja" + MARK, "nein")
    _, pm = _panel(built, "m")
    ticked = dict(
        zip([c.replace(MARK, "") for c in pm.categories], pm.series[0].counts, strict=True)
    )
    assert ticked == {"p": 4, "r": 3, "s": 2}
    assert sorted(c.replace(MARK, "") for c in pm.categories if c.endswith(MARK)) == ["p", "r"]
    slide, pn = _panel(built, "n")
    values = dict(pn.table.rows)
    assert values["Ihr Wert"] == 4 and values["Median alle"] == 4.0
    assert values["unteres Quartil"] == 2.5 and values["oberes Quartil"] == 6.0
    assert "Ihre Kommune liegt damit im mittleren Bereich." in slide.bullets


def test_small_case_alone_in_its_group_and_no_other_site():
    reports, _ = _small()
    built = reports.built("h")
    _, p = _panel(built, "q1")
    assert len(p.series) == 1  # no group comparison for a site alone in its type
    assert "Vergleich mit Ihrer Gruppe entfällt" in built.slides[0].subtitle.replace("ein V", "V")
    for fmt in ("html", "pptx"):
        data = render_site_report(reports, "h", fmt)
        text = data.decode("utf-8") if fmt == "html" else _pptx_text(data)
        assert "Hafenau" in text and "Text von Hafenau" in text
        for s in ("Altstadt", "Bergdorf", "Cstadt", "Dorfen", "Feldheim", "Grünau", "Geheimnis"):
            assert s not in text, (fmt, s)


def test_small_case_site_without_return():
    reports, _ = _small()
    built = reports.built("k")
    assert "kein Rücklauf" in built.slides[0].subtitle
    _, p = _panel(built, "q1")
    assert not any(c.endswith(MARK) for c in p.categories)
    reports.absent = "none"
    assert "k" not in reports.site_ids()


def _pptx_text(data: bytes) -> str:
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return " ".join(
            z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml")
        )


def test_write_all_index_and_zip(tmp_path: Path):
    from klappt.report.site_writer import write_site_reports

    reports, _ = _small()
    reports.sites = (*reports.sites[:-1], Site("k", '=HYPERLINK("x")', {"typ": "x"}, "k@x.de"))
    reports.__post_init__()
    done = write_site_reports(
        reports, [str(tmp_path / "out" / "{site_id}.html")], jobs=2, zip_path=tmp_path / "a.zip"
    )
    assert sorted(p.name for p in done.files) == sorted(f"{s.site_id}.html" for s in reports.sites)
    with open(done.index, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["site_id"] for r in rows] == [s.site_id for s in reports.sites]
    k = rows[-1]
    assert k["name"].startswith("'=") and k["email"] == "k@x.de" and k["returned"] == "nein"
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]
    import zipfile

    assert len(zipfile.ZipFile(done.zip).namelist()) == len(reports.sites) + 1


def test_reference_site_recipe_live_numbers():
    """The pack's site recipe: ``site_slides:`` as the storyline, ``site_answer``/``site_rank``
    filled with the site's own values."""
    from dataclasses import replace

    from klappt.report import load_recipe
    from klappt.report.sources import load_data

    spec = load_recipe(reference_path("site_recipe_2022.yaml"))
    assert spec.site_slides
    spec = replace(spec, slides=spec.site_slides)
    data = load_data(spec)
    reports = build_site_reports(
        data.wave("2022").responses,
        read_sites(reference_path("register.csv")),
        wave="2022",
        spec=spec,
    )
    rows = {r["kommune"]: r for r in _rows("returns_2022.csv")}
    values = sorted(int(r["thm_anzahl"]) for r in rows.values() if r["thm_anzahl"])
    q1, q3 = values[len(values) // 4], values[(3 * len(values)) // 4]
    for site in ("e", "gt"):
        slide, _ = _panel(reports.built(site), "thm_anzahl")
        own = int(rows[site]["thm_anzahl"])
        sentence = next(b for b in slide.bullets if b.startswith("Mit "))
        assert sentence.startswith(f"Mit {own} THM liegt Ihre Kommune im ")
        if own > q3:
            assert "oberen Viertel" in sentence
        elif own < q1:
            assert "unteren Viertel" in sentence


def test_recipe_site_slides_errors_name_the_line():
    from klappt.errors import KlapptError
    from klappt.report import parse_recipe

    with pytest.raises(KlapptError) as exc:
        parse_recipe("site_slides: 3\n", "r.yaml")
    assert "Zeile 1" in exc.value.message("de") and "site_slides" in exc.value.message("de")


def test_previous_wave_through_a_mapping():
    """A question renamed between the waves (2020 ``lebenswelt_konzept`` → 2022 ``lebenswelt``)
    is followed through the mapping: the site's own answers of both waves, and the program's
    shares then and now, as counted directly from the returns."""
    from klappt.analysis.mapping import parse_mapping

    f22, rs, _ = load_reference("2022")
    f20, rs20, _ = load_reference("2020")
    text = (
        'from: "2020"\nto: "2022"\nquestions:\n  - from: lebenswelt_konzept\n    to: lebenswelt\n'
    )
    mapping = parse_mapping(text, "m.yaml", f20, f22)
    reports = build_site_reports(
        rs,
        read_sites(reference_path("register.csv")),
        wave="2022",
        previous=("2020", rs20),
        mapping=mapping,
    )
    r20 = {r["kommune"]: r for r in _rows("returns_2020.csv")}
    r22 = {r["kommune"]: r for r in _rows("returns_2022.csv")}
    both = [s for s in r22 if s in r20 and r20[s]["lebenswelt_konzept"]]
    assert both
    words = {"ja": "ja", "nein": "nein"}
    for site in both[:5]:
        slide, _ = _panel(reports.built(site), "lebenswelt")
        then, now = r20[site]["lebenswelt_konzept"], r22[site]["lebenswelt"]
        assert f"2020: {words[then]} → 2022: {words[now]}" in slide.bullets
        share = [b for b in slide.bullets if b.startswith("Alle Kommunen (")]
        answered20 = [r for r in r20.values() if r["lebenswelt_konzept"]]
        answered22 = [r for r in r22.values() if r["lebenswelt"]]
        c20 = sum(r["lebenswelt_konzept"] == now for r in answered20)
        c22 = sum(r["lebenswelt"] == now for r in answered22)
        p20 = (200 * c20 + len(answered20)) // (2 * len(answered20))  # half up, no decimals
        p22 = (200 * c22 + len(answered22)) // (2 * len(answered22))
        pct = "\u202f%"
        assert share == [f"Alle Kommunen („{now}“): 2020: {p20}{pct} → 2022: {p22}{pct}"]


def test_recipe_names_the_group_column():
    """``options: {site_group: bezirk}``: the groups come from that register column."""
    from dataclasses import replace

    from klappt.report import parse_recipe

    reports, _ = _small()
    spec = parse_recipe(
        "options: {site_group: bezirk}\nsite_slides:\n  - result: q1\n", "site.yaml"
    )
    spec = replace(spec, slides=spec.site_slides)
    bezirk = {
        "a": "nord",
        "b": "nord",
        "c": "sued",
        "d": "sued",
        "f": "sued",
        "g": "nord",
        "h": "nord",
    }
    sites = tuple(
        Site(s.site_id, s.name, {**s.attrs, "bezirk": bezirk.get(s.site_id, "nord")})
        for s in reports.sites
    )
    by_bezirk = build_site_reports(reports.main.data.responses, sites, wave="2024", spec=spec)
    _, p = _panel(by_bezirk.built("c"), "q1")
    # sued: c (ja), d (ja), f (nein)
    assert p.series[1].name.startswith("sued") and p.series[1].counts == (2, 1)
