"""What a person sees: maps opened in headless Chromium (Leaflet served from local npm assets)."""

from __future__ import annotations

import math
import re
from pathlib import Path

import geopandas as gpd
import pytest
import yaml

import scmap
from _browser import open_html
from payloads import PAYLOADS, payload_catalogue, payload_layers
from scmap import load_inputs, load_project, solution_map
from scmap.core._text import display_text
from scmap.project.datasets import demo_project_path

pytestmark = pytest.mark.browser


def test_demo_map_shows_every_district_and_solution(browser, tmp_path: Path):
    inputs = load_inputs(load_project(demo_project_path()))
    out = tmp_path / "map.html"
    scmap.run(inputs.project).map().save(str(out))
    opened = open_html(browser, out)
    page = opened.page
    assert opened.errors == [] and opened.unexpected == []
    counts = page.evaluate("window.scmap.counts")
    assert counts["districts"] == 24
    assert {k: counts[k] for k in ("energy", "mobility", "ict")} == inputs.solutions["sector"].value_counts().to_dict()
    assert counts["suit:ev_charging"] == 24
    assert counts["relations"] == 22
    # every point solution is a marker in the DOM; lines/polygons are paths on the canvas
    n_points = int((inputs.solutions.geometry.geom_type == "Point").sum())
    assert page.locator(".scmap-marker").count() == n_points
    # every district has a name; the names placed (clear of each other) are the ones on the page
    assert page.evaluate("window.scmap._registry.labelCount") == 24
    shown = page.evaluate("window.scmap._registry.labelsShown")
    assert 10 <= shown <= 24 and page.locator(".scmap-label").count() == shown
    assert page.locator(".scmap-title").inner_text() == "Sofia smart-city solutions (demo, schematic data)"
    labels = [t.strip() for t in page.locator(".leaflet-control-layers-overlays label").all_inner_texts()]
    assert labels == [
        "Districts",
        "Service areas",
        "Hotspots (sectors meet)",
        "Statistical hot spots (Gi*)",
        "Synergies and conflicts",
        "Energy (49)",
        "Mobility (59)",
        "ICT (39)",
        "Sketched sites",
    ]
    bases = [t.strip() for t in page.locator(".leaflet-control-layers-base label").all_inner_texts()]
    assert bases == [
        "Districts only",
        "Suitability: EV charging",
        "Suitability: District heating / cooling",
        "Coverage gaps",
    ]


def _documented_api() -> list[str]:
    """The names in the tables of docs/reference/map-api.md."""
    page = (Path(__file__).parents[1] / "docs" / "reference" / "map-api.md").read_text(encoding="utf-8")
    return sorted(re.findall(r"^\| `([A-Za-z]+)[`(]", page, flags=re.MULTILINE))


def test_the_page_publishes_only_its_documented_frozen_api(browser, tmp_path: Path):
    out = tmp_path / "map.html"
    scmap.run(demo_project_path()).map().save(str(out))
    page = open_html(browser, out).page
    assert sorted(page.evaluate("Object.keys(window.scmap)")) == _documented_api()
    assert page.evaluate("Object.isFrozen(window.scmap) && !Object.keys(window.scmap).includes('_registry')")
    # nothing can be replaced or added from outside; counts is a copy; the sketch hook is settable
    assert page.evaluate("""() => { const api = window.scmap, map = api.map;
        api.map = null; api.extra = 1; api.counts.districts = -1;
        return api.map === map && api.extra === undefined && api.counts.districts === 24; }""")
    assert page.evaluate("""() => { const seen = [];
        window.scmap.onSketch = (points, props, kind) => seen.push(kind);
        const ok = window.scmap._registry.onSketch !== undefined && typeof window.scmap.onSketch === 'function';
        window.scmap.onSketch = null; return ok && window.scmap.onSketch === null; }""")
    scores = page.evaluate("window.scmap.setWeights('ev_charging', {stops: 3})")
    assert scores == page.evaluate("window.scmap.scores('ev_charging')") and len(scores) == 24
    assert page.evaluate("window.scmap.findDistrict('Sredets')") == ["Sredets"]
    with pytest.raises(Exception, match="no suitability model ev_nothing"):
        page.evaluate("window.scmap.weights('ev_nothing')")


