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
from scmap.errors import CatalogueError, InputError, ProjectError, ScmapError, UnreadableFileError
from scmap.inputs import load_inputs, validate_project
from scmap.io import LoadedLayer, read_districts, read_layer, read_solutions
from scmap.maps import solution_map
from scmap.overlap import OverlapResult, overlap, overlap_project
from scmap.project import Project, load_project
from scmap.results import Results, run
from scmap.suitability import SuitabilityResult, ahp_weights, suitability, suitability_project

__all__ = [
    "Catalogue",
    "CatalogueError",
    "InputError",
    "LoadedLayer",
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
    "load_catalogue",
    "load_inputs",
    "load_project",
    "overlap",
    "overlap_project",
    "read_districts",
    "read_layer",
    "read_solutions",
    "run",
    "solution_map",
    "suitability",
    "suitability_project",
    "validate_project",
]
