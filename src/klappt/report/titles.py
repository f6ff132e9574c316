"""Slide titles of a derived deck as statements, not questions put to the respondent.

A form asks "Werden die Angebote auch nach dem Programm fortgeführt?"; a results slide for a
ministry says what it shows. Without a ``report_title`` column klappt turns a German question
into a heading by word order alone (no dictionary, nothing guessed about meaning):

- "Gibt es X?" names what is asked about: "X" (a leading "in „…“" goes to the end);
- any other question becomes its indirect form, the finite verb moved to the end:
  "In welchen Bereichen liegen diese Angebote?" -> "In welchen Bereichen diese Angebote liegen",
  "Laufen diese Angebote weiter?" -> "Ob diese Angebote weiterlaufen";
- the respondent's "Sie"/"Ihre Kommune" become "die Befragten"/"die Kommune" ("Sie" takes the
  verb's plural form, so the sentence stays grammatical).

English questions keep their words ("Is there X?" -> "X"). :func:`distinct` makes the titles of
a deck distinct where two slides would still read alike.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["distinct", "in_sentence", "question_statement", "respondent"]

#: a question word and what may follow it before the finite verb
_W_PRONOUNS = frozenset(
    [
        "was",
        "wer",
        "wen",
        "wem",
        "wessen",
        "wo",
        "wann",
        "warum",
        "wieso",
        "weshalb",
        "weswegen",
        "wodurch",
        "womit",
        "wofür",
        "worin",
        "worauf",
        "woran",
        "wozu",
        "wohin",
        "woher",
        "inwiefern",
        "inwieweit",
    ]
)
_W_DETERMINERS = re.compile(r"^welche[nmrs]?$|^wieviele?$", re.IGNORECASE)
#: "Wie" followed by a degree word: "Wie viele THM", "Wie zufrieden", "Wie oft"
_HOW = "wie"
_DEGREE = frozenset(
    [
        "viele",
        "viel",
        "hoch",
        "oft",
        "lange",
        "gut",
        "groß",
        "zufrieden",
        "wichtig",
        "stark",
        "häufig",
        "schnell",
        "sicher",
        "weit",
        "hilfreich",
        "sinnvoll",
        "schwierig",
        "einfach",
    ]
)
_PREPOSITIONS = frozenset(
    [
        "in",
        "im",
        "an",
        "am",
        "auf",
        "aus",
        "bei",
        "mit",
        "nach",
        "seit",
        "von",
        "vom",
        "zu",
        "zum",
        "zur",
        "für",
        "über",
        "unter",
        "vor",
        "durch",
        "gegen",
        "ohne",
        "um",
        "bis",
        "ab",
        "außerhalb",
        "innerhalb",
    ]
)
#: words that link one noun to the next in a noun phrase ("Art der Überleitung")
_LINKS = frozenset(
    [
        "der",
        "die",
        "das",
        "des",
        "dem",
        "den",
        "von",
        "vom",
        "zur",
        "zum",
        "für",
        "im",
        "und",
        "oder",
        "bzw.",
        "sowie",
        "mit",
    ]
)
#: separable verb particles: "Laufen … weiter?" -> "… weiterlaufen"
_PARTICLES = frozenset(
    [
        "ab",
        "an",
        "auf",
        "aus",
        "bei",
        "ein",
        "fest",
        "fort",
        "her",
        "hin",
        "los",
        "mit",
        "nach",
        "teil",
        "vor",
        "weg",
        "weiter",
        "zu",
        "zurück",
        "zusammen",
    ]
)
_RESPONDENT = (
    (re.compile(r"\bIhrer\b"), "der"),
    (re.compile(r"\bIhrem\b"), "dem"),
    (re.compile(r"\bIhren\b"), "den"),
    (re.compile(r"\bIhres\b"), "des"),
    (re.compile(r"\bIhre\b"), "die"),
    (re.compile(r"\bIhr\b"), "das"),
    (re.compile(r"(?<!^)\bSie\b"), "die Befragten"),
)
_THERE_IS_DE = re.compile(r"^(?:gibt|gab) es\s+(.+)$", re.IGNORECASE)
_THERE_IS_EN = re.compile(r"^(?:is|are|was|were) there\s+(?:any\s+)?(.+)$", re.IGNORECASE)
_QUOTED = r"(?:„[^“]*“|\"[^\"]*\"|»[^«]*«)"
_LEADING_PLACE = re.compile(
    rf"^((?:in|im|bei|an)\s+(?:{_QUOTED}|(?:der|dem|den|einer|einem)\s+\S+))\s+(.+)$"
)
_ARTICLES = frozenset(["ein", "eine", "einen", "der", "die", "das", "den"])


def _is_noun(word: str) -> bool:
    w = word.lstrip('„"»(')
    return bool(w) and (w[0].isupper() or w[0].isdigit())


def _capital(s: str) -> str:
    return s[:1].upper() + s[1:] if s else s


def respondent(s: str) -> str:
    """The respondent's "Ihre Kommune" as "die Kommune", "Sie" as "die Befragten"."""
    for pattern, repl in _RESPONDENT:
        s = pattern.sub(repl, s)
    return s


