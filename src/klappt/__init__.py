"""klappt: recurring site questionnaires end to end.

XLSForm instruments, returns from the files people already have, tables with the
right bases, waves in a database, and reports.
"""

from klappt.errors import ErrorCode, KlapptError

__version__ = "0.1.0"

__all__ = ["ErrorCode", "KlapptError", "__version__"]
