"""The bundled demo is what data/make_demo.py produces, and what the README says it is."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import geopandas as gpd
import pytest
import yaml
from geopandas.testing import assert_geodataframe_equal

from scmap import load_project, validate_project
from scmap.project.datasets import demo_dir

REPO = Path(__file__).resolve().parents[1]


def _make_demo():
    spec = importlib.util.spec_from_file_location("make_demo", REPO / "data" / "make_demo.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("name", "layer"),
    [
        ("districts.gpkg", "districts"),
        ("context.gpkg", "metro_stations"),
        ("context.gpkg", "tram_stops"),
        ("context.gpkg", "parks"),
        ("context.gpkg", "dh_zones"),
        ("candidates.gpkg", "solutions"),
        ("chargers.geojson", None),
    ],
)
def test_regenerating_gives_the_committed_data(tmp_path: Path, name: str, layer: str | None):
    _make_demo().main(tmp_path)
    fresh = gpd.read_file(tmp_path / name, layer=layer)
    committed = gpd.read_file(REPO / "data" / "sofia" / name, layer=layer)
    assert_geodataframe_equal(fresh, committed, check_less_precise=True)


def test_demo_is_sofia_with_24_districts_and_about_150_solutions():
    districts = gpd.read_file(demo_dir() / "districts.gpkg")
    assert len(districts) == 24
    assert {"Sredets", "Mladost", "Lyulin", "Bankya", "Pancharevo", "Novi Iskar"} <= set(districts["name"])
    assert districts["population"].sum() == pytest.approx(1_290_000, rel=0.1)
    assert (districts["note"] == "illustrative boundary, not the official one").all()
    project = load_project(demo_dir() / "project.yaml")
    report = validate_project(project)
    assert report.ok
    assert report.rejected.empty
    solutions = [s for s in report.sources if s.role == "solutions"]
    assert 130 <= sum(s.loaded for s in solutions) <= 170
    candidates = gpd.read_file(demo_dir() / "candidates.gpkg")
    assert set(candidates["sector"]) == {"energy", "mobility", "ict"}
    assert set(candidates["status"]) == {"existing", "planned", "candidate"}


def test_example_project_has_only_known_keys(tmp_path: Path):
    """examples/my_city.yaml uses the demo's file names: copied beside the demo data it loads."""
    from scmap.project.datasets import copy_demo

    copy_demo(tmp_path)
    example = yaml.safe_load((REPO / "examples" / "my_city.yaml").read_text())
    (tmp_path / "my_city.yaml").write_text(yaml.safe_dump(example))
    project = load_project(tmp_path / "my_city.yaml")
    assert validate_project(project).ok
