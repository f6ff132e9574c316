"""Code suggestions for answers not coded yet: a text classifier plus keyword rules.

Two sources, each with a confidence between 0 and 1:

* **model**: a multi-label classifier (one logistic regression per code, scikit-learn) on
  TF-IDF features of stemmed German words (Snowball, with word pairs) and of character 3- to
  5-grams within words, which catch compounds and misspellings ("Sportverein", "Sprachkurs",
  "Sprachkurz"). It learns from the units coded so far and from the code book's example
  answers. Up to 1,500 training texts the regression is fitted exactly (liblinear), which keeps
  confidences modest while little is coded; above that by stochastic gradient descent on the
  same loss, which is linear in the number of texts (``bench/coding_bench.py``). A text that
  shares no feature with anything learnt gets no model suggestion.
* **rule**: an example answer of the code book whose content words all occur in the answer
  (stemmed, so "Sportvereine" matches "Sportverein"; a word of five letters or more also
  matches the start or end of a compound: "Sport" in "Jugendsport"). Confidence 0.8 for
  whole words, 0.6 for compound parts.

Where both fire, the higher confidence counts and the source is ``"model+rule"``. A suggestion
is only ever a proposal: it becomes a code when a person accepts it (``suggested=True`` on the
coding), and a rejected or ignored suggestion never becomes one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

from klappt.coding.codebook import Codebook
from klappt.coding.codings import Coding, CodingSet, final_codes
from klappt.coding.segments import Segment
from klappt.responses.dataset import ResponseSet

RULE_WORD = 0.8
RULE_COMPOUND = 0.6
#: Up to this many training texts the classifier is fitted exactly (liblinear); above, by SGD.
LIBLINEAR_MAX = 1500
_MIN_COMPOUND = 5
_WORD = re.compile(r"[^\W\d_]+")
#: Words that carry no topic; a short list of our own, enough for answers of a few words.
GERMAN_STOPWORDS = frozenset(
    [
        "aber",
        "alle",
        "allem",
        "allen",
        "aller",
        "alles",
        "als",
        "also",
        "am",
        "an",
        "ander",
        "andere",
        "anderen",
        "auch",
        "auf",
        "aus",
        "bei",
        "bin",
        "bis",
        "bist",
        "da",
        "damit",
        "dann",
        "das",
        "dass",
        "dem",
        "den",
        "denen",
        "der",
        "des",
        "dessen",
        "die",
        "dies",
        "diese",
        "diesem",
        "diesen",
        "dieser",
        "dieses",
        "doch",
        "dort",
        "du",
        "durch",
        "ein",
        "eine",
        "einem",
        "einen",
        "einer",
        "eines",
        "er",
        "es",
        "etwas",
        "euch",
        "euer",
        "für",
        "gegen",
        "gewesen",
        "hab",
        "habe",
        "haben",
        "hat",
        "hatte",
        "hier",
        "hin",
        "ich",
        "ihm",
        "ihn",
        "ihnen",
        "ihr",
        "ihre",
        "im",
        "in",
        "indem",
        "ins",
        "ist",
        "ja",
        "jede",
        "jedem",
        "jeden",
        "jeder",
        "jedes",
        "jetzt",
        "kann",
        "kein",
        "keine",
        "können",
        "könnte",
        "man",
        "manche",
        "mein",
        "meine",
        "mit",
        "muss",
        "nach",
        "nicht",
        "nichts",
        "noch",
        "nun",
        "nur",
        "ob",
        "oder",
        "ohne",
        "schon",
        "sehr",
        "sein",
        "seine",
        "sich",
        "sie",
        "sind",
        "so",
        "solche",
        "soll",
        "sollte",
        "sondern",
        "sowie",
        "über",
        "um",
        "und",
        "uns",
        "unser",
        "unsere",
        "unter",
        "usw",
        "viel",
        "vom",
        "von",
        "vor",
        "war",
        "waren",
        "was",
        "weil",
        "welche",
        "wenn",
        "wer",
        "werden",
        "wie",
        "wieder",
        "will",
        "wir",
        "wird",
        "wo",
        "wurde",
        "wurden",
        "zu",
        "zum",
        "zur",
        "zwar",
        "zwischen",
        "bzw",
        "z.b",
        "ca",
    ]
)


@dataclass(frozen=True)
class Suggestion:
    """A proposed code for one text, with how sure we are and where it came from."""

    code: str
    confidence: float
    source: str  # "model" | "rule" | "model+rule"

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "confidence": round(self.confidence, 3), "source": self.source}


class _Stemmer:
    """Lower-cased German Snowball stems, cached: answers repeat the same few thousand words."""

    def __init__(self) -> None:
        import snowballstemmer

        self._stem = snowballstemmer.stemmer("german").stemWord
        self._cache: dict[str, str] = {}

    def __call__(self, word: str) -> str:
        s = self._cache.get(word)
        if s is None:
            s = self._cache[word] = self._stem(word)
        return s

    def tokens(self, text: str) -> list[str]:
        return [
            self(w) for w in _WORD.findall(text.lower()) if w not in GERMAN_STOPWORDS and len(w) > 1
        ]


_STEMMER: _Stemmer | None = None


def _stemmer() -> _Stemmer:
    global _STEMMER
    if _STEMMER is None:
        _STEMMER = _Stemmer()
    return _STEMMER


def german_tokens(text: str) -> list[str]:
    """Stemmed content words of a German text, the word features of the classifier.

    Example
    -------
    >>> german_tokens("Die Sportvereine und Sprachkurse")
    ['sportverein', 'sprachkurs']
    """
    return _stemmer().tokens(text)


@dataclass(frozen=True)
class _Rule:
    code: str
    stems: frozenset[str]


class _Rules:
    """Keyword rules from the code book's examples, indexed by stem so that 10,000 texts take no time."""

    def __init__(self, codebook: Codebook) -> None:
        self.rules: list[_Rule] = []
        for c in codebook.codes:
            for example in c.examples:
                stems = frozenset(german_tokens(example))
                if stems:
                    self.rules.append(_Rule(c.code, stems))
        self.by_stem: dict[str, list[int]] = {}
        for i, rule in enumerate(self.rules):
            for stem in rule.stems:
                self.by_stem.setdefault(stem, []).append(i)

    def __bool__(self) -> bool:
        return bool(self.rules)

    def match(self, stems: set[str]) -> dict[str, float]:
        """``code -> confidence`` of the rules that fire for a text with these stems."""
        exact = {s for s in stems if s in self.by_stem}
        compound = set()  # rule stems found as the start or end of a longer word
        for t in stems:
            for k in range(_MIN_COMPOUND, len(t)):
                for part in (t[:k], t[-k:]):
                    if part in self.by_stem:
                        compound.add(part)
        out: dict[str, float] = {}
        for i in {i for s in exact | compound for i in self.by_stem[s]}:
            rule = self.rules[i]
            if not rule.stems <= exact | compound:
                continue
            conf = RULE_WORD if rule.stems <= exact else RULE_COMPOUND
            out[rule.code] = max(out.get(rule.code, 0.0), conf)
        return out


