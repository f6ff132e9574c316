"""What a new version of a form changes in the choices of the questions both versions ask
(issue 16, the form check page): choices added, removed, renamed (a new code with an old
choice's label: the answers under the old code no longer fit) and relabelled (the same code,
new wording: the answers still count). Questions added or removed are listed by
:func:`klappt.web.formchange.plan` itself."""

from __future__ import annotations

from dataclasses import dataclass, field

from klappt.instrument import Instrument


@dataclass(frozen=True)
class ChoiceChange:
    question: str  # the question's name
    label: str  # its label in the new form, in the page's language
    added: list[tuple[str, str]] = field(default_factory=list)  # (code, label)
    removed: list[tuple[str, str]] = field(default_factory=list)  # (code, label)
    renamed: list[tuple[str, str, str]] = field(default_factory=list)  # (old code, new, label)
    relabelled: list[tuple[str, str, str]] = field(default_factory=list)  # (code, old, new)


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def choice_changes(old: Instrument, new: Instrument, lang: str | None) -> list[ChoiceChange]:
    """Per question asked in both forms whose choices differ, in the new form's order."""
    out: list[ChoiceChange] = []
    for q in new.questions:
        before = old.question(q.name)
        if before is None or not (q.choices or before.choices):
            continue
        was = {c.name: c.label(lang, old.default_language) for c in before.choices}
        now = {c.name: c.label(lang, new.default_language) for c in q.choices}
        gone = [c for c in was if c not in now]
        fresh = [c for c in now if c not in was]
        renamed = []
        for code in list(gone):
            same = [f for f in fresh if _norm(now[f]) == _norm(was[code]) and _norm(was[code])]
            if len(same) == 1:
                renamed.append((code, same[0], now[same[0]]))
                gone.remove(code)
                fresh.remove(same[0])
        relabelled = [(c, was[c], now[c]) for c in now if c in was and was[c] != now[c]]
        if gone or fresh or renamed or relabelled:
            out.append(
                ChoiceChange(
                    q.name,
                    q.label(lang, new.default_language) or q.name,
                    added=[(c, now[c]) for c in fresh],
                    removed=[(c, was[c]) for c in gone],
                    renamed=renamed,
                    relabelled=relabelled,
                )
            )
    return out


#: the words of :func:`choice_text`, German and English (the CLI and the page share them)
_WORDS = {
    "added": ("neue Antworten", "new choices"),
    "removed": ("entfernt", "removed"),
    "renamed": ("Code geändert", "code changed"),
    "relabelled": ("neuer Text", "new wording"),
}


def choice_text(change: ChoiceChange, lang: str | None) -> str:
    """One line: "neue Antworten: x („X“); entfernt: y („Y“); Code geändert: a → b („A“); neuer
    Text: c „alt“ → „neu“" (English: quotes “…”)."""
    en = bool(lang and lang.startswith("en"))
    q0, q1 = ("“", "”") if en else ("„", "“")

    def word(key: str) -> str:
        return _WORDS[key][1 if en else 0]

    parts = []
    if change.added:
        parts.append(
            word("added") + ": " + ", ".join(f"{c} ({q0}{t}{q1})" for c, t in change.added)
        )
    if change.removed:
        parts.append(
            word("removed") + ": " + ", ".join(f"{c} ({q0}{t}{q1})" for c, t in change.removed)
        )
    if change.renamed:
        parts.append(
            word("renamed")
            + ": "
            + ", ".join(f"{a} → {b} ({q0}{t}{q1})" for a, b, t in change.renamed)
        )
    if change.relabelled:
        parts.append(
            word("relabelled")
            + ": "
            + ", ".join(f"{c} {q0}{a}{q1} → {q0}{b}{q1}" for c, a, b in change.relabelled)
        )
    return "; ".join(parts)


def grouped(changes: list[ChoiceChange], lang: str | None) -> list[tuple[list[ChoiceChange], str]]:
    """The changes as lines: questions sharing a choice list change alike, so they share one
    line ("Jobcenter, Agentur für Arbeit, …: neue Antworten: …"), in the form's order."""
    lines: dict[str, list[ChoiceChange]] = {}
    for c in changes:
        lines.setdefault(choice_text(c, lang), []).append(c)
    return [(questions, text) for text, questions in lines.items()]
