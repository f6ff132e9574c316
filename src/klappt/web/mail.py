"""The program's messages to its sites: templates with placeholders, and who gets what.

Four kinds of message (invitation, reminder, receipt, release of results), each in German and
English, each editable per program (:class:`~klappt.web.models.MailTemplate`; absent: the
defaults below). A template's subject and body use ``{placeholder}`` (``{{``/``}}`` for a literal
brace); an unknown placeholder is a :class:`KlapptError` (``MAIL_004``) naming it.

The functions here decide whom to write to and put the messages into the outbox; sending is
:mod:`klappt.web.outbox`. Nothing is queued unless mail can really be sent: a relay configured
(``KLAPPT_EMAIL_URL``, ``KLAPPT_EMAIL_FROM``) and a public ``KLAPPT_BASE_URL`` for the links
(the host a coordinator happened to type is never used in a message).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from klappt.errors import ErrorCode, KlapptError
from klappt.formatting import fmt_date, fmt_datetime
from klappt.store.models import Program, Site, Wave
from klappt.web import links, register
from klappt.web.models import (
    MailKind,
    MailSettings,
    MailStatus,
    MailTemplate,
    OutboxMessage,
    SiteReturn,
    Status,
)

LANGUAGES = ("de", "en")
#: stand-ins for the links in a stored body: the sender puts the real ones in (see module doc)
LINK_MARK = "\ue000link\ue001"
COPY_MARK = "\ue000copy\ue001"
_MARKS = re.compile("[\ue000\ue001]")
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")
_ADDRESS = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")

COMMON = ("site", "link", "deadline", "contact", "wave", "program", "form")
PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    MailKind.INVITE: COMMON,
    MailKind.REMIND: COMMON,
    MailKind.RECEIPT: (*COMMON, "submitted_at", "copy_link"),
    MailKind.RESULTS: COMMON,
}
#: messages that count as "already invited" (a failed or cancelled one does not)
LIVE = (MailStatus.QUEUED, MailStatus.SENDING, MailStatus.SENT, MailStatus.UNCERTAIN)

DEFAULTS: dict[tuple[str, str], tuple[str, str]] = {
    (MailKind.INVITE, "de"): (
        "Einladung: {form} ({wave})",
        "Guten Tag,\n\nfür {site} bitten wir Sie, den Fragebogen „{form}“ auszufüllen.\n"
        "Ihr persönlicher Link (bitte nicht weitergeben):\n\n{link}\n\n"
        "Sie können jederzeit einen Entwurf speichern und später weitermachen. "
        "Bitte senden Sie den Fragebogen bis {deadline} ab.\n\n"
        "Bei Fragen erreichen Sie uns so:\n{contact}\n",
    ),
    (MailKind.INVITE, "en"): (
        "Invitation: {form} ({wave})",
        "Hello,\n\nwe kindly ask you to fill in the questionnaire “{form}” for {site}.\n"
        "Your personal link (please do not pass it on):\n\n{link}\n\n"
        "You can save a draft at any time and continue later. "
        "Please submit the questionnaire by {deadline}.\n\n"
        "If you have questions, please contact us:\n{contact}\n",
    ),
    (MailKind.REMIND, "de"): (
        "Erinnerung: {form} ({wave})",
        "Guten Tag,\n\nfür {site} haben wir den Fragebogen „{form}“ noch nicht erhalten. "
        "Bitte senden Sie ihn bis {deadline} ab; was Sie schon gespeichert haben, bleibt "
        "erhalten:\n\n{link}\n\nBei Fragen erreichen Sie uns so:\n{contact}\n",
    ),
    (MailKind.REMIND, "en"): (
        "Reminder: {form} ({wave})",
        "Hello,\n\nwe have not received the questionnaire “{form}” for {site} yet. "
        "Please submit it by {deadline}; what you have saved so far is kept:\n\n{link}\n\n"
        "If you have questions, please contact us:\n{contact}\n",
    ),
    (MailKind.RECEIPT, "de"): (
        "Eingangsbestätigung: {form} ({wave})",
        "Guten Tag,\n\nvielen Dank: der Fragebogen „{form}“ für {site} ist am {submitted_at} "
        "bei uns eingegangen.\n\nIhre Angaben zum Ausdrucken:\n{copy_link}\n\n"
        "Bis zum Ende der Befragung können Sie über Ihren Link noch Änderungen absenden:\n"
        "{link}\n\nBei Fragen erreichen Sie uns so:\n{contact}\n",
    ),
    (MailKind.RECEIPT, "en"): (
        "Receipt: {form} ({wave})",
        "Hello,\n\nthank you: we received the questionnaire “{form}” for {site} on "
        "{submitted_at}.\n\nYour answers, printable:\n{copy_link}\n\n"
        "Until the survey closes you can still submit changes through your link:\n{link}\n\n"
        "If you have questions, please contact us:\n{contact}\n",
    ),
    (MailKind.RESULTS, "de"): (
        "Ergebnisse: {form} ({wave})",
        "Guten Tag,\n\ndie Ergebnisse der Befragung „{form}“ ({wave}) liegen vor. Vielen Dank, "
        "dass {site} teilgenommen hat.\n\nIhre eigenen Angaben finden Sie weiterhin unter:\n"
        "{link}\n\nBei Fragen erreichen Sie uns so:\n{contact}\n",
    ),
    (MailKind.RESULTS, "en"): (
        "Results: {form} ({wave})",
        "Hello,\n\nthe results of the survey “{form}” ({wave}) are available. Thank you for "
        "taking part on behalf of {site}.\n\nYour own answers remain available at:\n{link}\n\n"
        "If you have questions, please contact us:\n{contact}\n",
    ),
}


# --- templates -----------------------------------------------------------------------------


def unknown_placeholders(text: str, kind: str) -> list[str]:
    """The placeholders in ``text`` that ``kind`` does not know, in order of appearance."""
    allowed = PLACEHOLDERS[kind]
    out: list[str] = []
    for m in _PLACEHOLDER.finditer(text):
        name = m.group(1)
        if name is not None and name.strip() not in allowed and name not in out:
            out.append(name)
    return out


def check_template(kind: str, language: str, subject: str, body: str) -> None:
    """``KlapptError(MAIL_004)`` for the first unknown placeholder of subject or body."""
    for text in (subject, body):
        bad = unknown_placeholders(text, kind)
        if bad:
            raise KlapptError(
                ErrorCode.MAIL_004,
                template=f"{kind}/{language}",
                name=bad[0],
                allowed=", ".join("{" + p + "}" for p in PLACEHOLDERS[kind]),
            )


def fill(text: str, values: dict[str, str]) -> str:
    """``text`` with its placeholders replaced (check it first: unknown ones stay as written).
    Without a contact the lines that would only lead to it are left out (see ``_no_contact``)."""

    def one(m: re.Match[str]) -> str:
        if m.group(0) in ("{{", "}}"):
            return m.group(0)[0]
        name = (m.group(1) or "").strip()
        return values.get(name, m.group(0))

    if "contact" in values and not values["contact"].strip():
        text = _no_contact(text)
    return _PLACEHOLDER.sub(one, text)


_CONTACT = re.compile(r"\{\s*contact\s*\}")


def _no_contact(text: str) -> str:
    """The template without its contact lines, for a program that set no contact: a line that
    holds nothing but ``{contact}`` (or "Kontakt: {contact}") goes, and so does the line before
    it when it only leads to it ("Bei Fragen erreichen Sie uns so:"); a mail never ends on a
    dangling colon. Blank lines left at the end go too."""
    out: list[str] = []
    for line in text.split("\n"):
        if _CONTACT.search(line):
            rest = _CONTACT.sub("", line).strip()
            if not rest or rest.endswith(":"):
                if not rest and out and out[-1].rstrip().endswith(":"):
                    out.pop()
                continue
        out.append(line)
    while len(out) > 1 and not out[-1].strip() and not out[-2].strip():
        out.pop()
    return "\n".join(out)


def template(program: Program, kind: str, language: str) -> tuple[str, str, bool]:
    """(subject, body, edited) of the program's template (the default when none was saved)."""
    t = MailTemplate.objects.filter(program=program, kind=kind, language=language).first()
    if t is not None:
        return t.subject, t.body, True
    subject, body = DEFAULTS[(kind, language)]
    return subject, body, False


