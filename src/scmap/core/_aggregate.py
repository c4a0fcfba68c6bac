"""How a unit's standardised criterion values become one score: the aggregation rules.

One home for the rule shared by the suitability analysis, the workshop room's rescoring and the
network's profiles (numpy only, so that a served room starts without the analysis' imports).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from scmap.errors import InputError

__all__ = ["Aggregation", "aggregate"]

Aggregation = Literal["wlc", "product", "owa"]


def aggregate(x: np.ndarray, w: np.ndarray, method: Aggregation = "wlc", owa: np.ndarray | None = None) -> np.ndarray:
    """Scores of units (rows of *x*, standardised values in [0, 1]) for one or many weight vectors.

    *w* is (n_criteria,) or (n_runs, n_criteria); the result is (n_units,) or (n_units, n_runs).
    ``wlc``: sum of w x. ``product``: prod of x ** w. ``owa``: order-weighted average with
    criterion weights (Malczewski's form): the values of each unit sorted best first, weighted by
    criterion weight x order weight, renormalised.
    """
    single = w.ndim == 1
    wm = np.atleast_2d(w)
    if method == "wlc":
        out = x @ wm.T
    elif method == "product":
        with np.errstate(divide="ignore"):
            logs = np.where(x > 0, np.log(np.where(x > 0, x, 1.0)), -1e300)
        with np.errstate(over="ignore", invalid="ignore"):
            out = np.exp(np.clip(logs @ wm.T, -745, 0))
    else:
        if owa is None:
            raise InputError("aggregation owa needs order weights (owa: [...])")
        v = np.asarray(owa, dtype=float) / np.sum(owa)
        order = np.argsort(-np.nan_to_num(x, nan=-1.0), axis=1, kind="stable")
        z = np.take_along_axis(x, order, axis=1)
        out = np.empty((x.shape[0], wm.shape[0]))
        for r in range(wm.shape[0]):
            uv = wm[r][order] * v
            with np.errstate(invalid="ignore", divide="ignore"):
                out[:, r] = (uv * z).sum(axis=1) / uv.sum(axis=1)
    return out[:, 0] if single else out
