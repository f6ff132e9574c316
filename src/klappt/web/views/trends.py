"""A program's "Zeitreihe": every question its waves asked (directly or through a mapping) over
the waves, with each wave's own base, a chart in each choice's fixed colour, the same sites'
transitions, and the mappings shown, downloadable (YAML, XLSX) and replaceable by upload.

The numbers are those of ``klappt trend`` (:func:`klappt.analysis.trend.trend`), on each wave's
submitted returns; a wave with fewer returns than the minimum cell size is not shown ("< 3"),
and the sites of an earlier answer that are fewer than the minimum are not broken down. The
mappings are kept as YAML files in the project folder, where ``klappt trend`` finds them too
(the project's own program: ``mappings/``; any other: ``programs/<slug>/mappings/``).
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from klappt.errors import KlapptError
from klappt.store.models import Program, Return, Site, Wave
from klappt.web import downloads, exports, instruments
from klappt.web.access import program_view

#: a mapping file uploaded here is small: a few hundred questions at most
MAX_UPLOAD = 1_000_000


def _lang() -> str:
    return "en" if (get_language() or "de").startswith("en") else "de"


def _folder(program: Program) -> Path:
    """Where the program's mappings are kept (see the module's docstring)."""
    from klappt.store.project import project_program

    root = Path(settings.PROJECT_DIR)
    try:
        own = project_program(root)
    except KlapptError:
        own = None
    return root if program.slug == own else root / "programs" / program.slug


def _waves(program: Program) -> list[Wave]:
    # in time order as far as the names say it ("2020", "2021", "2022")
    return sorted(Wave.objects.filter(program=program).defer("form_file"), key=lambda w: w.name)


def _sites(wave: Wave) -> Any:
    """Each submitted return's site id, row for row with :func:`exports.response_set`."""
    import polars as pl

    ids = list(
        Return.objects.filter(wave=wave)
        .order_by("row", "return_id")
        .values_list("site__site_id", flat=True)
    )
    return pl.Series("site", ids, dtype=pl.String) if any(ids) else None


def _stored(program: Program, forms: dict[str, Any]) -> tuple[dict[Any, Any], list[str]]:
    """The program's mappings between its waves, and the problems of those that do not fit."""
    from klappt.analysis.mapping import parse_mapping, read_header
    from klappt.store.trends import stored_mappings

    found: dict[Any, Any] = {}
    problems: list[str] = []
    for path in stored_mappings(_folder(program)):
        try:
            text = path.read_text(encoding="utf-8")
            _head, a, b = read_header(text, path.name)
            if a in forms and b in forms:
                found[(a, b)] = parse_mapping(text, path.name, forms[a], forms[b])
        except (OSError, UnicodeDecodeError, KlapptError) as exc:
            problems.append(exc.message(_lang()) if isinstance(exc, KlapptError) else str(exc))
    return found, problems


def _context(program: Program, error: str | None = None) -> dict[str, Any]:
    from klappt.analysis.trend import WaveInput, chain, trend
    from klappt.web import min_cell

    k = min_cell.project()  # the project's, as ``klappt trend`` publishes

    lang = _lang()
    waves = _waves(program)
    inputs, forms = [], {}
    for w in waves:
        form = instruments.instrument(w)
        rs = exports.response_set(w, form)
        forms[w.name] = form
        if rs.height:
            inputs.append(WaveInput(w.name, rs, _sites(w)))
    stored, problems = _stored(program, forms)
    entries: list[dict[str, Any]] = []
    names = [i.name for i in inputs]
    if len(inputs) >= 2:
        mappings = chain(names, {i.name: i.responses.instrument for i in inputs}, stored)
        result = trend(inputs, mappings, lang=lang).to_dict()
        ids = set(Site.objects.filter(program=program).values_list("site_id", flat=True))
        entries = [_entry(e, names, k, lang) for e in result["trends"] if _shown(e, names[-1], ids)]
    pairs = [
        {
            "source": a,
            "target": b,
            "source_id": next(w.pk for w in waves if w.name == a),
            "target_id": next(w.pk for w in waves if w.name == b),
            "questions": [
                {
                    "source": q.source,
                    "target": q.target,
                    "choices": [(c, d) for c, d in q.choices.items() if c != d],
                }
                for q in m.questions.values()
            ],
        }
        for (a, b), m in stored.items()
    ]
    return {
        "program": program,
        "waves": waves,
        "names": names,
        "entries": entries,
        "pairs": pairs,
        "problems": problems,
        "error": error,
        "min_cell": k,
        "neighbours": list(itertools.pairwise(waves)),
    }