def save_template(
    program: Program, kind: str, language: str, subject: str, body: str, by: str = ""
) -> MailTemplate:
    check_template(kind, language, subject, body)
    t, _created = MailTemplate.objects.update_or_create(
        program=program,
        kind=kind,
        language=language,
        defaults={"subject": subject.strip(), "body": body, "updated_by": by},
    )
    return t


def mail_settings(program: Program) -> MailSettings:
    return MailSettings.objects.filter(program=program).first() or MailSettings(program=program)


def reminder_days(program: Program) -> list[int]:
    """The days before the deadline on which open sites are reminded (largest first)."""
    text = mail_settings(program).reminder_days or ""
    days = {int(x) for x in re.findall(r"\d+", text) if int(x) <= 365}
    return sorted(days, reverse=True)


# --- can we send? --------------------------------------------------------------------------


def base_url_problem() -> KlapptError | None:
    """``MAIL_003`` when the links would not reach the sites: no ``KLAPPT_BASE_URL``, or one
    that points at this machine."""
    base = getattr(settings, "KLAPPT_BASE_URL", "") or ""
    host = ""
    try:
        host = (urlsplit(base).hostname or "").lower()
    except ValueError:
        host = ""
    loopback = host in ("", "localhost", "0.0.0.0") or host.endswith(".localhost")
    try:
        ip = ipaddress.ip_address(host)
        loopback = loopback or ip.is_loopback or ip.is_unspecified
    except ValueError:
        pass
    if not base or loopback or urlsplit(base).scheme not in ("http", "https"):
        return KlapptError(ErrorCode.MAIL_003, url=base or "–")
    return None


