"""The workshop map of a loaded project, as its ``map:`` section says."""

from __future__ import annotations

from typing import TYPE_CHECKING

import folium

from scmap.maps.layers import MapOptions
from scmap.maps.solution_map import solution_map
from scmap.project.spec import popup_labels

if TYPE_CHECKING:
    from scmap.analysis.overlap import OverlapResult
    from scmap.analysis.suitability import SuitabilityResult
    from scmap.project.inputs import Inputs

__all__ = ["project_map"]


def project_map(
    inputs: Inputs,
    *,
    suitability: SuitabilityResult | None = None,
    overlap: OverlapResult | None = None,
) -> folium.Map:
    """The workshop map of loaded project inputs: title, basemap and visible layers from the ``map:`` section.

    It draws the analysis results it is given and runs none itself (without them, the map shows districts and solutions
    only).

    Examples
    --------
    >>> import scmap
    >>> results = scmap.run(scmap.demo_project_path())
    >>> fmap = project_map(results.inputs, suitability=results.suitability, overlap=results.overlap)
    >>> "scmapRender(" in fmap.get_root().render()
    True
    """
    inputs.raise_for_errors()
    spec = inputs.project.spec
    assert inputs.districts is not None
    return solution_map(
        inputs.districts.gdf,
        inputs.solutions,
        suitability=suitability,
        overlap=overlap,
        catalogue=inputs.project.catalogue,
        title=spec.map.title or spec.name,
        basemap=[spec.map.basemap, *(b.model_dump(exclude_none=True) for b in spec.map.basemaps)],
        attribution=spec.map.attribution,
        show=spec.map.show,
        options=MapOptions(
            district_columns=popup_labels(spec.districts.popup),
            solution_columns={k: v for src in spec.solutions for k, v in popup_labels(src.popup).items()},
            cluster_limit=spec.map.cluster_above,
            cluster_crowded=spec.map.cluster_crowded,
            icons_from_zoom=spec.map.icons_from_zoom,
            cluster_until_zoom=spec.map.cluster_until_zoom,
            max_relations=spec.map.max_relations,
            max_area_vertices=spec.map.max_area_vertices,
            max_points=spec.map.max_points,
            max_html_mb=spec.map.max_html_mb,
            messages=inputs.project.messages,
        ),
    )
