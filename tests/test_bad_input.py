"""The bad-input corpus: every case gives one clear line (file, key path, row), exit 1, no traceback,
and every row is used or rejected."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import yaml
from click.testing import CliRunner
from pyproj import Geod

from scmap import load_inputs, load_project, read_layer, read_solutions
from scmap.cli.main import cli
from scmap.core._yaml import loads
from scmap.errors import ProjectError
from scmap.project.datasets import copy_demo

Change = Callable[[dict[str, Any]], None]
INF, NAN = float("inf"), float("nan")


def _project(tmp_path: Path, change: Change | None = None) -> Path:
    project = copy_demo(tmp_path / "city")
    if change is not None:
        spec = yaml.safe_load(project.read_text(encoding="utf-8"))
        change(spec)
        project.write_text(yaml.safe_dump(spec, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return project


def _validate(project: Path, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["validate", str(project), *extra])
    return result.exit_code, result.output  # stdout and stderr as a terminal shows them


def _ev(spec: dict[str, Any]) -> dict[str, Any]:
    model: dict[str, Any] = spec["suitability"]["models"]["ev_charging"]
    return model


def _set(path: str, value: Any) -> Change:
    def change(spec: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node = spec
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node.setdefault(key, {})
        node[last] = value

    return change


def _owa(spec: dict[str, Any]) -> None:
    _ev(spec).update(aggregation="owa", owa=[NAN, 1, 1])


NUMBER_CASES: list[tuple[str, Change, str]] = [
    ("weights overflow", _set("suitability.models.ev_charging.weights.pop_density", 1e308), "weights.pop_density"),
    ("owa nan", _owa, "owa.0: Input should be a finite number"),
    (
        "fuzzy nan",
        _set("suitability.models.ev_charging.criteria.metro_access.fuzzy", [NAN, 1]),
        "criteria.metro_access.fuzzy.0",
    ),
    (
        "sigmoid inf",
        _set(
            "suitability.models.ev_charging.criteria.stops", {"count_of": "trams", "sigmoid": {"mid": 1, "scale": INF}}
        ),
        "criteria.stops.sigmoid.scale: Input should be a finite number",
    ),
    (
        "breaks nan",
        _set(
            "suitability.models.ev_charging.criteria.stops",
            {"count_of": "trams", "breaks": [1, NAN], "scores": [0, 0.5, 1]},
        ),
        "criteria.stops.breaks.1",
    ),
    (
        "constraint min nan",
        _set(
            "suitability.models.ev_charging.criteria.big",
            {"attribute": "population", "exclude": True, "min": NAN},
        ),
        "criteria.big.min: Input should be a finite number",
    ),
    (
        "fill nan",
        _set(
            "suitability.models.ev_charging.criteria.pop_density",
            {"attribute": "population", "better": "higher", "missing": "fill", "fill": NAN},
        ),
        "criteria.pop_density.fill: Input should be a finite number",
    ),
    ("grid inf", _set("suitability.units", {"grid_m": INF}), "suitability.units.grid_m"),
    ("radius inf", _set("overlap.radius_m.ev_charging", INF), "overlap.radius_m.ev_charging"),
    ("radius huge", _set("overlap.radius_m.ev_charging", 1e12), "overlap.radius_m.ev_charging: Input should be less"),
    (
        "rule within inf",
        _set("overlap.rules", [{"a": "ev_charging", "b": "rooftop_pv", "relation": "synergy", "within_m": INF}]),
        "overlap.rules.0.within_m",
    ),
    ("getis grid nan", _set("overlap.getis_ord.grid_m", NAN), "overlap.getis_ord.grid_m"),
    (
        "ahp ragged",
        _set(
            "suitability.models.ev_charging.weight_sets.mobility_team.ahp.matrix", [[1, 2, 3], [0.5, 1], [1 / 3, 1, 1]]
        ),
        "weight_sets.mobility_team.ahp: matrix: the matrix must be square",
    ),
    (
        "ahp not square",
        _set("suitability.models.ev_charging.weight_sets.mobility_team.ahp.matrix", [[1, 2], [0.5, 1]]),
        "weight_sets.mobility_team.ahp: matrix: 2 rows for 3 criteria",
    ),
    (
        "ahp not reciprocal",
        _set(
            "suitability.models.ev_charging.weight_sets.mobility_team.ahp.matrix",
            [[1, 2, 3], [2, 1, 4], [1 / 3, 1 / 4, 1]],
        ),
        "not reciprocal",
    ),
    (
        "ahp negative",
        _set(
            "suitability.models.ev_charging.weight_sets.mobility_team.ahp.matrix",
            [[1, -2, 3], [-0.5, 1, 4], [1 / 3, 1 / 4, 1]],
        ),
        "every value must be a positive number",
    ),
    ("sensitivity runs", _set("suitability.sensitivity.runs", 10**9), "suitability.sensitivity.runs"),
]


@pytest.mark.parametrize(("change", "message"), [c[1:] for c in NUMBER_CASES], ids=[c[0] for c in NUMBER_CASES])
def test_non_finite_and_out_of_range_numbers_are_refused_by_validate(tmp_path: Path, change: Change, message: str):
    project = _project(tmp_path, change)
    code, out = _validate(project)
    assert code == 1
    assert message in out and str(project) in out
    assert "Traceback" not in out


def test_non_finite_catalogue_radius(tmp_path: Path):
    project = _project(tmp_path, _set("catalogue", "cat.yaml"))
    (project.parent / "cat.yaml").write_text("solutions:\n  ev_charging: {radius_m: .inf}\n", encoding="utf-8")
    code, out = _validate(project)
    assert code == 1 and "cat.yaml: solutions.ev_charging.radius_m: Input should be a finite number" in out


@pytest.mark.parametrize("value", ["inf", "1e400", "-inf", "nan", "200000"])
def test_non_finite_row_radius_is_a_rejected_row(tmp_path: Path, value: str):
    path = tmp_path / "chargers.csv"
    path.write_text(f"id,lon,lat,radius\na,23.3,42.7,100\nb,23.31,42.71,{value}\n", encoding="utf-8")
    loaded = read_solutions(path, solution="ev_charging", id="id", radius_field="radius")
    assert loaded.gdf["solution_id"].tolist() == ["a"]
    assert loaded.rejected["id"].tolist() == ["b"]
    assert "not a positive, finite number of metres" in loaded.rejected["reason"].iloc[0]


def test_non_finite_district_attribute_is_a_rejected_row(tmp_path: Path):
    project = _project(tmp_path)
    districts = gpd.read_file(project.parent / "districts.gpkg", layer="districts")
    districts["population"] = districts["population"].astype(float)
    districts.loc[2, "population"] = INF
    districts.to_file(project.parent / "districts.gpkg", layer="districts", driver="GPKG")
    inputs = load_inputs(load_project(project))
    rejected = inputs.rejected
    assert rejected["id"].tolist() == [districts.loc[2, "district_id"]]
    assert rejected["reason"].tolist() == ["value in column 'population' is not a finite number"]
    assert inputs.sources[0].rows == inputs.sources[0].loaded + inputs.sources[0].rejected == len(districts)


# ---------------------------------------------------------------- YAML


def test_duplicate_keys_are_errors_with_lines(tmp_path: Path):
    project = _project(tmp_path)
    text = project.read_text(encoding="utf-8")
    project.write_text(text + "name: again\n", encoding="utf-8")
    code, out = _validate(project)
    line = text.count("\n") + 1
    assert code == 1 and f"line {line}: key 'name' given twice (first on line" in out
    weights = text.replace("weights: {pop_density: 3,", "weights: {pop_density: 1, pop_density: 9,")
    project.write_text(weights, encoding="utf-8")
    code, out = _validate(project)
    assert code == 1 and "key 'pop_density' given twice" in out


def test_yaml_12_scalars():
    data = loads("a: 10\nb: 1:30\nc: yes\nd: off\ne: 1e3\nf: 0o17\ng: false\nh: 2.5\ni: -3")
    assert data == {"a": 10, "b": "1:30", "c": "yes", "d": "off", "e": 1000.0, "f": 15, "g": False, "h": 2.5, "i": -3}


def test_deep_yaml_is_one_line(tmp_path: Path):
    path = tmp_path / "deep.yaml"
    path.write_text("a: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    code, out = _validate(path)
    assert code == 1 and "nested deeper than 50 levels" in out and "Traceback" not in out


def test_cp1252_project_file_asks_for_utf8(tmp_path: Path):
    project = _project(tmp_path, _set("name", "Plaça de l'Àngel"))
    project.write_bytes(project.read_text(encoding="utf-8").encode("cp1252"))
    code, out = _validate(project)
    assert code == 1 and "not UTF-8 text" in out and "save the project file as UTF-8" in out
    assert len([line for line in out.splitlines() if line.strip()]) == 1


def test_catalogue_folder_symlink_loop_and_pipe(tmp_path: Path):
    project = _project(tmp_path, _set("catalogue", "catalogues"))
    (project.parent / "catalogues").mkdir()
    code, out = _validate(project)
    assert code == 1 and "catalogues: is a folder" in out and "Traceback" not in out
    loop = tmp_path / "loop.yaml"
    loop.symlink_to(loop)
    code, out = _validate(loop)
    assert code in (1, 2) and "Traceback" not in out
    with pytest.raises(ProjectError, match=r"cannot read the project file|not found"):
        load_project(loop)
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    with pytest.raises(ProjectError, match="not a regular file"):
        load_project(fifo)


# ---------------------------------------------------------------- files


def test_empty_layer_is_an_error_naming_it(tmp_path: Path):
    project = _project(tmp_path)
    parks = gpd.read_file(project.parent / "context.gpkg", layer="parks")
    parks.iloc[0:0].to_file(project.parent / "context.gpkg", layer="parks", driver="GPKG")
    code, out = _validate(project)
    assert code == 1 and "layer 'parks': has no rows" in out


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_unsafe_and_bomb_archives_are_refused(tmp_path: Path):
    from scmap.errors import UnreadableFileError

    evil = _zip(tmp_path / "evil.zip", {"../../etc/x.shp": b"x", "ok.txt": b"y"})
    with pytest.raises(UnreadableFileError, match=r"unsafe path '\.\./\.\./etc/x\.shp'"):
        read_layer(evil)
    absolute = _zip(tmp_path / "abs.zip", {"/tmp/x.geojson": b"{}"})
    with pytest.raises(UnreadableFileError, match="unsafe path"):
        read_layer(absolute)
    bomb = _zip(tmp_path / "bomb.zip", {"big.geojson": b" " * 50_000_000})
    with pytest.raises(UnreadableFileError, match="times larger than it is"):
        read_layer(bomb)


def test_missing_shapefile_part_is_named(tmp_path: Path):
    gdf = gpd.GeoDataFrame({"id": ["a"]}, geometry=[shapely.Point(23.3, 42.7)], crs=4326)
    gdf.to_file(tmp_path / "points.shp")
    (tmp_path / "points.dbf").unlink()
    code, out = _cli_info(tmp_path / "points.shp")
    assert code == 1 and "points.dbf (the attribute table) is missing" in out
    with pytest.raises(Exception, match=r"points\.dbf \(the attribute table\) is missing"):
        read_layer(tmp_path / "points.shp")


def _cli_info(path: Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["info", str(path)])
    return result.exit_code, result.output + result.stderr


def test_non_finite_csv_coordinates_are_rejected_rows_with_their_reason(tmp_path: Path):
    path = tmp_path / "points.csv"
    path.write_text("id,lon,lat\na,23.3,42.7\nb,inf,42.7\nc,23.3,nan\nd,23.31,42.71\n", encoding="utf-8")
    loaded = read_solutions(path, solution="ev_charging", id="id")
    assert loaded.gdf["solution_id"].tolist() == ["a", "d"]
    assert len(loaded.gdf) + len(loaded.rejected) == 4
    reasons = dict(zip(loaded.rejected["id"], loaded.rejected["reason"], strict=True))
    assert "not finite" in reasons["b"] or "not a number" in reasons["b"]
    assert "CRS" not in " ".join(reasons.values()) and "outside" not in " ".join(reasons.values())


def test_cp1250_dbf_without_cpg_is_named(tmp_path: Path):
    gdf = gpd.GeoDataFrame(
        {"id": ["1", "2"], "name": ["Łódź Śródmieście", "Żoliborz"]},
        geometry=[shapely.box(19.4, 51.7, 19.5, 51.8), shapely.box(19.5, 51.7, 19.6, 51.8)],
        crs=4326,
    )
    gdf.to_file(tmp_path / "lodz.shp", encoding="cp1250")
    (tmp_path / "lodz.cpg").unlink()
    loaded = read_layer(tmp_path / "lodz.shp")
    assert any("lodz.shp" in w and "cp1250" in w and "Łódź Śródmieście" in w for w in loaded.report.warnings)
    fixed = read_layer(tmp_path / "lodz.shp", encoding="cp1250")
    assert fixed.gdf["name"].tolist() == ["Łódź Śródmieście", "Żoliborz"] and not fixed.report.warnings


# ---------------------------------------------------------------- extent and size


def _districts_project(tmp_path: Path, polygons: list[shapely.Geometry], **extra: Any) -> Path:
    d = gpd.GeoDataFrame(
        {"code": [f"D{i}" for i in range(len(polygons))], "population": 1000}, geometry=polygons, crs=4326
    )
    d.to_file(tmp_path / "districts.gpkg", driver="GPKG")
    centre = polygons[0].representative_point()
    pd.DataFrame({"id": ["s1"], "lon": [centre.x], "lat": [centre.y]}).to_csv(tmp_path / "s.csv", index=False)
    spec = {
        "name": "extent",
        "districts": {"path": "districts.gpkg", "id": "code"},
        "solutions": [{"path": "s.csv", "solution": "ev_charging", "id": "id"}],
        **extra,
    }
    (tmp_path / "project.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    return tmp_path / "project.yaml"


def test_districts_across_the_antimeridian_keep_their_areas(tmp_path: Path):
    fiji = [
        shapely.MultiPolygon([shapely.box(179.6, -17.0, 180.0, -16.6), shapely.box(-180.0, -17.0, -179.7, -16.6)]),
        shapely.box(178.2, -18.2, 178.6, -17.8),
        shapely.box(-179.9, -16.5, -179.5, -16.1),
    ]
    inputs = load_inputs(load_project(_districts_project(tmp_path, fiji)))
    assert any("antimeridian" in w for w in inputs.sources[0].warnings)
    geod = Geod(ellps="WGS84")
    for geom, area in zip(fiji, inputs.districts.gdf.geometry.area, strict=True):
        exact = abs(geod.geometry_area_perimeter(geom)[0])
        assert area == pytest.approx(exact, rel=0.01)


def test_far_apart_districts_get_an_equal_area_crs(tmp_path: Path):
    valencia, sydney = shapely.box(-0.40, 39.45, -0.35, 39.50), shapely.box(151.15, -33.90, 151.20, -33.85)
    code, out = _validate(_districts_project(tmp_path, [valencia, sydney]))
    assert code == 0 and "span 151.6° of longitude" in out and "wrong file" in out
    inputs = load_inputs(load_project(tmp_path / "project.yaml"))
    geod = Geod(ellps="WGS84")
    for geom, area in zip([valencia, sydney], inputs.districts.gdf.geometry.area, strict=True):
        assert area == pytest.approx(abs(geod.geometry_area_perimeter(geom)[0]), rel=0.01)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"suitability": {"units": {"h3": 15}, "models": {}}}, "resolution 15 gives about"),
        ({"suitability": {"units": {"grid_m": 1}, "models": {}}}, "1 m cells gives about"),
        ({"overlap": {"getis_ord": {"grid_m": 1}}}, "limits.max_units"),
    ],
)
def test_unit_caps_are_checked_before_the_work(tmp_path: Path, extra: dict[str, Any], message: str):
    project = _districts_project(tmp_path, [shapely.box(23.30, 42.68, 23.35, 42.72)], **extra)
    result = CliRunner().invoke(cli, ["run", str(project), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert message in result.stderr and "limits.max_units" in result.stderr and "Traceback" not in result.stderr


def test_sensitivity_cap(tmp_path: Path):
    def change(spec: dict[str, Any]) -> None:
        spec["suitability"]["units"] = {"grid_m": 200}
        spec["suitability"]["sensitivity"]["runs"] = 100_000

    result = CliRunner().invoke(cli, ["run", str(_project(tmp_path, change)), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1 and "limits.max_sensitivity_cells" in result.stderr
    assert "fewer runs" in result.stderr


def test_the_closing_line_counts_one_as_one(tmp_path: Path):
    project = _districts_project(tmp_path, [shapely.box(23.30, 42.68, 23.36, 42.72)], map={"basemap": "none"})
    result = CliRunner().invoke(cli, ["run", str(project), "-o", str(tmp_path / "pack")])
    assert result.exit_code == 0, result.stderr
    assert ": 1 solution, 1 district, 0 rejected rows; open " in result.stderr


def test_pairs_cap(tmp_path: Path):
    rng = np.random.default_rng(1)
    district = shapely.box(23.30, 42.68, 23.36, 42.72)
    pts = pd.DataFrame({"id": [f"s{i}" for i in range(3000)], "lon": rng.uniform(23.30, 23.36, 3000)})
    pts["lat"] = rng.uniform(42.68, 42.72, 3000)
    project = _districts_project(tmp_path, [district], limits={"max_pairs": 100_000})
    pts.to_csv(tmp_path / "s.csv", index=False)
    result = CliRunner().invoke(cli, ["overlap", str(project), "-o", str(tmp_path / "o.gpkg")])
    assert result.exit_code == 1 and "limits.max_pairs" in result.stderr and "smaller radii" in result.stderr
    assert "most of them come from the 3,000 ev_charging solutions and their 300 m service radius" in result.stderr


def test_pairs_refusal_names_the_radius_a_smaller_one_would_cut(tmp_path: Path):
    """3,000 chargers (300 m) and 300 data platforms (2,000 m) in 5 x 4 km: most candidates are
    charger-platform pairs, whose search reaches 2,300 m; the platforms' radius is the lever."""
    rng = np.random.default_rng(2)
    district = shapely.box(23.30, 42.68, 23.36, 42.72)
    project = _districts_project(tmp_path, [district], limits={"max_pairs": 100_000})
    kinds = ["ev_charging"] * 3000 + ["urban_data_platform"] * 300
    pts = pd.DataFrame({"id": [f"s{i}" for i in range(3300)], "kind": kinds})
    pts["lon"], pts["lat"] = rng.uniform(23.30, 23.36, 3300), rng.uniform(42.68, 42.72, 3300)
    pts.to_csv(tmp_path / "s.csv", index=False)
    spec = yaml.safe_load(project.read_text(encoding="utf-8"))
    spec["solutions"] = [{"path": "s.csv", "solution_field": "kind", "id": "id"}]
    project.write_text(yaml.safe_dump(spec), encoding="utf-8")
    result = CliRunner().invoke(cli, ["overlap", str(project), "-o", str(tmp_path / "o.gpkg")])
    assert result.exit_code == 1 and "limits.max_pairs" in result.stderr
    assert "most of them come from the 300 urban_data_platform solutions and their 2,000 m service radius" in (
        result.stderr
    )