def config_problem() -> KlapptError | None:
    """Why no mail can be sent (relay missing or malformed, no sender), or None."""
    cfg = settings.KLAPPT_MAIL
    if cfg.error is not None:
        return cfg.error
    if not cfg.configured:
        return KlapptError(ErrorCode.MAIL_002)
    return None


def problems() -> list[KlapptError]:
    """Everything that stops sending, for the screens (empty: mail can be sent)."""
    return [p for p in (config_problem(), base_url_problem()) if p is not None]


def require_ready() -> None:
    for p in problems():
        raise p


# --- whom to write to ----------------------------------------------------------------------


def addresses(site: Site) -> list[str]:
    """The site's valid addresses (a register cell may hold several, split by , ; or space)."""
    raw = register.site_email(site)
    return [a for a in re.split(r"[,;\s]+", raw) if a and _ADDRESS.match(a)]


def site_language(site: Site) -> str:
    for key, value in (site.attributes or {}).items():
        if str(key).strip().lower() in ("sprache", "language", "lang") and value:
            return "en" if str(value).strip().lower().startswith(("en", "eng")) else "de"
    return "de"


def _clean(value: Any) -> str:
    return _MARKS.sub("", str(value or ""))


def _date(value: dt.datetime | None, lang: str, with_time: bool = False) -> str:
    if value is None:
        return "–"
    local = timezone.localtime(value)
    if lang == "en":  # 31 Jan 2027, 13:50 (klappt.formatting, as on every page)
        return fmt_datetime(local, "en") if with_time else fmt_date(local.date(), "en")
    return local.strftime("%d.%m.%Y, %H:%M Uhr" if with_time else "%d.%m.%Y")


def values_for(
    program: Program, wave: Wave | None, site: Site | None, lang: str, **extra: Any
) -> dict[str, str]:
    """The placeholders' values for one site (the links as stand-ins)."""
    return {
        "site": _clean(site.name if site else ""),
        "link": LINK_MARK,
        "copy_link": COPY_MARK,
        "deadline": _date(wave.deadline if wave else None, lang),
        "contact": _clean(mail_settings(program).contact),
        "wave": _clean(wave.name if wave else ""),
        "program": _clean(program.name),
        "form": _clean(wave.form_title or wave.name) if wave else "",
        **{k: _clean(v) for k, v in extra.items()},
    }


