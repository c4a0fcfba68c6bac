"""The map's HTML: every data string escaped once, nothing executed while rendering."""

from __future__ import annotations

import base64
import json
import re
import zlib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Transformer

import scmap
from payloads import MARKER, PAYLOADS, payload_catalogue, payload_layers
from scmap import load_inputs, load_project, solution_map
from scmap.core._page import page_payload
from scmap.maps._grid import area_grid
from scmap.maps._hexes import hex_layout
from scmap.maps._safe import html_text, script_json
from scmap.maps._shapes import Shapes, decode, varints
from scmap.maps._texts import texts_of
from scmap.maps.layers import MapOptions, display_geoms
from scmap.project.datasets import demo_project_path

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=20,
)


@given(json_values)
def test_script_json_round_trips_and_is_inert(value):
    text = script_json(value)
    assert json.loads(text) == value
    for bad in ("<", ">", "&", "`", "$", "'", "{{", "{%", "{#"):
        assert bad not in text


@given(st.text())
def test_html_text_is_inert(value):
    text = html_text(value)
    for bad in ("<", ">", '"', "'", "{", "}", "`", "$"):
        assert bad not in text


def test_payloads_do_not_run_while_rendering(tmp_path: Path):
    MARKER.unlink(missing_ok=True)
    districts, solutions = payload_layers()
    fmap = solution_map(
        districts, solutions, catalogue=payload_catalogue(tmp_path), title=PAYLOADS[6], attribution=PAYLOADS[1]
    )
    out = tmp_path / "map.html"
    fmap.save(str(out))
    html = out.read_text()
    assert not MARKER.exists(), "a {{ }} payload was executed by Jinja while rendering"
    assert "LOOPLOOPLOOP" not in html
    # the only <script> tags are Leaflet's and the page's own; no data closes or opens one
    assert len(re.findall(r"<script", html)) == len(re.findall(r"</script>", html))
    assert "__pwned" in html  # the text is there ...
    assert "<script>window.__pwned" not in html  # ... but never as markup
    assert "<img" not in html
    assert "{{" not in html and "{%" not in html and "{#" not in html
    # also in Jupyter: the iframe srcdoc of _repr_html_ carries no live markup
    assert "__pwned = 1</script>" not in fmap._repr_html_()


def render_args(html: str) -> tuple[dict, dict]:
    """The payload and geometries the page hands to scmapRender, parsed as JSON."""
    payload = page_payload(html)  # the room's own reader of the data block
    shapes = re.search(r'<script type="application/json" id="scmap-data-\w+-shapes">', html).end()
    geometries, _ = json.JSONDecoder().raw_decode(html, shapes)
    geometries = {key: decode(g) for key, g in geometries.items()}  # compact streams, as the page decodes them
    for sector in payload["sectors"]:  # a sector of points: int32 pairs in base64, as the page decodes them
        if sector.get("xy"):
            xy = np.frombuffer(base64.b64decode(sector["xy"]["b64"]), dtype="<i4").reshape(-1, 2)
            geometries[f"sector:{sector['key']}"] = (xy / sector["xy"]["scale"]).tolist()
    payload["districts"] = _district_texts(payload["districts"])
    return payload, geometries


def _district_texts(d: dict) -> dict:
    """The districts' features as the page decodes them: positions into one table of texts."""
    texts = texts_of(d)
    feats = [
        {"tip": texts[c[0]], "title": texts[c[0]], "sub": texts[c[1]],
         "rows": [[texts[a], texts[b]] for a, b in zip(c[2::2], c[3::2], strict=True)]}
        for c in d["coded"]
    ]  # fmt: skip
    xy = np.cumsum(np.array(varints(d["label_at"]["b64"]), dtype=np.int64).reshape(-1, 2), axis=0)
    return {**d, "feats": feats, "label_at": (xy / d["label_at"]["scale"]).tolist()}


def test_demo_map_payload_counts():
    inputs = load_inputs(load_project(demo_project_path()))
    html = solution_map(inputs.districts.gdf, inputs.solutions, title="Sofia").get_root().render()
    payload, geometries = render_args(html)
    assert len(geometries["districts"]) == 24
    assert sum(len(v) for k, v in geometries.items() if k.startswith("sector:")) == 147
    counts = {s["key"]: s["count"] for s in payload["sectors"]}
    assert counts == inputs.solutions["sector"].value_counts().to_dict()
    first = payload["districts"]["feats"][0]
    assert first["title"] == "Sredets" and ["population", "30,000"] in first["rows"]
    # coordinates are EPSG:4326 with at most 6 decimals
    lon, lat = geometries["districts"][0]["coordinates"][0][0]
    assert 23 < lon < 24 and 42 < lat < 43
    assert len(str(lon).split(".")[-1]) <= 6
    # the points arrive in one int32 string per sector: within 1e-6 degree of where they are
    sols = inputs.solutions.to_crs(4326)
    for sector in (s for s in payload["sectors"] if s.get("xy")):
        part = sols.loc[sols["sector"] == sector["key"]]
        got = np.array(geometries[f"sector:{sector['key']}"])
        assert np.abs(got - np.column_stack([part.geometry.x, part.geometry.y])).max() <= 0.5e-6 + 1e-12