def test_large_geometry_is_noted(tmp_path: Path):
    angle = np.linspace(0, 2 * np.pi, 150_000, endpoint=False)
    ring = shapely.Polygon(np.c_[23.3 + 0.05 * np.cos(angle), 42.7 + 0.05 * np.sin(angle)])  # 150 001 vertices
    project = _districts_project(tmp_path, [ring])
    report = load_inputs(load_project(project)).sources[0]
    assert any("more than 100,000 vertices" in w and "D0" in w for w in report.warnings)
    project = _districts_project(tmp_path, [ring], limits={"max_vertices": 50_000})
    code, out = _validate(project)
    assert code == 1 and "limits.max_vertices" in out


# ---------------------------------------------------------------- console and tracebacks


def test_cp1252_console_and_non_ascii_path(tmp_path: Path):
    folder = tmp_path / "València Łódź ☃"
    project = _project(folder)
    env = {**os.environ, "PYTHONIOENCODING": "cp1252", "PYTHONUTF8": "0"}
    scmap = str(Path(sys.executable).parent / "scmap")
    done = subprocess.run([scmap, "validate", str(project)], env=env, capture_output=True, check=False)
    assert done.returncode == 0, done.stderr
    assert b"Traceback" not in done.stderr and b"usable" in done.stdout
    bad = _project(tmp_path / "Łódź bad", _set("overlap.radius_m.ev_charging", INF))
    done = subprocess.run([scmap, "validate", str(bad)], env=env, capture_output=True, check=False)
    assert done.returncode == 1 and b"Traceback" not in done.stderr + done.stdout


