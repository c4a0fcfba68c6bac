"""Many cities, one run: city packs, the cross-city pack, its demand table, a failing city that
stops nobody, and the same results on a real local Dask cluster."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from scmap.cli.main import cli
from scmap.core._atomic import check_pack
from scmap.outputs.network import NETWORK_FILES
from scmap.pipeline.batch import read_cities, slug
from scmap.project.datasets import demo_project_path

TEMPLATE = {
    "name": "Bike sharing network",
    "districts": {"path": "set-per-city", "id": "id"},
    "layers": {"stops": {"path": "set-per-city"}},
    "solutions": [{"path": "set-per-city", "solution": "bike_sharing"}],
    "suitability": {
        "models": {
            "bike_sharing": {
                "criteria": {"stops": {"count_of": "stops", "better": "higher", "per_km2": True}},
                "weights": {"stops": 1},
            }
        }
    },
    "map": {"basemap": "none"},
}


@pytest.fixture(scope="module")
def network(realdata: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Barcelona, Valencia and the Sofia demo from their real files, plus a city whose file is missing."""
    folder = tmp_path_factory.mktemp("batch")
    (folder / "template.yaml").write_text(yaml.safe_dump(TEMPLATE, sort_keys=False), encoding="utf-8")
    b, v, s = realdata / "barcelona", realdata / "valencia", demo_project_path().parent
    rows = [
        ["Barcelona", b / "barris_geo.json", "C_Barri", "N_Barri", b / "08019_punts_wifi.geojson",
         b / "08019_stations.geojson", "id"],
        ["València", v / "division_administrativa_de_los_barrios_municipales.geojson", "nombre", "nombre",
         v / "paradas_emt.geojson", v / "estaciones_de_valenbisi.geojson", "number"],
        ["Sofia (demo)", s / "districts.gpkg", "district_id", "name", s / "chargers.geojson",
         s / "chargers.geojson", "ref"],
        ["Nowhere", folder / "missing.gpkg", "id", "", s / "chargers.geojson", s / "chargers.geojson", ""],
    ]  # fmt: skip
    with (folder / "cities.csv").open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["city", "districts", "districts.id", "districts.name", "layers.stops.path", "solutions",
                      "solutions.0.id"])  # fmt: skip
        out.writerows(rows)
    return folder


def _batch(network: Path, outdir: Path, *extra: str) -> object:
    args = ["batch", str(network / "template.yaml"), str(network / "cities.csv"), "-o", str(outdir), *extra]
    return CliRunner().invoke(cli, args)


@pytest.fixture(scope="module")
def in_process(network: Path) -> Path:
    outdir = network / "out"
    result = _batch(network, outdir)
    assert result.exit_code == 1  # one city failed
    assert "[4/4]" in result.stderr and "Nowhere: FAILED" in result.stderr and "missing.gpkg" in result.stderr
    assert "3 of 4 cities done" in result.stderr
    lines = result.stderr.splitlines()  # a city's warnings under its line: Barcelona's station across the city line
    assert lines[1].startswith("    Warning: ")
    assert "08019_stations.geojson: 1 of 465 solutions lies outside" in lines[1]
    assert lines[0].startswith("[1/4] Barcelona: done") and lines[2].startswith("[2/4] València: done")
    return outdir


