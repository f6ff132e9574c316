"""Agreement between coders: Cohen's kappa per code, Krippendorff's alpha, and what to resolve.

Answers may carry several codes, so we measure agreement code by code, as presence or
absence: for code ``c``, each coder who saw an answer says 1 (gave ``c``) or 0 (did not).

* **n** of a code: the answers seen by at least two coders (the same for every code).
* **kappa** (Cohen 1960): for a code, when exactly two coders saw every one of those answers
  and it is the same two coders throughout; else None.
* **alpha** of a code (Krippendorff, nominal): over the same answers, presence/absence of the
  code, any number of coders, missing coders allowed.
* **overall alpha**: Krippendorff's nominal alpha over all (answer, code) units pooled, every
  answer seen by two or more coders crossed with every code given at least once in the file
  (or every code of the code book, when one is passed). Each unit holds the 0/1 values of the
  coders who saw the answer. Agreement that a code does *not* apply counts as agreement.

Rows marked ``final`` (resolutions) are not independent judgments and are left out; an answer
whose coders disagree and that has no final rows is listed as a :class:`Disagreement`.
Measures are None when they are undefined (no variation, or no answer seen twice).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from klappt.coding.codings import CodingSet, Key, codes_by_coder, final_codes


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float | None:
    """Cohen's kappa of two coders' nominal values for the same units (None when chance agreement is 1).

    Example
    -------
    >>> cohen_kappa(["ja", "ja", "nein", "nein"], ["ja", "nein", "nein", "nein"])
    0.5
    """
    if len(a) != len(b):
        raise ValueError("both coders need a value for every unit")
    n = len(a)
    if n == 0:
        return None
    observed = sum(1 for x, y in zip(a, b, strict=True) if x == y) / n
    ca, cb = Counter(a), Counter(b)
    expected = sum(ca[v] * cb[v] for v in ca) / (n * n)
    if expected >= 1:
        return None
    return (observed - expected) / (1 - expected)


def krippendorff_alpha(units: Iterable[Sequence[Hashable | None]]) -> float | None:
    """Krippendorff's alpha for nominal data; each unit lists the coders' values, None = missing.

    Computed from the coincidence matrix as in Krippendorff (2011), "Computing Krippendorff's
    Alpha-Reliability": units with fewer than two values are not pairable and are left out.

    Example
    -------
    >>> round(krippendorff_alpha([["a", "a"], ["b", "b"], ["a", "b"], ["b", None]]), 3)
    0.444
    """
    totals: Counter[Hashable] = Counter()
    disagreement = 0.0
    for unit in units:
        values = Counter(v for v in unit if v is not None)
        m = sum(values.values())
        if m < 2:
            continue
        totals.update(values)
        # pairs of unequal values within the unit, each weighted 1/(m-1)
        disagreement += sum(k * (m - k) for k in values.values()) / (m - 1)
    n = sum(totals.values())
    expected = n * n - sum(k * k for k in totals.values())
    if n < 2 or expected == 0:
        return None
    return 1 - (n - 1) * disagreement / expected


@dataclass(frozen=True)
class CodeAgreement:
    """Agreement on one code: kappa (two fixed coders only), alpha and the raw share agreeing."""

    code: str
    n: int  # answers seen by at least two coders
    kappa: float | None
    alpha: float | None
    agreement: float | None  # share of agreeing coder pairs (presence/absence), unadjusted

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "n": self.n,
            "kappa": _r(self.kappa),
            "alpha": _r(self.alpha),
            "agreement": _r(self.agreement),
        }


@dataclass(frozen=True)
class Disagreement:
    """An answer whose coders gave different codes, not yet resolved."""

    question: str
    answer: str
    text: str
    codes: dict[str, tuple[str, ...]]  # coder -> codes given (empty: none)

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.answer,
            "text": self.text,
            "codes": {k: list(v) for k, v in self.codes.items()},
        }


@dataclass(frozen=True)
class Agreement:
    """The result of :func:`agreement`; ``to_dict()`` is the JSON of ``klappt code agreement``."""

    coders: tuple[str, ...]
    answers: int  # answers coded by anyone
    n: int  # answers seen by two or more coders
    alpha: float | None  # pooled over (answer, code) units
    codes: tuple[CodeAgreement, ...]
    disagreements: tuple[Disagreement, ...]
    resolved: int = 0  # answers with final (resolved) codes

    def to_dict(self) -> dict[str, Any]:
        return {
            "coders": list(self.coders),
            "answers": self.answers,
            "n": self.n,
            "alpha": _r(self.alpha),
            "codes": [c.to_dict() for c in self.codes],
            "resolved": self.resolved,
            "disagreements": [d.to_dict() for d in self.disagreements],
        }


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def agreement(codings: CodingSet, codes: Sequence[str] | None = None) -> Agreement:
    """Kappa and alpha per code, pooled alpha, and the disagreements left to resolve.

    Parameters
    ----------
    codings:
        Codings of one or more coders (bare ``answer,coder,code`` rows are enough).
    codes:
        The codes to report, e.g. a code book's names; default: every code given in ``codings``.

    Returns
    -------
    Agreement
        ``.to_dict()`` is the JSON of ``klappt code agreement --json``.

    Example
    -------
    >>> from klappt.coding.codings import Coding
    >>> cs = CodingSet((Coding("a1", "anna", "sport"), Coding("a1", "ben", "sport"),
    ...                 Coding("a2", "anna", "kultur"), Coding("a2", "ben", "sport")))
    >>> agreement(cs).n
    2
    """
    per_unit = codes_by_coder(codings.codings)
    used = sorted({c.code for c in codings.codings if c.code is not None and not c.final})
    universe = list(codes) if codes is not None else used
    shared: dict[Key, dict[str, frozenset[str]]] = {
        k: v for k, v in per_unit.items() if len(v) >= 2
    }
    keys = sorted(shared)
    pairs = {tuple(sorted(shared[k])) for k in keys}
    two_fixed = len(pairs) == 1 and len(next(iter(pairs))) == 2

    per_code: list[CodeAgreement] = []
    pooled: list[list[int]] = []
    for code in universe:
        units = [[int(code in shared[k][coder]) for coder in sorted(shared[k])] for k in keys]
        pooled.extend(units)
        kappa = None
        if two_fixed and units:
            kappa = cohen_kappa([u[0] for u in units], [u[1] for u in units])
        per_code.append(
            CodeAgreement(code, len(keys), kappa, krippendorff_alpha(units), _pair_agreement(units))
        )

    fc = final_codes(codings.codings)
    texts: dict[Key, str] = {}
    for c in codings.codings:
        if c.text and c.key not in texts:
            texts[c.key] = c.text
    disagreements = tuple(
        Disagreement(
            k[0],
            k[1],
            texts.get(k, ""),
            {coder: tuple(sorted(v)) for coder, v in sorted(shared[k].items())},
        )
        for k in keys
        if k in fc.unresolved
    )
    return Agreement(
        coders=codings.coders,
        answers=len(per_unit | {k: {} for k in fc.resolved}),
        n=len(keys),
        alpha=krippendorff_alpha(pooled),
        codes=tuple(per_code),
        disagreements=disagreements,
        resolved=len(fc.resolved),
    )


def _pair_agreement(units: list[list[int]]) -> float | None:
    agree = total = 0
    for u in units:
        for i in range(len(u)):
            for j in range(i + 1, len(u)):
                total += 1
                agree += u[i] == u[j]
    return agree / total if total else None
