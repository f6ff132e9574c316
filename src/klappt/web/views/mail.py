"""The coordinator's mail screens: a wave's invitations and reminders with the outbox per site,
and the program's templates (edit, preview) and mail settings.

Sending puts messages into the outbox; the sender beside ``klappt serve`` delivers them.
Without a relay, or without a public ``KLAPPT_BASE_URL``, every screen says why no mail can be
sent and the buttons are refused.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from klappt.errors import KlapptError
from klappt.store.models import Program, Site, Wave
from klappt.web import mail, outbox
from klappt.web.access import program_view
from klappt.web.models import MailKind, MailSettings, OutboxMessage
from klappt.web.views.coordinator import dashboard_rows


def _lang() -> str:
    return "en" if (get_language() or "de").startswith("en") else "de"


def _problems() -> list[str]:
    return [p.message(_lang()) for p in mail.problems()]


class TemplateForm(forms.Form):
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=300)
    body = forms.CharField(
        label=gettext_lazy("Text"), widget=forms.Textarea(attrs={"rows": 16}), max_length=20000
    )

    def __init__(self, *args: Any, kind: str = MailKind.INVITE, language: str = "de", **kw: Any):
        super().__init__(*args, **kw)
        self.kind, self.language = kind, language

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for name in ("subject", "body"):
            bad = mail.unknown_placeholders(data.get(name) or "", self.kind)
            if bad:
                self.add_error(
                    name,
                    _("Unknown placeholder {%(name)s}. Allowed: %(allowed)s")
                    % {
                        "name": bad[0],
                        "allowed": ", ".join("{" + p + "}" for p in mail.PLACEHOLDERS[self.kind]),
                    },
                )
        return data


class MailSettingsForm(forms.Form):
    contact = forms.CharField(
        label=gettext_lazy("Contact of the program office (placeholder {contact})"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    reminder_days = forms.RegexField(
        label=gettext_lazy("Remind automatically, days before the deadline (e.g. 14, 3)"),
        regex=r"^[\d ,;]*$",
        required=False,
        max_length=100,
    )
    receipts = forms.BooleanField(
        label=gettext_lazy("Send a receipt to a site that submits"), required=False
    )


def _sample_site(program: Program) -> Site | None:
    for site in Site.objects.filter(program=program).order_by("position", "site_id"):
        if mail.addresses(site):
            return site
    return Site.objects.filter(program=program).first()


def _preview(
    program: Program, wave: Wave | None, kind: str, lang: str, subject: str, body: str
) -> dict[str, str]:
    site = _sample_site(program)
    values = mail.values_for(program, wave, site, lang, submitted_at="01.03.2030, 10:00")
    link = _("(the site's personal link)")
    return {
        "site": site.name if site else "",
        "subject": mail.show_links(mail.fill(subject, values), link),
        "body": mail.show_links(mail.fill(body, values), link, _("(the printable copy's link)")),
    }


@never_cache
@program_view()
def templates(request: Any, program: Program) -> Any:
    kind = request.GET.get("kind") or request.POST.get("kind") or MailKind.INVITE
    kind = kind if kind in MailKind.values else MailKind.INVITE
    lang = request.GET.get("lang") or request.POST.get("lang") or "de"
    lang = lang if lang in mail.LANGUAGES else "de"
    subject, body, edited = mail.template(program, kind, lang)
    settings_row = mail.mail_settings(program)
    action = request.POST.get("action")
    form = TemplateForm(
        request.POST if action in ("preview", "save") else None,
        initial={"subject": subject, "body": body},
        kind=kind,
        language=lang,
    )
    settings_form = MailSettingsForm(
        request.POST if action == "settings" else None,
        initial={
            "contact": settings_row.contact,
            "reminder_days": settings_row.reminder_days,
            "receipts": settings_row.receipts,
        },
    )
    preview = None
    if action in ("preview", "save") and form.is_valid():
        s, b = form.cleaned_data["subject"], form.cleaned_data["body"]
        if action == "save":
            mail.save_template(program, kind, lang, s, b, by=request.user.get_username())
            messages.success(request, _("Template saved."))
            return redirect(f"{request.path}?kind={kind}&lang={lang}")
        preview = _preview(program, None, kind, lang, s, b)
    elif action == "reset":
        from klappt.web.models import MailTemplate

        MailTemplate.objects.filter(program=program, kind=kind, language=lang).delete()
        messages.success(request, _("The template is the default again."))
        return redirect(f"{request.path}?kind={kind}&lang={lang}")
    elif action == "settings" and settings_form.is_valid():
        MailSettings.objects.update_or_create(program=program, defaults=settings_form.cleaned_data)
        messages.success(request, _("Mail settings saved."))
        return redirect(f"{request.path}?kind={kind}&lang={lang}")
    elif action is None:
        preview = _preview(program, None, kind, lang, subject, body)
    return render(
        request,
        "klappt_web/mail_templates.html",
        {
            "program": program,
            "kind": kind,
            "lang": lang,
            "kinds": MailKind.choices,
            "languages": mail.LANGUAGES,
            "form": form,
            "settings_form": settings_form,
            "edited": edited,
            "preview": preview,
            "placeholders": mail.PLACEHOLDERS[kind],
            "problems": _problems(),
        },
    )


@never_cache
@program_view()
def wave_mail(request: Any, program: Program, wave: Wave) -> Any:
    if request.method == "POST":
        action = request.POST.get("action")
        chosen = None
        if action == "invite_selected":
            ids = [int(x) for x in request.POST.getlist("site") if x.isdigit()]
            chosen = list(Site.objects.filter(program=program, pk__in=ids))
            if not chosen:
                messages.error(request, _("Select at least one site."))
                return redirect("klappt_web:wave_mail", slug=program.slug, wave_id=wave.pk)
        try:
            by = request.user.get_username()
            if action in ("invite_all", "invite_selected"):
                again = request.POST.get("again") == "1"
                plan = mail.invite(wave, chosen, again=again, by=by)
            elif action == "remind":
                plan = mail.remind(wave, by=by)
            elif action == "results":
                plan = mail.release_results(wave, by=by)
            elif action == "retry":
                n = outbox.retry(wave=wave)
                messages.success(request, _("%(n)d messages queued again.") % {"n": n})
                return redirect("klappt_web:wave_mail", slug=program.slug, wave_id=wave.pk)
            else:
                return redirect("klappt_web:wave_mail", slug=program.slug, wave_id=wave.pk)
        except KlapptError as exc:
            messages.error(request, exc.message(_lang()))
            return redirect("klappt_web:wave_mail", slug=program.slug, wave_id=wave.pk)
        messages.success(
            request,
            _("%(n)d messages queued; they are sent in the background.") % {"n": len(plan.queued)},
        )
        if plan.already:
            messages.info(
                request,
                _("Already invited, not sent again: %(names)s")
                % {"names": ", ".join(s.name for s in plan.already)},
            )
        if plan.no_address:
            messages.warning(
                request,
                _("No e-mail address in the register, skipped: %(names)s")
                % {"names": ", ".join(s.name for s in plan.no_address)},
            )
        return redirect("klappt_web:wave_mail", slug=program.slug, wave_id=wave.pk)

    log = mail.site_log(wave)
    rows = []
    for r in dashboard_rows(program, wave):
        rows.append({**r, "addresses": mail.addresses(r["site"]), "mail": log.get(r["site"].pk)})
    invite = mail.template(program, MailKind.INVITE, "de")
    remind = mail.template(program, MailKind.REMIND, "de")
    return render(
        request,
        "klappt_web/wave_mail.html",
        {
            "program": program,
            "wave": wave,
            "rows": rows,
            "problems": _problems(),
            "counts": outbox.counts(wave),
            "failed": OutboxMessage.objects.filter(
                wave=wave, status__in=("failed", "uncertain")
            ).select_related("site")[:200],
            "preview_invite": _preview(program, wave, MailKind.INVITE, "de", *invite[:2]),
            "preview_remind": _preview(program, wave, MailKind.REMIND, "de", *remind[:2]),
        },
    )
