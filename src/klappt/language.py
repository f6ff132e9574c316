"""The language of what klappt says: German by default, English on request.

``KLAPPT_LANG`` (``de`` or ``en``) chooses it for a process; the CLI's ``--lang`` chooses it for
one invocation and the web app's language for one request (:func:`use_language`), so a part of a message made deep in the core speaks the
language of the message it ends up in. :class:`Text` is a text in both languages, German first;
:func:`say` picks one of two wordings, German first. There is no other argument order.
"""

from __future__ import annotations

import os
from contextvars import ContextVar
from dataclasses import dataclass

#: the CLI's --lang for the invocation running, the page's language for a web request; a
#: context variable, so the threads of a web server each keep their own
_chosen: ContextVar[str] = ContextVar("klappt_language", default="")


def current_language() -> str:
    """The language for messages: ``--lang`` of the running command, else ``KLAPPT_LANG``
    (``de`` or ``en``), German by default."""
    lang = (_chosen.get() or os.environ.get("KLAPPT_LANG", "de")).lower()[:2]
    return lang if lang in ("de", "en") else "de"


def use_language(lang: str) -> None:
    """Speak ``lang`` until told otherwise (``""``: back to ``KLAPPT_LANG``)."""
    _chosen.set(lang)


def say(de: str, en: str, lang: str | None = None) -> str:
    """``en`` when ``lang`` (else :func:`current_language`) is English, otherwise ``de``.

    >>> say("Datei", "file", "en"), say("Datei", "file", "de")
    ('file', 'Datei')
    """
    return en if (lang or current_language()) == "en" else de


@dataclass(frozen=True)
class Text:
    """A text, or a parameter of a message, with a German and an English wording."""

    de: str
    en: str

    def __str__(self) -> str:
        return say(self.de, self.en)

    def format(self, **params: object) -> Text:
        """Both wordings with their ``{fields}`` filled; a bilingual field fills each in its own."""
        return Text(
            self.de.format(**in_language(params, "de")), self.en.format(**in_language(params, "en"))
        )


def in_language(params: dict[str, object], lang: str) -> dict[str, object]:
    """``params`` with every :class:`Text` replaced by its wording in ``lang``."""
    return {k: say(v.de, v.en, lang) if isinstance(v, Text) else v for k, v in params.items()}


def counted(n: int, one: Text, many: Text) -> Text:
    """``n`` with the noun in its number, in both languages (German and English agree: one is
    singular, every other count plural).

    >>> counted(2, Text("Frage", "question"), Text("Fragen", "questions"))
    Text(de='2 Fragen', en='2 questions')
    """
    noun = one if n == 1 else many
    return Text(f"{n} {noun.de}", f"{n} {noun.en}")


def rendered(part: object, lang: str | None = None) -> str:
    """``part`` as a string in ``lang``: a :class:`Text` in its wording, anything else as is."""
    if isinstance(part, Text):
        return say(part.de, part.en, lang)
    return str(part)
