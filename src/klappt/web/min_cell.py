"""The minimum cell size of what the web app publishes (README, "Disclosure control").

The results and trends pages use the project's ``[disclosure] min_cell`` (``klappt-project.toml``),
as ``klappt tabulate`` and ``klappt trend`` do; the deck, report and site-report downloads use a
wave's uploaded recipe's ``disclosure: min_cell`` when it gives one, else the project's, as
``klappt report`` does. The file is read on each request, so a changed minimum applies without a
restart; a project folder without the file (a bare test folder) publishes with the default 3.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings


def project() -> int:
    """The project's minimum cell size (3 when the project folder has no marker file)."""
    from klappt.analysis.disclosure import MIN_CELL
    from klappt.store.project import MARKER, project_min_cell

    root = Path(settings.PROJECT_DIR)
    return project_min_cell(root) if (root / MARKER).is_file() else MIN_CELL


def of_spec(spec: Any) -> int:
    """A report's minimum cell size: its recipe's, else the project's."""
    given = getattr(spec, "min_cell", None) if spec is not None else None
    return int(given) if given is not None else project()