def test_unexpected_failure_is_one_line_and_debug_shows_the_traceback(tmp_path: Path, monkeypatch):
    import scmap.project.inputs as inputs  # the command imports it when it runs

    def boom(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("division by zero in a place nobody expected")

    monkeypatch.setattr(inputs, "validate_project", boom)
    project = _project(tmp_path)
    result = CliRunner().invoke(cli, ["validate", str(project)])
    assert result.exit_code == 1
    assert "scmap validate failed unexpectedly: ZeroDivisionError: division by zero" in result.stderr
    assert "--debug" in result.stderr and "Traceback" not in result.stderr
    debug = CliRunner().invoke(cli, ["--debug", "validate", str(project)])
    assert isinstance(debug.exception, ZeroDivisionError)


def test_validate_json_counts_add_up_for_rejected_rows(tmp_path: Path):
    path = tmp_path / "s.csv"
    path.write_text("id,lon,lat,radius\na,23.3,42.7,100\nb,nan,42.7,100\nc,23.3,42.7,inf\n", encoding="utf-8")

    def change(spec: dict[str, Any]) -> None:
        spec["solutions"].append({"path": str(path), "solution": "ev_charging", "id": "id", "radius_field": "radius"})

    _, out = _validate(_project(tmp_path, change), "--json")
    report = json.loads(out[out.index("{") :])
    for source in report["sources"]:
        assert source["rows"] == source["loaded"] + source["rejected"], source
