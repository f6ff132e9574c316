"""Open answers cut into the units that get coded: segments.

An answer such as "Sprachcafé; Sportverein" or a bulleted list names several things, and each
gets its own codes. We split on line breaks, semicolons and bullets (never on commas, which
live inside phrases: "Spiel, Sport und Spaß"), drop list markers, and number the parts from 1.
Segment 0 stands for the whole answer, for coding without splitting.

A unit of coding is named by its *answer id*, ``"<return_id>#<segment>"``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import polars as pl

from klappt.errors import ErrorCode, KlapptError
from klappt.instrument.model import Question
from klappt.responses.dataset import ResponseSet

#: Columns that name the site (municipality) of a return, tried in this order.
SITE_COLUMNS = (
    "site_id",
    "site",
    "kommune",
    "gemeinde",
    "standort",
    "ags",
    "kreis",
    "landkreis",
    "stadt",
)
#: Question types whose answers are free text.
TEXT_TYPES = ("text",)

_SPLIT = re.compile(r"\s*(?:\r\n|\r|\n|;|[•·▪●■◦‣∙►✓✔])\s*")
# a bullet, but not the sign of a number such as +49 or -5
_LEAD = re.compile(r"^(?:[-–—*+>]+(?!\d)\s*|\d{1,2}[.)]\s+|[a-z]\)\s+)")
_HAS_WORD = re.compile(r"\w")
_QUOTES = "\"'„“”‚‘’»«›‹`´"
_SPACE = re.compile(r"\s+")


def answer_id(return_id: str, segment: int = 0) -> str:
    """The id of one coded unit: ``answer_id("R17", 2) == "R17#2"``."""
    return f"{return_id}#{segment}"


def parse_answer_id(answer: str) -> tuple[str, int]:
    """``"R17#2"`` -> ``("R17", 2)``; an id without a segment number is the whole answer (0)."""
    head, sep, tail = answer.rpartition("#")
    if sep and head and tail.isdigit():
        return head, int(tail)
    return answer, 0


def split_segments(text: str | None) -> list[str]:
    """The parts of one answer, trimmed, in the order written; ``[]`` for an empty answer.

    Example
    -------
    >>> split_segments("- Sprachcafé\\n- Sport, Spiel und Spaß; Beratung")
    ['Sprachcafé', 'Sport, Spiel und Spaß', 'Beratung']
    """
    if not text or not text.strip():
        return []
    parts = []
    for raw in _SPLIT.split(text):
        part = _LEAD.sub("", raw.strip()).strip().strip(",;").strip()
        if _HAS_WORD.search(part):
            parts.append(_SPACE.sub(" ", part))
    return parts


def normalize_text(text: str) -> str:
    """Fold a segment for comparing: case, Unicode form, quotes, spaces, end punctuation.

    Example
    -------
    >>> normalize_text('  „Sport-Verein“. ')
    'sport-verein'
    """
    s = unicodedata.normalize("NFKC", text).casefold()
    s = s.translate({ord(q): " " for q in _QUOTES})
    s = _SPACE.sub(" ", s).strip()
    return s.strip(" .,;:!?").strip()


@dataclass(frozen=True)
class Segment:
    """One unit to code: a part of one return's answer to one text question."""

    return_id: str
    question: str
    index: int  # 1.. for parts; 0 = the whole answer
    text: str
    row: int | None = None  # row of the return in the data file
    site: str | None = None

    @property
    def answer(self) -> str:
        return answer_id(self.return_id, self.index)


def text_question(rs: ResponseSet, question: str) -> Question:
    """The text question ``question`` of the form, or a KlapptError saying why not."""
    q = rs.instrument.question(question)
    if q is None:
        raise KlapptError(ErrorCode.INSTRUMENT_003, name=question, form=rs.instrument.source)
    if q.type not in TEXT_TYPES:
        raise KlapptError(ErrorCode.CODING_011, name=question, type=q.type)
    return q


def site_column(rs: ResponseSet) -> tuple[str, str] | None:
    """``("frame"|"meta", column)`` naming the site of each return, if the data have one."""
    for where, frame in (("frame", rs.frame), ("meta", rs.meta)):
        short = {c: re.split(r"[/:\-.]", c)[-1].strip().lower() for c in frame.columns}
        for wanted in SITE_COLUMNS:
            for c, s in short.items():
                if s == wanted:
                    return where, c
    return None


