"""The site register from an uploaded CSV or XLSX: name, type, contact e-mail, any attributes.

The file is read by :func:`klappt.responses.io.read_table` (any Excel CSV flavour, XLSX, XLS).
Columns are found by their header: ``site_id``/``id``/``kennung``/``code`` (optional: taken from
the name when missing), ``name``/``bezeichnung`` (required), ``typ``/``type``/``gebietstyp``,
and the e-mail in ``email``/``e-mail``/``mail``/``kontakt``. Every other column becomes an
attribute of the site. All problems are collected with their row before anything is written.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from klappt.errors import KlapptError
from klappt.responses.io import read_table
from klappt.safetext import scrub, scrub_frame
from klappt.store.models import Program, Site
from klappt.web import links
from klappt.web.instruments import safe_filename

ID_COLUMNS = ("site_id", "id", "kennung", "code", "ags")
NAME_COLUMNS = ("name", "bezeichnung", "standort", "kommune_name")
TYPE_COLUMNS = ("typ", "type", "gebietstyp")
EMAIL_COLUMNS = (
    "email",
    "e-mail",
    "e_mail",
    "mail",
    "kontakt",
    "contact",
    "contact_email",
    "kontakt_email",
)
REGISTER_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xls")


@dataclass
class RegisterResult:
    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    removed: int = 0
    kept: list[str] = field(default_factory=list)  # sites missing from the file but with returns


def site_email(site: Site) -> str:
    """The contact e-mail of a site from its attributes (any of the usual headers)."""
    for key, value in (site.attributes or {}).items():
        if str(key).strip().lower() in EMAIL_COLUMNS and value:
            return str(value).strip()
    return ""


def set_site_email(site: Site, email: str) -> None:
    attrs = dict(site.attributes or {})
    key = next((k for k in attrs if str(k).strip().lower() in EMAIL_COLUMNS), "email")
    attrs[key] = email.strip() or None
    site.attributes = attrs


def parse(data: bytes, filename: str) -> RegisterResult:
    """The register's rows, or the problems naming their rows (header = row 1)."""
    result = RegisterResult()
    suffix = Path(filename).suffix.lower()
    if suffix not in REGISTER_SUFFIXES:
        result.errors.append(
            _("The register must be a CSV or Excel file (%(suffixes)s).")
            % {"suffixes": ", ".join(REGISTER_SUFFIXES)}
        )
        return result
    with tempfile.TemporaryDirectory(prefix="klappt-web-register-") as tmp:
        path = Path(tmp) / safe_filename(filename, f"register{suffix}")
        path.write_bytes(data)
        try:
            raw = read_table(path, kind="register")
        except KlapptError as exc:
            result.errors.append(_file_message(exc, tmp))
            return result
        except Exception as exc:  # a broken workbook: say so instead of failing
            result.errors.append(
                _("The file cannot be read: %(reason)s") % {"reason": str(exc)[:200]}
            )
            return result
    lower = {c.strip().lower(): c for c in raw.columns}
    if looks_like_form(list(lower)):
        result.errors.append(
            _(
                "%(file)s is a questionnaire (XLSForm: columns type, name, label), not a site "
                "register. Upload it as the questionnaire of a wave; a register has one row per "
                "site with the columns name, site_id, typ, email."
            )
            % {"file": Path(filename).name}
        )
        return result

    def col(names: tuple[str, ...]) -> str | None:
        return next((lower[n] for n in names if n in lower), None)

    id_col, name_col, type_col = col(ID_COLUMNS), col(NAME_COLUMNS), col(TYPE_COLUMNS)
    if name_col is None:
        result.errors.append(
            _("Row 1: the column 'name' is missing (columns found: %(columns)s).")
            % {"columns": ", ".join(raw.columns)}
        )
        return result
    special = {id_col, name_col, type_col}
    seen_ids: dict[str, int] = {}
    seen_names: dict[str, int] = {}
    # control characters (NUL: PostgreSQL refuses it) are dropped from every cell
    for i, record in enumerate(scrub_frame(raw.frame).iter_rows(named=True)):
        row = raw.file_row(i)
        name = (record[name_col] or "").strip()
        site_id = ((record[id_col] or "").strip() if id_col else "") or ""
        if not name:
            result.errors.append(_("Row %(row)d: the name is missing.") % {"row": row})
            continue
        key = name.casefold()
        if key in seen_names:
            result.errors.append(
                _("Row %(row)d: the name '%(name)s' is already in row %(first)d.")
                % {"row": row, "name": name, "first": seen_names[key]}
            )
            continue
        seen_names[key] = row
        if site_id:
            if site_id in seen_ids:
                result.errors.append(
                    _("Row %(row)d: the code '%(code)s' is already in row %(first)d.")
                    % {"row": row, "code": site_id, "first": seen_ids[site_id]}
                )
                continue
            seen_ids[site_id] = row
        result.rows.append(
            {
                "site_id": site_id,
                "name": name,
                "typ": (record[type_col] or "").strip() if type_col else "",
                "attributes": {scrub(c): record[c] for c in raw.columns if c not in special},
                "position": i,
            }
        )
    if not result.rows and not result.errors:
        result.errors.append(_("The register contains no sites."))
    return result


def looks_like_form(headers: list[str]) -> bool:
    """An XLSForm's survey sheet: ``type`` and ``name`` with a ``label`` column (any language)."""
    return (
        "type" in headers
        and "name" in headers
        and any(h == "label" or h.startswith("label:") for h in headers)
    )


def _file_message(exc: KlapptError, folder: str) -> str:
    """The core's message in the page's language, without our temporary folder."""
    from django.utils.translation import get_language

    text = exc.message("en" if (get_language() or "de").startswith("en") else "de")
    return text.replace(folder + "/", "").replace(folder, "")


def apply(program: Program, result: RegisterResult) -> RegisterResult:
    """Write the parsed register: sites are matched by code (or by name when the file has no
    codes); sites missing from the file are removed unless they have returns."""
    with transaction.atomic():
        existing = list(Site.objects.filter(program=program))
        by_id = {s.site_id: s for s in existing}
        by_name = {s.name.casefold(): s for s in existing}
        taken = set(by_id)
        keep: set[int] = set()
        for r in result.rows:
            site = by_id.get(r["site_id"]) if r["site_id"] else by_name.get(r["name"].casefold())
            if site is None and r["site_id"] == "":
                r["site_id"] = _new_code(r["name"], taken)
            if site is None:
                site = Site(program=program, site_id=r["site_id"])
                result.created += 1
            else:
                result.updated += 1
            taken.add(site.site_id)
            site.name, site.typ, site.position = r["name"], r["typ"], r["position"]
            attrs = dict(site.attributes or {})
            attrs.update(r["attributes"])
            site.attributes = attrs
            site.save()
            keep.add(site.pk)
        for site in existing:
            if site.pk in keep:
                continue
            if site.web_returns.exists() or site.returns.exists():
                result.kept.append(site.name)
            else:
                site.delete()
                result.removed += 1
        links.ensure(list(Site.objects.filter(program=program)))
    return result


def _new_code(name: str, taken: set[str]) -> str:
    base = slugify(name)[:90] or "standort"
    code, n = base, 2
    while code in taken:
        code = f"{base}-{n}"
        n += 1
    taken.add(code)
    return code
