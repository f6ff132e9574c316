"""Every YAML klappt reads (code books, recipes) goes through :mod:`klappt.yamlsafe`: a "billion
laughs" of anchors and aliases, deep nesting, too many nodes and too many bytes end in a catalogue
error naming the file and the line, and every code book and recipe of the repository still loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from klappt import yamlsafe
from klappt.coding import codebook_from_yaml, read_codebook
from klappt.errors import ErrorCode, KlapptError
from klappt.report.recipe import load_recipe, parse_recipe

REPO = Path(__file__).resolve().parents[1]

#: the classic: nine lists of nine, each naming the one before; 1e9 "lol" when expanded
LAUGHS = "\n".join(
    [
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
        *(
            f"{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]"
            for p, c in zip("abcdefgh", "bcdefghi", strict=True)
        ),
    ]
)


def _codebook_bomb() -> str:
    # a code book whose labels are the bomb: valid to the loader until the aliases expand
    return "question: angebote\n" + LAUGHS + "\ncodes:\n  - code: x\n    label: *i\n"


def _recipe_bomb() -> str:
    return LAUGHS + "\ntitle: T\nslides:\n  - text: {title: X, bullets: *i}\n"


def _deep(levels: int, key: str = "codes") -> str:
    return f"question: angebote\n{key}: " + "[" * levels + "1" + "]" * levels + "\n"


def test_billion_laughs_code_book__error(tmp_path):
    p = tmp_path / "bombe.yaml"
    p.write_text(_codebook_bomb(), encoding="utf-8")
    assert p.stat().st_size < 700
    with pytest.raises(KlapptError) as info:
        read_codebook(p)
    assert info.value.code is ErrorCode.YAML_001
    assert info.value.params["line"] == 2  # the first anchor
    assert str(p) in info.value.message("de") and "Zeile 2" in info.value.message("de")
    assert "line 2" in info.value.message("en") and "aliases" in info.value.message("en")


def test_billion_laughs_recipe__error(tmp_path):
    p = tmp_path / "rezept.yaml"
    p.write_text(_recipe_bomb(), encoding="utf-8")
    with pytest.raises(KlapptError) as info:
        load_recipe(p)
    assert info.value.code is ErrorCode.YAML_001
    assert info.value.params["path"] == str(p)
    assert info.value.params["line"] == 1


def test_an_alias_alone_is_refused__error():
    with pytest.raises(KlapptError) as info:
        codebook_from_yaml("question: q\ncodes:\n  - code: a\n    label: *nirgends\n", "cb.yaml")
    assert info.value.code is ErrorCode.YAML_001
    assert info.value.params["line"] == 4


@pytest.mark.parametrize("levels", [100, 50_000])
def test_deep_nesting__error(levels):
    with pytest.raises(KlapptError) as info:
        codebook_from_yaml(_deep(levels), "tief.yaml")
    assert info.value.code is ErrorCode.YAML_002
    assert info.value.params == {"path": "tief.yaml", "line": 2, "limit": yamlsafe.MAX_DEPTH}
    with pytest.raises(KlapptError) as info:
        parse_recipe("title: T\nslides: " + "[" * levels + "]" * levels + "\n", "r.yaml")
    assert info.value.code is ErrorCode.YAML_002


def test_nesting_at_the_limit_still_loads__ok():
    # the document's mapping is level 1 and the innermost value the last: MAX_DEPTH levels
    data = yamlsafe.load(_deep(yamlsafe.MAX_DEPTH - 2), "t.yaml")
    assert data["question"] == "angebote"
    with pytest.raises(KlapptError):
        yamlsafe.load(_deep(yamlsafe.MAX_DEPTH - 1), "t.yaml")


def test_too_many_nodes__error():
    text = "question: q\ncodes: [" + ",".join(["0"] * (yamlsafe.MAX_NODES + 10)) + "]\n"
    assert len(text.encode()) < yamlsafe.MAX_BYTES
    with pytest.raises(KlapptError) as info:
        codebook_from_yaml(text, "viele.yaml")
    assert info.value.code is ErrorCode.YAML_003
    assert info.value.params["limit"] == yamlsafe.MAX_NODES


def test_too_many_bytes_refused_before_reading__error(tmp_path):
    p = tmp_path / "gross.yaml"
    p.write_text("question: q\n" + "# ein Kommentar\n" * 80_000, encoding="utf-8")
    assert p.stat().st_size > yamlsafe.MAX_BYTES
    for read in (read_codebook, load_recipe):
        with pytest.raises(KlapptError) as info:
            read(p)
        assert info.value.code is ErrorCode.YAML_004
        assert info.value.params["size"] == p.stat().st_size
    with pytest.raises(KlapptError) as info:
        parse_recipe(p.read_text(encoding="utf-8"), "gross.yaml")
    assert info.value.code is ErrorCode.YAML_004


def test_python_tags_stay_refused__error():
    with pytest.raises(KlapptError) as info:
        codebook_from_yaml("question: !!python/object/apply:os.system ['true']\ncodes: []\n", "t")
    assert info.value.code is ErrorCode.CODING_005


@pytest.mark.parametrize(
    "path",
    sorted(p.relative_to(REPO) for p in REPO.glob("src/klappt/reference/codebook_*.yaml")),
    ids=str,
)
def test_every_code_book_of_the_repository_loads__ok(path):
    book = read_codebook(REPO / path)
    assert book.codes and book.question


@pytest.mark.parametrize(
    "path",
    [Path("src/klappt/reference/recipe_2022.yaml"), Path("tests/report/recipe.yaml")],
    ids=str,
)
def test_every_recipe_of_the_repository_loads__ok(path):
    assert load_recipe(REPO / path).slides


def test_the_reference_figures_load__ok():
    text = (REPO / "src/klappt/reference/expected_figures.yaml").read_text(encoding="utf-8")
    assert len(yamlsafe.load(text, "expected_figures.yaml")) > 100


@pytest.mark.parametrize("kind", ["recipe", "codebook"])
def test_the_cli_names_the_limit_and_exits_2__error(tmp_path, capsys, kind):
    from klappt import cli

    form = REPO / "tests/report/form.md"
    data = REPO / "tests/report/returns_2022.csv"
    bomb = tmp_path / "bombe.yaml"
    bomb.write_text(_recipe_bomb() if kind == "recipe" else _codebook_bomb(), encoding="utf-8")
    args = (
        ["report", str(form), str(data), "--recipe", str(bomb), "--out", str(tmp_path / "b.pptx")]
        if kind == "recipe"
        else ["code", "codebook", str(bomb)]
    )
    with pytest.raises(SystemExit) as info:
        cli.main(args)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "YAML-Anker und -Verweise" in err and "bombe.yaml" in err and "Traceback" not in err
    assert not (tmp_path / "b.pptx").exists()