def test_legend_follows_layer_toggles_and_popups_explain(browser, tmp_path: Path):
    inputs = load_inputs(load_project(demo_project_path()))
    out = tmp_path / "map.html"
    scmap.run(inputs.project).map().save(str(out))
    page = open_html(browser, out).page
    energy_block = page.locator(".scmap-legend-sector[data-sector='energy']")
    assert energy_block.is_visible()
    page.locator(".leaflet-control-layers-overlays label", has_text="Energy").locator("input").click()
    assert not energy_block.is_visible()
    assert page.evaluate("window.scmap.map.hasLayer(window.scmap._registry.sectors.energy)") is False
    page.locator(".leaflet-control-layers-overlays label", has_text="Energy").locator("input").click()
    assert energy_block.is_visible()
    # open the popup of the first EV charger: catalogue entry, status, reference case
    page.evaluate("""() => {
        const lyr = window.scmap._registry.sectors.mobility.getLayers()
          .find(l => l.scmapFeature.title === 'Ev charging 1');
        lyr.openPopup();
    }""")
    popup = page.locator(".leaflet-popup-content").inner_text()
    assert "Ev charging 1" in popup and "EV charging · Mobility" in popup
    assert "Reference case\tIRIS (Utrecht)" in popup
    assert "Service radius\t300 m" in popup


def test_payloads_stay_text_in_the_browser(browser, tmp_path: Path):
    import warnings

    from scmap import overlap
    from scmap.analysis.suitability import make_units, suitability
    from scmap.project.spec import ModelSpec

    districts, solutions = payload_layers()
    catalogue = payload_catalogue(tmp_path)
    metric_d, metric_s = districts.to_crs(32634), solutions.to_crs(32634)
    metric_d["population"] = range(1, len(metric_d) + 1)
    spec = ModelSpec.model_validate({"criteria": {"pop": {"attribute": "population"}}})
    suit = suitability(make_units(metric_d), {"public_wifi": spec}, districts=metric_d)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the payload solutions sit outside the small districts
        over = overlap(metric_s, metric_d, catalogue=catalogue)
    fmap = solution_map(
        metric_d,
        metric_s,
        suitability=suit,
        overlap=over,
        catalogue=catalogue,
        title=PAYLOADS[6],
        attribution=PAYLOADS[1],
        basemap="none",
    )
    out = tmp_path / "payload.html"
    fmap.save(str(out))
    opened = open_html(browser, out)
    page = opened.page
    # open every popup and tooltip so lazily built content is rendered too
    texts = page.evaluate("""() => {
        const out = [];
        const r = window.scmap._registry;
        const groups = [r.districts, ...Object.values(r.sectors), ...Object.values(r.overlays),
                        ...Object.values(r.choropleths)];
        for (const g of groups) {
          const shown = window.scmap.map.hasLayer(g);
          if (!shown) g.addTo(window.scmap.map);  // colourings are off at start: show each in turn
          for (const l of g.getLayers()) {
            l.openPopup(); out.push(document.querySelector('.leaflet-popup-content').textContent); l.closePopup();
            l.openTooltip(); out.push(l.getTooltip().getElement().textContent); l.closeTooltip();
          }
          if (!shown) window.scmap.map.removeLayer(g);
        }
        return out;
    }""")
    assert page.evaluate("window.__pwned") is None
    assert opened.dialogs == [] and opened.errors == [] and opened.unexpected == []
    assert page.locator("img[src='x']").count() == 0
    benign_d, benign_s = districts.copy(), solutions.copy()
    benign_d["district_name"] = benign_s["name"] = "plain"
    plain = tmp_path / "plain.html"
    solution_map(benign_d, benign_s, title="plain", basemap="none").save(str(plain))
    n_plain = open_html(browser, plain).page.locator("script").count()
    assert page.locator("script").count() == n_plain  # no element injected by the data
    shown = "\n".join(texts)
    for payload in PAYLOADS:
        # shown exactly, as text (bidi overrides neutralised: they would reverse the text around them)
        assert display_text(payload) in shown, payload
    assert "\u202e" not in shown
    assert page.locator(".scmap-title").inner_text() == PAYLOADS[6]
    assert page.evaluate("document.title") == PAYLOADS[6]
    control = page.locator(".leaflet-control-layers-overlays").inner_text()
    assert PAYLOADS[0] in control and PAYLOADS[5] in control  # sector labels as layer names
    legend = page.locator(".scmap-legend").inner_text()
    assert PAYLOADS[3] in legend and PAYLOADS[6] in legend  # type labels in the legend
    assert PAYLOADS[1] in page.locator(".leaflet-control-attribution").inner_text()
    # type labels name the SVG symbols as text (aria-label, <title>), never as markup
    labels = page.evaluate("[...document.querySelectorAll('.scmap-marker svg')].map(s => s.getAttribute('aria-label'))")
    assert PAYLOADS[3] in labels and page.locator(".scmap-marker b").count() == 0
    bases = page.locator(".leaflet-control-layers-base").inner_text()
    assert PAYLOADS[3] in bases  # a type label in a colouring's layer name
    # the sketch form lists catalogue labels (payloads) as plain option text
    page.evaluate("window.scmap._registry.sketchForm(window.scmap.map.getCenter())")
    options = page.locator(".scmap-sketch-form option").all_inner_texts()
    assert PAYLOADS[3] in options and PAYLOADS[6] in options
    assert page.evaluate("window.__pwned") is None


