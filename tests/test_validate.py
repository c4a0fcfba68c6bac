"""Row checks: every input row is loaded or rejected with its reason; layer-level problems are errors."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scmap import read_districts, read_layer
from scmap.errors import InputError, ScmapWarning
from scmap.sources._readers import RawLayer
from scmap.sources._validate import check_layer, conclude

BOWTIE = shapely.Polygon([(690000, 4725000), (691000, 4726000), (691000, 4725000), (690000, 4726000)])


def _write(gdf: gpd.GeoDataFrame, path: Path) -> Path:
    gdf.to_file(path, engine="pyogrio")
    return path


def test_districts_rejections_and_repairs(tmp_path: Path, grid_districts: gpd.GeoDataFrame):
    extra = gpd.GeoDataFrame(
        {
            "code": ["D5", "D1", None, "D7", "D8", "D9"],
            "label": ["bowtie", "dup", "no id", "point", "no geom", "empty"],
            "population": [5, 6, 7, 8, 9, 10],
        },
        geometry=[
            BOWTIE,
            shapely.box(0, 0, 1, 1),
            shapely.box(0, 0, 1, 1),
            shapely.Point(690500, 4725500),
            None,
            shapely.Polygon(),
        ],
        crs="EPSG:32634",
    )
    extra.loc[1, "geometry"] = shapely.box(692000, 4725000, 693000, 4726000)
    extra.loc[2, "geometry"] = shapely.box(693000, 4725000, 694000, 4726000)
    path = _write(
        gpd.GeoDataFrame(list(grid_districts.to_dict("records")) + list(extra.to_dict("records")), crs="EPSG:32634"),
        tmp_path / "d.gpkg",
    )
    with pytest.warns(ScmapWarning) as record:
        loaded = read_districts(path, id="code", name="label", to_crs=None)
    messages = " ".join(str(w.message) for w in record)
    assert "repaired 1 invalid geometries (row 5 (id D5): Self-intersection" in messages
    assert "1 x missing id in column 'code' (row 7)" in messages  # the summary names the column
    assert loaded.gdf["district_id"].tolist() == ["D1", "D2", "D3", "D4", "D5"]
    assert loaded.gdf["district_name"].tolist()[:1] == ["North-West"]
    bowtie = loaded.gdf.geometry.iloc[4]
    assert bowtie.is_valid and bowtie.geom_type == "MultiPolygon"
    assert bowtie.area == pytest.approx(500_000)  # two triangles of 0.25 km2
    rejected = loaded.rejected.set_index("row")
    assert rejected.loc[6, "reason"] == "duplicate id D1 (first used in row 1)"
    assert rejected.loc[6, "field"] == "code"
    assert rejected.loc[7, "reason"] == "missing id in column 'code'"
    assert rejected.loc[8, "reason"] == "Point geometry: districts need polygons"
    assert rejected.loc[9, "reason"] == "no geometry"
    assert rejected.loc[10, "reason"] == "empty geometry"
    assert len(loaded.gdf) + len(loaded.rejected) == 10


def test_missing_crs_is_an_error_unless_given(tmp_path: Path):
    path = tmp_path / "nocrs.geojson"
    path.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"a"},'
        '"geometry":{"type":"Polygon","coordinates":[[[2.1,41.3],[2.2,41.3],[2.2,41.4],[2.1,41.3]]]}}]}'
    )
    gdf = gpd.read_file(path).set_crs(None, allow_override=True)
    raw = RawLayer(gdf, path, "nocrs", None)
    loaded = conclude(check_layer(raw, role="districts", target_crs=None, id_field="id", family="polygon"))
    assert not loaded.ok
    assert "declares no coordinate reference system" in loaded.report.errors[0]
    assert "crs: EPSG:4326" in loaded.report.errors[0]  # hint: coordinates look like lon/lat
    fixed = conclude(
        check_layer(raw, role="districts", target_crs=None, id_field="id", family="polygon", crs_override="EPSG:4326")
    )
    assert fixed.ok and len(fixed.gdf) == 1


def test_swapped_axes_whole_layer_is_an_error(tmp_path: Path):
    """lat, lon written as lon, lat: latitudes of 2 degrees are fine, but longitudes of 41 in
    ETRS89/UTM 31N's area are not; here the layer is labelled EPSG:25831 with degree numbers."""
    gdf = gpd.GeoDataFrame(
        {"id": ["a", "b"]}, geometry=[shapely.Point(41.38, 2.17), shapely.Point(41.40, 2.20)], crs="EPSG:25831"
    )
    path = _write(gdf, tmp_path / "swapped.gpkg")
    with pytest.raises(InputError, match=r"2 of 2 rows have coordinates outside the area of use of EPSG:25831"):
        read_layer(path)