def _verb_index(words: list[str]) -> int | None:
    """Where the finite verb of a German W-question stands (after its question phrase)."""
    first = words[0].casefold()
    i = 0
    if first in _PREPOSITIONS and len(words) > 1:
        i = 1  # "In welchen Bereichen ..."
    head = words[i].casefold()
    if head in _W_PRONOUNS:
        return i + 1
    if head == _HOW:
        # "Wie ist …" / "Wie viele THM sind …" / "Wie zufrieden sind …"
        if i + 1 < len(words) and words[i + 1].casefold() in _DEGREE:
            j = i + 2
            while j < len(words) and _is_noun(words[j]):
                j += 1
            return j
        return i + 1
    if _W_DETERMINERS.match(head):
        # the noun phrase after "welche": lowercase adjectives, a noun, linked nouns
        j = i + 1
        while j < len(words) and not _is_noun(words[j]):
            j += 1
        j += 1
        while j + 1 < len(words) and words[j].casefold() in _LINKS:
            k = j + 1
            while k < len(words) and not _is_noun(words[k]):
                k += 1
            if k >= len(words):
                break
            j = k + 1
        return j
    return None


def _to_end(words: list[str], verb: int) -> list[str]:
    """Move the finite verb ``words[verb]`` to the end, joined to a separable particle."""
    finite = words[verb]
    rest = words[:verb] + words[verb + 1 :]
    if len(rest) > verb and rest[-1].casefold() in _PARTICLES:
        return [*rest[:-1], rest[-1].casefold() + finite]
    return [*rest, finite]


def question_statement(label: str, lang: str = "de") -> str | None:
    """The heading a question stands for, or ``None`` when ``label`` is not a question.

    Example
    -------
    >>> question_statement("Laufen diese Bildungsangebote ab 2023 weiter?")
    'Ob diese Bildungsangebote ab 2023 weiterlaufen'
    >>> question_statement("In welchen Bereichen liegen diese Angebote?")
    'In welchen Bereichen diese Angebote liegen'
    >>> question_statement("Gibt es in „GK“ Maßnahmen zur Integration?")
    'Maßnahmen zur Integration in „GK“'
    >>> question_statement("Wie viele THM sind in Ihrer Kommune tätig?")
    'Wie viele THM in der Kommune tätig sind'
    """
    text = " ".join(label.split())
    if not text.endswith("?"):
        return None
    body = text[:-1].rstrip()
    if lang == "en":
        m = _THERE_IS_EN.match(body)
        return _capital(m.group(1)) if m else None
    m = _THERE_IS_DE.match(body)
    if m:
        what = respondent(m.group(1))
        place = _LEADING_PLACE.match(what)
        if place and (_is_noun(place.group(2)) or place.group(2).split()[0] in _ARTICLES):
            what = f"{place.group(2)} {place.group(1)}"
        # "es gibt einen Beirat" names "ein Beirat" (the heading is a nominative)
        what = re.sub(r"^(k?ein)en\s", r"\1 ", what)
        return _capital(what)
    words = body.split(" ")
    if len(words) < 2:
        return None
    verb = _verb_index(words)
    if verb is None:
        # a yes/no question starts with its finite verb: "Werden die Angebote … fortgeführt?"
        if words[0].casefold() in _PREPOSITIONS:
            return None
        return respondent(" ".join(_to_end(["Ob", words[0].casefold(), *words[1:]], 1)))
    if verb >= len(words):
        return respondent(body)
    return respondent(" ".join(_to_end(words, verb)))


def distinct(titles: Sequence[str], alternatives: Sequence[str | None]) -> list[str]:
    """``titles`` made distinct: a title shared by several slides takes the slide's
    ``alternative`` (its question as a statement) after a colon, else a running number."""
    seen: dict[str, int] = {}
    for t in titles:
        seen[t.casefold()] = seen.get(t.casefold(), 0) + 1
    out: list[str] = []
    used: set[str] = set()
    for t, alt in zip(titles, alternatives, strict=True):
        new = t
        if seen[t.casefold()] > 1 and alt and alt.casefold() != t.casefold():
            new = f"{t}: {alt}"
        n = 2
        base = new
        while new.casefold() in used:
            new = f"{base} ({n})"
            n += 1
        used.add(new.casefold())
        out.append(new)
    return out


def in_sentence(statement: str) -> str:
    """``statement`` continued inside a sentence ("X und ob ..."): a leading "Ob", question
    word or article in lower case; any other first word (a noun, say) keeps its capital."""
    first, _, rest = statement.partition(" ")
    low = first.casefold()
    if (
        low in ("ob", "whether", _HOW)
        or low in _ARTICLES  # "Ein Beirat in der Kommune"
        or low in _W_PRONOUNS
        or _W_DETERMINERS.match(first)
    ):
        return f"{low} {rest}".rstrip()
    return statement