def _demo_map(tmp_path: Path, **save) -> Path:
    from scmap.maps import save_html

    out = tmp_path / "map.html"
    save_html(scmap.run(demo_project_path()).map(), out, **save)
    return out


def test_one_colouring_at_a_time_with_its_legend(browser, tmp_path: Path):
    page = open_html(browser, _demo_map(tmp_path)).page
    ev_legend = page.locator(".scmap-legend-choropleth[data-choropleth='suit:ev_charging']")
    gaps_legend = page.locator(".scmap-legend-choropleth[data-choropleth='gaps']")
    assert not ev_legend.is_visible()
    assert not gaps_legend.is_visible()
    page.locator(".leaflet-control-layers-base label", has_text="EV charging").locator("input").click()
    assert ev_legend.is_visible()
    assert not gaps_legend.is_visible()
    assert page.evaluate("window.scmap.map.hasLayer(window.scmap._registry.choropleths['suit:ev_charging'])") is True
    page.locator(".leaflet-control-layers-base label", has_text="Coverage gaps").locator("input").click()
    assert gaps_legend.is_visible()
    assert not ev_legend.is_visible()
    assert page.evaluate("window.scmap.map.hasLayer(window.scmap._registry.choropleths['suit:ev_charging'])") is False
    # overlays' legends follow their toggles too
    links_legend = page.locator(".scmap-legend-overlay[data-overlay='relations']")
    assert links_legend.is_visible()
    page.locator(".leaflet-control-layers-overlays label", has_text="Synergies").locator("input").click()
    assert not links_legend.is_visible()


def test_district_popup_explains_scores_stability_and_gaps(browser, tmp_path: Path):
    page = open_html(browser, _demo_map(tmp_path)).page
    assert page.evaluate("window.scmap.findDistrict('Sredets')") == ["Sredets"]
    popup = page.locator(".leaflet-popup-content").inner_text()
    assert "EV charging suitability" in popup
    assert "because\tpop_density" in popup
    assert "stability\trank " in popup
    assert "Solutions by sector\tEnergy" in popup
    assert "Gaps\trank " in popup


def test_sketch_export_and_read_back(browser, tmp_path: Path):
    import json

    from click.testing import CliRunner

    from scmap import read_solutions
    from scmap.cli.main import cli

    page = open_html(browser, _demo_map(tmp_path)).page
    page.locator(".scmap-tool", has_text="✎").click()
    box = page.locator("#" + page.evaluate("window.scmap.map.getContainer().id")).bounding_box()
    for dx, kind, name in [(-60, "rooftop_pv", "School roof"), (80, "mobility_island", "Station square")]:
        page.mouse.click(box["x"] + box["width"] / 2 + dx, box["y"] + box["height"] / 2)
        form = page.locator(".scmap-sketch-form")
        form.locator("select").select_option(kind)
        form.locator("input[name='name']").fill(name)
        form.locator("button").click()
        # a closed popup fades out for 200 ms before Leaflet removes it
        page.wait_for_function("document.querySelectorAll('.scmap-sketch-form').length === 0")
    export = page.locator(".scmap-tool", has_text="↓")
    assert "scmap-unexported" in (export.get_attribute("class") or "")  # a cue: not yet exported
    page.reload()  # the sketches survive a reload (browser storage), still marked as not exported
    page.wait_for_function("window.scmap !== undefined && window.scmap._registry.sketches.getLayers().length === 2")
    assert "2 sketched, not yet exported" in (export.get_attribute("title") or "")
    with page.expect_download() as info:
        export.click()
    assert "scmap-unexported" not in (export.get_attribute("class") or "")
    path = tmp_path / "sketched_sites.geojson"
    info.value.save_as(path)
    doc = json.loads(path.read_text())
    assert [f["properties"]["name"] for f in doc["features"]] == ["School roof", "Station square"]
    back = read_solutions(path)  # read straight back: no keys needed
    assert back.gdf["name"].tolist() == ["School roof", "Station square"]
    project = tmp_path / "sketches.yaml"
    spec = {
        "name": "sketches",
        "districts": {
            "path": str(demo_project_path().parent / "districts.gpkg"),
            "layer": "districts",
            "id": "district_id",
        },
        "solutions": [{"path": str(path)}],
    }
    project.write_text(yaml.safe_dump(spec), encoding="utf-8")
    as_source = load_inputs(load_project(project))
    assert as_source.ok and as_source.solutions["solution"].tolist() == ["rooftop_pv", "mobility_island"]
    assert back.gdf["solution"].tolist() == ["rooftop_pv", "mobility_island"]
    assert back.gdf["sector"].tolist() == ["energy", "mobility"]
    assert back.gdf["status"].tolist() == ["candidate", "candidate"]
    assert back.rejected.empty
    info_cli = CliRunner().invoke(cli, ["info", str(path), "--json"])
    assert json.loads(info_cli.stdout)["layers"][0]["count"] == 2
    # the sketched sites sit inside the Sofia districts
    districts = load_inputs(load_project(demo_project_path())).districts.gdf
    assert back.gdf.to_crs(districts.crs).within(districts.union_all()).all()


