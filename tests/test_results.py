"""The workshop pack: contract files, determinism, the report in a browser, Python = CLI."""

from __future__ import annotations

import hashlib
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import yaml
from click.testing import CliRunner

from _browser import open_html
from scmap import Results, run
from scmap.cli.main import cli
from scmap.core._atomic import check_pack
from scmap.pipeline.results import CONTRACT_FILES
from scmap.project.datasets import copy_demo, demo_project_path


@pytest.fixture(scope="module")
def pack(tmp_path_factory) -> tuple[Results, Path]:
    out = tmp_path_factory.mktemp("pack")
    results = run(demo_project_path())
    results.save(out)
    return results, out


def test_every_contract_file_with_contract_layers_and_columns(pack):
    _, out = pack
    assert sorted(p.name for p in out.iterdir()) == sorted([*CONTRACT_FILES, "manifest.json"])
    assert set(check_pack(out)["files"]) == set(CONTRACT_FILES)  # hashes match: a complete pack
    assert str(pyogrio.list_layers(out / "suitability.gpkg")[0, 0]) == "suitability"
    suit = gpd.read_file(out / "suitability.gpkg", layer="suitability")
    assert len(suit) == 24
    for key in ("ev_charging", "district_heating"):
        assert {"unit_id", f"{key}_score", f"{key}_rank", f"{key}_excluded"} <= set(suit.columns)
        assert suit[f"{key}_score"].between(0, 1).all()
    assert pd.read_csv(out / "suitability.csv")["unit_id"].tolist() == suit["unit_id"].tolist()
    layers = {str(n) for n in pyogrio.list_layers(out / "overlap.gpkg")[:, 0]}
    assert {"pairs", "districts", "hotspots", "relations"} <= layers
    rejected = pd.read_csv(out / "rejected.csv")
    assert list(rejected.columns) == ["file", "layer", "role", "row", "id", "field", "reason"]
    assert rejected.empty


def test_summary_counts_match_the_overlap_layer(pack):
    _, out = pack
    summary = pd.read_csv(out / "summary.csv", dtype={"district_id": str})
    districts = gpd.read_file(out / "overlap.gpkg", layer="districts")
    assert summary["district_id"].tolist() == districts["district_id"].tolist()
    for col in ("n_energy", "n_mobility", "n_ict", "n_sectors", "covered_energy", "covered_mobility", "covered_ict"):
        assert summary[col].tolist() == pytest.approx(districts[col].tolist()), col
    assert summary[["n_energy", "n_mobility", "n_ict"]].to_numpy().sum() == 147
    suit = pd.read_csv(out / "suitability.csv")
    assert summary["ev_charging_score"].tolist() == pytest.approx(suit["ev_charging_score"].tolist())