def _shown(e: dict[str, Any], last: str, ids: set[str]) -> bool:
    """Whether the page shows a question: not dates and free text (no trend of their own),
    not the question naming the site (a list of who answered, not a finding)."""
    if e["type"] in ("date", "text"):
        return False
    choices = {str(r["choice"]) for r in e["waves"].get(last, {}).get("rows", [])}
    return not (choices and ids and choices <= ids)


def _entry(e: dict[str, Any], names: list[str], k: int, lang: str) -> dict[str, Any]:
    """One question over the waves as the page shows it: a table and a chart per choice."""
    from klappt.formatting import fmt_number, fmt_percent
    from klappt.report.colors import choice_colors

    present = [w for w in names if w in e["waves"]]
    heads = []
    for w in present:
        t = e["waves"][w]
        small = int(t["base"] or 0) < k
        heads.append(
            {
                "wave": w,
                "base": f"< {k}" if small else t["base"],
                "small": small,
                "question": t.get("question"),
                "label": t.get("label"),
            }
        )
    last = e["waves"][present[-1]]
    labels = [str(r["label"]) for r in last["rows"]]
    colors = choice_colors(labels, bool(e.get("scale")), [str(r["choice"]) for r in last["rows"]])
    rows = []
    for i, r in enumerate(last["rows"]):
        cells = []
        for w, h in zip(present, heads, strict=True):
            row = next((x for x in e["waves"][w]["rows"] if x["choice"] == r["choice"]), None)
            if h["small"] or row is None:
                cells.append({"text": h["base"] if h["small"] else "–", "value": 0})
                continue
            cells.append(
                {
                    "text": f"{row['count']} ({fmt_percent(row['percent'], lang)})",
                    "value": row["percent"] or 0,
                }
            )
        rows.append({"label": r["label"], "color": colors[i], "cells": cells})
    stats = []
    if not last["rows"]:
        for w, h in zip(present, heads, strict=True):
            mean = (e["waves"][w].get("stats") or {}).get("mean")
            shown = "–" if mean is None or h["small"] else fmt_number(mean, lang, 2)
            stats.append(shown)
    panels = []
    by_label = {str(r["choice"]): str(r["label"]) for r in last["rows"]}
    # a select_multiple's panels are per choice: ticked or not in each wave
    by_label |= {"ticked": _("ticked"), "not_ticked": _("not ticked")}
    for p in e.get("panels", []):
        groups: dict[str, int] = {}
        for t in p["transitions"]:
            groups[t["from"]] = groups.get(t["from"], 0) + int(t["sites"])
        moves = [
            {
                "from": by_label.get(t["from"], t["from"]),
                "to": by_label.get(t["to"], t["to"]),
                "sites": t["sites"] if groups[t["from"]] >= k else f"< {k}",
            }
            for t in p["transitions"]
            if groups[t["from"]] >= k or t["to"] == t["from"]
        ]
        panels.append({**p, "moves": moves, "choice_label": by_label.get(p.get("choice") or "")})
    asked_differently = (
        len({h["question"] for h in heads}) > 1
        or len({" ".join(str(h["label"]).split()) for h in heads}) > 1
    )
    return {
        "question": e["question"],
        "label": e["label"],
        "type": e["type"],
        "heads": heads,
        "rows": rows,
        "stats": stats,
        "panels": panels,
        "asked_differently": asked_differently,
    }


