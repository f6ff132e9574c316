"""``klappt report --per-site``: every site's own report (issue 18), from files or a stored wave.

The command only gathers the inputs (returns, register, previous wave, recipe) and prints what
was written; the work is :func:`klappt.report.site_report.build_site_reports` and
:func:`klappt.report.site_writer.write_site_reports`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from klappt.cli.common import _project, err, out
from klappt.errors import ErrorCode, KlapptError
from klappt.errors import Text as Bilingual
from klappt.language import current_language, say

if TYPE_CHECKING:
    from klappt.report.site_values import Site
    from klappt.report.spec import ReportSpec

__all__ = ["per_site"]


def per_site(
    *,
    form: Path | None,
    data: Path | None,
    wave: str | None,
    out_paths: list[Path],
    recipe: Path | None,
    register: Path | None,
    site_column: str | None,
    min_cell: int | None,
    project: Path | None,
    lang: str,
    jobs: int,
    zip_path: Path | None,
    absent: str,
    template: Path | None,
    mark: str | None = None,
) -> None:
    """Build and write the reports of every site."""
    from klappt.analysis.disclosure import check_min_cell
    from klappt.report.site_report import build_site_reports
    from klappt.report.site_writer import check_patterns, write_site_reports

    patterns = [str(p) for p in out_paths]
    check_patterns(patterns)  # before any work: a name without {site_id}, an unknown format
    if min_cell is not None:
        check_min_cell(min_cell)
    spec = site_spec(recipe) if recipe else None
    kwargs: dict[str, Any] = {}
    if wave is not None:
        root = _project(project)
        rs, sites, reg_name, kwargs = _stored(root, wave, register)
        if site_column is not None:  # the user's column wins over the links
            kwargs.pop("return_site_ids", None)
        if min_cell is None and not (spec and spec.min_cell):
            # as `klappt report`: --min-cell, then the recipe's, then the project's
            from klappt.store.project import project_min_cell

            min_cell = project_min_cell(root)
    elif form is not None and data is not None:
        from klappt.instrument import read_instrument
        from klappt.report.site_values import read_sites
        from klappt.responses.dataset import read_responses

        if register is None:
            raise KlapptError(ErrorCode.REPORT_023, where=Bilingual(f" zu {data}", f" for {data}"))
        sites = read_sites(register)
        reg_name = str(register)
        rs, _ = read_responses(read_instrument(form), data)
    elif spec is not None and spec.waves:  # the recipe names its waves' files
        from klappt.report.site_values import read_sites
        from klappt.report.sources import load_data

        if register is None:
            raise KlapptError(
                ErrorCode.REPORT_023, where=Bilingual(f" zu {recipe}", f" for {recipe}")
            )
        sites, reg_name = read_sites(register), str(register)
        loaded = load_data(spec)
        main = loaded.wave(spec.wave)
        assert main.responses is not None
        rs = main.responses
        kwargs = {"coding": main.coding}
        earlier = [n for n in loaded.names if n < main.name]
        if earlier:
            prev = loaded.wave(earlier[-1])
            if prev.responses is not None:
                kwargs["previous"] = (prev.name, prev.responses)
    else:
        raise KlapptError(ErrorCode.REPORT_023, where="")
    if min_cell is None:
        min_cell = spec.min_cell if spec and spec.min_cell else 3
    reports = build_site_reports(
        rs,
        sites,
        wave=wave or (spec.wave if spec and spec.wave else "") or "",
        spec=spec,
        site_column=site_column,
        lang=lang,
        min_cell=min_cell,
        absent=absent,
        mark=mark,
        template=str(template) if template else None,
        register_name=reg_name,
        **kwargs,
    )
    done = write_site_reports(reports, patterns, jobs=max(1, jobs), zip_path=zip_path)
    for p in done.files:
        out.print(str(p))
    if done.index is not None:
        out.print(str(done.index))
    if done.zip is not None:
        out.print(str(done.zip))
    err.print(
        say(
            f"{done.reports} Standortberichte in {done.wall_seconds:.1f} s",
            f"{done.reports} site reports in {done.wall_seconds:.1f} s",
            lang,
        )
    )


def site_spec(recipe: Path) -> ReportSpec:
    """The recipe's ``site_slides:`` as the storyline of the site reports (else its slides)."""
    from dataclasses import replace

    from klappt.report import load_recipe

    spec = load_recipe(recipe)
    return replace(spec, slides=spec.site_slides) if spec.site_slides else spec