def _clustered(districts: gpd.GeoDataFrame, solutions: gpd.GeoDataFrame, **options) -> dict[str, bool]:
    page = solution_map(districts, solutions, basemap="none", options=MapOptions(**options)).get_root().render()
    return {s["key"]: s["cluster"] for s in render_args(page)[0]["sectors"]}


def test_a_sector_whose_icons_cover_each_other_at_first_is_clustered():
    """60 stations within 600 m of a 10 km city's centre: their median nearest neighbour is about
    40 m, 0.4 % of the first view's 10 km, so their icons pile up: clustered, as above
    ``cluster_limit``. Spread over the whole city, or fewer than 50, or turned off: not."""
    rng = np.random.default_rng(3)
    districts = gpd.GeoDataFrame(
        {"district_id": ["W", "E"], "district_name": ["West", "East"]},
        geometry=[shapely.box(0, 0, 5_000, 10_000), shapely.box(5_000, 0, 10_000, 10_000)],
        crs="EPSG:3857",
    )

    def stations(xy: np.ndarray, sector: str, solution: str) -> gpd.GeoDataFrame:
        ids = [f"{sector}{i}" for i in range(len(xy))]
        columns = {"solution_id": ids, "name": ids, "sector": sector, "solution": solution, "status": "existing"}
        return gpd.GeoDataFrame(columns, geometry=gpd.points_from_xy(*xy.T), crs="EPSG:3857")

    centre = 4_700 + rng.random((60, 2)) * 600
    spread = rng.random((60, 2)) * 10_000
    solutions = pd.concat([stations(centre, "mobility", "bike_sharing"), stations(spread, "ict", "public_wifi")])
    solutions = gpd.GeoDataFrame(solutions, crs="EPSG:3857")
    assert _clustered(districts, solutions) == {"mobility": True, "ict": False}
    assert _clustered(districts, solutions.iloc[10:]) == {"mobility": True, "ict": False}
    assert _clustered(districts, solutions.iloc[11:]) == {"mobility": False, "ict": False}  # 49 in the centre
    assert _clustered(districts, solutions, cluster_crowded=False) == {"mobility": False, "ict": False}
    assert _clustered(districts, solutions, cluster_limit=59) == {"mobility": True, "ict": True}
    inputs = load_inputs(load_project(demo_project_path()))  # the demo's sectors, about 2 % apart: icons
    assert not any(_clustered(inputs.districts.gdf, inputs.solutions).values())


def test_default_names_are_built_by_the_page_and_given_names_are_kept():
    inputs = load_inputs(load_project(demo_project_path()))
    sols = inputs.solutions.copy()
    labels = {"ev_charging": "EV charging"}
    mobility = sols.index[sols["solution"] == "ev_charging"]
    sols.loc[mobility, "name"] = labels["ev_charging"] + " " + sols.loc[mobility, "solution_id"].astype(str)
    sols.loc[mobility[0], "name"] = "Plaza charger"
    payload, _ = render_args(solution_map(inputs.districts.gdf, sols).get_root().render())
    sector = next(s for s in payload["sectors"] if s["key"] == "mobility")
    ev = next(t for t in sector["types"] if t["key"] == "ev_charging")
    assert ev["name_prefix"] == "EV charging"
    part = sols.loc[sols["sector"] == "mobility"]
    rows = zip(part["name"], part["solution"], strict=True)
    expected = [n if (s != "ev_charging" or n == "Plaza charger") else None for n, s in rows]
    assert sector["names"] == expected
    # the page's rule rebuilds every name exactly
    types = [t["key"] for t in sector["types"]]
    prefixes = [t["name_prefix"] for t in sector["types"]]
    shown = zip(sector["names"], sector["t"], sector["ids"], strict=True)
    rebuilt = [n if n is not None else f"{prefixes[k]} {i}" for n, k, i in shown]
    assert rebuilt == part["name"].tolist() and types


