"""A site fills its form through its personal link: no account, drafts, submit, summary.

The link's token identifies the site; it reaches only that site's returns. Unknown and revoked
tokens count as failures of the client's address and are rate-limited. Pages with answers are
never cached (offices share PCs).
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from klappt.responses.one_return import MAX_ENTRIES
from klappt.store.models import Site, Wave
from klappt.web import instruments, links, ratelimit, repeats, returns, schedule
from klappt.web.formbind import bind
from klappt.web.models import SiteReturn, Status
from klappt.web.views import drafts
from klappt.web.views.errors import problem


def _link_or_problem(request: Any, token: str) -> tuple[Site | None, Any]:
    """The site of the token, or the page to show instead (unknown, revoked, expired, or 429).

    The token is checked first: a valid link always opens, whatever its address did. Only
    failures count towards the address's delays (see :mod:`klappt.web.ratelimit`); a failure
    while the address's delay runs is answered with 429 and ``Retry-After``."""
    link = links.resolve(token)
    if link is not None and link.revoked_at is None and not link.expired():
        return link.site, None
    key = f"link:{ratelimit.client_address(request)}"
    wait = ratelimit.retry_after(key)
    if wait:
        return None, _too_many(request, wait)
    ratelimit.fail(key, settings.KLAPPT_LINK_FAILURES)
    if link is None:
        return None, problem(
            request,
            _("Unknown link"),
            _(
                "This link is not known. Please check that the whole address from the e-mail was "
                "opened, or ask the program office for your link."
            ),
            404,
        )
    if link.revoked_at is not None:
        return None, problem(
            request,
            _("This link is no longer valid"),
            _(
                "The program office has replaced this link. Please use the newer link you were "
                "sent, or ask the program office for it. Nothing you saved is lost."
            ),
            410,
        )
    when = date_format(timezone.localtime(link.expires_at), "SHORT_DATE_FORMAT")
    return None, problem(
        request,
        _("This link has expired"),
        _(
            "This link was valid until %(date)s. Please ask the program office for a new "
            "link. Nothing you saved is lost."
        )
        % {"date": when},
        410,
    )


def _too_many(request: Any, wait: int) -> Any:
    response = problem(
        request,
        _("Too many attempts"),
        _(
            "Too many unknown links were opened from this address. Please wait %(seconds)d "
            "seconds; a valid link opens at any time."
        )
        % {"seconds": wait},
        429,
    )
    response.headers["Retry-After"] = str(wait)
    return response


def _waves(site: Site) -> Any:
    """The site's waves; each one's schedule comes with it (see schedule.close_if_due)."""
    return (
        Wave.objects.filter(program_id=site.program_id, opened_at__isnull=False)
        .defer("form_file")
        .select_related("web_schedule")
    )


@never_cache
def landing(request: Any, token: str) -> Any:
    """The site's waves: the form itself when exactly one is open."""
    site, stop = _link_or_problem(request, token)
    if stop is not None:
        return stop
    waves = [schedule.close_if_due(w) for w in _waves(site).order_by("-opened_at")]
    # issue 16: a return the coordinator re-opened counts as open for its site
    reopened = set(
        SiteReturn.objects.filter(site=site, reopened_at__isnull=False).values_list(
            "wave_id", flat=True
        )
    )
    open_waves = [w for w in waves if w.is_open or w.pk in reopened]
    if len(open_waves) == 1:
        # the form itself at the link's address, not a redirect to it: one round trip less on
        # a slow line (issue 16); the form posts back here and fill() takes it
        return fill(request, token, open_waves[0].pk)
    done = {
        r.wave_id: r
        for r in SiteReturn.objects.filter(site=site, wave__in=waves).only(
            "wave_id", "status", "submitted_at", "version"
        )
    }
    from klappt.web.site_reports import released_for  # issue 18: the site's own reports

    reports = released_for(site, waves)
    rows = [{"wave": w, "ret": done.get(w.pk), "report": w.pk in reports} for w in waves]
    return render(
        request,
        "klappt_web/respond_landing.html",
        {"site": site, "rows": rows, "token": token, "contact": contact(site)},
    )


def contact(site: Site | None) -> str:
    """Whom a site asks: the program's contact (its mail settings), shown on every site page."""
    if site is None:
        return ""
    from klappt.web.mail_models import MailSettings

    found = MailSettings.objects.filter(program_id=site.program_id).only("contact").first()
    return (found.contact or "").strip() if found else ""


