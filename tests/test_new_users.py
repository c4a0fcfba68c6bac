"""What a new user hits on data nobody here wrote: combined coordinates, swapped axes, list-valued
columns, non-Latin city names, paths with ~, filters and joins (each a case that once failed)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from scmap import load_inputs, load_project, validate_project
from scmap.cli.main import cli
from scmap.errors import InputError, ScmapWarning
from scmap.pipeline.batch import read_cities, slug
from scmap.sources._readers import split_pair
from scmap.sources.io import read_solutions


def _squares(path: Path, n: int = 4, *, x0: float = 23.30, y0: float = 42.60) -> Path:
    """n 0.01-degree squares in a row near Sofia, with a repeated 'code', a list and a dict column."""
    features = [
        {
            "type": "Feature",
            "properties": {"code": "AB"[i * 2 // n], "nm": f"d{i}", "neighbors": [i - 1, i + 1], "meta": {"k": i}},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [
                        [x0 + i * 0.01, y0],
                        [x0 + (i + 1) * 0.01, y0],
                        [x0 + (i + 1) * 0.01, y0 + 0.01],
                        [x0 + i * 0.01, y0 + 0.01],
                        [x0 + i * 0.01, y0],
                    ]
                ],
            },
        }
        for i in range(n)
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def _project(folder: Path, body: dict) -> Path:
    path = folder / "project.yaml"
    path.write_text(yaml.safe_dump({"name": "new user", **body}, allow_unicode=True))
    return path


def _errors(project: Path) -> str:
    report = validate_project(load_project(project))
    return "\n".join(e for s in report.sources for e in s.errors)


# ------------------------------------------------------------ 1. one column with both coordinates


@pytest.mark.parametrize(
    ("cell", "first", "second"),
    [
        ("43.45330,28.55529", "43.45330", "28.55529"),
        ("[2.798854,48.841032]", "2.798854", "48.841032"),
        ("(2.79, 48.84)", "2.79", "48.84"),
        ("43,4533;28,5552", "43,4533", "28,5552"),
        ("43.4533 28.5552", "43.4533", "28.5552"),
        ("-8.6e1, 1E-3", "-8.6e1", "1E-3"),
        ("43,45,28,55", None, None),
        ("43.45", None, None),
        ("", None, None),
    ],
)
def test_split_pair_reads_the_usual_ways_of_writing_two_numbers(cell, first, second):
    a, b = split_pair(pd.Series([cell]))
    assert (None if pd.isna(a[0]) else a[0], None if pd.isna(b[0]) else b[0]) == (first, second)


def test_combined_column_latitude_first(tmp_path: Path):
    _squares(tmp_path / "d.geojson")
    (tmp_path / "s.csv").write_text('id,geo\n1,"42.605,23.305"\n2,"42.605, 23.315"\n3,"bad"\n4,""\n')
    project = _project(
        tmp_path,
        {
            "districts": {"path": "d.geojson", "id": "nm"},
            "solutions": [
                {"path": "s.csv", "coordinates": "geo", "coordinate_order": "lat,lon", "solution": "rooftop_pv"}
            ],
        },
    )
    inputs = load_inputs(load_project(project))
    pts = inputs.solutions.to_crs(4326)
    assert pts.geometry.x.round(3).tolist() == [23.305, 23.315] and pts.geometry.y.round(3).tolist() == [42.605] * 2
    rejected = inputs.rejected.set_index("row")
    assert (
        rejected.loc[3, "reason"] == "coordinate 'bad' is not a pair of numbers" and rejected.loc[3, "field"] == "geo"
    )
    assert rejected.loc[4, "reason"] == "missing coordinate"


def test_lat_and_lon_naming_one_column_say_how_to_write_it(tmp_path: Path):
    (tmp_path / "s.csv").write_text('id,geo\n1,"42.605,23.305"\n')
    with pytest.raises(InputError, match=r"write coordinates: geo \(add coordinate_order: lat,lon"):
        read_solutions(tmp_path / "s.csv", solution="rooftop_pv", lat="geo", lon="geo")


def test_cli_info_takes_the_coordinate_options_the_errors_name(tmp_path: Path):
    (tmp_path / "s.csv").write_text('id,geo\n1,"42.605,23.305"\n')
    runner = CliRunner()
    bare = runner.invoke(cli, ["info", str(tmp_path / "s.csv")])
    assert bare.exit_code == 1 and "--coordinates" in bare.stderr and "coordinates: COLUMN" in bare.stderr
    result = runner.invoke(
        cli, ["info", str(tmp_path / "s.csv"), "--coordinates", "geo", "--coordinate-order", "lat,lon", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["layers"][0]["bounds_wgs84"] == [23.305, 42.605, 23.305, 42.605]


def test_real_bicing_stations_as_one_latlon_column(realdata: Path, tmp_path: Path):
    stations = gpd.read_file(realdata / "barcelona/08019_stations.geojson")
    table = pd.DataFrame(
        {"id": stations["id"], "geo": stations["latitude"].astype(str) + "," + stations["longitude"].astype(str)}
    )
    table.to_csv(tmp_path / "bicing.csv", index=False)
    body = {
        "districts": {"path": str(realdata / "barcelona/barris_geo.json"), "id": "C_Barri", "name": "N_Barri"},
        "solutions": [
            {"path": "bicing.csv", "coordinates": "geo", "coordinate_order": "lat,lon", "solution": "bike_sharing"}
        ],
    }
    inputs = load_inputs(load_project(_project(tmp_path, body)))
    assert inputs.ok and len(inputs.solutions) + len(inputs.rejected) == len(stations) == 465
    # 2. the same file read longitude-first puts every station in the Indian Ocean: an error with the fix
    body["solutions"][0]["coordinate_order"] = "lon,lat"
    errors = _errors(_project(tmp_path, body))
    assert "would fall inside with the two coordinates swapped" in errors
    assert "set solutions.0.coordinate_order: lat,lon" in errors


# --------------------------------------------------------------------- 2. swapped latitude/longitude


def test_swapped_lat_lon_columns_is_an_error_with_the_fix(tmp_path: Path):
    _squares(tmp_path / "d.geojson")
    (tmp_path / "s.csv").write_text("id,lat,lon\n1,23.305,42.605\n2,23.315,42.605\n3,42.605,23.325\n")
    body = {"districts": {"path": "d.geojson", "id": "nm"}, "solutions": [{"path": "s.csv", "solution": "rooftop_pv"}]}
    errors = _errors(_project(tmp_path, body))
    assert "2 of 3 points lie outside every district, but 2 would fall inside" in errors
    (tmp_path / "s.csv").write_text("id,x,y\n1,42.605,23.305\n2,42.605,23.315\n3,42.605,23.325\n")
    body["solutions"][0] |= {"lon": "x", "lat": "y"}
    errors = _errors(_project(tmp_path, body))
    assert (
        "3 of 3 points lie outside" in errors
        and "exchange the columns of solutions.0.lon: and solutions.0.lat:" in errors
    )


def test_points_simply_elsewhere_stay_a_warning(tmp_path: Path):
    _squares(tmp_path / "d.geojson")
    (tmp_path / "s.csv").write_text("id,lat,lon\n1,48.1,11.5\n2,48.2,11.6\n")  # Munich: not Sofia either way
    body = {"districts": {"path": "d.geojson", "id": "nm"}, "solutions": [{"path": "s.csv", "solution": "rooftop_pv"}]}
    report = validate_project(load_project(_project(tmp_path, body)))
    assert report.ok and any(
        "all solutions lie outside every district" in w for s in report.sources for w in s.warnings
    )


# ------------------------------------------------------------------- 3. list- and dict-valued columns


def test_wrong_id_with_a_list_column_names_a_better_column(tmp_path: Path):
    _squares(tmp_path / "d.geojson")
    (tmp_path / "s.csv").write_text("id,lat,lon\n1,42.605,23.305\n")
    body = {
        "districts": {"path": "d.geojson", "id": "code"},
        "solutions": [{"path": "s.csv", "solution": "rooftop_pv"}],
    }
    project = _project(tmp_path, body)
    errors = _errors(project)
    assert "districts.id = 'code' repeats values" in errors and "for districts.id: nm." in errors
    result = CliRunner().invoke(cli, ["run", str(project), "-o", str(tmp_path / "pack")])
    assert result.exit_code == 1 and "unexpectedly" not in result.output


def test_districts_without_an_id_get_the_columns_that_could_be_one(tmp_path: Path):
    """Piemonte's municipalities, first tried without id: the error names the file's columns with
    a value in every row and none twice (not the repeated code, nor the list or dict columns)."""
    from scmap.errors import ProjectError

    _squares(tmp_path / "d.geojson")
    body = {"districts": {"path": "d.geojson"}, "solutions": [{"path": "s.csv", "solution": "rooftop_pv"}]}
    project = _project(tmp_path, body)
    with pytest.raises(ProjectError) as caught:
        load_project(project)
    assert caught.value.problems == [
        f'{project}: districts.id: required key is missing (e.g. id: "district_id"); columns of d.geojson with '
        "a unique value in every row: nm"
    ]
    (tmp_path / "d.geojson").write_text("<html>not found</html>", encoding="utf-8")  # unreadable: no hint
    with pytest.raises(ProjectError, match=r'e\.g\. id: "district_id"\)$'):
        load_project(project)


def _sections(path: Path, codes: list[tuple[str | None, str]]) -> Path:
    """Census sections numbered within each district (Barcelona's seccions censals): 'sec' repeats,
    'barri' names the neighbourhood of several, 'area' is unique but a measurement."""
    features = json.loads(_squares(path, len(codes)).read_text())["features"]
    for i, (f, (dist, sec)) in enumerate(zip(features, codes, strict=True)):
        f["properties"] = {"dist": dist, "sec": sec, "barri": f"b{dist}", "area": 1000.5 + i}
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def test_ids_made_of_two_columns(tmp_path: Path):
    """Sections numbered within their district are unique only as district + section: the check
    says which two columns are unique together, and id: [dist, sec] makes '01-001'."""
    codes = [("01", "001"), ("01", "002"), ("02", "001"), ("02", "002")]
    _sections(tmp_path / "d.geojson", codes)
    (tmp_path / "s.csv").write_text("line,n,lat,lon\n1,1,42.605,23.305\n1,2,42.605,23.315\n2,1,42.605,23.325\n")
    body = {
        "districts": {"path": "d.geojson", "id": "sec"},
        "solutions": [{"path": "s.csv", "id": ["line", "n"], "solution": "rooftop_pv"}],
    }
    errors = _errors(_project(tmp_path, body))
    assert "districts.id = 'sec' repeats values" in errors
    assert "for districts.id: area; two columns together (id: [A, B]): [dist, sec]; [sec, barri]." in errors
    _sections(tmp_path / "d.geojson", [*codes, (None, "003")])
    body["districts"] = {"path": "d.geojson", "id": ["dist", "sec"], "name": "barri"}
    inputs = load_inputs(load_project(_project(tmp_path, body)))
    assert inputs.districts.gdf["district_id"].tolist() == ["01-001", "01-002", "02-001", "02-002"]
    rejected = inputs.districts.rejected
    assert rejected[["row", "field", "reason"]].values.tolist() == [[5, "dist+sec", "missing id in column 'dist+sec'"]]
    assert inputs.solutions["solution_id"].tolist() == ["1-1", "1-2", "2-1"]
    from scmap import read_districts

    with pytest.warns(ScmapWarning, match=r"1 of 5 rows rejected: 1 x missing id in column 'dist\+sec'"):
        alone = read_districts(tmp_path / "d.geojson", id=["dist", "sec"], name="barri")  # the same from Python
    assert alone.gdf["district_id"].tolist() == inputs.districts.gdf["district_id"].tolist()
    result = CliRunner().invoke(cli, ["run", str(tmp_path / "project.yaml"), "-o", str(tmp_path / "pack")])
    assert result.exit_code == 0, result.output
    report = (tmp_path / "pack" / "report.html").read_text(encoding="utf-8")
    assert "<td>b01 (01-001)</td>" in report and "<td>b01</td>" not in report  # rows a reader tells apart
    body["districts"]["id"] = ["dist", "section"]
    with pytest.raises(InputError, match=r"no column 'section' for the ids; columns: dist, sec"):
        load_inputs(load_project(_project(tmp_path, body))).raise_for_errors()


def test_list_and_dict_columns_reach_popups_and_tables(tmp_path: Path):
    _squares(tmp_path / "d.geojson")
    (tmp_path / "s.csv").write_text("id,lat,lon\n1,42.605,23.305\n")
    body = {
        "districts": {"path": "d.geojson", "id": "neighbors", "name": "nm", "popup": ["meta"]},
        "solutions": [{"path": "s.csv", "solution": "rooftop_pv"}],
    }
    project = _project(tmp_path, body)
    result = CliRunner().invoke(cli, ["run", str(project), "-o", str(tmp_path / "pack")])
    assert result.exit_code == 0, result.output
    with (tmp_path / "pack" / "suitability.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["district_id"] for r in rows] == ["[-1, 1]", "[0, 2]", "[1, 3]", "[2, 4]"]
    from test_maps import render_args

    feats = render_args((tmp_path / "pack" / "map.html").read_text(encoding="utf-8"))[0]["districts"]["feats"]
    assert ["meta", '{"k": 2}'] in [row for f in feats for row in f["rows"]]


# --------------------------------------------------------------------------- 4. non-Latin city names


def test_city_folders_keep_their_script():
    assert slug("Велико Търново") == "велико-търново" and slug("Йоаново") == "йоаново"
    assert slug("Θεσσαλονίκη") == "θεσσαλονίκη" and slug("الرباط") == "الرباط"
    assert slug("Sant Cugat del Vallès") == "sant-cugat-del-valles" and slug("Straße") == "straße"
    assert len({slug(n) for n in ["Добрич", "Варна", "Бургас", "Русе", "Шумен", "Силистра"]}) == 6


def test_cities_sharing_a_folder_are_named(tmp_path: Path):
    (tmp_path / "cities.csv").write_text("city\nSofia\nSofía\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"'Sofia' and 'Sofía' would share the folder sofia/"):
        read_cities(tmp_path / "cities.csv")
    (tmp_path / "cities.csv").write_text("city\nВарна\nВарна\n", encoding="utf-8")
    with pytest.raises(InputError, match="every city needs a name of its own"):
        read_cities(tmp_path / "cities.csv")


# ------------------------------------------------------------------------------- 9. paths with ~


def test_tilde_works_for_every_path_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    home = tmp_path / "home"
    (home / "data").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    _squares(home / "data" / "d.geojson")
    (home / "data" / "s.csv").write_text("id,lat,lon\n1,42.605,23.305\n")
    (home / "data" / "cat.yaml").write_text("solutions:\n  sauna_heat: {sector: energy, label: Sauna, radius_m: 300}\n")
    (home / "data" / "words.yaml").write_text('map.legend: "Моята легенда"\n', encoding="utf-8")
    folder = tmp_path / "project"
    folder.mkdir()
    body = {
        "catalogue": "~/data/cat.yaml",
        "districts": {"path": "~/data/d.geojson", "id": "nm"},
        "solutions": [{"path": "~/data/s.csv", "solution": "rooftop_pv"}],
        "map": {"language": "bg", "translations": ["~/data/words.yaml"]},
    }
    project = load_project(_project(folder, body))
    assert project.messages("map.legend") == "Моята легенда" and "sauna_heat" in project.catalogue.solutions
    assert load_inputs(project).ok


# ------------------------------------------------------------------------- 6. Windows-1251 CSV


def test_cyrillic_csv_in_windows_1251_is_read_in_its_code_page(tmp_path: Path):
    lines = ["id,name,kind,geo"] + [f'{i},Община Добрич {i},слънчева,"42.605,23.3{i % 4}5"' for i in range(60)]
    (tmp_path / "plants.csv").write_bytes("\n".join(lines).encode("cp1251"))
    with pytest.warns(UserWarning, match=r"not UTF-8, read as cp1251, the code page its letters fit"):
        loaded = read_solutions(
            tmp_path / "plants.csv", solution="rooftop_pv", coordinates="geo", coordinate_order="lat,lon", name="name"
        )
    assert len(loaded.gdf) == 60 and loaded.gdf["name"].iloc[3] == "Община Добрич 3"
    assert loaded.gdf["kind"].eq("слънчева").all()


def test_latin_csv_not_in_utf8_stays_windows_1252(tmp_path: Path):
    (tmp_path / "s.csv").write_bytes("id,name,lat,lon\n1,Logroño,42.46,-2.44\n2,Cádiz,36.5,-6.3\n".encode("cp1252"))
    with pytest.warns(UserWarning, match=r"read as Windows-1252 \(cp1252\)"):
        loaded = read_solutions(tmp_path / "s.csv", solution="rooftop_pv", name="name")
    assert loaded.gdf["name"].tolist() == ["Logroño", "Cádiz"]


# ------------------------------------------------------------------ 10. limits from the machine


def test_pair_limit_follows_the_machine():
    from scmap.core._limits import PAIR_BYTES, available_memory, pairs_problem

    assert available_memory() > 0
    assert pairs_problem(7_700_000, None, available=8 * 10**9) is None  # the 100k benchmark: 1.2 GB of 8
    refused = pairs_problem(40_000_000, None, available=8 * 10**9)
    assert refused is not None and f"{40_000_000 * PAIR_BYTES / 1e9:,.1f} GB" in refused and "8.0 GB" in refused
    assert "minutes" in refused and "limits.max_pairs" in refused
    assert pairs_problem(10, 5) is not None and pairs_problem(5, 5) is None  # an explicit cap is a count


def test_the_100k_benchmark_region_passes_the_default_pair_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The benchmark's 100 000 solutions give ~11 million candidates: refused by the old fixed cap
    of 5 million, accepted on a machine with 4 GB available (counted here without running them)."""
    import importlib
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    bench_scale = importlib.import_module("bench_scale")
    project = bench_scale.region(tmp_path, 100_000, 400)
    overlap_module = importlib.import_module("scmap.analysis.overlap")
    seen: list[int] = []

    def count_then_stop(candidates: int, max_pairs: int | None, source: object = None) -> None:
        seen.append(candidates)
        assert max_pairs is None and pairs_problem(candidates, None, available=4 * 10**9) is None
        raise KeyboardInterrupt

    from scmap.core._limits import pairs_problem

    monkeypatch.setattr(importlib.import_module("scmap.analysis._pairs"), "_check_pairs", count_then_stop)
    with pytest.raises(KeyboardInterrupt):
        overlap_module.overlap_project(load_inputs(load_project(project)))
    assert seen and seen[0] > 5_000_000


# ----------------------------------------------------------------------- 7. filters and joins


def test_filter_language_hand_checked():
    from scmap.sources._derive import DeriveError, where_mask

    t = pd.DataFrame({"kind": ["Solar ", "wind", None, "solar"], "mw": [12, 3.5, 40, "n/a"], "code": [1.0, 2, 3, 4]})
    assert where_mask(t, "kind = 'SOLAR'").tolist() == [True, False, False, True]
    assert where_mask(t, "kind != 'solar'").tolist() == [False, True, False, False]  # missing is neither
    assert where_mask(t, "mw >= 12 or code in (2, '4')").tolist() == [True, True, True, True]
    assert where_mask(t, "not (mw > 10) and (mw * 2 < 100)").tolist() == [False, True, False, False]
    assert where_mask(t, "kind = 'O''Neil'").tolist() == [False] * 4
    for bad, why in [
        ("kind", "a filter is a condition"),
        ("kind > 'a'", "text is compared with = or !="),
        ("__import__('os')", "no column '__import__'"),
        ("kind = 'solar'; drop", 'unexpected ";"'),
        ("(" * 60 + "mw > 1" + ")" * 60, "nested deeper than 50"),
    ]:
        with pytest.raises(DeriveError, match=why):
            where_mask(t, bad)


def _national(tmp_path: Path) -> Path:
    """A province-like project as a new user would get it: municipalities with codes only, a names
    table keyed by code (with leading zeros), plants of three kinds in one latitude-first column."""
    features = []
    for i in range(4):
        x = 27.0 + i * 0.1
        ring = [[x, 43.0], [x + 0.1, 43.0], [x + 0.1, 43.1], [x, 43.1], [x, 43.0]]
        features.append({"type": "Feature", "properties": {"obshtina": f"0{i + 1}"},
                         "geometry": {"type": "Polygon", "coordinates": [ring]}})  # fmt: skip
    (tmp_path / "municipalities.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    pd.DataFrame({"code": [1, 2, 3, 4], "име": ["Добрич", "Балчик", "Каварна", "Шабла"]}).to_csv(
        tmp_path / "names.csv", index=False
    )
    rows = [("solar", 0.05), ("solar", 0.06), ("wind", 0.15), ("solar", 0.25), ("hydro", 0.35), ("solar", 0.36)]
    plants = pd.DataFrame(
        {"id": range(1, 7), "вид": [k for k, _ in rows], "geo": [f"43.05,{27.0 + dx:.2f}" for _, dx in rows]}
    )
    plants.to_csv(tmp_path / "plants.csv", index=False)
    body = {
        "districts": {
            "path": "municipalities.geojson",
            "id": "obshtina",
            "name": "име",
            "join": {"path": "names.csv", "on": "obshtina", "key": "code"},
        },
        "solutions": [
            {
                "path": "plants.csv",
                "coordinates": "geo",
                "coordinate_order": "lat,lon",
                "where": "вид = 'solar'",
                "solution": "rooftop_pv",
                "id": "id",
            },
            {
                "path": "plants.csv",
                "coordinates": "geo",
                "coordinate_order": "lat,lon",
                "where": "вид != 'solar'",
                "solution": "district_heating",
                "id": "id",
                "id_prefix": "other",
            },
        ],
        "suitability": {
            "models": {
                "rooftop_pv": {
                    "criteria": {"pv": {"count_of": "solutions", "solution": "rooftop_pv", "better": "higher"}},
                    "weights": {"pv": 1},
                }
            }
        },
    }
    return _project(tmp_path, body)


def test_national_project_filter_join_and_count_of_one_type(tmp_path: Path):
    project = _national(tmp_path)
    inputs = load_inputs(load_project(project))
    assert inputs.ok, [e for s in inputs.sources for e in s.errors]
    assert inputs.districts.gdf["district_name"].tolist() == ["Добрич", "Балчик", "Каварна", "Шабла"]
    solutions = inputs.solutions
    assert sorted(solutions["solution_id"]) == ["1", "2", "4", "6", "other:3", "other:5"]
    rejected = inputs.rejected
    assert len(rejected) == 6 and set(rejected["field"]) == {"where"}  # each row used once, left out once
    assert rejected.loc[rejected["row"] == 3, "reason"].tolist() == ["left out by where: вид = 'solar'"]
    from scmap.analysis.suitability import suitability_project

    units = suitability_project(inputs).units.set_index("district_id")
    scores = units["rooftop_pv_score"]
    assert (
        scores["01"] == pytest.approx(1.0) and scores["02"] == pytest.approx(0.0) and scores["03"] == pytest.approx(0.5)
    )


def test_national_project_from_the_command_line(tmp_path: Path):
    project = _national(tmp_path)
    runner = CliRunner()
    result = runner.invoke(cli, ["validate", str(project)])
    assert result.exit_code == 0, result.output
    assert "6 rows, 4 loaded, 0 rejected, 2 left out by where:" in result.stdout
    assert "rows rejected" not in result.stdout  # rows a filter leaves out are not problems
    result = runner.invoke(cli, ["run", str(project), "-o", str(tmp_path / "pack")])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "pack" / "rejected.csv")
    assert len(table) == 6 and table["reason"].str.startswith("left out by where:").all()


