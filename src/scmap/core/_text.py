r"""Text from data, made safe for each kind of output that shows it.

- **Display text** (map popups and tooltips, legends, report tables, figures): control characters
  are removed, bidirectional override and isolate characters are replaced by U+FFFD (so a name
  cannot reverse the text around it), and text longer than :data:`MAX_DISPLAY_CHARS` is cut with
  an ellipsis. A C1 control that is a Windows-1252 character read as Latin-1 (``\x92``) is shown
  as that character (``’``). The tables (GeoPackage, CSV) keep the full value.
- **Spreadsheet cells** (every CSV scmap writes): a text cell that a spreadsheet would read as a
  formula (first character ``=``, ``+``, ``-``, ``@``, tab or carriage return) gets a leading
  apostrophe, as OWASP recommends; numbers, also negative ones, stay numbers.
- **matplotlib text** (report figures, static maps, the atlas): ``$`` is escaped so that
  mathtext never parses data text.

Examples
--------
>>> display_text("Ciutat\u202eVella\x00")
'Ciutat\ufffdVella'
>>> display_text("x" * 300)[-3:], len(display_text("x" * 300))
('xx…', 200)
>>> csv_cell("=HYPERLINK(1)"), csv_cell("-2+3"), csv_cell("-2.5"), csv_cell("Gràcia")
("'=HYPERLINK(1)", "'-2+3", '-2.5', 'Gràcia')
>>> mpl_literal(r"$\frac{1}{$")
'\\$\\frac{1}{\\$'
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Hashable
from pathlib import Path

import pandas as pd

from scmap.errors import ScmapWarning

__all__ = [
    "MAX_DISPLAY_CHARS",
    "MAX_PROSE_CHARS",
    "counted",
    "csv_cell",
    "csv_safe",
    "display_frame",
    "display_text",
    "display_value",
    "mpl_literal",
    "noun_for",
    "write_csv",
]

MAX_DISPLAY_CHARS = 200
"""Longest data text shown in a popup, tooltip, legend, report table or figure (characters)."""
MAX_PROSE_CHARS = 1000
"""Longest descriptive text (a solution type's description, a reference case) shown on a map."""

# C0 and C1 controls except tab and newline (shown as spaces), DEL, and the zero-width
# characters that hide text.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\ufeff]")
# A C1 control in a name is a Windows-1252 character (’ “ ” – €) whose byte was read as
# Latin-1 by whoever wrote the file: shown as that character, as ftfy's fix_c1_controls does
_CP1252 = {
    c: ch for c, ch in zip(range(0x80, 0xA0), bytes(range(0x80, 0xA0)).decode("cp1252", "replace"), strict=True)
    if ch != "\ufffd"
}  # fmt: skip
_C1_CHARACTERS = re.compile("[" + "".join(chr(c) for c in _CP1252) + "]")
_SPACES = re.compile("[\t\n]")
# LRE RLE PDF LRO RLO, LRI RLI FSI PDI: they reorder the text that follows them
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_NEEDS_CLEANING = re.compile(f"{_CONTROLS.pattern}|{_BIDI.pattern}|[\t\n]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")


def counted(n: int, noun: str) -> str:
    """Return *n* and *noun*, the noun plural unless *n* is 1 (``1 row``, ``3 rows``, ``0 rows``)."""
    return f"{n} {noun_for(n, noun)}"


def noun_for(n: int, noun: str) -> str:
    """Return *noun* as *n* of them are named: ``row`` for 1, ``rows`` otherwise."""
    return noun if n == 1 else f"{noun}s"


def display_text(value: str, *, limit: int = MAX_DISPLAY_CHARS) -> str:
    """Return *value* as it may be shown to a person.

    No controls, no bidi overrides, at most *limit*
    characters (the last one an ellipsis when cut).
    """
    if len(value) <= limit and value.isprintable():
        return value  # the common case, cheap
    # cleaning maps each character on its own (dropped or replaced), so the start of a long text
    # cleans to the start of the cleaned text: a 50 MB value costs its first few hundred characters
    head = value[: 4 * limit]
    out = _clean(head)
    if len(out) <= limit and len(head) < len(value):
        out = _clean(value)  # mostly controls: the whole text decides
    if len(out) > limit:
        out = out[: limit - 1] + "…"
    return out


def _clean(text: str) -> str:
    text = text.translate(_CP1252) if _C1_CHARACTERS.search(text) else text
    return _BIDI.sub("\ufffd", _CONTROLS.sub("", _SPACES.sub(" ", text)))


def display_frame(
    table: pd.DataFrame,
    *,
    what: str,
    id_column: Hashable | None = None,
    limit: int = MAX_DISPLAY_CHARS,
    warn: bool = True,
) -> pd.DataFrame:
    """Return a copy of *table* whose text cells are display text.

    A copy of *table* whose text cells are display text; with *warn*, one warning per change and
    set of rows, naming *what* (e.g. ``districts``), the columns, the ids (or row numbers) of the
    rows and what was changed (a column copied under two names is said once).

    The *id_column* keeps its values (other tables join on them); a map or page shows them through
    :func:`display_value`.
    """
    out = table.copy()
    said: dict[tuple[tuple[Hashable, ...], str], list[Hashable]] = {}
    for column in table.columns:
        values = table[column]
        if values.dtype != object and not isinstance(values.dtype, pd.StringDtype):
            continue
        text = values.where(values.map(lambda v: isinstance(v, str)))
        needs = (text.str.len() > limit) | text.str.contains(_NEEDS_CLEANING, na=False)
        changed = needs.index[needs.fillna(False).to_numpy(dtype=bool)]
        if not len(changed):
            continue
        if column != id_column:
            out.loc[changed, column] = values.loc[changed].map(lambda v: display_text(v, limit=limit))
        said.setdefault((tuple(changed), _changes(text.loc[changed], limit)), []).append(column)
    if warn:
        for (rows, change), columns in said.items():
            _warn_changed(table, pd.Index(rows), what=what, columns=columns, id_column=id_column, change=change)
    return out


def _changes(text: pd.Series, limit: int) -> str:
    """What display made of these texts: cut, characters removed, Windows-1252 characters shown."""
    c1 = text.str.contains(_C1_CHARACTERS, na=False)
    removed = text.str.replace(_C1_CHARACTERS, "", regex=True).str.contains(_NEEDS_CLEANING, na=False)
    changes = [f"text shortened to {limit} characters"] if (text.str.len() > limit).any() else []
    changes += ["control or text-direction characters removed"] if removed.any() else []
    if c1.any():
        shown = sorted({_CP1252[ord(ch)] for v in text[c1] for ch in _C1_CHARACTERS.findall(v)})
        changes.append(
            f"Windows-1252 characters stored as control codes shown as {' '.join(shown)} (the file was "
            "written from text read as Latin-1)"
        )
    return "; ".join(changes)


def _short_id(value: str, *, limit: int) -> str:
    """Return an id as display text of at most *limit* characters, cut in the middle.

    Ids made from a long layer name differ only in their ends (``..._atmosferica-3``,
    ``..._atmosferica-4``): a warning keeps both ends, so that its rows stay told apart.
    """
    text = display_text(value, limit=4 * limit)
    if len(text) <= limit:
        return text
    tail = (limit - 1) // 2
    return text[: limit - 1 - tail] + "…" + text[-tail:]


def _warn_changed(
    table: pd.DataFrame,
    changed: pd.Index,
    *,
    what: str,
    columns: list[Hashable],
    id_column: Hashable | None,
    change: str,
) -> None:
    if id_column is not None and id_column in table.columns:
        ids = [str(v) for v in table.loc[changed[:5], id_column]]
        where = f"{id_column} " + ", ".join(repr(_short_id(i, limit=40)) for i in ids)
    else:
        where = "rows " + ", ".join(str(i) for i in changed[:5])
    more = f" and {len(changed) - 5} more" if len(changed) > 5 else ""
    names = ", ".join(repr(display_text(str(c), limit=60)) for c in columns)
    warnings.warn(
        f"{what}: {noun_for(len(columns), 'column')} {names}, {where}{more}: for display, {change}; "
        "the tables keep the full value",
        ScmapWarning,
        stacklevel=3,
    )


def display_value(
    value: object,
    *,
    limit: int = MAX_DISPLAY_CHARS,
    long_keys: frozenset[str] = frozenset(),
    data_keys: frozenset[str] = frozenset(),
) -> object:
    """Return *value* with every string made display text.

    *value* (nested dicts and lists of text, numbers...) with every string made display text;
    strings under a key in *long_keys* may be :data:`MAX_PROSE_CHARS` long; values under a key
    in *data_keys* (encoded numbers, ids the page looks up) are not display text and pass as they are.
    """
    if isinstance(value, str):
        return display_text(value, limit=limit)
    if isinstance(value, dict):
        return {
            k: v
            if k in data_keys
            else display_value(
                v, limit=MAX_PROSE_CHARS if k in long_keys else limit, long_keys=long_keys, data_keys=data_keys
            )
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [display_value(v, limit=limit, long_keys=long_keys, data_keys=data_keys) for v in value]
    return value


def csv_cell(value: object) -> object:
    """A spreadsheet-safe cell: text that would start a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_safe(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of *table* whose text cells (and column names) cannot run as spreadsheet formulas."""
    out = table.copy()
    for column in out.columns:
        if out[column].dtype == object or isinstance(out[column].dtype, pd.StringDtype):
            out[column] = out[column].map(csv_cell)
    out.columns = [csv_cell(c) if isinstance(c, str) else c for c in out.columns]
    return out


def write_csv(table: pd.DataFrame, path: str | Path) -> Path:
    """Write *table* as UTF-8 CSV without its index, spreadsheet-safe (:func:`csv_safe`)."""
    from scmap.core._atomic import atomic_file

    path = Path(path)
    with atomic_file(path, overwrite=True, lock=False) as tmp:
        csv_safe(table).to_csv(tmp, index=False)
    return path


def mpl_literal(value: object) -> str:
    """Text that matplotlib draws literally (no mathtext), as display text."""
    return display_text(str(value)).replace("$", r"\$")
