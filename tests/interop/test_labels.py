"""KoboToolbox exports with question labels as headings (and answer labels as values).

The held-out Kobo export (name headings) is rewritten with the labels of each language, with
and without the group hierarchy; after :func:`apply_label_headers` every version must give
exactly the tables of the original.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from klappt.analysis.tabulate import tabulate
from klappt.instrument import read_instrument
from klappt.interop.labels import apply_label_headers, label_header_map
from klappt.responses.dataset import load_responses
from klappt.responses.io import RawTable, read_table

HELDOUT = Path(__file__).resolve().parents[1] / "data" / "heldout"


@pytest.fixture(scope="module")
def form():
    return read_instrument(HELDOUT / "form.xlsx")


def _labelled(form, raw: RawTable, lang: str, hierarchy: bool) -> RawTable:
    """Rewrite a name-headed Kobo export the way Kobo writes it with ``lang`` labels."""
    renames: dict[str, str] = {}
    values: list[pl.Expr] = []
    for header in raw.columns:
        parts = header.split("/")
        q = next((form.question(p) for p in reversed(parts) if form.question(p)), None)
        if q is None or header.startswith(("_", "meta")) or header in ("start", "end"):
            continue
        groups = [form.group(g).label(lang) for g in q.group_path] if hierarchy else []
        label = "/".join([*groups, q.label(lang)])
        if parts[-1] != q.name:  # a split column q/choice
            label = f"{label}/{q.choice(parts[-1]).label(lang)}"
        elif q.is_select:
            mapping = {c.name: c.label(lang) for c in q.choices}
            col = pl.col(header)
            if q.type == "select_multiple":
                col = col.str.split(" ").list.eval(pl.element().replace(mapping)).list.join(" ")
            else:
                col = col.replace(mapping)
            values.append(col.alias(header))
        renames[header] = label
    frame = raw.frame.with_columns(values).rename(renames)
    return RawTable(
        frame=frame, columns=tuple(frame.columns), source="kobo-labels.xlsx", format="xlsx"
    )


@pytest.mark.parametrize("lang", ["de", "en"])
@pytest.mark.parametrize("hierarchy", [False, True])
def test_label_headings_give_the_same_tables__ok(form, lang: str, hierarchy: bool) -> None:
    raw = read_table(HELDOUT / "returns_kobo.xlsx")
    expected = tabulate(load_responses(form, raw)[0]).to_dict()
    labelled = _labelled(form, raw, lang, hierarchy)
    assert "gebietstyp" not in " ".join(labelled.columns)
    fixed = apply_label_headers(form, labelled)
    rs, report = load_responses(form, fixed)
    assert report.counts().get("unknown_choice") is None
    assert tabulate(rs).to_dict() == expected


def test_name_headings_pass_through_unchanged__ok(form) -> None:
    raw = read_table(HELDOUT / "returns_kobo.xlsx")
    assert apply_label_headers(form, raw) is raw


def test_shared_labels_go_to_questions_in_form_order__ok(form) -> None:
    label = form.question("traeger").label("de")
    mapping = label_header_map(
        form,
        [
            "Gebietstyp Ihrer Kommune",
            label,
            "  wer ist träger der   jugendberufshilfe? ",
            "unbekannt",
        ],
    )
    assert mapping == {"Gebietstyp Ihrer Kommune": "gebietstyp", label: "traeger"}
