"""Writing outputs: format by extension, atomic, clear errors, nothing half-written."""

from __future__ import annotations

import os

import pytest

from klappt.errors import ErrorCode, KlapptError
from klappt.report.build import build_report
from klappt.report.data import ReportData
from klappt.report.output import write_outputs
from klappt.report.recipe import default_spec


@pytest.fixture(scope="module")
def built(form, rs2022):
    return build_report(default_spec(form), ReportData.single(form, rs2022))


def test_several_formats_in_one_run__ok(built, tmp_path):
    paths = [tmp_path / "bericht.pptx", tmp_path / "bericht.html", tmp_path / "bericht.xlsx"]
    written = write_outputs(built, paths)
    assert written == paths
    assert paths[0].read_bytes()[:2] == b"PK"
    assert paths[1].read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert paths[2].read_bytes()[:2] == b"PK"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "bericht.html",
        "bericht.pptx",
        "bericht.xlsx",
    ]


def test_unknown_extension__error(built, tmp_path):
    with pytest.raises(KlapptError) as info:
        write_outputs(built, [tmp_path / "bericht.pptx", tmp_path / "bericht.docx"])
    assert info.value.code is ErrorCode.REPORT_003
    assert not list(tmp_path.iterdir())  # nothing written, not even the valid one


def test_missing_folder__error(built, tmp_path):
    with pytest.raises(KlapptError) as info:
        write_outputs(built, [tmp_path / "gibt-es-nicht" / "bericht.pptx"])
    assert info.value.code is ErrorCode.FILE_006


def test_unwritable_target__error(built, tmp_path):
    # a folder where the deck should go cannot be replaced, even by root
    (tmp_path / "bericht.pptx").mkdir()
    with pytest.raises(KlapptError) as info:
        write_outputs(built, [tmp_path / "bericht.html", tmp_path / "bericht.pptx"])
    assert info.value.code is ErrorCode.FILE_006
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bericht.pptx"]  # no html, no temp file


def test_a_failing_renderer_leaves_the_old_file_untouched__ok(built, tmp_path, monkeypatch):
    from klappt.report import output

    target = tmp_path / "bericht.pptx"
    target.write_bytes(b"old deck")

    def boom(*args, **kwargs):
        raise KlapptError(ErrorCode.REPORT_002, path="vorlage.pptx", reason="kaputt")

    monkeypatch.setitem(output.RENDERERS, ".pptx", boom)
    with pytest.raises(KlapptError):
        write_outputs(built, [tmp_path / "bericht.html", target])
    assert target.read_bytes() == b"old deck"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bericht.pptx"]


def test_a_failing_write_leaves_no_temporary_file__ok(built, tmp_path, monkeypatch):
    def fail(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(KlapptError) as info:
        write_outputs(built, [tmp_path / "bericht.html"])
    assert info.value.code is ErrorCode.FILE_006
    assert not list(tmp_path.iterdir())


def test_unknown_question_in_the_recipe_names_its_line__error(form, rs2022):
    from klappt.report.recipe import parse_recipe

    spec = parse_recipe(
        "slides:\n  - section: A\n  - result:\n      title: X\n      chart: lebenswelt_x\n",
        "r.yaml",
    )
    with pytest.raises(KlapptError) as info:
        build_report(spec, ReportData.single(form, rs2022))
    assert info.value.code is ErrorCode.REPORT_001
    assert info.value.params["line"] == 5
    assert "lebenswelt_x" in str(info.value)


def test_unsuitable_chart_kind_names_its_line__error(form, rs2022):
    from klappt.report.recipe import parse_recipe

    spec = parse_recipe(
        "slides:\n  - result:\n      chart: {question: koop, kind: doughnut}\n", "r.yaml"
    )
    with pytest.raises(KlapptError) as info:
        build_report(spec, ReportData.single(form, rs2022))
    assert info.value.params["line"] == 3


def test_unknown_wave_names_its_line__error(form, rs2022):
    from klappt.report.recipe import parse_recipe

    spec = parse_recipe(
        "slides:\n  - result:\n      chart: {question: koop, waves: [a, b]}\n", "r.yaml"
    )
    with pytest.raises(KlapptError) as info:
        build_report(spec, ReportData.single(form, rs2022))
    assert info.value.params["line"] == 3
