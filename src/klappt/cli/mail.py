"""Running a wave from the command line: ``klappt wave open|close``, ``klappt links``,
``klappt mail invite|remind|results|send|retry|status``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table as RichTable

from klappt.cli.common import Lang, ProjectOpt, _lang, _project, app, err, local_time, out
from klappt.language import say

wave_app = typer.Typer(
    help="Eine online erhobene Welle öffnen oder schließen (wie im Browser).\n\n"
    "Beispiel: klappt wave open 2024 --form arbeitshilfe_2024.xlsx --deadline 2024-03-31",
    no_args_is_help=True,
)
mail_app = typer.Typer(
    help="E-Mails an die Standorte: Einladung, Erinnerung, Ergebnisse, Versandstand.\n\n"
    "Beispiel: klappt mail invite 2024 --dry-run",
    no_args_is_help=True,
)
app.add_typer(wave_app, name="wave")
app.add_typer(mail_app, name="mail")

ProgramOpt = Annotated[
    str | None,
    typer.Option("--program", help="Programm (Kurzname); sonst das Programm des Projekts."),
]
DryRun = Annotated[
    bool, typer.Option("--dry-run", help="Nur zeigen, wer was bekäme; nichts wird versandt.")
]
QueueOnly = Annotated[
    bool,
    typer.Option(
        "--queue-only",
        help="Nur in den Postausgang legen; der Versand läuft dann über klappt serve.",
    ),
]


def _setup(project: Path | None) -> Path:
    from klappt.web.runwave import setup

    return setup(_project(project))


def _dialect(key: str) -> Any:
    from klappt.csvdialects import DIALECTS

    try:
        return DIALECTS[key.strip().lower()]
    except KeyError:
        raise typer.BadParameter(f"{key!r}: excel-de | standard", param_hint="--dialect") from None


def _wave(project: Path | None, program: str | None, name: str) -> Any:
    from klappt.web import runwave

    root = _setup(project)
    return runwave.wave(runwave.program(root, program), name)


def _names(sites: list[Any]) -> str:
    shown = ", ".join(f"{s.site_id} {s.name}" for s in sites[:20])
    return shown + (f", … (+{len(sites) - 20})" if len(sites) > 20 else "")


# -- klappt wave -------------------------------------------------------------------------------


@wave_app.command("open")
def wave_open(
    wave: Annotated[str, typer.Argument(help="Name der Welle, z. B. 2024.")],
    form: Annotated[
        Path | None, typer.Option("--form", help="Der Fragebogen (XLSForm) einer neuen Welle.")
    ] = None,
    deadline: Annotated[
        str | None, typer.Option("--deadline", help="Frist, z. B. 2024-03-31 oder 31.03.2024.")
    ] = None,
    from_wave: Annotated[
        str | None,
        typer.Option(
            "--from-wave",
            help="Eine neue Welle mit einer Kopie des Fragebogens dieser früheren Welle anlegen.",
        ),
    ] = None,
    program: ProgramOpt = None,
    project: ProjectOpt = None,
    lang: Lang = "de",
) -> None:
    """Eine Welle online erheben: anlegen (mit --form oder --from-wave) oder wieder öffnen;
    jeder Standort bekommt seinen persönlichen Link.

    Beispiel: klappt wave open 2024 --form arbeitshilfe_2024.xlsx --deadline 2024-03-31
    Beispiel: klappt wave open 2025 --from-wave 2024
    """
    from klappt.web import runwave

    lang = _lang(lang)
    day = runwave.parse_day(deadline)
    root = _setup(project)
    opened = runwave.open_wave(runwave.program(root, program), wave, form, day, from_wave)
    w = opened.wave
    when = local_time(w.deadline, lang, date_only=True)
    err.print(
        say(
            f"[green]✓[/] Welle {escape(w.name)} {'angelegt und ' if opened.created else ''}geöffnet: "
            f"{opened.sites} Standorte, {opened.links_issued} neue Links, Frist {when}.",
            f"[green]✓[/] Wave {escape(w.name)} {'created and ' if opened.created else ''}opened: "
            f"{opened.sites} sites, {opened.links_issued} new links, deadline {when}.",
            lang,
        )
    )


@wave_app.command("close")
def wave_close(
    wave: Annotated[str, typer.Argument(help="Name der Welle.")],
    program: ProgramOpt = None,
    project: ProjectOpt = None,
    lang: Lang = "de",
) -> None:
    """Eine Welle schließen: nichts kann mehr gespeichert werden; die Standorte sehen weiter,
    was sie abgesandt haben.

    Beispiel: klappt wave close 2024
    """
    from klappt.web import runwave

    lang = _lang(lang)
    w = runwave.close_wave(_wave(project, program, wave))
    err.print(
        say(
            f"[green]✓[/] Welle {escape(w.name)} geschlossen.",
            f"[green]✓[/] Wave {escape(w.name)} closed.",
            lang,
        )
    )


# -- klappt links ------------------------------------------------------------------------------


@app.command()
def links(
    wave: Annotated[str, typer.Argument(help="Name der Welle.")],
    csv: Annotated[Path, typer.Option("--csv", help="Ziel: CSV mit einem Link je Standort.")],
    dialect: Annotated[
        str,
        typer.Option(
            "--dialect",
            help="excel-de (Semikolon, Dezimalkomma, TT.MM.JJJJ, mit BOM) oder standard (Komma, ISO).",
        ),
    ] = "standard",
    program: ProgramOpt = None,
    project: ProjectOpt = None,
    lang: Lang = "de",
) -> None:
    """Die persönlichen Links der Standorte als CSV (für einen eigenen Serienbrief).

    Die Adresse kommt aus KLAPPT_BASE_URL; ohne sie (oder mit einer Adresse dieses Rechners)
    wird nichts geschrieben.

    Beispiel: klappt links 2024 --csv links.csv
    """
    lang = _lang(lang)
    w = _wave(project, program, wave)
    from klappt.csvdialects import write_csv
    from klappt.files import write_atomic
    from klappt.web import runwave

    columns, rows = runwave.link_rows(w.program)
    write_atomic(csv, write_csv(columns, rows, _dialect(dialect), {"valid_until": "date"}))
    err.print(
        say(
            f"[green]✓[/] {len(rows)} Links nach {escape(str(csv))} geschrieben.",
            f"[green]✓[/] {len(rows)} links written to {escape(str(csv))}.",
            lang,
        )
    )


# -- klappt mail -------------------------------------------------------------------------------


def _report_and_send(plan: Any, lang: str, dry_run: bool, queue_only: bool, kind: str) -> None:
    """Say what was queued (or would be), then send it now unless told not to."""
    _report_plan(plan, lang, dry_run, kind)
    if not dry_run:
        raise typer.Exit(_drain(lang, queue_only))


def _report_plan(plan: Any, lang: str, dry_run: bool, kind: str) -> None:
    if dry_run:
        for m in plan.queued:
            out.print(
                f"{escape(m.site.site_id)}\t{escape(m.site.name)}\t{escape(m.recipient)}\t{escape(m.subject)}"
            )
    n = len(plan.queued)
    verb = say(
        "würden versandt" if dry_run else "in den Postausgang gelegt",
        "would be sent" if dry_run else "queued",
        lang,
    )
    err.print(f"[green]✓[/] {kind}: {n} {verb}.")
    if plan.already:
        err.print(
            say(
                f"[dim]{len(plan.already)} schon bedacht, übersprungen (erneut: --again): {escape(_names(plan.already))}[/]",
                f"[dim]{len(plan.already)} already done, skipped (again: --again): {escape(_names(plan.already))}[/]",
                lang,
            )
        )
    if plan.submitted:
        err.print(
            say(
                f"[dim]{len(plan.submitted)} haben schon abgesandt.[/]",
                f"[dim]{len(plan.submitted)} have submitted already.[/]",
                lang,
            )
        )
    if plan.no_address:
        err.print(
            say(
                f"[yellow]![/] {len(plan.no_address)} ohne E-Mail-Adresse im Register, übersprungen: {escape(_names(plan.no_address))}",
                f"[yellow]![/] {len(plan.no_address)} without an e-mail address in the register, skipped: {escape(_names(plan.no_address))}",
                lang,
            )
        )


def _drain(lang: str, queue_only: bool) -> int:
    """Send what is due now; returns the exit code (1 when something failed)."""
    from klappt.web import outbox

    if queue_only:
        return 0

    def show(event: Any) -> None:
        m = event.message
        text = {
            "sent": say("versandt", "sent", lang),
            "retry": say(
                "nicht zugestellt, neuer Versuch später", "not delivered, will retry", lang
            ),
            "failed": say("fehlgeschlagen", "failed", lang),
            "uncertain": say("Zustellung ungewiss", "delivery uncertain", lang),
            "lost": say(
                "von einem anderen Versand übernommen", "taken over by another sender", lang
            ),
        }.get(event.outcome, event.outcome)
        where = escape(m.site.name if m.site else "")
        extra = f" ({escape(event.error)})" if event.error else ""
        err.print(f"  {escape(m.kind)} → {escape(m.recipient)} [{where}]: {text}{extra}")

    result = outbox.drain(on_event=show)
    err.print(
        say(
            f"Versandt: {result.count('sent')}, fehlgeschlagen: {result.count('failed')}, "
            f"ungewiss: {result.count('uncertain')}, wartend: {result.waiting}.",
            f"Sent: {result.count('sent')}, failed: {result.count('failed')}, "
            f"uncertain: {result.count('uncertain')}, waiting: {result.waiting}.",
            lang,
        )
    )
    if result.waiting and result.next_at is not None:
        err.print(
            say(
                f"[yellow]![/] {result.waiting} warten auf einen neuen Versuch ab {local_time(result.next_at, lang)} "
                "(klappt serve versendet sie, oder später klappt mail send).",
                f"[yellow]![/] {result.waiting} wait for another attempt from {local_time(result.next_at, lang)} "
                "(klappt serve sends them, or klappt mail send later).",
                lang,
            )
        )
    return 1 if result.count("failed") or result.count("uncertain") else 0


@mail_app.command("invite")
def mail_invite(
    wave: Annotated[str, typer.Argument(help="Name der Welle.")],
    site: Annotated[
        list[str] | None, typer.Option("--site", help="Nur dieser Standort (Kennung; mehrfach).")
    ] = None,
    again: Annotated[
        bool, typer.Option("--again", help="Auch Standorte, die schon eingeladen sind.")
    ] = False,
    dry_run: DryRun = False,
    queue_only: QueueOnly = False,
    program: ProgramOpt = None,
    project: ProjectOpt = None,
    lang: Lang = "de",
) -> None:
    """Einladungen mit dem persönlichen Link an alle Standorte mit E-Mail-Adresse (oder an die
    mit --site genannten). Ein schon eingeladener Standort bekommt keine zweite (außer mit --again).

    Beispiel: klappt mail invite 2024 --dry-run
    """
    lang = _lang(lang)
    w = _wave(project, program, wave)
    from klappt.web import mail

    plan = mail.invite(w, _chosen(w, site), again=again, dry_run=dry_run, by="cli")
    _report_and_send(plan, lang, dry_run, queue_only, say("Einladungen", "Invitations", lang))


def _chosen(w: Any, ids: list[str] | None) -> Any:
    if not ids:
        return None
    from klappt.errors import ErrorCode, KlapptError
    from klappt.store.models import Site

    sites = list(Site.objects.filter(program_id=w.program_id, site_id__in=ids))
    missing = sorted(set(ids) - {s.site_id for s in sites})
    if missing:
        raise KlapptError(ErrorCode.MAIL_012, ids=", ".join(missing))
    return sites


@mail_app.command("remind")
def mail_remind(
    wave: Annotated[str, typer.Argument(help="Name der Welle.")],
    dry_run: DryRun = False,
    queue_only: QueueOnly = False,
    program: ProgramOpt = None,
    project: ProjectOpt = None,
    lang: Lang = "de",
) -> None:
    """Erinnerungen an die Standorte, die noch nicht abgesandt haben (nichts oder ein Entwurf).

    Beispiel: klappt mail remind 2024
    """
    lang = _lang(lang)
    w = _wave(project, program, wave)
    from klappt.web import mail

    plan = mail.remind(w, dry_run=dry_run, by="cli")
    _report_and_send(plan, lang, dry_run, queue_only, say("Erinnerungen", "Reminders", lang))


@mail_app.command("results")
def mail_results(
    wave: Annotated[str, typer.Argument(help="Name der Welle.")],
    dry_run: DryRun = False,
    queue_only: QueueOnly = False,
    program: ProgramOpt = None,
    project: ProjectOpt = None,
    lang: Lang = "de",
) -> None:
    """Die Freigabe der Ergebnisse an alle Standorte mit Adresse (jeder einmal).

    Beispiel: klappt mail results 2024
    """
    lang = _lang(lang)
    w = _wave(project, program, wave)
    from klappt.web import mail

    plan = mail.release_results(w, dry_run=dry_run, by="cli")
    _report_and_send(plan, lang, dry_run, queue_only, say("Ergebnisse", "Results", lang))


@mail_app.command("send")
def mail_send(project: ProjectOpt = None, lang: Lang = "de") -> None:
    """Den Postausgang jetzt abarbeiten (was fällig ist, im erlaubten Tempo).

    Beispiel: klappt mail send
    """
    lang = _lang(lang)
    _setup(project)
    from klappt.web import mail

    mail.require_ready()
    raise typer.Exit(_drain(lang, False))


@mail_app.command("retry")
def mail_retry(
    wave: Annotated[str, typer.Argument(help="Name der Welle.")],
    program: ProgramOpt = None,
    project: ProjectOpt = None,
    lang: Lang = "de",
) -> None:
    """Fehlgeschlagene und ungewisse Nachrichten der Welle erneut versenden.

    Beispiel: klappt mail retry 2024
    """
    lang = _lang(lang)
    w = _wave(project, program, wave)
    from klappt.web import mail, outbox

    mail.require_ready()
    n = outbox.retry(wave=w)
    err.print(
        say(
            f"{n} Nachrichten erneut in den Postausgang gelegt.",
            f"{n} messages queued again.",
            lang,
        )
    )
    raise typer.Exit(_drain(lang, False))


@mail_app.command("status")
def mail_status(
    wave: Annotated[str, typer.Argument(help="Name der Welle.")],
    program: ProgramOpt = None,
    project: ProjectOpt = None,
    lang: Lang = "de",
) -> None:
    """Je Standort: Adresse, Stand des Rücklaufs, eingeladen am, erinnert am, letzte Nachricht.

    Beispiel: klappt mail status 2024
    """
    lang = _lang(lang)
    w = _wave(project, program, wave)

    from klappt.store.models import Site
    from klappt.web import mail
    from klappt.web.models import SiteReturn, Status

    for p in mail.problems():
        err.print(f"[yellow]![/] {escape(p.message(lang))}")
    log = mail.site_log(w)
    rets = {r.site_id: r for r in SiteReturn.objects.filter(wave=w, site__isnull=False)}
    table = RichTable()
    for col in (
        say("Kennung", "Code", lang),
        say("Standort", "Site", lang),
        say("E-Mail", "E-mail", lang),
        say("Rücklauf", "Return", lang),
        say("eingeladen am", "invited on", lang),
        say("erinnert am", "reminded on", lang),
        say("letzte Nachricht", "last message", lang),
    ):
        table.add_column(col, overflow="fold")

    def when(t: Any) -> str:
        return local_time(t, lang) if t else ""

    for s in Site.objects.filter(program_id=w.program_id).order_by("position", "site_id"):
        r = rets.get(s.pk)
        state = "none" if r is None or not r.version else r.status
        state = {
            "none": say("nicht begonnen", "not started", lang),
            Status.DRAFT: say("Entwurf", "draft", lang),
            Status.SUBMITTED: say("abgesandt", "submitted", lang),
        }.get(state, state)
        entry = log.get(s.pk, {})
        last = entry.get("last")
        last_text = (
            f"{last.kind}: {last.status}"
            + (f" ({last.last_error[:80]})" if last and last.last_error else "")
            if last
            else ""
        )
        table.add_row(
            s.site_id,
            s.name,
            ", ".join(mail.addresses(s)) or say("(keine)", "(none)", lang),
            state,
            when(entry.get("invited")),
            when(entry.get("reminded")),
            last_text,
        )
    out.print(table)


@mail_app.command("template")
def mail_template(
    kind: Annotated[str, typer.Argument(help="invite, remind, receipt oder results.")],
    language: Annotated[
        str, typer.Option("--language", help="Sprache der Vorlage: de oder en.")
    ] = "de",
    subject: Annotated[str | None, typer.Option("--subject", help="Neuer Betreff.")] = None,
    body_file: Annotated[
        Path | None, typer.Option("--body-file", help="Neuer Text aus dieser Datei (UTF-8).")
    ] = None,
    reset: Annotated[bool, typer.Option("--reset", help="Zurück zur Standardvorlage.")] = False,
    program: ProgramOpt = None,
    project: ProjectOpt = None,
    lang: Lang = "de",
) -> None:
    """Eine E-Mail-Vorlage zeigen (mit Vorschau) oder ändern. Platzhalter: {site}, {link},
    {deadline}, {contact}, {wave}, {program}, {form}; in der Eingangsbestätigung auch
    {submitted_at} und {copy_link}.

    Beispiel: klappt mail template invite --subject "Bitte bis {deadline}" --body-file einladung.txt
    """
    lang = _lang(lang)
    from klappt.web import runwave

    root = _setup(project)
    from klappt.errors import ErrorCode, KlapptError
    from klappt.web import mail
    from klappt.web.models import MailKind, MailTemplate

    p = runwave.program(root, program)
    if kind not in MailKind.values or language not in mail.LANGUAGES:
        raise KlapptError(
            ErrorCode.MAIL_004,
            template=f"{kind}/{language}",
            name="?",
            allowed=", ".join(f"{k}/{lg}" for k in MailKind.values for lg in mail.LANGUAGES),
        )
    if reset:
        MailTemplate.objects.filter(program=p, kind=kind, language=language).delete()
    elif subject is not None or body_file is not None:
        old_subject, old_body, _edited = mail.template(p, kind, language)
        body = old_body
        if body_file is not None:
            if not body_file.is_file():
                raise KlapptError(ErrorCode.FILE_001, path=body_file)
            body = body_file.read_text(encoding="utf-8")
        mail.save_template(p, kind, language, subject or old_subject, body, by="cli")
    s, b, edited = mail.template(p, kind, language)
    values = mail.values_for(p, None, None, language, submitted_at="01.03.2030, 10:00")
    out.print(escape(mail.show_links(mail.fill(s, values), "{link}")))
    out.print(escape(mail.show_links(mail.fill(b, values), "{link}", "{copy_link}")))
    err.print(
        say(
            f"[dim]{'eigene Vorlage' if edited else 'Standardvorlage'} {kind}/{language}[/]",
            f"[dim]{'own template' if edited else 'default template'} {kind}/{language}[/]",
            lang,
        )
    )


@mail_app.command("settings")
def mail_settings(
    contact: Annotated[
        str | None, typer.Option("--contact", help="Kontakt des Programmbüros ({contact}).")
    ] = None,
    remind_days: Annotated[
        str | None,
        typer.Option(
            "--remind-days", help='Automatisch erinnern, Tage vor der Frist: "14,3" ("" = aus).'
        ),
    ] = None,
    receipts: Annotated[
        bool | None,
        typer.Option("--receipts/--no-receipts", help="Eingangsbestätigung beim Absenden."),
    ] = None,
    program: ProgramOpt = None,
    project: ProjectOpt = None,
    lang: Lang = "de",
) -> None:
    """Kontakt, Erinnerungsplan und Eingangsbestätigungen des Programms zeigen oder ändern.

    Beispiel: klappt mail settings --contact "Programmbüro, 0211 123456" --remind-days 14,3
    """
    lang = _lang(lang)
    from klappt.web import runwave

    root = _setup(project)
    from klappt.web import mail
    from klappt.web.models import MailSettings

    p = runwave.program(root, program)
    current = mail.mail_settings(p)
    changes: dict[str, Any] = {}
    if contact is not None:
        changes["contact"] = contact
    if remind_days is not None:
        changes["reminder_days"] = ",".join(
            str(d)
            for d in sorted(
                {int(x) for x in remind_days.replace(";", ",").split(",") if x.strip().isdigit()},
                reverse=True,
            )
        )
    if receipts is not None:
        changes["receipts"] = receipts
    if changes:
        MailSettings.objects.update_or_create(program=p, defaults=changes)
        current = mail.mail_settings(p)
    days = current.reminder_days or say("von Hand", "by hand", lang)
    err.print(
        say(
            f"Kontakt: {escape(current.contact or '–')}\nErinnerungen: {days}\n"
            f"Eingangsbestätigung: {'ja' if current.receipts else 'nein'}",
            f"Contact: {escape(current.contact or '–')}\nReminders: {days}\n"
            f"Receipts: {'yes' if current.receipts else 'no'}",
            lang,
        )
    )
