"""Small Stata files of the formats pyreadstat does not write: 111 and 113-115 by hand.

pyreadstat writes every integer as a Stata ``long``; real files hold ``byte`` and ``int`` too,
and older formats than 113. The layout (Stata's ``help dta_113``/``dta_114``): a header, the
type, name, sort, format, value-label and label lists, no expansion fields, then the records.
"""

from __future__ import annotations

import struct
from pathlib import Path

#: storage type -> (type code, struct code, missing value of format 113 on, of formats before)
_TYPES = {
    "byte": (251, "b", 101, 127),
    "int": (252, "h", 32741, 32767),
    "long": (253, "i", 2_147_483_621, 2_147_483_647),
    "double": (255, "d", 2.0**1023, 2.0**1023),
}


def write_old_dta(
    path: Path,
    columns: dict[str, tuple[str, list[float | int | None]]],
    release: int = 113,
    unused: int = 0,
) -> Path:
    """A ``.dta`` of ``release`` (111, 113, 114, 115) whose ``columns`` are ``name: (type,
    values)``; None is Stata's missing value. ``unused``: the header byte some writers fill."""
    names = list(columns)
    rows = len(next(iter(columns.values()))[1])
    out = bytearray([release, 2, 1, unused]) + struct.pack("<hi", len(names), rows)
    out += b"klappt test".ljust(81, b"\0") + b"01 Jan 2024 00:00".ljust(18, b"\0")
    out += bytes(_TYPES[kind][0] for kind, _ in columns.values())
    out += b"".join(n.encode().ljust(33, b"\0") for n in names)
    out += b"\0" * (2 * (len(names) + 1))
    width = 12 if release <= 113 else 49
    out += b"".join(
        (b"%10.0g" if kind == "double" else b"%8.0g").ljust(width, b"\0")
        for kind, _ in columns.values()
    )
    out += b"\0" * (33 * len(names))
    out += b"".join(f"{n} label".encode().ljust(81, b"\0") for n in names)
    out += b"\0" * 5  # no expansion fields
    for i in range(rows):
        for kind, values in columns.values():
            _, code, missing, old_missing = _TYPES[kind]
            value = values[i]
            if value is None:
                value = missing if release >= 113 else old_missing
            out += struct.pack(f"<{code}", value)
    path.write_bytes(bytes(out))
    return path
