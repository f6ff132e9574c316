"""The coordinator's work on returns from the command line (issue 16): ``klappt wave
replace-form|correct|reopen|history``, as the web app's pages do it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table as RichTable

from klappt.cli.common import Lang, ProjectOpt, _lang, err, local_time, out
from klappt.cli.mail import ProgramOpt, _wave, wave_app
from klappt.errors import ErrorCode, KlapptError
from klappt.language import say

Author = Annotated[
    str,
    typer.Option("--by", help="Wer ändert (erscheint im Versionsverlauf); Standard: cli."),
]
Reason = Annotated[
    str, typer.Option("--reason", help="Warum (Pflicht; erscheint im Versionsverlauf).")
]


def _site_return(w: Any, site_id: str) -> Any:
    from klappt.store.models import Site
    from klappt.web.models import SiteReturn

    site = Site.objects.filter(program=w.program, site_id=site_id).first()
    sr = SiteReturn.objects.filter(wave=w, site=site).first() if site else None
    if sr is None:
        raise KlapptError(ErrorCode.MAIL_012, ids=site_id)
    return sr


@wave_app.command("replace-form")
def replace_form(
    wave: Annotated[str, typer.Argument(help="Name der Welle.")],
    form: Annotated[Path, typer.Argument(help="Die neue Fassung des Fragebogens (XLSForm).")],
    yes: Annotated[
        bool, typer.Option("--yes", help="Ersetzen; ohne --yes wird nur geprüft und gezeigt.")
    ] = False,
    by: Author = "cli",
    program: ProgramOpt = None,
    project: ProjectOpt = None,
    lang: Lang = "de",
) -> None:
    """Den Fragebogen einer geöffneten Welle durch eine neue Fassung ersetzen.

    Die neue Fassung wird gegen die vorhandenen Rückläufe geprüft: Antworten werden über den
    Fragennamen übernommen; was nicht mehr passt (entfernte Antwort, geänderter Typ), wird je
    Standort aufgelistet. Ohne --yes ändert sich nichts (Rückgabe 1, wenn etwas nicht passt).

    Beispiel: klappt wave replace-form 2024 arbeitshilfe_2024_v2.xlsx --yes
    """
    from klappt.instrument import read_instrument

    lang = _lang(lang)
    w = _wave(project, program, wave)  # Django is set up from here on
    from klappt.web import formchange

    if not form.is_file():
        raise KlapptError(ErrorCode.FILE_001, path=form)
    read_instrument(form)  # a broken form: its message names the file as given, nothing changed
    staged = formchange.stage(w, form.read_bytes(), form.name, by)
    plan = formchange.plan(w, staged, lang)
    _show_plan(plan, lang)
    if not yes:
        staged.delete()
        if plan.misfits:
            err.print(
                f"[yellow]{escape(KlapptError(ErrorCode.RETURN_003, n=plan.misfits).message(lang))}[/]"
            )
            raise typer.Exit(1)
        err.print(say("Nichts geändert: mit --yes ersetzen.", "Nothing changed: pass --yes.", lang))
        return
    done = formchange.apply(w, staged, by, lang)
    err.print(
        say(
            f"[green]✓[/] Fragebogen der Welle {escape(w.name)} ersetzt: Fassung {done.new_number}.",
            f"[green]✓[/] Form of wave {escape(w.name)} replaced: version {done.new_number}.",
            lang,
        )
    )


def _show_plan(plan: Any, lang: str) -> None:
    if plan.added:
        out.print(say("Neue Fragen: ", "New questions: ", lang) + escape(", ".join(plan.added)))
    if plan.removed:
        out.print(
            say("Nicht mehr im Fragebogen: ", "No longer in the form: ", lang)
            + escape(", ".join(plan.removed))
        )
    from klappt.web.choicechanges import grouped

    for questions, text in grouped(plan.choices, lang):  # choices added, removed, renamed, …
        out.print(escape(", ".join(c.question for c in questions) + ": " + text))
    table = RichTable(title=say("Vorhandene Rückläufe", "Returns already there", lang))
    for header in (
        say("Standort", "Site", lang),
        say("Übernommen", "Carried over", lang),
        say("Passt nicht mehr", "No longer fits", lang),
    ):
        table.add_column(header)
    for s in plan.sites:
        misfits = "\n".join(f"{m.question} = {m.value}: {m.problem}" for m in s.misfits)
        table.add_row(escape(s.site_name), str(s.carried), escape(misfits or "–"))
    out.print(table)


@wave_app.command("correct")
def correct(
    wave: Annotated[str, typer.Argument(help="Name der Welle.")],
    site: Annotated[str, typer.Argument(help="Kennung des Standorts (site_id).")],
    reason: Reason,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="Antwort FRAGE=WERT, in einer Wiederholungsgruppe GRUPPE[N]/FRAGE=WERT (N nach "
            "dem letzten Eintrag: ein neuer Eintrag); mehrfach möglich; leer: WERT weglassen.",
        ),
    ] = None,
    add: Annotated[
        list[str] | None,
        typer.Option("--add", help="Einen leeren Eintrag an die Wiederholungsgruppe anhängen."),
    ] = None,
    remove: Annotated[
        list[str] | None,
        typer.Option("--remove", help="Den Eintrag GRUPPE[N] entfernen (Nummern wie im Verlauf)."),
    ] = None,
    by: Author = "cli",
    program: ProgramOpt = None,
    project: ProjectOpt = None,
    lang: Lang = "de",
) -> None:
    """Einen abgesandten Rücklauf korrigieren (z. B. einen Tippfehler, den der Standort meldet):
    eine neue Version mit Wer, Wann und Warum, geprüft wie die Korrektur im Browser.

    Beispiele: klappt wave correct 2024 gt --set thm_anzahl=3 --reason "Anruf 7.12."
    · klappt wave correct 2024 gt --set "proj[2]/titel=Neuer Titel" --remove "proj[1]"
    --reason "Anruf 7.12."
    """
    lang = _lang(lang)
    if not (set_ or add or remove):
        raise KlapptError(ErrorCode.RETURN_012)
    w = _wave(project, program, wave)  # Django is set up from here on
    from klappt.web import correctform, corrections

    sets: list[tuple[str, str | None]] = []
    for item in set_ or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise KlapptError(ErrorCode.RETURN_005, value=item)
        sets.append((name.strip(), correctform.text(value)))
    sr = _site_return(w, site)
    _number, rules = corrections.rules_of(w, sr)
    answers = correctform.answers_from_edits(
        rules, corrections.submitted(sr), sets, add or [], remove or []
    )
    done = corrections.correct(w, sr, answers, by, reason, lang, base_version=sr.submitted_version)
    if done.errors:
        problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in done.errors.items())
        raise KlapptError(ErrorCode.RETURN_004, site=sr.site.name, problems=problems)
    if done.version is None:
        err.print(say("Nichts geändert.", "Nothing changed.", lang))
        return
    err.print(
        say(
            f"[green]✓[/] Korrigiert: Version {done.version.number} ({', '.join(done.changed)}).",
            f"[green]✓[/] Corrected: version {done.version.number} ({', '.join(done.changed)}).",
            lang,
        )
    )


@wave_app.command("reopen")
def reopen(
    wave: Annotated[str, typer.Argument(help="Name der Welle.")],
    site: Annotated[str, typer.Argument(help="Kennung des Standorts (site_id).")],
    reason: Reason,
    by: Author = "cli",
    program: ProgramOpt = None,
    project: ProjectOpt = None,
    lang: Lang = "de",
) -> None:
    """Einen Rücklauf für seinen Standort wieder öffnen: der Standort kann ihn über seinen Link
    ändern und erneut absenden, auch nach dem Schließen der Welle.

    Beispiel: klappt wave reopen 2024 gt --reason "Standort meldet falsche Zahlen"
    """
    lang = _lang(lang)
    w = _wave(project, program, wave)  # Django is set up from here on
    from klappt.web import corrections

    v = corrections.reopen(_site_return(w, site), by, reason)
    err.print(
        say(
            f"[green]✓[/] Wieder geöffnet für {escape(site)} (Version {v.number}).",
            f"[green]✓[/] Re-opened for {escape(site)} (version {v.number}).",
            lang,
        )
    )


@wave_app.command("history")
def history(
    wave: Annotated[str, typer.Argument(help="Name der Welle.")],
    site: Annotated[str, typer.Argument(help="Kennung des Standorts (site_id).")],
    compare: Annotated[
        tuple[int, int] | None,
        typer.Option("--compare", help="Zwei Versionen vergleichen, z. B. --compare 1 2."),
    ] = None,
    program: ProgramOpt = None,
    project: ProjectOpt = None,
    lang: Lang = "de",
) -> None:
    """Der Versionsverlauf eines Rücklaufs (Wer, Wann, Warum) und was sich zwischen zwei
    Versionen geändert hat.

    Beispiel: klappt wave history 2024 gt --compare 1 2
    """
    lang = _lang(lang)
    w = _wave(project, program, wave)  # Django is set up from here on

    from klappt.web import corrections, instruments

    sr = _site_return(w, site)
    table = RichTable()
    for header in (
        "Version",
        say("Art", "Kind", lang),
        say("Wann", "When", lang),
        say("Wer", "Who", lang),
        say("Warum", "Why", lang),
        say("Fassung", "Form", lang),
    ):
        table.add_column(header)
    kinds = {
        "draft": say("Entwurf", "draft", lang),
        "submit": say("abgesandt", "submitted", lang),
        "correction": say("korrigiert", "corrected", lang),
        "reopen": say("wieder geöffnet", "re-opened", lang),
        "form": say("neuer Fragebogen", "new form", lang),
    }
    for v in corrections.history_rows(sr):
        table.add_row(
            str(v.number),
            kinds.get(v.kind, v.kind),
            local_time(v.created_at, lang),
            escape(v.author or say("Standort", "site", lang)),
            escape(v.reason or "–"),
            str(v.form_number),
        )
    out.print(table)
    if compare is not None:
        by_number = {v.number: v for v in sr.versions.all()}
        a, b = by_number.get(compare[0]), by_number.get(compare[1])
        if a is None or b is None:
            raise KlapptError(ErrorCode.RETURN_007, known=", ".join(map(str, sorted(by_number))))
        rules = instruments.rules(w)
        changes = corrections.compare(rules, a, b, lang)
        diff = RichTable(title=say("Geänderte Antworten", "Changed answers", lang))
        for header in (say("Frage", "Question", lang), f"v{a.number}", f"v{b.number}"):
            diff.add_column(header)
        for c in changes:
            diff.add_row(escape(c.question), escape(c.before or "–"), escape(c.after or "–"))
        out.print(diff)