def test_running_twice_gives_identical_tables(tmp_path: Path):
    a, b = tmp_path / "a", tmp_path / "b"
    run(demo_project_path()).save(a)
    run(demo_project_path()).save(b)
    for name in ("summary.csv", "suitability.csv", "rejected.csv"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    for layer in ("pairs", "districts", "hotspots", "relations", "gaps", "service_areas"):
        left = pyogrio.read_dataframe(a / "overlap.gpkg", layer=layer, read_geometry=False)
        right = pyogrio.read_dataframe(b / "overlap.gpkg", layer=layer, read_geometry=False)
        pd.testing.assert_frame_equal(left, right)
    for layer in ("sensitivity", "weights"):
        pd.testing.assert_frame_equal(
            pyogrio.read_dataframe(a / "suitability.gpkg", layer=layer),
            pyogrio.read_dataframe(b / "suitability.gpkg", layer=layer),
        )


def _gpkg_layers(path: Path) -> dict[str, pd.DataFrame]:
    names = [str(n) for n in pyogrio.list_layers(path)[:, 0]]
    return {n: pyogrio.read_dataframe(path, layer=n) for n in names if n != "layer_styles"}


@pytest.mark.parametrize("pairs_done", [True, False], ids=["pairs-done", "pairs-still-writing"])
def test_pairs_written_during_the_run_give_the_same_overlap_geopackage(
    pack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pairs_done: bool
):
    """``scmap run`` starts writing overlap.gpkg's pairs while the district stages run
    (``run(pack_folder=...)``): the file it ends with is the one ``Results.save`` writes, layer
    for layer and in the same order, styles included, whether the pairs were done when the pack's
    other files began (the other layers then written beside them) or not (added after them);
    pairs that are no longer the result's (changed after the run) or a pack written elsewhere get
    the whole file written again."""
    from scmap.core._beside import Beside

    _, saved = pack
    folder = tmp_path / "early"
    folder.mkdir()
    results = run(demo_project_path(), pack_folder=folder)
    assert results.early_layers is not None and results.early_layers.writer is not None
    if pairs_done:
        results.early_layers.writer.wait()
    else:
        monkeypatch.setattr(Beside, "done", lambda self: False)
    results.write_files(folder)
    assert results.early_layers is None  # used once
    early, whole = _gpkg_layers(folder / "overlap.gpkg"), _gpkg_layers(saved / "overlap.gpkg")
    assert list(early) == list(whole) and len(early["pairs"]) == 95
    for name in whole:
        pd.testing.assert_frame_equal(early[name], whole[name], check_like=False)
    styles = pyogrio.read_dataframe(folder / "overlap.gpkg", layer="layer_styles")
    assert set(styles["f_table_name"]) == set(whole)  # the pairs' style too

    for name in ("changed", "other"):
        (tmp_path / name).mkdir()
    changed = run(demo_project_path(), pack_folder=tmp_path / "changed")
    changed.overlap.pairs = changed.overlap.pairs.head(3)
    changed.write_files(tmp_path / "changed")
    assert len(pyogrio.read_dataframe(tmp_path / "changed" / "overlap.gpkg", layer="pairs")) == 3
    elsewhere = run(demo_project_path(), pack_folder=tmp_path / "changed")
    elsewhere.write_files(tmp_path / "other")
    assert len(pyogrio.read_dataframe(tmp_path / "other" / "overlap.gpkg", layer="pairs")) == 95


def test_a_run_that_writes_its_service_areas_keeps_their_table_and_draws_the_same_polygons(
    pack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """With ``run(pack_folder=...)`` the service areas go into overlap.gpkg beside the run, and the
    result keeps their table and centres only: reading ``service_areas`` draws them again, the same
    rows and polygons (WKB for WKB) as a run that kept them, and a GeoPackage saved elsewhere gets
    them a batch at a time, the same layer."""
    import pickle

    import shapely

    from scmap.analysis import overlap as overlap_module

    kept, _ = pack
    assert not kept.overlap.service_areas_released
    results = run(demo_project_path(), pack_folder=tmp_path)
    assert results.early_layers is not None and results.early_layers.names == ("pairs", "service_areas")
    released = results.overlap
    assert released.service_areas_released and "service_areas" not in vars(released)
    assert released.service_area_count == len(kept.overlap.service_areas) == 147
    drawn, whole = released.service_areas, kept.overlap.service_areas
    pd.testing.assert_frame_equal(
        pd.DataFrame(drawn.drop(columns="geometry")), pd.DataFrame(whole.drop(columns="geometry"))
    )
    assert (shapely.to_wkb(drawn.geometry.array) == shapely.to_wkb(whole.geometry.array)).all()
    assert pickle.loads(pickle.dumps(released)).service_areas.geometry.equals(whole.geometry)

    monkeypatch.setattr(overlap_module, "AREA_BATCH", 10)  # 15 parts of at most 10 rows
    assert [len(part) for part in released.layers(batched=True)["service_areas"].parts()] == [10] * 14 + [7]
    back = gpd.read_file(released.save(tmp_path / "elsewhere.gpkg"), layer="service_areas")
    expected = gpd.read_file(kept.overlap.save(tmp_path / "kept.gpkg"), layer="service_areas")
    pd.testing.assert_frame_equal(back, expected)
    results.early_layers.stop()

    released.service_areas = whole.head(3)  # given new ones: those are what it holds and writes
    assert not released.service_areas_released and released.service_area_count == 3


def test_report_has_method_tables_and_provenance(pack):
    results, out = pack
    page = (out / "report.html").read_text()
    for source in results.inputs.sources:
        digest = hashlib.sha256(Path(source.path).read_bytes()).hexdigest()
        assert digest in page, source.path
    assert results.provenance["catalogue_version"] in page
    assert "AHP consistency ratio" in page
    assert "<td>EV charging</td>\n      <td>Rooftop PV</td>\n      <td>synergy</td>" in page  # the rules table
    assert page.count('<img alt="') == 3  # solutions + two suitability models
    assert "pop_density" in page and "fuzzy: 1 at 300, 0 at 1,500" in page
    assert "Sofia pre-workshop solution map" in page  # the project file itself
    assert "<iframe srcdoc=" in page and "cdn.jsdelivr.net" not in page.split("srcdoc=")[0]


@pytest.mark.browser
def test_report_renders_with_a_working_map(browser, pack):
    _, out = pack
    opened = open_html(browser, out / "report.html", wait_for="document.readyState === 'complete'")
    page = opened.page
    frame = next(f for f in page.frames if f != page.main_frame)
    frame.wait_for_function("window.scmap !== undefined", timeout=20_000)
    assert frame.evaluate("window.scmap.counts.districts") == 24
    # fitted to the districts once the frame had a size (not stuck at the zoom of a 0 x 0 frame)
    frame.wait_for_function("window.scmap.map.getBounds().contains(window.scmap._registry.districts.getBounds())")
    assert frame.evaluate("window.scmap.counts.energy + window.scmap.counts.mobility + window.scmap.counts.ict") == 147
    assert opened.errors == []
    assert opened.unexpected == []  # the map inside carries Leaflet inline
    assert page.locator("h2", has_text="Provenance").is_visible()
    assert page.locator("img[alt='Solutions by sector']").evaluate("img => img.naturalWidth") > 500


def test_report_text_from_data_stays_text(tmp_path: Path):
    project = copy_demo(tmp_path / "p")
    data = yaml.safe_load(project.read_text())
    data["name"] = "<script>window.__pwned=1</script>{{ 7*7 }}{% raw %}"
    data["map"]["title"] = "<img src=x onerror=alert(1)> {{ 6*7 }}"
    project.write_text(yaml.safe_dump(data, allow_unicode=True))
    results = run(project)
    results.save(tmp_path / "out")
    page = (tmp_path / "out" / "report.html").read_text()
    assert "<script>window.__pwned" not in page
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt; {{ 6*7 }}" in page  # shown as text, not evaluated
    assert ">42<" not in page


def test_results_in_python(pack):
    results, _ = pack
    assert isinstance(results.summary, pd.DataFrame) and len(results.summary) == 24
    assert isinstance(results.suitability.units, gpd.GeoDataFrame)
    assert isinstance(results.overlap.pairs, gpd.GeoDataFrame)
    html = results._repr_html_()
    assert "147 solutions in 24 districts" in html and "<table>" in html
    assert "scmapRender(" in results.map().get_root().render()


def test_cli_run_progress_overwrite_and_init(tmp_path: Path):
    runner = CliRunner()
    out = tmp_path / "pack"
    result = runner.invoke(cli, ["run", str(demo_project_path()), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "scoring suitability..." in result.stderr and "writing report.html..." in result.stderr
    assert Path(result.stdout.strip()) == (out / "map.html").resolve()
    again = runner.invoke(cli, ["run", str(demo_project_path()), "-o", str(out)])
    assert again.exit_code == 2 and "--overwrite" in again.stderr
    assert runner.invoke(cli, ["run", str(demo_project_path()), "-o", str(out), "--overwrite"]).exit_code == 0
    demo = runner.invoke(cli, ["demo", "-o", str(tmp_path / "demo")])
    assert demo.exit_code == 0
    assert sorted(p.name for p in (tmp_path / "demo").iterdir()) == sorted([*CONTRACT_FILES, "manifest.json"])
    init = runner.invoke(cli, ["init", str(tmp_path / "mine")])
    assert init.exit_code == 0
    text = (tmp_path / "mine" / "project.yaml").read_text()
    assert text.count("#") > 30  # every key explained
    assert (
        runner.invoke(cli, ["run", str(tmp_path / "mine" / "project.yaml"), "-o", str(tmp_path / "m")]).exit_code == 0
    )


@pytest.mark.realdata
def test_real_data_project_pack(realdata: Path, tmp_path: Path):
    v = realdata / "valencia"
    project = {
        "name": "Valencia (real open data)",
        "districts": {
            "path": str(v / "division_administrativa_de_los_distritos_municipales.geojson"),
            "id": "coddistrit",
            "name": "nombre",
        },
        "layers": {
            "bus_stops": {"path": str(v / "paradas_emt.geojson")},
            "bike_lanes": {"path": str(v / "carril_bici.geojson")},
        },
        "solutions": [
            {"path": str(v / "estaciones_de_valenbisi.geojson"), "solution": "bike_sharing", "id": "number"},
            {"path": str(v / "puntos_wifi.geojson"), "solution": "public_wifi", "name": "descripcion"},
            {"path": str(v / "recarga_vehiculos_electricos.geojson"), "solution": "ev_charging"},
        ],
        "suitability": {
            "units": {"grid_m": 500},
            "models": {
                "mobility_island": {
                    "criteria": {
                        "stops": {"count_of": "bus_stops"},
                        "lanes": {"distance_to": "bike_lanes", "fuzzy": [0, 800]},
                    },
                    "weights": {"stops": 2, "lanes": 1},
                }
            },
        },
    }
    path = tmp_path / "valencia.yaml"
    path.write_text(yaml.safe_dump(project, allow_unicode=True))
    result = CliRunner().invoke(cli, ["run", str(path), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == sorted([*CONTRACT_FILES, "manifest.json"])
    assert set(check_pack(out)["files"]) == set(CONTRACT_FILES)  # hashes match: a complete pack
    summary = pd.read_csv(out / "summary.csv")
    assert len(summary) == 19  # 22 rows, Poblats del Nord's parts merged
    assert {"mobility_island_mean", "mobility_island_max", "mobility_island_share_above"} <= set(summary.columns)
    assert summary[["n_mobility", "n_ict"]].to_numpy().sum() <= 276 + 78 + 5
    cells = gpd.read_file(out / "suitability.gpkg", layer="suitability")
    assert cells["district_id"].astype(str).isin(summary["district_id"].astype(str)).all()