def _context(
    request: Any,
    wave: Wave,
    site: Site | None,
    values: dict[str, Any],
    errors: dict[str, list[str]],
    version: int,
    token: str | None,
    **extra: Any,
) -> dict[str, Any]:
    rules = instruments.rules(wave)
    form = rules.form
    lang = instruments.form_language(form, get_language() or "de")
    spec = instruments.spec(wave, lang, _("General information"))
    new_entries = {r: returns.defaults(rules, r) for r in rules.repeats}
    locked = drafts.locked_values(form, site)
    values = {**values, **locked}
    steps = bind(spec, returns.fit_counts(rules, dict(values)), errors, _ui_lang(), new_entries)
    drafts.lock(steps, locked)
    summary: list[dict[str, str]] = []
    for step in steps:
        _collect_errors(step, summary)
    asked = request.POST.get("step") or request.GET.get("step")
    step_index = drafts.resume_step(extra.get("site_return"), steps) if asked is None else 0
    try:
        step_index = max(0, min(int(asked if asked is not None else step_index), len(steps) - 1))
    except ValueError:
        step_index = 0
    if summary:  # open the first step with a problem
        step_index = next((i for i, s in enumerate(steps) if s.errors), step_index)
    return {
        "wave": wave,
        "site": site,
        "form": form,
        "spec": spec,
        "steps": steps,
        "error_list": summary,
        "version": version,
        "request_key": secrets.token_hex(16),
        "token": token,
        "step_index": step_index,
        "form_languages": _form_languages(form),
        "closes_at": schedule.closes_at(wave),
        "contact": contact(site),
        "autosave_url": (
            reverse("klappt_web:respond_autosave", args=[token, wave.pk]) if token else ""
        ),
        **extra,
    }


def _collect_errors(node: Any, out: list[dict[str, str]], where: str = "") -> None:
    """The problems in page order, each with its field's id and label (``where``: the entry)."""

    def label(text: str) -> str:
        return f"{where}: {text}" if where else text

    for item in node.items:
        if item.kind == "repeat":
            for entry in item.entries:
                place = _("%(repeat)s, entry %(n)s") % {"repeat": item.label, "n": entry.number}
                _collect_errors(entry, out, place)
        elif item.kind == "section":
            _collect_errors(item, out, where)
        elif item.kind == "grid":
            for row in item.rows:
                out.extend(
                    {"id": row.id, "label": label(row.label), "message": m} for m in row.errors
                )
        else:
            out.extend(
                {"id": item.id, "label": label(item.label), "message": m} for m in item.errors
            )


def _ui_lang() -> str:
    return "en" if (get_language() or "de").startswith("en") else "de"


def _form_languages(form: Any) -> list[str]:
    ui = {code for code, _name in settings.LANGUAGES}
    return [c for c in form.language_codes if c in ui]


def _wave_for(site: Site, wave_id: int) -> Wave:
    wave = _waves(site).filter(pk=wave_id).first()
    if wave is None:
        raise Http404
    return schedule.close_if_due(wave)  # a wave whose closing time has come is closed first


