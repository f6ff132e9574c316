"""Mutations for the fuzz harness (``bench/fuzz.py``): damage a real file the ways files get damaged.

Every mutation takes the bytes of a seed file and a seeded :class:`random.Random` and returns
new bytes, so a run is reproducible from its seed. Zip containers (XLSX, LimeSurvey ``.lsa``)
are opened and one member is damaged and zipped again, because a byte flip in the compressed
stream mostly tests zlib, while a damaged ``sheet1.xml`` tests our readers.
"""

from __future__ import annotations

import io
import random
import re
import zipfile
from collections.abc import Callable

#: values that break number parsing and typing: NaN, infinities, overflow, negative zero
EXTREMES = (
    "NaN",
    "nan",
    "-NaN",
    "inf",
    "-inf",
    "Infinity",
    "1e30",
    "-1e30",
    "1e309",
    "-1e-400",
    "-0",
    "-0.0",
    "99999999999999999999999999999999",
    "-9223372036854775809",
    "18446744073709551616",
    "1e999999",
    "0x7fffffff",
    "1,5e+40",
    "٣",
    "\u00a0",
    "",
)
#: short texts that mean something to one of the parsers
TOKENS = (
    b"\x00",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b'"',
    b";",
    b",",
    b"\t",
    b"\r",
    b"\n",
    b"<",
    b">",
    b"&#0;",
    b"&amp",
    b"]]>",
    b"<![CDATA[",
    b"<!DOCTYPE x>",
    b"</",
    b"{",
    b"[",
    b"- ",
    b": ",
    b"!!python/object:os.system ",
    b"*a",
    b"&a ",
    b"${",
    b"|",
    b"\\",
    b"%",
    b"\xc3",
    b"\x80",
)
_ENCODINGS = ("utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp1252", "latin-1", "utf-8-sig")
_NUMBER = re.compile(rb"-?\d+(?:[.,]\d+)?(?:[eE][-+]?\d+)?")
_XML_DECL = re.compile(rb"<\?xml[^>]*\?>")
_TEXT_NODE = re.compile(rb">([^<>]{1,60})<")


def _span(rng: random.Random, n: int) -> tuple[int, int]:
    start = rng.randrange(n)
    return start, min(n, start + rng.choice((1, 2, 4, 8, 16, 64, 256, 1024)))


def flip_bits(data: bytes, rng: random.Random) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.choice((1, 1, 2, 4, 8))):
        i = rng.randrange(len(buf))
        buf[i] ^= 1 << rng.randrange(8)
    return bytes(buf)


def set_bytes(data: bytes, rng: random.Random) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.choice((1, 2, 4))):
        buf[rng.randrange(len(buf))] = rng.choice((0, 0xFF, 0x7F, 0x80, 0x20, rng.randrange(256)))
    return bytes(buf)


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(1, len(data))] if len(data) > 1 else data


def insert_junk(data: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(data) + 1)
    if rng.random() < 0.5:
        junk = rng.choice(TOKENS) * rng.choice((1, 1, 3, 50))
    else:
        junk = bytes(rng.randrange(256) for _ in range(rng.choice((1, 4, 16, 128))))
    return data[:at] + junk + data[at:]


def delete_chunk(data: bytes, rng: random.Random) -> bytes:
    start, end = _span(rng, len(data))
    return data[:start] + data[end:]


def duplicate_chunk(data: bytes, rng: random.Random) -> bytes:
    start, end = _span(rng, len(data))
    at = rng.randrange(len(data) + 1)
    return data[:at] + data[start:end] * rng.choice((1, 2, 10)) + data[at:]


def overwrite_chunk(data: bytes, rng: random.Random) -> bytes:
    start, end = _span(rng, len(data))
    at = rng.randrange(len(data))
    chunk = data[start:end]
    return data[:at] + chunk + data[at + len(chunk) :]


def numeric_extreme(data: bytes, rng: random.Random) -> bytes:
    """A number (or, failing that, a short text) replaced by NaN, inf, 1e30, -0, a huge int."""
    found = list(_NUMBER.finditer(data)) or list(_TEXT_NODE.finditer(data))
    if not found:
        return insert_junk(data, rng)
    value = rng.choice(EXTREMES).encode("utf-8")
    chosen = rng.sample(found, min(len(found), rng.choice((1, 1, 3, 20))))
    spans = sorted(((m.span(1) if m.re is _TEXT_NODE else m.span()) for m in chosen), reverse=True)
    out = data
    for start, end in spans:  # from the back, so earlier positions stay valid
        out = out[:start] + value + out[end:]
    return out


