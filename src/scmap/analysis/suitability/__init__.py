"""Multi-criteria suitability: where each solution type fits, per district, grid cell or H3 cell.

Examples
--------
>>> import scmap
>>> inputs = scmap.load_inputs(scmap.load_project(scmap.demo_project_path()))
>>> result = suitability_project(inputs)
>>> row = result.units.sort_values("ev_charging_rank").iloc[0]
>>> int(row["ev_charging_rank"]), bool(0 <= row["ev_charging_score"] <= 1)
(1, True)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scmap.analysis.suitability.model import SuitabilityResult, aggregate, score_model, suitability
from scmap.analysis.suitability.units import district_units, grid_units, h3_units, make_units
from scmap.analysis.suitability.weights import ahp_weights, direct_weights, rank_order_weights

if TYPE_CHECKING:
    from scmap.project.inputs import Inputs

__all__ = [
    "SuitabilityResult",
    "aggregate",
    "ahp_weights",
    "direct_weights",
    "district_units",
    "grid_units",
    "h3_units",
    "make_units",
    "rank_order_weights",
    "score_model",
    "suitability",
    "suitability_project",
]


def check_sensitivity_size(runs: int, n_units: int, limit: int) -> None:
    """Refuse a Monte Carlo sensitivity analysis whose score table would not fit in memory."""
    from scmap.core._limits import too_many
    from scmap.errors import ProjectError

    if runs * n_units > limit:
        raise ProjectError(
            too_many(
                f"suitability.sensitivity: {runs:,} runs x {n_units:,} units",
                runs * n_units,
                limit,
                "max_sensitivity_cells",
                "use fewer runs (200-1000 are usual) or larger units",
            )
        )


def suitability_project(inputs: Inputs) -> SuitabilityResult:
    """:func:`suitability` with the units, models, layers and sensitivity of a loaded project."""
    from scmap.errors import ProjectError

    inputs.raise_for_errors()
    spec = inputs.project.spec.suitability
    if spec is None or not spec.models:
        raise ProjectError(f"{inputs.project.path}: no suitability.models to score")
    assert inputs.districts is not None
    districts = inputs.districts.gdf
    limits = inputs.project.spec.limits
    units = make_units(districts, spec.units, max_units=limits.max_units)
    if spec.sensitivity is not None:
        check_sensitivity_size(spec.sensitivity.runs, len(units), limits.max_sensitivity_cells)
    layers = {name: loaded.gdf for name, loaded in inputs.layers.items()}
    if inputs.solutions is not None:
        layers.setdefault("solutions", inputs.solutions)  # count_of: solutions (solution:/sector: pick)
    return suitability(
        units,
        spec.models,
        districts=districts,
        layers=layers,
        sensitivity=spec.sensitivity,
        rollup_threshold=spec.rollup_threshold,
    )