class Suggester:
    """A trained suggester for one code book; :meth:`suggest` ranks codes for new texts."""

    def __init__(
        self,
        codebook: Codebook,
        pipeline: tuple[Any, Any] | None,
        labels: tuple[str, ...],
        trained_on: int,
    ) -> None:
        self.codebook = codebook
        self.labels = labels  # codes the model knows; rules may add others
        self.trained_on = trained_on
        self._pipeline = pipeline
        self._rules = _Rules(codebook)

    @property
    def has_model(self) -> bool:
        return self._pipeline is not None

    def scores(self, texts: Sequence[str]) -> list[dict[str, tuple[float, str]]]:
        """Per text, the codes with a confidence of at least 0.01: ``code -> (confidence, source)``."""
        unique = list(dict.fromkeys(texts))  # answers repeat; score each wording once
        scored: list[dict[str, tuple[float, str]]] = [{} for _ in unique]
        if self._pipeline is not None and unique:
            features, classifier = self._pipeline
            x = features.transform(unique)
            proba = classifier.predict_proba(x)
            if (
                len(self.labels) == 1
            ):  # a single code is a binary problem: P(code) is the second column
                proba = proba[:, 1:]
            known = (
                x.getnnz(axis=1) > 0
            )  # a text sharing no feature with the training texts gets no model score
            for i in range(len(unique)):
                if known[i]:
                    row = proba[i]
                    scored[i] = {
                        self.labels[j]: (float(row[j]), "model") for j in (row >= 0.01).nonzero()[0]
                    }
        if self._rules:
            st = _stemmer()
            for i, text in enumerate(unique):
                for code, conf in self._rules.match(set(st.tokens(text))).items():
                    prev, source = scored[i].get(code, (0.0, ""))
                    scored[i][code] = (max(prev, conf), "model+rule" if source else "rule")
        index = {text: i for i, text in enumerate(unique)}
        return [scored[index[text]] for text in texts]

    def suggest(
        self, texts: Sequence[str], top_k: int = 3, min_confidence: float = 0.2
    ) -> list[tuple[Suggestion, ...]]:
        """The ``top_k`` most likely codes per text, most likely first, each at least ``min_confidence``.

        Example
        -------
        >>> from klappt.coding.codebook import Code
        >>> book = Codebook("hilfe", (Code("sport", {"de": "Sport"}, examples=("Fußballverein",)),
        ...                            Code("sprache", {"de": "Sprache"}, examples=("Deutschkurs",))))
        >>> s = train_suggester(book)
        >>> s.suggest(["mehr Deutschkurse"])[0][0].code
        'sprache'
        """
        result = []
        for scored in self.scores(texts):
            ranked = sorted(
                (
                    Suggestion(code, conf, src)
                    for code, (conf, src) in scored.items()
                    if conf >= min_confidence
                ),
                key=lambda s: (-s.confidence, s.code),
            )
            result.append(tuple(ranked[:top_k]))
        return result


