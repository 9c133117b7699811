"""Masking secrets in log records, so that a message logged by any code (a failed mail's
subject, a request line with a search query in its URL) never writes one to a log file.

Installed on the root logger's handlers by ``settings.LOGGING``, and on the ASGI server's own
handlers (uvicorn configures them before Kefu loads) by :func:`install_on_server_loggers`.
"""

from __future__ import annotations

import logging
from urllib.parse import unquote_plus

from .masking import mask_secrets

SERVER_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "daphne")


class MaskSecretsFilter(logging.Filter):
    """Replaces a record's message (its format string and arguments, merged) and exception
    text with their masked form when they hold a secret; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string is the logging module's to report
            return True
        masked = mask_log_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = mask_log_text(text)
        return True


def mask_log_text(text: str) -> str:
    """``text`` masked; a URL-encoded secret (``?q=abandon+ability+...``) is found in its
    decoded form, and then the decoded line is what gets logged."""
    masked, findings = mask_secrets(text)
    if findings or ("%" not in text and "+" not in text):
        return masked
    decoded = unquote_plus(text)
    masked_decoded, findings = mask_secrets(decoded)
    return masked_decoded if findings else text


def install_on_server_loggers() -> None:
    """Add the filter to the handlers an ASGI server set up for itself (idempotent)."""
    for name in SERVER_LOGGERS:
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(f, MaskSecretsFilter) for f in handler.filters):
                handler.addFilter(MaskSecretsFilter())
