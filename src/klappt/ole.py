"""Walk the sector chains of an OLE2 compound document (an ``.xls``) before xlrd reads it.

xlrd follows a stream's chain of sectors until it meets the end marker. A chain that loops
back on itself (one changed byte in a sector table does it) makes it append to a list for
ever: a 6 KB file then takes gigabytes within a minute. Here every chain is followed once,
each sector at most once, and every stream must fit into the file; the work is linear in the
size of the file and needs memory for one sector table.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import BinaryIO

from klappt.errors import ErrorCode, KlapptError, Text

_END = -2  # end of a chain
_FREE = -1
_SPECIAL = (-2, -1, -3, -4)  # end, free, a sector of the sector table or of its extension


def _damaged(path: Path, de: str, en: str) -> KlapptError:
    # the one code of a damaged file (klappt.damaged), with the format named as there
    return KlapptError(
        ErrorCode.FILE_003,
        path=path,
        reason=Text(f"Excel 97-2003 (.xls): {de}", f"Excel 97-2003 (.xls): {en}"),
    )


def check_ole(fh: BinaryIO, size: int, path: Path) -> None:
    """Raise ``FILE_003`` for a compound document whose chains loop or point outside it."""
    fh.seek(0)
    data = fh.read()  # bounded by the file size limit the caller checked
    if len(data) < 512:
        raise _damaged(path, "der Kopf ist unvollständig", "the header is incomplete")
    shift, mini_shift = struct.unpack_from("<HH", data, 30)
    if not 7 <= shift <= 16 or not 2 <= mini_shift <= shift:
        raise _damaged(path, "unmögliche Sektorgröße", "impossible sector size")
    sec = 1 << shift
    mini = 1 << mini_shift
    (_, dir_first, _, mini_cutoff, ssat_first, _, msatx_first, msatx_count) = struct.unpack_from(
        "<iiiiiiii", data, 44
    )
    n_secs = -(-(len(data) - 512) // sec)
    per = sec // 4

    def sector(sid: int) -> bytes:
        start = 512 + sid * sec
        return data[start : start + sec].ljust(sec, b"\xff")

    def loop(what_de: str, what_en: str) -> KlapptError:
        return _damaged(
            path,
            f"die Sektorkette {what_de} führt im Kreis oder aus der Datei hinaus",
            f"the sector chain of {what_en} loops or leaves the file",
        )

    # the master table: 109 entries in the header, then a chain of extension sectors
    msat = list(struct.unpack_from("<109i", data, 76))
    no_extension = msatx_count == 0 and msatx_first in (_END, _FREE, 0)
    sid, seen = (_END if no_extension else msatx_first), set()
    while sid not in (_END, _FREE, -3):
        if sid < 0 or sid >= n_secs or sid in seen:
            raise loop("der Sektortabelle", "the sector table")
        seen.add(sid)
        entries = list(struct.unpack(f"<{per}i", sector(sid)))
        msat.extend(entries[:-1])
        sid = entries[-1]
    sat: list[int] = []
    for sid in msat:
        if sid in _SPECIAL:
            continue
        if sid < 0 or sid >= n_secs:
            continue  # xlrd skips these too (a truncated file); what it then reads is checked below
        sat.extend(struct.unpack(f"<{per}i", sector(sid)))

    def chain(first: int, table: list[int], limit: int, what: tuple[str, str]) -> int:
        """The number of sectors of a chain; raises when it loops or leaves the table."""
        count, sid, seen = 0, first, set()
        while sid >= 0:
            if sid >= len(table) or sid >= limit or sid in seen:
                raise loop(*what)
            seen.add(sid)
            count += 1
            sid = table[sid]
        return count

    dir_secs = chain(dir_first, sat, n_secs, ("des Verzeichnisses", "the directory"))
    directory = b"".join(sector(s) for s in _walk(dir_first, sat))
    if len(directory) < 128 or dir_secs == 0:
        raise _damaged(path, "kein Verzeichnis", "no directory")
    ssat: list[int] = []
    if ssat_first >= 0:
        chain(ssat_first, sat, n_secs, ("der kleinen Sektortabelle", "the short sector table"))
        for s in _walk(ssat_first, sat):
            ssat.extend(struct.unpack(f"<{per}i", sector(s)))
    root_size = 0
    for pos in range(0, len(directory) - 127, 128):
        entry = directory[pos : pos + 128]
        kind = entry[66]
        if kind not in (2, 5):  # streams and the root (which holds the small streams)
            continue
        first, length = struct.unpack_from("<iI", entry, 116)
        if length > size:
            raise _damaged(
                path,
                f"ein Datenstrom soll {length} Bytes groß sein, die Datei hat {size}",
                f"a stream claims {length} bytes, the file has {size}",
            )
        if kind == 5:
            root_size = length
        if length == 0 or first < 0:
            continue
        if kind == 5 or length >= mini_cutoff:
            secs = chain(first, sat, n_secs, ("eines Datenstroms", "a stream"))
            if kind == 5:
                root_size = min(root_size, secs * sec)
        else:
            n_mini = -(-root_size // mini) if root_size else len(ssat)
            chain(first, ssat, n_mini, ("eines kleinen Datenstroms", "a short stream"))


def _walk(first: int, table: list[int]):
    sid, seen = first, set()
    while 0 <= sid < len(table) and sid not in seen:
        seen.add(sid)
        yield sid
        sid = table[sid]
