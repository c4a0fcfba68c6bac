"""The suitability models of a workshop map, re-scored under other weights.

The room's map carries, per live model, what its page needs to re-score the districts (the
``live`` part of each colouring, written by :func:`scmap.maps.layers.live_model`). The workshop
keeps that part in its store, so that the summary and the export can rank the districts under
the room's consensus weights exactly as the page does, without the project or the pack.
"""

from __future__ import annotations

import base64
from typing import Any

import numpy as np

from scmap.core._aggregate import aggregate
from scmap.core._page import page_payload
from scmap.errors import InputError

__all__ = ["map_models", "normalised", "page_payload", "project_weights", "ranks", "rescore"]


def map_models(page: str) -> dict[str, dict[str, Any]]:
    """Each live model of a map page (``{model: live part + unit titles + label}``)."""
    out = {}
    for ch in page_payload(page).get("choropleths", []):
        if ch.get("live"):
            titles = ch.get("titles") or ch["live"]["ids"]
            out[ch["model"]] = {**ch["live"], "titles": [str(t) for t in titles], "label": str(ch.get("label", ""))}
    return out


def _values(live: dict[str, Any]) -> np.ndarray:
    """The criteria's values, units in rows (decoded from the page's base64 float64)."""
    cols = [np.frombuffer(base64.b64decode(v), dtype="<f8") for v in live["values"]]
    return np.column_stack(cols) if cols else np.empty((len(live["ids"]), 0))


def _usable(live: dict[str, Any]) -> np.ndarray:
    usable = np.ones(len(live["ids"]), dtype=bool)
    for ex in live["exclusions"]:
        usable[np.asarray(ex["units"], dtype=int)] = False
    return usable


def project_weights(live: dict[str, Any]) -> dict[str, float]:
    """The project's own weights of a model, by criterion key (as its map starts with them)."""
    return {c["key"]: float(w) for c, w in zip(live["criteria"], live["presets"]["project"], strict=True)}


def normalised(weights: dict[str, float], live: dict[str, Any]) -> np.ndarray:
    """*weights* by criterion key as the model's weight vector summing to 1 (missing keys 0)."""
    w = np.array([max(float(weights.get(c["key"], 0.0)), 0.0) for c in live["criteria"]])
    if not np.isfinite(w).all() or w.sum() <= 0:
        raise InputError("a weight set needs at least one weight above 0")
    return w / w.sum()


def rescore(live: dict[str, Any], weights: dict[str, float]) -> np.ndarray:
    """Return the units' scores under *weights*, as the page's live scoring has them.

    The units' scores under *weights* (NaN where excluded), as the page's live scoring has them:
    min-max criteria standardised over the units in play, then the model's aggregation.
    """
    values, usable = _values(live), _usable(live)
    std = np.array(values, dtype=float)
    for j, c in enumerate(live["criteria"]):
        if c["minmax"]:
            v = np.where(usable, values[:, j], np.nan)
            finite = np.isfinite(v)
            lo, hi = (v[finite].min(), v[finite].max()) if finite.any() else (np.nan, np.nan)
            x = np.where(finite, 1.0, np.nan) if hi == lo else (v - lo) / (hi - lo)
            std[:, j] = 1.0 - x if c["minmax"] == "lower" else x
    score = np.full(len(usable), np.nan)
    if usable.any():
        owa = np.asarray(live["owa"], dtype=float) if live.get("owa") is not None else None
        score[usable] = np.clip(aggregate(std[usable], normalised(weights, live), live["aggregation"], owa), 0, 1)
    return score


def ranks(scores: np.ndarray) -> np.ndarray:
    """1 for the best score (ties share the better rank), 0 where there is no score."""
    finite = np.isfinite(scores)
    order = np.sort(scores[finite])[::-1]
    out = np.zeros(len(scores), dtype=int)
    out[finite] = np.searchsorted(-order, -scores[finite], side="left") + 1
    return out
