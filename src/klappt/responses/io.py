"""Read a table of returns from the files people have: CSV (any Excel flavour), XLSX, XLS, Parquet.

Everything comes in as text: typing is the job of :mod:`klappt.responses.dataset`, which
knows the form. We detect the encoding and the separator ourselves, because a German
Excel "CSV (Trennzeichen-getrennt)" differs from a plain export in both, and users should
not have to say which one they have.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from klappt.errors import ErrorCode, KlapptError, Text, say
from klappt.limits import Kind, check_table_shape, current
from klappt.reasons import Reason

#: headers -> those that may be read as categories (see :func:`read_table`)
Categories = Callable[[list[str]], Iterable[str]]
DATA_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls", ".parquet")
_SEPARATORS = (",", ";", "\t", "|")


@dataclass(frozen=True)
class RawTable:
    """The returns as the file holds them: one String column per header (or Categorical, where
    :func:`read_table` was asked to), empty cells as null."""

    frame: pl.DataFrame
    columns: tuple[str, ...]
    file_rows: tuple[int, ...] | None = None  # spreadsheet row of each record; None = index + 2
    source: str = ""
    format: str = "csv"  # csv | excel-csv | xlsx | xls | parquet | records
    encoding: str | None = None
    separator: str | None = None
    decimal_comma: bool = False
    notes: tuple[str | Text, ...] = field(default=())  # what the reader did, in both languages

    @property
    def height(self) -> int:
        return self.frame.height

    def file_row(self, index: int) -> int:
        return self.file_rows[index] if self.file_rows is not None else index + 2

    @classmethod
    def from_records(
        cls,
        columns: list[str] | tuple[str, ...],
        records: list[list[str | None]] | list[tuple[str | None, ...]],
        source: str = "",
        file_rows: list[int] | None = None,
        decimal_comma: bool = False,
    ) -> RawTable:
        """Rebuild a table from stored rows (lists of strings or None, in column order)."""
        cols = [str(c) for c in columns]
        data = {f"c{i}": [r[i] for r in records] for i in range(len(cols))}
        frame = pl.DataFrame(data, schema={f"c{i}": pl.String for i in range(len(cols))})
        frame = frame.rename({f"c{i}": c for i, c in enumerate(cols)})
        return cls(
            frame=frame,
            columns=tuple(cols),
            file_rows=tuple(file_rows) if file_rows is not None else None,
            source=source,
            format="records",
            decimal_comma=decimal_comma,
        )

    def records(self) -> list[tuple[str | None, ...]]:
        return self.frame.rows()


def read_table(
    path: str | Path, categories: Categories | None = None, kind: Kind = "data"
) -> RawTable:
    """Read a data file into a :class:`RawTable`, detecting format, encoding and separator.

    Parameters
    ----------
    path:
        ``.csv`` (UTF-8, UTF-8 with BOM or Windows-1252; comma, semicolon, tab),
        ``.xlsx``/``.xlsm``, ``.xls`` or ``.parquet``; one row per return, headers in row 1.
    categories:
        Given the file's headers, those whose cells may be kept as Polars ``Categorical``
        instead of ``String`` (CSV and Parquet): columns of few distinct texts, such as the
        answers to choice questions (:func:`klappt.responses.columns.category_headers`). A cell
        then takes 4 bytes instead of 16, which halves the memory of a million returns; the
        texts are the same.
    kind:
        What the table is (``data``, ``register``, ``form``): which limits of
        :mod:`klappt.limits` apply to its size, rows and columns.

    Returns
    -------
    RawTable

    Raises
    ------
    KlapptError
        File missing, empty, of another kind, undecodable, without data rows or with a
        header that occurs twice; ``FILE_007`` beyond a limit of :mod:`klappt.limits`.

    Example
    -------
    >>> from klappt.reference import reference_path
    >>> read_table(reference_path("returns_2022.csv")).height
    40
    """
    p = Path(path)
    if not p.exists():
        raise KlapptError(ErrorCode.FILE_001, path=p)
    if p.is_dir():
        raise KlapptError(ErrorCode.FILE_003, path=p, reason=Reason.IS_FOLDER())
    suffix = p.suffix.lower()
    if suffix not in DATA_SUFFIXES:
        raise KlapptError(
            ErrorCode.FILE_004,
            path=p,
            suffix=suffix or Reason.NONE(),
            expected=", ".join(DATA_SUFFIXES),
        )
    if p.stat().st_size == 0:
        raise KlapptError(ErrorCode.FILE_002, path=p)
    from klappt.limits import check_file

    check_file(p, kind)
    if suffix in (".xlsx", ".xlsm"):
        from klappt.responses.spreadsheets import read_xlsx

        table = read_xlsx(p, kind)
    elif suffix == ".xls":
        from klappt.responses.spreadsheets import read_xls

        table = read_xls(p, kind)
    elif suffix == ".parquet":
        table = _read_parquet(p, categories, kind)
    else:
        table = _read_csv(p, categories, kind)
    return _finish(table, p, kind)


#: most category codes looked at to bound a Categorical column's texts (see :func:`_scan_cells`)
_CODES_MAX = 1 << 16


def _scan_cells(frame: pl.DataFrame) -> tuple[dict[str, int | None], set[str]]:
    """Per text column, the longest cell in bytes (or a bound above it), and the columns holding
    an empty text, in one pass over the table.

    A Categorical column is not read cell by cell: its codes are shared by every categorical
    column of the process, so the texts of all codes up to its highest hold every text it has;
    their longest bounds its cells, and an empty text among them is looked for in the column.
    At a million returns that is a third of the time of measuring each cell."""
    schema = frame.schema
    cats = [c for c, dtype in schema.items() if dtype == pl.Categorical]
    texts = [c for c, dtype in schema.items() if dtype == pl.String]
    row = frame.select(
        *(pl.col(c).to_physical().max().alias(f"t{i}") for i, c in enumerate(cats)),
        *(pl.col(c).str.len_bytes().max().alias(f"l{i}") for i, c in enumerate(texts)),
        *((pl.col(c).str.len_bytes() == 0).any().alias(f"e{i}") for i, c in enumerate(texts)),
    ).row(0)
    longest: dict[str, int | None] = dict(
        zip(texts, row[len(cats) : len(cats) + len(texts)], strict=True)
    )
    empty = {c for c, e in zip(texts, row[len(cats) + len(texts) :], strict=True) if e}
    slow = []
    for c, top in zip(cats, row[: len(cats)], strict=True):
        if top is None:  # no cell at all
            longest[c] = None
        elif top >= _CODES_MAX:
            slow.append(c)
        else:
            pool = pl.Series(range(top + 1), dtype=pl.UInt32).cat.to(schema[c]).cast(pl.String)
            longest[c] = pool.str.len_bytes().max()  # type: ignore[assignment]
            if (pool == "").any():
                slow.append(c)
    if slow:  # many categories in the process, or an empty one among them: cell by cell
        row = frame.select(
            *(pl.col(c).cat.len_bytes().max().alias(f"l{i}") for i, c in enumerate(slow)),
            *((pl.col(c) == "").any().alias(f"e{i}") for i, c in enumerate(slow)),
        ).row(0)
        for i, c in enumerate(slow):
            longest[c] = row[i]
            if row[len(slow) + i]:
                empty.add(c)
    return longest, empty


def _check_cells(table: RawTable, path: Path, longest: dict[str, int | None]) -> None:
    """Refuse a cell longer than the cell limit (bytes first: cheap, and never fewer than
    the characters)."""
    from klappt.limits import ENV

    frame = table.frame
    most = current().cell
    for c in frame.columns:
        n = longest.get(c)
        if n is None or n <= most:
            continue
        chars = frame.get_column(c).cast(pl.String).str.len_chars()
        if chars.max() > most:  # type: ignore[operator]
            at = int(chars.arg_max() or 0)
            raise KlapptError(
                ErrorCode.FILE_009,
                path=path,
                column=c,
                row=table.file_row(at),
                value=chars[at],
                max=most,
                env=ENV["cell"],
            )


def _finish(table: RawTable, path: Path, kind: Kind = "data") -> RawTable:
    check_table_shape(path, table.frame.height, table.frame.width, kind)
    frame = table.frame
    longest, emptied = _scan_cells(frame) if frame.height else ({}, set())
    _check_cells(table, path, longest)
    # an empty cell is null; surrounding spaces are dealt with per question type when typing,
    # because stripping every cell of a million-row file costs more than all the counting.
    # Only columns that hold an empty text are rewritten: a copy of every column would double
    # the memory of a large file for nothing.
    if emptied:
        frame = frame.with_columns(
            pl.when(
                pl.col(c) == ""
                if frame.schema[c] == pl.Categorical
                else pl.col(c).str.len_bytes() == 0
            )
            .then(None)
            .otherwise(pl.col(c))
            .alias(c)
            for c in frame.columns
            if c in emptied
        )
    rows = table.file_rows  # None: row = position + 2, no list of a million numbers
    # a row can only be blank when every column has an empty cell; null counts are kept by
    # Polars, so a wave with a column always filled (the return id) needs no pass for it
    blank_possible = frame.width and all(frame.null_count().row(0))
    keep_rows = ~pl.all_horizontal(pl.all().is_null())
    mask = frame.select(keep_rows.alias("k"))["k"] if blank_possible else None
    if mask is not None and not mask.all():
        frame = frame.filter(mask)
        every = rows or range(2, mask.len() + 2)
        rows = tuple(r for r, k in zip(every, mask.to_list(), strict=True) if k)
    if frame.height == 0:
        raise KlapptError(ErrorCode.RESPONSES_001, path=path)
    return RawTable(
        frame=frame,
        columns=tuple(frame.columns),
        file_rows=rows,
        source=str(path),
        format=table.format,
        encoding=table.encoding,
        separator=table.separator,
        decimal_comma=table.decimal_comma,
        notes=table.notes,
    )


def _check_headers(headers: list[str], path: Path) -> list[str]:
    names = [h.strip().lstrip("\ufeff") if isinstance(h, str) else "" for h in headers]
    # trailing unnamed columns are Excel's leftovers; an unnamed column in between keeps a name
    while names and not names[-1]:
        names.pop()
    names = [n or f"{say('Spalte', 'column')} {i + 1}" for i, n in enumerate(names)]
    seen: dict[str, list[int]] = {}
    for i, n in enumerate(names):
        seen.setdefault(n, []).append(i + 1)
    for n, positions in seen.items():
        if len(positions) > 1:
            raise KlapptError(
                ErrorCode.RESPONSES_003,
                path=path,
                column=n,
                positions=", ".join(map(str, positions)),
            )
    if not names:
        raise KlapptError(ErrorCode.RESPONSES_001, path=path)
    return names


# --- CSV ---------------------------------------------------------------------------------


def _decode(raw: bytes, path: Path) -> tuple[str, str]:
    # a byte order mark names the encoding; bytes that break it mean a damaged file
    for bom, encoding, name in (
        (b"\xef\xbb\xbf", "utf-8-sig", "UTF-8"),
        (b"\xff\xfe", "utf-16", "UTF-16"),
        (b"\xfe\xff", "utf-16", "UTF-16"),
    ):
        if raw.startswith(bom):
            try:
                return raw.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise KlapptError(
                    ErrorCode.FILE_005,
                    path=path,
                    reason=Reason.BYTES_BROKEN(
                        encoding=name, position=exc.start, detail=exc.reason
                    ),
                ) from None
    if b"\x00" in raw[:4096]:
        raise KlapptError(ErrorCode.FILE_005, path=path, reason=Reason.BYTES_NULL())
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise KlapptError(
            ErrorCode.FILE_005,
            path=path,
            reason=Reason.BYTES_NEITHER(position=exc.start),
        ) from None
    # cp1252 decodes nearly any byte; control characters mean it was no text file at all
    controls = sum(1 for ch in text[:4096] if ord(ch) < 32 and ch not in "\r\n\t")
    if controls:
        raise KlapptError(ErrorCode.FILE_005, path=path, reason=Reason.BYTES_CONTROL())
    return text, "cp1252"


def _sniff_separator(text: str) -> str:
    header = next(iter(csv.reader(io.StringIO(text[:65536], newline=""), delimiter="\x1f")), [""])
    first_line = header[0] if header else ""
    best, best_n = ",", -1
    for sep in _SEPARATORS:
        fields = next(csv.reader(io.StringIO(first_line, newline=""), delimiter=sep), [])
        if len(fields) > best_n:
            best, best_n = sep, len(fields)
    return best


def _positional_names(n: int) -> list[str]:
    """The names Polars gives the columns of a file read without a header row."""
    probe = pl.read_csv(",".join(["x"] * n).encode() + b"\n", has_header=False, infer_schema=False)
    return probe.columns


def _check_csv_shape(raw: bytes, text: str, sep: str, path: Path, kind: Kind) -> None:
    """Count rows (newlines) and columns (separators of the header line) before Polars
    allocates anything: an upper bound, as quoted cells may hold either."""
    end = text.find("\n")
    header = text if end < 0 else text[:end]
    check_table_shape(path, raw.count(b"\n"), header.count(sep) + 1, kind)


#: bytes of a file checked for UTF-8 at a time
_PIECE = 1 << 24


def _plain_utf8(raw: bytes) -> bool:
    """Whether the file is UTF-8 without a byte order mark, NUL bytes up front or lines ended by
    CR alone: the common case, read from the bytes as they are. Checked piece by piece, so that
    no text of the whole file is ever made (at a million returns that was 250 MiB, and its
    stripped copy another 250 MiB: the peak of the whole load)."""
    if raw.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")) or b"\x00" in raw[:4096]:
        return False
    if b"\r" in raw and b"\n" not in raw:
        return False
    decoder = codecs.getincrementaldecoder("utf-8")()
    view, step = memoryview(raw), _PIECE
    try:
        for start in range(0, len(raw), step):
            decoder.decode(view[start : start + step], final=start + step >= len(raw))
    except UnicodeDecodeError:
        return False
    return True


def _blank(raw: bytes) -> bool:
    """Whether UTF-8 bytes hold only white space (as ``str.strip`` sees it), looked at piece by
    piece up to the first other character (nearly always in the first piece)."""
    stripped = raw.strip()
    decoder = codecs.getincrementaldecoder("utf-8")()
    step = 1 << 16
    for start in range(0, len(stripped), step):
        piece = stripped[start : start + step]
        if decoder.decode(piece, final=start + step >= len(stripped)).strip():
            return False
    return True


def _read_csv(path: Path, categories: Categories | None = None, kind: Kind = "data") -> RawTable:
    raw = path.read_bytes()
    if _plain_utf8(raw):
        # the bytes are the text: only the head is decoded, for the separator and the header
        # (4 bytes at most per character: this holds the first 65,536 characters whole)
        if _blank(raw):
            raise KlapptError(ErrorCode.FILE_002, path=path)
        encoding = "utf-8"
        text = raw[: 1 << 18].decode("utf-8", "ignore")[:65536]
        sep = _sniff_separator(text)
        end = raw.find(b"\n")
        columns = (raw if end < 0 else raw[:end]).count(sep.encode()) + 1
        check_table_shape(path, raw.count(b"\n"), columns, kind)
        data = raw
    else:
        text, encoding = _decode(raw, path)
        if not text.strip():
            raise KlapptError(ErrorCode.FILE_002, path=path)
        old_mac = "\r" in text and "\n" not in text
        if old_mac:  # lines ended by CR alone (classic Mac OS, old REDCap exports): Polars wants LF
            text = text.replace("\r", "\n")
            raw = text.encode("utf-8")
        sep = _sniff_separator(text)
        _check_csv_shape(raw, text, sep, path, kind)
        data = text.encode("utf-8") if encoding != "utf-8" or old_mac else raw
        text = text[:65536]  # only the head is needed from here on
    del raw
    overrides: dict[str, pl.DataType] = {}
    if categories is not None:
        # the header row read ahead, to name the columns that may be read as categories
        first = next(csv.reader(io.StringIO(text[:65536], newline=""), delimiter=sep), [])
        wanted = set(categories([h.strip().lstrip("\ufeff") for h in first]))
        names = _positional_names(len(first))
        overrides = {
            names[i]: pl.Categorical()
            for i, h in enumerate(first)
            if h.strip().lstrip("\ufeff") in wanted
        }
    try:
        frame = pl.read_csv(
            data,
            separator=sep,
            has_header=False,
            infer_schema=False,
            schema_overrides=overrides or None,
            truncate_ragged_lines=True,
            raise_if_empty=False,
        )
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as exc:
        raise KlapptError(ErrorCode.FILE_003, path=path, reason=str(exc).splitlines()[0]) from None
    if frame.height == 0:
        raise KlapptError(ErrorCode.FILE_002, path=path)
    header_row = frame.row(0)
    headers = _check_headers([str(v) if v is not None else "" for v in header_row], path)
    frame = frame.slice(1).select(frame.columns[: len(headers)])
    frame = frame.rename(dict(zip(frame.columns, headers, strict=True)))
    if overrides and set(categories(headers)) != {  # type: ignore[misc]
        h for h, dtype in frame.schema.items() if dtype == pl.Categorical
    }:
        # the header read ahead differs from the one Polars read: texts everywhere, to be sure
        frame = frame.with_columns(pl.col(pl.Categorical).cast(pl.String))
    excel = sep == ";" or encoding != "utf-8"
    return RawTable(
        frame=frame,
        columns=tuple(headers),
        source=str(path),
        format="excel-csv" if excel else "csv",
        encoding=encoding,
        separator=sep,
        decimal_comma=sep == ";",
    )


def _frame_of(table: Any) -> pl.DataFrame:
    """A row group of a Parquet file as a frame (``from_arrow`` gives a Series for an array)."""
    frame = pl.from_arrow(table, rechunk=False)
    assert isinstance(frame, pl.DataFrame)
    return frame


def _read_parquet(
    path: Path, categories: Categories | None = None, kind: Kind = "data"
) -> RawTable:
    table = _read_parquet_texts(path, categories, kind)
    return table if table is not None else _read_parquet_arrow(path, categories, kind)


def _read_parquet_texts(path: Path, categories: Categories | None, kind: Kind) -> RawTable | None:
    """A file whose every column is text (what klappt and most exports write), read by Polars
    itself, the category columns cast on the way; None for any other file, which
    :func:`_read_parquet_arrow` reads (numbers, dates, booleans made text as pyarrow has them).

    Beside pyarrow's dictionaries, this holds about 170 MiB less at a million returns of the
    benchmark's form (the arrow buffers and pyarrow's pool are never there), which keeps the
    whole load under 1 GiB; and pyarrow is not imported. A file Polars cannot read goes the
    pyarrow way too, which names what is wrong with it."""
    try:
        schema = pl.read_parquet_schema(path)
        if not schema or any(dtype != pl.String for dtype in schema.values()):
            return None
        scan = pl.scan_parquet(path)
        rows = scan.select(pl.len()).collect().item()  # from the footer, no data read
    except Exception:  # pyarrow names the problem (FILE_003) below
        return None
    names = list(schema)
    check_table_shape(path, rows, len(names), kind)
    headers = _check_headers(names, path)
    wanted = set(categories(headers)) if categories is not None else set()
    try:
        cast = (pl.col(c).cast(pl.Categorical) for c in names if c in wanted)
        frame = scan.with_columns(cast).collect()
    except Exception:  # the same
        return None
    return RawTable(frame=frame, columns=tuple(headers), source=str(path), format="parquet")


def _read_parquet_arrow(
    path: Path, categories: Categories | None = None, kind: Kind = "data"
) -> RawTable:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
        check_table_shape(path, pq.read_metadata(path).num_rows, len(schema.names), kind)
        headers = _check_headers(list(schema.names), path)
        wanted = set(categories(headers)) if categories is not None else set()
        texts = (pa.string(), pa.large_string(), pa.string_view())
        # a category column that the file holds as text is read as a dictionary (the file keeps
        # each distinct text once per page), a row group at a time: its texts are never all
        # spelled out in memory, and this takes about half as long as reading them as text and
        # making categories of them
        types = dict(zip(schema.names, schema.types, strict=True))
        file = pq.ParquetFile(path, read_dictionary=[c for c in wanted if types.get(c) in texts])
        groups = [file.read_row_group(i) for i in range(file.num_row_groups)] or [file.read()]
        frame = pl.concat([_frame_of(g) for g in groups], rechunk=False)
        del groups
        frame = frame.with_columns(
            pl.col(c).cast(pl.String).cast(pl.Categorical)
            if c in wanted
            else pl.col(c).cast(pl.String)
            for c, dtype in frame.schema.items()
            if dtype != (pl.Categorical if c in wanted else pl.String)
        )
    except KlapptError:
        raise
    except Exception as exc:  # pyarrow and polars raise many kinds for a broken file
        raise KlapptError(ErrorCode.FILE_003, path=path, reason=str(exc).splitlines()[0]) from None
    return RawTable(frame=frame, columns=tuple(headers), source=str(path), format="parquet")


def sniff_summary(table: RawTable) -> str:
    """One line saying what we detected, for the CLI."""
    parts = [table.format]
    if table.encoding:
        parts.append(table.encoding)
    if table.separator:
        de, en = {
            ";": ("Semikolon", "semicolon"),
            ",": ("Komma", "comma"),
            "\t": ("Tabulator", "tab"),
            "|": ("senkrechter Strich", "vertical bar"),
        }[table.separator]
        parts.append(say(de, en))  # in the language of the command reading the file
    if table.decimal_comma:
        parts.append(say("Dezimalkomma", "decimal comma"))
    return ", ".join(parts)
