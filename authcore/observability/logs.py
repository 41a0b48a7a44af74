"""Log records as text for people or one JSON object a line for machines, masked either way.

`authcore serve --log-format text|json` (or [logging] format) picks the format; text is the
default, for a terminal. Both write to stderr (a worker's stdout carries its reports to the
supervisor). A JSON line has ts (UTC, ISO 8601, milliseconds), level, logger, msg, every field
passed with extra={...}, and exc for a traceback:

  {"ts": "2026-11-22T02:00:00.123Z", "level": "INFO", "logger": "authcore.server", "msg": "call refused",
   "method": "GetAccount", "code": "NOT_FOUND", "account_id": "***1234"}

Every record is masked before it is written (authcore.observability.masking): identifier fields,
every occurrence of their values, and mobile, ID-card and card numbers anywhere.
"""

from __future__ import annotations

import datetime
import json
import logging
import sys
from typing import TextIO

from authcore.observability.masking import MASKED_FIELDS, identifiers, mask_field, scrub

FORMATS = ("text", "json")
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
# The attributes every LogRecord has; anything else on a record came from extra={...}.
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime", "taskName"}


def _masked(record: logging.LogRecord) -> tuple[str, dict, str | None]:
    """(message, extra fields, traceback) of record, masked."""
    fields = {key: value for key, value in record.__dict__.items() if key not in _STANDARD and key[:1] != "_"}
    known = identifiers(fields)
    message = scrub(record.getMessage(), known)
    for key, value in fields.items():
        if key in MASKED_FIELDS:
            fields[key] = mask_field(value)
        elif isinstance(value, str):
            fields[key] = scrub(value, known)
        elif isinstance(value, (list, tuple)):
            fields[key] = [scrub(v, known) if isinstance(v, str) else v for v in value]
        elif not isinstance(value, (int, float, bool, type(None))):
            fields[key] = scrub(str(value), known)
    trace = None
    if record.exc_info:
        trace = scrub(logging.Formatter().formatException(record.exc_info), known)
    elif record.exc_text:
        trace = scrub(record.exc_text, known)
    if record.stack_info:
        trace = (trace + "\n" if trace else "") + scrub(record.stack_info, known)
    return message, fields, trace


def _timestamp(record: logging.LogRecord) -> str:
    moment = datetime.datetime.fromtimestamp(record.created, datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(record.msecs):03d}Z"


class JsonFormatter(logging.Formatter):
    """One JSON object a line: ts, level, logger, msg, the extra fields, exc; masked."""

    def format(self, record: logging.LogRecord) -> str:
        message, fields, trace = _masked(record)
        line = {"ts": _timestamp(record), "level": record.levelname, "logger": record.name, "msg": message}
        for key, value in fields.items():
            line.setdefault(key, value)
        if trace:
            line["exc"] = trace
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """`ts level logger msg key=value ...` for a person at a terminal; masked."""

    def format(self, record: logging.LogRecord) -> str:
        message, fields, trace = _masked(record)
        parts = [_timestamp(record), record.levelname, record.name, message]
        parts += [f"{key}={value}" for key, value in fields.items()]
        text = " ".join(parts)
        return f"{text}\n{trace}" if trace else text


def configure(log_format: str = "text", level: str = "INFO", stream: TextIO | None = None) -> logging.Handler:
    """Send every log record, masked, to stream (stderr) in log_format, from level up. Replaces
    the root logger's handlers; returns the new handler."""
    if log_format not in FORMATS:
        raise ValueError(f"log format must be one of {FORMATS}")
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    return handler