def answers(rs: ResponseSet, question: str) -> list[tuple[str, str, int | None, str | None]]:
    """``(return_id, text, row, site)`` of every non-empty answer to a text question, in file order."""
    text_question(rs, question)
    site = site_column(rs)
    sites: list[str | None]
    if site is None:
        sites = [None] * rs.height
    else:
        frame = rs.frame if site[0] == "frame" else rs.meta
        sites = frame.get_column(site[1]).cast(pl.String).to_list()
    ids = rs.meta.get_column("return_id").cast(pl.String).to_list()
    rows = rs.meta.get_column("row").to_list() if "row" in rs.meta.columns else [None] * rs.height
    texts = rs.frame.get_column(question).to_list()
    return [
        (rid if rid is not None else f"#row-{row}", text, row, s)
        for rid, text, row, s in zip(ids, texts, rows, sites, strict=True)
        if text is not None and text.strip()
    ]


def segments(rs: ResponseSet, question: str, split: bool = True) -> list[Segment]:
    """Every unit to code for ``question``: one per part of each non-empty answer.

    Parameters
    ----------
    rs:
        Typed returns.
    question:
        Name of a ``text`` question.
    split:
        Cut answers into parts (numbered from 1); False keeps each answer whole (segment 0).

    Returns
    -------
    list[Segment]
        In file order, then part order.

    Example
    -------
    >>> segs = segments(rs, "angebote")          # doctest: +SKIP
    >>> segs[0].answer, segs[0].text               # doctest: +SKIP
    ('R1#1', 'Sprachcafé')
    """
    out: list[Segment] = []
    for rid, text, row, site in answers(rs, question):
        if not split:
            out.append(Segment(rid, question, 0, _SPACE.sub(" ", text.strip()), row, site))
            continue
        for i, part in enumerate(split_segments(text), start=1):
            out.append(Segment(rid, question, i, part, row, site))
    return out


# -- language hint ----------------------------------------------------------------------------

_STOPWORDS = {
    "de": frozenset(
        [
            "der",
            "die",
            "das",
            "und",
            "oder",
            "nicht",
            "mit",
            "für",
            "von",
            "zu",
            "im",
            "in",
            "ist",
            "sind",
            "ein",
            "eine",
            "einen",
            "auf",
            "auch",
            "es",
            "wir",
            "sie",
            "ich",
            "den",
            "dem",
            "des",
            "bei",
            "nach",
            "aus",
            "wie",
            "als",
            "noch",
            "mehr",
            "sehr",
            "gibt",
            "werden",
            "wird",
            "durch",
            "über",
            "gut",
            "kein",
            "keine",
            "viele",
            "wenig",
            "kinder",
            "jugendliche",
        ]
    ),
    "en": frozenset(
        [
            "the",
            "and",
            "or",
            "not",
            "with",
            "for",
            "of",
            "to",
            "in",
            "is",
            "are",
            "a",
            "an",
            "on",
            "also",
            "it",
            "we",
            "they",
            "i",
            "by",
            "at",
            "from",
            "as",
            "more",
            "very",
            "there",
            "be",
            "will",
            "through",
            "about",
            "good",
            "no",
            "many",
            "few",
            "children",
            "young",
            "people",
        ]
    ),
    "fr": frozenset(
        [
            "le",
            "la",
            "les",
            "et",
            "ou",
            "pas",
            "avec",
            "pour",
            "de",
            "du",
            "des",
            "un",
            "une",
            "est",
            "sont",
            "nous",
            "ils",
            "je",
        ]
    ),
    "tr": frozenset(
        [
            "ve",
            "bir",
            "bu",
            "için",
            "ile",
            "çok",
            "daha",
            "ama",
            "gibi",
            "var",
            "yok",
            "ben",
            "biz",
            "onlar",
        ]
    ),
    "ru": frozenset(),
    "ar": frozenset(),
}
_WORD = re.compile(r"[^\W\d_]+")


def guess_language(text: str) -> str | None:
    """A rough guess whether an answer is German: ``"de"``, ``"en"``, ``"other"`` or None (unsure).

    Good enough to warn a coder that suggestions may be poor for an answer; not a detector.

    Example
    -------
    >>> guess_language("more activities for the young people"), guess_language("mehr Angebote für die Jugend")
    ('en', 'de')
    """
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return None
    latin = sum(1 for ch in letters if "LATIN" in unicodedata.name(ch, ""))
    if latin < len(letters) / 2:
        return "other"
    words = [w.casefold() for w in _WORD.findall(text)]
    if len(words) < 3:
        return None
    hits = {lang: sum(1 for w in words if w in stop) for lang, stop in _STOPWORDS.items()}
    if any(ch in "äöüß" for ch in text.casefold()):
        hits["de"] += 1
    best = max(hits, key=lambda k: hits[k])
    if hits[best] == 0 or list(hits.values()).count(hits[best]) > 1:
        return None
    return best if best in ("de", "en") else "other"
