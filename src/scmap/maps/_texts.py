"""Popup texts of many features, each distinct text and each distinct piece of text sent once.

The districts' popups repeat their row labels and most of their values ("Energy 0, Mobility 0,
ICT 0") thousands of times, and the values that differ share most of their words ("rank 28,315
of 34,969 worst served"). :class:`TextTable` gives each distinct text a position, and writes
each distinct text as the positions of its pieces (numbers, and the words between them) in a
table of pieces. The page joins the pieces back into the same texts (``textsOf`` in
``js/10_text.js``).

>>> table = TextTable()
>>> [table.code(t) for t in ["rank 1 of 24", "Gaps", "rank 2 of 24", "Gaps"]]
[0, 1, 2, 1]
>>> table.payload()
{'text_parts': [[0, 1, 2, 3], 4, [0, 5, 2, 3]], 'pieces': ['rank ', '1', ' of ', '24', 'Gaps', '2']}
>>> texts_of(table.payload())
['rank 1 of 24', 'Gaps', 'rank 2 of 24']
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["TextTable", "texts_of"]

_PIECES = re.compile(r"(\d[\d,.\u00a0\u202f]*\d%?|\d%?)")
"""A number as written in any of the page's languages (thousands and decimal separators, a
percent sign), between the words around it."""


class TextTable:
    """Distinct texts by position, each written as positions of its pieces."""

    def __init__(self) -> None:
        self._at: dict[str | None, int] = {}
        self._texts: list[str | None] = []

    def code(self, value: str | None) -> int:
        """The position of *value* (added if new); None stays a missing value."""
        at = self._at.get(value)
        if at is None:
            at = self._at[value] = len(self._texts)
            self._texts.append(value)
        return at

    def codes(self, rows: list[list[str]]) -> list[int]:
        """The positions of each row's label and value, row after row."""
        return [self.code(part) for row in rows for part in row]

    def payload(self) -> dict[str, Any]:
        """``{text_parts, pieces}``: each text as a piece's position, a list of them, or null."""
        pieces: dict[str, int] = {}
        texts: list[Any] = []
        for text in self._texts:
            if text is None:
                texts.append(None)
                continue
            parts = [pieces.setdefault(p, len(pieces)) for p in _PIECES.split(text) if p]
            texts.append(parts[0] if len(parts) == 1 else parts)
        return {"text_parts": texts, "pieces": list(pieces)}


def texts_of(payload: dict[str, Any]) -> list[str | None]:
    """The texts of a :meth:`TextTable.payload`, as the page joins them back."""
    pieces = payload["pieces"]
    return [
        c if c is None else pieces[c] if isinstance(c, int) else "".join(pieces[k] for k in c)
        for c in payload["text_parts"]
    ]