def test_a_few_misplaced_rows_are_rejected(tmp_path: Path):
    xs, ys = [2.17, 2.18, 2.19, 41.38, 2.20], [41.38, 41.39, 91.0, 2.17, 41.40]
    gdf = gpd.GeoDataFrame({"id": list("abcde")}, geometry=gpd.points_from_xy(xs, ys), crs="EPSG:4326")
    gdf.loc[4, "geometry"] = shapely.Point(48.85, 48.85)
    path = _write(gdf, tmp_path / "pts.geojson")
    with pytest.warns(ScmapWarning, match="2 of 5 rows rejected"):
        loaded = read_layer(path)
    assert loaded.gdf["id"].tolist() == ["a", "b", "d"]
    reasons = dict(zip(loaded.rejected["row"], loaded.rejected["reason"], strict=True))
    assert reasons[3].startswith("coordinates outside the area of use of EPSG:4326")
    assert reasons[5] == "longitude equals latitude (a copy error in the export?)"


def test_reprojection_to_analysis_crs(grid_districts: gpd.GeoDataFrame, tmp_path: Path):
    path = _write(grid_districts.to_crs(4326), tmp_path / "d.geojson")
    loaded = read_districts(path, id="code")
    assert loaded.gdf.crs.to_epsg() == 32634
    assert loaded.gdf.area.tolist() == pytest.approx([1e6] * 4, rel=1e-6)


def test_unknown_id_column_lists_columns(grid_districts: gpd.GeoDataFrame, tmp_path: Path):
    path = _write(grid_districts, tmp_path / "d.gpkg")
    with pytest.raises(InputError, match=r"no column 'district' for the ids; columns: code, label, population"):
        read_districts(path, id="district")


