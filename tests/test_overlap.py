"""Overlap analysis: analytic areas, hand-computed district figures, brute-force completeness."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from click.testing import CliRunner
from hypothesis import example, given, settings
from hypothesis import strategies as st

from scmap import load_inputs, load_project, overlap, read_districts, read_solutions
from scmap.analysis.overlap import overlap_project
from scmap.cli.main import cli
from scmap.core.catalogue import Rule
from scmap.errors import CatalogueError, InputError, OutsideWarning
from scmap.project.datasets import copy_demo

CRS = "EPSG:32634"


def solutions_at(rows: list[tuple[str, str, float, float]], radius: list[float] | None = None) -> gpd.GeoDataFrame:
    """rows of (id, solution type, x, y) in UTM 34N; sector from the built-in catalogue."""
    from scmap.core.catalogue import load_catalogue

    cat = load_catalogue()
    return gpd.GeoDataFrame(
        {
            "solution_id": [r[0] for r in rows],
            "name": [r[0] for r in rows],
            "sector": [cat.solutions[r[1]].sector for r in rows],
            "solution": [r[1] for r in rows],
            "status": "existing",
            "radius_m": radius if radius is not None else np.nan,
            "source": "test",
            "source_row": range(1, len(rows) + 1),
        },
        geometry=[shapely.Point(r[2], r[3]) for r in rows],
        crs=CRS,
    )


def lens_area(r: float, d: float) -> float:
    """Area shared by two circles of radius r, d apart (textbook formula)."""
    return 2 * r * r * math.acos(d / (2 * r)) - d / 2 * math.sqrt(4 * r * r - d * d)


def lens_general(d: float, r1: float, r2: float) -> float:
    """Circles of radii r1, r2: by numeric integration over x of the overlap's vertical extent."""
    if d >= r1 + r2:
        return 0.0
    if d <= abs(r1 - r2):
        return math.pi * min(r1, r2) ** 2
    xs = np.linspace(max(-r1, d - r2), min(r1, d + r2), 200_001)
    h = np.minimum(np.sqrt(np.clip(r1**2 - xs**2, 0, None)), np.sqrt(np.clip(r2**2 - (xs - d) ** 2, 0, None)))
    return float(np.trapezoid(2 * h, xs))


@pytest.mark.parametrize(("r", "d"), [(300.0, 100.0), (300.0, 450.0), (120.0, 10.0), (500.0, 990.0)])
def test_two_circles_overlap_equals_lens_area(grid_districts, r: float, d: float):
    sols = solutions_at(
        [("a", "ev_charging", 690500, 4725500), ("b", "bike_sharing", 690500 + d, 4725500)], radius=[r, r]
    )
    result = overlap(sols, grid_districts.assign(district_id=grid_districts["code"]))
    assert len(result.pairs) == 1
    pair = result.pairs.iloc[0]
    assert (pair["a_id"], pair["b_id"]) == ("a", "b")
    assert pair["overlap_m2"] == pytest.approx(lens_area(r, d), rel=0.005)
    assert pair["a_share"] == pytest.approx(lens_area(r, d) / (math.pi * r * r), rel=0.005)


def test_touching_or_apart_circles_are_not_pairs(grid_districts):
    sols = solutions_at(
        [
            ("a", "ev_charging", 690000, 4725000),
            ("b", "ev_charging", 690200, 4725000),
            ("c", "ev_charging", 695000, 4725000),
        ],
        radius=[100, 100, 100],
    )
    assert overlap(sols, grid_districts.assign(district_id=grid_districts["code"])).pairs.empty


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 3000), st.floats(0, 3000), st.floats(20, 600)), min_size=0, max_size=14))
def test_pairs_complete_and_symmetric_against_brute_force(points):
    districts = gpd.GeoDataFrame({"district_id": ["all"]}, geometry=[shapely.box(-1000, -1000, 4000, 4000)], crs=CRS)
    rows = [(f"s{i}", "ev_charging", x, y) for i, (x, y, _) in enumerate(points)]
    sols = solutions_at(rows, radius=[r for _, _, r in points]) if rows else solutions_at([]).iloc[0:0]
    pairs = overlap(sols, districts).pairs
    got = {
        frozenset((a, b)): area for a, b, area in zip(pairs["a_id"], pairs["b_id"], pairs["overlap_m2"], strict=True)
    }
    assert len(got) == len(pairs)  # each unordered pair once
    expected = {}
    for i, (xi, yi, ri) in enumerate(points):  # brute force over every pair, exact circle geometry
        for j in range(i + 1, len(points)):
            xj, yj, rj = points[j]
            area = lens_general(math.hypot(xi - xj, yi - yj), ri, rj)
            if area > 1e-6:
                expected[frozenset((f"s{i}", f"s{j}"))] = area
    assert set(got) == set(expected)
    for key, area in expected.items():
        assert got[key] == pytest.approx(area, rel=1e-5, abs=1e-6)


