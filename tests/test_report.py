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


def test_the_data_quality_section_speaks_the_reports_language_and_says_each_fact_once(tmp_path: Path):
    """A Spanish report of a file with 1,200 rows, four of them unusable: the table of reasons is in
    Spanish, row numbers are not grouped like amounts (1100, not 1.100), and the notes leave out
    what the tables already say (the rejected-row summary, the outside count, the repeated solutions)."""
    import folium
    import pandas as pd

    from scmap.outputs.report import render_report
    from scmap.project.datasets import copy_demo

    project = copy_demo(tmp_path / "p")
    rows = pd.DataFrame({"ref": [f"r{i}" for i in range(1200)], "kind": "public_wifi"})
    rows["lon"] = (23.30 + (rows.index % 40) * 0.001).astype(str).astype(object)
    rows["lat"] = 42.68 + (rows.index // 40) * 0.001
    rows.loc[1099, "lon"] = "n/a"  # row 1100 (rows are counted from the first under the header)
    rows.loc[1150, "ref"] = "r7"
    rows.loc[1160, "ref"] = ""
    rows.loc[1170, "kind"] = "teleporter"
    rows.loc[1180, ["lon", "lat"]] = rows.loc[1181, ["lon", "lat"]].to_numpy()  # one place twice
    rows.loc[1190, ["lon", "lat"]] = ["24.75", 42.15]  # Plovdiv: outside every district of Sofia
    rows.to_csv(tmp_path / "p" / "wifi.csv", index=False)
    spec = yaml.safe_load(project.read_text(encoding="utf-8"))
    spec["solutions"].append({"path": "wifi.csv", "solution_field": "kind", "id": "ref", "id_prefix": "w"})
    spec["map"]["language"] = "es"
    project.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    results = run(project)
    page = render_report(results.report_input(), fmap=folium.Map(tiles=None))
    quality = page.split("<h2>Calidad de los datos</h2>", 1)[1].split("<h2", 1)[0]
    spanish = ["la coordenada no es un número", "identificador repetido", "tipo de solución desconocido"]
    for reason in [*spanish, "falta el identificador en la columna 'ref'"]:
        assert f"<td>{reason}</td>" in quality, reason
    assert "<td>1100</td>" in quality and "<td>1.100</td>" not in quality
    first = quality.split("Las primeras filas", 1)[1].split("</table>", 1)[0]  # each row's whole reason
    for reason in ("la coordenada 'n/a' no es un número", "identificador repetido r7 (usado antes en la fila 8)",
                   "tipo de solución desconocido 'teleporter'; admitidos: ev_charging, "):  # fmt: skip
        assert reason in first, (reason, first)
    notes = quality.partition("Notas sobre los datos de entrada")[2]
    assert "rows rejected" not in notes and "repeat another of the same type" not in notes
    assert "outside every district" not in notes
    outside = quality.split("Soluciones fuera de todo distrito (1)", 1)[1]
    assert "<th>Fuera de todo distrito</th>" in outside  # each file's count, in Spanish
    assert "<td>wifi.csv</td>\n      <td>1</td>\n      <td>1.196</td>" in outside  # 1 of its 1,196 kept
    assert any("rows rejected" in w for w in results.notes())  # said where there is no table (the CLI)
    assert any("repeats another of the same type" in w for w in results.notes())
