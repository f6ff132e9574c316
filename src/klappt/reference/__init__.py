"""The bundled "Gemeinsam klappt's" reference pack: forms, register, synthetic returns, figures."""

from __future__ import annotations

from pathlib import Path

REFERENCE_WAVES: dict[str, tuple[str, str]] = {
    "2022": ("arbeitshilfe_2022.xlsx", "returns_2022.csv"),
    "2020": ("checkliste_2020.xlsx", "returns_2020.csv"),
    # SYNTHETIC as a whole (form too): the trend example's middle wave, see README.md
    "2021": ("entwicklungsstand_2021.xlsx", "returns_2021.csv"),
}

#: the pack's question mappings onto 2022 (``klappt waves map --apply``), earlier wave first
REFERENCE_MAPPINGS: tuple[str, ...] = ("mapping_2020_2022.yaml", "mapping_2021_2022.yaml")

#: wave -> (code books of its text questions, their codings), as the reference recipe uses them
REFERENCE_CODING: dict[str, tuple[tuple[str, ...], str]] = {
    "2022": (
        ("codebook_notwendigkeit_text.yaml", "codebook_mehrwert_nennungen.yaml"),
        "codings_2022.csv",
    ),
}


def reference_path(name: str) -> Path:
    """The path of the bundled file ``name`` (e.g. ``"returns_2022.csv"``); FileNotFoundError if absent."""
    path = Path(__file__).parent / name
    if not path.is_file():
        raise FileNotFoundError(f"no bundled reference file {name!r} in {path.parent}")
    return path


def load_reference(wave: str = "2022"):
    """Read a bundled wave: its form and returns, typed and checked.

    Example
    -------
    >>> form, rs, report = load_reference("2020")
    >>> rs.height, report.ok
    (46, True)
    """
    from klappt.instrument import read_instrument
    from klappt.responses.dataset import load_responses
    from klappt.responses.io import read_table

    form_name, data_name = REFERENCE_WAVES[wave]
    form = read_instrument(reference_path(form_name))
    rs, report = load_responses(form, read_table(reference_path(data_name)))
    return form, rs, report
