"""Compatibility names: loading lives in :mod:`scmap.inputs`, the project map in
:mod:`scmap.maps.project_map`, the whole run in :mod:`scmap.results`."""

from __future__ import annotations

from scmap.inputs import Inputs, ValidationReport, load_inputs, validate_project
from scmap.maps.project_map import project_map
from scmap.results import Results, run

__all__ = ["Inputs", "Results", "ValidationReport", "load_inputs", "project_map", "run", "validate_project"]
