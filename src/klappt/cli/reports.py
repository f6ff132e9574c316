"""Reports: ``klappt report`` and the reference case ``klappt demo``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from klappt.cli.common import (
    Lang,
    ProjectOpt,
    _lang,
    _project,
    _write_or_print,
    app,
    err,
    out,
)
from klappt.language import say

if TYPE_CHECKING:
    from klappt.report.coverage import DeckContext
    from klappt.report.data import WaveData


@app.command()
def report(
    form: Annotated[
        Path | None,
        typer.Argument(
            help="Der Fragebogen (XLSForm). Entfällt mit --wave oder einem Rezept mit Wellen."
        ),
    ] = None,
    data: Annotated[Path | None, typer.Argument(help="Die Rückläufe.")] = None,
    out_paths: Annotated[
        list[Path] | None,
        typer.Option(
            "--out",
            "-o",
            help="Ausgabedatei; das Format folgt der Endung (.pptx, .html, .pdf, .xlsx). Mehrfach möglich.",
        ),
    ] = None,
    recipe: Annotated[
        Path | None,
        typer.Option(
            "--recipe", "-r", help="Rezept (YAML) mit der Folienfolge; sonst der Standardablauf."
        ),
    ] = None,
    wave: Annotated[
        str | None,
        typer.Option("--wave", "-w", help="Eine gespeicherte Welle statt FORM DATA berichten."),
    ] = None,
    template: Annotated[
        Path | None,
        typer.Option(
            "--template", help="PowerPoint-Vorlage (.pptx mit Mastern) für das Foliendesign."
        ),
    ] = None,
    init_recipe: Annotated[
        str | None,
        typer.Option(
            "--init-recipe",
            help="Den Standardablauf als Rezept in diese Datei schreiben ('-' = Bildschirm).",
        ),
    ] = None,
    register: Annotated[
        Path | None,
        typer.Option(
            "--register",
            help="Register der Standorte (CSV/XLSX: site_id,name,typ): die Datenfolie nennt den "
            "Rücklauf „40 von 54 Standorten (74 %)“, nach Typ. Mit --wave: das des Projekts.",
        ),
    ] = None,
    min_cell: Annotated[
        int | None,
        typer.Option(
            "--min-cell",
            help="Mindestfallzahl: Gruppen und Freitext-Nennungen mit weniger Standorten "
            "zurückhalten (Vorgabe: die des Rezepts, sonst des Projekts, sonst 3).",
        ),
    ] = None,
    project: ProjectOpt = None,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            help="Sprache des Berichts: de oder en (sonst die des Rezepts, sonst de).",
            envvar="KLAPPT_LANG",
        ),
    ] = None,
    per_site: Annotated[
        bool,
        typer.Option(
            "--per-site",
            help="Je Standort einen eigenen Bericht („Ihre Angabe“ im Vergleich mit allen und "
            "der eigenen Gruppe); --out braucht {site_id}, z. B. berichte/{site_id}.pdf.",
        ),
    ] = False,
    site_column: Annotated[
        str | None,
        typer.Option(
            "--site-column",
            help="Mit --per-site: Frage/Spalte mit der Standort-ID (sonst erkannt: die "
            "Einfachauswahl mit den IDs des Registers).",
        ),
    ] = None,
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs", "-j", help="Mit --per-site: so viele Prozesse teilen sich die Arbeit."
        ),
    ] = 1,
    zip_path: Annotated[
        Path | None,
        typer.Option("--zip", help="Mit --per-site: alle Berichte und den Index in ein ZIP."),
    ] = None,
    absent: Annotated[
        str,
        typer.Option(
            "--absent",
            help="Mit --per-site: Standorte ohne Rücklauf bekommen die Programmergebnisse "
            "('program') oder keinen Bericht ('none').",
        ),
    ] = "program",
) -> None:
    """Den Ergebnisbericht bauen: Foliensatz, HTML, PDF und Excel mit denselben Zahlen.

    Beispiele:
      klappt report fragebogen.xlsx ruecklaeufe.csv --out bericht.pptx --out bericht.html
      klappt report --wave 2022 --recipe bericht.yaml --out bericht.pptx --out bericht.pdf
      klappt report fragebogen.xlsx --init-recipe bericht.yaml
      klappt report --per-site --wave 2022 --out berichte/{site_id}.pdf --jobs 2 --zip berichte.zip
      klappt report fragebogen.xlsx daten.csv --per-site --register register.csv --out berichte/{site_id}.html
    """
    from klappt.analysis.disclosure import check_min_cell
    from klappt.cli.tables import _min_cell
    from klappt.report import build_report, default_spec, dump_recipe, load_recipe, write_outputs
    from klappt.report.sources import load_data, read_wave

    code = _lang(lang or "de")
    if per_site:
        from klappt.cli.site_reports import per_site as run_per_site

        if absent not in ("program", "none"):
            raise typer.BadParameter("--absent: program | none")
        run_per_site(
            form=form,
            data=data,
            wave=wave,
            out_paths=list(out_paths or []),
            recipe=recipe,
            register=register,
            site_column=site_column,
            min_cell=min_cell,
            project=project,
            lang=code,
            jobs=jobs,
            zip_path=zip_path,
            absent=absent,
            template=template,
        )
        return
    if min_cell is not None:
        check_min_cell(min_cell)
    if out_paths:
        from klappt.report.output import check_paths

        check_paths(out_paths)  # an unknown format or unwritable folder fails before any work
    spec = load_recipe(recipe) if recipe else None
    if wave is not None and (form is not None or data is not None):
        raise typer.BadParameter(
            say(
                "entweder FORM DATA oder --wave, nicht beides",
                "either FORM DATA or --wave, not both",
                code,
            )
        )
    main_wave = None
    loader = None
    contacts: tuple[str, ...] = ()
    if wave is not None:
        from klappt.report.data import WaveData
        from klappt.store.coding import load_coded_wave

        root = _project(project)
        _web_setup(root)  # before the store configures Django alone: the form versions are web's
        # stored code books and codings give q__codes; the deck says how many were suggestions
        instrument, rs, _, codes = load_coded_wave(root, wave)
        from klappt.store.register import register_contacts

        contacts = register_contacts(root)  # free text naming a contact person is withheld
        for note in codes.notes:
            err.print(f"[dim]{say('Hinweis', 'Note', code)}: {escape(note)}[/]")
        main_wave = WaveData(wave, instrument, responses=rs, coding=codes.summaries)

        def loader(name: str) -> tuple:  # the recipe's other waves, from the store as well
            form, coded, _report, stored = load_coded_wave(root, name)
            return form, coded, stored.summaries
    elif init_recipe is not None and form is not None and data is None:
        from klappt.instrument import read_instrument
        from klappt.report.data import WaveData

        main_wave = WaveData("", read_instrument(form))
    elif form is not None and data is not None:
        main_wave = read_wave(form, data, (spec.wave if spec and spec.wave else "") or "")
    elif form is not None or spec is None or not spec.waves:
        raise typer.BadParameter(
            say("FORM und DATA angeben, oder --wave", "give FORM and DATA, or --wave", code)
        )
    if init_recipe is not None:
        if main_wave is None:
            raise typer.BadParameter(
                say(
                    "--init-recipe braucht FORM oder --wave",
                    "--init-recipe needs FORM or --wave",
                    code,
                )
            )
        _write_or_print(
            init_recipe,
            dump_recipe(default_spec(main_wave.instrument, lang or "de", wave)).rstrip("\n"),
        )
        if init_recipe != "-":
            err.print(
                say(f"Rezept geschrieben: {init_recipe}", f"Recipe written: {init_recipe}", code)
            )
        return
    if not out_paths:
        raise typer.BadParameter(
            say("mindestens ein --out angeben", "give at least one --out", code)
        )
    if spec is None:
        assert main_wave is not None
        context = _deck_context(main_wave, lang or "de", register, wave is not None, project)
        spec = default_spec(main_wave.instrument, lang or "de", main_wave.name or None, context)
        from klappt.report.withheld import note_free_text

        spec = note_free_text(spec, main_wave.instrument, lang or "de")  # the deck quotes none
    if wave is not None:
        spec = _with_not_counted(spec, _project(project), wave, lang or "de")
    data_in = load_data(spec, main_wave, loader)
    if register is not None:  # response() of a recipe counts the register's sites
        from klappt.report.coverage import read_register

        data_in.sites = read_register(register)
    # published as it comes out: the project's minimum cell size unless recipe or --min-cell say
    data_in.protect(_min_cell(None, project if wave is None else _project(project)), contacts)
    built = build_report(spec, data_in, lang, min_cell=min_cell)
    for path in write_outputs(built, out_paths, template):
        out.print(str(path))


def _web_setup(root: Path) -> None:
    """Django with the web app's models too, so that the wave's questionnaire versions can be
    read (``klappt mail`` and ``klappt wave`` set it up alike)."""
    from klappt.web.runwave import setup

    setup(root)


def _with_not_counted(spec: Any, root: Path, name: str, lang: str) -> Any:
    """Issue 16, nothing dropped silently: after the questionnaire of a web wave was replaced,
    the deck names the answers its counts leave out, as the web app's downloads do."""
    from klappt.store.coding import wave_in
    from klappt.web import exports, formchange, instruments, notcounted

    stored = wave_in(root, name)
    current = formchange.current_number(stored)
    if current <= 1:
        return spec
    left = exports.not_counted(stored, instruments.instrument(stored), lang)
    return notcounted.add_slide(spec, left, lang, current)