@never_cache
def fill(request: Any, token: str, wave_id: int) -> Any:
    """The form: GET shows the last saved state; POST saves a draft or submits."""
    site, stop = _link_or_problem(request, token)
    if stop is not None:
        return stop
    wave = _wave_for(site, wave_id)
    rules = instruments.rules(wave)
    form = rules.form
    sr = SiteReturn.objects.filter(wave=wave, site=site).first()
    if request.method == "GET":
        if not returns.may_edit(wave, sr) or (
            sr is not None
            and sr.status == Status.SUBMITTED
            and not sr.pending_changes
            and "edit" not in request.GET
        ):
            return redirect("klappt_web:respond_summary", token=token, wave_id=wave.pk)
        values = (
            dict(sr.values) if sr is not None and sr.version else returns.first_values(rules, site)
        )
        shown: dict[str, list[str]] = {}
        if "check" in request.GET:  # from the review: the problems marked in the form
            lang = instruments.form_language(form, get_language() or "de")
            shown = returns.check(rules, returns.cleaned(rules, values), lang)
        ctx = _context(
            request, wave, site, values, shown, sr.version if sr else 0, token, site_return=sr
        )
        if sr is not None and sr.version and not shown:
            ctx["still_missing"] = drafts.missing(rules, ctx["spec"], ctx["steps"], values)
            ctx["missing_total"] = sum(m["count"] for m in ctx["still_missing"])
        return render(request, "klappt_web/respond_form.html", ctx)

    verb = request.POST.get("action")
    action = repeats.parse_action(verb, rules)
    values = returns.values_from_post(
        rules, request.POST, action if action and action.verb == "remove" else None
    )
    if verb == "submit" and request.POST.get("from_review") == "1" and sr is not None:
        values = dict(sr.values)  # the review page sends what it showed: the saved draft
    values.update(drafts.locked_values(form, site))
    if action is not None and action.verb == "add":
        entries = values.setdefault(action.repeat, [])
        if len(entries) < MAX_ENTRIES:
            entries.append(returns.defaults(rules, action.repeat))
    returns.fit_counts(rules, values)  # the number of entries is the form's, where it says one
    try:
        base = int(request.POST.get("version", "0"))
    except ValueError:
        base = -1
    key = (request.POST.get("key") or "")[:64] or None
    submit = request.POST.get("action") == "submit"
    lang = instruments.form_language(form, get_language() or "de")

    def again(status: int, errors: dict[str, list[str]] | None = None, **extra: Any) -> Any:
        current = SiteReturn.objects.filter(wave=wave, site=site).first()
        ctx = _context(
            request,
            wave,
            site,
            values,
            errors or {},
            current.version if current else 0,
            token,
            site_return=current,
            **extra,
        )
        return render(request, "klappt_web/respond_form.html", ctx, status=status)

    if not returns.may_edit(wave, sr):
        return again(409, problem_text=_closed_text())
    if (
        sr is not None
        and sr.version != base
        and not (key and sr.versions.filter(request_key=key).exists())
    ):
        return again(409, problem_text=_conflict_text(sr), after_conflict=True)

    errors: dict[str, list[str]] = {}
    record = None
    editor = _editor(request)
    # an explicit save keeps a version (issue 17); going to the review page saves as an
    # autosave does, replacing this browser's last autosave
    review = verb == "review"
    plain = review
    if submit:
        record = returns.cleaned(rules, values)
        errors = returns.check(rules, record, lang)
    if errors:
        # not submitted: keep what was entered as a draft, so nothing is lost
        saved = returns.save(wave, site, values, base, key, submit=False, editor=editor)
    elif submit:
        saved = returns.save(
            wave,
            site,
            record,
            base,
            key,
            submit=True,
            record=record,
            columns=returns.export_columns(form),
            editor=editor,
        )
    else:
        saved = returns.save(
            wave, site, values, base, key, submit=False, editor=editor, may_replace=plain
        )

    if saved.status == "closed":
        return again(409, problem_text=_closed_text())
    if saved.status == "conflict":
        return again(409, problem_text=_conflict_text(saved.site_return), after_conflict=True)
    drafts.remember_step(saved.site_return, request.POST.get("section", ""))
    if errors:
        return again(422, errors=errors)
    if review:
        return redirect("klappt_web:respond_review", token=token, wave_id=wave.pk)
    if saved.status == "duplicate":
        done_submit = saved.version is not None and saved.version.kind == "submit"
        if done_submit:
            return redirect("klappt_web:respond_summary", token=token, wave_id=wave.pk)
        return redirect(_form_url(token, wave, request.POST.get("step")))
    if submit:
        # issue 16: the receipt went to the outbox in the submit's transaction (returns.save)
        messages.success(request, _("Thank you! Your answers have been submitted."))
        return redirect("klappt_web:respond_summary", token=token, wave_id=wave.pk)
    when = timezone.localtime(saved.site_return.updated_at).strftime("%H:%M")
    anchor = ""
    if action is not None and action.verb == "add":
        text = _("Entry added; draft saved at %(time)s.")
        anchor = f"e-{action.repeat}-{len(values.get(action.repeat) or [])}"
    elif action is not None:
        text = _("Entry removed; draft saved at %(time)s. The earlier version is kept.")
        anchor = f"s-{action.repeat}"
    else:
        text = _("Draft saved at %(time)s. You can continue later with the same link.")
    messages.success(request, text % {"time": when})
    return redirect(_form_url(token, wave, request.POST.get("step"), anchor))


