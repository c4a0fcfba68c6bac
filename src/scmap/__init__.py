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

from scmap._version import __version__
from scmap.catalogue import Catalogue, load_catalogue
from scmap.datasets import demo_project_path
from scmap.errors import CatalogueError, InputError, OutputError, ProjectError, ScmapError, UnreadableFileError
from scmap.inputs import load_inputs, validate_project
from scmap.io import LoadedLayer, read_districts, read_layer, read_solutions
from scmap.maps import embed_html, save_html, solution_map, static_map
from scmap.overlap import OverlapResult, overlap, overlap_project
from scmap.project import Project, load_project
from scmap.results import Results, run
from scmap.schema import project_schema
from scmap.suitability import SuitabilityResult, ahp_weights, suitability, suitability_project

__all__ = [
    "Catalogue",
    "CatalogueError",
    "InputError",
    "LoadedLayer",
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
