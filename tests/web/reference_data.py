"""The reference pack as test input, without Django: form, register, returns as the form posts them."""

from __future__ import annotations

import csv
import functools
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO / "src" / "klappt" / "reference"
FORM = REFERENCE / "arbeitshilfe_2022.xlsx"
REGISTER = REFERENCE / "register.csv"
RETURNS = REFERENCE / "returns_2022.csv"


def reference_returns() -> list[dict[str, str]]:
    with RETURNS.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@functools.cache
def multiple() -> frozenset[str]:
    from klappt.instrument import read_instrument

    return frozenset(q.name for q in read_instrument(FORM).questions if q.type == "select_multiple")


def post_data(
    answers: dict[str, str], multiple_names: set[str] | frozenset[str] | None = None
) -> dict[str, Any]:
    """A return (as in the data file) as the form posts it."""
    names = multiple() if multiple_names is None else multiple_names
    out: dict[str, Any] = {}
    for k, v in answers.items():
        if k.startswith("_") or v in (None, ""):
            continue
        out[k] = v.split() if k in names else v
    return out


def answers_for(site_id: str) -> dict[str, str]:
    """A valid return for any site of the register: its own reference row, or another one's."""
    rows = reference_returns()
    own = next((r for r in rows if r["kommune"] == site_id), None)
    if own is not None:
        return own
    other = dict(rows[sum(map(ord, site_id)) % len(rows)])
    other["kommune"] = site_id
    return other
