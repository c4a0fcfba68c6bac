"""What a person sees: maps opened in headless Chromium (Leaflet served from local npm assets)."""

from __future__ import annotations

from pathlib import Path

import pytest

from _browser import open_html
from payloads import PAYLOADS, payload_catalogue, payload_layers
from scmap import load_inputs, load_project, solution_map
from scmap.datasets import demo_project_path
from scmap.pipeline import project_map

pytestmark = pytest.mark.browser


def test_demo_map_shows_every_district_and_solution(browser, tmp_path: Path):
    inputs = load_inputs(load_project(demo_project_path()))
    out = tmp_path / "map.html"
    project_map(inputs).save(str(out))
    opened = open_html(browser, out)
    page = opened.page
    assert opened.errors == [] and opened.unexpected == []
    counts = page.evaluate("window.scmap.counts")
    assert counts["districts"] == 24
    assert {k: v for k, v in counts.items() if k != "districts"} == inputs.solutions["sector"].value_counts().to_dict()
    # every point solution is a marker in the DOM; lines/polygons are paths on the canvas
    n_points = int((inputs.solutions.geometry.geom_type == "Point").sum())
    assert page.locator(".scmap-marker").count() == n_points
    assert page.locator(".scmap-label").count() == 24
    assert page.locator(".scmap-title").inner_text() == "Sofia smart-city solutions (demo, schematic data)"
    labels = page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    assert [t.strip() for t in labels] == ["Districts", "Energy (49)", "Mobility (59)", "ICT (39)"]


def test_legend_follows_layer_toggles_and_popups_explain(browser, tmp_path: Path):
    inputs = load_inputs(load_project(demo_project_path()))
    out = tmp_path / "map.html"
    project_map(inputs).save(str(out))
    page = open_html(browser, out).page
    energy_block = page.locator(".scmap-legend-sector[data-sector='energy']")
    assert energy_block.is_visible()
    page.locator(".leaflet-control-layers-overlays label", has_text="Energy").locator("input").click()
    assert not energy_block.is_visible()
    assert page.evaluate("window.scmap.map.hasLayer(window.scmap.sectors.energy)") is False
    page.locator(".leaflet-control-layers-overlays label", has_text="Energy").locator("input").click()
    assert energy_block.is_visible()
    # open the popup of the first EV charger: catalogue entry, status, reference case
    page.evaluate("""() => {
        const lyr = window.scmap.sectors.mobility.getLayers().find(l => l.scmapFeature.title === 'Ev charging 1');
        lyr.openPopup();
    }""")
    popup = page.locator(".leaflet-popup-content").inner_text()
    assert "Ev charging 1" in popup and "EV charging · Mobility" in popup
    assert "Reference case\tIRIS (Utrecht)" in popup
    assert "Service radius\t300 m" in popup


def test_payloads_stay_text_in_the_browser(browser, tmp_path: Path):
    districts, solutions = payload_layers()
    fmap = solution_map(
        districts,
        solutions,
        catalogue=payload_catalogue(tmp_path),
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
        const groups = [window.scmap.districts, ...Object.values(window.scmap.sectors)];
        for (const g of groups) for (const l of g.getLayers()) {
            l.openPopup(); out.push(document.querySelector('.leaflet-popup-content').textContent); l.closePopup();
            l.openTooltip(); out.push(l.getTooltip().getElement().textContent); l.closeTooltip();
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
        assert payload in shown, payload  # shown exactly, as text
    assert page.locator(".scmap-title").inner_text() == PAYLOADS[6]
    assert page.evaluate("document.title") == PAYLOADS[6]
    control = page.locator(".leaflet-control-layers-overlays").inner_text()
    assert PAYLOADS[0] in control and PAYLOADS[5] in control  # sector labels as layer names
    legend = page.locator(".scmap-legend").inner_text()
    assert PAYLOADS[3] in legend and PAYLOADS[6] in legend  # type labels in the legend
    assert PAYLOADS[1] in page.locator(".leaflet-control-attribution").inner_text()
    assert page.locator(".scmap-symbol", has_text="<b>").count() == 5  # icon text, not markup