@pytest.mark.filterwarnings("ignore::scmap.errors.ScmapWarning")
@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(0, 2000),
            st.floats(0, 2000),
            st.floats(30, 400),
            st.sampled_from(["ev_charging", "rooftop_pv", "public_wifi"]),
        ),
        min_size=1,
        max_size=30,
    ),
    st.integers(1, 5),
)
@example([(500, 500, 200, "ev_charging"), (700, 500, 200, "rooftop_pv"), (1800, 1800, 100, "public_wifi")], 1)
@example([(300, 300, 250, "ev_charging"), (500, 300, 250, "rooftop_pv"), (400, 450, 250, "public_wifi")], 2)
def test_coverage_and_multi_sector_area_equal_plain_shapely(points, chunk_size):
    """Groups united once, cut per chunk, arranged only where sectors meet: the same areas as
    uniting each sector's circles and clipping to each district, whatever the chunking."""
    districts = gpd.GeoDataFrame(
        {"district_id": [f"d{i}{j}" for i in range(3) for j in range(3)]},
        geometry=[shapely.box(i * 700, j * 700, (i + 1) * 700, (j + 1) * 700) for i in range(3) for j in range(3)],
        crs=CRS,
    )
    sols = solutions_at([(f"s{k}", kind, x, y) for k, (x, y, _, kind) in enumerate(points)], [p[2] for p in points])
    got = overlap(sols, districts, chunk_size=chunk_size).districts.set_index("district_id")
    circles = shapely.buffer(shapely.points([(x, y) for x, y, _, _ in points]), [p[2] for p in points], quad_segs=16)
    unions = {s: shapely.union_all(circles[(sols["sector"] == s).to_numpy()]) for s in sorted(set(sols["sector"]))}
    meet = shapely.union_all(
        [shapely.intersection(a, b) for i, a in enumerate(unions.values()) for b in list(unions.values())[i + 1 :]]
    )
    for district, box in zip(districts["district_id"], districts.geometry, strict=True):
        for sector, union in unions.items():
            want = shapely.area(shapely.intersection(union, box)) / box.area
            assert got.loc[district, f"covered_{sector}"] == pytest.approx(want, rel=1e-9, abs=1e-12)
        want_multi = shapely.area(shapely.intersection(meet, box)) / box.area
        assert got.loc[district, "covered_multi"] == pytest.approx(want_multi, rel=1e-9, abs=1e-9)


def test_a_group_larger_than_a_batch_is_united_in_parts_with_the_same_served_area():
    """A sector's areas chained into one group of 600 (a dense city) are united in parts of at
    most 50, run as separate items, then united: the same pieces, sectors and served area as
    uniting the group at once; smaller groups and lone areas are as they were."""
    from scmap.analysis._coverage import in_process, united

    chain = shapely.buffer(shapely.points(np.c_[np.arange(600) * 150.0, np.zeros(600)]), 100, quad_segs=16)
    pair = shapely.buffer(shapely.points([(0, 5000), (120, 5000)]), 100, quad_segs=16)
    lone = shapely.buffer(shapely.points([(0, 9000)]), 100, quad_segs=16)
    geoms = np.array([*chain, *pair, *lone], dtype=object)
    sector = np.array([0] * 600 + [1, 1, 2])
    label = np.array([0] * 600 + [1, 1, 2])
    seen: list[int] = []

    def recording(fn, items):
        seen.extend(len(geoms_of_item) for geoms_of_item, _ in items)
        return in_process(fn, items)

    parts, parts_sector = united(geoms, sector, label, recording, batch=50)
    whole, whole_sector = united(geoms, sector, label, in_process, batch=10**6)
    assert len(seen) >= 12 and max(seen) <= 50  # the chain ran as parts of at most 50 areas
    assert parts_sector.tolist() == whole_sector.tolist() == [2, 0, 1]  # lone areas first, then by group
    assert len(parts) == len(whole) == 3
    for got, want in zip(parts, whole, strict=True):
        assert shapely.area(shapely.symmetric_difference(got, want)) <= 1e-9 * shapely.area(want)
    assert shapely.area(parts[1]) == pytest.approx(shapely.area(shapely.union_all(chain)), rel=1e-12)
    assert shapely.get_num_geometries(parts[1]) == 1  # one piece, no seams where the parts met


