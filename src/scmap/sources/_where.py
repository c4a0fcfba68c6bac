"""Where an input lives, read from its name alone: a PostgreSQL database, a web service or a file.

String rules only (no GDAL, no pandas), so that the workshop room and the project checks can
tell a connection string from a path, and hide its password, without the readers' imports.
"""

from __future__ import annotations

import re

__all__ = ["is_postgres", "is_service", "redact"]

_POSTGRES = re.compile(r"^postgres(ql)?(\+\w+)?://", re.I)
_SERVICE = re.compile(r"^(https?://|(WFS|OAPIF|ESRIJSON):)", re.I)
_PASSWORD = re.compile(r"(?P<head>^[a-z][\w+.-]*://[^:/@\s]*):(?P<secret>[^@/\s]*)@", re.I)


def is_postgres(path: str) -> bool:
    return bool(_POSTGRES.match(path))


def is_service(path: str) -> bool:
    return bool(_SERVICE.match(path))


def redact(text: str) -> str:
    """*text* with the password of any ``scheme://user:password@host`` hidden.

    >>> redact("postgresql://anna:s3cret@db.city.org:5432/gis")
    'postgresql://anna:***@db.city.org:5432/gis'
    """
    return _PASSWORD.sub(lambda m: f"{m.group('head')}:***@", text)
