"""The register of sites: one file replaces the program's sites, returns are linked again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from klappt.errors import ErrorCode, KlapptError
from klappt.reasons import Reason
from klappt.safetext import scrub, scrub_frame
from klappt.store.project import activate, get_program, project_program
from klappt.store.wave_writer import BATCH_SIZE, relink


def import_register(project: Path, path: Path | str) -> int:
    """Replace the program's register of sites by the file (CSV/XLSX: ``site_id,name,typ,...``).

    Further columns become the sites' attributes. Sites that stay keep their links to returns;
    returns of all waves are linked again afterwards. Returns the number of sites.
    Raises ``KlapptError(STORE_004)`` naming the row for a missing column, id or name, or an id
    that occurs twice.
    """
    from klappt.responses.io import read_table

    root = Path(project).expanduser().resolve()
    p = Path(path)
    raw = read_table(p, kind="register")
    sites = _register_rows(raw, p)

    activate(root)
    from django.db import transaction

    from klappt.store.models import Site

    with transaction.atomic():
        program = get_program(project_program(root))
        existing = {s.site_id: s for s in Site.objects.filter(program=program)}
        keep = {s["site_id"] for s in sites}
        Site.objects.filter(program=program).exclude(site_id__in=keep).delete()
        new, changed = [], []
        for s in sites:
            obj = existing.get(s["site_id"])
            if obj is None:
                new.append(Site(program=program, **s))
            else:
                for k, v in s.items():
                    setattr(obj, k, v)
                changed.append(obj)
        Site.objects.bulk_create(new, batch_size=BATCH_SIZE)
        Site.objects.bulk_update(
            changed, ["name", "typ", "attributes", "position"], batch_size=BATCH_SIZE
        )
        for w in program.waves.all().defer("form_file", "report"):
            relink(w)
    return len(sites)


def _register_rows(raw: Any, path: Path) -> list[dict[str, Any]]:
    lower = {c.strip().lower(): c for c in raw.columns}

    def col(*names: str) -> str | None:
        return next((lower[n] for n in names if n in lower), None)

    id_col = col("site_id", "id", "kennung", "code")
    name_col = col("name", "bezeichnung")
    typ_col = col("typ", "type")
    for wanted, found in (("site_id", id_col), ("name", name_col)):
        if found is None:
            raise KlapptError(
                ErrorCode.STORE_004,
                path=path,
                row=1,
                message=Reason.COLUMN_MISSING(column=wanted, columns=", ".join(raw.columns)),
            )
    others = [c for c in raw.columns if c not in (id_col, name_col, typ_col)]
    seen: dict[str, int] = {}
    out: list[dict[str, Any]] = []
    # control characters (NUL: PostgreSQL refuses it) are dropped from every cell
    for i, record in enumerate(scrub_frame(raw.frame).iter_rows(named=True)):
        row = raw.file_row(i)
        site_id = (record[id_col] or "").strip()
        name = (record[name_col] or "").strip()
        if not site_id:
            raise KlapptError(
                ErrorCode.STORE_004,
                path=path,
                row=row,
                message=Reason.NO_ID(column=id_col),
            )
        if site_id in seen:
            raise KlapptError(
                ErrorCode.STORE_004,
                path=path,
                row=row,
                message=Reason.ID_TWICE(site_id=site_id, first=seen[site_id]),
            )
        if not name:
            raise KlapptError(
                ErrorCode.STORE_004, path=path, row=row, message=Reason.NO_NAME(column=name_col)
            )
        seen[site_id] = row
        out.append(
            {
                "site_id": site_id,
                "name": name,
                "typ": ((record[typ_col] or "").strip() if typ_col else ""),
                "attributes": {scrub(c): record[c] for c in others},
                "position": i,
            }
        )
    return out


def register_contacts(project: Path) -> tuple[str, ...]:
    """The contact persons the program's register names: published outputs withhold any free
    text that names one of them (:func:`klappt.coding.privacy.contact_names`)."""
    from klappt.coding.privacy import contact_names

    root = Path(project).expanduser().resolve()
    activate(root)
    from klappt.store.models import Site

    program = get_program(project_program(root))
    return contact_names(s.attributes or {} for s in Site.objects.filter(program=program))
