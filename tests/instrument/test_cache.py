"""The form cache: a parsed form is reused for the same bytes, never for changed ones."""

from __future__ import annotations

import subprocess
import sys

from klappt.instrument import read_instrument

FORM = """
| survey |
|        | type          | name | label |
|        | select_one yn | a    | A     |
| choices |
|         | list_name | name | label |
|         | yn        | ja   | ja    |
|         | yn        | nein | nein  |
"""


def test_second_read_comes_from_the_cache_without_pyxform__ok(write_form, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("KLAPPT_CACHE_DIR", str(cache))
    path = write_form(FORM)
    first = read_instrument(path)
    assert len(list(cache.glob("*.json"))) == 1
    code = (
        "import sys; from klappt.instrument import read_instrument\n"
        f"f = read_instrument({str(path)!r})\n"
        "assert 'pyxform' not in sys.modules, 'pyxform was imported'\n"
        "print(f.question('a').choices[1].name)\n"
    )
    env = {"KLAPPT_CACHE_DIR": str(cache), "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "nein"
    assert read_instrument(path) == first
    assert read_instrument(path).source == str(path)


def test_changed_form_is_read_again__ok(write_form, tmp_path, monkeypatch):
    monkeypatch.setenv("KLAPPT_CACHE_DIR", str(tmp_path / "cache"))
    path = write_form(FORM)
    assert [c.name for c in read_instrument(path).question("a").choices] == ["ja", "nein"]
    path.write_text(FORM.replace("| nein | nein  |", "| weiss | weiß  |"), encoding="utf-8")
    assert [c.name for c in read_instrument(path).question("a").choices] == ["ja", "weiss"]


def test_cache_can_be_switched_off__ok(write_form, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("KLAPPT_CACHE_DIR", str(cache))
    monkeypatch.setenv("KLAPPT_NO_CACHE", "1")
    read_instrument(write_form(FORM))
    assert not cache.exists()