def test_join_problems_are_named(tmp_path: Path):
    project = _national(tmp_path)
    spec = yaml.safe_load(project.read_text())
    spec["districts"]["join"]["key"] = "kod"
    project.write_text(yaml.safe_dump(spec, allow_unicode=True))
    assert "districts.join.0.key: no column 'kod' in the table; columns: code, име" in _errors(project)
    pd.DataFrame({"code": [1, 1, 3], "име": ["a", "b", "c"]}).to_csv(tmp_path / "names.csv", index=False)
    spec["districts"]["join"]["key"] = "code"
    project.write_text(yaml.safe_dump(spec, allow_unicode=True))
    assert "'code' repeats values (1): one row per key" in _errors(project)
    pd.DataFrame({"code": [1, 2], "име": ["a", "b"]}).to_csv(tmp_path / "names.csv", index=False)
    report = validate_project(load_project(project))
    assert any("2 of 4 rows have no match in the table (obshtina 3, 4)" in w for w in report.sources[0].warnings)


def test_a_filter_that_keeps_nothing_says_so(tmp_path: Path):
    project = _national(tmp_path)
    spec = yaml.safe_load(project.read_text())
    spec["solutions"][0]["where"] = "вид = 'solr'"
    project.write_text(yaml.safe_dump(spec, allow_unicode=True))
    assert "where: вид = 'solr' leaves none of its 6 rows" in _errors(project)
    spec["solutions"][0]["where"] = "kind = 'solar'"
    project.write_text(yaml.safe_dump(spec, allow_unicode=True))
    assert "solutions.0.where: \"kind = 'solar'\": no column 'kind'; columns: id, вид, geo" in _errors(project)