def training_examples(
    codings: CodingSet, question: str | None = None
) -> list[tuple[str, frozenset[str]]]:
    """``(text, codes)`` of every unit whose codes count (see :func:`final_codes`) and whose text is known."""
    cs = codings.for_question(question) if question else codings
    texts: dict[tuple[str, str], str] = {}
    for c in cs.codings:
        if c.text and (c.key not in texts or c.final):
            texts[c.key] = c.text
    fc = final_codes(cs)
    return [(texts[k], codes) for k, codes in sorted(fc.codes.items()) if k in texts]


def train_suggester(
    codebook: Codebook,
    examples: Iterable[tuple[str, Iterable[str]]] = (),
    use_codebook_examples: bool = True,
    seed: int = 0,
) -> Suggester:
    """Fit the classifier on coded texts (and the code book's examples) and add the keyword rules.

    Parameters
    ----------
    codebook:
        The codes to suggest; codes outside it in ``examples`` are ignored.
    examples:
        ``(text, codes)`` pairs, e.g. :func:`training_examples` of the codings so far. A text
        with no codes teaches what none of the codes looks like.
    use_codebook_examples:
        Also learn from each code's example answers.
    seed:
        Seeds the solver, so the same input gives the same suggestions.

    Returns
    -------
    Suggester
        Without a model (rules only) when fewer than two texts or no code with both
        positive and negative texts are available.
    """
    known = set(codebook.names)
    texts: list[str] = []
    targets: list[set[str]] = []
    for text, codes in examples:
        if text and text.strip():
            texts.append(text)
            targets.append({c for c in codes if c in known})
    if use_codebook_examples:
        for c in codebook.codes:
            for example in c.examples:
                texts.append(example)
                targets.append({c.code})
    counts = {code: sum(code in t for t in targets) for code in codebook.names}
    labels = tuple(code for code in codebook.names if 0 < counts[code] < len(texts))
    if len(texts) < 2 or not labels:
        return Suggester(codebook, None, (), len(texts))
    import numpy as np

    features, classifier = _pipeline(seed, len(texts))
    y = np.array([[int(code in t) for code in labels] for t in targets], dtype=np.int8)
    classifier.fit(features.fit_transform(texts), y[:, 0] if len(labels) == 1 else y)
    return Suggester(codebook, (features, classifier), labels, len(texts))


def _word_features(doc: str) -> list[str]:
    stems = german_tokens(doc)
    return stems + [f"{a} {b}" for a, b in pairwise(stems)]


_GRAMS: dict[str, tuple[str, ...]] = {}


def _char_features(doc: str) -> list[str]:
    """Character 3- to 5-grams within words (padded with a space), cached per word."""
    out: list[str] = []
    for word in _WORD.findall(doc.lower()):
        grams = _GRAMS.get(word)
        if grams is None:
            padded = f" {word} "
            grams = tuple(padded[i : i + n] for n in (3, 4, 5) for i in range(len(padded) - n + 1))
            if len(_GRAMS) < 200_000:
                _GRAMS[word] = grams
        out.extend(grams)
    return out


