r"""Checks on a file before and after GDAL reads it.

Unsafe archives, missing shapefile parts, and
text decoded with the wrong code page.

Examples
--------
>>> looks_misdecoded("\xa3\xf3d\x9f \x8cr\xf3dmie\x9ccie")  # cp1250 bytes read as Latin-1
True
>>> looks_misdecoded("Plaça de Catalunya, Sant Martí, Gràcia"), looks_misdecoded("Price £5")
(False, False)
"""

from __future__ import annotations

import re
import stat
import zipfile
from pathlib import Path, PurePosixPath

import pandas as pd

from scmap.core._limits import MAX_UNZIPPED_BYTES, MAX_ZIP_RATIO

__all__ = [
    "LARGE_FILE_BYTES",
    "archive_problem",
    "code_page_note",
    "large_file_note",
    "looks_misdecoded",
    "shapefile_problem",
]

LARGE_FILE_BYTES = 200_000_000
"""Input files above this size (with a shapefile's parts) are noted: reading them takes a while."""

_SHAPE_PARTS = {".dbf": "the attribute table", ".shx": "the shape index"}
# Characters that Latin-1 gives for the letters of other code pages (Ł -> £, ś -> C1 control...)
_MISDECODED = re.compile(r"[\x80-\x9f]|(?<=[^\W\d_])[£¤¥¦¨ª¬¯±²³´µ¶¸¹º¼½¾¿]|[£¤¥¦¨ª¬¯±²³´µ¶¸¹º¼½¾¿](?=[^\W\d_])")
_CODE_PAGES = ["cp1250", "cp1251", "cp1252", "cp1253", "cp1254", "cp1257", "cp852", "cp866", "cp437", "cp850"]


def archive_problem(path: Path, *, max_bytes: int = MAX_UNZIPPED_BYTES, max_ratio: float = MAX_ZIP_RATIO) -> str | None:
    """Why a zip archive must not be opened (unsafe member paths or links, a zip bomb), or None."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        return f"not a readable zip archive ({exc})"
    for info in members:
        name = info.filename
        parts = PurePosixPath(name.replace("\\", "/")).parts
        if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in parts:
            return f"the archive holds an unsafe path {name!r} (absolute or with '..'); unpack it yourself and check it"
        if stat.S_ISLNK(info.external_attr >> 16):
            return f"the archive holds a symbolic link {name!r}; unpack it yourself and check it"
    unpacked = sum(i.file_size for i in members)
    packed = max(sum(i.compress_size for i in members), 1)
    if unpacked > max_bytes:
        return f"it unpacks to {unpacked / 1e9:.1f} GB (limit {max_bytes / 1e9:g} GB); unpack the layer you need"
    if unpacked / packed > max_ratio and unpacked > 10_000_000:
        return (
            f"it unpacks {unpacked / packed:.0f} times larger than it is (limit {max_ratio:g}; a 'zip bomb'?); "
            "unpack it yourself and check it"
        )
    return None


def _siblings(path: Path) -> dict[str, Path]:
    return {p.suffix.lower(): p for p in path.parent.glob(path.stem + ".*") if p.stem == path.stem}


def shapefile_problem(path: Path) -> str | None:
    """Which part of a shapefile is missing (beside a .shp, or inside a .zip), or None."""
    if path.suffix.lower() == ".shp":
        present = set(_siblings(path))
        stems = {path.stem: present}
    elif path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path) as archive:
            names = [PurePosixPath(n) for n in archive.namelist()]
        stems = {}
        for n in names:
            stems.setdefault(str(n.with_suffix("")), set()).add(n.suffix.lower())
        stems = {s: parts for s, parts in stems.items() if ".shp" in parts}
    else:
        return None
    for stem, parts in stems.items():
        for suffix, what in _SHAPE_PARTS.items():
            if suffix not in parts:
                return (
                    f"the shapefile's {Path(stem).name}{suffix} ({what}) is missing: copy all its files "
                    "(.shp, .shx, .dbf, .prj, .cpg) together"
                )
    return None


def looks_misdecoded(text: str) -> bool:
    """True when Latin-1-decoded *text* holds what other code pages' letters become in Latin-1."""
    return bool(_MISDECODED.search(text))


def _declares_encoding(path: Path) -> bool:
    """A .cpg beside (or in the archive with) the shapefile.

    (GDAL does not act on every DBF language driver id, so only the decoded text tells whether one was honoured.)
    """
    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path) as archive:
            return any(n.lower().endswith(".cpg") for n in archive.namelist())
    return ".cpg" in _siblings(path)


def guess_encoding(raw: bytes) -> str | None:
    """The text encoding *raw* most likely uses (UTF-8 first, then the usual code pages)."""
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(raw, cp_isolation=_CODE_PAGES).best()
    return best.encoding if best is not None else None


def code_page_note(path: Path, table: pd.DataFrame) -> str | None:
    """Return a warning when a shapefile's text looks like another code page, else None.

    A warning when a shapefile without a declared encoding was read as Latin-1 but its text
    looks like another code page, naming the likely one; None otherwise.
    """
    if path.suffix.lower() not in (".shp", ".dbf", ".zip") or _declares_encoding(path):
        return None
    columns = [c for c in table.columns if table[c].dtype == object or isinstance(table[c].dtype, pd.StringDtype)]
    text = [v for c in columns for v in table[c] if isinstance(v, str)]
    suspicious = [v for v in text if looks_misdecoded(v)]
    if not suspicious:
        return None
    raw = "\n".join(text).encode("latin-1", errors="replace")
    guess = guess_encoding(raw)
    example = suspicious[0][:40]
    shown = (
        f" ({example!r} would read {example.encode('latin-1', 'replace').decode(guess, 'replace')!r})" if guess else ""
    )
    return (
        f"{path}: no .cpg file says which code page the text uses, so it was read as Latin-1 (ISO-8859-1), "
        f"but {len(suspicious)} values look mis-decoded; the bytes look like {guess or 'another code page'}{shown}: "
        f"add encoding: {guess or 'CODEPAGE'} to this source in the project (or a .cpg file beside the .shp)"
    )


def large_file_note(path: Path) -> str | None:
    """A note for a large input (a shapefile counted with its parts), or None."""
    parts = _siblings(path).values() if path.suffix.lower() == ".shp" else [path]
    size = sum(p.stat().st_size for p in parts if p.is_file())
    if size <= LARGE_FILE_BYTES:
        return None
    return (
        f"{path}: {size / 1e6:,.0f} MB of input: reading and checking it takes a while; keep only the rows "
        "and columns the project needs, or convert it to GeoPackage or GeoParquet, which read faster"
    )
