"""Coordinators' pages: programs, waves (upload, preview, open, close) and the dashboard."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from klappt.errors import KlapptError
from klappt.store.models import Program, Site, Wave
from klappt.web import access, formchange, instruments, links, schedule
from klappt.web.access import program_view
from klappt.web.models import Membership, Role, SiteReturn, Status
from klappt.web.views.respondent import _context
from klappt.web.webforms import (
    DeadlineForm,
    ProgramForm,
    ReplaceFormForm,
    WaveForm,
    deadline_datetime,
)


def _lang() -> str:
    return "en" if (get_language() or "de").startswith("en") else "de"


def home(request: Any) -> Any:
    schedule.close_due()
    programs = list(
        access.programs_of(request.user).annotate(n_sites=Count("sites", distinct=True))
    )
    waves = {}
    for w in Wave.objects.filter(program__in=programs).defer("form_file").order_by("-created_at"):
        waves.setdefault(w.program_id, []).append(w)
    rows = [{"program": p, "waves": waves.get(p.pk, [])} for p in programs]
    return render(
        request,
        "klappt_web/home.html",
        {"rows": rows, "can_create": access.may_create_programs(request.user)},
    )


def program_new(request: Any) -> Any:
    form = ProgramForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            p = Program.objects.create(
                name=form.cleaned_data["name"], slug=form.cleaned_data["slug"]
            )
            if not request.user.is_superuser:
                Membership.objects.get_or_create(
                    user=request.user, program=p, defaults={"role": Role.COORDINATOR}
                )
        messages.success(
            request, _("Program created. Next: upload the site register and a questionnaire.")
        )
        return redirect("klappt_web:program", slug=p.slug)
    return render(request, "klappt_web/program_new.html", {"form": form})


@program_view()
def program(request: Any, program: Program) -> Any:
    schedule.close_due()
    waves = list(Wave.objects.filter(program=program).defer("form_file").order_by("-created_at"))
    counts = dict(
        SiteReturn.objects.filter(wave__in=waves, status=Status.SUBMITTED, site__isnull=False)
        .values_list("wave_id")
        .annotate(n=Count("id"))
    )
    n_sites = Site.objects.filter(program=program).count()
    rows = [{"wave": w, "submitted": counts.get(w.pk, 0)} for w in waves]
    return render(
        request,
        "klappt_web/program.html",
        {"program": program, "rows": rows, "n_sites": n_sites, "role": request.klappt_role},
    )


def _form_error(exc: KlapptError) -> str:
    text = exc.message(_lang())
    path = exc.params.get("path")
    # the upload was read from a temporary folder: name only the file
    return text.replace(str(path), Path(str(path)).name) if path else text


@program_view()
def wave_new(request: Any, program: Program) -> Any:
    form = WaveForm(request.POST or None, request.FILES or None, program=program)
    form_error = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data.get("form_file")
        source = form.cleaned_data.get("from_wave")
        if upload is None and source is not None:
            earlier = Wave.objects.get(program=program, pk=source)
            data, filename = bytes(earlier.form_file), earlier.form_filename
        else:
            data, filename = upload.read(), upload.name
        try:
            instrument = instruments.read_form_bytes(data, filename)
        except KlapptError as exc:
            form_error = _form_error(exc)
        except Exception as exc:  # pyxform and the spreadsheet readers raise many kinds
            form_error = _("The questionnaire cannot be read: %(reason)s") % {
                "reason": str(exc)[:300]
            }
        else:
            wave = Wave.objects.create(
                program=program,
                name=form.cleaned_data["name"],
                form_file=data,
                form_filename=instruments.safe_filename(filename, "form.xlsx"),
                form_sha256=instruments.sha256(data),
                form_title=instrument.title,
                form_id=instrument.form_id,
                form_version=instrument.version or "",
                deadline=deadline_datetime(form.cleaned_data.get("deadline")),
                data_filename="web",
            )
            messages.success(
                request,
                _(
                    "The questionnaire “%(title)s” was read: %(n)d questions. Check the preview, then open the wave."
                )
                % {
                    "title": instrument.title,
                    "n": len([q for q in instrument.questions if q.type != "note"]),
                },
            )
            return redirect("klappt_web:wave_settings", slug=program.slug, wave_id=wave.pk)
    return render(
        request,
        "klappt_web/wave_new.html",
        {"program": program, "form": form, "form_error": form_error},
    )


@program_view()
def wave_settings(request: Any, program: Program, wave: Wave) -> Any:
    if schedule.close_due():
        wave.refresh_from_db()
    deadline_form = DeadlineForm(
        request.POST if request.POST.get("what") == "deadline" else None,
        initial={
            "deadline": timezone.localtime(wave.deadline).date() if wave.deadline else None,
            "grace_days": schedule.grace_days(wave),
        },
    )
    replace_form = ReplaceFormForm(
        request.POST if request.POST.get("what") == "form" else None,
        request.FILES if request.POST.get("what") == "form" else None,
    )
    has_returns = SiteReturn.objects.filter(wave=wave).exists()
    form_error = None
    if request.method == "POST":
        what = request.POST.get("what")
        if what == "deadline" and deadline_form.is_valid():
            with transaction.atomic():
                wave.deadline = deadline_datetime(deadline_form.cleaned_data.get("deadline"))
                wave.save(update_fields=["deadline", "updated_at"])
                closes = schedule.set_grace(wave, deadline_form.cleaned_data.get("grace_days"))
            if closes is not None and closes <= timezone.now() and wave.is_open:
                messages.warning(
                    request,
                    _(
                        "Deadline saved. Its automatic closing date has passed already: the wave "
                        "is closed now. Open it again to switch automatic closing off."
                    ),
                )
                schedule.close_due()
            elif closes is not None:
                messages.success(
                    request,
                    _("Deadline saved. The wave closes automatically on %(when)s.")
                    % {"when": date_format(timezone.localtime(closes), "SHORT_DATETIME_FORMAT")},
                )
            else:
                messages.success(request, _("Deadline saved."))
            return redirect("klappt_web:wave_settings", slug=program.slug, wave_id=wave.pk)
        if what == "form" and replace_form.is_valid():
            if has_returns:
                form_error = _(
                    "Sites have started filling in this wave; its questionnaire can no longer be replaced. Create a new wave instead."
                )
            else:
                upload = replace_form.cleaned_data["form_file"]
                data = upload.read()
                try:
                    instrument = instruments.read_form_bytes(data, upload.name)
                except KlapptError as exc:
                    form_error = _form_error(exc)
                except Exception as exc:
                    form_error = _("The questionnaire cannot be read: %(reason)s") % {
                        "reason": str(exc)[:300]
                    }
                else:
                    wave.form_file = data
                    wave.form_filename = instruments.safe_filename(upload.name, "form.xlsx")
                    wave.form_sha256 = instruments.sha256(data)
                    wave.form_title = instrument.title
                    wave.form_id = instrument.form_id
                    wave.form_version = instrument.version or ""
                    wave.save()
                    messages.success(request, _("The questionnaire was replaced."))
                    return redirect("klappt_web:wave_settings", slug=program.slug, wave_id=wave.pk)
    return render(
        request,
        "klappt_web/wave_settings.html",
        {
            "program": program,
            "wave": wave,
            "deadline_form": deadline_form,
            "replace_form": replace_form,
            "has_returns": has_returns,
            "form_error": form_error,
            "n_sites": Site.objects.filter(program=program).count(),
            "closes_at": schedule.closes_at(wave),
        },
    )


@program_view()
def wave_open(request: Any, program: Program, wave: Wave) -> Any:
    with transaction.atomic():
        w = Wave.objects.select_for_update().defer("form_file").get(pk=wave.pk)
        w.opened_at = w.opened_at if (w.opened_at and w.closed_at is None) else timezone.now()
        w.closed_at = None
        w.save(update_fields=["opened_at", "closed_at", "updated_at"])
        switched_off = schedule.reopen(w)
        links.ensure(list(Site.objects.filter(program=program)))
    messages.success(
        request, _("The wave is open: the sites can fill in the form through their links.")
    )
    if switched_off:
        messages.warning(
            request,
            _(
                "Its automatic closing date had passed, so automatic closing is switched off. "
                "Set it again under Deadline if you want it."
            ),
        )
    return redirect("klappt_web:dashboard", slug=program.slug, wave_id=wave.pk)


@program_view()
def wave_close(request: Any, program: Program, wave: Wave) -> Any:
    with transaction.atomic():
        w = Wave.objects.select_for_update().defer("form_file").get(pk=wave.pk)
        w.closed_at = timezone.now()
        w.save(update_fields=["closed_at", "updated_at"])
    messages.success(request, _("The wave is closed. Sites can still view what they submitted."))
    return redirect("klappt_web:dashboard", slug=program.slug, wave_id=wave.pk)


@program_view()
def preview(request: Any, program: Program, wave: Wave) -> Any:
    """The form as a site sees it (nothing can be saved)."""
    try:
        ctx = _context(request, wave, None, {}, {}, 0, None)
    except KlapptError as exc:
        messages.error(request, exc.message(_lang()))
        return redirect("klappt_web:program", slug=program.slug)
    return render(request, "klappt_web/respond_form.html", ctx)


STATUS_FILTERS = ("all", "missing", "none", "draft", "submitted")


def dashboard_rows(program: Program, wave: Wave) -> list[dict[str, Any]]:
    sites = list(Site.objects.filter(program=program).order_by("position", "site_id"))
    rets = {r.site_id: r for r in SiteReturn.objects.filter(wave=wave, site__isnull=False)}
    out = []
    for s in sites:
        r = rets.get(s.pk)
        status = "none" if r is None or (r.version == 0) else r.status
        out.append({"site": s, "ret": r, "status": status})
    return out


@program_view()
def dashboard(request: Any, program: Program, wave: Wave) -> Any:
    if schedule.close_due():
        wave.refresh_from_db()
    rows = dashboard_rows(program, wave)
    from klappt.web.mail import site_log  # "eingeladen am …, erinnert am …" per site

    log = site_log(wave)
    for r in rows:
        r["mail"] = log.get(r["site"].pk)
    totals = {k: sum(1 for r in rows if r["status"] == k) for k in ("none", "draft", "submitted")}
    totals["missing"] = totals["none"] + totals["draft"]
    labels = type_labels(wave)
    from klappt.web import site_reports  # issue 18: the release in force, who fetched theirs

    released = site_reports.current(wave)
    fetched = site_reports.downloads_by_site(released)
    for r in rows:
        r["type_label"] = labels.get(r["site"].typ, r["site"].typ)
        r["fetched"] = fetched.get(r["site"].pk)
        r["gets_report"] = released is not None and r["site"].site_id in released.site_ids
    wanted = request.GET.get("status", "all")
    wanted = wanted if wanted in STATUS_FILTERS else "all"
    if wanted == "missing":
        shown = [r for r in rows if r["status"] != "submitted"]
    elif wanted != "all":
        shown = [r for r in rows if r["status"] == wanted]
    else:
        shown = rows
    return render(
        request,
        "klappt_web/dashboard.html",
        {
            "program": program,
            "wave": wave,
            "rows": shown,
            "total": len(rows),
            "totals": totals,
            "submitted": totals["submitted"],
            "filter": wanted,
            "filters": STATUS_FILTERS,
            "role": request.klappt_role,
            "repeats": _repeat_labels(wave),
            "closes_at": schedule.closes_at(wave),
            "form_number": formchange.current_number(wave),
            "not_counted": not_counted_lines(wave),
            "released": released,
            "fetched_count": len(fetched),
        },
    )


def not_counted_lines(wave: Wave) -> list[str]:
    """The answers a replaced form's counts leave out, one line per question (issue 16: the
    deck and report name them on a slide; the page says so above the downloads)."""
    from klappt.web import exports, notcounted

    lang = get_language() or "de"
    try:
        items = exports.not_counted(wave, instruments.instrument(wave), lang)
    except KlapptError:
        return []
    return [notcounted.line(i, lang) for i in items]


def type_labels(wave: Wave) -> dict[str, str]:
    """The labels of the sites' type codes, from the choices of the form's type question
    (``typ``, ``gebietstyp``, ``type``) in the page's language; empty when the form has none."""
    from klappt.web.answers import TYPE_QUESTIONS

    try:
        form = instruments.instrument(wave)
    except KlapptError:
        return {}
    lang = instruments.form_language(form, get_language() or "de")
    for q in form.questions:
        if q.name.lower() in TYPE_QUESTIONS and q.choices:
            return {c.name: c.label(lang, form.default_language) or c.name for c in q.choices}
    return {}


def _repeat_labels(wave: Wave) -> list[tuple[str, str]]:
    """The wave's repeat groups (name, label): each has a table of its own in the downloads."""
    rules = instruments.rules(wave)
    lang = instruments.form_language(rules.form, get_language() or "de")
    return [
        (
            name,
            g.label(lang, rules.form.default_language) if (g := rules.form.group(name)) else name,
        )
        for name in rules.repeats
    ]


def submitted_count(wave: Wave) -> int:
    return SiteReturn.objects.filter(wave=wave, status=Status.SUBMITTED, site__isnull=False).count()