def test_measure_and_search(browser, tmp_path: Path):
    page = open_html(browser, _demo_map(tmp_path)).page
    page.locator(".scmap-tool", has_text="↔").click()
    box = page.locator(".leaflet-container").first.bounding_box()
    page.mouse.click(box["x"] + 500, box["y"] + 450)
    page.mouse.click(box["x"] + 700, box["y"] + 450)
    measured = page.evaluate("window.scmap._registry.measured")
    (lat1, lon1), (lat2, lon2) = page.evaluate("window.scmap._registry.measurePoints")
    # haversine on Leaflet's sphere (R = 6371 km), computed here independently
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    assert measured == pytest.approx(2 * 6371000 * math.asin(math.sqrt(a)), rel=1e-6)
    assert measured > 100
    page.locator(".scmap-search input").fill("Mladost")
    page.locator(".scmap-search input").dispatch_event("change")
    page.wait_for_function("document.querySelectorAll('.leaflet-popup').length === 1")  # others faded out
    assert "Mladost" in page.locator(".leaflet-popup-content").inner_text()
    # the overview map draws every district on one canvas in a few paths (not a layer each), and draws something
    assert page.evaluate("window.scmap._registry.minimapOutline.scmapShapes") == 24
    assert page.evaluate("window.scmap._registry.minimapOutline.getLayers().length") == 1
    assert page.locator(".scmap-minimap canvas").count() == 1
    inked = """() => { const c = document.querySelector('.scmap-minimap canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) { n++; } } return n; }"""
    assert page.evaluate(inked) > 500
    # the overview's red frame is the view: inside the overview, filling it when the view is larger than the
    # districts, a part of it when zoomed in
    frame = """() => { const r = window.scmap._registry, m = r.minimap, size = m.getSize();
        const b = r.minimapView.getBounds();
        const a = m.latLngToContainerPoint(b.getNorthWest()), z = m.latLngToContainerPoint(b.getSouthEast());
        const inside = a.x >= -1 && a.y >= -1 && z.x <= size.x + 1 && z.y <= size.y + 1;
        return [inside, Math.max((z.x - a.x) / size.x, (z.y - a.y) / size.y)]; }"""
    zoom = "(by) => { const m = window.scmap.map; m.setZoom(m.getZoom() + by, {animate: false}); }"
    page.evaluate(zoom, -1)  # the view is larger than the districts (as a region's first view often is)
    page.wait_for_function(f"({frame})()[0]", timeout=5_000)
    assert page.evaluate(frame)[1] > 0.75
    page.evaluate(zoom, 4)
    page.wait_for_function(f"({frame})()[1] < 0.3")
    assert page.evaluate(frame)[0]
    # the search box shows its whole prompt in every language
    from scmap.core.i18n import LANGUAGES, load_messages

    fits = """(text) => { const input = document.querySelector('.scmap-search input');
        input.value = text; const whole = input.scrollWidth <= input.clientWidth; input.value = ''; return whole; }"""
    prompts = {language: load_messages(language)("map.find_district") for language in LANGUAGES}
    assert [p for p in prompts.values() if not page.evaluate(fits, p)] == []
    # no control of the left side covers another: in a short window the overview map gives way
    controls = (".leaflet-control-zoom", ".scmap-tools", ".scmap-search", ".scmap-minimap")
    for height in (900, 560, 400):
        page.set_viewport_size({"width": 900, "height": height})
        boxes = [page.locator(c).first.bounding_box() for c in controls]  # None: not shown
        shown = [b for b in boxes if b is not None]
        assert len(shown) == (3 if height == 400 else 4), height
        for i, a in enumerate(shown):
            for b in shown[i + 1 :]:
                apart = a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"]
                assert apart or a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"], (height, a, b)


def test_inline_map_works_without_cdn_and_clusters_many_points(browser, tmp_path: Path):
    import geopandas as gpd
    import numpy as np
    import shapely

    from scmap.maps import save_html

    inputs = load_inputs(load_project(demo_project_path()))
    rng = np.random.default_rng(0)
    bounds = inputs.districts.gdf.total_bounds
    n = 3000
    many = gpd.GeoDataFrame(
        {
            "solution_id": [f"w{i}" for i in range(n)],
            "name": "Wi-Fi",
            "sector": "ict",
            "solution": "public_wifi",
            "status": "existing",
            "radius_m": np.nan,
            "source": "test",
            "source_row": range(n),
        },
        geometry=shapely.points(rng.uniform(bounds[0], bounds[2], n), rng.uniform(bounds[1], bounds[3], n)),
        crs=inputs.districts.gdf.crs,
    )
    out = tmp_path / "inline.html"
    save_html(solution_map(inputs.districts.gdf, many, basemap="none"), out, inline=True)
    opened = open_html(browser, out, offline=True)
    assert opened.errors == []
    assert opened.unexpected == []  # nothing asked of a CDN
    assert opened.page.evaluate("window.scmap.counts.ict") == n
    assert opened.page.evaluate("window.scmap._registry.sectors.ict.getLayers().length") == n  # every point, clustered
    assert opened.page.locator(".scmap-cluster").count() > 0
    assert opened.page.locator(".scmap-marker").count() < 500  # clusters, not 3000 DOM markers


