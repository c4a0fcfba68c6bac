"""scmap on real open city data (../shared/realdata; skipped with a reason when absent)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import pytest
import yaml
from click.testing import CliRunner

import scmap
from _browser import open_html
from scmap import load_inputs, load_project, read_districts, read_layer, validate_project
from scmap.cli.main import cli
from scmap.errors import ScmapWarning, UnreadableFileError
from scmap.sources.io import file_info

pytestmark = pytest.mark.realdata


def _sources_table(realdata: Path) -> list[tuple[str, str]]:
    """(file, features) from the table in SOURCES.md: an independent statement of each count."""
    rows = []
    for line in (realdata / "SOURCES.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) > 8 and cells[0].startswith("`"):
            rows.append((cells[0].strip("`"), cells[7]))
    return rows


def test_info_on_every_listed_file(realdata: Path):
    table = _sources_table(realdata)
    assert len(table) >= 35
    for name, features in table:
        path = realdata / name
        if features == "FAILS TO OPEN":
            with pytest.raises(UnreadableFileError) as info:
                file_info(path)
            assert str(path) in str(info.value) and "\n" not in str(info.value)
            continue
        info = file_info(path)
        assert sum(layer["count"] for layer in info["layers"]) == int(features), name


def test_cli_info_unreadable_real_files(realdata: Path):
    runner = CliRunner()
    for name, expected in [
        ("valencia/quioscos_de_flores.geojson", "empty (0 bytes)"),
        ("valencia/localizaciones_de_las_estaciones_de_ruidos.geojson", "HTML web page"),
    ]:
        result = runner.invoke(cli, ["info", str(realdata / name)])
        assert result.exit_code == 1
        assert result.stderr.count("\n") == 1 and expected in result.stderr and name in result.stderr


def test_ed50_shapefile_keeps_crs_and_catalan_names(realdata: Path):
    shp = read_districts(realdata / "barcelona/shp_ed50/BCN_Barri_ED50_SHP.shp", id="C_Barri", name="N_Barri")
    assert len(shp.gdf) == 73 and shp.rejected.empty
    names = set(shp.gdf["district_name"])
    assert {
        "el Barri Gòtic",
        "la Sagrada Família",
        "la Dreta de l'Eixample",
        "Sant Pere, Santa Caterina i la Ribera",
    } <= names
    assert shp.gdf.crs.to_epsg() == 32631
    # the same barris published in WGS84 must land on the ED50 ones once both are in UTM 31N
    wgs = read_districts(realdata / "barcelona/barris_geo.json", id="C_Barri", to_crs=shp.gdf.crs)
    a = shp.gdf.set_index("district_id").geometry.centroid
    b = wgs.gdf.set_index("district_id").geometry.centroid
    offsets = a.distance(b.loc[a.index])
    assert offsets.median() < 15, offsets.describe()  # an ignored datum shift would be ~100 m
    assert shp.gdf.area.sum() == pytest.approx(wgs.gdf.area.sum(), rel=0.005)


def test_topojson_needs_crs_and_gets_repaired(realdata: Path):
    with pytest.raises(Exception, match=r"declares no coordinate reference system.*crs: EPSG:4326"):
        read_layer(realdata / "barcelona/barris_topo.json")
    with pytest.warns(UserWarning, match="repaired 5 invalid geometries"):
        loaded = read_districts(realdata / "barcelona/barris_topo.json", id="codi", name="barri", crs="EPSG:4326")
    assert len(loaded.gdf) == 73 and loaded.gdf.geometry.is_valid.all()


def test_valencia_juntas_invalid_polygon_repaired(realdata: Path):
    with pytest.warns(UserWarning, match=r"repaired 1 invalid geometries \(row \d+ \(id [^)]+\): "):
        loaded = read_districts(
            realdata / "valencia/division_administrativa_de_las_juntas_municipales.geojson", id="junta", name="nombre"
        )
    assert len(loaded.gdf) == 7 and loaded.gdf.geometry.is_valid.all()


def test_valencia_traffic_counts_stored_in_two_parts_are_one_solution_each(realdata: Path):
    """intensidad_de_trafico.geojson has 412 rows for 409 measured roads: A122, A39 and A85 are
    two lines each with the same id, name and count. Each is one solution of two parts."""
    from scmap import read_solutions

    with pytest.warns(UserWarning, match=r"merged 3 rows into 3 features .* row 10 \(id A122\) with row 11"):
        loaded = read_solutions(
            realdata / "valencia/intensidad_de_trafico.geojson", solution="traffic_sensor", id="idtramo"
        )
    assert len(loaded.gdf) == 409 and loaded.report.rejected == 0 and loaded.report.loaded == 412
    a122 = loaded.gdf.set_index("solution_id").geometry["A122"]
    assert a122.geom_type == "MultiLineString" and len(a122.geoms) == 2


def test_barcelona_census_sections_are_keyed_by_district_and_section(realdata: Path, tmp_path: Path):
    """The 1,068 seccions censals number their sections within each district (C_SecCens 001
    repeats ten times): the check names the two columns unique together, and id: [C_Distri,
    C_SecCens] loads every section as '01-001'."""
    spec = {
        "name": "Barcelona per secció censal",
        "districts": {"path": str(realdata / "barcelona/seccio-censal_geo.json"), "id": "C_SecCens", "name": "N_Barri"},
        "solutions": [
            {"path": str(realdata / "barcelona/08019_stations.geojson"), "id": "id", "solution": "bike_sharing"}
        ],
    }
    project = tmp_path / "seccions.yaml"
    project.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    errors = [e for s in validate_project(load_project(project)).sources for e in s.errors]
    assert "83% of the rows are rejected: 887 x duplicate id" in errors[0]
    assert (
        "for districts.id: Area, Perim, Coord_X, Coord_Y; two columns together (id: [A, B]): [C_Distri, C_SecCens]"
        in errors[0]
    )
    spec["districts"]["id"] = ["C_Distri", "C_SecCens"]
    project.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    districts = load_inputs(load_project(project)).raise_for_errors().districts
    assert len(districts.gdf) == 1068 and districts.report.rejected == 0
    assert districts.gdf["district_id"].iloc[0] == "01-001" and districts.gdf["district_id"].is_unique


def test_valencia_census_section_in_four_parts_is_one_district(realdata: Path):
    """València's 606 section polygons hold 603 sections: 1701 is stored as four polygons with
    the same codes and no name column; they are one district (four parts), none rejected."""
    path = realdata / "valencia/division_de_las_secciones_censales_de_la_ciudad.geojson"
    with pytest.warns(ScmapWarning, match=r"merged 3 rows into 1 feature .*\(id 1701\) with rows 585, 596, 597"):
        districts = read_districts(path, id="coddistsec")
    assert len(districts.gdf) == 603 and districts.report.rejected == 0
    section = districts.gdf.set_index("district_id").geometry["1701"]
    assert section.geom_type == "MultiPolygon" and len(section.geoms) == 4


def _valencia_project(realdata: Path, tmp: Path, *, district_id: str = "nombre") -> Path:
    v = realdata / "valencia"
    project = {
        "name": "Valencia: real open data",
        "districts": {
            "path": str(v / "division_administrativa_de_los_barrios_municipales.geojson"),
            "id": district_id,
            "name": "nombre",
        },
        "layers": {"bus_stops": {"path": str(v / "paradas_emt.geojson")}},
        "solutions": [
            {
                "path": str(v / "estaciones_de_valenbisi.geojson"),
                "solution": "bike_sharing",
                "id": "number",
                "name": "name",
            },
            {"path": str(v / "puntos_wifi.geojson"), "solution": "public_wifi", "name": "descripcion"},
            {"path": str(v / "recarga_vehiculos_electricos.geojson"), "solution": "ev_charging", "name": "descripcion"},
            {
                "path": str(v / "red_de_vigilancia_de_la_contaminacion_atmosferica.geojson"),
                "solution": "air_quality_sensor",
                "name": "nombre",
            },
        ],
        "map": {
            "title": "Valencia: Valenbisi, Wi-Fi, EV charging, air quality",
            "attribution": "Data: Ayuntamiento de Valencia",
        },
    }
    path = tmp / "valencia.yaml"
    path.write_text(yaml.safe_dump(project, sort_keys=False, allow_unicode=True))
    return path


def test_valencia_project_validates_with_correct_counts(realdata: Path, tmp_path: Path):
    report = validate_project(load_project(_valencia_project(realdata, tmp_path)))
    assert report.ok
    counts = [(s.role, s.rows, s.loaded, s.rejected) for s in report.sources]
    assert counts == [
        ("districts", 88, 88, 0),
        ("layer", 1176, 1176, 0),
        ("solutions", 276, 276, 0),
        ("solutions", 78, 78, 0),
        ("solutions", 5, 5, 0),
        ("solutions", 6, 6, 0),
    ]
    assert report.rejected.empty


def test_valencia_duplicate_barrio_code_is_reported(realdata: Path, tmp_path: Path):
    """Two barrios share coddistbar 175 in the real file: the second is rejected, by row and id."""
    report = validate_project(load_project(_valencia_project(realdata, tmp_path, district_id="coddistbar")))
    assert report.ok
    districts = report.sources[0]
    assert (districts.rows, districts.loaded, districts.rejected) == (88, 87, 1)
    row = report.rejected.iloc[0]
    assert (row["row"], row["id"], row["field"]) == (3, "175", "coddistbar")
    assert row["reason"] == "duplicate id 175 (first used in row 1)"


_SHOWN_IN_CLUSTERS = """() => {
  const reg = window.scmap._registry, parents = new Set();
  let shown = 0;
  for (const key of ["mobility", "ict"]) {
    const group = reg.sectors[key];
    if (!(group instanceof L.MarkerClusterGroup)) { throw new Error(key + " is not clustered"); }
    for (const marker of group.getLayers()) {
      const parent = group.getVisibleParent(marker);
      if (parent === marker) { shown += 1; } else if (parent && !parents.has(parent)) {
        parents.add(parent);
        shown += parent.getChildCount();
      }
    }
  }
  return [shown, parents.size];
}"""


def test_valencia_map_in_chromium(realdata: Path, tmp_path: Path, browser):
    inputs = load_inputs(load_project(_valencia_project(realdata, tmp_path)))
    out = tmp_path / "valencia.html"
    scmap.run(inputs.project).map().save(str(out))
    opened = open_html(browser, out)
    assert opened.errors == [] and opened.unexpected == []
    counts = opened.page.evaluate("window.scmap.counts")
    assert {k: counts[k] for k in ("districts", "mobility", "ict", "gaps")} == {
        "districts": 88,
        "mobility": 281,
        "ict": 84,
        "gaps": 88,
    }
    # the centre's stations would cover each other at first: clustered, every one shown on its own
    # or counted in the cluster that stands for it (from the clusters' tree: no animation counts)
    shown, clusters = opened.page.evaluate(_SHOWN_IN_CLUSTERS)
    assert shown == 276 + 78 + 5 + 6 and clusters > 5
    assert "Ayuntamiento de Valencia" in opened.page.locator(".leaflet-control-attribution").inner_text()


def _barcelona_project(realdata: Path, tmp: Path) -> Path:
    b = realdata / "barcelona"
    project = {
        "name": "Barcelona: real open data",
        "districts": {"path": str(b / "barris_geo.json"), "id": "C_Barri", "name": "N_Barri"},
        "solutions": [
            {"path": str(b / "08019_stations.geojson"), "solution": "bike_sharing", "id": "id", "name": "streetName"},
            {
                "path": str(b / "08019_punts_recarrega_vehicles_electrics_bcn_ciutat.geojson"),
                "solution": "ev_charging",
                "id": "CÓDIGO DE IDENTIFICACIÓN ESTACIÓN",
                "name": "DIRECCIÓN",
            },
            {
                "path": str(b / "08019_punts_wifi.geojson"),
                "solution": "public_wifi",
                "name": "EQUIPAMENT",
            },
        ],
    }
    path = tmp / "barcelona.yaml"
    path.write_text(yaml.safe_dump(project, sort_keys=False, allow_unicode=True))
    return path


def test_barcelona_connector_rows_reported_as_duplicates(realdata: Path, tmp_path: Path):
    result = CliRunner().invoke(
        cli,
        [
            "validate",
            str(_barcelona_project(realdata, tmp_path)),
            "--json",
            "--rejected",
            str(tmp_path / "rejected.csv"),
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    counts = [(s["role"], s["rows"], s["loaded"], s["rejected"]) for s in report["sources"]]
    ev_stations = gpd.read_file(realdata / "barcelona/08019_punts_recarrega_vehicles_electrics_bcn_ciutat.geojson")[
        "CÓDIGO DE IDENTIFICACIÓN ESTACIÓN"
    ].nunique()
    assert ev_stations == 122
    assert counts == [
        ("districts", 73, 73, 0),
        ("solutions", 465, 465, 0),
        ("solutions", 664, 122, 542),
        ("solutions", 593, 593, 0),
    ]
    rejected = (tmp_path / "rejected.csv").read_text(encoding="utf-8")
    assert rejected.count("duplicate id") >= 542
    assert re.search(r"CÓDIGO DE IDENTIFICACIÓN ESTACIÓN,duplicate id 101 \(first used in row 1\)", rejected)


def test_unreadable_and_copy_error_files_in_a_project(realdata: Path, tmp_path: Path):
    v, f = realdata / "valencia", realdata / "france_scale"
    project = {
        "name": "broken inputs",
        "districts": {
            "path": str(v / "division_administrativa_de_los_distritos_municipales.geojson"),
            "id": "coddistrit",
            "name": "nombre",
        },
        "layers": {
            "kiosks": {"path": str(v / "quioscos_de_flores.geojson")},
            "noise": {"path": str(v / "localizaciones_de_las_estaciones_de_ruidos.geojson")},
        },
        "solutions": [{"path": str(f / "coordonnees_pdc_2024-12-04.csv"), "solution": "ev_charging"}],
    }
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(project))
    result = CliRunner().invoke(cli, ["validate", str(path), "--json"])
    assert result.exit_code == 1
    sources = json.loads(result.stdout)["sources"]
    assert sources[0]["loaded"] == 22 and not sources[0]["errors"]
    assert "the file is empty (0 bytes)" in sources[1]["errors"][0]
    assert "HTML web page" in sources[2]["errors"][0]
    assert sources[3]["rows"] == 2927 and sources[3]["loaded"] == 0
    assert "longitude equals latitude" in sources[3]["errors"][0]


def test_barcelona_map_in_chromium(barcelona, tmp_path: Path, browser):
    """Real Barcelona data: every barri and every solution (clustered above 400 points per sector)."""
    from scmap import overlap, solution_map
    from scmap.maps import save_html

    barris, sols = barcelona
    with pytest.warns(UserWarning, match="outside every district|repeat another"):
        result = overlap(sols, barris)
    out = tmp_path / "barcelona.html"
    save_html(solution_map(barris, sols, overlap=result, title="Barcelona", attribution="Ajuntament de Barcelona"), out)
    opened = open_html(browser, out)
    assert opened.errors == []
    assert opened.unexpected == []
    page = opened.page
    counts = page.evaluate("window.scmap.counts")
    assert counts["districts"] == 73
    assert counts["mobility"] == 465 + 122
    assert counts["ict"] == 593
    assert page.evaluate("window.scmap._registry.sectors.mobility.getLayers().length") == 587
    assert page.evaluate("window.scmap._registry.sectors.ict.getLayers().length") == 593
    assert page.locator(".scmap-cluster").count() > 0  # clusters in sector colours
    # names where they fit, none overlapping another; more of them when zoomed in
    boxes = page.evaluate(
        """() => [...document.querySelectorAll('.scmap-label span')].filter(s => s.offsetParent !== null)
                 .map(s => { const r = s.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })"""
    )
    assert 5 <= len(boxes) < 73
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)
    page.evaluate("() => { window.scmap.map.setZoom(window.scmap.map.getZoom() + 2, { animate: false }); }")
    page.wait_for_timeout(200)
    assert page.evaluate("window.scmap._registry.labelsShown") > len(boxes)
    assert page.evaluate("window.scmap.findDistrict('raval')") == ["el Raval"]  # part of a name, any case
    assert page.evaluate("window.scmap.findDistrict('VILA DE GRACIA')") == ["la Vila de Gràcia"]  # accents ignored


def test_valencia_barrios_keyed_by_a_repeating_code_do_not_validate(realdata: Path, tmp_path: Path):
    v = realdata / "valencia"
    spec = {
        "name": "Valencia barrios",
        "districts": {
            "path": str(v / "division_administrativa_de_los_barrios_municipales.geojson"),
            "id": "codbarrio",
            "name": "nombre",
        },
        "solutions": [{"path": str(v / "estaciones_de_valenbisi.geojson"), "solution": "Bike sharing station"}],
        "overlap": {"population": "Poblacio"},
    }
    project = tmp_path / "valencia.yaml"
    project.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(project)])
    assert result.exit_code == 1
    assert "91% of the rows are rejected: 80 x duplicate id" in result.output
    assert "districts.id = 'codbarrio' repeats values" in result.output
    assert "columns with a unique value in every row, for districts.id: nombre" in result.output
    assert "overlap.population: no column 'Poblacio' in the districts" in result.output
    spec["districts"]["id"] = "coddistbar"
    del spec["overlap"]
    project.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    assert CliRunner().invoke(cli, ["validate", str(project)]).exit_code == 0


SYMBOL_SHARE = """() => {
  const box = document.querySelector('.leaflet-container').getBoundingClientRect();
  let covered = 0;
  for (const e of document.querySelectorAll('.scmap-marker-body, .scmap-cluster-ring')) {
    const r = e.getBoundingClientRect();
    const w = Math.max(0, Math.min(r.right, box.right) - Math.max(r.left, box.left));
    const h = Math.max(0, Math.min(r.bottom, box.bottom) - Math.max(r.top, box.top));
    covered += w * h;
  }
  return covered / (box.width * box.height);
}"""
MAX_SYMBOL_SHARE = 0.06
"""With a colouring shown at the first view, solution symbols cover at most 6 % of the map
(counted generously: overlapping symbols count twice)."""


def _with_model(path: Path, layer: str) -> Path:
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    spec["suitability"] = {
        "models": {
            "ev_charging": {"criteria": {"near": {"count_of": layer, "better": "higher"}}, "weights": {"near": 1}}
        }
    }
    path.write_text(yaml.safe_dump(spec, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize("city", ["valencia", "barcelona"])
def test_real_city_map_offline_every_feature_shown_and_colouring_readable(
    realdata: Path, tmp_path: Path, browser, city
):
    if city == "valencia":
        project = _with_model(_valencia_project(realdata, tmp_path), "bus_stops")
    else:
        project = _barcelona_project(realdata, tmp_path)
        spec = yaml.safe_load(project.read_text(encoding="utf-8"))
        spec["layers"] = {"bicing": {"path": str(realdata / "barcelona" / "08019_stations.geojson")}}
        project.write_text(yaml.safe_dump(spec, sort_keys=False, allow_unicode=True), encoding="utf-8")
        project = _with_model(project, "bicing")
    out = tmp_path / "pack"
    assert CliRunner().invoke(cli, ["run", str(project), "-o", str(out)]).exit_code == 0
    results = scmap.run(project)
    opened = open_html(browser, out / "map.html", offline=True)  # every outside request blocked, tiles too
    page = opened.page
    assert (opened.errors == [] and opened.unexpected == []) or all("tile" in u for u in opened.unexpected)
    counts = page.evaluate("window.scmap.counts")
    assert counts["districts"] == len(results.districts)
    sectors = results.solutions["sector"].value_counts()
    for sector, n in sectors.items():
        assert counts[sector] == n  # every solution is a marker or inside a cluster's count
    page.evaluate("window.scmap.showModel('ev_charging')")
    page.wait_for_timeout(300)
    share = page.evaluate(SYMBOL_SHARE)
    assert page.evaluate("window.scmap._registry.compact") is True
    assert share < MAX_SYMBOL_SHARE, share
    page.evaluate("() => { window.scmap.map.setZoom(16, { animate: false }); }")  # zoomed in: icons again
    page.wait_for_function("window.scmap._registry.compact === false")