def _deck_context(
    wave: WaveData, lang: str, register: Path | None, stored: bool, project: Path | None
) -> DeckContext:
    """Program, wave, field period, date and the sites' response for a derived deck's title
    and data slides: the register from --register, else (with --wave) the project's."""
    from klappt.report.coverage import RegisterSite, deck_context, read_register

    rs = wave.responses
    sites: list[RegisterSite] = []
    program = None
    min_cell = 3
    if register is not None:
        sites = read_register(register)
    elif stored:
        from klappt.store.project import (
            DEFAULT_PROGRAM,
            activate,
            get_program,
            project_min_cell,
            project_program,
        )

        root = _project(project)
        min_cell = project_min_cell(root)
        activate(root)
        from klappt.store.models import Site

        prog = get_program(project_program(root))
        program = prog.name if prog.name and prog.name != DEFAULT_PROGRAM else None
        sites = [
            RegisterSite(s.site_id, s.name, s.typ or None)
            for s in Site.objects.filter(program=prog).order_by("position", "site_id")
        ]
    return deck_context(rs, lang, wave=wave.name, program=program, sites=sites, min_cell=min_cell)


# -- the reference case -----------------------------------------------------------------------


def _store_reference_coding(project: Path, wave: str) -> None:
    """The reference pack's code books and codings, stored with the wave (as a team would)."""
    from klappt.coding import read_codebook, read_codings
    from klappt.reference import REFERENCE_CODING, reference_path
    from klappt.store.api import load_wave
    from klappt.store.coding import import_codings, save_codebook, wave_in

    if wave not in REFERENCE_CODING:
        return
    books, codings = REFERENCE_CODING[wave]
    form, rs, _ = load_wave(project, wave)
    stored = wave_in(project, wave)
    for name in books:
        save_codebook(stored, read_codebook(reference_path(name)), form, by="demo", source=name)
    import_codings(stored, read_codings(reference_path(codings)), rs)