def _pipeline(seed: int, n_texts: int) -> tuple[Any, Any]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression, SGDClassifier
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import FeatureUnion

    words = TfidfVectorizer(analyzer=_word_features, sublinear_tf=True)
    chars = TfidfVectorizer(analyzer=_char_features, sublinear_tf=True)
    if n_texts <= LIBLINEAR_MAX:
        # exact logistic regression: confidences stay modest while little is coded
        estimator: Any = LogisticRegression(
            C=10.0, class_weight="balanced", solver="liblinear", random_state=seed
        )
    else:
        # the same loss fitted by stochastic gradient descent: linear in the number of texts
        estimator = SGDClassifier(
            loss="log_loss",
            alpha=1e-5,
            max_iter=10,
            tol=1e-3,
            n_iter_no_change=2,
            random_state=seed,
        )
    return FeatureUnion([("words", words), ("chars", chars)]), OneVsRestClassifier(estimator)


def suggest_segments(
    segs: Sequence[Segment],
    codebook: Codebook,
    codings: CodingSet | None = None,
    top_k: int = 3,
    min_confidence: float = 0.2,
    seed: int = 0,
) -> list[tuple[Segment, tuple[Suggestion, ...]]]:
    """Train on what is coded so far and suggest codes for ``segs``.

    Example
    -------
    >>> pairs = suggest_segments(segments(rs, "angebote"), book, codings)   # doctest: +SKIP
    >>> pairs[0][1][0]                                                        # doctest: +SKIP
    Suggestion(code='sprache', confidence=0.91, source='model')
    """
    examples = training_examples(codings, codebook.question) if codings is not None else []
    model = train_suggester(codebook, examples, seed=seed)
    ranked = model.suggest([s.text for s in segs], top_k=top_k, min_confidence=min_confidence)
    return list(zip(segs, ranked, strict=True))


def accept(
    segment: Segment, suggestion: Suggestion, coder: str, at: datetime | str | None = None
) -> Coding:
    """The coding a person makes by accepting a suggestion: marked ``suggested`` with its confidence."""
    return Coding(
        answer=segment.answer,
        coder=coder,
        code=suggestion.code,
        question=segment.question,
        text=segment.text,
        coded_at=_iso(at),
        suggested=True,
        confidence=round(suggestion.confidence, 3),
    )


def decide(
    segment: Segment,
    suggestions: Sequence[Suggestion],
    accepted: Iterable[str],
    coder: str,
    manual: Iterable[str] = (),
    at: datetime | str | None = None,
) -> list[Coding]:
    """A coder's decision on one unit: accepted suggestions plus codes of their own.

    Suggestions not in ``accepted`` are rejected and leave no trace. With no code at all the
    result is one row with ``code`` None: seen, nothing applies.

    Example
    -------
    >>> seg = Segment("R1", "hilfe", 1, "Fußball")
    >>> rows = decide(seg, [Suggestion("sport", 0.9, "model"), Suggestion("kultur", 0.3, "model")], {"sport"}, "anna")
    >>> [(r.code, r.suggested) for r in rows]
    [('sport', True)]
    """
    ok = set(accepted)
    at_text = _iso(at)
    rows = [accept(segment, s, coder, at_text) for s in suggestions if s.code in ok]
    given = {r.code for r in rows}
    for code in manual:
        if code not in given:
            given.add(code)
            rows.append(
                Coding(segment.answer, coder, code, segment.question, segment.text, at_text)
            )
    if not rows:
        rows.append(Coding(segment.answer, coder, None, segment.question, segment.text, at_text))
    return rows


def _iso(at: datetime | str | None) -> str:
    if isinstance(at, str):
        return at
    return (at or datetime.now(UTC)).replace(microsecond=0).isoformat()


def suggest_uncoded(
    rs: ResponseSet,
    codebook: Codebook,
    codings: CodingSet | None = None,
    top_k: int = 3,
    min_confidence: float = 0.2,
    split: bool = True,
) -> list[tuple[Segment, tuple[Suggestion, ...]]]:
    """Suggestions for the segments of ``codebook.question`` that have no codes that count yet.

    Nothing is applied: the result is for a person to accept or reject (see :func:`decide`).
    """
    from klappt.coding.segments import segments

    done = set()
    if codings is not None:
        done = {a for (_, a) in final_codes(codings.for_question(codebook.question)).codes}
    todo = [s for s in segments(rs, codebook.question, split=split) if s.answer not in done]
    return suggest_segments(todo, codebook, codings, top_k=top_k, min_confidence=min_confidence)
