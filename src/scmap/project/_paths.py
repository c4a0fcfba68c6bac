"""Where a path key of a project file points: one reading for every key.

``~`` is the home folder, a relative path starts at the project's folder, and a name written in the
other Unicode form (NFC or NFD) finds the file the disk holds.

Examples
--------
>>> resolve_path("~/d.gpkg", Path("/p")) == Path.home() / "d.gpkg"
True
"""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

__all__ = ["on_disk", "resolve_path"]


def resolve_path(written: str, root: Path) -> Path:
    """Resolve a path key of a project file.

    The one reading of every path key of a project file: ``~`` is the home folder, a relative
    path starts at the project's folder (*root*).

    >>> resolve_path("data/d.gpkg", Path("/p")).as_posix(), resolve_path("/x.csv", Path("/p")).as_posix()
    ('/p/data/d.gpkg', '/x.csv')
    """
    p = Path(written).expanduser()
    return on_disk(p if p.is_absolute() else root / p)


def on_disk(path: Path) -> Path:
    """Return *path* as the disk spells it (NFC or NFD).

    *path* as the disk spells it when it is written in the other Unicode form (NFC or NFD:
    a name typed on one system, a folder copied from macOS); *path* itself otherwise.
    """
    if path.exists() or "://" in str(path):
        return path
    found = Path(path.anchor) if path.is_absolute() else Path()
    for part in path.parts[len(found.parts) :]:
        here = found / part
        if not here.exists():
            wanted = unicodedata.normalize("NFC", part)
            try:
                names = [n for n in os.listdir(found) if unicodedata.normalize("NFC", n) == wanted]
            except OSError:
                return path
            if not names:
                return path
            here = found / names[0]
        found = here
    return found