def test_join_from_a_spreadsheet(tmp_path: Path):
    import pyogrio

    project = _national(tmp_path)
    names = gpd.GeoDataFrame({"code": ["1", "2", "3", "4"], "име": ["Д", "Б", "К", "Ш"]}, geometry=[None] * 4)
    with pytest.warns(UserWarning, match="'crs' was not provided"):  # a spreadsheet has none
        pyogrio.write_dataframe(names, tmp_path / "names.xlsx", driver="XLSX")
    spec = yaml.safe_load(project.read_text())
    spec["districts"]["join"]["path"] = "names.xlsx"
    project.write_text(yaml.safe_dump(spec, allow_unicode=True))
    inputs = load_inputs(load_project(project))
    assert inputs.districts.gdf["district_name"].tolist() == ["Д", "Б", "К", "Ш"]


# ------------------------------------------------------------ 8. a network's scores on one scale


def _city(folder: Path, name: str, people: list[int]) -> tuple[Path, Path]:
    """A city of squares with a population each, and one charger in the first square."""
    districts = _squares(folder / f"{name}.geojson", n=len(people))
    data = json.loads(districts.read_text())
    for feature, n in zip(data["features"], people, strict=True):
        feature["properties"] = {"nm": feature["properties"]["nm"], "people": n}
    districts.write_text(json.dumps(data))
    chargers = folder / f"{name}.csv"
    chargers.write_text("ref,lon,lat\nc1,23.305,42.605\n")
    return districts, chargers


