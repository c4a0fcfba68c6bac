"""The rules of weights, in one place: direct and order weights, AHP pairwise comparisons (Saaty).

It sits below the project file so that ``scmap validate`` and the suitability analysis (which
also takes weights from Python and from the workshop room) apply the same checks with the same
words.

Examples
--------
>>> w, cr = ahp_weights([[1, 3], [1 / 3, 1]])
>>> [round(float(x), 3) for x in w], cr
([0.75, 0.25], 0.0)
>>> weights_problem({"a": 1, "b": -1})
"weights must be >= 0 numbers, got {'b': -1}"
>>> ahp_weights([[1, 2], [0.5]])
Traceback (most recent call last):
...
scmap.errors.InputError: ahp.matrix: the matrix must be square (2 rows of 2 values); row 1 is not
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from fractions import Fraction

import numpy as np

from scmap.errors import InputError

__all__ = ["AHP_MAX_CR", "RANDOM_INDEX", "ahp_weights", "consistency_problem", "weights_problem"]

AHP_MAX_CR = 0.1
"""Saaty's threshold: above it the judgements are usually revised (``allow_inconsistent``)."""

RANDOM_INDEX = {
    1: 0.0,
    2: 0.0,
    3: 0.58,
    4: 0.90,
    5: 1.12,
    6: 1.24,
    7: 1.32,
    8: 1.41,
    9: 1.45,
    10: 1.49,
    11: 1.51,
    12: 1.48,
    13: 1.56,
    14: 1.57,
    15: 1.59,
}
"""Saaty's random consistency index by matrix size (Saaty 2005, p. 31)."""


def weights_problem(weights: Mapping[str, float] | Sequence[float], what: str = "weights") -> str | None:
    """Why *weights* cannot weight anything (negative, NaN, infinite, all zero), or None."""
    items = dict(weights) if isinstance(weights, Mapping) else dict(enumerate(weights))
    bad = {k: v for k, v in items.items() if not (math.isfinite(float(v)) and float(v) >= 0)}
    if bad:
        return f"{what} must be >= 0 numbers, got {bad}"
    if not any(float(v) > 0 for v in items.values()):
        return f"all {what} are zero"
    return None


def consistency_problem(cr: float, allow_inconsistent: bool) -> str | None:
    """Why an AHP matrix of consistency ratio *cr* is refused (above Saaty's 0.1), or None."""
    if cr > AHP_MAX_CR and not allow_inconsistent:
        return (
            f"consistency ratio {cr:.3f} > {AHP_MAX_CR}: the pairwise judgements contradict each other; "
            "revise the matrix or set allow_inconsistent: true"
        )
    return None


def _number(value: float | str, where: str) -> float:
    if isinstance(value, str):
        try:
            return float(Fraction(value.replace(" ", "")))
        except (ValueError, ZeroDivisionError):
            raise InputError(f"{where}: {value!r} is not a number or a fraction like 1/3") from None
    return float(value)


def ahp_weights(matrix: Sequence[Sequence[float | str]], *, where: str = "ahp.matrix") -> tuple[np.ndarray, float]:
    """Weights (principal eigenvector, sum 1) and Saaty's consistency ratio of a pairwise matrix.

    ``matrix[i][j]`` says how much more important criterion i is than j (1-9 scale); the matrix
    must be square, positive and reciprocal (``matrix[j][i] == 1 / matrix[i][j]``). Fractions may
    be given as text ("1/3").

    Returns
    -------
    weights, consistency_ratio
        CR = ((lambda_max - n) / (n - 1)) / RI(n); 0 for n <= 2. Above 0.1 judgements are
        usually revised.
    """
    n = len(matrix)
    ragged = [i for i, row in enumerate(matrix) if not isinstance(row, list | tuple) or len(row) != n]
    if n == 0 or ragged:
        raise InputError(
            f"{where}: the matrix must be square ({n} rows of {n} values); row {ragged[0] if ragged else 0} is not"
        )
    a = np.array([[_number(v, f"{where}[{i}][{j}]") for j, v in enumerate(row)] for i, row in enumerate(matrix)])
    if n > max(RANDOM_INDEX):
        raise InputError(f"{where}: at most {max(RANDOM_INDEX)} criteria (Saaty's random index is tabled to 15)")
    if not (a > 0).all() or not np.isfinite(a).all():
        raise InputError(f"{where}: every value must be a positive number")
    if not np.allclose(np.diag(a), 1.0):
        raise InputError(f"{where}: the diagonal must be 1 (a criterion is as important as itself)")
    bad = ~np.isclose(a * a.T, 1.0, rtol=0.02)
    if bad.any():
        i, j = map(int, np.argwhere(bad)[0])
        raise InputError(
            f"{where}: not reciprocal: [{i}][{j}] = {a[i, j]:g} but [{j}][{i}] = {a[j, i]:g} "
            f"(should be {1 / a[i, j]:.4g})"
        )
    values, vectors = np.linalg.eig(a)
    k = int(np.argmax(values.real))
    w = np.abs(vectors[:, k].real)
    w = w / w.sum()
    lam = float(values[k].real)
    if n <= 2:
        return w, 0.0
    ci = (lam - n) / (n - 1)
    return w, max(ci / RANDOM_INDEX[n], 0.0)
