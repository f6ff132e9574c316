"""The site register: upload, edit, the sites' personal links (list, CSV, revoke and reissue),
and the program's members."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from klappt.csvdialects import write_csv
from klappt.store.models import Program, Site, Wave
from klappt.web import downloads, links, mail, register
from klappt.web.access import program_view
from klappt.web.models import Membership, SiteLink
from klappt.web.views.coordinator import _lang, dashboard_rows
from klappt.web.webforms import LinkExpiryForm, MemberForm, RegisterForm, SiteForm


def _link_rows(request: Any, program: Program) -> list[dict[str, Any]]:
    sites = list(Site.objects.filter(program=program).order_by("position", "site_id"))
    active = {
        link.site_id: link
        for link in SiteLink.objects.filter(site__in=sites, revoked_at__isnull=True)
    }
    rows = []
    for s in sites:
        link = active.get(s.pk)
        rows.append(
            {
                "site": s,
                "email": register.site_email(s),
                "link": link,
                "url": links.url(request, link) if link else None,
            }
        )
    return rows


@never_cache
@program_view()
def sites(request: Any, program: Program) -> Any:
    expiry = LinkExpiryForm(request.POST or None, prefix="all")
    if request.method == "POST" and expiry.is_valid():
        day = expiry.cleaned_data.get("expires")
        n = links.set_expiry(SiteLink.objects.filter(site__program=program), day)
        if day is None:
            text = _("%(n)d links are valid until they are revoked.") % {"n": n}
        else:
            text = _("%(n)d links are valid until %(date)s.") % {
                "n": n,
                "date": date_format(day, "SHORT_DATE_FORMAT"),
            }
        messages.success(request, text)
        return redirect("klappt_web:sites", slug=program.slug)
    rows = _link_rows(request, program)
    return render(
        request,
        "klappt_web/sites.html",
        {
            "program": program,
            "rows": rows,
            "form": RegisterForm(),
            "expiry": expiry,
            # "Issue missing links" only where a site has none (issue 16: nothing that does nothing)
            "missing_links": sum(1 for r in rows if r["link"] is None),
            "base_problem": (p := mail.base_url_problem()) and p.message(_lang()),
        },
    )


@program_view()
def register_upload(request: Any, program: Program) -> Any:
    form = RegisterForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["register_file"]
        result = register.parse(upload.read(), upload.name)
        if not result.errors:
            register.apply(program, result)
            text = _(
                "Register loaded: %(created)d new, %(updated)d updated, %(removed)d removed."
            ) % {
                "created": result.created,
                "updated": result.updated,
                "removed": result.removed,
            }
            messages.success(request, text)
            if result.kept:
                messages.warning(
                    request,
                    _("Kept because they have returns, although missing from the file: %(names)s")
                    % {"names": ", ".join(result.kept)},
                )
            return redirect("klappt_web:sites", slug=program.slug)
    return render(
        request,
        "klappt_web/register_upload.html",
        {"program": program, "form": form, "result": result},
    )


def _site(program: Program, site_pk: int) -> Site:
    site = Site.objects.filter(program=program, pk=site_pk).first()
    if site is None:
        raise Http404
    return site


@never_cache
@program_view()
def site_edit(request: Any, program: Program, site_pk: int) -> Any:
    site = _site(program, site_pk)
    initial = {"name": site.name, "typ": site.typ, "email": register.site_email(site)}
    form = SiteForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        name = form.cleaned_data["name"].strip()
        clash = Site.objects.filter(program=program, name__iexact=name).exclude(pk=site.pk).exists()
        if clash:
            form.add_error("name", _("Another site has this name already."))
        else:
            site.name = name
            site.typ = form.cleaned_data["typ"].strip()
            register.set_site_email(site, form.cleaned_data["email"])
            site.save()
            messages.success(request, _("Site saved."))
            return redirect("klappt_web:sites", slug=program.slug)
    link = links.active(site)
    history = SiteLink.objects.filter(site=site).order_by("-created_at")
    return render(
        request,
        "klappt_web/site_edit.html",
        {
            "program": program,
            "site": site,
            "form": form,
            "link": link,
            "url": links.url(request, link) if link else None,
            "history": history,
            "expiry": LinkExpiryForm(
                prefix="link",
                initial={
                    "expires": timezone.localtime(link.expires_at).date()
                    if link and link.expires_at
                    else None
                },
            ),
        },
    )


@program_view()
def site_expiry(request: Any, program: Program, site_pk: int) -> Any:
    """Set or clear the expiry date of the site's current link."""
    site = _site(program, site_pk)
    form = LinkExpiryForm(request.POST, prefix="link")
    if not form.is_valid():
        for error in form.errors.get("expires", []):
            messages.error(request, error)
        return redirect("klappt_web:site_edit", slug=program.slug, site_pk=site.pk)
    day = form.cleaned_data.get("expires")
    links.set_expiry(SiteLink.objects.filter(site=site), day)
    if day is None:
        messages.success(request, _("The link is valid until it is revoked."))
    else:
        messages.success(
            request,
            _("The link is valid until %(date)s.")
            % {"date": date_format(day, "SHORT_DATE_FORMAT")},
        )
    return redirect("klappt_web:site_edit", slug=program.slug, site_pk=site.pk)