def render(
    program: Program, wave: Wave | None, site: Site | None, kind: str, lang: str, **extra: Any
) -> tuple[str, str]:
    """(subject, body) for one site, the links still as stand-ins."""
    subject, body, _edited = template(program, kind, lang)
    check_template(kind, lang, subject, body)
    values = values_for(program, wave, site, lang, **extra)
    return fill(subject, values).replace("\n", " ").strip(), fill(body, values)


def show_links(text: str, link: str, copy: str = "") -> str:
    return text.replace(LINK_MARK, link).replace(COPY_MARK, copy or link)


@dataclass
class Plan:
    """What a send did (or would do): the messages, and the sites left out with the reason."""

    queued: list[OutboxMessage] = field(default_factory=list)
    no_address: list[Site] = field(default_factory=list)
    already: list[Site] = field(default_factory=list)
    submitted: list[Site] = field(default_factory=list)


def online_wave(wave: Wave) -> None:
    if wave.opened_at is None and wave.data_filename != "web":
        raise KlapptError(ErrorCode.MAIL_006, wave=wave.name)
    if not wave.is_open:
        raise KlapptError(ErrorCode.MAIL_005, wave=wave.name)


def _sites(wave: Wave, sites: Iterable[Site] | None) -> list[Site]:
    if sites is not None:
        return list(sites)
    return list(Site.objects.filter(program_id=wave.program_id).order_by("position", "site_id"))


def _queue(
    plan: Plan,
    wave: Wave | None,
    site: Site,
    kind: str,
    to: list[str],
    dry_run: bool,
    trigger: str,
    by: str,
    **extra: Any,
) -> None:
    program = wave.program if wave is not None else site.program
    lang = site_language(site)
    subject, body = render(program, wave, site, kind, lang, **extra)
    msg = OutboxMessage(
        program=program,
        wave=wave,
        site=site,
        kind=kind,
        language=lang,
        recipient=", ".join(to),
        subject=subject[:300],
        body=body,
        trigger=trigger,
        created_by=by,
        next_attempt_at=timezone.now(),
    )
    if not dry_run:
        msg.save()
    plan.queued.append(msg)


def invite(
    wave: Wave,
    sites: Iterable[Site] | None = None,
    again: bool = False,
    dry_run: bool = False,
    by: str = "",
) -> Plan:
    """Invitations to the sites with an address; a site already invited gets none unless
    ``again``. ``dry_run``: the plan only, nothing queued."""
    online_wave(wave)
    if not dry_run:
        require_ready()
    chosen = _sites(wave, sites)
    invited = set(
        OutboxMessage.objects.filter(
            wave=wave, kind=MailKind.INVITE, status__in=LIVE, site__in=chosen
        ).values_list("site_id", flat=True)
    )
    return _queue_once(wave, chosen, MailKind.INVITE, set() if again else invited, dry_run, by)


def open_sites(wave: Wave) -> set[int]:
    """The sites of the wave's program that have not submitted (no return, or a draft)."""
    done = set(
        SiteReturn.objects.filter(wave=wave, status=Status.SUBMITTED, site__isnull=False)
        .values_list("site_id", flat=True)
        .distinct()
    )
    return set(Site.objects.filter(program_id=wave.program_id).values_list("pk", flat=True)) - done


def remind(
    wave: Wave,
    sites: Iterable[Site] | None = None,
    dry_run: bool = False,
    trigger: str = "hand",
    by: str = "",
) -> Plan:
    """Reminders to the sites that have not submitted. A scheduled trigger
    (``schedule:14``) reminds each site once per trigger."""
    online_wave(wave)
    if not dry_run:
        require_ready()
    missing = open_sites(wave)
    chosen = _sites(wave, sites)
    done_trigger: set[int] = set()
    if trigger != "hand":
        done_trigger = set(
            OutboxMessage.objects.filter(
                wave=wave, kind=MailKind.REMIND, trigger=trigger
            ).values_list("site_id", flat=True)
        )
    plan = Plan()
    with transaction.atomic():
        if not dry_run:
            links.ensure(chosen)
        for site in chosen:
            if site.pk not in missing:
                plan.submitted.append(site)
                continue
            to = addresses(site)
            if not to:
                plan.no_address.append(site)
            elif site.pk in done_trigger:
                plan.already.append(site)
            else:
                _queue(plan, wave, site, MailKind.REMIND, to, dry_run, trigger, by)
    return plan