def test_sketch_lines_and_areas_export_and_read_back(browser, tmp_path: Path):
    import json

    from scmap import read_solutions

    page = open_html(browser, _demo_map(tmp_path)).page
    page.locator(".scmap-tool", has_text="✎").click()
    box = page.locator(".leaflet-container").first.bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2

    def draw(kind: str, corners: list[tuple[int, int]], solution: str, name: str) -> None:
        page.locator(f".scmap-shape-{kind}").click()
        for dx, dy in corners[:-1]:
            page.mouse.click(cx + dx, cy + dy)
        page.mouse.dblclick(cx + corners[-1][0], cy + corners[-1][1])
        form = page.locator(".scmap-sketch-form")
        form.locator("select").select_option(solution)
        form.locator("input[name='name']").fill(name)
        form.locator("button").click()
        page.wait_for_function("document.querySelectorAll('.scmap-sketch-form').length === 0")
        page.wait_for_timeout(400)  # the form's popup may have panned the map: let it settle

    draw("line", [(-120, 40), (-40, 60), (40, 40)], "district_heating", "Heat network extension")
    draw("area", [(60, -80), (140, -80), (140, -20), (60, -20)], "building_retrofit", "Retrofit block")
    draw("line", [(-150, 120), (-60, 120)], "smart_grid", "A mistake")
    page.locator(".scmap-tool", has_text="✎").click()  # leave sketching; open the last sketch and remove it
    page.evaluate(
        "window.scmap._registry.sketches.getLayers().find(l => l.scmapSketch.name === 'A mistake').openPopup()"
    )
    page.locator(".scmap-sketch-remove").click()
    assert page.evaluate("window.scmap._registry.sketches.getLayers().length") == 2
    with page.expect_download() as info:
        page.locator(".scmap-tool", has_text="↓").click()
    path = tmp_path / "sketches.geojson"
    info.value.save_as(path)
    doc = json.loads(path.read_text())
    assert [f["geometry"]["type"] for f in doc["features"]] == ["LineString", "Polygon"]
    assert len(doc["features"][0]["geometry"]["coordinates"]) == 3  # the double-click adds one vertex, not two
    assert len(doc["features"][1]["geometry"]["coordinates"][0]) == 5  # four corners, closed
    back = read_solutions(path, solution_field="solution", sector_field="sector", status="status", name="name")
    assert back.gdf["solution"].tolist() == ["district_heating", "building_retrofit"]
    assert back.gdf.geometry.geom_type.tolist() == ["LineString", "Polygon"]
    assert back.gdf.geometry.iloc[1].area > 0
    assert back.rejected.empty


def test_markers_are_svg_symbols_that_need_no_font(browser, tmp_path: Path):
    out = tmp_path / "map.html"
    scmap.save_html(scmap.run(demo_project_path()).map(), out, inline=True)
    page = open_html(browser, out, offline=True).page
    page.evaluate("window.scmap.map.setZoom(15)")
    markers = page.evaluate(
        """() => [...document.querySelectorAll('.scmap-marker')].map(m => ({
             svg: m.querySelectorAll('svg path').length,
             label: m.querySelector('svg') ? m.querySelector('svg').getAttribute('aria-label') : null,
             text: [...m.querySelectorAll('.scmap-marker-body > :not(svg)')].map(e => e.textContent).join('')}))"""
    )
    assert markers and all(m["svg"] >= 1 and m["label"] and m["text"] == "" for m in markers)
    legend = page.evaluate(
        "[...document.querySelectorAll('.scmap-legend-symbol')].map(s => s.querySelectorAll('svg path').length)"
    )
    assert legend and min(legend) >= 1


def test_search_ignores_case_and_accents_and_says_when_nothing_matches(browser, tmp_path: Path):
    page = open_html(browser, _demo_map(tmp_path)).page
    assert page.evaluate("window.scmap.findDistrict('SRÉDETS')") == ["Sredets"]
    assert sorted(page.evaluate("window.scmap.findDistrict('krasn')")) == ["Krasna Polyana", "Krasno Selo"]
    search = page.locator(".scmap-search input")
    search.fill("Raval")
    search.dispatch_event("change")
    assert page.locator(".scmap-search-status").inner_text() == "No district matches \u201cRaval\u201d"
    search.fill("krasn")
    search.dispatch_event("change")
    assert page.locator(".scmap-search-status").inner_text().startswith("2 districts match: ")