def test_district_figures_by_hand(grid_districts):
    districts = grid_districts.assign(district_id=grid_districts["code"], district_name=grid_districts["label"])
    sols = solutions_at(
        [
            ("pv", "rooftop_pv", 691000, 4726000),  # the corner shared by all four squares
            ("bike", "bike_sharing", 690500, 4725500),  # centre of D1
            ("wifi", "public_wifi", 690600, 4725500),
        ],  # inside the bike circle
        radius=[100, 400, 100],
    )
    r = overlap(sols, districts, population="population")
    d = r.districts.set_index("district_id")
    assert d["n_energy"].tolist() == [1, 0, 0, 0]  # a point on a shared corner is counted once
    assert d["n_mobility"].tolist() == [1, 0, 0, 0]
    assert d["n_sectors"].tolist() == [3, 0, 0, 0]
    quarter = math.pi * 100**2 / 4 / 1e6
    assert d["covered_energy"].tolist() == pytest.approx([quarter] * 4, rel=0.003)
    assert d.loc["D1", "covered_mobility"] == pytest.approx(math.pi * 400**2 / 1e6, rel=0.003)
    assert d.loc["D1", "covered_multi"] == pytest.approx(math.pi * 100**2 / 1e6, rel=0.003)
    assert d.loc["D1", "diversity"] == pytest.approx(math.log(3))
    assert d.loc["D1", "evenness"] == pytest.approx(1.0)
    assert r.hotspots[["n_sectors", "sectors"]].values.tolist() == [[2, "mobility,ict"]]
    assert r.hotspots["area_m2"].iloc[0] == pytest.approx(math.pi * 100**2, rel=0.003)
    gaps = r.gaps.set_index(["district_id", "sector"])
    assert gaps.loc[("D1", "mobility"), "uncovered_population"] == pytest.approx(
        100 * (1 - math.pi * 400**2 / 1e6), rel=0.003
    )
    assert gaps.loc[("D4", "mobility"), "uncovered_share"] == pytest.approx(1.0)
    # worst served: most people outside service areas on average over sectors -> D4 (400 people)
    assert d["gap_rank"].idxmin() == "D4"


def test_rules_type_sector_and_symmetric(grid_districts):
    districts = grid_districts.assign(district_id=grid_districts["code"])
    sols = solutions_at(
        [
            ("ev", "ev_charging", 690100, 4725100),
            ("pv1", "rooftop_pv", 690300, 4725100),
            ("pv2", "rooftop_pv", 690400, 4725100),
            ("hub1", "mobility_island", 690500, 4725500),
            ("hub2", "mobility_island", 690600, 4725500),
            ("aq", "air_quality_sensor", 690120, 4725100),
        ]
    )
    extra = Rule(a="sector:ict", b="ev_charging", relation="synergy", within_m=30, note="sensor on a charger")
    rel = overlap(sols, districts, rules=[extra]).relations
    by_rule = {rule: sorted(zip(g["a_id"], g["b_id"], g["distance_m"], strict=True)) for rule, g in rel.groupby("rule")}
    assert by_rule["ev_charging ~ rooftop_pv synergy within 250 m"] == [("ev", "pv1", pytest.approx(200.0))]
    assert by_rule["mobility_island ~ mobility_island conflict within 300 m"] == [
        ("hub1", "hub2", pytest.approx(100.0))
    ]
    assert by_rule["sector:ict ~ ev_charging synergy within 30 m"] == [("aq", "ev", pytest.approx(20.0))]
    assert set(rel["relation"]) == {"synergy", "conflict"}
    assert rel.geometry.length.tolist() == pytest.approx(rel["distance_m"].tolist())


def test_duplicates_and_outside_are_reported_not_dropped(grid_districts):
    districts = grid_districts.assign(district_id=grid_districts["code"])
    sols = solutions_at(
        [
            ("a", "ev_charging", 690100, 4725100),
            ("b", "ev_charging", 690100, 4725100),
            ("c", "bike_sharing", 690100, 4725100),
            ("far", "ev_charging", 699000, 4725100),
        ]
    )
    with pytest.warns(UserWarning, match="solution") as record:
        r = overlap(sols, districts)
    text = " ".join(str(w.message) for w in record)
    assert "1 solution repeats another of the same type at the same place (e.g. b = a)" in text
    assert "1 solution lies outside every district (e.g. far)" in text
    assert [w.message.count for w in record if isinstance(w.message, OutsideWarning)] == [1]  # for the CLI
    assert r.duplicates[["solution_id", "duplicate_of"]].values.tolist() == [["b", "a"]]
    assert r.outside["solution_id"].tolist() == ["far"]
    assert len(r.service_areas) == 4
    assert {frozenset(p) for p in zip(r.pairs["a_id"], r.pairs["b_id"], strict=True)} >= {frozenset(("a", "b"))}


