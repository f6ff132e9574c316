"""The recipe's ``trends:``: which mapping files say how the waves' questions correspond, which
question names each return's site, and the order of the waves::

    trends:
      waves: ["2020", "2021", "2022"]
      mappings: [mapping_2020_2022.yaml, mapping_2021_2022.yaml]
      sites: kommune

Each mistake names its recipe line (``REPORT_001``); the mapping files themselves are checked
against the forms when the report is built (``TREND_001`` naming the file's line).
"""

from __future__ import annotations

from klappt.report.recipe_options import Reader
from klappt.report.recipe_yaml import YMap, YSeq
from klappt.report.spec import TrendSources

__all__ = ["read_trends"]


def _names(r: Reader, d: YMap, key: str) -> tuple[str, ...]:
    value = d.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, YSeq) or any(isinstance(v, (YMap, YSeq)) for v in value):
        raise r.fail(
            d.key_lines.get(key, d.line),
            f"trends.{key}: eine Liste von Namen wird erwartet.",
            f"trends.{key}: a list of names is expected.",
        )
    return tuple(str(v) for v in value)


def read_trends(r: Reader, m: YMap) -> TrendSources | None:
    """``trends: {waves, mappings, sites}`` of the recipe ``m`` (None when it has none)."""
    value = m.get("trends")
    if value is None:
        return None
    d = r.mapping(value, m.key_lines.get("trends"), "trends")
    r.check_keys(d, ("waves", "mappings", "sites"), "trends")
    sites = d.get("sites")
    if sites is not None and (isinstance(sites, (YMap, YSeq)) or not str(sites).strip()):
        raise r.fail(
            d.key_lines.get("sites", d.line),
            "trends.sites: der Name der Frage, die den Standort nennt (z. B. sites: kommune).",
            "trends.sites: the name of the question naming the site (e.g. sites: kommune).",
        )
    return TrendSources(
        mappings=_names(r, d, "mappings"),
        sites=None if sites is None else str(sites).strip(),
        waves=_names(r, d, "waves"),
        line=m.key_lines.get("trends", m.line),
    )
