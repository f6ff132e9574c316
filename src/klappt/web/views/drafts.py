"""What keeps a site's answers while it works (issue 17): autosave, the section it last worked
on, what is still missing, and the municipality the register fixes.

An autosave is one small POST answered with JSON (no page reload). It replaces the same
browser's previous autosave; an explicit save, a submit and a save by another browser each keep a
version (:func:`klappt.web.returns.save`). The page's version must be the stored one, as for an
explicit save: a newer draft from a colleague is never overwritten by an older page (the answer
is ``conflict``, and the page says so).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from klappt.web import instruments, returns
from klappt.web.answers import SITE_QUESTIONS, prefill
from klappt.web.formspec import FieldSpec, GridSpec, SectionSpec
from klappt.web.models import SiteReturn

#: longest section key we keep (a group's name path)
MAX_STEP_KEY = 200


def locked_values(form: Any, site: Any) -> dict[str, str | None]:
    """The answers the register fixes on a site's own link: the site (municipality) itself."""
    if site is None:
        return {}
    return {k: v for k, v in prefill(form, site).items() if k.lower() in SITE_QUESTIONS}


def lock(steps: list[Any], locked: dict[str, Any]) -> None:
    """Show the locked questions as text with their value kept in a hidden input."""
    if not locked:
        return

    def walk(items: list[Any]) -> None:
        for item in items:
            kind = getattr(item, "kind", "")
            if kind == "section":
                walk(item.items)
            elif kind == "field" and item.name in locked and not item.spec.repeat:
                item.spec = dataclasses.replace(item.spec, widget="locked")

    for step in steps:
        walk(step.items)


def step_keys(spec: Any) -> dict[str, int]:
    """Each question's step (by question name, also inside grids and repeats)."""
    out: dict[str, int] = {}

    def walk(items: list[Any], i: int) -> None:
        for item in items:
            if isinstance(item, SectionSpec):
                walk(item.items, i)
            elif isinstance(item, GridSpec):
                for row in item.rows:
                    out.setdefault(row.name, i)
            elif isinstance(item, FieldSpec):
                out.setdefault(item.name, i)

    for i, step in enumerate(spec.steps):
        walk(step.items, i)
    return out


def missing(
    rules: Any, spec: Any, steps: list[Any], values: dict[str, Any]
) -> list[dict[str, Any]]:
    """The sections with required answers still missing: ``[{index, label, count}]``."""
    record = returns.cleaned(rules, values)
    where = step_keys(spec)
    counts: dict[int, int] = {}
    for key, codes in rules.problems(record).items():
        if "required_missing" in codes:
            i = where.get(key.rsplit("/", 1)[-1], 0)
            counts[i] = counts.get(i, 0) + 1
    return [
        {"index": i, "label": steps[i].label, "count": n}
        for i, n in sorted(counts.items())
        if i < len(steps) and not steps[i].hidden
    ]


def resume_step(sr: SiteReturn | None, steps: list[Any]) -> int:
    """The section the site last worked on (0: the first)."""
    if sr is None or not sr.last_step:
        return 0
    return next((i for i, s in enumerate(steps) if s.key == sr.last_step), 0)


def remember_step(sr: SiteReturn, key: str) -> None:
    key = (key or "")[:MAX_STEP_KEY]
    if key and key != sr.last_step:
        SiteReturn.objects.filter(pk=sr.pk).update(last_step=key)
        sr.last_step = key


def _answer(status: int, state: str, sr: SiteReturn | None = None, **extra: Any) -> JsonResponse:
    body: dict[str, Any] = {"status": state, **extra}
    if sr is not None:
        when = timezone.localtime(sr.updated_at)
        body.update(version=sr.version, time=when.strftime("%H:%M"))
    response = JsonResponse(body, status=status)
    response.headers["Cache-Control"] = "no-store"
    return response


@never_cache
def autosave(request: Any, token: str, wave_id: int) -> Any:
    """Save the page's answers as the working draft; JSON ``{status, version, time}``."""
    from klappt.web.views import respondent

    site, stop = respondent._link_or_problem(request, token)
    if request.method != "POST":
        return stop or redirect("klappt_web:respond_wave", token=token, wave_id=wave_id)
    if stop is not None:
        return _answer(stop.status_code, "link", message=_("This link no longer opens the form."))
    wave = respondent._wave_for(site, wave_id)
    rules = instruments.rules(wave)
    values = returns.values_from_post(rules, request.POST)
    values.update(locked_values(rules.form, site))
    returns.fit_counts(rules, values)
    try:
        base = int(request.POST.get("version", "0"))
    except ValueError:
        base = -1
    key = (request.POST.get("key") or "")[:64] or None
    saved = returns.save(
        wave,
        site,
        values,
        base,
        key,
        submit=False,
        editor=respondent._editor(request),
        # "Entwurf speichern" in the page keeps a version; an autosave replaces its own
        may_replace=request.POST.get("explicit") != "1",
    )
    sr = saved.site_return
    if saved.status == "closed":
        return _answer(409, "closed", message=respondent._closed_text())
    if saved.status == "conflict":
        when = date_format(timezone.localtime(sr.updated_at), "SHORT_DATETIME_FORMAT")
        return _answer(409, "conflict", sr, saved_at=when)
    remember_step(sr, request.POST.get("section", ""))
    return _answer(200, "saved", sr)