def _stored(
    root: Path, wave: str, register: Path | None
) -> tuple[Any, list[Site], str, dict[str, Any]]:
    """A stored wave (coded free text included), the project's register (or ``--register``),
    its contact persons, and the wave before it with the mapping kept between them."""
    from klappt.report.site_values import Site, read_sites
    from klappt.store.api import list_waves
    from klappt.store.coding import load_coded_wave
    from klappt.store.project import DEFAULT_PROGRAM, get_program, project_program
    from klappt.store.register import register_contacts

    _, rs, _, codes = load_coded_wave(root, wave)
    from klappt.store.models import Site as SiteRow

    prog = get_program(project_program(root))
    if register is not None:
        sites, name = read_sites(register), str(register)
    else:
        rows = SiteRow.objects.filter(program=prog).order_by("position", "site_id")
        sites = [
            Site(
                r.site_id,
                r.name,
                {**{str(k).lower(): str(v) for k, v in (r.attributes or {}).items()}, "typ": r.typ},
                str((r.attributes or {}).get("email") or "") or None,
            )
            for r in rows
        ]
        name = say("Register des Projekts", "the project's register", current_language())
    if not sites:
        raise KlapptError(
            ErrorCode.REPORT_023, where=Bilingual(f" (Welle {wave})", f" (wave {wave})")
        )
    from klappt.store.api import return_sites

    kwargs: dict[str, Any] = {
        "return_site_ids": return_sites(root, wave, rs),  # web returns: by their link
        "names": register_contacts(root),
        "coding": codes.summaries,
        "program": prog.name if prog.name and prog.name != DEFAULT_PROGRAM else None,
    }
    names = [w.name for w in list_waves(root)]
    earlier = [n for n in names if n < wave]
    if earlier:
        prev = earlier[-1]
        _, prs, _, _ = load_coded_wave(root, prev)
        kwargs["previous"] = (prev, prs)
        kwargs["mapping"] = _mapping(root, prev, wave, prs.instrument, rs.instrument)
    return rs, sites, name, kwargs


def _mapping(root: Path, source: str, target: str, a: Any, b: Any) -> Any:
    """The mapping kept with the project from ``source`` to ``target`` (None: by name)."""
    from klappt.analysis.mapping import parse_mapping, read_header
    from klappt.store.api import stored_mappings

    for path in stored_mappings(root):
        text = path.read_text(encoding="utf-8")
        _, x, y = read_header(text, str(path))
        if (x, y) == (source, target):
            return parse_mapping(text, str(path), a, b)
    return None


def demo_sites(project: Path, out_dir: Path, lang: str, mark: str) -> list[Path]:
    """``klappt demo``: the reports of three example sites, from the stored 2022 wave with the
    reference pack's site recipe: a Kreis and a kreisfreie Stadt that answered in 2020 too, and
    a site without a return in 2020."""
    from klappt.reference import reference_path
    from klappt.report.site_report import build_site_reports
    from klappt.report.site_writer import write_site_reports

    rs, sites, name, kwargs = _stored(project, "2022", None)
    reports = build_site_reports(
        rs,
        sites,
        wave="2022",
        spec=site_spec(reference_path("site_recipe_2022.yaml")),
        lang=lang,
        mark=mark,
        register_name=name,
        **kwargs,
    )
    before = reports.previous.wave.row_of if reports.previous else {}
    typ = {s.site_id: s.attrs.get("typ") for s in sites}
    answered = [s.site_id for s in sites if reports.returned(s.site_id)]
    chosen = [
        next(s for s in answered if typ[s] == "kreis" and s in before),
        next(s for s in answered if typ[s] == "kreisfreie_stadt" and s in before),
        next(s for s in answered if s not in before),
    ]
    folder = out_dir / "standortberichte"
    done = write_site_reports(
        reports,
        [str(folder / "{site_id}.pdf"), str(folder / "{site_id}.html")],
        site_ids=chosen,
    )
    return [*done.files, *([done.index] if done.index else [])]