def test_each_city_says_its_warnings_under_its_line_each_fact_once(tmp_path: Path):
    """A network's coordinator sees which city's file has solutions outside its districts, once a
    city (the run's own overall warning for the same solutions is not said again)."""
    demo = demo_project_path().parent
    solutions = tmp_path / "s.csv"
    solutions.write_text("ref,lon,lat\nin,23.32,42.69\nfar,24.75,42.15\n", encoding="utf-8")  # far: Plovdiv
    template = {
        "name": "Charging network",
        "districts": {"path": "set-per-city", "id": "district_id", "name": "name"},
        "solutions": [{"path": "set-per-city", "id": "ref", "solution": "ev_charging"}],
        "map": {"basemap": "none"},
    }
    (tmp_path / "template.yaml").write_text(yaml.safe_dump(template), encoding="utf-8")
    rows = "".join(f"{city},{demo / 'districts.gpkg'},{solutions}\n" for city in ("Sofia", "Plovdiv"))
    (tmp_path / "cities.csv").write_text("city,districts,solutions\n" + rows, encoding="utf-8")
    result = _batch(tmp_path, tmp_path / "out")
    assert result.exit_code == 0, result.output
    warning = (
        f"    Warning: {solutions}: 1 of 2 solutions lies outside every district (kept; the overlap layer 'outside' "
        "lists them): is this the right file for these districts?"
    )
    lines = result.stderr.splitlines()
    assert [lines[i + 1] for i, line in enumerate(lines) if line.startswith("[")] == [warning, warning]
    assert result.stderr.count("outside every district") == 2


def test_every_city_gets_a_complete_pack_and_a_failure_stops_nobody(in_process: Path):
    for city in ("barcelona", "valencia", "sofia-demo"):
        check_pack(in_process / city)  # every file there, with its recorded hash
    assert not (in_process / "nowhere").exists()
    manifest = check_pack(in_process / "network")
    assert set(manifest["files"]) == set(NETWORK_FILES)
    cities = pd.read_csv(in_process / "network" / "cities.csv")
    assert cities["ok"].tolist() == [True, True, True, False]
    assert "file not found" in cities.loc[3, "message"]


def test_comparison_and_demand_add_up_the_city_packs(in_process: Path):
    comparison = pd.read_csv(in_process / "network" / "comparison.csv").set_index("city")
    demand = pd.read_csv(in_process / "network" / "demand.csv").set_index("solution")
    by_city = pd.read_csv(in_process / "network" / "demand_by_city.csv", dtype={"unit_id": str})
    suitable = 0
    for city, folder in (("Barcelona", "barcelona"), ("València", "valencia"), ("Sofia (demo)", "sofia-demo")):
        units = pd.read_csv(in_process / folder / "suitability.csv", dtype={"unit_id": str})
        summary = pd.read_csv(in_process / folder / "summary.csv")
        assert comparison.loc[city, "districts"] == len(summary)
        # the per-city view: each city's own scores, as in its pack
        assert comparison.loc[city, "bike_sharing_mean_score_city"] == pytest.approx(units["bike_sharing_score"].mean())
        suitable += int((units["bike_sharing_score"] >= 0.6).sum())
        top = by_city.loc[by_city["city"] == city].sort_values("rank")
        best = units.loc[units["bike_sharing_rank"].notna()].sort_values("bike_sharing_rank").head(5)
        # one criterion: the network's scale keeps each city's order
        assert top["unit_id"].astype(str).tolist() == best["unit_id"].astype(str).tolist()
    assert demand.loc["bike_sharing", "suitable_units_city"] == suitable
    assert (
        demand.loc["bike_sharing", "standardised"] == "network"
        and demand.loc["bike_sharing", "suitable_threshold"] == 0.6
    )
    # on the network's scale only the city with the densest stops keeps a best unit of 1
    assert sorted(by_city.groupby("city")["score"].max() == 1.0) == [False, False, True]
    assert demand.loc["bike_sharing", "cities_modelled"] == 3
    sites = demand.loc["bike_sharing", ["existing_sites", "planned_sites", "candidate_sites"]].sum()
    assert sites == comparison["n_mobility"].sum()  # every bike-sharing site of every city, by status
    assert "Barcelona:" in demand.loc["bike_sharing", "best_units"]


def test_cities_map_and_chart(in_process: Path):
    page = (in_process / "network" / "cities.html").read_text(encoding="utf-8")
    assert "scmapRender(" in page and "Barcelona" in page and ("València" in page or "Val\\u00e8ncia" in page)
    assert (in_process / "network" / "comparison.png").stat().st_size > 10_000