@app.command()
def demo(
    out_dir: Annotated[
        Path, typer.Option("--out", help="Zielordner für Projekt, Tabellen und Berichte.")
    ] = Path("out"),
    lang: Lang = "de",
) -> None:
    """Den Referenzfall „Gemeinsam klappt's“ durchrechnen: Register, die Wellen 2020, 2021
    (synthetisch) und 2022 und ihre Zuordnungen in ein Projekt laden, die Tabellen, den
    Ergebnisbericht (PowerPoint, HTML, PDF, Excel) und drei Standortberichte schreiben.

    Beispiel: klappt demo --out out
    """
    from klappt.analysis.disclosure import protect
    from klappt.analysis.tabulate import tabulate as run_tabulate
    from klappt.analysis.workbook import tabulation_workbook
    from klappt.files import write_atomic
    from klappt.reference import REFERENCE_WAVES, reference_path
    from klappt.store.api import import_register, import_wave, init_project, project_min_cell
    from klappt.store.coding import load_coded_wave

    lang = _lang(lang)
    out_dir.mkdir(parents=True, exist_ok=True)
    project = init_project(out_dir / "projekt")
    n_sites = import_register(project, reference_path("register.csv"))
    err.print(say(f"Register: {n_sites} Standorte", f"Register: {n_sites} sites", lang))
    written: list[Path] = []
    for wave, (form_name, data_name) in sorted(REFERENCE_WAVES.items()):
        result = import_wave(project, wave, reference_path(form_name), reference_path(data_name))
        _store_reference_coding(project, wave)
        _, rs, _, _ = load_coded_wave(project, wave)  # the coded free text as FRAGE__codes
        tab = run_tabulate(rs, lang=lang)
        written.append(
            write_atomic(
                out_dir / f"tabellen_{wave}.json",
                json.dumps(tab.to_dict(), ensure_ascii=False, indent=2) + "\n",
            )
        )
        written.append(
            write_atomic(out_dir / f"tabellen_{wave}.xlsx", tabulation_workbook(tab, lang))
        )
        if "gebietstyp" in {q.name for q in rs.instrument.questions}:
            # published as it comes out: groups on too few sites are withheld
            by_tab = protect(
                run_tabulate(rs, by="gebietstyp", lang=lang), project_min_cell(project)
            )
            written.append(
                write_atomic(
                    out_dir / f"tabellen_{wave}_nach_gebietstyp.xlsx",
                    tabulation_workbook(by_tab, lang),
                )
            )
        err.print(
            say(
                f"Welle {wave}: {result.responses} Rückläufe",
                f"Wave {wave}: {result.responses} returns",
                lang,
            )
        )
    from klappt.analysis.mapping import read_header
    from klappt.reference import REFERENCE_MAPPINGS
    from klappt.store.api import store_mapping

    for name in REFERENCE_MAPPINGS:  # the pack's mappings, kept with the project (klappt trend)
        mapping = reference_path(name).read_text(encoding="utf-8")
        _, a, b = read_header(mapping, name)
        store_mapping(project, a, b, mapping)
    from klappt.reference import reference_path as _ref
    from klappt.report import build_report as _build
    from klappt.report import load_recipe as _recipe
    from klappt.report import write_outputs as _write
    from klappt.report.sources import load_data as _data
    from klappt.report.wording import text as _text

    spec = _recipe(_ref("recipe_2022.yaml"))  # the reference deck from the bundled pack
    # real names and dates beside invented numbers: every slide says the data are synthetic
    built = _build(spec, _data(spec), lang, mark=_text("demo_mark", lang))
    written.extend(
        _write(built, [out_dir / f"referenz_2022.{ext}" for ext in ("pptx", "html", "pdf", "xlsx")])
    )
    from klappt.cli.site_reports import demo_sites

    # every site gets its own report back (issue 18): three example sites
    written.extend(demo_sites(project, out_dir, lang, _text("demo_mark", lang)))
    for path in written:
        out.print(str(path))
