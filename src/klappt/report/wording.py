"""Numbers and fixed wording of reports, in German (default) and English.

Every renderer shows numbers as formatted here, so a deck, its HTML twin and the
workbook's captions agree: ``39,1 %`` and ``1.234`` in German, ``39.1%`` and ``1,234``
in English.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

LANGS = ("de", "en")

TEXTS: dict[str, dict[str, str]] = {
    "de": {
        "agenda": "Agenda",
        "thanks": "Vielen Dank!",
        "multiple": "Es sind Mehrfachnennungen enthalten",
        "rounded_off": "Abweichungen von 100\u00a0% sind rundungsbedingt",
        "coded_note": "Codierte Freitexte: {codes} Codes, davon {suggested} aus angenommenen "
        "Vorschlägen",
        "different_questions": "unterschiedliche Fragen – kein direkter Zeitvergleich",
        "demo_mark": "Demo – synthetische Daten",
        "abbreviations": "Abkürzungen",
        "source_line": "Quelle: {survey}, n={n}",
        "returns_of_sites": "Rücklauf: {n} von {sites} Standorten ({pct})",
        "returns_by_type": "{type}: {n} von {sites}",
        "wave_label": "Welle {wave}",
        "as_of": "Stand: {date}",
        "field_period": "Erhebungszeitraum: {period}",
        "withheld_few": "< {k}: weniger als {k} Standorte – zum Schutz einzelner Standorte "
        "nicht ausgewiesen",
        "withheld_recomputable": "x: nicht ausgewiesen, da aus Gesamtwert und übrigen Gruppen "
        "errechenbar",
        "too_few_title": "Ergebnisse nicht ausgewiesen",
        "too_few_returns": "Rücklauf: {n} Fragebögen – weniger als die Mindestfallzahl von {k}.",
        "too_few_returns_one": "Rücklauf: 1 Fragebogen – weniger als die Mindestfallzahl von {k}.",
        "too_few_why": "Zum Schutz der einzelnen Standorte werden keine Ergebnisse ausgewiesen: "
        "bei so wenigen Rückläufen könnte jeder Standort die Antworten der anderen ablesen. "
        "Ergebnisse folgen ab {k} Rückläufen.",
        "mentions_few": "{n} Nennungen von weniger als {k} Standorten nicht ausgewiesen "
        "(Schutz einzelner Standorte)",
        "mentions_few_one": "1 Nennung von weniger als {k} Standorten nicht ausgewiesen "
        "(Schutz einzelner Standorte)",
        "mentions_personal": "{n} Nennungen mit personenbezogenen Angaben nicht ausgewiesen",
        "mentions_personal_one": "1 Nennung mit personenbezogenen Angaben nicht ausgewiesen",
        "free_text_held": "Freitextantworten ({n} Fragen) sind nicht wörtlich enthalten: sie "
        "könnten einzelne Standorte oder Personen erkennbar machen; codierte Kategorien werden "
        "gezeigt",
        "answer": "Antwort",
        "count": "Anzahl",
        "percent": "Anteil (%)",
        "base": "Basis (n)",
        "base_short": "n",
        "mentions": "Nennungen",
        "mention": "Nennung",
        "other": "Sonstiges (Freitext)",
        "item": "Frage",
        "statistic": "Kennzahl",
        "mean_rank": "Ø Rang",
        "place": "Platz",
        "value": "Wert",
        "mean": "Mittelwert",
        "median": "Median",
        "min": "Minimum",
        "max": "Maximum",
        "sum": "Summe",
        "responses": "Rücklauf",
        "data_basis": "Datengrundlage",
        "returns_line": "Rücklauf: {n} Fragebögen",
        "returns_line_one": "Rücklauf: 1 Fragebogen",
        "wave": "Welle",
        "contents": "Inhalt",
        "slide": "Folie",
        "table": "Tabelle",
        "question": "Frage",
        "note": "Hinweis",
        "chart_of": "Diagramm",
        "cloud_note": "Schriftgröße nach Häufigkeit der Nennung",
        "no_answers": "Keine Antworten",
        "findings": "Ergebnisse",
        "footnotes": "Fußnoten",
        "kind_doughnut": "Ringdiagramm",
        "kind_pie": "Kreisdiagramm",
        "kind_bar": "Balkendiagramm",
        "kind_column": "Säulendiagramm",
        "kind_stacked": "gestapeltes Balkendiagramm (100 %)",
        "kind_grouped": "gruppiertes Balkendiagramm",
        "kind_cloud": "Nennungswolke",
        "kind_table": "Tabelle",
        "kind_trend": "Zeitreihe",
        "kind_transitions": "Übergänge derselben Standorte",
        "generated": "Erstellt mit klappt",
        "sheet_contents_intro": "Alle Tabellen des Berichts mit ihrer Basis (n). Prozente bezogen auf die Basis.",
    },
    "en": {
        "agenda": "Agenda",
        "thanks": "Thank you!",
        "multiple": "Multiple answers possible",
        "rounded_off": "Totals other than 100\u00a0% are due to rounding",
        "coded_note": "Coded free text: {codes} codes, {suggested} of them accepted suggestions",
        "different_questions": "different questions – no direct comparison over time",
        "demo_mark": "Demo – synthetic data",
        "abbreviations": "Abbreviations",
        "source_line": "Source: {survey}, n={n}",
        "returns_of_sites": "Returns: {n} of {sites} sites ({pct})",
        "returns_by_type": "{type}: {n} of {sites}",
        "wave_label": "Wave {wave}",
        "as_of": "As of {date}",
        "field_period": "Field period: {period}",
        "withheld_few": "< {k}: fewer than {k} sites – not shown to protect single sites",
        "withheld_recomputable": "x: not shown, as it could be worked out from the total and "
        "the other groups",
        "too_few_title": "Results not shown",
        "too_few_returns": "Response: {n} questionnaires – fewer than the minimum cell size of {k}.",
        "too_few_returns_one": "Response: 1 questionnaire – fewer than the minimum cell size of {k}.",
        "too_few_why": "To protect single sites no results are shown: with so few returns each "
        "site could read off the others' answers. Results follow from {k} returns on.",
        "mentions_few": "{n} mentions by fewer than {k} sites not shown (to protect single sites)",
        "mentions_few_one": "1 mention by fewer than {k} sites not shown (to protect single sites)",
        "mentions_personal": "{n} mentions with personal data not shown",
        "mentions_personal_one": "1 mention with personal data not shown",
        "free_text_held": "Free-text answers ({n} questions) are not quoted: they could identify "
        "single sites or persons; coded categories are shown",
        "answer": "Answer",
        "count": "Count",
        "percent": "Share (%)",
        "base": "Base (n)",
        "base_short": "n",
        "mentions": "Mentions",
        "mention": "Mention",
        "other": "other (free text)",
        "item": "Question",
        "statistic": "Statistic",
        "mean_rank": "mean rank",
        "place": "place",
        "value": "Value",
        "mean": "Mean",
        "median": "Median",
        "min": "Minimum",
        "max": "Maximum",
        "sum": "Sum",
        "responses": "Returns",
        "data_basis": "Data",
        "returns_line": "Returns: {n} questionnaires",
        "returns_line_one": "Returns: 1 questionnaire",
        "wave": "Wave",
        "contents": "Contents",
        "slide": "Slide",
        "table": "Table",
        "question": "Question",
        "note": "Note",
        "chart_of": "Chart",
        "cloud_note": "Font size by how often a mention occurs",
        "no_answers": "No answers",
        "findings": "Findings",
        "footnotes": "Footnotes",
        "kind_doughnut": "doughnut chart",
        "kind_pie": "pie chart",
        "kind_bar": "bar chart",
        "kind_column": "column chart",
        "kind_stacked": "100% stacked bar chart",
        "kind_grouped": "grouped bar chart",
        "kind_cloud": "mention cloud",
        "kind_table": "table",
        "kind_trend": "trend",
        "kind_transitions": "transitions of the same sites",
        "generated": "Made with klappt",
        "sheet_contents_intro": "Every table of the report with its base (n). Percentages of the base.",
    },
}


def text(key: str, lang: str) -> str:
    """A fixed phrase in ``lang`` (German when the language is unknown)."""
    return TEXTS.get(lang, TEXTS["de"]).get(key) or TEXTS["de"][key]


def text_n(key: str, n: int, lang: str) -> str:
    """The phrase ``key`` for a count ``n``: its singular (``key_one``) when ``n`` is 1, so a
    report never says "1 Fragebögen" or "1 Nennung(en)"."""
    return text(f"{key}_one", lang) if n == 1 and f"{key}_one" in TEXTS["de"] else text(key, lang)


def round_half_up(value: float | Decimal, decimals: int) -> Decimal:
    """Round as people do on paper (2.25 -> 2.3), not as floats do."""
    d = value if isinstance(value, Decimal) else Decimal(repr(value))
    return d.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def exact_share(count: int, base: int) -> float:
    """``count`` of ``base`` in percent, unrounded (57.5, not 58): what charts and workbooks store.

    Computed in decimals so that 23 of 40 is 57.5 and not 57.49999999999999.
    """
    if not base:
        return 0.0
    return float(Decimal(count) * 100 / Decimal(base))


def share(count: int, base: int, decimals: int = 1) -> float:
    """``count`` of ``base`` in percent, half-up from the exact fraction; 0 for an empty base."""
    if not base:
        return 0.0
    exact = Decimal(count) * 100 / Decimal(base)
    return float(exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))


def fmt_number(value: float | int | Decimal | None, lang: str, decimals: int | None = None) -> str:
    """``1234.5`` -> ``1.234,5`` (de) or ``1,234.5`` (en); integers without decimals."""
    if value is None:
        return "–"
    if decimals is None:
        decimals = 0 if isinstance(value, int) or float(value).is_integer() else 1
    rounded = round_half_up(value, decimals)
    body = f"{abs(rounded):,.{decimals}f}"
    if lang != "en":
        body = body.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return ("-" if rounded < 0 else "") + body


def fmt_percent(value: float | None, lang: str, decimals: int = 1) -> str:
    """``39.1`` -> ``39,1 %`` (de, with a narrow no-break space) or ``39.1%`` (en)."""
    if value is None:
        return "–"
    number = fmt_number(value, lang, decimals)
    return f"{number}\u202f%" if lang != "en" else f"{number}%"


def base_text(base: int | None, lang: str) -> str:
    """``n=40`` (both languages write it so)."""
    return f"n={fmt_number(base or 0, lang, 0)}"


def excel_number_format(lang: str, decimals: int, percent_sign: bool) -> str:
    """A number format that LibreOffice and PowerPoint render in the report's language.

    The ``[$-407]`` (German) / ``[$-409]`` (English) locale prefix makes LibreOffice
    use that locale's decimal separator whatever the machine's locale; PowerPoint uses
    the reader's system locale, which for a German reader is German anyway.
    """
    locale = "[$-409]" if lang == "en" else "[$-407]"
    digits = "0" if decimals <= 0 else "0." + "0" * decimals
    unit = ('"%"' if lang == "en" else '" %"') if percent_sign else ""
    return f"{locale}{digits}{unit}"
