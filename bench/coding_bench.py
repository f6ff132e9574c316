"""How fast are code suggestions? Train on coded answers, then suggest codes for 10,000 answers.

Run: ``.venv/bin/python bench/coding_bench.py [--answers 10000] [--repeat 5]``

Synthetic German answers (seeded): 16 codes, each with a handful of topic words, combined into
answers of one to three parts with filler words, typos and compounds. We time, as medians over
``--repeat`` runs:

* training on 500, 2,000 and all 10,000 coded answers (TF-IDF on stemmed words and character
  n-grams, one logistic regression per code, keyword rules from the code book's examples),
* suggesting the top three codes for all 10,000 answers,
* the two together — the figure to hold against the 3-second target,

and report the top-1 accuracy on the answers not used for training, as a sanity check.
This is a measurement, not a test: it prints, and fails nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from klappt.coding.codebook import Code, Codebook
from klappt.coding.suggest import train_suggester

TOPICS = {
    "sport": (
        "Sportverein",
        "Fußball",
        "Schwimmkurs",
        "Turnhalle",
        "Bewegungsangebote",
        "Basketball",
    ),
    "sprache": (
        "Deutschkurs",
        "Sprachcafé",
        "Sprachkurse",
        "Alphabetisierung",
        "Deutsch lernen",
        "Integrationskurs",
    ),
    "kultur": ("Theater", "Musikschule", "Bücherei", "Kunstprojekt", "Konzerte", "Museum"),
    "jugend": (
        "Jugendtreff",
        "Jugendzentrum",
        "Streetwork",
        "Jugendarbeit",
        "Ferienfreizeit",
        "Jugendclub",
    ),
    "senioren": (
        "Seniorentreff",
        "Altenhilfe",
        "Besuchsdienst",
        "Seniorencafé",
        "Pflegeberatung",
        "Mittagstisch",
    ),
    "beratung": (
        "Schuldnerberatung",
        "Sozialberatung",
        "Erziehungsberatung",
        "Suchtberatung",
        "Beratungsstelle",
        "Lotsen",
    ),
    "mobilitaet": ("Busverbindung", "Bürgerbus", "Radwege", "ÖPNV", "Fahrdienst", "Carsharing"),
    "wohnen": (
        "bezahlbarer Wohnraum",
        "Wohnungen",
        "Mietwohnungen",
        "Wohnprojekt",
        "Sozialwohnungen",
        "Wohnberatung",
    ),
    "kita": ("Kitaplätze", "Kinderbetreuung", "Krippe", "Hort", "Tagesmütter", "Ganztagsbetreuung"),
    "arbeit": (
        "Arbeitsplätze",
        "Ausbildung",
        "Jobcenter",
        "Bewerbungstraining",
        "Praktikum",
        "Beschäftigung",
    ),
    "gesundheit": (
        "Hausarzt",
        "Kinderarzt",
        "Gesundheitskurse",
        "Apotheke",
        "Physiotherapie",
        "Ärzte",
    ),
    "digital": (
        "WLAN",
        "Internet",
        "Computerkurs",
        "Digitalisierung",
        "Smartphone-Kurs",
        "Onlineangebote",
    ),
    "begegnung": (
        "Nachbarschaftstreff",
        "Begegnungsstätte",
        "Stadtteilfest",
        "Familiencafé",
        "Bürgerhaus",
        "Treffpunkt",
    ),
    "umwelt": (
        "Grünflächen",
        "Spielplatz",
        "Parks",
        "Gemeinschaftsgarten",
        "Müllsammelaktion",
        "Bäume",
    ),
    "ehrenamt": (
        "Ehrenamtliche",
        "Freiwilligenagentur",
        "Engagement",
        "Patenschaften",
        "Ehrenamtsbörse",
        "Helferkreis",
    ),
    "sicherheit": (
        "Beleuchtung",
        "Polizei",
        "Sicherheit",
        "Ordnungsamt",
        "Präventionsarbeit",
        "Nachtbus",
    ),
}
FILLER = (
    "mehr",
    "bessere",
    "fehlende",
    "dringend",
    "für alle",
    "vor Ort",
    "im Stadtteil",
    "mehr Angebote für",
    "es fehlt an",
    "wir brauchen",
    "wünschenswert wären",
    "zu wenig",
)


def typo(word: str, rnd: random.Random) -> str:
    if len(word) > 5 and rnd.random() < 0.15:
        i = rnd.randrange(1, len(word) - 1)
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word


def make_answers(n: int, seed: int) -> list[tuple[str, frozenset[str]]]:
    rnd = random.Random(seed)
    codes = list(TOPICS)
    out = []
    for _ in range(n):
        k = rnd.choices((1, 2, 3), weights=(6, 3, 1))[0]
        chosen = rnd.sample(codes, k)
        parts = []
        for code in chosen:
            words = [typo(rnd.choice(TOPICS[code]), rnd)]
            if rnd.random() < 0.6:
                words.insert(0, rnd.choice(FILLER))
            parts.append(" ".join(words))
        out.append(("; ".join(parts), frozenset(chosen)))
    return out


def codebook() -> Codebook:
    return Codebook(
        "angebote",
        tuple(
            Code(code, {"de": code.capitalize()}, examples=words[:2])
            for code, words in TOPICS.items()
        ),
        version="bench",
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--answers", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    book = codebook()
    data = make_answers(args.answers, seed=7)
    texts = [t for t, _ in data]
    print(
        f"{args.answers} synthetic answers, {len(TOPICS)} codes, median of {args.repeat} runs; "
        f"wall-clock seconds (CPU seconds of this process in brackets, less disturbed by other load)"
    )
    print(
        f"{'trained on':>10}  {'train':>13}  {'suggest':>13}  {'total':>13}  {'top-1 held out':>14}"
    )
    for n_train in (500, 2_000, args.answers):
        wall: dict[str, list[float]] = {"train": [], "suggest": [], "total": []}
        cpu: dict[str, list[float]] = {"train": [], "suggest": [], "total": []}
        acc = 0.0
        for _ in range(args.repeat):
            w0, c0 = time.perf_counter(), time.process_time()
            model = train_suggester(book, data[:n_train], seed=0)
            w1, c1 = time.perf_counter(), time.process_time()
            ranked = model.suggest(texts, top_k=3)
            w2, c2 = time.perf_counter(), time.process_time()
            for d, a, b, c in ((wall, w0, w1, w2), (cpu, c0, c1, c2)):
                d["train"].append(b - a)
                d["suggest"].append(c - b)
                d["total"].append(c - a)
            held = range(n_train, args.answers) if n_train < args.answers else range(args.answers)
            hits = sum(1 for i in held if ranked[i] and ranked[i][0].code in data[i][1])
            acc = hits / len(held)
        cells = [
            f"{statistics.median(wall[k]):5.2f} ({statistics.median(cpu[k]):5.2f})"
            for k in ("train", "suggest", "total")
        ]
        print(f"{n_train:>10}  {cells[0]:>13}  {cells[1]:>13}  {cells[2]:>13}  {acc:>14.3f}")
    print(
        f"load average while running: {', '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs"
    )


if __name__ == "__main__":
    main()