def _network(tmp_path: Path, *extra: str) -> Path:
    template = {
        "name": "Charging network",
        "districts": {"path": "x", "id": "nm"},
        "solutions": [{"path": "x", "id": "ref", "solution": "ev_charging"}],
        "suitability": {"models": {"ev_charging": {"criteria": {"people": {"attribute": "people", "better": "higher"}},
                                                   "weights": {"people": 1}}}},
        "map": {"basemap": "none"},
    }  # fmt: skip
    (tmp_path / "template.yaml").write_text(yaml.safe_dump(template))
    rows = ["city,districts,solutions"]
    for name, people in (("Small", [0, 10]), ("Large", [0, 100])):
        districts, chargers = _city(tmp_path, name, people)
        rows.append(f"{name},{districts},{chargers}")
    (tmp_path / "cities.csv").write_text("\n".join(rows) + "\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["batch", str(tmp_path / "template.yaml"), str(tmp_path / "cities.csv"),
                                      "-o", str(out), *extra])  # fmt: skip
    assert result.exit_code == 0, result.output
    return out / "network"


def test_batch_scores_every_city_on_the_networks_scale(tmp_path: Path):
    network = _network(tmp_path)
    comparison = pd.read_csv(network / "comparison.csv").set_index("city")
    # city view: each city's best district scores 1; network: 10 people of 100 score 0.1
    assert comparison["ev_charging_mean_score_city"].tolist() == [0.5, 0.5]
    assert comparison["ev_charging_mean_score"].to_dict() == pytest.approx({"Small": 0.05, "Large": 0.5})
    assert comparison["ev_charging_suitable_units"].to_dict() == {"Small": 0, "Large": 1}
    demand = pd.read_csv(network / "demand.csv").set_index("solution")
    row = demand.loc["ev_charging"]
    assert (row["suitable_units"], row["suitable_units_city"], row["suitable_threshold"]) == (1, 2, 0.6)
    assert row["standardised"] == "network"
    by_city = pd.read_csv(network / "demand_by_city.csv").set_index(["city", "unit_id"])
    assert by_city.loc[("Small", "d1"), ["score", "score_city"]].tolist() == pytest.approx([0.1, 1.0])


