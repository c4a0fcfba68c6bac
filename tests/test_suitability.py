"""Suitability: published AHP examples, hand-computed scores, invariants, sensitivity, CLI = Python."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.stats import spearmanr

from scmap import ahp_weights, load_inputs, load_project
from scmap.analysis.suitability import aggregate, grid_units, h3_units, make_units, suitability, suitability_project
from scmap.analysis.suitability.weights import direct_weights
from scmap.cli.main import cli
from scmap.errors import InputError, ProjectError
from scmap.project.datasets import copy_demo
from scmap.project.spec import ModelSpec, SensitivitySpec

CRS = "EPSG:32634"


def _matrix(names: list[str], pairs: dict[tuple[str, str], float]) -> list[list[float]]:
    idx = {n: i for i, n in enumerate(names)}
    m = np.ones((len(names), len(names)))
    for (a, b), v in pairs.items():
        m[idx[a], idx[b]] = v
        m[idx[b], idx[a]] = 1 / v
    return m.tolist()


def test_ahp_saaty_2008_drinks_example():
    """Saaty (2008), 'Decision making with the analytic hierarchy process', Int. J. Services
    Sciences 1(1): relative consumption of drinks in the US; published priorities and CR 0.022."""
    names = ["coffee", "wine", "tea", "beer", "soda", "milk", "water"]
    pairs = {
        ("coffee", "wine"): 9,
        ("coffee", "tea"): 5,
        ("coffee", "beer"): 2,
        ("coffee", "soda"): 1,
        ("coffee", "milk"): 1,
        ("water", "coffee"): 2,
        ("water", "wine"): 9,
        ("water", "tea"): 9,
        ("water", "beer"): 3,
        ("water", "soda"): 2,
        ("water", "milk"): 3,
        ("tea", "wine"): 3,
        ("beer", "wine"): 9,
        ("beer", "tea"): 3,
        ("beer", "milk"): 1,
        ("soda", "wine"): 9,
        ("soda", "tea"): 4,
        ("soda", "beer"): 2,
        ("soda", "milk"): 2,
        ("milk", "wine"): 9,
        ("milk", "tea"): 3,
    }
    w, cr = ahp_weights(_matrix(names, pairs))
    published = {
        "coffee": 0.177,
        "wine": 0.019,
        "tea": 0.042,
        "beer": 0.116,
        "soda": 0.190,
        "milk": 0.129,
        "water": 0.327,
    }
    assert dict(zip(names, np.round(w, 3).tolist(), strict=True)) == published
    assert round(cr, 3) == 0.022


def test_ahp_saaty_2005_choosing_a_city_hierarchy():
    """Saaty (2005), Theory and Applications of the ANP: where to live; published global priorities."""
    crit = ["Culture", "Family", "Housing", "Jobs", "Transportation"]
    cities = ["Bethesda", "Boston", "Pittsburgh", "Santa Fe"]
    w_crit, cr = ahp_weights(
        _matrix(
            crit,
            {
                ("Culture", "Housing"): 3,
                ("Culture", "Transportation"): 5,
                ("Family", "Culture"): 5,
                ("Family", "Housing"): 7,
                ("Family", "Transportation"): 7,
                ("Housing", "Transportation"): 3,
                ("Jobs", "Culture"): 2,
                ("Jobs", "Housing"): 4,
                ("Jobs", "Transportation"): 7,
                ("Family", "Jobs"): 1,
            },
        )
    )
    assert cr < 0.1
    local = {
        "Culture": {
            ("Bethesda", "Pittsburgh"): 1,
            ("Boston", "Bethesda"): 2,
            ("Boston", "Pittsburgh"): 2.5,
            ("Boston", "Santa Fe"): 1,
            ("Santa Fe", "Bethesda"): 2,
            ("Santa Fe", "Pittsburgh"): 2.5,
        },
        "Family": {
            ("Bethesda", "Boston"): 2,
            ("Bethesda", "Santa Fe"): 4,
            ("Boston", "Santa Fe"): 2,
            ("Pittsburgh", "Bethesda"): 3,
            ("Pittsburgh", "Boston"): 8,
            ("Pittsburgh", "Santa Fe"): 9,
        },
        "Housing": {
            ("Bethesda", "Boston"): 5,
            ("Bethesda", "Santa Fe"): 2.5,
            ("Pittsburgh", "Bethesda"): 2,
            ("Pittsburgh", "Boston"): 9,
            ("Pittsburgh", "Santa Fe"): 7,
            ("Santa Fe", "Boston"): 4,
        },
        "Jobs": {
            ("Bethesda", "Pittsburgh"): 3,
            ("Bethesda", "Santa Fe"): 4,
            ("Boston", "Bethesda"): 2,
            ("Boston", "Pittsburgh"): 6,
            ("Boston", "Santa Fe"): 8,
            ("Pittsburgh", "Santa Fe"): 1,
        },
        "Transportation": {
            ("Bethesda", "Boston"): 1.5,
            ("Bethesda", "Santa Fe"): 4,
            ("Boston", "Santa Fe"): 2.5,
            ("Pittsburgh", "Bethesda"): 2,
            ("Pittsburgh", "Boston"): 3.5,
            ("Pittsburgh", "Santa Fe"): 9,
        },
    }
    total = np.zeros(len(cities))
    for wc, c in zip(w_crit, crit, strict=True):
        total += wc * ahp_weights(_matrix(cities, local[c]))[0]
    assert dict(zip(cities, np.round(total, 3).tolist(), strict=True)) == {
        "Bethesda": 0.229,
        "Boston": 0.275,
        "Pittsburgh": 0.385,
        "Santa Fe": 0.111,
    }


def test_ahp_rejects_bad_matrices():
    with pytest.raises(InputError, match="not reciprocal"):
        ahp_weights([[1, 3], [3, 1]])
    with pytest.raises(InputError, match="square"):
        ahp_weights([[1, 3, 2], [1 / 3, 1, 1]])
    with pytest.raises(InputError, match="positive"):
        ahp_weights([[1, -3], [-1 / 3, 1]])
    w, _ = ahp_weights([["1", "1/3"], ["3", "1"]])
    assert w.tolist() == pytest.approx([0.25, 0.75])


# ---------------------------------------------------------------- a hand-computable project


@pytest.fixture
def districts(grid_districts) -> gpd.GeoDataFrame:
    """D1 (690000, 4725000) .. D4, 1 km squares; D1, D2 south; D3, D4 north; populations 100..400."""
    d = grid_districts.assign(district_id=grid_districts["code"], district_name=grid_districts["label"])
    d["landuse"] = ["industrial", "residential", "residential", "mixed"]
    d["noise"] = [np.nan, 55.0, 60.0, 70.0]
    return d


@pytest.fixture
def layers() -> dict[str, gpd.GeoDataFrame]:
    metro = gpd.GeoDataFrame(geometry=[shapely.Point(690500, 4725500)], crs=CRS)  # centre of D1
    stops = gpd.GeoDataFrame(
        geometry=[shapely.Point(691100, 4726100), shapely.Point(691900, 4726900), shapely.Point(690100, 4726100)],
        crs=CRS,
    )  # two in D4, one in D3
    parks = gpd.GeoDataFrame(geometry=[shapely.box(691400, 4725400, 691600, 4725600)], crs=CRS)  # D2's centre
    heat = gpd.GeoDataFrame(geometry=[shapely.box(690000, 4726000, 690500, 4727000)], crs=CRS)  # west half of D3
    return {"metro": metro, "stops": stops, "parks": parks, "heat": heat}


def model(criteria: dict, **extra) -> ModelSpec:
    return ModelSpec.model_validate({"criteria": criteria, **extra})


def score(districts, layers, criteria, **extra) -> pd.DataFrame:
    units = make_units(districts)
    res = suitability(units, {"ev_charging": model(criteria, **extra)}, districts=districts, layers=layers)
    return res.units.set_index("unit_id")


def test_coverage_of_lines_needs_a_radius(districts, layers):
    """Streets (Barcelona's 30 km/h zones are lines) cover no area: without radius_m every unit
    would score 0, so the criterion is refused; with it, the area within that distance counts."""
    street = shapely.LineString([(690000, 4725500), (692000, 4725500)])  # across D1 and D2
    lines = {**layers, "zones30": gpd.GeoDataFrame(geometry=[street], crs=CRS)}
    with pytest.raises(InputError, match=r"criteria.calm: coverage_of: layer 'zones30' holds lines, which cover no "):
        score(districts, lines, {"calm": {"coverage_of": "zones30"}})
    u = score(districts, lines, {"calm": {"coverage_of": "zones30", "radius_m": 50}})
    assert u["ev_charging__calm__raw"].notna().all()
    with pytest.raises(InputError, match=r"criteria.in_stop: inside: layer 'stops' holds points, which have no inside"):
        score(districts, lines, {"in_stop": {"inside": "stops", "exclude": True}, "calm": {"count_of": "stops"}})
    strip = 1000 * 100 / 1e6  # a 100 m band across each 1 km square (round caps beyond the squares)
    assert u["ev_charging__calm__raw"].tolist() == pytest.approx([strip, strip, 0, 0], rel=0.01)


def test_validate_finds_a_coverage_of_points_before_the_run(tmp_path: Path):
    project = copy_demo(tmp_path / "p")
    spec = yaml.safe_load(project.read_text(encoding="utf-8"))
    criteria = spec["suitability"]["models"]["ev_charging"]["criteria"]
    criteria["stops"], criteria["no_parks"] = {"coverage_of": "trams"}, {"inside": "trams", "exclude": True}  # points
    project.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(project)])
    assert result.exit_code == 1, result.output
    assert "[ERROR] layer trams" in result.stdout
    found = "suitability.models.ev_charging.criteria.stops: coverage_of: layer 'trams' holds points"
    assert found in result.stdout
    assert "criteria.no_parks: inside: layer 'trams' holds points, which have no inside" in result.stdout


def test_wlc_by_hand(districts, layers):
    u = score(
        districts,
        layers,
        {
            "density": {"attribute": "population", "per_km2": True, "better": "higher"},
            "metro": {"distance_to": "metro", "fuzzy": [0, 1500]},
        },
        weights={"density": 3, "metro": 1},
    )
    density = np.array([0, 1 / 3, 2 / 3, 1])  # 100..400 per km2, min-max
    metro = np.array([1, 1 - 1000 / 1500, 1 - 1000 / 1500, 1 - math.hypot(1000, 1000) / 1500])
    expected = 0.75 * density + 0.25 * metro
    assert u["ev_charging_score"].tolist() == pytest.approx(expected.tolist())
    assert u["ev_charging_rank"].tolist() == [4, 3, 2, 1]
    assert u["ev_charging__metro__raw"].tolist() == pytest.approx([0, 1000, 1000, math.hypot(1000, 1000)])
    assert u["ev_charging__density__contrib"].tolist() == pytest.approx((0.75 * density).tolist())
    contribs = u[["ev_charging__density__contrib", "ev_charging__metro__contrib"]].sum(axis=1)
    assert contribs.tolist() == pytest.approx(u["ev_charging_score"].tolist())  # WLC: contributions add up


def test_constraints_exclude_and_minmax_over_remaining(districts, layers):
    u = score(
        districts,
        layers,
        {
            "density": {"attribute": "population", "per_km2": True},
            "no_parks": {"inside": "parks", "exclude": True},
            "big_enough": {"attribute": "population", "min": 150, "exclude": True},
        },
    )
    assert u["ev_charging_excluded"].tolist() == [True, True, False, False]
    assert u["ev_charging_why"].tolist() == ["excluded by big_enough", "excluded by no_parks", "", ""]
    assert np.isnan(u.loc[["D1", "D2"], "ev_charging_score"]).all()
    assert u.loc[["D3", "D4"], "ev_charging_score"].tolist() == [0.0, 1.0]  # min-max over D3, D4 only
    assert u["ev_charging_rank"].tolist()[2:] == [2, 1]
    assert u["ev_charging_rank"].isna().tolist() == [True, True, False, False]


def test_count_coverage_inside_and_other_standardisations(districts, layers):
    u = score(
        districts,
        layers,
        {
            "stops": {"count_of": "stops"},
            "heat": {"coverage_of": "heat"},
            "heat_near": {"coverage_of": "heat", "radius_m": 500, "better": "higher"},
            "metro_sig": {"distance_to": "metro", "sigmoid": {"mid": 1000, "scale": -200}},
            "use": {"attribute": "landuse", "categories": {"residential": 1.0, "mixed": 0.5}, "default": 0.1},
            "size": {"attribute": "population", "breaks": [150, 350], "scores": [0.0, 0.5, 1.0]},
            "in_park": {"inside": "parks"},
        },
    )
    assert u["ev_charging__stops__raw"].tolist() == [0, 0, 1, 2]
    assert u["ev_charging__stops__std"].tolist() == pytest.approx([0, 0, 0.5, 1])
    assert u["ev_charging__heat__raw"].tolist() == pytest.approx([0, 0, 0.5, 0])
    # heat zone buffered by 500 m: D1 gets the strip 4725500-4726000 x 690000-690500 plus a quarter
    # circle of radius 500 m; D3 is fully covered; D4 the strip 691000-691000 is touched only by corners
    covered_d1 = (500 * 500 + math.pi * 500**2 / 4) / 1e6
    assert u.loc["D1", "ev_charging__heat_near__raw"] == pytest.approx(covered_d1, rel=0.002)
    assert u.loc["D3", "ev_charging__heat_near__raw"] == pytest.approx(1.0)
    assert u["ev_charging__metro_sig__std"].tolist() == pytest.approx(
        [1 / (1 + math.exp(-(d - 1000) / -200)) for d in (0, 1000, 1000, math.hypot(1000, 1000))]
    )
    assert u["ev_charging__use__std"].tolist() == [0.1, 1.0, 1.0, 0.5]
    assert u["ev_charging__size__std"].tolist() == [0.0, 0.5, 0.5, 1.0]
    assert u["ev_charging__in_park__raw"].tolist() == [0, 1, 0, 0]


def test_product_and_owa_by_hand(districts, layers):
    crit = {
        "density": {"attribute": "population", "per_km2": True},
        "metro": {"distance_to": "metro", "fuzzy": [0, 1500]},
    }
    density = np.array([0, 1 / 3, 2 / 3, 1])
    metro = np.array([1, 1 / 3, 1 / 3, 1 - math.hypot(1000, 1000) / 1500])
    prod = score(districts, layers, crit, weights={"density": 3, "metro": 1}, aggregation="product")
    assert prod["ev_charging_score"].tolist() == pytest.approx((density**0.75 * metro**0.25).tolist())
    best = score(districts, layers, crit, aggregation="owa", owa=[1, 0])  # equal weights: OWA [1, 0] = max
    assert best["ev_charging_score"].tolist() == pytest.approx(np.maximum(density, metro).tolist())
    worst = score(districts, layers, crit, aggregation="owa", owa=[0, 1])  # ... and [0, 1] = min
    assert worst["ev_charging_score"].tolist() == pytest.approx(np.minimum(density, metro).tolist())
    mean = score(districts, layers, crit, aggregation="owa", owa=[1, 1])
    assert mean["ev_charging_score"].tolist() == pytest.approx(((density + metro) / 2).tolist())


def test_rank_order_and_ahp_weights_in_a_model(districts, layers):
    crit = {
        "density": {"attribute": "population", "per_km2": True},
        "metro": {"distance_to": "metro", "fuzzy": [0, 1500]},
    }
    u = score(districts, layers, crit, rank=["metro", "density"])
    density = np.array([0, 1 / 3, 2 / 3, 1])
    metro = np.array([1, 1 / 3, 1 / 3, 1 - math.hypot(1000, 1000) / 1500])
    assert u["ev_charging_score"].tolist() == pytest.approx((0.75 * metro + 0.25 * density).tolist())
    u = score(districts, layers, crit, ahp={"order": ["density", "metro"], "matrix": [[1, 3], ["1/3", 1]]})
    assert u["ev_charging_score"].tolist() == pytest.approx((0.75 * density + 0.25 * metro).tolist())


def test_inconsistent_ahp_is_an_error_naming_the_key(districts, layers):
    crit = {"a": {"attribute": "population"}, "b": {"distance_to": "metro"}, "c": {"count_of": "stops"}}
    matrix = [[1, 9, "1/9"], ["1/9", 1, 9], [9, "1/9", 1]]  # a >> b >> c >> a
    # checked when the model is read (so `scmap validate` says it), not only when scoring
    with pytest.raises(ValueError, match=r"ahp\n.*consistency ratio \d\.\d+ > 0.1"):
        score(districts, layers, crit, ahp={"order": ["a", "b", "c"], "matrix": matrix})
    u = score(districts, layers, crit, ahp={"order": ["a", "b", "c"], "matrix": matrix, "allow_inconsistent": True})
    assert u["ev_charging_score"].notna().all()


def test_missing_values_policy(districts, layers):
    crit = {"noise": {"attribute": "noise", "better": "lower"}}
    with pytest.raises(InputError, match=r"criteria.noise: 1 units have no value \(attribute noise\): D1; set missing"):
        score(districts, layers, crit)
    dropped = score(districts, layers, {"noise": {**crit["noise"], "missing": "drop"}})
    assert dropped["ev_charging_excluded"].tolist() == [True, False, False, False]
    assert dropped.loc["D1", "ev_charging_why"] == "no value for noise"
    assert dropped["ev_charging_score"].tolist()[1:] == pytest.approx([1.0, 1 - 5 / 15, 0.0])
    filled = score(districts, layers, {"noise": {**crit["noise"], "missing": "fill", "fill": 85}})
    assert filled["ev_charging_score"].tolist() == pytest.approx([0.0, 1.0, 1 - 5 / 30, 1 - 15 / 30])


def test_bad_weights_and_references_are_project_errors(tmp_path: Path):
    project = copy_demo(tmp_path / "p")
    original = project.read_text()
    for change, message in [
        (
            lambda m: m.update(weights={"pop_density": -1, "metro_access": 1, "stops": 1}),
            "weights.pop_density: Input should be greater than or equal to 0",
        ),
        (
            lambda m: m.update(weights={"pop_density": float("nan"), "metro_access": 1, "stops": 1}),
            "weights.pop_density: Input should be a finite number",
        ),
        (lambda m: m.update(weights={"pop_density": 1, "metro_access": 1}), "criteria without a weight: ['stops']"),
        (lambda m: m["criteria"].update(x={"distance_to": "metro", "count_of": "trams"}), "exactly one of"),
        (lambda m: m["criteria"].update(x={"attribute": "population", "fuzzy": [1, 1]}), "two different values"),
    ]:
        data = yaml.safe_load(original)
        change(data["suitability"]["models"]["ev_charging"])
        project.write_text(yaml.safe_dump(data))
        with pytest.raises(ProjectError, match=message.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(")):
            load_project(project)
    data = yaml.safe_load(original)
    data["suitability"]["models"]["ev_charging"]["criteria"]["pop_density"]["attribute"] = "inhabitants"
    project.write_text(yaml.safe_dump(data))
    report = load_inputs(load_project(project))
    assert "criteria.pop_density.attribute: no column 'inhabitants' in the districts" in report.sources[0].errors[0]


# ---------------------------------------------------------------- invariants


unit_values = arrays(np.float64, st.tuples(st.integers(2, 12), st.integers(1, 5)), elements=st.floats(0, 1))
weights_st = st.lists(st.floats(0.01, 10), min_size=5, max_size=5)


@settings(max_examples=80, deadline=None)
@given(unit_values, weights_st, st.sampled_from(["wlc", "product"]), st.floats(0.1, 1000))
def test_scores_in_unit_interval_and_scale_invariant(x, w, method, factor):
    """Weights as a project writes them (any positive scale) go through scmap's own reading of
    them: scores stay in [0, 1] and multiplying every weight by one factor changes nothing (this
    fails if the weights were not normalised)."""
    names = [f"c{j}" for j in range(x.shape[1])]
    written = dict(zip(names, w, strict=False))
    s = aggregate(x, direct_weights(written, names), method)
    assert ((s >= -1e-12) & (s <= 1 + 1e-12)).all()
    scaled = {k: v * factor for k, v in written.items()}
    assert aggregate(x, direct_weights(scaled, names), method) == pytest.approx(s, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    arrays(np.float64, st.tuples(st.integers(3, 10), st.just(3)), elements=st.floats(0, 1000)),
    st.lists(st.floats(0.1, 5), min_size=3, max_size=3),
    st.sampled_from(["wlc", "product"]),
)
def test_dominating_unit_never_ranks_below(grid_values, w, aggregation):
    """Units are grid cells whose attributes are random; a unit at least as good on every
    criterion never gets a worse rank."""
    n = len(grid_values)
    cells = [shapely.box(i * 100, 0, i * 100 + 100, 100) for i in range(n)]
    districts = gpd.GeoDataFrame(
        {
            "district_id": [f"u{i}" for i in range(n)],
            "a": grid_values[:, 0],
            "b": grid_values[:, 1],
            "c": grid_values[:, 2],
        },
        geometry=cells,
        crs=CRS,
    )
    spec = model(
        {
            "a": {"attribute": "a"},
            "b": {"attribute": "b", "better": "lower"},
            "c": {"attribute": "c", "sigmoid": {"mid": 500, "scale": 100}},
        },
        weights=dict(zip("abc", w, strict=True)),
        aggregation=aggregation,
    )
    res = suitability(make_units(districts), {"ev_charging": spec}, districts=districts)
    score_, rank = res.units["ev_charging_score"].to_numpy(), res.units["ev_charging_rank"].to_numpy()
    assert ((score_ >= 0) & (score_ <= 1)).all()
    a, b, c = grid_values[:, 0], grid_values[:, 1], grid_values[:, 2]
    for i in range(n):
        for j in range(n):
            if a[i] >= a[j] and b[i] <= b[j] and c[i] >= c[j]:
                assert score_[i] >= score_[j] - 1e-12
                assert rank[i] <= rank[j]


# ---------------------------------------------------------------- units, sensitivity, project


def test_grid_and_h3_units_tile_the_districts(districts):
    for units in (grid_units(districts, 300), h3_units(districts, 9)):
        assert units["district_id"].isin(districts["district_id"]).all()
        assert units["unit_id"].is_unique
        per_district = units.groupby("district_id")["area_m2"].sum()
        assert per_district.tolist() == pytest.approx([1e6] * 4)
        assert units.geometry.is_valid.all()


def test_sensitivity_bounds_and_determinism(districts, layers):
    units = make_units(districts)
    spec = model(
        {
            "density": {"attribute": "population", "per_km2": True},
            "metro": {"distance_to": "metro", "fuzzy": [0, 1500]},
            "stops": {"count_of": "stops"},
        },
        weights={"density": 3, "metro": 1, "stops": 1},
    )  # no ties
    sens = SensitivitySpec(runs=300, spread=0.5, seed=7, top_k=2, sweep=[-0.5, 0.5])
    a = suitability(units, {"ev_charging": spec}, districts=districts, layers=layers, sensitivity=sens)
    b = suitability(units, {"ev_charging": spec}, districts=districts, layers=layers, sensitivity=sens)
    pd.testing.assert_frame_equal(a.sensitivity, b.sensitivity)
    mc = a.sensitivity
    assert ((mc["rank_min"] <= mc["rank"]) & (mc["rank"] <= mc["rank_max"])).all()
    assert mc["rank_min"].min() >= 1 and mc["rank_max"].max() <= 4
    assert mc["p_top2"].between(0, 1).all()
    assert len(a.oat) == 3 * 2
    still = suitability(
        units,
        {"ev_charging": spec},
        districts=districts,
        layers=layers,
        sensitivity=SensitivitySpec(runs=50, spread=0.001, seed=1, top_k=2),
    )
    assert (still.sensitivity["rank_min"] == still.sensitivity["rank_max"]).all()
    c = suitability(
        units,
        {"ev_charging": spec},
        districts=districts,
        layers=layers,
        sensitivity=SensitivitySpec(runs=300, spread=0.5, seed=8, top_k=2, sweep=[-0.5, 0.5]),
    )
    assert not c.sensitivity["rank_mean"].equals(mc["rank_mean"]) or (mc["rank_min"] == mc["rank_max"]).all()


def test_demo_weight_sets_and_cli_equals_python(tmp_path: Path):
    project = copy_demo(tmp_path / "p")
    out = tmp_path / "s.gpkg"
    result = CliRunner().invoke(cli, ["suitability", str(project), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "ev_charging: 24 units scored" in result.stderr
    from_cli = gpd.read_file(out, layer="suitability")
    python = suitability_project(load_inputs(load_project(project)))
    cols = [
        "unit_id",
        "ev_charging_score",
        "ev_charging_rank",
        "ev_charging_excluded",
        "district_heating_score",
        "ev_charging_score__mobility_team",
        "ev_charging_p_top5",
    ]
    pd.testing.assert_frame_equal(from_cli[cols], pd.DataFrame(python.units[cols]), check_dtype=False)
    sets = gpd.read_file(out, layer="weight_sets")
    assert set(sets["weight_set"]) == {"mobility_team", "residents"}
    assert sets["spearman_vs_main"].between(-1, 1).all()
    weights = gpd.read_file(out, layer="weights")
    team = weights[weights["weight_set"] == "mobility_team"]
    assert (team["method"] == "ahp").all() and team["consistency_ratio"].iloc[0] < 0.1
    assert weights.groupby(["solution", "weight_set"])["weight"].sum().tolist() == pytest.approx([1.0] * 4)
    csv = tmp_path / "s.csv"
    assert CliRunner().invoke(cli, ["suitability", str(project), "-o", str(csv)]).exit_code == 0
    assert pd.read_csv(csv)["ev_charging_score"].tolist() == pytest.approx(python.units["ev_charging_score"].tolist())


def test_district_and_grid_units_agree_on_the_demo(tmp_path: Path):
    project_file = copy_demo(tmp_path / "p")
    by_district = suitability_project(load_inputs(load_project(project_file)))
    data = yaml.safe_load(project_file.read_text())
    data["suitability"]["units"] = {"grid_m": 500}
    data["suitability"].pop("sensitivity")
    project_file.write_text(yaml.safe_dump(data))
    by_grid = suitability_project(load_inputs(load_project(project_file)))
    rolled = by_grid.districts.set_index("district_id")
    direct = by_district.units.set_index("unit_id")
    for key in ("ev_charging", "district_heating"):
        rho = spearmanr(direct[f"{key}_score"], rolled.loc[direct.index, f"{key}_mean"]).statistic
        print(f"{key}: Spearman rank correlation of district scores vs mean grid-cell scores = {rho:.3f}")
        assert rho > 0.7
    assert rolled["area_m2"].sum() == pytest.approx(direct["area_m2"].sum())
    assert rolled["ev_charging_share_above"].between(0, 1).all()


def test_classes_quantiles_and_fixed_breaks(districts, layers):
    crit = {"density": {"attribute": "population", "per_km2": True}}
    quant = score(districts, layers, crit, classes={"method": "quantiles", "k": 4})
    assert quant["ev_charging_class"].tolist() == [1, 2, 3, 4]  # scores 0, 1/3, 2/3, 1
    fixed = score(districts, layers, crit, classes={"method": "fixed", "breaks": [0.5, 1.0]})
    assert fixed["ev_charging_class"].tolist() == [1, 1, 2, 2]
    jenks = score(districts, layers, crit, classes={"method": "natural_breaks", "k": 2})
    assert jenks["ev_charging_class"].tolist() == [1, 1, 2, 2]


def test_grid_scores_roll_up_to_districts_by_hand(districts, layers):
    """500 m cells take their district's density: every cell of a district scores like it."""
    cells = grid_units(districts, 500)
    assert len(cells) == 16
    spec = model({"density": {"attribute": "population", "per_km2": True}})
    res = suitability(cells, {"ev_charging": spec}, districts=districts, rollup_threshold=0.6)
    roll = res.districts.set_index("district_id")
    assert roll["n_units"].tolist() == [4, 4, 4, 4]
    assert roll["ev_charging_mean"].tolist() == pytest.approx([0, 1 / 3, 2 / 3, 1])
    assert roll["ev_charging_max"].tolist() == pytest.approx([0, 1 / 3, 2 / 3, 1])
    assert roll["ev_charging_share_above"].tolist() == pytest.approx([0, 0, 1, 1])
