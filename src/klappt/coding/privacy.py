"""Personal data in open answers: find what looks like a name, an e-mail address or a phone number.

Open answers sometimes name people ("Frau Müller vom Jugendamt"), or give an address or a
number to call. Before a report we list such places (:func:`find_personal_data`) so that a
person can decide, and outputs can show the text redacted (:func:`redact`). Stored data are
never changed.

This is a heuristic and errs towards flagging:

* **email**: ``name@domain.tld``;
* **phone**: a number starting with ``+``, ``00`` or ``0`` with 7–15 digits, spaces, slashes,
  dashes and brackets allowed (dates such as ``01.02.2023`` are not numbers to call), or any
  number of 5+ digits after "Tel.", "Telefon", "Handy", "Mobil", "Fax";
* **name**: a form of address or title followed by a capitalised word ("Frau Müller", "Herrn
  Dr. Schmidt", "Bürgermeisterin Wagner"), or a common German first name followed by a
  capitalised word ("Anna Schmidt"), or any word of a contact person's name from the site
  register (:func:`contact_names`: "Kowalczyk" when the register names "Jana Kowalczyk").
  Other names are not found.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from klappt.coding.segments import TEXT_TYPES
from klappt.responses.dataset import ResponseSet

_UPPER = "A-ZÄÖÜ"
_NAME_WORD = rf"[{_UPPER}][a-zäöüßéèáàçñ]+(?:-[{_UPPER}][a-zäöüßéèáàçñ]+)?"
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b")
_PHONE = re.compile(r"(?<![\w+/.])(?:\+|00|0)[\d\s/()\-–.]{5,}\d(?![\d])")
_PHONE_AFTER_WORD = re.compile(
    r"\b(?:Tel(?:efon)?|Fon|Handy|Mobil(?:funk)?|Fax|Rufnummer)\b\.?\s*(?:Nr\.?)?\s*:?\s*(\+?\d[\d\s/()\-–.]{3,}\d)",
    re.IGNORECASE,
)
_DATE = re.compile(r"^\d{1,2}\.\s?\d{1,2}\.\s?\d{2,4}$")
_TITLE = re.compile(
    r"\b(?:Frau|Herrn?|Hr\.|Fr\.|Mr\.?|Mrs\.?|Ms\.?|(?:Ober)?[Bb]ürgermeister(?:in)?|Ansprechpartner(?:in)?"
    r"|Kolleg(?:e|in)|Dr\.|Prof\.)"
    rf"\s+(?:(?:Dr\.|Prof\.|von|van|de)\s+)*({_NAME_WORD})"
)
#: Common German first names (and some frequent in Germany); a full name needs one of these.
FIRST_NAMES = frozenset(
    [
        "Alexander",
        "Andreas",
        "Anna",
        "Anne",
        "Andrea",
        "Angelika",
        "Barbara",
        "Bernd",
        "Birgit",
        "Christian",
        "Christina",
        "Christine",
        "Claudia",
        "Daniel",
        "Daniela",
        "David",
        "Dieter",
        "Elisabeth",
        "Emma",
        "Eva",
        "Fatma",
        "Felix",
        "Frank",
        "Gabriele",
        "Hans",
        "Heike",
        "Helga",
        "Ingrid",
        "Jan",
        "Jana",
        "Jens",
        "Jörg",
        "Johanna",
        "Jonas",
        "Julia",
        "Jürgen",
        "Karin",
        "Katharina",
        "Klaus",
        "Laura",
        "Lea",
        "Lena",
        "Leon",
        "Lisa",
        "Lukas",
        "Manfred",
        "Maria",
        "Marie",
        "Mario",
        "Markus",
        "Martin",
        "Martina",
        "Matthias",
        "Max",
        "Maximilian",
        "Mehmet",
        "Melanie",
        "Michael",
        "Monika",
        "Nicole",
        "Niklas",
        "Paul",
        "Peter",
        "Petra",
        "Ralf",
        "Renate",
        "Sabine",
        "Sandra",
        "Sarah",
        "Sebastian",
        "Stefan",
        "Stefanie",
        "Stephan",
        "Susanne",
        "Sven",
        "Thomas",
        "Tobias",
        "Torsten",
        "Ursula",
        "Uwe",
        "Werner",
        "Wolfgang",
        "Yusuf",
    ]
)
_FULL_NAME = re.compile(rf"\b({'|'.join(sorted(FIRST_NAMES))})\s+({_NAME_WORD})")
#: Register columns that hold a contact person (their values are names unless they are e-mail
#: addresses, which the e-mail rule finds anyway).
CONTACT_COLUMNS = (
    "ansprechpartner",
    "ansprechpartnerin",
    "ansprechperson",
    "kontakt",
    "kontaktperson",
    "kontakt_name",
    "contact",
    "contact_name",
    "contact_person",
)
#: Words of a contact's name that are not names themselves.
_NOT_NAMES = frozenset({"Frau", "Herr", "Herrn", "Dr", "Prof", "von", "van", "de", "der", "und"})
_REPLACEMENTS = {
    "de": {"email": "[E-Mail]", "phone": "[Telefon]", "name": "[Name]"},
    "en": {"email": "[e-mail]", "phone": "[phone]", "name": "[name]"},
}


@dataclass(frozen=True)
class Finding:
    """Something in an answer that looks like personal data."""

    question: str
    return_id: str
    kind: str  # "email" | "phone" | "name"
    text: str  # the matched text

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "return_id": self.return_id,
            "kind": self.kind,
            "text": self.text,
        }


def contact_names(rows: Iterable[Mapping[str, Any]]) -> tuple[str, ...]:
    """The contact persons' names in register rows (columns :data:`CONTACT_COLUMNS`).

    Example
    -------
    >>> contact_names([{"name": "Aachen", "Ansprechpartner": "Jana Kowalczyk"},
    ...                {"contact": "info@stadt.de"}])
    ('Jana Kowalczyk',)
    """
    out: dict[str, None] = {}
    for row in rows:
        for key, value in row.items():
            if str(key).strip().lower() not in CONTACT_COLUMNS or value is None:
                continue
            name = " ".join(str(value).split())
            if name and "@" not in name:
                out[name] = None
    return tuple(out)


def _name_words(names: Iterable[str]) -> re.Pattern[str] | None:
    words = {
        w
        for name in names
        for w in re.findall(r"[\w'’-]+", name)
        if len(w) >= 3 and w[0].isupper() and w not in _NOT_NAMES
    }
    if not words:
        return None
    return re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, sorted(words))) + r")(?![\w-])")


def has_personal_data(text: str, names: Iterable[str] = ()) -> bool:
    """Whether ``text`` holds an e-mail address, a phone number or a name (``names``: the register's).

    Example
    -------
    >>> has_personal_data("Sprachcafé"), has_personal_data("Kontakt: info@stadt.de")
    (False, True)
    >>> has_personal_data("mit Kowalczyk abgestimmt", ["Jana Kowalczyk"])
    True
    """
    return bool(_spans(text, tuple(names)))


def _spans(text: str, names: tuple[str, ...] = ()) -> list[tuple[int, int, str]]:
    """``(start, end, kind)`` of personal data in ``text``, not overlapping, in order."""
    found: list[tuple[int, int, str]] = [
        (m.start(), m.end(), "email") for m in _EMAIL.finditer(text)
    ]
    known = _name_words(names) if names else None
    if known is not None:
        found.extend((m.start(), m.end(), "name") for m in known.finditer(text))
    for m in _PHONE.finditer(text):
        number = m.group(0).rstrip(" -–/.(")
        digits = sum(ch.isdigit() for ch in number)
        if 7 <= digits <= 15 and not _DATE.match(number.strip()):
            found.append((m.start(), m.start() + len(number), "phone"))
    for m in _PHONE_AFTER_WORD.finditer(text):
        if sum(ch.isdigit() for ch in m.group(1)) >= 5 and not _DATE.match(m.group(1).strip()):
            found.append((m.start(1), m.end(1), "phone"))
    for m in _TITLE.finditer(text):
        found.append((m.start(1), m.end(1), "name"))
    for m in _FULL_NAME.finditer(text):
        found.append((m.start(1), m.end(2), "name"))
    found.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    out: list[tuple[int, int, str]] = []
    for span in found:
        if out and span[0] < out[-1][1]:
            continue  # the earlier, longer span wins (an e-mail address holds digits, too)
        out.append(span)
    return out


def redact(text: str, lang: str = "de", names: Iterable[str] = ()) -> str:
    """``text`` with names, e-mail addresses and phone numbers replaced; forms of address stay.

    Example
    -------
    >>> redact("Frau Müller, Tel. 0221 123456, mueller@stadt.de")
    'Frau [Name], Tel. [Telefon], [E-Mail]'
    """
    words = _REPLACEMENTS.get(lang, _REPLACEMENTS["de"])
    parts = []
    pos = 0
    for start, end, kind in _spans(text, tuple(names)):
        parts.append(text[pos:start])
        parts.append(words[kind])
        pos = end
    parts.append(text[pos:])
    return "".join(parts)


def find_personal_data(
    rs: ResponseSet, questions: list[str] | None = None, names: Iterable[str] = ()
) -> list[Finding]:
    """Every place in the free-text answers that looks like a name, e-mail address or phone number.

    Parameters
    ----------
    rs:
        Typed returns.
    questions:
        Text questions to look at; default: every text question of the form.
    names:
        Contact persons of the register (:func:`contact_names`), found wherever they occur.

    Returns
    -------
    list[Finding]
        In form order, then file order, then position in the answer.

    Example
    -------
    >>> [(f.kind, f.text) for f in find_personal_data(rs)]      # doctest: +SKIP
    [('name', 'Müller'), ('email', 'info@stadt.de')]
    """
    wanted = [
        q
        for q in rs.instrument.questions
        if q.type in TEXT_TYPES
        and (questions is None or q.name in questions)
        and q.name in rs.frame.columns
    ]
    ids = rs.meta.get_column("return_id").cast(pl.String).to_list()
    rows = rs.meta.get_column("row").to_list() if "row" in rs.meta.columns else [None] * rs.height
    known = tuple(names)
    out = []
    for q in wanted:
        for rid, row, text in zip(ids, rows, rs.frame.get_column(q.name).to_list(), strict=True):
            if not text:
                continue
            for start, end, kind in _spans(text, known):
                out.append(
                    Finding(
                        q.name, rid if rid is not None else f"#row-{row}", kind, text[start:end]
                    )
                )
    return out
