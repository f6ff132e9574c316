"""No site link in any log line, and one line (no traceback) for a refused request.

A site's link carries its token in the path (``/r/<token>/...``): whoever reads the log of
``klappt serve`` could open the site's form with it. :func:`mask` replaces every such token by
``***``; :class:`MaskTokens` applies it to a log record (message, arguments, a traceback) and
drops the traceback of a request refused with a 4xx status (a 403, an unknown Host header:
the client's mistake, one line is enough). It is on the handler of Django's loggers
(``settings.LOGGING``) and on gunicorn's error and access logs (:class:`GunicornLogger`,
``logger_class`` of ``klappt serve``).
"""

from __future__ import annotations

import logging
import re
from typing import Any

try:
    from gunicorn.glogging import Logger as _GLogger
except ImportError:  # pragma: no cover - gunicorn is a dependency; Windows has none
    _GLogger = object  # type: ignore[assignment,misc]

# a link's path, also inside a full address, a Referer or a query, with its slashes written
# as they are, percent-encoded (``%2F``) or encoded twice (``%252F``), in any mix
_SLASH = r"(?:/|%(?:25)?2[Ff])"
_LINK = re.compile(rf"({_SLASH}[rR]{_SLASH})[A-Za-z0-9_-]+")


def mask(text: str) -> str:
    """``text`` with the token of every link path replaced by ``***``."""
    return _LINK.sub(r"\1***", text)


class MaskTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record is logging's problem, not ours
            return True
        record.msg, record.args = mask(message), ()
        status = getattr(record, "status_code", None)
        refused = (isinstance(status, int) and 400 <= status < 500) or record.name.startswith(
            "django.security"
        )
        if refused:
            record.exc_info, record.exc_text, record.stack_info = None, None, None
        elif record.exc_info:
            record.exc_text = mask(logging.Formatter().formatException(record.exc_info))
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        return True


class GunicornLogger(_GLogger):  # type: ignore[misc,valid-type]
    """gunicorn's logger with the tokens masked in its error and access log."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, MaskTokens) for f in log.filters):
                log.addFilter(MaskTokens())
