"""Near-linear overlap (coverage district by district, columnar pairs), light maps of many
solutions, and the same results on a real local Dask cluster."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

import scmap
from scmap.analysis.overlap import overlap
from scmap.cli.main import cli
from scmap.core.catalogue import load_catalogue
from scmap.maps import MapOptions, solution_map
from scmap.project.datasets import demo_project_path
from scmap.project.inputs import load_inputs


def _tables(results: scmap.Results) -> dict[str, pd.DataFrame]:
    out = {"summary": results.summary, "suitability": pd.DataFrame(results.suitability.units.drop(columns="geometry"))}
    for name, table in results.overlap.layers().items():
        frame = pd.DataFrame(table)
        if "geometry" in frame.columns:
            frame = frame.assign(geometry=shapely.to_wkb(frame["geometry"].to_numpy(), hex=True))
        out[f"overlap_{name}"] = frame
    return out


@pytest.mark.services  # a Dask scheduler and workers on 127.0.0.1
@pytest.mark.parametrize("project", ["demo", "valencia"])
def test_dask_local_cluster_equals_the_in_process_run(project: str, realdata: Path, tmp_path: Path):
    if project == "demo":
        path = demo_project_path()
    else:
        from test_realdata import _valencia_project

        path = _valencia_project(realdata, tmp_path)
    here = _tables(scmap.run(path))
    there = _tables(scmap.run(path, workers=2))
    assert set(here) == set(there)
    for name in here:
        pd.testing.assert_frame_equal(here[name], there[name], obj=name)


@pytest.mark.services  # a Dask scheduler and workers on 127.0.0.1
def test_cli_run_on_a_local_cluster(tmp_path: Path):
    a, b = tmp_path / "a", tmp_path / "b"
    assert CliRunner().invoke(cli, ["run", str(demo_project_path()), "-o", str(a)]).exit_code == 0
    result = CliRunner().invoke(cli, ["run", str(demo_project_path()), "-o", str(b), "--workers", "2"])
    assert result.exit_code == 0, result.output
    for name in ("summary.csv", "suitability.csv", "rejected.csv"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    bad = CliRunner().invoke(cli, ["run", str(demo_project_path()), "-o", str(tmp_path / "c"), "--scheduler",
                                   "tcp://127.0.0.1:1"])  # fmt: skip
    assert bad.exit_code == 1 and "no Dask scheduler answers there" in bad.output


def test_coverage_does_not_depend_on_how_districts_are_chunked():
    inputs = load_inputs(scmap.load_project(demo_project_path()))
    args = (inputs.solutions, inputs.districts.gdf)
    kwargs = {"catalogue": inputs.project.catalogue}
    one = overlap(*args, chunk_size=1, **kwargs)
    all_at_once = overlap(*args, chunk_size=10_000, **kwargs)
    columns = [c for c in one.districts.columns if c.startswith("covered_") or c == "mean_covered"]
    np.testing.assert_allclose(one.districts[columns], all_at_once.districts[columns], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(np.sort(one.hotspots["area_m2"]), np.sort(all_at_once.hotspots["area_m2"]), rtol=1e-9)


def test_coverage_over_the_local_cores_equals_one_process(monkeypatch: pytest.MonkeyPatch):
    from scmap.analysis import overlap as overlap_module
    from scmap.analysis._coverage import in_process
    from scmap.core import _beside

    monkeypatch.setattr(_beside, "_can_fork", lambda: True)  # pytest may run threads of its own
    inputs = load_inputs(scmap.load_project(demo_project_path()))
    args = (inputs.solutions, inputs.districts.gdf)
    kwargs = {"catalogue": inputs.project.catalogue, "chunk_size": 2}
    here = overlap(*args, mapper=in_process, **kwargs)
    used: list[int] = []
    real = _beside.beside_map

    def counted(fn, items, workers=None):
        used.append(len(items))
        return real(fn, items, workers=2)

    monkeypatch.setattr(overlap_module, "beside_map", counted)
    monkeypatch.setattr(overlap_module, "LOCAL_CORES_FROM", 1)  # the demo is small: use them anyway
    cores = overlap(*args, **kwargs)
    assert used and max(used) > 2  # the groups to unite, then several chunks, went to the workers
    pd.testing.assert_frame_equal(pd.DataFrame(here.districts), pd.DataFrame(cores.districts), rtol=1e-12)
    np.testing.assert_allclose(here.hotspots["area_m2"], cores.hotspots["area_m2"], rtol=1e-12)


def test_coverage_by_hand():
    """Two sectors' circles over two square districts: areas from the circle formula."""
    boxes = [shapely.box(0, 0, 1000, 1000), shapely.box(1000, 0, 2000, 1000)]
    d = gpd.GeoDataFrame({"district_id": ["W", "E"]}, geometry=boxes, crs="EPSG:32631")
    s = gpd.GeoDataFrame(
        {"solution_id": ["a", "b"], "name": "", "sector": ["mobility", "energy"],
         "solution": ["ev_charging", "rooftop_pv"], "status": "existing", "radius_m": [200.0, 200.0]},
        geometry=[shapely.Point(500, 500), shapely.Point(1000, 500)], crs="EPSG:32631",
    )  # fmt: skip
    r = overlap(s, d, catalogue=load_catalogue())
    table = r.districts.set_index("district_id")
    circle = math.pi * 200**2
    assert table.loc["W", "covered_mobility"] == pytest.approx(circle / 1e6, rel=2e-3)  # a 64-gon
    assert table.loc["W", "covered_energy"] == pytest.approx(circle / 2 / 1e6, rel=2e-3)  # half in each
    assert table.loc["E", "covered_energy"] == pytest.approx(circle / 2 / 1e6, rel=2e-3)
    assert table.loc["E", "covered_mobility"] == 0
    # the two circles' centres are 500 m apart with r = 200 m: no overlap, no hotspot
    assert table["covered_multi"].eq(0).all() and r.hotspots.empty