def test_legend_folds_and_has_no_empty_heading(browser, tmp_path: Path):
    page = open_html(browser, _demo_map(tmp_path)).page
    title = page.locator(".scmap-legend-title")
    assert title.is_visible()
    for label in ("Energy (", "Mobility (", "ICT ("):  # every sector off: the heading goes too
        page.locator(".leaflet-control-layers-overlays label", has_text=label).locator("input").click()
    assert not title.is_visible()
    page.locator(".scmap-legend-fold").click()
    assert not page.locator(".scmap-legend-body").is_visible()
    page.locator(".scmap-legend-fold").click()
    assert page.locator(".scmap-legend-body").is_visible()


def test_basemaps_named_custom_and_wms_with_a_switcher(browser, tmp_path: Path):
    from scmap.errors import ProjectError
    from scmap.project.datasets import copy_demo

    project = copy_demo(tmp_path / "p")
    spec = yaml.safe_load(project.read_text(encoding="utf-8"))
    spec["map"]["basemap"] = "light"  # no API-key warning: pytest turns warnings into errors
    spec["map"]["basemaps"] = [
        {"name": "Esri.WorldImagery", "label": "Aerial"},
        {
            "url": "https://tiles.example.org/ortho/{z}/{x}/{y}.png",
            "label": "City orthophoto",
            "attribution": "<b>City</b> of Example",
        },
        {"wms": "https://geo.example.org/wms", "layers": "ortho2024", "label": "Orthophoto 2024"},
    ]
    project.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    out = tmp_path / "map.html"
    scmap.save_html(scmap.run(project).map(), out, inline=True)
    page = open_html(browser, out, offline=True).page
    options = page.locator(".scmap-basemap option").all_inner_texts()
    assert options == ["light", "Aerial", "City orthophoto", "Orthophoto 2024"]
    page.select_option(".scmap-basemap", "2")
    assert page.evaluate("window.scmap.map.hasLayer(window.scmap._registry.basemaps[2])")
    assert not page.evaluate("window.scmap.map.hasLayer(window.scmap._registry.basemaps[0])")
    assert "<b>City</b> of Example" in page.locator(".leaflet-control-attribution").inner_text()  # text, not markup
    page.select_option(".scmap-basemap", "3")
    assert page.evaluate("window.scmap._registry.basemaps[3].wmsParams.layers") == "ortho2024"
    for bad, message in [("CartoDB.Positron", "needs an API key"), ("Nowhere.Tiles", "unknown basemap")]:
        spec["map"]["basemap"] = bad
        project.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
        with pytest.raises(ProjectError, match=message):
            scmap.load_project(project)
    spec["map"]["basemap"] = "none"
    spec["map"]["basemaps"] = []
    project.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    scmap.save_html(scmap.run(project).map(), out, inline=True)
    page = open_html(browser, out, offline=True).page
    assert page.evaluate("window.scmap._registry.basemaps.length") == 0 and page.locator(".leaflet-tile").count() == 0


def test_popups_show_chosen_columns_and_grid_models_roll_up_to_districts(browser, tmp_path: Path):
    from scmap.project.datasets import copy_demo

    project = copy_demo(tmp_path / "p")
    spec = yaml.safe_load(project.read_text(encoding="utf-8"))
    spec["districts"]["popup"] = {"population": "Inhabitants"}
    spec["solutions"][0]["popup"] = ["owner"]
    spec["suitability"]["units"] = {"grid_m": 1000}
    spec["suitability"].pop("sensitivity")
    project.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    out = tmp_path / "map.html"
    scmap.save_html(scmap.run(project).map(), out, inline=True)
    page = open_html(browser, out, offline=True).page
    assert "roll:ev_charging" in page.evaluate("Object.keys(window.scmap._registry.choropleths)")
    assert page.evaluate("window.scmap.findDistrict('Sredets')") == ["Sredets"]
    popup = page.locator(".leaflet-popup-content").inner_text()
    assert "Inhabitants\t30,000" in popup and "name_bg" not in popup and "note" not in popup
    assert "EV charging (cells)\tmean " in popup and "of the area suitable" in popup
    assert not re.search(r"\d[eE][+-]?\d", popup)
    first = page.evaluate("window.scmap._registry.data.sectors.find(s => s.key === 'energy').cols.map(c => c.name)")
    assert first == ["owner"]  # not cost_keur, notes...
    spec["solutions"][0]["popup"] = ["owners"]
    project.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    report = scmap.validate_project(scmap.load_project(project))
    assert not report.ok and any("solutions.0.popup: no column 'owners'" in e for s in report.sources for e in s.errors)