def test_batch_can_keep_each_citys_own_scale(tmp_path: Path):
    network = _network(tmp_path, "--standardise", "city")
    comparison = pd.read_csv(network / "comparison.csv").set_index("city")
    assert comparison["ev_charging_mean_score"].tolist() == [0.5, 0.5]
    assert comparison["ev_charging_standardised"].tolist() == ["city", "city"]


def test_the_networks_scale_of_one_city_is_its_own_scale():
    """Re-scoring a city alone over the network gives its own scores, for every model of the demo
    (fuzzy and min-max criteria, AHP and direct weights, constraints)."""
    from scmap import demo_project_path
    from scmap.outputs.network import network_scores
    from scmap.pipeline.batch import _scoring
    from scmap.pipeline.results import run

    results = run(load_project(demo_project_path()))
    scoring = _scoring(results)
    assert set(scoring) == set(results.suitability.models)
    for model, m in results.suitability.models.items():
        scores = network_scores([{"city": "Sofia", "scoring": scoring}], model)
        assert scores is not None
        assert scores["Sofia"] == pytest.approx(m.score, nan_ok=True, abs=1e-12)


# ------------------------------------------------------------ 11. smaller things seen


def test_an_unknown_icon_name_is_an_error_with_the_nearest_maki_names(tmp_path: Path):
    from scmap.errors import ProjectError

    _squares(tmp_path / "d.geojson")
    (tmp_path / "s.csv").write_text("id,lon,lat\nw1,23.305,42.605\n")
    wind = {"sector": "energy", "label": "Wind turbine", "radius_m": 500, "symbol": "wind-turbine"}
    (tmp_path / "cat.yaml").write_text(yaml.safe_dump({"solutions": {"wind": wind}}))
    body = {"districts": {"path": "d.geojson", "id": "nm"}, "catalogue": "cat.yaml"}
    project = _project(tmp_path, {**body, "solutions": [{"path": "s.csv", "solution": "wind"}]})
    with pytest.raises(ProjectError, match=r"solutions.wind.symbol: 'wind-turbine' is not a Maki icon.*windmill"):
        load_project(project)