def _editor(request: Any) -> str:
    """Which browser saves: a hash of its CSRF cookie (random per browser, never shown)."""
    cookie = request.COOKIES.get(settings.CSRF_COOKIE_NAME, "")
    return hashlib.sha256(cookie.encode("ascii", "replace")).hexdigest()[:32] if cookie else ""


def _form_url(token: str, wave: Wave, step: Any, anchor: str = "") -> str:
    url = reverse("klappt_web:respond_wave", args=[token, wave.pk]) + "?edit=1"
    with contextlib.suppress(TypeError, ValueError):
        url += f"&step={int(step)}"
    return url + (f"#{anchor}" if anchor else "")


def _closed_text() -> str:
    return _(
        "This survey is closed: nothing was saved. Your entries are shown below so that you can "
        "copy them; please contact the program office."
    )


def _conflict_text(sr: SiteReturn) -> str:
    when = date_format(timezone.localtime(sr.updated_at), "SHORT_DATETIME_FORMAT")
    return _(
        "This return was changed in another window or by a colleague (saved %(when)s) after you "
        "opened this page. Your entries below were not saved yet and are still here. Check them "
        "and save again to replace the other version (it stays in the history)."
    ) % {"when": when}


@never_cache
def review(request: Any, token: str, wave_id: int) -> Any:
    """Before the final submit: every answer, and what is still missing or wrong."""
    site, stop = _link_or_problem(request, token)
    if stop is not None:
        return stop
    wave = _wave_for(site, wave_id)
    if not wave.is_open:
        return redirect("klappt_web:respond_summary", token=token, wave_id=wave.pk)
    rules = instruments.rules(wave)
    sr = SiteReturn.objects.filter(wave=wave, site=site).first()
    values = dict(sr.values) if sr is not None and sr.version else returns.first_values(rules, site)
    values.update(drafts.locked_values(rules.form, site))
    lang = instruments.form_language(rules.form, get_language() or "de")
    spec = instruments.spec(wave, lang, _("General information"))
    errors = returns.check(rules, returns.cleaned(rules, values), lang)
    checked = bind(spec, values, errors, _ui_lang())
    problems: list[dict[str, Any]] = []
    for i, step in enumerate(checked):
        found: list[dict[str, str]] = []
        _collect_errors(step, found)
        problems.extend(
            {**p, "url": _form_url(token, wave, i, p["id"]).replace("?edit=1", "?edit=1&check=1")}
            for p in found
        )
    return render(
        request,
        "klappt_web/respond_review.html",
        {
            "wave": wave,
            "site": site,
            "form": rules.form,
            "steps": bind(spec, values, {}, _ui_lang()),
            "problems": problems,
            "site_return": sr,
            "version": sr.version if sr else 0,
            "request_key": secrets.token_hex(16),
            "token": token,
            "form_languages": _form_languages(rules.form),
            "contact": contact(site),
        },
    )


@never_cache
def summary(request: Any, token: str, wave_id: int) -> Any:
    """The submitted answers, read-only and printable."""
    site, stop = _link_or_problem(request, token)
    if stop is not None:
        return stop
    wave = _wave_for(site, wave_id)
    sr = SiteReturn.objects.filter(wave=wave, site=site).first()
    ctx = summary_context(request, wave, site, sr, token)
    from klappt.web.site_reports import released_for  # issue 18: also while the wave is open

    ctx["site_report"] = wave.pk in released_for(site, [wave])
    return render(request, "klappt_web/respond_summary.html", ctx)


def summary_context(
    request: Any, wave: Wave, site: Site | None, sr: SiteReturn | None, token: str | None
) -> dict[str, Any]:
    form = instruments.instrument(wave)
    lang = instruments.form_language(form, get_language() or "de")
    spec = instruments.spec(wave, lang, _("General information"))
    submitted = sr is not None and sr.submitted_version is not None
    values = returns.submitted_values(sr) if submitted else (dict(sr.values) if sr else {})
    steps = bind(spec, values, {}, _ui_lang())
    return {
        "wave": wave,
        "site": site,
        "form": form,
        "steps": steps,
        "site_return": sr,
        "submitted": submitted,
        "token": token,
        "form_languages": _form_languages(form),
        "contact": contact(site),
        "unsent": sr is not None and sr.version > 0 and (not submitted or sr.pending_changes),
    }
