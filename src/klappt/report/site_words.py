"""The fixed wording of site reports, German and English (the deck's is in
:mod:`klappt.report.wording`)."""

from __future__ import annotations

__all__ = ["DATIVE", "WORDS", "word"]

#: The fixed wording of site reports (the deck's is in :mod:`klappt.report.wording`).
WORDS: dict[str, dict[str, str]] = {
    "de": {
        "yours": "Ihre Angabe",
        "yours_many": "Ihre Angaben",
        "your_value": "Ihr Wert",
        "your_text": "Ihre Antwort",
        "none": "keine Angabe",
        "all": "Alle Kommunen",
        "compare": "Ihre Angaben im Vergleich mit allen teilnehmenden Kommunen (n={n})",
        "compare_group": " und mit {group} (n={g})",
        "no_group": "; ein Vergleich mit Ihrer Gruppe entfällt (weniger als {k} Rückläufe)",
        "absent": "Ergebnisse des Programms – von Ihrer Kommune liegt für diese Welle kein "
        "Rücklauf vor",
        "mean": "Mittelwert aller Kommunen: {mean} (Skala 1 = {first} bis {k} = {last})",
        "mean_group": "{group}: {mean}",
        "median": "Median aller Kommunen: {median} (mittlere Hälfte: {q1} bis {q3})",
        "rank": "Ihre Kommune liegt damit {where}.",
        "program_change": "Alle Kommunen („{choice}“): {before} → {after}",
        "group_note": "Ein Vergleich mit der Gruppe „{group}“ entfällt hier: weniger als {k} "
        "Kommunen (zum Schutz einzelner Kommunen).",
        "reading": "So lesen Sie diesen Bericht",
        "reading_1": "„Ihre Angabe“ markiert die Antwort Ihrer Kommune; daneben stehen die "
        "Anteile aller teilnehmenden Kommunen und Ihrer Vergleichsgruppe.",
        "reading_2": "Vergleichsgruppen mit weniger als {k} Kommunen werden nicht gezeigt; "
        "Angaben anderer einzelner Kommunen und deren Freitexte enthält der Bericht nicht.",
        "reading_3": "Wo Ihre Kommune in einer früheren Welle dieselbe Frage beantwortet hat, "
        "steht die frühere Angabe dabei: „2020: nein → 2022: ja“.",
        "free_text": "Ihre Freitextangaben",
        "median_row": "Median alle",
        "q1_row": "unteres Quartil",
        "q3_row": "oberes Quartil",
        "group_median_row": "Median {group}",
    },
    "en": {
        "yours": "Your answer",
        "yours_many": "Your answers",
        "your_value": "Your value",
        "your_text": "Your answer",
        "none": "no answer",
        "all": "All sites",
        "compare": "Your answers compared with all participating sites (n={n})",
        "compare_group": " and with {group} (n={g})",
        "no_group": "; no comparison with your group (fewer than {k} returns)",
        "absent": "The program's results – your site has no return in this wave",
        "mean": "Mean of all sites: {mean} (scale 1 = {first} to {k} = {last})",
        "mean_group": "{group}: {mean}",
        "median": "Median of all sites: {median} (middle half: {q1} to {q3})",
        "rank": "Your site lies {where}.",
        "program_change": "All sites (“{choice}”): {before} → {after}",
        "group_note": "No comparison with the group “{group}” here: fewer than {k} sites (to "
        "protect single sites).",
        "reading": "How to read this report",
        "reading_1": "“Your answer” marks your site's answer, beside the shares of all "
        "participating sites and of your comparison group.",
        "reading_2": "Comparison groups of fewer than {k} sites are not shown; the report holds "
        "no other single site's answers or free text.",
        "reading_3": "Where your site answered the same question in an earlier wave, that "
        "answer is given too: “2020: no → 2022: yes”.",
        "free_text": "Your free-text answers",
        "median_row": "Median, all",
        "q1_row": "lower quartile",
        "q3_row": "upper quartile",
        "group_median_row": "Median {group}",
    },
}

#: "den kreisfreien Städten": a register group in the title's sentence.
DATIVE = {"kreisfreie_stadt": "den kreisfreien Städten", "kreis": "den Kreisen"}


def word(key: str, lang: str) -> str:
    return WORDS.get(lang, WORDS["de"])[key]
