"""Which question of one wave is which of another, and how their choices correspond.

A mapping is a small YAML file, written by hand or proposed by :func:`propose` (``klappt waves
map A B --out mapping.yaml``)::

    from: "2020"
    to: "2022"
    questions:
      - from: planung          # score 92 (label)
        to: planung_vorhanden
        choices:               # every choice of the earlier wave, when the lists differ
          ja: ja
          teilweise: ja        # merged into "ja"
          weiss_nicht: null    # not comparable: counted as no answer
      - from: alte_frage
        to: null               # no counterpart: not compared

A question unchanged in name, type and choices maps to itself without a file
(:func:`identity`). Every mistake names the file's line (``TREND_001``). Mappings over more
than two waves are chained (:func:`compose`): the trend names everything as the last wave does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import yaml

from klappt.errors import ErrorCode, KlapptError, Text
from klappt.instrument.model import (
    NUMERIC_TYPES,
    SELECT_MULTIPLE,
    SELECT_ONE,
    Instrument,
    Question,
)
from klappt.yamlsafe import load_with_node

if TYPE_CHECKING:
    from klappt.report.recipe_yaml import YMap

__all__ = [
    "QuestionMap",
    "WaveMapping",
    "compatible",
    "compose",
    "identity",
    "mapping_from",
    "parse_mapping",
    "propose",
    "to_yaml",
]

#: below this score a pair is not proposed; both questions are listed as unmatched instead
MIN_SCORE = 60.0


@dataclass(frozen=True)
class QuestionMap:
    """One question of the earlier wave and what it is in the later one."""

    source: str
    target: str | None  # None: not comparable
    #: every choice of the source question → the target's choice (None: not comparable);
    #: empty for questions without choices
    choices: dict[str, str | None] = field(default_factory=dict)
    score: float | None = None
    how: str = "name"  # name | label | choices | file (read from a mapping file)
    line: int | None = None


@dataclass(frozen=True)
class WaveMapping:
    """Questions of wave ``source`` as questions of wave ``target``."""

    source: str
    target: str
    questions: dict[str, QuestionMap]
    unmatched_source: tuple[str, ...] = ()
    unmatched_target: tuple[str, ...] = ()
    path: str = ""

    def get(self, question: str) -> QuestionMap | None:
        q = self.questions.get(question)
        return q if q is not None and q.target is not None else None


def compatible(a: Question, b: Question) -> bool:
    """Whether answers to ``a`` can be counted as answers to ``b``: same kind of answer."""
    if a.type in NUMERIC_TYPES and b.type in NUMERIC_TYPES:
        return True
    return a.type == b.type


def _choice_names(q: Question) -> list[str]:
    return list(dict.fromkeys(c.name for c in q.choices))


def _unchanged(a: Question, b: Question) -> bool:
    return a.name == b.name and a.type == b.type and _choice_names(a) == _choice_names(b)


def _mapped(q: Question) -> bool:
    return q.is_tabulated and not q.in_repeat


def identity(source: Instrument, target: Instrument, a: str, b: str) -> WaveMapping:
    """The questions unchanged in name, type and choices: each maps to itself."""
    found: dict[str, QuestionMap] = {}
    for q in source.questions:
        t = target.question(q.name)
        if _mapped(q) and t is not None and _unchanged(q, t):
            found[q.name] = QuestionMap(
                q.name, q.name, {c: c for c in _choice_names(q)}, 100.0, "name"
            )
    return WaveMapping(a, b, found)


# -- proposing ----------------------------------------------------------------------------------


def _label(q: Question, inst: Instrument) -> str:
    return q.label(None, inst.default_language) or q.name


def _choice_similarity(a: Question, b: Question) -> float:
    """0–100: how many choices the two lists share, by name or by label."""
    if not a.choices or not b.choices:
        return 0.0
    from rapidfuzz import fuzz

    la = [(c.name, c.label()) for c in a.choices]
    lb = [(c.name, c.label()) for c in b.choices]
    hits = sum(
        1
        for n, label in la
        if any(n == m or fuzz.ratio(label.casefold(), lab.casefold()) >= 85 for m, lab in lb)
    )
    return 100.0 * hits / max(len(la), len(lb))


def _choice_proposal(a: Question, b: Question) -> dict[str, str | None]:
    """Each choice of ``a``: the same name in ``b``, else the most similar label (≥ 80), else None."""
    from rapidfuzz import fuzz

    names = set(_choice_names(b))
    out: dict[str, str | None] = {}
    for c in a.choices:
        if c.name in out:
            continue
        if c.name in names:
            out[c.name] = c.name
            continue
        best, score = None, 80.0
        for d in b.choices:
            s = fuzz.token_sort_ratio(c.label().casefold(), d.label().casefold())
            if s >= score:
                best, score = d.name, s
        out[c.name] = best
    return out


def propose(source: Instrument, target: Instrument, a: str, b: str) -> WaveMapping:
    """Pairs of questions by name, then by label and choice list similarity, each with a score.

    Every pair is scored (0–100); pairs are taken best first, each question at most once; a
    pair below :data:`MIN_SCORE` is not proposed, both its questions are listed as unmatched.
    """
    from rapidfuzz import fuzz

    src = [q for q in source.questions if _mapped(q)]
    tgt = [q for q in target.questions if _mapped(q)]
    candidates: list[tuple[float, int, str, Question, Question]] = []
    for i, q in enumerate(src):
        for t in tgt:
            if not compatible(q, t):
                continue
            if q.name == t.name:
                candidates.append((100.0, 0, "name", q, t))
                continue
            label = fuzz.token_sort_ratio(
                _label(q, source).casefold(), _label(t, target).casefold()
            )
            if q.is_select:
                both = 0.7 * label + 0.3 * _choice_similarity(q, t)
                how = "label" if label >= both else "choices"
                candidates.append((round(both, 1), i, how, q, t))
            else:
                candidates.append((round(float(label), 1), i, "label", q, t))
    candidates.sort(key=lambda c: (-c[0], c[1]))
    taken_s: set[str] = set()
    taken_t: set[str] = set()
    pairs: dict[str, QuestionMap] = {}
    for score, _, how, q, t in candidates:
        if score < MIN_SCORE or q.name in taken_s or t.name in taken_t:
            continue
        taken_s.add(q.name)
        taken_t.add(t.name)
        choices = _choice_proposal(q, t) if q.is_select else {}
        pairs[q.name] = QuestionMap(q.name, t.name, choices, score, how)
    ordered = {q.name: pairs[q.name] for q in src if q.name in pairs}
    return WaveMapping(
        a,
        b,
        ordered,
        unmatched_source=tuple(q.name for q in src if q.name not in taken_s),
        unmatched_target=tuple(t.name for t in tgt if t.name not in taken_t),
    )


def _y(value: str | None) -> str:
    """A YAML scalar: null, or a double-quoted string (JSON's quoting is valid YAML)."""
    return "null" if value is None else json.dumps(value, ensure_ascii=False)


def to_yaml(m: WaveMapping, source: Instrument, target: Instrument) -> str:
    """The mapping as a YAML file for people to check: scores and labels as comments."""
    lines = [
        f"# Zuordnung der Fragen / question mapping: {m.source} → {m.target}",
        "# Vorschlag von `klappt waves map`: jedes Paar prüfen (score 0–100), dann",
        "# `klappt waves map --apply DATEI`. to: null = nicht vergleichbar / not comparable.",
        "# choices: Antwort der früheren Welle → Antwort der späteren (null = nicht vergleichbar).",
        f"from: {_y(m.source)}",
        f"to: {_y(m.target)}",
        "questions:",
    ]
    if not m.questions:
        lines[-1] = "questions: []"
    for qm in m.questions.values():
        sq, tq = source.question(qm.source), target.question(qm.target or "")
        lines.append(f"  - from: {_y(qm.source)}")
        lines.append(f"    to: {_y(qm.target)}")
        if qm.score is not None:
            lines.append(f"    score: {qm.score:g}  # {qm.how}")
        if sq is not None:
            lines.append(f"    # {m.source}: {' '.join(_label(sq, source).split())[:120]}")
        if tq is not None:
            lines.append(f"    # {m.target}: {' '.join(_label(tq, target).split())[:120]}")
        if (
            sq is not None
            and tq is not None
            and sq.is_select
            and _choice_names(sq) != _choice_names(tq)
        ):
            lines.append("    choices:")
            for c, d in qm.choices.items():
                note = "  # prüfen / check" if d is None or d != c else ""
                lines.append(f"      {_y(c)}: {_y(d)}{note}")
    lines.append("# ohne Gegenstück / unmatched (nur zur Information / for information only):")
    lines.append(f"unmatched_from: [{', '.join(_y(n) for n in m.unmatched_source)}]")
    lines.append(f"unmatched_to: [{', '.join(_y(n) for n in m.unmatched_target)}]")
    return "\n".join(lines) + "\n"


# -- reading a mapping file ------------------------------------------------------------------


def _fail(path: str, line: int | None, de: str, en: str) -> KlapptError:
    return KlapptError(ErrorCode.TREND_001, path=path, line=line or 1, message=Text(de, en))


def read_header(text: str, path: str) -> tuple[YMap, str, str]:
    """The parsed file and its two wave names (``from``, ``to``); a syntax error names its line."""
    # the recipe's line-keeping loader; imported here, the report package is large
    from klappt.report.recipe_yaml import DuplicateKey, LineLoader, YMap, YSeq

    try:
        data, _ = load_with_node(text, path, LineLoader)
    except DuplicateKey as dup:
        raise _fail(
            path, dup.line, f"'{dup.key}' steht zweimal da.", f"'{dup.key}' is given twice."
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc)
        raise _fail(
            path, line, f"kein gültiges YAML ({problem}).", f"not valid YAML ({problem})."
        ) from None
    if not isinstance(data, YMap):
        raise _fail(
            path,
            1,
            "erwartet: from, to und questions (eine Zuordnung).",
            "expected: from, to and questions (a mapping).",
        )
    names = []
    for key in ("from", "to"):
        value = data.get(key)
        if value is None or isinstance(value, (YMap, YSeq)) or str(value).strip() == "":
            raise _fail(
                path,
                data.key_lines.get(key, data.line),
                f"'{key}:' nennt keine Welle (z. B. {key}: \"2020\").",
                f"'{key}:' names no wave (e.g. {key}: \"2020\").",
            )
        names.append(str(value).strip())
    return data, names[0], names[1]


def wave_line(data: YMap, key: str) -> int | None:
    return data.key_lines.get(key)


def parse_mapping(text: str, path: str, source: Instrument, target: Instrument) -> WaveMapping:
    """Read and check a mapping file against the two waves' forms (``TREND_001`` naming the line).

    Questions and choices the file does not name: unchanged questions map to themselves
    (:func:`identity`), an unlisted choice to the choice of the same name.
    """
    data, a, b = read_header(text, path)
    return mapping_from(data, a, b, path, source, target)


def mapping_from(
    data: YMap, a: str, b: str, path: str, source: Instrument, target: Instrument
) -> WaveMapping:
    """The checks of :func:`parse_mapping` on an already parsed file (YAML, or a workbook read
    by :mod:`klappt.analysis.mapping_xlsx` whose ``line`` is the sheet's row)."""
    from klappt.report.recipe_yaml import YSeq

    items = data.get("questions")
    if items is None:
        items = YSeq()
    if not isinstance(items, YSeq):
        raise _fail(
            path,
            data.key_lines.get("questions"),
            "'questions:' muss eine Liste sein (- from: … / to: …).",
            "'questions:' must be a list (- from: … / to: …).",
        )
    found: dict[str, QuestionMap] = {}
    targets: dict[str, str] = {}
    for item, line in zip(items, items.item_lines, strict=True):
        qm = _entry(item, line, path, a, b, source, target)
        if qm.source in found:
            raise _fail(
                path,
                line,
                f"Die Frage '{qm.source}' der Welle {a} ist zweimal zugeordnet.",
                f"Question '{qm.source}' of wave {a} is mapped twice.",
            )
        if qm.target is not None:
            if qm.target in targets:
                raise _fail(
                    path,
                    line,
                    f"'{qm.target}' der Welle {b} ist schon '{targets[qm.target]}' zugeordnet; "
                    "zwei Fragen auf eine werden nicht zusammengelegt.",
                    f"'{qm.target}' of wave {b} is already mapped from '{targets[qm.target]}'; "
                    "two questions are not merged into one.",
                )
            targets[qm.target] = qm.source
        found[qm.source] = qm
    # what the file does not name: unchanged questions keep their name
    for name, qm in identity(source, target, a, b).questions.items():
        if name not in found and name not in targets:
            found[name] = qm
    return WaveMapping(a, b, found, path=path)


def _entry(
    item: Any,
    line: int,
    path: str,
    a: str,
    b: str,
    source: Instrument,
    target: Instrument,
) -> QuestionMap:
    from klappt.report.recipe_yaml import YMap, line_of

    if not isinstance(item, YMap) or "from" not in item:
        raise _fail(
            path,
            line,
            "ein Eintrag braucht 'from:' (Frage der früheren Welle) und 'to:'.",
            "an entry needs 'from:' (question of the earlier wave) and 'to:'.",
        )
    line = item.line or line
    name = str(item["from"])
    q = source.question(name)
    if q is None or not _mapped(q):
        raise _fail(
            path,
            line_of(item["from"], line),
            f"Die Welle {a} hat keine Frage '{name}'.",
            f"Wave {a} has no question '{name}'.",
        )
    to = item.get("to")
    if to is None or item.get("comparable") is False:
        return QuestionMap(name, None, {}, None, "file", line)
    t = target.question(str(to))
    if t is None or not _mapped(t):
        raise _fail(
            path,
            line_of(to, line),
            f"Die Welle {b} hat keine Frage '{to}'.",
            f"Wave {b} has no question '{to}'.",
        )
    if not compatible(q, t):
        raise _fail(
            path,
            line_of(to, line),
            f"'{name}' ({q.type}) lässt sich nicht auf '{t.name}' ({t.type}) abbilden: "
            "verschiedene Arten von Antworten.",
            f"'{name}' ({q.type}) cannot be mapped onto '{t.name}' ({t.type}): "
            "different kinds of answers.",
        )
    choices: dict[str, str | None] = {}
    given = item.get("choices")
    if given is not None and not isinstance(given, YMap):
        raise _fail(
            path,
            line_of(given, line),
            "'choices:' muss eine Zuordnung sein (alte_antwort: neue_antwort).",
            "'choices:' must be a mapping (old_choice: new_choice).",
        )
    if q.type in (SELECT_ONE, SELECT_MULTIPLE):
        own, theirs = _choice_names(q), set(_choice_names(t))
        for key, value in (given or {}).items():
            at = given.key_lines.get(key, line) if isinstance(given, YMap) else line
            if str(key) not in own:
                raise _fail(
                    path,
                    at,
                    f"'{name}' hat in Welle {a} keine Antwort '{key}' (vorhanden: "
                    f"{', '.join(own)}).",
                    f"'{name}' has no choice '{key}' in wave {a} (there are: {', '.join(own)}).",
                )
            if value is not None and str(value) not in theirs:
                raise _fail(
                    path,
                    at,
                    f"'{t.name}' hat in Welle {b} keine Antwort '{value}' (vorhanden: "
                    f"{', '.join(_choice_names(t))}).",
                    f"'{t.name}' has no choice '{value}' in wave {b} (there are: "
                    f"{', '.join(_choice_names(t))}).",
                )
            choices[str(key)] = None if value is None else str(value)
        for c in own:
            if c in choices:
                continue
            if c not in theirs:
                raise _fail(
                    path,
                    line,
                    f"Die Antwort '{c}' von '{name}' hat in Welle {b} keine Entsprechung: unter "
                    f"choices: '{c}: ANTWORT' oder '{c}: null' (nicht vergleichbar) eintragen.",
                    f"Choice '{c}' of '{name}' has no counterpart in wave {b}: add "
                    f"'{c}: CHOICE' or '{c}: null' (not comparable) under choices:.",
                )
            choices[c] = c
    score = item.get("score")
    return QuestionMap(
        name,
        t.name,
        choices,
        float(score) if isinstance(score, (int, float)) else None,
        "file",
        line,
    )


def compose(first: WaveMapping, second: WaveMapping) -> WaveMapping:
    """``first`` (A → B) followed by ``second`` (B → C): questions and choices of A as C's."""
    out: dict[str, QuestionMap] = {}
    for name, qm in first.questions.items():
        if qm.target is None:
            out[name] = qm
            continue
        nxt = second.questions.get(qm.target)
        if nxt is None or nxt.target is None:
            continue
        choices = {c: (None if d is None else nxt.choices.get(d)) for c, d in qm.choices.items()}
        out[name] = QuestionMap(name, nxt.target, choices, None, "chain", qm.line)
    return WaveMapping(first.source, second.target, out, path=first.path or second.path)
