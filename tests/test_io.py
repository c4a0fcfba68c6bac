"""Reading solutions against the catalogue; combining sources in a project."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import yaml

from scmap import load_inputs, load_project, read_solutions
from scmap.errors import CatalogueError, InputError, ProjectError
from scmap.project.datasets import copy_demo


@pytest.fixture
def sites(tmp_path: Path) -> Path:
    gdf = gpd.GeoDataFrame(
        {
            "ref": ["s1", "s2", "s3", "s4", "s5", "s6", "s7"],
            "type": ["EV charging", "rooftop pv", "teleporter", "Wi-Fi", "bike sharing", "ev_charging", "public_wifi"],
            "sector": ["", "energy", "energy", "ICT", "energy", "mobility", "ict"],
            "state": ["Operational", "proposed", "planned", "", "existing", "maybe", "planned"],
            "radius": [100, None, None, -5, None, None, None],
            "name": ["Plaça", "", "x", "y", "z", "w", "Main square <b>Wi-Fi</b>"],
        },
        geometry=gpd.points_from_xy([2.170, 2.171, 2.172, 2.173, 2.174, 2.175, 2.176], [41.38] * 7),
        crs="EPSG:4326",
    )
    path = tmp_path / "sites.gpkg"
    gdf.to_file(path, engine="pyogrio")
    return path


def test_solution_rows_are_matched_or_rejected(sites: Path):
    with pytest.warns(UserWarning, match="4 of 7 rows rejected"):
        loaded = read_solutions(
            sites,
            solution_field="type",
            sector_field="sector",
            id="ref",
            status="state",
            radius_field="radius",
            name="name",
        )
    gdf = loaded.gdf
    assert gdf["solution_id"].tolist() == ["s1", "s2", "s7"]
    assert gdf["solution"].tolist() == ["ev_charging", "rooftop_pv", "public_wifi"]
    assert gdf["sector"].tolist() == ["mobility", "energy", "ict"]  # blank sector -> the type's
    assert gdf["status"].tolist() == ["existing", "candidate", "planned"]
    assert gdf["radius_m"].iloc[0] == 100 and gdf["radius_m"].isna().iloc[1:].all()
    assert gdf["name"].tolist() == ["Plaça", "Rooftop PV s2", "Main square <b>Wi-Fi</b>"]
    assert gdf.crs.is_projected
    reasons = dict(zip(loaded.rejected["row"], loaded.rejected["reason"], strict=True))
    assert reasons[3].startswith("unknown solution type 'teleporter'; allowed: ev_charging, bike_sharing")
    assert reasons[4] == "radius '-5.0' is not a positive, finite number of metres (at most 100 km)"
    assert reasons[5] == "sector 'energy' does not match the catalogue sector 'mobility' of bike_sharing"
    assert reasons[6] == "unknown status 'maybe'; allowed: existing, planned, candidate"
    assert dict(zip(loaded.rejected["row"], loaded.rejected["field"], strict=True)) == {
        3: "type",
        4: "radius",
        5: "sector",
        6: "state",
    }
    assert len(gdf) + len(loaded.rejected) == 7


def test_constant_type_must_exist(sites: Path):
    with pytest.raises(CatalogueError, match="unknown solution type 'chargers'; allowed: ev_charging"):
        read_solutions(sites, solution="chargers")
    with pytest.raises(InputError, match=r"no column 'solution'; columns: .*; give solution: TYPE"):
        read_solutions(sites)  # without a type: the column named solution, as in exported sketches


def test_missing_column_is_an_error(sites: Path):
    with pytest.raises(InputError, match=r"solution_field: no column 'kind'; columns: ref, type, sector"):
        read_solutions(sites, solution_field="kind")


def test_generated_ids_and_original_columns_kept(sites: Path):
    with pytest.warns(UserWarning, match="rows rejected"):
        loaded = read_solutions(sites, solution_field="type", to_crs=None)
    assert loaded.gdf["solution_id"].iloc[0] == "sites-1"
    assert loaded.gdf["src_name"].iloc[0] == "Plaça"  # the file's own 'name' column is kept, renamed
    assert loaded.gdf["ref"].iloc[0] == "s1"


def test_project_ids_repeated_across_sources_are_prefixed(tmp_path: Path):
    project_file = copy_demo(tmp_path / "demo")
    (tmp_path / "demo" / "more_chargers.geojson").write_bytes((tmp_path / "demo" / "chargers.geojson").read_bytes())
    data = yaml.safe_load(project_file.read_text())
    data["solutions"].append(dict(data["solutions"][1], path="more_chargers.geojson"))
    project_file.write_text(yaml.safe_dump(data, sort_keys=False))
    inputs = load_inputs(load_project(project_file))
    assert inputs.ok
    assert len(inputs.solutions) == 147 + 22
    assert inputs.solutions["solution_id"].is_unique
    assert inputs.solutions["solution_id"].iloc[-22] == "more_chargers:EV-001"
    assert "22 ids are also used by an earlier source (EV-001" in inputs.sources[-1].warnings[0]


def test_same_source_twice_is_a_project_error(tmp_path: Path):
    project_file = copy_demo(tmp_path / "demo")
    data = yaml.safe_load(project_file.read_text())
    data["solutions"].append(dict(data["solutions"][1]))
    project_file.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(ProjectError, match=r"solutions.2.path: the same file as solutions.1: each source once"):
        load_project(project_file)