def test_pairs_are_columnar_and_polygons_only_up_to_the_limit():
    inputs = load_inputs(scmap.load_project(demo_project_path()))
    args, cat = (inputs.solutions, inputs.districts.gdf), inputs.project.catalogue
    full = overlap(*args, catalogue=cat, pair_geometry_limit=10**6)
    light = overlap(*args, catalogue=cat, pair_geometry_limit=3)
    assert not shapely.is_missing(full.pairs.geometry.to_numpy()).any()
    assert shapely.is_missing(light.pairs.geometry.to_numpy()).all()
    pd.testing.assert_frame_equal(
        pd.DataFrame(full.pairs.drop(columns="geometry")), pd.DataFrame(light.pairs.drop(columns="geometry"))
    )
    assert isinstance(full.pairs["a_id"].dtype, pd.CategoricalDtype)
    assert (full.pairs["a_id"].astype(str) != full.pairs["b_id"].astype(str)).all()
    keys = set(zip(full.pairs["a_id"].astype(str), full.pairs["b_id"].astype(str), strict=True))
    assert len(keys) == len(full.pairs) and not any((b, a) in keys for a, b in keys)  # each pair once


def test_the_map_draws_the_closest_links_and_says_so():
    results = scmap.run(demo_project_path())
    total = len(results.overlap.relations)
    fmap = solution_map(results.districts, results.solutions, overlap=results.overlap,
                        options=MapOptions(max_relations=5))  # fmt: skip
    html = fmap.get_root().render()
    from test_maps import render_args

    payload, geometries = render_args(html)
    links = next(o for o in payload["overlays"] if o["key"] == "relations")
    assert len(links["links"]["rule"]) == len(links["links"]["distance"]) == len(geometries["relations"]) == 5
    assert f"the 5 closest of {total}" in links["legend"]["caption"]
    shown = sorted(float(d.split()[0].replace(",", "")) for d in links["links"]["distance"])
    assert shown == sorted(results.overlap.relations["distance_m"].round().nsmallest(5).tolist())


def test_large_regions_keep_hotspots_per_chunk_with_the_same_areas(monkeypatch):
    """Above the dissolve limit, hotspots and sector coverage come one row per chunk of districts
    (no region-wide union); each combination's area is the same."""
    import sys

    ov = sys.modules["scmap.analysis.overlap"]  # the module (scmap.overlap is also the function)

    inputs = load_inputs(scmap.load_project(demo_project_path()))
    args, cat = (inputs.solutions, inputs.districts.gdf), inputs.project.catalogue
    dissolved = overlap(*args, catalogue=cat, chunk_size=4)
    monkeypatch.setattr(ov, "DISSOLVE_LIMIT", 0)
    parts = overlap(*args, catalogue=cat, chunk_size=4)
    assert len(parts.hotspots) > len(dissolved.hotspots) and len(parts.coverage) > len(dissolved.coverage)
    for name in ("hotspots", "coverage"):
        key = "sectors" if name == "hotspots" else "sector"
        a = getattr(parts, name).groupby(key)["area_m2"].sum()
        b = getattr(dissolved, name).set_index(key)["area_m2"]
        np.testing.assert_allclose(a.sort_index(), b.sort_index(), rtol=1e-9)
    pd.testing.assert_frame_equal(parts.districts, dissolved.districts)


