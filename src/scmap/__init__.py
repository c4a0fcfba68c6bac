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

import sys
import types
from typing import TYPE_CHECKING, Any

from scmap._version import __version__
from scmap.errors import CatalogueError, InputError, OutputError, ProjectError, ScmapError, UnreadableFileError

# the public names, imported on first use: ``import scmap`` (and the command line, before it
# can stop cleanly on Ctrl-C) does not wait for geopandas, folium and matplotlib
_LAZY = {
    "Catalogue": "scmap.catalogue",
    "load_catalogue": "scmap.catalogue",
    "demo_project_path": "scmap.datasets",
    "load_inputs": "scmap.inputs",
    "validate_project": "scmap.inputs",
    "LoadedLayer": "scmap.io",
    "read_districts": "scmap.io",
    "read_layer": "scmap.io",
    "read_solutions": "scmap.io",
    "embed_html": "scmap.maps",
    "save_html": "scmap.maps",
    "solution_map": "scmap.maps",
    "static_map": "scmap.maps",
    "OverlapResult": "scmap.overlap",
    "overlap": "scmap.overlap",
    "overlap_project": "scmap.overlap",
    "MatchResult": "scmap.match",
    "match": "scmap.match",
    "Project": "scmap.project",
    "load_project": "scmap.project",
    "Results": "scmap.results",
    "run": "scmap.results",
    "project_schema": "scmap.schema",
    "SuitabilityResult": "scmap.suitability",
    "ahp_weights": "scmap.suitability",
    "suitability": "scmap.suitability",
    "suitability_project": "scmap.suitability",
}

if TYPE_CHECKING:
    from scmap.catalogue import Catalogue, load_catalogue
    from scmap.datasets import demo_project_path
    from scmap.inputs import load_inputs, validate_project
    from scmap.io import LoadedLayer, read_districts, read_layer, read_solutions
    from scmap.maps import embed_html, save_html, solution_map, static_map
    from scmap.match import MatchResult, match
    from scmap.overlap import OverlapResult, overlap, overlap_project
    from scmap.project import Project, load_project
    from scmap.results import Results, run
    from scmap.schema import project_schema
    from scmap.suitability import SuitabilityResult, ahp_weights, suitability, suitability_project


class _Package(types.ModuleType):
    """``scmap.overlap`` and ``scmap.suitability`` are the functions, also once their modules of
    the same name are imported (the import system would bind the module over the name)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in ("overlap", "suitability") and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'scmap' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


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