def test_bad_inputs(grid_districts):
    districts = grid_districts.assign(district_id=grid_districts["code"])
    sols = solutions_at([("a", "ev_charging", 690100, 4725100)])
    with pytest.raises(InputError, match=r"overlap.radius_m.ev_charging: radius must be > 0 m"):
        overlap(sols, districts, radius_m={"ev_charging": 0})
    with pytest.raises(CatalogueError, match=r"overlap.radius_m.hovercraft: unknown solution type"):
        overlap(sols, districts, radius_m={"hovercraft": 10})
    with pytest.raises(InputError, match="must share one metric CRS"):
        overlap(sols.to_crs(4326), districts)
    with pytest.raises(InputError, match=r"overlap.population: no column 'people'"):
        overlap(sols, districts, population="people")
    tram = r"overlap.rules.0.a: unknown solution type 'tram'; allowed: solution types \(ev_charging"
    with pytest.raises(CatalogueError, match=tram):
        overlap(sols, districts, rules=[Rule(a="tram", b="ev_charging", relation="synergy", within_m=5)])


def test_cli_and_python_agree_and_layers_carry_contract_columns(tmp_path: Path):
    project = copy_demo(tmp_path / "p")
    out = tmp_path / "overlap.gpkg"
    result = CliRunner().invoke(cli, ["overlap", str(project), "-o", str(out)])
    assert result.exit_code == 0, result.output
    layers = [str(n) for n in pyogrio.list_layers(out)[:, 0]]
    assert {"pairs", "districts", "hotspots", "relations"} <= set(layers)
    pairs = gpd.read_file(out, layer="pairs")
    assert {"a_id", "b_id", "a_solution", "b_solution", "a_sector", "b_sector", "overlap_m2"} <= set(pairs.columns)
    districts = gpd.read_file(out, layer="districts")
    assert {
        "district_id",
        "n_energy",
        "n_mobility",
        "n_ict",
        "covered_energy",
        "covered_mobility",
        "covered_ict",
        "n_sectors",
    } <= set(districts.columns)
    hotspots = gpd.read_file(out, layer="hotspots")
    assert {"n_sectors", "sectors"} <= set(hotspots.columns)
    assert (hotspots["n_sectors"] >= 2).all()
    relations = gpd.read_file(out, layer="relations")
    assert {"a_id", "b_id", "relation", "rule", "distance_m"} <= set(relations.columns)
    assert set(relations["relation"]) == {"synergy", "conflict"}  # the demo places both on purpose
    python = overlap_project(load_inputs(load_project(project)))
    in_python = pd.DataFrame(python.pairs.drop(columns="geometry"))
    in_python = in_python.apply(lambda c: c.astype(str) if isinstance(c.dtype, pd.CategoricalDtype) else c)
    pd.testing.assert_frame_equal(pairs.drop(columns="geometry"), in_python, check_dtype=False)
    pd.testing.assert_frame_equal(
        districts.drop(columns="geometry"), pd.DataFrame(python.districts.drop(columns="geometry")), check_dtype=False
    )
    assert CliRunner().invoke(cli, ["overlap", str(project), "-o", str(tmp_path / "x.csv")]).exit_code == 2


@pytest.mark.realdata
def test_barcelona_counts_match_point_in_polygon(barcelona):
    barris, sols = barcelona
    with pytest.warns(UserWarning, match="outside every district|repeat another"):
        result = overlap(sols, barris)
    d = result.districts.set_index("district_id")
    polygons = list(barris.geometry)
    for sector in ("mobility", "ict"):
        pts = sols.loc[sols["sector"] == sector].geometry.representative_point()
        expected = np.zeros(len(polygons), dtype=int)
        for p in pts:  # independent: a plain loop, first district covering the point
            for k, poly in enumerate(polygons):
                if poly.intersects(p):
                    expected[k] += 1
                    break
        assert d[f"n_{sector}"].tolist() == expected.tolist()
    assert d["n_mobility"].sum() + d["n_ict"].sum() + len(result.outside) == len(sols)


@pytest.mark.realdata
def test_barcelona_connector_rows_are_exact_duplicates(realdata: Path):
    b = realdata / "barcelona"
    barris = read_districts(b / "barris_geo.json", id="C_Barri")
    ev = read_solutions(
        b / "08019_punts_recarrega_vehicles_electrics_bcn_ciutat.geojson", solution="ev_charging", to_crs=barris.gdf.crs
    ).gdf
    with pytest.warns(UserWarning, match="544 solutions repeat another of the same type at the same place"):
        result = overlap(ev, barris.gdf)
    assert len(result.duplicates) == 544
    assert len(result.service_areas) == 664