kinds = st.sampled_from(["ok", "ok", "ok", "none", "empty", "bowtie", "dup", "point"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(kinds, min_size=1, max_size=25))
def test_every_row_is_loaded_or_rejected(tmp_path: Path, plan: list[str]):
    geoms, ids = [], []
    for i, kind in enumerate(plan):
        x = 690000 + 2000 * i
        geoms.append(
            {
                "ok": shapely.box(x, 4725000, x + 1000, 4726000),
                "none": None,
                "empty": shapely.Polygon(),
                "bowtie": shapely.affinity.translate(BOWTIE, 2000 * i),
                "dup": shapely.box(x, 4725000, x + 9, 4725009),
                "point": shapely.Point(x, 4725000),
            }[kind]
        )
        ids.append("D0" if kind == "dup" else f"D{i + 1}")
    gdf = gpd.GeoDataFrame({"code": ids}, geometry=geoms, crs="EPSG:32634")
    raw = RawLayer(gdf, tmp_path / "x.gpkg", "x", gdf.crs)
    loaded = conclude(check_layer(raw, role="districts", target_crs=None, id_field="code", family="polygon"))
    if not loaded.ok:
        assert loaded.report.errors and loaded.report.loaded == 0
        return
    assert len(loaded.gdf) + len(loaded.rejected) == len(plan)
    assert set(loaded.gdf["source_row"]).isdisjoint(loaded.rejected["row"])
    assert set(loaded.gdf["source_row"]) | set(loaded.rejected["row"]) == set(range(1, len(plan) + 1))
    assert loaded.gdf.geometry.is_valid.all()
    expected_rejected = {i + 1 for i, k in enumerate(plan) if k in ("none", "empty", "point")}
    dups = [i + 1 for i, k in enumerate(plan) if k == "dup"]
    expected_rejected |= set(dups[1:])
    assert set(loaded.rejected["row"]) == expected_rejected


def test_a_line_exploded_into_parts_is_one_solution_but_points_and_differing_rows_are_duplicates(tmp_path: Path):
    """València's traffic counts store a measured road as two rows with the same id and values:
    one solution of two parts. Two points with one id are two places; a row whose values differ
    is another feature: both stay rejected duplicates."""
    from scmap import read_solutions

    line = shapely.LineString([(690000, 4725000), (690500, 4725000)])
    far = shapely.LineString([(693000, 4725000), (693000, 4725400)])
    gdf = gpd.GeoDataFrame(
        {"ref": ["A", "A", "B", "B", "P", "P"], "street": ["Cuenca", "Cuenca", "Gran Via", "Other", "x", "x"]},
        geometry=[
            line,
            far,
            line.parallel_offset(50),
            far.parallel_offset(50),
            shapely.Point(0, 0),
            shapely.Point(9, 9),
        ],
        crs="EPSG:32634",
    )
    path = _write(gdf, tmp_path / "counts.gpkg")
    with pytest.warns(ScmapWarning, match=r"merged 1 row into 1 feature .*every column.*row 1 \(id A\) with row 2"):
        loaded = read_solutions(path, solution="traffic_sensor", id="ref", to_crs=None)
    assert loaded.gdf["solution_id"].tolist() == ["A", "B", "P"]
    merged = loaded.gdf.geometry.iloc[0]
    assert merged.geom_type == "MultiLineString" and merged.length == pytest.approx(500 + 400)
    assert loaded.report.loaded == 4 and loaded.report.rejected == 2 and loaded.merged_rows == 1
    assert loaded.rejected["reason"].tolist() == [
        "duplicate id B (first used in row 3)",
        "duplicate id P (first used in row 5)",
    ]


def test_district_in_several_rows_without_names_is_merged_when_every_column_agrees(tmp_path: Path):
    """A census section stored as three polygons (every column the same) is one district with no
    name column too; a row repeating an id with another value is still a duplicate."""
    parts = [shapely.box(690000 + 2000 * i, 4725000, 691000 + 2000 * i, 4726000) for i in range(3)]
    gdf = gpd.GeoDataFrame(
        {"sec": ["1701", "1702", "1701", "1701", "1702"], "dist": ["17", "17", "17", "17", "18"]},
        geometry=[parts[0], shapely.box(0, 0, 10, 10), parts[1], parts[2], shapely.box(20, 0, 30, 10)],
        crs="EPSG:32630",
    )
    path = _write(gdf, tmp_path / "sections.gpkg")
    with pytest.warns(ScmapWarning, match=r"merged 2 rows into 1 feature .* row 1 \(id 1701\) with rows 3, 4"):
        loaded = read_districts(path, id="sec", to_crs=None)
    assert loaded.gdf["district_id"].tolist() == ["1701", "1702"]
    assert loaded.gdf.geometry.iloc[0].area == pytest.approx(3 * 1_000_000)
    assert loaded.report.loaded == 4 and loaded.report.rejected == 1
    assert loaded.rejected["reason"].tolist() == ["duplicate id 1702 (first used in row 2)"]


def test_district_in_several_rows_is_merged_but_conflicting_names_rejected(tmp_path: Path):
    a = shapely.box(690000, 4725000, 691000, 4726000)
    exclave = shapely.box(695000, 4725000, 695500, 4725500)
    gdf = gpd.GeoDataFrame(
        {"code": ["A", "B", "A", "B"], "label": ["Alpha", "Beta", "Alpha", "Not Beta"]},
        geometry=[a, shapely.box(691000, 4725000, 692000, 4726000), exclave, shapely.box(0, 0, 1, 1)],
        crs="EPSG:32634",
    )
    gdf.loc[3, "geometry"] = shapely.box(693000, 4725000, 694000, 4726000)
    path = _write(gdf, tmp_path / "parts.gpkg")
    with pytest.warns(ScmapWarning, match=r"merged 1 row into 1 feature .* row 1 \(id A\) with row 3"):
        loaded = read_districts(path, id="code", name="label", to_crs=None)
    assert loaded.gdf["district_id"].tolist() == ["A", "B"]
    assert loaded.gdf.geometry.iloc[0].area == pytest.approx(1_000_000 + 250_000)
    assert loaded.report.loaded == 3 and loaded.report.rejected == 1
    assert loaded.rejected["reason"].tolist() == ["duplicate id B (first used in row 2)"]
