"""From lighthouse to follower: hand-computed matches, scale invariance, decisive indicators named,
a real lighthouse (València's Valenbisi) for a real follower (Barcelona's Bicing), the pack, and
its map in every language in Chromium."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from _browser import open_html
from scmap.cli.main import cli
from scmap.core._atomic import check_pack
from scmap.core.i18n import LANGUAGES, load_messages
from scmap.pipeline.match import MATCH_FILES, match, match_profiles, standardised


def _profiles(x: list[float], y: list[float], prefix: str) -> pd.DataFrame:
    return pd.DataFrame({"x": x, "y": y}, index=[f"{prefix}{i}" for i in range(len(x))])


def test_the_same_profile_as_a_reference_is_similarity_1_and_rank_1():
    lighthouse = standardised(_profiles([1, 2, 3, 4], [10, 40, 20, 30], "L"))
    follower = standardised(_profiles([10, 20, 30, 40], [100, 400, 200, 300], "F"))
    found = match_profiles(lighthouse.loc[["L2"]], follower)
    assert found.loc["F2", "similarity"] == pytest.approx(1.0) and found.loc["F2", "rank"] == 1
    assert (found.drop(index="F2")["similarity"] < 1).all() and found.loc["F2", "like_id"] == "L2"
    # F0 ranks (0, 0) against the reference's (2/3, 1/3): distance sqrt(4/9 + 1/9) of at most sqrt(2)
    assert found.loc["F0", "similarity"] == pytest.approx(1 - (5 / 9) ** 0.5 / 2**0.5)


def test_an_indicator_scaled_by_1000_in_both_cities_changes_nothing():
    base_l, base_f = _profiles([1, 2, 3, 4], [10, 40, 20, 30], "L"), _profiles([5, 1, 7, 2], [3, 9, 4, 1], "F")
    before = match_profiles(standardised(base_l).loc[["L1", "L3"]], standardised(base_f))
    scaled_l, scaled_f = base_l.assign(x=base_l["x"] * 1000), base_f.assign(x=base_f["x"] * 1000)
    after = match_profiles(standardised(scaled_l).loc[["L1", "L3"]], standardised(scaled_f))
    pd.testing.assert_frame_equal(before, after)


def test_the_explanation_names_the_decisive_indicators():
    # follower F1 ranks as the reference does in a, b and c, and at the other end in d
    lighthouse = pd.DataFrame({"a": [0, 1], "b": [0, 1], "c": [1, 0], "d": [0, 1]}, index=["L0", "L1"])
    follower = pd.DataFrame({"a": [0, 1], "b": [0, 1], "c": [1, 0], "d": [1, 0]}, index=["F0", "F1"])
    found = match_profiles(lighthouse.loc[["L1"]], follower)
    assert set(found.loc["F1", "alike"].split(", ")) == {"a", "b", "c"} and found.loc["F1", "differs"] == "d"
    assert found.loc["F1", "similarity"] == pytest.approx(1 - 1 / 2)  # one of four indicators apart: 1/sqrt(4)
    weighted = match_profiles(lighthouse.loc[["L1"]], follower, weights={"d": 0})
    assert weighted.loc["F1", "similarity"] == pytest.approx(1.0) and weighted.loc["F1", "differs"] != "d"


def _squares(path: Path, people: list[int], x0: float) -> None:
    features = [
        {"type": "Feature", "properties": {"code": f"D{i}", "name": f"District {i}", "people": n},
         "geometry": {"type": "Polygon", "coordinates": [[[x0 + i * 0.01, 42.6], [x0 + (i + 1) * 0.01, 42.6],
                                                          [x0 + (i + 1) * 0.01, 42.61], [x0 + i * 0.01, 42.61],
                                                          [x0 + i * 0.01, 42.6]]]}}
        for i, n in enumerate(people)
    ]  # fmt: skip
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")


def _city(folder: Path, name: str, people: list[int], stations: list[int], x0: float) -> Path:
    _squares(folder / f"{name}.geojson", people, x0)
    rows = [f"{name}{i},{x0 + i * 0.01 + 0.005:.4f},42.605" for i in stations]
    (folder / f"{name}.csv").write_text("ref,lon,lat\n" + "\n".join(rows) + "\n", encoding="utf-8")
    spec = {
        "name": name.capitalize(),
        "districts": {"path": f"{name}.geojson", "id": "code", "name": "name"},
        "solutions": [{"path": f"{name}.csv", "solution": "bike_sharing", "id": "ref"}],
        "overlap": {"population": "people"},
        "map": {"basemap": "none"},
    }
    (folder / f"{name}.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    return folder / f"{name}.yaml"


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("match")
    lighthouse = _city(folder, "lumen", [100, 4000, 900, 2500, 300], [1, 3], 23.30)  # stations in the densest
    follower = _city(folder, "sequi", [50, 700, 9000, 3000, 200, 1500], [5], 23.40)
    return lighthouse, follower


def test_projects_match_with_population_density_and_the_pack_is_complete(pair: tuple[Path, Path], tmp_path: Path):
    result = match(*pair)
    assert "population_density" in result.indicators and "centrality" in result.indicators
    table = result.matches.set_index("district_id")
    assert set(table["solution"]) == {"bike_sharing"} and (table["n_references"] == 2).all()
    assert table.loc["D5", "has_solution"] and not table.loc["D2", "has_solution"]
    densest = table["rank"].idxmin()
    assert densest in ("D2", "D3")  # the densest follower districts are most like the lighthouse's station districts
    out = result.save(tmp_path / "pack")
    manifest = check_pack(out)
    assert set(manifest["files"]) == set(MATCH_FILES) - {"candidates.csv"}  # none asked for
    csv = pd.read_csv(out / "matches.csv")
    assert {"solution", "district_id", "similarity", "rank", "like_name", "alike", "differs", "has_solution"} <= set(
        csv.columns
    )
    assert "<h2>" in (out / "report.html").read_text(encoding="utf-8")


def test_cli_match(pair: tuple[Path, Path], tmp_path: Path):
    result = CliRunner().invoke(cli, ["match", str(pair[0]), str(pair[1]), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "bike_sharing: most like Lumen's districts with it" in result.stderr
    bad = CliRunner().invoke(cli, ["match", str(pair[0]), str(pair[1]), "-o", str(tmp_path / "x"), "--indicator", "no"])
    assert bad.exit_code == 1 and "not measured in both cities" in bad.output and "Traceback" not in bad.output


def test_cli_match_says_each_citys_warnings_under_its_name(pair: tuple[Path, Path], tmp_path: Path):
    """A follower's station far outside its districts: said once, for its file, under the follower's line."""
    follower = _city(tmp_path, "remoto", [50, 700, 9000], [1], 23.40)
    with (tmp_path / "remoto.csv").open("a", encoding="utf-8") as fh:
        fh.write("far,24.75,42.15\n")
    result = CliRunner().invoke(cli, ["match", str(pair[0]), str(follower), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert lines[:3] == [
        f"running the lighthouse, {pair[0]}...",
        f"running the follower, {follower}...",
        f"Warning: {tmp_path / 'remoto.csv'}: 1 of 2 solutions lies outside every district (kept; the overlap "
        "layer 'outside' lists them): is this the right file for these districts?",
    ]
    assert result.stderr.count("outside every district") == 1


@pytest.mark.browser
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_match_map_colours_and_explains_in_every_language(browser, pair: tuple[Path, Path], tmp_path, language):
    from test_i18n import _english_left

    out = match(*pair, language=language).save(tmp_path / "pack")
    opened = open_html(browser, out / "map.html", offline=True)
    text = opened.page.evaluate(
        """() => { const m = window.scmap.map, g = Object.values(window.scmap._registry.choropleths)[0];
        g.addTo(m); m.fire('baselayerchange', {layer: g}); g.getLayers()[2].openPopup();
        return document.body.innerText; }"""
    )
    msg = load_messages(language)
    assert msg("match.similarity") in text and msg("match.alike") in text and msg("match.ind_centrality") in text
    assert opened.page.evaluate("document.documentElement.lang") == language
    if language != "en":
        data = ("Lumen", "Sequi", "District", "people")
        assert _english_left(text.splitlines(), language, data) == []
    assert opened.errors == [] and opened.unexpected == []


def test_valencia_lighthouse_for_barcelona_bike_sharing(realdata: Path, tmp_path: Path):
    v, b = realdata / "valencia", realdata / "barcelona"
    barrios = v / "division_administrativa_de_los_barrios_municipales.geojson"
    specs = {
        "valencia": {
            "name": "València",
            "districts": {"path": str(barrios), "id": "nombre", "name": "nombre"},
            "solutions": [
                {"path": str(v / "estaciones_de_valenbisi.geojson"), "solution": "bike_sharing", "id": "number"}
            ],
        },
        "barcelona": {
            "name": "Barcelona",
            "districts": {"path": str(b / "barris_geo.json"), "id": "C_Barri", "name": "N_Barri"},
            "solutions": [{"path": str(b / "08019_stations.geojson"), "solution": "bike_sharing", "id": "id"}],
        },
    }
    for name, spec in specs.items():
        (tmp_path / f"{name}.yaml").write_text(yaml.safe_dump({**spec, "map": {"basemap": "none"}}), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # one Bicing station lies across the city line
        result = match(tmp_path / "valencia.yaml", tmp_path / "barcelona.yaml")
    table = result.matches
    assert len(table) == 73 and table["similarity"].between(0, 1).all()
    # València's stations are in its dense, served districts: Barcelona's districts with Bicing rank above those without
    ranks = table.groupby("has_solution")["rank"].mean()
    assert ranks[True] < ranks[False]
    assert table["like_name"].notna().all() and table["alike"].str.len().gt(0).all()
    result.save(tmp_path / "pack")
    check_pack(tmp_path / "pack")


def test_candidate_sites_go_into_the_most_alike_districts_without_it(pair: tuple[Path, Path], tmp_path: Path):
    from scmap import read_solutions

    result = match(*pair, candidates=2)
    table = result.matches.set_index("district_id")
    expected = table.loc[~table["has_solution"]].sort_values("rank").index[:2].tolist()
    sites = result.candidates
    assert sites["district_id"].tolist() == expected and (sites["status"] == "candidate").all()
    assert (sites["name"] == "proposed from Lumen").all()
    for _, site in sites.iterrows():
        assert table.loc[site["district_id"], "geometry"].contains(site.geometry)  # inside its district
    out = result.save(tmp_path / "pack")
    loaded = read_solutions(out / "candidates.csv", id="solution_id").gdf
    assert len(loaded) == 2 and set(loaded["status"]) == {"candidate"} and set(loaded["solution"]) == {"bike_sharing"}
    assert "proposed from Lumen" in (out / "map.html").read_text(encoding="utf-8")  # drawn on the workshop map


def test_project_keys_choose_indicators_weights_and_profile_columns(pair: tuple[Path, Path], tmp_path: Path):
    lighthouse, follower = pair
    for path in pair:  # a district column of both cities joins the profile
        data = json.loads(path.with_suffix(".geojson").read_text())
        for i, feature in enumerate(data["features"]):
            feature["properties"]["built"] = [0.1, 0.9, 0.5, 0.7, 0.2, 0.3][i]
        path.with_suffix(".geojson").write_text(json.dumps(data))
    spec = yaml.safe_load(follower.read_text())
    spec["match"] = {"profile": ["built"], "indicators": ["built", "centrality"], "weights": {"centrality": 0}}
    own = tmp_path / "sequi.yaml"
    own.write_text(yaml.safe_dump(spec))
    for name in ("sequi.geojson", "sequi.csv"):
        (tmp_path / name).write_bytes((follower.parent / name).read_bytes())
    result = match(lighthouse, own)
    assert result.indicators == ["centrality", "built"] and result.used["bike_sharing"] == ["centrality", "built"]
    table = result.matches.set_index("district_id")
    assert set(table["alike"]) == {"built"} and set(table["differs"]) == {""}  # centrality weighs 0: explains nothing
    # a pack in place of the project file: the project its manifest names
    from scmap import load_project, run

    run(load_project(lighthouse)).save(tmp_path / "lumen-pack")
    again = match(tmp_path / "lumen-pack", own)
    pd.testing.assert_frame_equal(pd.DataFrame(again.matches), pd.DataFrame(result.matches))