def test_no_solution_inside_any_district(grid_districts):
    districts = grid_districts.assign(district_id=grid_districts["code"])
    sols = solutions_at([("far1", "ev_charging", 600000, 4725100), ("far2", "public_wifi", 600100, 4725100)])
    with pytest.warns(UserWarning, match="2 solutions lie outside every district"):
        r = overlap(sols, districts)
    assert r.outside["solution_id"].tolist() == ["far1", "far2"]
    assert r.districts["n_solutions"].tolist() == [0, 0, 0, 0]
    assert r.districts["covered_mobility"].tolist() == [0, 0, 0, 0]


def test_getis_ord_finds_the_cluster(grid_districts):
    """About five solutions in each 200 m cell of the south-west 600 x 600 m of D1, a few scattered
    elsewhere: the cells in the middle of the cluster are hot, far cells are not significant."""
    districts = grid_districts.assign(district_id=grid_districts["code"])
    rng = np.random.default_rng(3)
    cluster = rng.uniform(5, 595, (45, 2))
    scattered = rng.uniform(700, 1995, (6, 2))
    rows = [(f"c{i}", "ev_charging", 690000 + x, 4725000 + y) for i, (x, y) in enumerate(cluster)]
    rows += [(f"s{i}", "public_wifi", 690000 + x, 4725000 + y) for i, (x, y) in enumerate(scattered)]
    sols = solutions_at(rows)
    spec = {"grid_m": 200, "permutations": 999, "seed": 11}
    a = overlap(sols, districts, getis_ord=spec).gi_star
    b = overlap(sols, districts, getis_ord=spec).gi_star
    pd.testing.assert_frame_equal(pd.DataFrame(a.drop(columns="geometry")), pd.DataFrame(b.drop(columns="geometry")))
    assert len(a) == 100
    assert a["n_solutions"].sum() == 51
    middle = a.loc[a["unit_id"] == "D1:1_1"].iloc[0]
    assert middle["n_solutions"] >= 3
    assert middle["gi_class"] == "hot"
    assert middle["gi_p"] < 0.05
    assert middle["gi_z"] > 2
    far = a.loc[a["unit_id"] == "D4:9_9"].iloc[0]
    assert far["gi_class"] != "hot"
    assert set(a["gi_class"]) <= {"hot", "cold", "not significant"}
    hot_cells = set(a.loc[a["gi_class"] == "hot", "unit_id"])
    assert hot_cells <= {f"D1:{c}_{r}" for c in range(5) for r in range(5)}  # only around the cluster


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(0, 400),
    radii=st.lists(st.floats(0.5, 5000.0, allow_nan=False), min_size=1, max_size=4),
    batch=st.sampled_from([7, 100_000]),
)
def test_circles_moved_from_one_template_are_the_buffers_bit_for_bit(seed: int, n: int, radii: list[float], batch: int):
    """Service areas of points sharing a radius are one template circle moved: the same WKB as
    GEOS's buffer of each point, among rows with their own radius, polygons, lines, empty and 3D
    points (which are buffered)."""
    from scmap.analysis.overlap import QUAD_SEGS, TEMPLATE_FROM, _buffered

    rng = np.random.default_rng(seed)
    geoms = shapely.points(rng.uniform(-1e6, 1e6, n), rng.uniform(-1e6, 1e6, n))
    radius = rng.choice(np.asarray(radii), n) if n else np.zeros(0)
    if n > 4:
        radius[:3] = rng.uniform(1.0, 50.0, 3)  # a row's own radius
        geoms[3] = shapely.box(0, 0, 30, 20)
        geoms[4] = shapely.Point()
    if n > 6:
        geoms[5], geoms[6] = shapely.Point(1, 2, 3), shapely.LineString([(0, 0), (40, 10)])
    moved, polygons = [], shapely.polygons
    with pytest.MonkeyPatch.context() as patch:  # count the circles drawn from the template
        patch.setattr(shapely, "polygons", lambda xy: moved.append(len(xy)) or polygons(xy))
        got = _buffered(geoms, radius, batch=batch)
    expected = shapely.buffer(geoms, radius, quad_segs=QUAD_SEGS)
    assert [shapely.to_wkb(g) for g in got] == [shapely.to_wkb(g) for g in expected]
    counts = np.unique(radius[7:], return_counts=True)[1] if n > 7 else np.zeros(0)
    assert sum(moved) >= int(counts[counts >= TEMPLATE_FROM].sum())  # those shared radii came from the template
