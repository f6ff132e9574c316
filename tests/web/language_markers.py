"""Words that give a text away as German or as English, and the visible text of a page.

Shared by the language tests of the web app (tests/web/test_one_language.py) and of the
message catalogue (tests/test_message_catalogue_language.py). The words are short, frequent
function words and the words of the leaks issue 17 found ("– please choose –", "(required)",
"ein Ordner, keine Datei"); none of them is a word of the other language, so a hit is a text
of the wrong language, not user data, once the user's own data (site names, answers, the
form's labels) is taken out.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

GERMAN = frozenset(
    [
        "und",
        "nicht",
        "Datei",
        "Dateien",
        "Bitte",
        "bitte",
        "keine",
        "kein",
        "keinen",
        "oder",
        "mit",
        "für",
        "ist",
        "sind",
        "wird",
        "werden",
        "der",
        "die",
        "das",
        "dem",
        "den",
        "des",
        "ein",
        "eine",
        "einer",
        "Sie",
        "Ihre",
        "Ihr",
        "noch",
        "schon",
        "zurück",
        "speichern",
        "Speichern",
        "Zeile",
        "Spalte",
        "Blatt",
        "Welle",
        "Wellen",
        "Antwort",
        "Antworten",
        "Frage",
        "Fragen",
        "gespeichert",
        "fehlt",
        "Ordner",
        "Rückläufe",
        "Standort",
        "Standorte",
        "wählen",
        "auswählen",
        "Pflichtfeld",
        "erforderlich",
    ]
)
ENGLISH = frozenset(
    [
        "please",
        "Please",
        "the",
        "The",
        "file",
        "File",
        "files",
        "required",
        "choose",
        "Choose",
        "and",
        "not",
        "with",
        "your",
        "Your",
        "of",
        "to",
        "is",
        "are",
        "be",
        "been",
        "this",
        "This",
        "save",
        "Save",
        "saved",
        "back",
        "Back",
        "wave",
        "Wave",
        "waves",
        "answer",
        "answers",
        "question",
        "questions",
        "missing",
        "folder",
        "row",
        "column",
        "sheet",
        "returns",
        "site",
        "sites",
        "from",
    ]
)
_WORD = re.compile(r"\w+(?:['’]\w+)?")  # site_id is one word, a name of the program


#: what a message names rather than says: options (--waves), commands (`klappt wave open 7`),
#: column and sheet names after their word ("die Spalte question")
_CODE = re.compile(
    r"--[\w-]+|`[^`]*`|\bklappt(?: [a-z][\w-]*)+|\b(?:Spalte|column|Blatt|sheet) '?\w+'?"
)


def foreign_words(text: str, lang: str) -> list[str]:
    """The words of ``text`` that belong to the other language than ``lang`` ("de"/"en")."""
    markers = ENGLISH if lang == "de" else GERMAN
    return [w for w in _WORD.findall(_CODE.sub(" ", text)) if w in markers]


def in_context(text: str, word: str, width: int = 40) -> str:
    """``word`` with the text around its first occurrence, for a readable failure."""
    found = re.search(rf"\b{re.escape(word)}\b", text)
    start = found.start() if found else 0
    return f"{word!r} in …{text[max(0, start - width) : start + len(word) + width]}…"


#: attributes whose value a user reads or hears
_SHOWN_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt", "aria-description")


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "template"):
            self._hidden += 1
        values = dict(attrs)
        for name, value in values.items():
            # the texts a script shows or announces come in data-* attributes (data-saved, …)
            # (a value without a space is an id or a URL there, not a text)
            texts = name.startswith("data-") and " " in (value or "")
            if value and (name in _SHOWN_ATTRIBUTES or texts):
                self.parts.append(str(value))
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.parts.append(str(values["value"]))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """What a reader sees or a screen reader says: the text, and the attributes read aloud."""
    parser = _Visible()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def without(text: str, data: list[str]) -> str:
    """``text`` with every occurrence of the user's own data taken out (whole words only,
    longest first)."""
    items = {" ".join(d.split()) for d in data if d and len(d.strip()) > 1}
    if items:
        pattern = "|".join(_whole(i) for i in sorted(items, key=len, reverse=True))
        text = re.sub(pattern, " ", text)
    text = re.sub(r"\{\w+\}", " ", text)  # placeholders of a mail template: {wave}, {site}
    return re.sub(r"[„“][^„“”]{1,200}[“”]", " ", text)  # a name in quotes („Gemeinsam klappt's“)


def _whole(item: str) -> str:
    # a word at either end must not continue ("e", a site's id, is not the e of "Datei")
    start = r"(?<!\w)" if re.match(r"\w", item) else ""
    end = r"(?!\w)" if re.search(r"\w$", item) else ""
    return start + re.escape(item) + end