def reencode(data: bytes, rng: random.Random) -> bytes:
    text = data.decode("utf-8", errors="replace")
    return text.encode(rng.choice(_ENCODINGS), errors="replace")


def odd_xml_declaration(data: bytes, rng: random.Random) -> bytes:
    encoding = rng.choice((b"klingon", b"utf-7", b"ebcdic", b"x-unknown", b"utf-32", b"ascii", b""))
    decl = b'<?xml version="1.0" encoding="' + encoding + b'"?>'
    if _XML_DECL.search(data):
        return _XML_DECL.sub(decl, data, count=1)
    return decl + data


def deep_nesting(data: bytes, rng: random.Random) -> bytes:
    """Deep structure: XML elements, YAML/JSON brackets, nested parentheses in an expression."""
    depth = rng.choice((2000, 20000, 100000))
    kind = rng.randrange(4)
    if kind == 0:
        piece = b"<a>" * depth + b"</a>" * depth
    elif kind == 1:
        piece = b"[" * depth + b"]" * depth
    elif kind == 2:
        piece = b"(" * depth + b"1" + b")" * depth
    else:
        piece = b"{a: " * depth + b"1" + b"}" * depth
    found = list(_TEXT_NODE.finditer(data))
    if found and rng.random() < 0.6:
        m = rng.choice(found)
        return data[: m.start(1)] + piece + data[m.end(1) :]
    at = rng.randrange(len(data) + 1)
    return data[:at] + piece + data[at:]


def lines_shuffle(data: bytes, rng: random.Random) -> bytes:
    lines = data.split(b"\n")
    if len(lines) < 2:
        return duplicate_chunk(data, rng)
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    choice = rng.randrange(3)
    if choice == 0:
        lines.insert(j, lines[i])
    elif choice == 1:
        del lines[i]
    else:
        lines[i], lines[j] = lines[j], lines[i]
    return b"\n".join(lines)


Mutator = Callable[[bytes, random.Random], bytes]
BYTE_MUTATORS: tuple[Mutator, ...] = (
    flip_bits,
    set_bytes,
    truncate,
    insert_junk,
    delete_chunk,
    duplicate_chunk,
    overwrite_chunk,
)
TEXT_MUTATORS: tuple[Mutator, ...] = (
    numeric_extreme,
    numeric_extreme,
    reencode,
    odd_xml_declaration,
    deep_nesting,
    lines_shuffle,
    lines_shuffle,
)


def _looks_textual(data: bytes) -> bool:
    head = data[:2048]
    return bool(head) and head.count(b"\x00") == 0


def mutate_plain(data: bytes, rng: random.Random) -> tuple[bytes, list[str]]:
    """One to three mutations; text-aware ones for text, byte-level ones for everything."""
    names: list[str] = []
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        if not data:
            data = rng.choice(TOKENS)
        pool = BYTE_MUTATORS + (TEXT_MUTATORS if _looks_textual(data) else ())
        mutator = rng.choice(pool)
        data = mutator(data, rng)
        names.append(mutator.__name__)
    return data, names


def mutate(data: bytes, rng: random.Random) -> tuple[bytes, list[str]]:
    """Mutate ``data``; inside a zip, mostly one member (zipped again, so the archive is sound)."""
    if data.startswith(b"PK\x03\x04") and rng.random() < 0.75:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                members = [(i, z.read(i.filename)) for i in z.infolist()]
        except (zipfile.BadZipFile, OSError, EOFError, ValueError):
            members = []
        if members:
            # the XML parts are where the readers live; binary members (images) rarely matter
            xml = [
                k
                for k, (i, _) in enumerate(members)
                if i.filename.endswith((".xml", ".lss", ".lsr", ".lst", ".rels"))
            ]
            k = rng.choice(xml or range(len(members)))
            info, member = members[k]
            changed, names = mutate_plain(member, rng)
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
                for j, (i, content) in enumerate(members):
                    out.writestr(i.filename, changed if j == k else content)
            return buf.getvalue(), [f"{info.filename}:{n}" for n in names]
    return mutate_plain(data, rng)
