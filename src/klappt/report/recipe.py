"""Recipes: the storyline of a report as YAML, read into a :class:`ReportSpec`.

We keep the line of every YAML node, so a mistake in a recipe is reported with its
line ("Rezept bericht.yaml, Zeile 14: unbekannte Diagrammart 'torte'"). The default
storyline and the recipe writer are in :mod:`klappt.report.storyline`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from klappt import yamlsafe
from klappt.errors import ErrorCode, KlapptError, say
from klappt.errors import Text as Bilingual
from klappt.report.kinds import CHART_KINDS, KindName, is_kind
from klappt.report.recipe_options import check_options, read_min_cell
from klappt.report.recipe_trends import read_trends
from klappt.report.recipe_waves import read_waves
from klappt.report.recipe_yaml import DuplicateKey, LineLoader, YMap, YSeq, line_of
from klappt.report.spec import (
    AgendaSlide,
    ChartPanel,
    ClosingSlide,
    CompareItem,
    ComparisonSlide,
    ReportSpec,
    ResultSlide,
    SectionSlide,
    Slide,
    Text,
    TextSlide,
    TitleSlide,
)

__all__ = ["default_spec", "dump_recipe", "load_recipe", "parse_recipe", "recipe_error"]


def _in(what: str | Bilingual, lang: str) -> str:
    # the place a message names ("Welle 2022" / "wave 2022") in the message's own language
    return say(what.de, what.en, lang) if isinstance(what, Bilingual) else what


def recipe_error(path: str | None, line: int | None, de: str, en: str) -> KlapptError:
    """``REPORT_001`` naming the recipe file and line."""
    return KlapptError(
        ErrorCode.REPORT_001,
        path=path or "(Standard)",
        line=line if line else "?",
        message=Bilingual(de, en),
    )


# --- recipe -> spec ---------------------------------------------------------------------

_TOP_KEYS = (
    "title",
    "lang",
    "wave",
    "waves",
    "template",
    "slides",
    "site_slides",
    "options",
    "disclosure",
    "trends",
    "register",
)
_SLIDE_KEYS: dict[str, tuple[str, ...]] = {
    "title_slide": ("title", "subtitle", "date", "authors", "institution", "logo"),
    "agenda": ("title",),
    "section": ("title",),
    "result": (
        "title",
        "subtitle",
        "chart",
        "charts",
        "question",
        "findings",
        "footnotes",
        "layout",
    ),
    "text": ("title", "subtitle", "bullets", "footnotes"),
    "comparison": (
        "title",
        "subtitle",
        "question",
        "waves",
        "items",
        "kind",
        "decimals",
        "findings",
        "footnotes",
    ),
    "closing": ("title", "lines", "contacts"),
}
_PANEL_KEYS = (
    "question",
    "kind",
    "by",
    "waves",
    "items",
    "wave",
    "title",
    "sort",
    "show",
    "decimals",
    "top",
)
_ITEM_KEYS = ("wave", "question", "choice", "label")


class _Reader:
    """Turns the line-annotated YAML tree into spec objects, failing with the line."""

    def __init__(self, path: str | None) -> None:
        self.path = path

    def fail(self, line: int | None, de: str, en: str) -> KlapptError:
        return recipe_error(self.path, line, de, en)

    def mapping(self, value: Any, line: int | None, what: str | Bilingual) -> YMap:
        if not isinstance(value, dict):
            raise self.fail(
                line_of(value, line),
                f"{_in(what, 'de')}: hier wird eine Zuordnung (Schlüssel: Wert) erwartet.",
                f"{_in(what, 'en')}: a mapping (key: value) is expected here.",
            )
        return value  # type: ignore[return-value]

    def check_keys(self, m: YMap, allowed: Iterable[str], what: str | Bilingual) -> None:
        allowed = tuple(allowed)
        for key in m:
            if key not in allowed:
                raise self.fail(
                    m.key_lines.get(key, m.line),
                    f"unbekannter Schlüssel '{key}' bei {_in(what, 'de')}; möglich: {', '.join(allowed)}",
                    f"unknown key '{key}' in {_in(what, 'en')}; possible: {', '.join(allowed)}",
                )

    def string(self, m: YMap, key: str, required: bool = False, what: str = "") -> str | None:
        if key not in m or m[key] is None:
            if required:
                raise self.fail(m.line, f"{what}: '{key}' fehlt.", f"{what}: '{key}' is missing.")
            return None
        value = m[key]
        if isinstance(value, (dict, list)):
            raise self.fail(
                m.key_lines.get(key, m.line),
                f"'{key}' muss ein Text sein.",
                f"'{key}' must be a text.",
            )
        return str(value)

    def strings(self, m: YMap, key: str) -> tuple[str, ...]:
        value = m.get(key)
        if value is None:
            return ()
        if isinstance(value, (str, int, float)):
            return (str(value),)
        if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
            return tuple(str(v) for v in value)
        raise self.fail(
            m.key_lines.get(key, m.line),
            f"'{key}' muss ein Text oder eine Liste von Texten sein.",
            f"'{key}' must be a text or a list of texts.",
        )

    def texts(self, m: YMap, key: str) -> tuple[Text, ...]:
        value = m.get(key)
        if value is None:
            return ()
        items = value if isinstance(value, list) else [value]
        lines = value.item_lines if isinstance(value, YSeq) else [m.key_lines.get(key)]
        out = []
        for item, item_line in zip(items, lines, strict=False):
            if isinstance(item, (dict, list)):
                raise self.fail(
                    line_of(item, item_line),
                    f"'{key}': jeder Eintrag muss ein Text sein.",
                    f"'{key}': every entry must be a text.",
                )
            out.append(_text(item, item_line))
        return tuple(out)

    def integer(self, m: YMap, key: str) -> int | None:
        value = m.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.fail(
                m.key_lines.get(key, m.line),
                f"'{key}' muss eine ganze Zahl ≥ 0 sein, nicht '{value}'.",
                f"'{key}' must be a whole number ≥ 0, not '{value}'.",
            )
        return value

    def kind(self, m: YMap) -> KindName | None:
        kind = self.string(m, "kind")
        if kind is not None and not is_kind(kind):
            raise self.fail(
                m.key_lines.get("kind", m.line),
                f"unbekannte Diagrammart '{kind}'; möglich: {', '.join(CHART_KINDS)}",
                f"unknown chart kind '{kind}'; possible: {', '.join(CHART_KINDS)}",
            )
        return kind

    def choice(self, m: YMap, key: str) -> tuple[str, ...]:
        return self.strings(m, key)

    # slides

    def spec(self, root: Any) -> ReportSpec:
        if root is None:
            raise self.fail(1, "Das Rezept ist leer.", "The recipe is empty.")
        m = self.mapping(root, 1, "Rezept")
        self.check_keys(m, _TOP_KEYS, "Rezept")
        lang = self.string(m, "lang")
        if lang is not None and lang not in ("de", "en"):
            raise self.fail(
                m.key_lines.get("lang"),
                f"Sprache '{lang}' gibt es nicht; möglich: de, en",
                f"no language '{lang}'; possible: de, en",
            )
        waves = read_waves(self, m.get("waves"), m.key_lines.get("waves"))
        site_slides = self.slide_list(m, "site_slides") if "site_slides" in m else ()
        slides_value = m.get("slides")
        if site_slides and slides_value is None:  # a recipe of site reports only
            slides_value = m["site_slides"]
        if not isinstance(slides_value, list) or not slides_value:
            raise self.fail(
                m.key_lines.get("slides", m.line),
                "'slides' fehlt oder ist leer: eine Liste der Folien wird erwartet.",
                "'slides' is missing or empty: a list of slides is expected.",
            )
        lines = (
            slides_value.item_lines
            if isinstance(slides_value, YSeq)
            else [None] * len(slides_value)
        )
        slides = tuple(self.slide(v, ln) for v, ln in zip(slides_value, lines, strict=True))
        title = self.string(m, "title")
        if title is None:
            title = next((s.title for s in slides if isinstance(s, TitleSlide)), None) or "Bericht"
        options = m.get("options") or {}
        if not isinstance(options, dict):
            raise self.fail(
                m.key_lines.get("options"),
                "'options' muss eine Zuordnung sein.",
                "'options' must be a mapping.",
            )
        check_options(self, options, m.key_lines.get("options"))
        wave = self.string(m, "wave")
        min_cell = read_min_cell(self, m)
        return ReportSpec(
            title=title,
            slides=slides,
            wave=wave,
            waves=waves,
            lang=lang,
            template=self.string(m, "template"),
            source=self.path,
            options=dict(options),
            min_cell=min_cell,
            trends=read_trends(self, m),
            site_slides=site_slides,
            register=self.string(m, "register"),
        )

    def slide_list(self, m: YMap, key: str) -> tuple[Slide, ...]:
        """A list of slides (``site_slides:``: the storyline of the per-site reports)."""
        value = m.get(key)
        if not isinstance(value, list) or not value:
            raise self.fail(
                m.key_lines.get(key, m.line),
                f"'{key}' muss eine Liste von Folien sein.",
                f"'{key}' must be a list of slides.",
            )
        lines = value.item_lines if isinstance(value, YSeq) else [None] * len(value)
        return tuple(self.slide(v, ln) for v, ln in zip(value, lines, strict=True))

    def slide(self, value: Any, line: int | None) -> Slide:
        if isinstance(value, str):
            kind, body = value, None
        else:
            m = self.mapping(value, line, "Folie")
            if len(m) != 1:
                raise self.fail(
                    m.line,
                    "Jede Folie ist eine Zuordnung mit genau einem Schlüssel, der Folienart "
                    f"({', '.join(_SLIDE_KEYS)}); gefunden: {', '.join(map(str, m)) or 'nichts'}",
                    "Every slide is a mapping with exactly one key, the slide kind "
                    f"({', '.join(_SLIDE_KEYS)}); found: {', '.join(map(str, m)) or 'nothing'}",
                )
            kind = next(iter(m))
            body = m[kind]
            line = m.key_lines.get(kind, line)
        if kind not in _SLIDE_KEYS:
            raise self.fail(
                line_of(kind, line),
                f"unbekannte Folienart '{kind}'; möglich: {', '.join(_SLIDE_KEYS)}",
                f"unknown slide kind '{kind}'; possible: {', '.join(_SLIDE_KEYS)}",
            )
        if isinstance(body, str) or body is None:
            # shorthand: "- section: Titel", "- agenda", "- result: frage"
            if kind == "result" and body is not None:
                return ResultSlide(
                    title="",
                    panels=(ChartPanel(question=str(body), line=line_of(body, line)),),
                    line=line,
                )
            if kind in ("agenda", "closing") or body is not None:
                body_map = YMap({"title": body} if body is not None else {})
                body_map.line, body_map.key_lines = line, {"title": line_of(body, line) or line}
                body = body_map
            else:
                raise self.fail(line, f"'{kind}' braucht Angaben.", f"'{kind}' needs content.")
        m = self.mapping(body, line, kind)
        self.check_keys(m, _SLIDE_KEYS[kind], kind)
        return getattr(self, f"slide_{kind}")(m, line)

    def slide_title_slide(self, m: YMap, line: int | None) -> TitleSlide:
        return TitleSlide(
            title=self.string(m, "title", True, "title_slide") or "",
            subtitle=self.string(m, "subtitle"),
            date=self.string(m, "date"),
            authors=self.strings(m, "authors"),
            institution=self.string(m, "institution"),
            logo=self.string(m, "logo"),
            line=line,
        )

    def slide_agenda(self, m: YMap, line: int | None) -> AgendaSlide:
        return AgendaSlide(title=self.string(m, "title"), line=line)

    def slide_section(self, m: YMap, line: int | None) -> SectionSlide:
        return SectionSlide(title=self.string(m, "title", True, "section") or "", line=line)

    def slide_closing(self, m: YMap, line: int | None) -> ClosingSlide:
        return ClosingSlide(
            title=self.string(m, "title"),
            lines=self.strings(m, "lines"),
            contacts=self.strings(m, "contacts"),
            line=line,
        )

    def slide_text(self, m: YMap, line: int | None) -> TextSlide:
        return TextSlide(
            title=self.string(m, "title", True, "text") or "",
            subtitle=self.string(m, "subtitle"),
            bullets=self.texts(m, "bullets"),
            footnotes=self.texts(m, "footnotes"),
            line=line,
        )

    def slide_result(self, m: YMap, line: int | None) -> ResultSlide:
        raw: list[tuple[Any, int | None]] = []
        for key in ("question", "chart", "charts"):
            if key not in m:
                continue
            value = m[key]
            if key == "charts" and isinstance(value, list):
                raw.extend(
                    zip(
                        value,
                        value.item_lines if isinstance(value, YSeq) else [None] * len(value),
                        strict=True,
                    )
                )
            else:
                raw.append((value, m.key_lines.get(key)))
        panels = tuple(self.panel(v, ln) for v, ln in raw)
        if not panels and not m.get("findings"):
            raise self.fail(
                line,
                "Eine Ergebnisfolie braucht 'charts' (oder 'chart'/'question') oder 'findings'.",
                "A result slide needs 'charts' (or 'chart'/'question') or 'findings'.",
            )
        if len(panels) > 4:
            raise self.fail(
                m.key_lines.get("charts", line),
                f"Höchstens 4 Diagramme pro Folie, nicht {len(panels)}.",
                f"At most 4 charts per slide, not {len(panels)}.",
            )
        layout = self.string(m, "layout")
        if layout is not None and layout != "fill":
            raise self.fail(
                m.key_lines.get("layout", line),
                f"'layout' kennt nur 'fill' (Diagramme füllen die Folie), nicht '{layout}'.",
                f"'layout' knows only 'fill' (charts fill the slide), not '{layout}'.",
            )
        return ResultSlide(
            title=self.string(m, "title") or "",
            subtitle=self.string(m, "subtitle"),
            panels=panels,
            findings=self.texts(m, "findings"),
            footnotes=self.texts(m, "footnotes"),
            line=line,
            layout=layout,
        )

    def panel(self, value: Any, line: int | None) -> ChartPanel:
        if isinstance(value, (str, int)):
            return ChartPanel(question=str(value), line=line_of(value, line))
        m = self.mapping(value, line, "Diagramm")
        self.check_keys(m, _PANEL_KEYS, "Diagramm")
        items = self.strings(m, "items")
        question = self.string(m, "question") or (items[0] if items else None)
        if question is None:
            raise self.fail(m.line, "Diagramm: 'question' fehlt.", "chart: 'question' is missing.")
        sort = self.string(m, "sort")
        if sort is not None and sort not in ("count", "form"):
            raise self.fail(
                m.key_lines.get("sort"),
                f"sort: 'count' oder 'form', nicht '{sort}'.",
                f"sort: 'count' or 'form', not '{sort}'.",
            )
        show = self.string(m, "show")
        if show is not None and show not in ("percent", "count"):
            raise self.fail(
                m.key_lines.get("show"),
                f"show: 'percent' oder 'count', nicht '{show}'.",
                f"show: 'percent' or 'count', not '{show}'.",
            )
        return ChartPanel(
            question=question,
            kind=self.kind(m),
            by=self.string(m, "by"),
            waves=self.strings(m, "waves"),
            items=items,
            wave=self.string(m, "wave"),
            title=self.string(m, "title"),
            sort=sort,
            show=show,
            decimals=self.integer(m, "decimals"),
            top=self.integer(m, "top"),
            line=m.line,
        )

    def slide_comparison(self, m: YMap, line: int | None) -> ComparisonSlide:
        items_value = m.get("items")
        items: list[CompareItem] = []
        if items_value is not None:
            if not isinstance(items_value, list):
                raise self.fail(
                    m.key_lines.get("items"),
                    "'items' muss eine Liste sein.",
                    "'items' must be a list.",
                )
            item_lines = (
                items_value.item_lines
                if isinstance(items_value, YSeq)
                else [None] * len(items_value)
            )
            for v, ln in zip(items_value, item_lines, strict=True):
                im = self.mapping(v, ln, "Vergleich")
                self.check_keys(im, _ITEM_KEYS, "Vergleich")
                choice = self.choice(im, "choice")
                if not choice:
                    raise self.fail(
                        im.line, "Vergleich: 'choice' fehlt.", "comparison: 'choice' is missing."
                    )
                items.append(
                    CompareItem(
                        wave=self.string(im, "wave", True, "Vergleich") or "",
                        question=self.string(im, "question", True, "Vergleich") or "",
                        choice=choice,
                        label=self.string(im, "label"),
                        line=im.line,
                    )
                )
        question = self.string(m, "question")
        waves = self.strings(m, "waves")
        if not items and (question is None or len(waves) < 2):
            raise self.fail(
                line,
                "Ein Vergleich braucht 'question' mit mindestens zwei 'waves' oder eine Liste 'items'.",
                "A comparison needs 'question' with at least two 'waves', or a list of 'items'.",
            )
        return ComparisonSlide(
            title=self.string(m, "title") or "",
            subtitle=self.string(m, "subtitle"),
            question=question,
            waves=waves,
            items=tuple(items),
            kind=self.kind(m),
            decimals=self.integer(m, "decimals"),
            findings=self.texts(m, "findings"),
            footnotes=self.texts(m, "footnotes"),
            line=line,
        )


def _text(value: Any, line: int | None) -> Text:
    s = str(value)
    ln = line_of(value, line)
    style = getattr(value, "style", None)
    first = ln + 1 if style in ("|", ">") and ln is not None else None
    return Text(template=s.rstrip("\n"), line=ln, first_text_line=first)


def parse_recipe(source: str, path: str | None = None) -> ReportSpec:
    """Read a recipe from YAML text.

    Parameters
    ----------
    source:
        The YAML text.
    path:
        Named in error messages.

    Returns
    -------
    ReportSpec

    Raises
    ------
    KlapptError
        ``REPORT_001`` naming the line of a YAML syntax error, an unknown key, slide
        kind or chart kind.

    Example
    -------
    >>> spec = parse_recipe("slides:\\n  - section: Teil 1\\n  - result: frage\\n")
    >>> [type(s).__name__ for s in spec.slides]
    ['SectionSlide', 'ResultSlide']
    """
    try:
        root = yamlsafe.load(source, path or "(Rezept)", LineLoader)
    except DuplicateKey as exc:
        raise recipe_error(
            path,
            exc.line,
            f"Schlüssel '{exc.key}' kommt doppelt vor.",
            f"key '{exc.key}' occurs twice.",
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or str(exc)
        raise recipe_error(
            path, line, f"YAML-Syntaxfehler: {problem}", f"YAML syntax error: {problem}"
        ) from None
    except yaml.YAMLError as exc:
        raise recipe_error(path, None, f"YAML-Fehler: {exc}", f"YAML error: {exc}") from None
    return _Reader(path).spec(root)


def load_recipe(path: str | Path) -> ReportSpec:
    """Read a recipe file (UTF-8 YAML); ``FILE_001``/``FILE_003`` when it cannot be read."""
    p = Path(path)
    if not p.exists():
        raise KlapptError(ErrorCode.FILE_001, path=p)
    from klappt.limits import check_file

    check_file(p, "recipe")
    try:
        yamlsafe.check_file_size(p)
        source = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise KlapptError(ErrorCode.FILE_003, path=p, reason=str(exc)) from None
    return parse_recipe(source, str(p))


# the default storyline and the writer live in their own module; importable from here too
from klappt.report.storyline import default_spec, dump_recipe  # noqa: E402
