"""The one way klappt reads YAML (code books, recipes): PyYAML's safe loader, within limits.

A few hundred bytes of YAML can stand for gigabytes: an anchor (``&a``) named by aliases
(``*a``) nine levels deep is a "billion laughs" that PyYAML builds lazily and that expands
wherever the data are walked, stored or shown. Code books and recipes come from people's
uploads, so before anything is built:

* anchors and aliases are refused (``YAML_001``): no code book or recipe needs them;
* nesting deeper than :data:`MAX_DEPTH` levels is refused (``YAML_002``);
* more than :data:`MAX_NODES` values, lists and mappings are refused (``YAML_003``);
* a text larger than :data:`MAX_BYTES` is refused before it is parsed (``YAML_004``).

Each error names the file and the line. Syntax errors stay :class:`yaml.YAMLError`, so each
caller words them for its kind of file. The checks sit in the composer (the step that turns
PyYAML's events into nodes), which sees every node exactly once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from klappt.errors import ErrorCode, KlapptError

__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_NODES",
    "BoundedLoader",
    "check_file_size",
    "load",
    "load_with_node",
]

#: a code book with a thousand codes and their examples is some 300 KB
MAX_BYTES = 1024 * 1024
#: a recipe nests some seven levels (slides, a slide, its charts, a chart, ...)
MAX_DEPTH = 32
MAX_NODES = 100_000


class BoundedLoader(yaml.SafeLoader):
    """PyYAML's SafeLoader refusing anchors and aliases, deep nesting and too many nodes.

    Subclass it to add constructors (the recipe's loader keeps line numbers); set ``source`` to
    the file's name for the messages.
    """

    source: str = ""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        line = event.start_mark.line + 1 if event.start_mark else "?"
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise KlapptError(ErrorCode.YAML_001, path=self.source, line=line)
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise KlapptError(ErrorCode.YAML_003, path=self.source, line=line, limit=MAX_NODES)
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise KlapptError(ErrorCode.YAML_002, path=self.source, line=line, limit=MAX_DEPTH)
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _check_size(size: int, source: str) -> None:
    if size > MAX_BYTES:
        raise KlapptError(ErrorCode.YAML_004, path=source, size=size, limit=MAX_BYTES)


def check_file_size(path: str | Path) -> None:
    """``YAML_004`` when the file at ``path`` is larger than :data:`MAX_BYTES` (read nothing)."""
    p = Path(path)
    _check_size(p.stat().st_size, str(p))


def load_with_node(
    text: str, source: str = "", loader: type[BoundedLoader] = BoundedLoader
) -> tuple[Any, yaml.Node | None]:
    """The data of a one-document YAML ``text`` and its root node (for line numbers).

    Raises
    ------
    KlapptError
        ``YAML_001`` … ``YAML_004`` when a limit is passed.
    yaml.YAMLError
        For a syntax error (the caller words it).

    Example
    -------
    >>> load_with_node("a: [1, 2]")[0]
    {'a': [1, 2]}
    """
    _check_size(len(text.encode("utf-8", "surrogatepass")), source)
    reader = loader(text)
    reader.source = source
    try:
        node = reader.get_single_node()
        data = reader.construct_document(node) if node is not None else None
    finally:
        reader.dispose()
    return data, node


def load(text: str, source: str = "", loader: type[BoundedLoader] = BoundedLoader) -> Any:
    """The data of a one-document YAML ``text``, within the limits (see :func:`load_with_node`).

    Example
    -------
    >>> load("a: &x [1]\\nb: *x", "bombe.yaml")
    Traceback (most recent call last):
    ...
    klappt.errors.KlapptError: bombe.yaml, Zeile 1: YAML-Anker und -Verweise (& und *) sind nicht erlaubt; bitte den Inhalt ausschreiben.
    """
    return load_with_node(text, source, loader)[0]
