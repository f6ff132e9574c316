"""The lock files pin what pyproject.toml allows, every pin is hash-checked, and the
environment `./run` set up is the locked one (what an operator audits is what runs)."""

from __future__ import annotations

import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^ \\;]+)")


def _pins(name: str) -> dict[str, str]:
    """Package → version of a lock file, and a check that every pin carries its hashes."""
    pins: dict[str, str] = {}
    lines = (REPO / name).read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        m = PIN.match(line)
        if not m:
            continue
        pins[canonicalize_name(m.group(1))] = m.group(2)
        assert i + 1 < len(lines) and "--hash=sha256:" in lines[i + 1], (
            f"{name}: {line} has no hash"
        )
    return pins


def _declared(extra: str | None) -> list[Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = list(project["dependencies"])
    if extra:
        reqs += project["optional-dependencies"][extra]
    return [Requirement(r) for r in reqs]


@pytest.mark.parametrize(
    ("lock", "extra"), [("requirements.lock", None), ("requirements-test.lock", "test")]
)
def test_lock_pins_every_declared_dependency_within_its_range__ok(lock, extra):
    pins = _pins(lock)
    for req in _declared(extra):
        name = canonicalize_name(req.name)
        assert name in pins, (
            f"{req.name} is declared in pyproject.toml but not pinned in {lock}: run tools/lock"
        )
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"{lock} pins {req.name}=={pins[name]}, outside {req.specifier}: run tools/lock"
        )


def test_locks_agree_and_name_no_local_index__ok():
    runtime, test = _pins("requirements.lock"), _pins("requirements-test.lock")
    assert {k: test.get(k) for k in runtime} == runtime
    for lock in ("requirements.lock", "requirements-test.lock"):
        text = (REPO / lock).read_text(encoding="utf-8")
        assert "file://" not in text and "--find-links" not in text and "--index-url" not in text


@pytest.mark.skipif(
    Path(sys.prefix).resolve() != (REPO / ".venv").resolve(),
    reason="runs in the environment `./run test` set up from requirements-test.lock",
)
def test_environment_is_the_locked_one__ok():
    wrong = {}
    for name, version in _pins("requirements-test.lock").items():
        try:
            have = metadata.version(name)
        except metadata.PackageNotFoundError:
            have = None
        if have != version:
            wrong[name] = (version, have)
    assert not wrong, f"installed versions differ from the lock (pinned, installed): {wrong}"