@program_view()
def site_reissue(request: Any, program: Program, site_pk: int) -> Any:
    """Revoke the site's link and issue a new one (the old one then says it was replaced)."""
    site = _site(program, site_pk)
    with transaction.atomic():
        links.issue(site)
    messages.success(
        request,
        _("New link issued for %(name)s; the old link no longer works.") % {"name": site.name},
    )
    return redirect("klappt_web:site_edit", slug=program.slug, site_pk=site.pk)


@program_view()
def site_revoke(request: Any, program: Program, site_pk: int) -> Any:
    """Revoke the site's link without a new one."""
    site = _site(program, site_pk)
    SiteLink.objects.filter(site=site, revoked_at__isnull=True).update(revoked_at=timezone.now())
    messages.success(request, _("The link of %(name)s was revoked.") % {"name": site.name})
    return redirect("klappt_web:site_edit", slug=program.slug, site_pk=site.pk)


@program_view()
def links_issue_all(request: Any, program: Program) -> Any:
    n = links.ensure(list(Site.objects.filter(program=program)))
    if n:
        messages.success(request, _("%(n)d links issued.") % {"n": n})
    else:
        messages.info(request, _("Every site has its link already."))
    return redirect("klappt_web:sites", slug=program.slug)


def _csv_response(data: bytes, filename: str) -> HttpResponse:
    return downloads.file_response(data, downloads.CSV, filename)


@program_view()
def links_csv(request: Any, program: Program) -> Any:
    """Every site with its link, for a mail merge (in the dialect asked for)."""
    dialect, _labels = downloads.csv_options(request)
    rows = _link_rows(request, program)
    columns = ["site_id", "name", "typ", "email", "link", "valid_until"]
    data = [
        [
            r["site"].site_id,
            r["site"].name,
            r["site"].typ,
            r["email"],
            r["url"] or "",
            timezone.localtime(r["link"].expires_at).date().isoformat()
            if r["link"] and r["link"].expires_at
            else "",
        ]
        for r in rows
    ]
    body = write_csv(columns, data, dialect, {"valid_until": "date"})
    return _csv_response(body, downloads.csv_name(f"links_{program.slug}", dialect))


def status_word(status: str) -> str:
    """A return's status as the dashboard says it, not its code."""
    words = {
        "submitted": _("submitted"),
        "draft": _("draft"),
        "none": _("not started"),
    }
    return words.get(status, status)


@program_view()
def reminders_csv(request: Any, program: Program, wave: Wave) -> Any:
    """The sites that have not submitted yet, with contact and link: for a reminder mail."""
    dialect, _labels = downloads.csv_options(request)
    rows = {r["site"].pk: r for r in _link_rows(request, program)}
    columns = ["site_id", "name", "email", "status", "last_change", "link"]
    data = []
    for r in dashboard_rows(program, wave):
        if r["status"] == "submitted":
            continue
        lr = rows.get(r["site"].pk, {})
        ret = r["ret"]
        changed = (
            timezone.localtime(ret.updated_at).isoformat(timespec="seconds")
            if ret is not None and ret.version
            else ""
        )
        data.append(
            [
                r["site"].site_id,
                r["site"].name,
                lr.get("email", ""),
                status_word(r["status"]),
                changed,
                lr.get("url") or "",
            ]
        )
    body = write_csv(
        columns, data, dialect, {"last_change": "datetime"}, timezone.get_current_timezone()
    )
    return _csv_response(
        body, downloads.csv_name(f"erinnerung_{program.slug}_{wave.name}", dialect)
    )


@never_cache
@program_view()
def members(request: Any, program: Program) -> Any:
    form = MemberForm(request.POST or None)
    if request.method == "POST" and request.POST.get("remove"):
        Membership.objects.filter(program=program, pk=request.POST["remove"]).exclude(
            user=request.user
        ).delete()
        messages.success(request, _("Access removed."))
        return redirect("klappt_web:members", slug=program.slug)
    if request.method == "POST" and form.is_valid():
        users = get_user_model()
        name = form.cleaned_data["username"].strip()
        user = users.objects.filter(username=name).first()
        if user is None:
            user = users.objects.create_user(username=name, password=form.cleaned_data["password"])
        Membership.objects.update_or_create(
            user=user, program=program, defaults={"role": form.cleaned_data["role"]}
        )
        messages.success(request, _("%(name)s now has access to this program.") % {"name": name})
        return redirect("klappt_web:members", slug=program.slug)
    rows = (
        Membership.objects.filter(program=program).select_related("user").order_by("user__username")
    )
    return render(
        request, "klappt_web/members.html", {"program": program, "form": form, "rows": rows}
    )