def _decoded_cells(grid: dict) -> np.ndarray:
    """The grid's cells as the page decodes them (zlib, then little-endian integers)."""
    raw = zlib.decompress(base64.b64decode(grid["cells"]))
    return np.frombuffer(raw, dtype=f"<u{grid['bytes']}").reshape(grid["h"], grid["w"])


def test_area_grid_cells_hold_the_sectors_that_serve_them(monkeypatch):
    # a: a 1 km square with a 500 m hole; b: a 1.5 km x 1 km box over a's east half (UTM 31N)
    x, y = 400_000, 4_600_000
    a = shapely.box(x, y, x + 1000, y + 1000).difference(shapely.box(x + 250, y + 250, x + 750, y + 750))
    b = shapely.box(x + 500, y, x + 2000, y + 1000)
    cover = gpd.GeoDataFrame({"sector": ["a", "b"]}, geometry=[a, b], crs=32631)
    grid = area_grid(cover, ["a", "b"], max_side=400)
    # hand-computed areas: a only 375 000 m², a and b 375 000 m², b only 1 125 000 m²
    for mask, expected in {1: 375_000, 3: 375_000, 2: 1_125_000}.items():
        assert (grid.mask == mask).sum() * grid.cell_m**2 == pytest.approx(expected, rel=0.01)
    to_merc = Transformer.from_crs(32631, 3857, always_xy=True)
    for (dx, dy), mask in {(100, 100): 1, (600, 100): 3, (400, 500): 0, (600, 500): 2, (1500, 500): 2}.items():
        mx, my = to_merc.transform(x + dx, y + dy)
        row, col = int((grid.y1 - my) // grid.cell), int((mx - grid.x0) // grid.cell)
        assert grid.mask[row, col] == mask, (dx, dy)
    payload = grid.payload()
    assert payload["bytes"] == 1 and np.array_equal(_decoded_cells(payload), grid.mask)
    import scmap.maps._grid as grid_module

    monkeypatch.setattr(grid_module, "BATCH_COORDS", 3)  # drawn a polygon at a time: the same cells, but for rounding
    halves = [
        a.intersection(shapely.box(x - 1, y - 1, x + 500, y + 1001)),
        a.difference(shapely.box(x - 1, y - 1, x + 500, y + 1001)),
    ]
    pieces = gpd.GeoDataFrame({"sector": ["a", "a", "b"]}, geometry=[*halves, b], crs=32631)
    batched = area_grid(pieces, ["a", "b"], max_side=400).mask  # a's halves drawn apart, coverage summed
    assert (batched != grid.mask).sum() <= 2  # the seam costs nothing but a rounding at 1/255 of a cell
    south_west, north_east = payload["bounds"]
    lon, lat = Transformer.from_crs(32631, 4326, always_xy=True).transform(x, y)
    assert south_west[0] <= lat <= north_east[0] and south_west[1] <= lon <= north_east[1]


def test_outlines_simplified_to_the_cell_keep_the_served_area(monkeypatch):
    import scmap.maps._grid as grid_module

    rng = np.random.default_rng(3)
    circles = shapely.buffer(shapely.points(rng.uniform(400_000, 420_000, (400, 2))), 300, quad_segs=16)
    union = shapely.union_all(circles)
    cover = gpd.GeoDataFrame({"sector": ["a"]}, geometry=[union], crs=32631)
    grid = area_grid(cover, ["a"], max_side=200)
    assert grid.cell_m > 90  # cells of about 100 m: each 64-gon drawn with a handful of vertices
    assert (grid.mask == 1).sum() * grid.cell_m**2 == pytest.approx(union.area, rel=0.02)
    monkeypatch.setattr(grid_module, "_tolerance", lambda *args: 0.0)
    exact = area_grid(cover, ["a"], max_side=200).mask  # the outlines as they are
    # outlines moved by at most a tenth of a cell: only cells at an edge (about half covered) change
    (h, w), padded = exact.shape, np.pad(exact, 1)
    around = np.stack([padded[1 + dy : 1 + h + dy, 1 + dx : 1 + w + dx] for dy in (-1, 0, 1) for dx in (-1, 0, 1)])
    at_edge = (around.min(axis=0) == 0) & (around.max(axis=0) == 1)
    changed = exact != grid.mask
    assert changed.any() and (changed & ~at_edge).sum() == 0
    assert changed.sum() <= 0.03 * (exact == 1).sum()


def test_print_draws_many_districts_as_one_path(tmp_path: Path):
    from matplotlib.patches import PathPatch

    from scmap.maps.export import ONE_PATH_FROM, static_map

    side = int(np.ceil(np.sqrt(ONE_PATH_FROM + 1)))
    boxes = [shapely.box(i * 100, j * 100, (i + 1) * 100, (j + 1) * 100) for i in range(side) for j in range(side)]
    districts = gpd.GeoDataFrame({"district_id": range(len(boxes))}, geometry=boxes, crs=32631)
    fig = static_map(districts, path=tmp_path / "m.png")
    patches = [p for p in fig.axes[0].patches if isinstance(p, PathPatch)]
    assert len(patches) == 1 and len(patches[0].get_path().vertices) == 5 * len(boxes)
    assert fig.axes[0].get_xlim()[1] >= side * 100 and (tmp_path / "m.png").stat().st_size > 1000


def test_district_popups_send_each_text_once_and_decode_to_the_full_rows():
    results = scmap.run(demo_project_path())
    html = results.map().get_root().render()
    coded = page_payload(html)["districts"]
    texts = texts_of(coded)
    assert len(set(texts)) == len(texts)  # each text once, however many districts show it
    decoded = render_args(html)[0]["districts"]
    where = decoded["label_at"]
    inside = shapely.contains_xy(np.array(results.districts.to_crs(4326).geometry), *np.array(where).T)
    assert inside.all() and len(where) == 24  # each name at a point of its own district
    assert texts.count("Solutions by sector") == 1 and len(coded["coded"]) == 24
    assert len(set(coded["pieces"])) == len(coded["pieces"]) and " of " in coded["pieces"]  # and each piece once
    feats = decoded["feats"]
    table = results.overlap.districts.set_index("district_id")
    for f, (key, row) in zip(feats, table.iterrows(), strict=True):
        assert f["title"] == f["tip"] == row["district_name"] and f["sub"] == f"District {key}"
        rows = dict(f["rows"])
        assert rows["Gaps"].startswith(f"rank {row['gap_rank']} of 24")
        assert (
            rows["Solutions by sector"] == f"Energy {row['n_energy']}, Mobility {row['n_mobility']}, ICT {row['n_ict']}"
        )


def test_heavy_service_areas_and_hotspots_are_drawn_from_a_grid():
    results = scmap.run(demo_project_path())
    light = render_args(results.map().get_root().render())[0]
    assert not any("grid" in o for o in light["overlays"])  # the demo's outlines are light: drawn as they are
    fmap = solution_map(results.districts, results.solutions, overlap=results.overlap,
                        options=MapOptions(max_area_vertices=0))  # fmt: skip
    payload, geometries = render_args(fmap.get_root().render())
    overlays = {o["key"]: o for o in payload["overlays"]}
    served, hot = overlays["service_areas"], overlays["hotspots"]
    assert geometries["service_areas"] == geometries["hotspots"] == []
    assert hot["grid_of"] == "service_areas" and "Drawn on a grid of" in hot["note"]
    cells = _decoded_cells(served["grid"])
    sectors = [f["label"] for f in served["feats"]]
    assert sectors == ["Energy", "Mobility", "ICT"] and cells.max() < 2 ** len(sectors)
    # every hotspot combination is a set of sectors the grid holds, with its area from the table
    table = results.overlap.hotspots
    label = results.project.catalogue.sector_label
    table_sets = table["sectors"].map(lambda keys: frozenset(label(k) for k in keys.split(",")))
    for f in hot["feats"]:
        names = [sectors[j] for j in range(len(sectors)) if f["mask"] >> j & 1]
        assert f["sub"] == " + ".join(names) and (cells == f["mask"]).any()
        rows = table.loc[table_sets == frozenset(names)]
        assert f["rows"][1][1] == f"{rows['area_m2'].sum() / 1e6:,.2f} km²"
    # and the cells cover what the sectors serve: grid area close to the exact area per sector
    (south, _), (north, _) = served["grid"]["bounds"]
    cell_m = served["grid"]["cell"] * np.cos(np.radians((south + north) / 2))  # Web Mercator to ground metres
    cover = results.overlap.coverage
    for j, key in enumerate(["energy", "mobility", "ict"]):
        exact = cover.loc[cover["sector"] == key].area.sum()
        assert ((cells >> j) & 1).sum() * cell_m**2 == pytest.approx(exact, rel=0.01)


def test_hexagons_hold_the_points_nearest_their_centres():
    rng = np.random.default_rng(3)
    xy = rng.uniform(-5000, 5000, size=(20_000, 2)) + np.array([250_000, 5_000_000])
    layout = hex_layout(xy, 41.0, target=500)
    cells = layout.cells(xy)
    s = layout.size

    def centre(q, r):
        return np.column_stack([s * np.sqrt(3) * (q + r / 2), s * 1.5 * r])

    own = np.hypot(*(xy - centre(cells[:, 0], cells[:, 1])).T)
    assert own.max() <= s + 1e-6  # within the hexagon's circumscribed circle
    for dq, dr in [(1, 0), (-1, 0), (0, 1), (0, -1), (1, -1), (-1, 1)]:  # and no neighbour's centre is nearer
        other = np.hypot(*(xy - centre(cells[:, 0] + dq, cells[:, 1] + dr)).T)
        assert (own <= other + 1e-6).all()
    assert len(np.unique(cells, axis=0)) == pytest.approx(500, rel=0.2)
    assert layout.area_km2 == pytest.approx(1.5 * np.sqrt(3) * (s * np.cos(np.radians(41))) ** 2 / 1e6)


def test_above_max_points_sectors_are_counted_per_hexagon():
    inputs = load_inputs(load_project(demo_project_path()))
    sols = inputs.solutions
    before = sols.geometry.copy()
    assert (before.geom_type != "Point").any()  # lines and areas are counted at a point on them
    payload, geometries = render_args(
        solution_map(inputs.districts.gdf, sols, options=MapOptions(max_points=100)).get_root().render()
    )
    assert sols.geometry.geom_equals_exact(before, tolerance=0).all()  # the caller's table is untouched
    for sector in payload["sectors"]:
        part = sols.loc[sols["sector"] == sector["key"]]
        n = np.array(sector["hex"]["n"])
        assert n.shape == (len(sector["hex"]["q"]), len(sector["types"])) and (n.sum(axis=1) > 0).all()
        per_type = dict(zip([t["key"] for t in sector["types"]], n.sum(axis=0).tolist(), strict=True))
        assert per_type == part["solution"].value_counts().to_dict()  # every solution counted once
        assert "ids" not in sector and geometries[f"sector:{sector['key']}"] == []
        assert sector["note"].startswith("Counted per hexagon of ")
    few = render_args(solution_map(inputs.districts.gdf, sols).get_root().render())[0]
    assert not any("hex" in s for s in few["sectors"])  # 147 solutions: each drawn


def test_colourings_of_the_districts_share_their_geometries():
    """The demo's suitability models are scored on the districts: their colourings and the gaps
    colouring draw the districts' shapes, written once in the page."""
    results = scmap.run(demo_project_path())
    payload, geometries = render_args(results.map().get_root().render())
    shared = [ch["key"] for ch in payload["choropleths"] if ch.get("geometry_of") == "districts"]
    assert len(shared) == len(payload["choropleths"]) >= 3
    assert not set(shared) & set(geometries)
    assert all(len(ch["cidx"]) == len(geometries["districts"]) for ch in payload["choropleths"])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.floats(-180, 180), st.floats(-90, 90)), min_size=3, max_size=40),
    st.integers(0, 7),
    st.sampled_from(["line", "polygon", "multipolygon", "points"]),
)
def test_compact_geometries_decode_to_shapelys_geojson(coords, digits, kind):
    pts = np.array(coords)
    make = {
        "line": lambda: shapely.LineString(pts),
        "polygon": lambda: shapely.Polygon(np.vstack([pts, pts[:1]])),
        "multipolygon": lambda: shapely.MultiPolygon(
            [shapely.Polygon(np.vstack([pts, pts[:1]])), shapely.box(0, 0, 1, 1)]
        ),
        "points": lambda: shapely.MultiPoint(pts),
    }
    geoms = np.array([make[kind](), shapely.Point(pts[0]), shapely.Polygon(), make[kind]()], dtype=object)
    geoms = shapely.transform(geoms, lambda c: np.round(c, digits))
    shapes = Shapes(geoms, digits)
    assert decode(json.loads(shapes.json())) == [json.loads(t) for t in shapely.to_geojson(geoms)]
    assert len(shapes) == 4 and shapes == Shapes(geoms.copy(), digits) and shapes != Shapes(geoms[:3], digits)
    polygons = geoms[shapely.get_type_id(geoms) == 3]
    polygons = polygons[~shapely.is_empty(polygons)]  # a layer of polygons only: written without a loop
    if len(polygons):
        assert decode(Shapes(polygons, digits).encoded()) == [json.loads(t) for t in shapely.to_geojson(polygons)]


def test_compact_geometries_are_smaller_than_geojson():
    districts = load_inputs(load_project(demo_project_path())).districts.gdf
    shapes = display_geoms(districts, MapOptions())
    geojson = ",".join(shapely.to_geojson(shapes.geoms))
    assert len(shapes.json()) < 0.5 * len(geojson)
