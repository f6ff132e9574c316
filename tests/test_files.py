"""Outputs are written whole or not at all."""

from __future__ import annotations

import os
import stat

import pytest

from klappt.errors import ErrorCode, KlapptError
from klappt.files import write_atomic


def test_write_atomic_replaces_whole_file_with_normal_permissions__ok(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("alt")
    write_atomic(target, "neu")
    assert target.read_text() == "neu"
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]  # no temporary file left


def test_write_atomic_missing_folder__error(tmp_path):
    with pytest.raises(KlapptError) as info:
        write_atomic(tmp_path / "fehlt" / "out.txt", "x")
    assert info.value.code is ErrorCode.FILE_006


def test_write_atomic_failure_leaves_no_temporary_file__error(tmp_path):
    target = tmp_path / "out.pptx"
    target.mkdir()  # a folder where the file should go: the final move fails
    with pytest.raises(KlapptError) as info:
        write_atomic(target, b"data")
    assert info.value.code is ErrorCode.FILE_006
    assert [p.name for p in tmp_path.iterdir()] == ["out.pptx"]


def test_write_atomic_into_a_pipe_writes_into_it_and_leaves_it_a_pipe__ok(tmp_path):
    """`--json /dev/null` or a named pipe: the special file is written into, never replaced
    (a replaced /dev/null is a plain file that breaks every later program on the machine)."""
    import threading

    fifo = tmp_path / "rohr"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    write_atomic(fifo, "hallo")
    reader.join(timeout=10)
    assert got == [b"hallo"]
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["rohr"]
