"""The project file: contract keys, errors with file and key path, paths relative to the file."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from scmap import load_project
from scmap.errors import ProjectError
from scmap.project.datasets import copy_demo


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    return copy_demo(tmp_path / "demo")


def _edit(path: Path, change) -> Path:
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_demo_project_loads_with_relative_paths(demo: Path):
    project = load_project(demo)
    assert project.resolve(project.spec.districts.path) == demo.parent.resolve() / "districts.gpkg"
    assert project.spec.suitability.models["ev_charging"].criteria["metro_access"].fuzzy == (300, 1500)
    assert project.spec.suitability.models["ev_charging"].criteria["no_parks"].kind == "inside"
    assert project.spec.overlap.radius_m == {"ev_charging": 250}


def test_unknown_keys_name_the_key_path(demo: Path):
    def change(d):
        d["districts"]["colour"] = "red"
        d["solutions"][0]["sectr"] = "energy"
        d["suitability"]["models"]["ev_charging"]["criteria"]["pop_density"]["better"] = "more"

    _edit(demo, change)
    with pytest.raises(ProjectError) as info:
        load_project(demo)
    text = str(info.value)
    assert f"{demo}: districts.colour: unknown key" in text
    assert f"{demo}: solutions.0.sectr: unknown key" in text
    assert "suitability.models.ev_charging.criteria.pop_density.better: Input should be 'higher' or 'lower'" in text


def test_unknown_types_sectors_and_layers_list_allowed(demo: Path):
    def change(d):
        d["solutions"][1]["solution"] = "ev_chargers"
        d["solutions"][1]["sector"] = "transport"
        d["suitability"]["models"]["hovercraft"] = {"criteria": {"x": {"distance_to": "metro"}}}
        d["suitability"]["models"]["ev_charging"]["criteria"]["metro_access"]["distance_to"] = "subway"
        d["overlap"]["rules"] = [{"a": "ev_charging", "b": "sector:water", "relation": "synergy", "within_m": 10}]

    _edit(demo, change)
    with pytest.raises(ProjectError) as info:
        load_project(demo)
    text = str(info.value)
    assert "solutions.1.solution: unknown solution type 'ev_chargers'; allowed: ev_charging, bike_sharing" in text
    assert "solutions.1.sector: unknown sector 'transport'; allowed: energy, mobility, ict" in text
    assert "suitability.models.hovercraft: unknown solution type; allowed: ev_charging" in text
    assert (
        "suitability.models.ev_charging.criteria.metro_access.distance_to: unknown layer 'subway'; "
        "allowed: metro, trams, parks, dh_zones"
    ) in text
    assert "overlap.rules.0.b: unknown solution type 'sector:water'" in text


def test_missing_file_and_bad_combinations(demo: Path):
    def change(d):
        d["districts"]["path"] = "nowhere.gpkg"
        d["solutions"][0]["solution"] = "rooftop_pv"  # both solution and solution_field
        d["suitability"]["models"]["ev_charging"]["weights"] = {"pop_density": 0, "metro_access": 0, "stops": 0}

    _edit(demo, change)
    with pytest.raises(ProjectError) as info:
        load_project(demo)
    text = str(info.value)
    assert "solutions.0: give either solution: or solution_field:, not both" in text
    assert "suitability.models.ev_charging: all weights are zero" in text


def test_missing_file_reported(demo: Path):
    _edit(demo, lambda d: d["districts"].__setitem__("path", "nowhere.gpkg"))
    with pytest.raises(ProjectError, match=r"districts.path: file not found: .*nowhere.gpkg"):
        load_project(demo)


def test_not_yaml_and_not_a_mapping(tmp_path: Path):
    bad = tmp_path / "p.yaml"
    bad.write_text("name: [unclosed\n")
    with pytest.raises(ProjectError, match="not valid YAML"):
        load_project(bad)
    bad.write_text("- a\n- b\n")
    with pytest.raises(ProjectError, match="a project file is a YAML mapping"):
        load_project(bad)
    with pytest.raises(ProjectError, match="project file not found"):
        load_project(tmp_path / "missing.yaml")