def test_dask_local_cluster_gives_the_same_results(network: Path, in_process: Path):
    outdir = network / "dask"
    result = _batch(network, outdir, "--workers", "2")
    assert result.exit_code == 1 and "3 of 4 cities done" in result.stderr
    for city in ("barcelona", "valencia", "sofia-demo"):
        for name in ("summary.csv", "suitability.csv", "rejected.csv"):
            assert (outdir / city / name).read_bytes() == (in_process / city / name).read_bytes(), (city, name)
    for name in ("comparison.csv", "demand.csv", "demand_by_city.csv"):
        assert (outdir / "network" / name).read_bytes() == (in_process / "network" / name).read_bytes(), name


def test_cities_as_yaml(network: Path, tmp_path: Path):
    rows = read_cities(network / "cities.csv")
    as_yaml = {city: {k: str(v) for k, v in values.items()} for city, values in rows}
    (tmp_path / "cities.yaml").write_text(
        yaml.safe_dump(as_yaml, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    assert read_cities(tmp_path / "cities.yaml") == [(c, {k: str(v) for k, v in d.items()}) for c, d in rows]
    assert slug("Sofia (demo)") == "sofia-demo" and slug("València") == "valencia"


def test_bad_cities_files(tmp_path: Path):
    (tmp_path / "c.csv").write_text("name,districts\nA,x.gpkg\n", encoding="utf-8")
    template = tmp_path / "t.yaml"
    template.write_text(yaml.safe_dump(TEMPLATE), encoding="utf-8")
    result = CliRunner().invoke(cli, ["batch", str(template), str(tmp_path / "c.csv"), "-o", str(tmp_path / "o")])
    assert result.exit_code == 1 and "needs a 'city' column" in result.output
    (tmp_path / "d.csv").write_text("city,districts\nA,x.gpkg\nA,y.gpkg\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["batch", str(template), str(tmp_path / "d.csv"), "-o", str(tmp_path / "o")])
    assert result.exit_code == 1 and "a name of its own" in result.output
    template.write_text(json.dumps({"name": "x"}), encoding="utf-8")
    result = CliRunner().invoke(cli, ["batch", str(template), str(tmp_path / "d.csv"), "-o", str(tmp_path / "o")])
    assert result.exit_code == 1 and "invalid project template" in result.output


@pytest.mark.browser
def test_the_cities_map_shows_every_city_clear_of_the_controls_with_a_legend(browser, in_process: Path):
    from _browser import open_html

    opened = open_html(browser, in_process / "network" / "cities.html", offline=True)
    page = opened.page
    clash = page.evaluate(
        """() => { const m = window.scmap.map, box = m.getContainer().getBoundingClientRect();
        const controls = Array.from(document.querySelectorAll('.leaflet-control, .scmap-minimap, .scmap-title'))
          .map(e => e.getBoundingClientRect());
        return window.scmap._registry.districts.getLayers().map(l => {
          const p = m.latLngToContainerPoint(l.getLatLng()), x = p.x + box.left, y = p.y + box.top;
          const under = controls.some(r => x >= r.left - 4 && x <= r.right + 4 && y >= r.top - 4 && y <= r.bottom + 4);
          const inside = p.x > 0 && p.y > 0 && p.x < box.width && p.y < box.height;
          return [l.scmapFeature.title, inside && !under]; }); }"""
    )
    assert sorted(clash) == [["Barcelona", True], ["Sofia (demo)", True], ["València", True]]
    legend = page.evaluate("document.querySelector('.scmap-legend-body').innerText")
    assert "Cities" in legend and "popup" in legend  # what the dots are
    search = page.get_by_label("Find a city")  # its places are cities, not districts
    search.fill("Madrid")
    search.dispatch_event("change")
    assert page.inner_text(".scmap-search-status") == "No city matches “Madrid”"
    search.fill("a")  # in every name
    search.dispatch_event("change")
    assert page.inner_text(".scmap-search-status").startswith("3 cities match: ")  # a dot has no bounds
    search.fill("valencia")
    search.dispatch_event("change")
    page.wait_for_selector(".leaflet-popup-content")
    assert "València" in page.inner_text(".leaflet-popup-content")
    assert opened.errors == []
