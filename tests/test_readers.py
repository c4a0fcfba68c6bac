"""Reading every supported format; unreadable files give one-line errors naming the file."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from scmap import read_layer, read_solutions
from scmap.errors import InputError, UnreadableFileError
from scmap.sources._readers import list_layers, read_raw


@pytest.fixture
def points() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"ref": ["a", "b", "c"], "nom": ["Plaça Catalunya", "Sant Martí", "Gràcia"], "kw": [22.0, 50.0, 7.5]},
        geometry=gpd.points_from_xy([2.170, 2.200, 2.156], [41.387, 41.410, 41.402]),
        crs="EPSG:4326",
    )


@pytest.mark.parametrize(
    ("suffix", "driver"),
    [(".geojson", "GeoJSON"), (".gpkg", "GPKG"), (".shp", "ESRI Shapefile"), (".fgb", "FlatGeobuf")],
)
@pytest.mark.parametrize("engine", ["pyogrio", "fiona"])
def test_ogr_formats_round_trip(tmp_path: Path, points: gpd.GeoDataFrame, suffix: str, driver: str, engine: str):
    path = tmp_path / f"pts{suffix}"
    points.to_file(path, driver=driver, engine="pyogrio")
    loaded = read_layer(path, engine=engine)
    assert len(loaded.gdf) == 3
    assert loaded.gdf.crs.to_epsg() == 4326
    assert loaded.gdf["source_row"].tolist() == [1, 2, 3]
    got = loaded.gdf.sort_values("ref")  # FlatGeobuf stores features in spatial-index order
    assert got["nom"].tolist() == ["Plaça Catalunya", "Sant Martí", "Gràcia"]
    assert shapely.equals_exact(got.geometry.values, points.geometry.values, tolerance=1e-9).all()


def test_geoparquet(tmp_path: Path, points: gpd.GeoDataFrame):
    path = tmp_path / "pts.parquet"
    points.to_parquet(path)
    loaded = read_layer(path)
    assert loaded.gdf["ref"].tolist() == ["a", "b", "c"]
    assert loaded.gdf.crs.to_epsg() == 4326


@pytest.mark.parametrize("engine", ["pyogrio", "fiona"])
def test_zipped_shapefile(tmp_path: Path, points: gpd.GeoDataFrame, engine: str):
    shp_dir = tmp_path / "shp"
    shp_dir.mkdir()
    points.to_file(shp_dir / "pts.shp", engine="pyogrio")
    archive = tmp_path / "pts.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in shp_dir.iterdir():
            zf.write(part, part.name)
    loaded = read_layer(archive, engine=engine)
    assert loaded.gdf["nom"].tolist() == ["Plaça Catalunya", "Sant Martí", "Gràcia"]


def test_shapefile_cp1252_with_cpg(tmp_path: Path, points: gpd.GeoDataFrame):
    path = tmp_path / "pts.shp"
    points.to_file(path, engine="pyogrio", encoding="cp1252")
    assert (tmp_path / "pts.cpg").read_text().strip().upper() in {"CP1252", "1252"}
    raw_dbf = (tmp_path / "pts.dbf").read_bytes()
    assert "Plaça".encode("cp1252") in raw_dbf  # really written as cp1252
    assert read_layer(path).gdf["nom"].tolist() == ["Plaça Catalunya", "Sant Martí", "Gràcia"]


def test_geopackage_layers(tmp_path: Path, points: gpd.GeoDataFrame):
    path = tmp_path / "two.gpkg"
    points.to_file(path, layer="chargers", engine="pyogrio")
    points.iloc[:1].to_file(path, layer="wifi", engine="pyogrio")
    assert list_layers(path) == ["chargers", "wifi"]
    with pytest.raises(InputError, match=r"2 layers.*chargers, wifi"):
        read_layer(path)
    assert len(read_layer(path, layer="wifi").gdf) == 1
    with pytest.raises(InputError, match=r"no layer 'bikes'; layers in the file: chargers, wifi"):
        read_layer(path, layer="bikes")


def test_geojson_legacy_crs_member(tmp_path: Path):
    """Pre-RFC 7946 GeoJSON with a 'crs' member in ETRS89 / UTM 30N (Valencia)."""
    doc = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25830"}},
        "features": [
            {
                "type": "Feature",
                "properties": {"id": 1},
                "geometry": {"type": "Point", "coordinates": [725000, 4372000]},
            }
        ],
    }
    path = tmp_path / "legacy.geojson"
    path.write_text(json.dumps(doc))
    loaded = read_layer(path, to_crs="EPSG:4326")
    assert read_raw(path).declared_crs.to_epsg() == 25830
    point = loaded.gdf.geometry.iloc[0]
    assert point.x == pytest.approx(-0.37, abs=0.02) and point.y == pytest.approx(39.48, abs=0.02)


def test_csv_lonlat_autodetected_semicolon_decimal_comma(tmp_path: Path):
    path = tmp_path / "chargers.csv"
    path.write_text("Id;Nom;Longitud;Latitud\n1;Plaça;2,170;41,387\n2;Gràcia;2,156;41,402\n3;sense;;41,4\n", "utf-8")
    loaded = read_solutions(path, solution="ev_charging", id="Id", to_crs=None)
    assert loaded.gdf["solution_id"].tolist() == ["1", "2"]
    assert loaded.gdf.geometry.iloc[0].x == pytest.approx(2.170)
    assert loaded.rejected[["row", "id", "field", "reason"]].to_dict("records") == [
        {"row": 3, "id": "3", "field": "Longitud", "reason": "missing coordinate"}
    ]


def test_csv_named_columns_and_cp1252(tmp_path: Path):
    path = tmp_path / "sites.csv"
    path.write_bytes("ref,nom,xx,yy\nA,Plaça,2.17,41.38\nB,Gràcia,abc,41.40\n".encode("cp1252"))
    with pytest.warns(UserWarning, match="cp1252"):
        loaded = read_layer(path, lon="xx", lat="yy")
    assert loaded.gdf["nom"].tolist() == ["Plaça"]
    assert loaded.rejected["reason"].tolist() == ["coordinate 'abc' is not a number"]


def test_csv_wkt(tmp_path: Path):
    path = tmp_path / "zones.csv"
    pd.DataFrame(
        {
            "name": ["a", "b", "c"],
            "wkt": ["POLYGON ((430000 4580000, 431000 4580000, 431000 4581000, 430000 4580000))", "POINT (", ""],
        }
    ).to_csv(path, index=False)
    loaded = read_layer(path, crs="EPSG:25831")
    assert loaded.gdf["name"].tolist() == ["a"]
    assert loaded.rejected["reason"].tolist() == ["WKT that cannot be parsed", "empty WKT"]


def test_csv_without_coordinates_names_columns(tmp_path: Path):
    path = tmp_path / "plain.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(InputError, match=r"plain.csv: no coordinate columns found among a, b"):
        read_layer(path)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "the file is empty"),
        (b"<!DOCTYPE html><html><body>404</body></html>", "HTML web page"),
        (b'{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "Po', "cannot be read"),
        (b"\x00\x01\x02 not gis at all", "cannot be read"),
    ],
)
def test_unreadable_files_one_line_error(tmp_path: Path, content: bytes, expected: str):
    path = tmp_path / "broken.geojson"
    path.write_bytes(content)
    with pytest.raises(UnreadableFileError) as info:
        read_layer(path)
    message = str(info.value)
    assert str(path) in message and expected in message
    assert "\n" not in message


def test_missing_file(tmp_path: Path):
    with pytest.raises(UnreadableFileError, match="file not found"):
        read_layer(tmp_path / "nope.gpkg")
