"""Honest uncertainty for trends: Wilson intervals, Fisher's and McNemar's exact tests (scipy).

A wave of 40 of 54 sites is nearly a census: what limits a comparison is who did not answer and
that the sites differ between waves, not sampling. These figures are shown only when asked for
(``klappt trend --tests``), always with :func:`footnote`, which says what they assume.
"""

from __future__ import annotations

__all__ = ["fisher", "footnote", "mcnemar", "wilson"]


def wilson(count: int, base: int, confidence: float = 0.95) -> tuple[float, float] | None:
    """The Wilson score interval of ``count`` of ``base``, in percent (one decimal)."""
    if base <= 0:
        return None
    from scipy.stats import binomtest

    ci = binomtest(count, base).proportion_ci(confidence_level=confidence, method="wilson")
    return round(100 * float(ci.low), 1), round(100 * float(ci.high), 1)


def fisher(k1: int, n1: int, k2: int, n2: int) -> float | None:
    """Two-sided p of Fisher's exact test: ``k1`` of ``n1`` against ``k2`` of ``n2``
    (two independent waves)."""
    if n1 <= 0 or n2 <= 0:
        return None
    from scipy.stats import fisher_exact

    return float(fisher_exact([[k1, n1 - k1], [k2, n2 - k2]]).pvalue)


def mcnemar(left: int, joined: int) -> float:
    """Two-sided p of McNemar's exact test for the same sites: ``left`` sites gave the answer
    in the first wave but not in the second, ``joined`` the other way round.

    The exact test is the binomial test of the discordant pairs against one half (as
    ``statsmodels.stats.contingency_tables.mcnemar(exact=True)``); no discordant pair: p = 1.
    """
    n = left + joined
    if n == 0:
        return 1.0
    from scipy.stats import binomtest

    return float(binomtest(left, n, 0.5).pvalue)


def footnote(lang: str | None = None) -> str:
    """What the intervals and tests assume, in the report's language."""
    if (lang or "de") == "en":
        return (
            "Intervals (95 %, Wilson) and tests (Fisher's exact test for two waves, McNemar's "
            "exact test for the sites that answered in both) treat the returns as a random "
            "sample of sites. A wave that reached most sites is nearly a census: what limits a "
            "comparison is who did not answer and that the sites differ between waves, which "
            "no test accounts for. Fisher's test also assumes the two waves are independent, "
            "which they are not where the same sites answered twice."
        )
    return (
        "Intervalle (95 %, Wilson) und Tests (Fishers exakter Test für zwei Wellen, McNemars "
        "exakter Test für die Standorte, die in beiden geantwortet haben) behandeln die "
        "Rückläufe als Zufallsstichprobe von Standorten. Eine Welle, die die meisten Standorte "
        "erreicht hat, ist nahezu eine Vollerhebung: einen Vergleich begrenzen vor allem, wer "
        "nicht geantwortet hat und dass sich die Standorte zwischen den Wellen unterscheiden – "
        "das berücksichtigt kein Test. Fishers Test nimmt zudem unabhängige Wellen an; das "
        "sind sie nicht, wo dieselben Standorte zweimal geantwortet haben."
    )