def test_large_layers_are_written_in_batches_and_read_back_whole(monkeypatch, tmp_path):
    import scmap.core._gpkg as gpkg

    results = scmap.run(demo_project_path())
    monkeypatch.setattr(gpkg, "BATCH_ROWS", 7)  # every layer of the demo in several batches
    path = results.overlap.save(tmp_path / "overlap.gpkg")
    for name, table in results.overlap.layers().items():
        back = gpd.read_file(path, layer=name)
        assert len(back) == len(table), name
        if len(table) and "solution_id" in table.columns:
            assert back["solution_id"].tolist() == table["solution_id"].astype(str).tolist()
    areas = gpd.read_file(path, layer="service_areas")
    assert areas.geometry.area.sum() == pytest.approx(results.overlap.service_areas.area.sum())


def test_layers_of_huge_polygons_are_written_a_few_rows_at_a_time_and_read_back_the_same(monkeypatch, tmp_path):
    """Batches bounded by vertices as well as rows: one huge polygon alone, small ones together."""
    import scmap.core._gpkg as gpkg

    sizes = [1, 1, 1, 100, 1, 1, 1, 1, 1, 1]  # quad_segs: 5 vertices each, and 401 for the fourth
    geoms = [shapely.Point(i * 10, 0).buffer(3, quad_segs=q) for i, q in enumerate(sizes)]
    table = gpd.GeoDataFrame({"n": range(10)}, geometry=geoms, crs=3857)
    monkeypatch.setattr(gpkg, "BATCH_VERTICES", 50)
    monkeypatch.setattr(gpkg, "BATCH_ROWS", 4)
    assert gpkg._batches(table) == [(0, 3), (3, 4), (4, 8), (8, 10)]
    assert gpkg._batches(pd.DataFrame(table.drop(columns="geometry"))) == [(0, 4), (4, 8), (8, 10)]
    assert gpkg._batches(table.iloc[:0]) == [(0, 0)]
    back = gpd.read_file(gpkg.write_layers(tmp_path / "t.gpkg", {"t": table}), layer="t")
    assert back["n"].tolist() == list(range(10))
    assert shapely.equals_exact(back.geometry.array, table.geometry.array, tolerance=0).all()


def test_only_layers_with_geometries_get_a_spatial_index(monkeypatch, tmp_path):
    """The pairs of a large region carry no polygons: no R-tree (whose triggers slow each batch),
    the same rows read back; layers with geometries keep theirs."""
    import sqlite3

    import yaml

    import scmap.core._gpkg as gpkg
    from scmap.project.datasets import copy_demo

    project = copy_demo(tmp_path / "demo")
    spec = yaml.safe_load(project.read_text(encoding="utf-8"))
    spec["overlap"]["pair_geometry_limit"] = 10  # the demo's 95 pairs without their polygons
    project.write_text(yaml.safe_dump(spec), encoding="utf-8")
    monkeypatch.setattr(gpkg, "BATCH_ROWS", 20)
    results = scmap.run(project)
    assert results.overlap.pairs.geometry.isna().all() and len(results.overlap.pairs) > 20
    path = results.overlap.save(tmp_path / "overlap.gpkg")
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT table_name FROM gpkg_extensions WHERE extension_name = 'gpkg_rtree_index'")
        indexed = {t for (t,) in rows}
    assert "pairs" not in indexed
    assert {"service_areas", "districts", "relations"} <= indexed
    back = gpd.read_file(path, layer="pairs")
    assert len(back) == len(results.overlap.pairs) and back.geometry.isna().all()
    assert back["a_id"].tolist() == results.overlap.pairs["a_id"].astype(str).tolist()


def test_the_atlas_waits_for_the_report_while_a_large_overlap_gpkg_is_written_beside(monkeypatch, tmp_path):
    """No third process for the atlas when overlap.gpkg is large and still being written: the same pack."""
    import scmap.core._beside as beside
    import scmap.pipeline.results as results_module

    forked: list[str] = []
    real_init = beside.Beside.__init__

    def counting(self, fn, *args):
        forked.append(fn.__name__)
        real_init(self, fn, *args)

    monkeypatch.setattr(beside.Beside, "__init__", counting)
    monkeypatch.setattr(beside.Beside, "done", lambda self: False)  # overlap.gpkg still being written
    results = scmap.run(demo_project_path())
    monkeypatch.setattr(results_module, "ATLAS_BESIDE_BELOW", 1_000_000)
    results.save(tmp_path / "small", overwrite=True)
    assert "write_atlas" in forked  # few service areas: the atlas beside the report
    forked.clear()
    monkeypatch.setattr(results_module, "ATLAS_BESIDE_BELOW", len(results.overlap.service_areas))
    results.save(tmp_path / "large", overwrite=True)
    assert "write_atlas" not in forked and "_save_styled" in forked  # drawn here, after the report
    for pack in ("small", "large"):
        assert (tmp_path / pack / "atlas.pdf").read_bytes()[:4] == b"%PDF"
        assert (tmp_path / pack / "manifest.json").exists()
