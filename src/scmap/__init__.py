"""scmap: the solution map for integrated smart-city planning workshops.

Load district boundaries, context layers and candidate or existing solutions from ordinary GIS
files, check them, and map them for the workshop.

Examples
--------
>>> import scmap
>>> project = scmap.load_project(scmap.demo_project_path())
>>> project.name
'Sofia pre-workshop solution map (demo, schematic data)'
"""

from typing import TYPE_CHECKING

from scmap._version import __version__
from scmap.core._lazy import lazy_names
from scmap.errors import CatalogueError, InputError, OutputError, ProjectError, ScmapError, UnreadableFileError

# the public names, imported on first use: ``import scmap`` (and the command line, before it
# can stop cleanly on Ctrl-C) does not wait for geopandas, folium and matplotlib
_LAZY = {
    "Catalogue": "scmap.core.catalogue",
    "load_catalogue": "scmap.core.catalogue",
    "demo_project_path": "scmap.project.datasets",
    "load_inputs": "scmap.project.inputs",
    "validate_project": "scmap.project.inputs",
    "LoadedLayer": "scmap.sources.io",
    "read_districts": "scmap.sources.io",
    "read_layer": "scmap.sources.io",
    "read_solutions": "scmap.sources.io",
    "embed_html": "scmap.maps",
    "save_html": "scmap.maps",
    "solution_map": "scmap.maps",
    "static_map": "scmap.maps",
    "OverlapResult": "scmap.analysis.overlap",
    "overlap": "scmap.analysis.overlap",
    "overlap_project": "scmap.analysis.overlap",
    "MatchResult": "scmap.pipeline.match",
    "match": "scmap.pipeline.match",
    "Project": "scmap.project.spec",
    "load_project": "scmap.project.load",
    "Results": "scmap.pipeline.results",
    "run": "scmap.pipeline.results",
    "project_schema": "scmap.project.schema",
    "SuitabilityResult": "scmap.analysis.suitability",
    "ahp_weights": "scmap.analysis.suitability",
    "suitability": "scmap.analysis.suitability",
    "suitability_project": "scmap.analysis.suitability",
}

if TYPE_CHECKING:
    from scmap.analysis.overlap import OverlapResult, overlap, overlap_project
    from scmap.analysis.suitability import SuitabilityResult, ahp_weights, suitability, suitability_project
    from scmap.core.catalogue import Catalogue, load_catalogue
    from scmap.maps import embed_html, save_html, solution_map, static_map
    from scmap.pipeline.match import MatchResult, match
    from scmap.pipeline.results import Results, run
    from scmap.project.datasets import demo_project_path
    from scmap.project.inputs import load_inputs, validate_project
    from scmap.project.load import load_project
    from scmap.project.schema import project_schema
    from scmap.project.spec import Project
    from scmap.sources.io import LoadedLayer, read_districts, read_layer, read_solutions


__getattr__ = lazy_names("scmap", _LAZY, globals())  # PEP 562


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "Catalogue",
    "CatalogueError",
    "InputError",
    "LoadedLayer",
    "MatchResult",
    "OutputError",
    "OverlapResult",
    "Project",
    "ProjectError",
    "Results",
    "ScmapError",
    "SuitabilityResult",
    "UnreadableFileError",
    "__version__",
    "ahp_weights",
    "demo_project_path",
    "embed_html",
    "load_catalogue",
    "load_inputs",
    "load_project",
    "match",
    "overlap",
    "overlap_project",
    "project_schema",
    "read_districts",
    "read_layer",
    "read_solutions",
    "run",
    "save_html",
    "solution_map",
    "static_map",
    "suitability",
    "suitability_project",
    "validate_project",
]
