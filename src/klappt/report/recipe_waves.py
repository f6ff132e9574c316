"""The recipe's ``waves:``, the files each wave is read from::

waves:
  "2022": {form: arbeitshilfe_2022.xlsx, data: returns_2022.csv,
           codebooks: [codebook.yaml], codings: codings_2022.csv}
  "2020": {form: checkliste_2020.xlsx, data: returns_2020.csv}
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from klappt.errors import KlapptError
from klappt.errors import Text as Bilingual
from klappt.report.recipe_yaml import YMap, line_of
from klappt.report.spec import WaveSource

__all__ = ["read_waves"]


class WaveReader(Protocol):
    """What reading the waves uses of the recipe reader."""

    def fail(self, line: int | None, de: str, en: str) -> KlapptError: ...

    def mapping(self, value: Any, line: int | None, what: str | Bilingual) -> YMap: ...

    def check_keys(self, m: YMap, allowed: Iterable[str], what: str | Bilingual) -> None: ...

    def string(self, m: YMap, key: str, required: bool = False, what: str = "") -> str | None: ...

    def strings(self, m: YMap, key: str) -> tuple[str, ...]: ...


def read_waves(r: WaveReader, value: Any, line: int | None) -> tuple[WaveSource, ...]:
    """The recipe's ``waves:``: a list of names, or per name its form, data, code books and
    codings (each mistake names its recipe line)."""
    if value is None:
        return ()
    if isinstance(value, list):
        return tuple(WaveSource(name=str(v), line=line_of(v, line)) for v in value)
    m = r.mapping(value, line, "waves")
    out = []
    for name, src in m.items():
        key_line = m.key_lines.get(name)
        if src is None:
            out.append(WaveSource(name=str(name), line=key_line))
            continue
        wave = Bilingual(f"Welle {name}", f"wave {name}")
        sm = r.mapping(src, key_line, wave)
        r.check_keys(sm, ("form", "data", "codebooks", "codings"), wave)
        codebooks, codings = r.strings(sm, "codebooks"), r.strings(sm, "codings")
        if codebooks and not codings:
            raise r.fail(
                sm.key_lines.get("codebooks", key_line),
                f"Welle {name}: zu 'codebooks' fehlt 'codings' (die Codierungen).",
                f"wave {name}: 'codebooks' needs 'codings' (the codings file).",
            )
        out.append(
            WaveSource(
                name=str(name),
                form=r.string(sm, "form"),
                data=r.string(sm, "data"),
                line=key_line,
                codebooks=codebooks,
                codings=codings,
                codes_line=sm.key_lines.get("codebooks", key_line),
            )
        )
    return tuple(out)