def test_legend_shows_the_model_classes_until_the_weights_change(browser, tmp_path: Path):
    page = open_html(browser, _demo_map(tmp_path)).page
    page.evaluate("window.scmap.showModel('ev_charging')")
    note = page.locator(".scmap-legend-choropleth[data-choropleth='suit:ev_charging'] .scmap-classes")
    assert note.is_visible() and note.inner_text().startswith("classes up to ")
    assert len(note.inner_text().removeprefix("classes up to ").split(" · ")) == 5  # quantiles, k = 5
    assert page.locator(".scmap-legend-choropleth[data-choropleth='suit:ev_charging'] .scmap-class-tick").count() == 5
    page.evaluate("window.scmap.setWeights('ev_charging', {stops: 9})")
    assert not note.is_visible()


def test_grid_overlays_draw_and_say_what_meets_where_clicked(browser, tmp_path: Path):
    from scmap.project.datasets import copy_demo

    project = copy_demo(tmp_path / "p")
    spec = yaml.safe_load(project.read_text(encoding="utf-8"))
    spec["map"]["max_area_vertices"] = 0  # the demo's outlines are light: force the grid
    project.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    results = scmap.run(project)
    out = tmp_path / "map.html"
    scmap.save_html(results.map(), out, inline=True)
    opened = open_html(browser, out, offline=True)
    page = opened.page
    page.evaluate("window.scmap.gridsReady")
    assert page.locator("img.scmap-grid").count() == 1  # hotspots on; service areas off at start
    assert "Drawn on a grid of" in page.locator(".scmap-legend").inner_text()
    # the largest three-sector hotspot: a point well inside it, clicked with the solutions hidden
    hot = results.overlap.hotspots
    piece = hot.loc[hot["n_sectors"] == 3].sort_values("area_m2").geometry.iloc[-1].buffer(-40)
    inside = gpd.GeoSeries([piece.representative_point()], crs=hot.crs).to_crs(4326).iloc[0]
    page.evaluate(
        """([lat, lon]) => { const r = window.scmap._registry;
           ['energy', 'mobility', 'ict'].forEach(k => r.map.removeLayer(r.sectors[k]));
           ['relations', 'gi_star'].forEach(k => r.overlays[k] && r.map.removeLayer(r.overlays[k]));
           r.overlays.service_areas.addTo(r.map); r.map.setView([lat, lon], 16, { animate: false }); }""",
        [inside.y, inside.x],
    )
    page.evaluate("window.scmap.gridsReady")
    assert page.locator("img.scmap-grid").count() == 2
    page.wait_for_timeout(300)
    at = page.evaluate(f"window.scmap.map.latLngToContainerPoint([{inside.y}, {inside.x}])")
    page.mouse.click(at["x"], at["y"])
    popup = page.locator(".leaflet-popup-content").inner_text()
    assert "At this spot" in popup and "3 sectors meet\tEnergy + Mobility + ICT" in popup
    assert "Service areas\tEnergy, Mobility, ICT" in popup
    assert opened.errors == []


def test_hexagon_counts_draw_and_answer_clicks(browser, tmp_path: Path):
    from scmap.project.datasets import copy_demo

    project = copy_demo(tmp_path / "p")
    spec = yaml.safe_load(project.read_text(encoding="utf-8"))
    spec["map"]["max_points"] = 50  # the demo's 147 solutions: counted per hexagon
    project.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    out = tmp_path / "map.html"
    scmap.save_html(scmap.run(project).map(), out, inline=True)
    opened = open_html(browser, out, offline=True)
    page = opened.page
    hexes = page.evaluate("Object.fromEntries(window.scmap._registry.data.sectors.map(s => [s.key, s.hex.q.length]))")
    assert {k: page.evaluate(f"window.scmap.counts['{k}']") for k in hexes} == hexes
    assert page.locator(".scmap-marker").count() == 0
    assert page.locator(".scmap-legend").inner_text().count("Counted per hexagon of") == 3
    # the fullest energy hexagon, clicked with the other layers hidden: its count per type
    at = page.evaluate(
        """() => { const r = window.scmap._registry, sec = r.data.sectors.find(s => s.key === 'energy');
           ['mobility', 'ict'].forEach(k => r.map.removeLayer(r.sectors[k]));
           Object.values(r.overlays).forEach(o => r.map.removeLayer(o));
           const totals = sec.hex.n.map(c => c.reduce((a, b) => a + b, 0));
           const i = totals.indexOf(Math.max(...totals));
           let cell = null;
           r.sectors.energy.eachLayer(l => { if (l.scmapFeature.title.endsWith(': ' + totals[i])) cell = l; });
           r.map.setView(cell.getCenter(), 15, { animate: false });
           const p = r.map.latLngToContainerPoint(cell.getCenter());
           return { x: p.x, y: p.y, n: totals[i] }; }"""
    )
    page.mouse.click(at["x"], at["y"])
    popup = page.locator(".leaflet-popup-content").inner_text()
    assert f"Solutions in this hexagon: {at['n']}" in popup and "Energy · Counted per hexagon" in popup
    assert opened.errors == []


