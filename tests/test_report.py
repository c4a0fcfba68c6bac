"""The report as a handout: labelled and formatted tables, fits a screen, prints to A4 unclipped."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from _browser import open_html
from scmap import run
from scmap.core.catalogue import load_catalogue
from scmap.maps._format import format_table

SCIENTIFIC = re.compile(r"(?<![\w.])\d+(\.\d+)?[eE][+-]?\d+(?!\w)")  # 1.1e+06, not inside a hash


def _barcelona(realdata: Path, tmp: Path) -> Path:
    """The real-data Barcelona project (barris, Bicing, EV charging, Wi-Fi) with an EV charging model."""
    from test_realdata import _barcelona_project

    path = _barcelona_project(realdata, tmp)
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    b = realdata / "barcelona"
    spec["layers"] = {
        "bicing": {"path": str(b / "08019_stations.geojson")},
        "wifi": {"path": str(b / "08019_punts_wifi.geojson")},
    }
    spec["suitability"] = {
        "models": {
            "ev_charging": {
                "criteria": {
                    "bikes": {"count_of": "bicing", "better": "higher"},
                    "wifi": {"distance_to": "wifi", "fuzzy": [100, 800]},
                },
                "weights": {"bikes": 2, "wifi": 1},
            }
        }
    }
    path.write_text(yaml.safe_dump(spec, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def test_format_table_labels_and_units():
    import pandas as pd

    table = pd.DataFrame(
        {
            "district_name": ["Gràcia"],
            "area_m2": [4_190_000.0],
            "covered_mobility": [0.456],
            "ev_charging_score": [0.123456],
            "ev_charging_rank": [3.0],
            "mean_uncovered_population": [1.15224e7],
        }
    )
    shown = format_table(table, load_catalogue())
    assert list(shown.columns) == [
        "District",
        "Area",
        "Mobility: share of area served",
        "EV charging: score",
        "EV charging: rank",
        "People outside service areas (mean over sectors)",
    ]
    assert shown.iloc[0].tolist() == ["Gràcia", "4.19 km²", "46%", "0.12", "3", "11,522,400"]


@pytest.mark.realdata
@pytest.mark.browser
def test_barcelona_report_is_a_handout(realdata: Path, tmp_path: Path, browser):
    results = run(_barcelona(realdata, tmp_path))
    results.save(tmp_path / "pack")
    report = tmp_path / "pack" / "report.html"
    page = open_html(browser, report, wait_for="document.readyState === 'complete'", offline=True).page
    page.set_viewport_size({"width": 1400, "height": 900})
    text = page.evaluate("document.body.innerText")
    assert not SCIENTIFIC.search(text), SCIENTIFIC.search(text)
    assert "1 of 73" in text and "Where each solution fits best" in text
    assert "542 input rows were not used" in text and "duplicate id" in text
    assert "Solutions outside every district (2)" in text
    assert page.evaluate("document.documentElement.scrollWidth") <= 1400
    # printed on A4 (210 mm = 794 CSS px, less the page margins): no table, figure or block wider
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 794 - 91, "height": 1123})
    clipped = page.evaluate(
        """() => [...document.querySelectorAll('table, img, pre, p')]
             .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
             .map(e => e.tagName + ' ' + (e.textContent || '').slice(0, 40))"""
    )
    assert clipped == []
    pdf = tmp_path / "report.pdf"
    page.pdf(path=str(pdf), format="A4")
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 50_000