def release_results(wave: Wave, dry_run: bool = False, by: str = "") -> Plan:
    """The release of results to every site with an address (each site once)."""
    if not dry_run:
        require_ready()
    chosen = _sites(wave, None)
    sent = set(
        OutboxMessage.objects.filter(wave=wave, kind=MailKind.RESULTS, status__in=LIVE).values_list(
            "site_id", flat=True
        )
    )
    return _queue_once(wave, chosen, MailKind.RESULTS, sent, dry_run, by)


def _queue_once(
    wave: Wave, chosen: list[Site], kind: str, done: set[int], dry_run: bool, by: str
) -> Plan:
    """One message of ``kind`` to each chosen site with an address, but none to a site in
    ``done`` (it has one already); the sites' links exist before the messages name them."""
    plan = Plan()
    with transaction.atomic():
        if not dry_run:
            links.ensure(chosen)
        for site in chosen:
            to = addresses(site)
            if not to:
                plan.no_address.append(site)
            elif site.pk in done:
                plan.already.append(site)
            else:
                _queue(plan, wave, site, kind, to, dry_run, "hand", by)
    return plan


def receipt(site_return: SiteReturn) -> OutboxMessage | None:
    """Queue the receipt of a submit (once per submitted version); None when mail cannot be
    sent, receipts are off, or the site has no address. Never raises into the submit."""
    site, wave = site_return.site, site_return.wave
    if site is None or site_return.submitted_version is None or problems():
        return None
    program = wave.program
    if not mail_settings(program).receipts:
        return None
    to = addresses(site)
    trigger = f"submit:{site_return.submitted_version}"
    if (
        not to
        or OutboxMessage.objects.filter(
            wave=wave, site=site, kind=MailKind.RECEIPT, trigger=trigger
        ).exists()
    ):
        return None
    plan = Plan()
    lang = site_language(site)
    when = _date(site_return.submitted_at or timezone.now(), lang, with_time=True)
    _queue(plan, wave, site, MailKind.RECEIPT, to, False, trigger, "", submitted_at=when)
    return plan.queued[0]


def scheduled_reminders(now: dt.datetime | None = None) -> int:
    """Queue the reminders whose day has come ("N days before the deadline", per program);
    returns how many were queued. Each (wave, N) reminds each open site once."""
    if problems():
        return 0
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    queued = 0
    for s in MailSettings.objects.exclude(reminder_days="").select_related("program"):
        days = reminder_days(s.program)
        waves = Wave.objects.filter(
            program=s.program,
            opened_at__isnull=False,
            closed_at__isnull=True,
            deadline__isnull=False,
        ).defer("form_file")
        for wave in waves:
            left = (timezone.localtime(wave.deadline).date() - today).days
            # the nearest scheduled day that has come (a server down on the day catches up once)
            due = [d for d in days if 0 <= left <= d]
            if not due:
                continue
            trigger = f"schedule:{min(due)}"
            queued += len(remind(wave, trigger=trigger, by="schedule").queued)
    return queued


# --- the log, per site ---------------------------------------------------------------------


def site_log(wave: Wave) -> dict[int, dict[str, Any]]:
    """Per site: when it was last invited and reminded (sent), and its newest message."""
    out: dict[int, dict[str, Any]] = {}
    for m in OutboxMessage.objects.filter(wave=wave, site__isnull=False).order_by("created_at"):
        entry = out.setdefault(m.site_id, {"invited": None, "reminded": None, "last": None})
        if m.status == MailStatus.SENT and m.kind == MailKind.INVITE:
            entry["invited"] = m.sent_at
        if m.status == MailStatus.SENT and m.kind == MailKind.REMIND:
            entry["reminded"] = m.sent_at
        entry["last"] = m
    return out