def test_shapes_answer_the_pointer_and_the_keyboard_though_bound_only_when_first_needed(browser, tmp_path: Path):
    """Tooltips and popups are bound on first need: a real pointer and Enter on a marker still get them."""
    out = tmp_path / "map.html"
    scmap.run(demo_project_path()).map().save(str(out))
    opened = open_html(browser, out)
    page = opened.page
    unbound = "window.scmap._registry.districts.getLayers().filter(l => l.scmapTexts).length"
    assert page.evaluate(unbound) == 24  # nothing bound at start
    at = page.evaluate(
        """() => { const r = window.scmap._registry;
           Object.values(r.sectors).forEach(g => r.map.removeLayer(g));
           Object.values(r.overlays).forEach(g => r.map.removeLayer(g));
           r.map.removeLayer(r.labels);
           const d = r.districts.getLayers().find(l => l.scmapFeature.title === 'Mladost');
           r.map.fitBounds(d.getBounds(), { animate: false });
           const p = r.map.latLngToContainerPoint(d.getCenter()); return { x: p.x, y: p.y }; }"""
    )
    page.mouse.move(at["x"], at["y"])
    page.wait_for_selector(".leaflet-tooltip")
    assert "Mladost" in page.locator(".leaflet-tooltip").inner_text()
    page.mouse.click(at["x"], at["y"])
    assert page.locator(".leaflet-popup-content .scmap-popup-title").inner_text() == "Mladost"
    assert page.evaluate(unbound) == 23  # the one shape asked, and no other
    page.mouse.move(at["x"] + 400, at["y"] + 300)  # the pointer leaves: the shape's own handlers now answer
    page.keyboard.press("Escape")
    page.evaluate("window.scmap.map.closePopup()")
    # a marker reached by the keyboard opens its popup with Enter
    page.evaluate(
        "() => { const r = window.scmap._registry; r.sectors.mobility.addTo(r.map);"
        " r.map.fitBounds(r.districts.getBounds()); }"
    )
    page.locator(".scmap-marker").first.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector(".leaflet-popup-content .scmap-popup-title")
    assert "Service radius" in page.locator(".leaflet-popup-content").inner_text()
    assert opened.errors == []


def test_a_name_is_not_repeated_close_by(browser, tmp_path: Path):
    """Census sections named after their neighbourhood: two adjacent 'Sarrià' sections show the
    name once; a third, far away, shows it again."""
    import shapely

    from scmap.maps import save_html

    xs = [0, 3000, 6000, 40_000]  # metres east: A and B adjacent, D far away
    districts = gpd.GeoDataFrame(
        {"district_id": list("ABCD"), "district_name": ["Sarrià", "Sarrià", "Gràcia", "Sarrià"]},
        geometry=[shapely.box(690_000 + x, 4_725_000, 693_000 + x, 4_728_000) for x in xs],
        crs="EPSG:32634",
    )
    one = gpd.GeoDataFrame(
        {"solution_id": ["w"], "name": "Wi-Fi", "sector": "ict", "solution": "public_wifi", "status": "existing"},
        geometry=[shapely.Point(690_500, 4_725_200)],
        crs=districts.crs,
    )
    out = tmp_path / "names.html"
    save_html(solution_map(districts, one, basemap="none"), out, inline=True)
    page = open_html(browser, out, offline=True).page
    page.wait_for_function("window.scmap._registry.labelsShown >= 3", timeout=10_000)  # the first view, settled
    shown = sorted(page.locator(".scmap-label").all_inner_texts())
    assert shown == ["Gràcia", "Sarrià", "Sarrià"], shown
    centres = page.evaluate(
        """() => [...document.querySelectorAll('.scmap-label')].filter(e => e.innerText === 'Sarrià')
                 .map(e => { const r = e.getBoundingClientRect(); return r.left + r.width / 2; })"""
    )
    assert abs(centres[0] - centres[1]) > 200  # the two shown are A (or B) and D
    page.get_by_label("Find a district").fill("sarria")
    page.get_by_label("Find a district").dispatch_event("change")
    assert page.inner_text(".scmap-search-status") == "3 districts match: Sarrià"  # each name once
    offered = page.evaluate("[...document.querySelectorAll('datalist option')].map(o => o.value)")
    assert offered == ["Gràcia", "Sarrià", "Sarrià (A)", "Sarrià (B)", "Sarrià (D)"]  # shared: with the ids
    for asked in ("Sarrià (D)", "d"):  # the name with its id, or the id alone: that one district
        page.get_by_label("Find a district").fill(asked)
        page.get_by_label("Find a district").dispatch_event("change")
        page.wait_for_selector(".leaflet-popup-content")
        assert page.inner_text(".scmap-search-status") == ""
        assert "District D" in page.inner_text(".leaflet-popup-content")
        page.evaluate("window.scmap.map.closePopup()")
