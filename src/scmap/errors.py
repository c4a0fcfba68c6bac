"""Errors and warnings raised by scmap.

Every message says what is wrong, where (file, layer, row id, field or project key) and, where
there is one, how to fix it.
"""

from __future__ import annotations

__all__ = [
    "CatalogueError",
    "InputError",
    "OutputError",
    "OutsideWarning",
    "ProjectError",
    "RepairWarning",
    "ScmapError",
    "ScmapWarning",
    "UnreadableFileError",
]


class ScmapError(Exception):
    """Base class of every error scmap raises on purpose."""


class InputError(ScmapError, ValueError):
    """An input file or layer cannot be used as it is."""


class UnreadableFileError(InputError):
    """A file cannot be opened as GIS data at all (empty, an HTML page, truncated...)."""


class ProjectError(ScmapError, ValueError):
    """The project file is invalid: unknown key, wrong value, missing file or column."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = list(problems or [])
        if self.problems:
            message = message + "\n" + "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(message)


class CatalogueError(ProjectError):
    """A catalogue file is invalid or a sector / solution type is not in the catalogue."""


class ScmapWarning(UserWarning):
    """Base class of scmap's warnings about input data."""


class RepairWarning(ScmapWarning):
    """Input data was repaired (e.g. an invalid polygon made valid) and is used repaired."""


class OutsideWarning(ScmapWarning):
    """Solutions lie outside every district: kept, and listed in the overlap's ``outside`` table.

    *count* is how many; ``scmap`` commands that have already said it per input file do not say
    it again for all files.
    """

    def __init__(self, message: str, count: int = 0) -> None:
        super().__init__(message)
        self.count = count


class OutputError(ScmapError, OSError):
    """An output cannot be written: it exists (without overwrite), is busy, or is not writable."""
