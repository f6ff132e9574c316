"""Site reports in the web app (issue 18): the coordinator releases them and downloads all as a
ZIP; each site downloads its own through its link, and only its own.

The site's download URL holds the link's token and the wave, never a site id: the report is
the one of the site the token belongs to. Before the release (or for a site that gets no
report) the URL is not found (404), exactly like an unknown wave.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from klappt.errors import KlapptError
from klappt.store.models import Program, Wave
from klappt.web import downloads, site_reports
from klappt.web.access import program_view
from klappt.web.views.respondent import _link_or_problem, _waves


def _lang() -> str:
    return "en" if (get_language() or "de").startswith("en") else "de"


def _stem(wave: Wave) -> str:
    return str(wave.name).strip() or str(wave.pk)


@program_view()
def release(request: Any, program: Program, wave: Wave) -> Any:
    """Release (or release anew) the wave's site reports; the choice for sites without a return
    comes with the button."""
    absent = request.POST.get("absent", "program")
    try:
        made = site_reports.release(wave, absent, _lang(), request.user.get_username())
    except KlapptError as exc:
        messages.error(request, exc.message(_lang()))
    else:
        messages.success(
            request,
            _("Site reports released: %(n)s sites can now download theirs through their link.")
            % {"n": len(made.site_ids)},
        )
    return redirect("klappt_web:dashboard", slug=program.slug, wave_id=wave.pk)


@never_cache
@program_view()
def all_zip(request: Any, program: Program, wave: Wave) -> Any:
    """Every site's report in one ZIP (coordinators; after the release)."""
    rel = site_reports.current(wave)
    if rel is None:
        raise Http404
    data, done, total = site_reports.all_zip(rel)
    if data is None:  # not every report rendered yet: say how far; the next request goes on
        return render(
            request,
            "klappt_web/site_reports_wait.html",
            {"program": program, "wave": wave, "done": done, "total": total},
        )
    return downloads.file_response(
        data, "application/zip", f"standortberichte_{program.slug}_{_stem(wave)}.zip"
    )


@never_cache
def site_download(request: Any, token: str, wave_id: int, fmt: str) -> Any:
    """The link's site's own report of the wave, after the release; 404 before."""
    site, stop = _link_or_problem(request, token)
    if stop is not None:
        return stop
    wave = _waves(site).filter(pk=wave_id).first()
    rel = site_reports.current(wave) if wave is not None else None
    if rel is None or fmt not in site_reports.SITE_FORMATS:
        raise Http404
    data = site_reports.render_for(rel, site, fmt)
    if data is None:
        raise Http404
    site_reports.log_download(rel, site, fmt)
    name = f"standortbericht_{_stem(rel.wave)}_{site.site_id}.{fmt}"
    return downloads.file_response(data, site_reports.SITE_FORMATS[fmt], name)