def test_atlas_names_keep_clear_of_the_scale_bar():
    """A city of squares that fills the page: no district name is printed over the scale bar."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import shapely

    from scmap.core.i18n import load_messages
    from scmap.outputs.atlas import _labels, _scale_bar

    squares = [shapely.box(x * 500, y * 500, (x + 1) * 500, (y + 1) * 500) for x in range(12) for y in range(8)]
    names = [f"District number {i}" for i in range(len(squares))]
    districts = gpd.GeoDataFrame({"district_name": names}, geometry=squares, crs=25830)
    fig = plt.figure(figsize=(11.7, 8.3))
    ax = fig.add_axes((0.02, 0.07, 0.96, 0.83))
    ax.set_axis_off()
    districts.plot(ax=ax, color="#f2f2f2", edgecolor="#555555")
    bar = _scale_bar(ax, districts.total_bounds, load_messages("en"))
    _labels(ax, districts, [bar])
    renderer = fig.canvas.get_renderer()
    clear = bar.get_window_extent(renderer)
    placed = [t.get_window_extent(renderer) for t in ax.texts]
    plt.close(fig)
    assert len(placed) > 10  # names were placed, just not on the bar
    assert not any(box.overlaps(clear) for box in placed)


@pytest.fixture(scope="module")
def catalan_map(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from scmap import demo_project_path
    from scmap.pipeline.results import run
    from scmap.project.load import with_map

    out = tmp_path_factory.mktemp("ca") / "pack"
    run(with_map(load_project(demo_project_path()), language="ca")).save(out)
    return out / "map.html"


@pytest.mark.browser
@pytest.mark.parametrize("name", ["Lyulin", "Novi Iskar", "Pancharevo"])
def test_a_district_found_by_search_opens_its_whole_popup_clear_of_the_controls(browser, catalan_map: Path, name):
    from _browser import open_html

    page = open_html(browser, catalan_map, offline=True).page
    page.evaluate(
        """name => { const i = document.querySelector('.scmap-search input'); i.value = name;
        i.dispatchEvent(new Event('change')); }""",
        name,
    )
    page.wait_for_selector(".leaflet-popup")
    where, last = "document.querySelector('.leaflet-popup-content-wrapper').getBoundingClientRect().top", None
    for _ in range(20):  # until the popup's pan has ended (its position read twice the same)
        page.wait_for_timeout(250)
        now = page.evaluate(where)
        if now == last:
            break
        last = now
    box = page.evaluate(
        """() => { const r = e => document.querySelector(e).getBoundingClientRect();
        const p = r('.leaflet-popup-content-wrapper'), m = r('.leaflet-container');
        return { popup: [p.left, p.top, p.right, p.bottom], map: [m.left, m.top, m.right, m.bottom],
                 title: r('.scmap-title').bottom, column: r('.leaflet-top.leaflet-left').right,
                 name: document.querySelector('.leaflet-popup .scmap-popup-title').textContent }; }"""
    )
    left, top, right, bottom = box["popup"]
    assert box["name"] == name
    assert top >= box["map"][1] and bottom <= box["map"][3] and right <= box["map"][2]  # the whole popup
    assert top >= box["title"] and left >= box["column"]  # not under the title or the left controls


@pytest.mark.browser
def test_sketch_shapes_are_whole_symbols_with_their_words(browser, catalan_map: Path):
    from _browser import open_html

    page = open_html(browser, catalan_map, offline=True).page
    shapes = page.evaluate(
        """() => Array.from(document.querySelectorAll('.scmap-sketch-shapes a')).map(a =>
        [a.textContent, a.title, a.scrollWidth <= a.clientWidth, a.getAttribute('aria-checked')])"""
    )
    assert [s[0] for s in shapes] == ["\u2022", "\u2571", "\u25b1"]
    assert [s[1].split(": ")[-1] for s in shapes] == ["punt", "línia", "àrea"]  # the word, in the room's language
    assert all(s[2] for s in shapes) and [s[3] for s in shapes] == ["true", "false", "false"]
    page.locator(".scmap-shape-area").click()
    assert page.evaluate("window.scmap._registry.sketchState().shape") == "area"


@pytest.mark.browser
def test_weights_labels_break_between_words(browser, tmp_path: Path):
    """German criterion names (long compound words) in the weights panel: no word split over two lines."""
    from _browser import open_html
    from scmap import demo_project_path
    from scmap.pipeline.results import run

    data = demo_project_path().parent
    text = demo_project_path().read_text(encoding="utf-8").replace("path: ", f"path: {data}/")
    text = text.replace("{attribute: population, per_km2: true,", "{label: Bevölkerungsdichte der Stadtteile, "
                        "attribute: population, per_km2: true,")  # fmt: skip
    text = text.replace("{distance_to: metro,", "{label: U-Bahn-Erreichbarkeit, distance_to: metro,")
    (tmp_path / "project.yaml").write_text(text.replace("language: en", "language: de"), encoding="utf-8")
    run(load_project(tmp_path / "project.yaml")).save(tmp_path / "pack")
    page = open_html(browser, tmp_path / "pack" / "map.html", offline=True).page
    page.evaluate("document.querySelector('.scmap-weights-toggle').click()")
    broken = page.evaluate(
        """() => { const out = [], names = [];
        document.querySelectorAll('.scmap-weights-name').forEach(e => {
          const node = e.firstChild; if (!node || node.nodeType !== 3) { return; }
          const text = node.textContent; let at = 0; names.push(text);
          text.split(/(\\s+|(?<=-))/).forEach(word => {  // a line may break after a hyphen
            if (word.trim()) { const r = document.createRange(); r.setStart(node, at); r.setEnd(node, at + word.length);
              if (r.getClientRects().length > 1) { out.push(word); } }
            at += word.length; }); });
        return [out, names]; }"""
    )
    assert "Bevölkerungsdichte der Stadtteile" in broken[1] and "U-Bahn-Erreichbarkeit" in broken[1]
    assert broken[0] == []


@pytest.mark.browser
def test_cluster_rings_go_compact_under_a_colouring(browser, realdata: Path, tmp_path: Path):
    from _browser import open_html
    from scmap.pipeline.results import run

    b = realdata / "barcelona"
    project = _project(tmp_path, {
        "districts": {"path": str(b / "barris_geo.json"), "id": "C_Barri", "name": "N_Barri"},
        "solutions": [{"path": str(b / "08019_stations.geojson"), "solution": "bike_sharing", "id": "id"}],
        "suitability": {"models": {"bike_sharing": {"criteria": {"stations": {"count_of": "solutions",
                                                                              "better": "higher"}},
                                                    "weights": {"stations": 1}}}},
        "map": {"basemap": "none"},
    })  # fmt: skip
    with pytest.warns(ScmapWarning, match="outside every district"):  # one station is across the city line
        run(load_project(project)).save(tmp_path / "pack")
    page = open_html(browser, tmp_path / "pack" / "map.html", offline=True).page
    size = (
        "() => Array.from(document.querySelectorAll('.scmap-cluster-ring')).map(e => e.getBoundingClientRect().width)"
    )
    plain = page.evaluate(size)
    assert len(plain) > 10 and min(plain) > 25  # many rings, with their counts, while no colouring is shown
    page.evaluate(
        """() => { const m = window.scmap.map, g = Object.values(window.scmap._registry.choropleths)[0]; g.addTo(m);
        m.fire('baselayerchange', {layer: g}); }"""
    )
    compact = page.evaluate(size)
    assert compact and max(compact) <= 16  # small dots that leave the colouring and its labels readable
    assert page.evaluate("getComputedStyle(document.querySelector('.scmap-cluster-count')).visibility") == "hidden"