@never_cache
@program_view()
def trends(request: Any, program: Program) -> Any:
    """The program's trends and its mappings."""
    return render(request, "klappt_web/trends.html", _context(program))


@program_view()
def trends_mapping_upload(request: Any, program: Program) -> Any:
    """Check an uploaded mapping (YAML or XLSX) against the two waves' forms and keep it;
    a mistake is shown on the page, naming the file's line or the sheet's row."""
    import tempfile

    from klappt.analysis.mapping import mapping_from, parse_mapping, read_header, to_yaml
    from klappt.analysis.mapping_xlsx import read_mapping_xlsx
    from klappt.store.trends import store_mapping

    upload = request.FILES.get("mapping")
    if upload is None or upload.size > MAX_UPLOAD:
        error = _("Choose a mapping file (YAML or Excel) of at most 1 MB.")
        return render(request, "klappt_web/trends.html", _context(program, error), status=400)
    name = Path(upload.name or "zuordnung.yaml").name
    data = upload.read()
    forms = {w.name: instruments.instrument(w) for w in _waves(program)}
    try:
        if name.lower().endswith(".xlsx"):
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / name
                path.write_bytes(data)
                parsed, a, b, place = read_mapping_xlsx(path)
            for w in (a, b):
                if w not in forms:
                    raise LookupError(w)
            m = mapping_from(parsed, a, b, place, forms[a], forms[b])
            text = to_yaml(m, forms[a], forms[b])
        else:
            text = data.decode("utf-8-sig")
            _head, a, b = read_header(text, name)
            for w in (a, b):
                if w not in forms:
                    raise LookupError(w)
            parse_mapping(text, name, forms[a], forms[b])
    except LookupError as exc:
        error = _("The mapping names the wave “%(wave)s”, which this program does not have.") % {
            "wave": exc.args[0]
        }
        return render(request, "klappt_web/trends.html", _context(program, error), status=400)
    except UnicodeDecodeError:
        error = _("The mapping file is not UTF-8 text.")
        return render(request, "klappt_web/trends.html", _context(program, error), status=400)
    except KlapptError as exc:
        return render(
            request, "klappt_web/trends.html", _context(program, exc.message(_lang())), status=400
        )
    store_mapping(_folder(program), a, b, text)
    return redirect("klappt_web:trends", program.slug)


@program_view()
def trends_mapping(request: Any, program: Program, source_id: int, target_id: int, ext: str) -> Any:
    """The kept mapping between two waves (or, when none is kept, the proposal) as YAML or XLSX."""
    from django.http import Http404

    from klappt.analysis.mapping import parse_mapping, propose, to_yaml
    from klappt.store.trends import mapping_file

    if ext not in ("yaml", "xlsx"):
        raise Http404
    waves = {w.pk: w for w in _waves(program)}
    if source_id not in waves or target_id not in waves or source_id == target_id:
        raise Http404
    a, b = waves[source_id], waves[target_id]
    fa, fb = instruments.instrument(a), instruments.instrument(b)
    kept = mapping_file(_folder(program), a.name, b.name)
    if kept.is_file():
        text = kept.read_text(encoding="utf-8")
        m = parse_mapping(text, kept.name, fa, fb)
    else:
        m = propose(fa, fb, a.name, b.name)
        text = to_yaml(m, fa, fb)
    stem = f"zuordnung_{program.slug}_{a.pk}_{b.pk}"
    if ext == "xlsx":
        from klappt.analysis.mapping_xlsx import to_xlsx

        return downloads.file_response(
            to_xlsx(m, fa, fb),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            f"{stem}.xlsx",
        )
    response = HttpResponse(text.encode("utf-8"), content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{stem}.yaml"'
    return response
