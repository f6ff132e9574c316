"""Running a wave without the browser: what ``klappt wave open|close`` and ``klappt links`` do.

The same steps as the coordinator's pages (open issues a link for every site, closing keeps the
returns), on the project's database with the web app's settings.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from klappt.errors import ErrorCode, KlapptError


def setup(project: Path | None) -> Path:
    """Django with the web settings on the project's database, brought up to date."""
    from klappt.web.server import _setup, migrate

    root = _setup(project)
    migrate(root)
    return root


def program(root: Path, slug: str | None) -> Any:
    """The program named by ``slug``, else the project's own."""
    from django.utils.text import slugify

    from klappt.store.models import Program
    from klappt.store.project import project_program

    wanted = slug or slugify(project_program(root)) or "programm"
    p = Program.objects.filter(slug=wanted).first()
    if p is None:
        known = ", ".join(Program.objects.values_list("slug", flat=True)) or "–"
        raise KlapptError(ErrorCode.MAIL_007, program=wanted, known=known)
    return p


def wave(program: Any, name: str) -> Any:
    from klappt.store.models import Wave

    w = Wave.objects.filter(program=program, name=name).defer("form_file").first()
    if w is None:
        known = ", ".join(Wave.objects.filter(program=program).values_list("name", flat=True))
        raise KlapptError(ErrorCode.STORE_002, wave=name, known=known or "–")
    return w


def parse_day(text: str | None) -> dt.date | None:
    if not text:
        return None
    value = text.strip()
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise KlapptError(ErrorCode.MAIL_008, value=value)


@dataclass(frozen=True)
class Opened:
    wave: Any
    created: bool
    links_issued: int
    sites: int


def open_wave(
    program: Any,
    name: str,
    form: Path | None = None,
    deadline: dt.date | None = None,
    from_wave: str | None = None,
) -> Opened:
    """Open ``name`` for online collection (created from ``form`` when new, or from a copy of
    the questionnaire of the program's wave ``from_wave``; a form given for an existing wave
    replaces its questionnaire while nobody has started)."""
    from django.db import transaction
    from django.utils import timezone

    from klappt.store.models import Site, Wave
    from klappt.web import instruments, links, schedule
    from klappt.web.models import SiteReturn
    from klappt.web.webforms import deadline_datetime

    if not re.fullmatch(r"[\w.\- ]{1,100}", name):
        raise KlapptError(ErrorCode.STORE_006, wave=name)
    data = None
    if form is not None:
        path = Path(form)
        if not path.is_file():
            raise KlapptError(ErrorCode.FILE_001, path=path)
        from klappt.instrument import read_instrument

        data = path.read_bytes()
        instrument = read_instrument(path)  # messages name the file as the user gave it
    existing = Wave.objects.filter(program=program, name=name).first()
    if from_wave is not None:
        if form is not None:
            raise KlapptError(ErrorCode.RETURN_006)
        source = wave(program, from_wave)
        if existing is None:
            data = bytes(
                Wave.objects.filter(pk=source.pk).values_list("form_file", flat=True).get()
            )
            form = Path(source.form_filename)
            instrument = instruments.read_form_bytes(data, source.form_filename)
    if existing is None and data is None:
        raise KlapptError(ErrorCode.MAIL_010, wave=name)
    if existing is not None and existing.opened_at is None and existing.data_filename != "web":
        raise KlapptError(ErrorCode.MAIL_006, wave=name)
    with transaction.atomic():
        if existing is None:
            w = Wave.objects.create(
                program=program,
                name=name,
                form_file=data,
                form_filename=instruments.safe_filename(Path(form).name, "form.xlsx"),
                form_sha256=instruments.sha256(data),
                form_title=instrument.title,
                form_id=instrument.form_id,
                form_version=instrument.version or "",
                data_filename="web",
            )
        else:
            w = Wave.objects.select_for_update().get(pk=existing.pk)
            if data is not None and instruments.sha256(data) != w.form_sha256:
                if SiteReturn.objects.filter(wave=w).exists():
                    raise KlapptError(ErrorCode.MAIL_009, wave=name)
                w.form_file = data
                w.form_filename = instruments.safe_filename(Path(form).name, "form.xlsx")
                w.form_sha256 = instruments.sha256(data)
                w.form_title = instrument.title
                w.form_id = instrument.form_id
                w.form_version = instrument.version or ""
        if deadline is not None:
            w.deadline = deadline_datetime(deadline)
        w.opened_at = w.opened_at if (w.opened_at and w.closed_at is None) else timezone.now()
        w.closed_at = None
        w.save()
        schedule.reopen(w)
        if deadline is not None and schedule.grace_days(w) is not None:
            schedule.set_grace(w, schedule.grace_days(w))
        sites = list(Site.objects.filter(program=program))
        issued = links.ensure(sites)
    return Opened(w, existing is None, issued, len(sites))


def close_wave(w: Any) -> Any:
    from django.utils import timezone

    from klappt.store.models import Wave

    Wave.objects.filter(pk=w.pk).update(closed_at=timezone.now(), updated_at=timezone.now())
    w.refresh_from_db()
    return w


def link_rows(program: Any) -> tuple[list[str], list[list[str]]]:
    """Every site with its address and link (``KLAPPT_BASE_URL`` must be public)."""
    from django.conf import settings
    from django.urls import reverse
    from django.utils import timezone

    from klappt.store.models import Site
    from klappt.web import links, mail, register
    from klappt.web.models import SiteLink

    problem = mail.base_url_problem()
    if problem is not None:
        raise problem
    sites = list(Site.objects.filter(program=program).order_by("position", "site_id"))
    links.ensure(sites)
    active = {
        link.site_id: link
        for link in SiteLink.objects.filter(site__in=sites, revoked_at__isnull=True)
    }
    rows = []
    for s in sites:
        link = active.get(s.pk)
        token = links.token_of(link) if link else None
        url = (
            settings.KLAPPT_BASE_URL + reverse("klappt_web:respond", args=[token]) if token else ""
        )
        until = (
            timezone.localtime(link.expires_at).date().isoformat()
            if link is not None and link.expires_at
            else ""
        )
        rows.append([s.site_id, s.name, s.typ, register.site_email(s), url, until])
    return ["site_id", "name", "typ", "email", "link", "valid_until"], rows
