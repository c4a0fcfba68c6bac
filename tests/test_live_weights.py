"""Weights the workshop can move: the page re-scores exactly as Python, and the choice goes back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

import scmap
from _browser import open_html
from scmap.analysis.suitability import make_units, score_model
from scmap.cli.main import cli
from scmap.project.datasets import copy_demo
from scmap.project.spec import ModelSpec

pytestmark = pytest.mark.browser

OWA = {"ev_charging": [0.5, 0.3, 0.2], "district_heating": [0.7, 0.3]}


def _project(tmp_path: Path, aggregation: str) -> Path:
    project = copy_demo(tmp_path / aggregation)
    spec = yaml.safe_load(project.read_text(encoding="utf-8"))
    for key, model in spec["suitability"]["models"].items():
        model["aggregation"] = aggregation
        if aggregation == "owa":
            model["owa"] = OWA[key]
    spec["suitability"].pop("sensitivity", None)
    # a constraint that excludes districts, so that switching it off changes the units in play
    spec["suitability"]["models"]["ev_charging"]["criteria"]["big"] = {
        "attribute": "population",
        "exclude": True,
        "min": 60000,
    }
    project.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return project


def python_scores(inputs: scmap.inputs.Inputs, key: str, weights: dict[str, float], off: tuple[str, ...] = ()) -> dict:
    """scmap.analysis.suitability's scores for *key* with direct *weights* (and constraints *off* removed)."""
    spec = inputs.project.spec.suitability
    data = spec.models[key].model_dump(exclude_none=True)
    for gone in ("rank", "ahp"):
        data.pop(gone, None)
    data.update(weights=weights, weight_sets={})
    for name in off:
        data["criteria"].pop(name)
    units = make_units(inputs.districts.gdf, spec.units)
    layers = {name: loaded.gdf for name, loaded in inputs.layers.items()}
    m = score_model(key, ModelSpec.model_validate(data), units, districts=inputs.districts.gdf, layers=layers)
    return {u: (None if np.isnan(s) else float(s)) for u, s in zip(units["unit_id"], m.score, strict=True)}


def _same(browser_scores: dict[str, Any], python: dict[str, Any]) -> None:
    assert set(browser_scores) == set(python)
    for unit, value in python.items():
        if value is None:
            assert browser_scores[unit] is None, unit
        else:
            assert browser_scores[unit] == pytest.approx(value, abs=1e-9), unit


def _page(browser, tmp_path: Path, project: Path):
    results = scmap.run(project)
    out = tmp_path / f"{project.parent.name}.html"
    scmap.save_html(results.map(), out, inline=True)
    return open_html(browser, out, offline=True).page, scmap.load_inputs(scmap.load_project(project))


@pytest.mark.parametrize("aggregation", ["wlc", "product", "owa"])
def test_browser_scores_equal_python_for_random_weights(browser, tmp_path: Path, aggregation: str):
    page, inputs = _page(browser, tmp_path, _project(tmp_path, aggregation))
    rng = np.random.default_rng(7)
    for key in ("ev_charging", "district_heating"):
        criteria = list(page.evaluate(f"Object.keys(window.scmap.weights('{key}'))"))
        project_scores = page.evaluate(f"window.scmap.scores('{key}')")
        _same(project_scores, python_scores(inputs, key, dict(page.evaluate(f"window.scmap.weights('{key}')"))))
        for _ in range(4):
            weights = {c: float(v) for c, v in zip(criteria, rng.uniform(0.01, 10, len(criteria)), strict=True)}
            got = page.evaluate("([k, w]) => window.scmap.setWeights(k, w)", [key, weights])
            _same(got, python_scores(inputs, key, weights))
        ranks = page.evaluate(f"window.scmap.ranks('{key}')")
        scores = pd.Series(page.evaluate(f"window.scmap.scores('{key}')"), dtype=float)
        expected = scores.rank(ascending=False, method="min")
        assert {u: r for u, r in ranks.items() if r is not None} == {u: int(v) for u, v in expected.dropna().items()}
    # a constraint switched off: small districts come back into play, min-max runs over the larger set
    weights = page.evaluate("window.scmap.weights('ev_charging')")
    excluded_before = sum(v is None for v in page.evaluate("window.scmap.scores('ev_charging')").values())
    got = page.evaluate("window.scmap.setConstraint('ev_charging', 'big', false)")
    _same(got, python_scores(inputs, "ev_charging", weights, off=("big",)))
    assert sum(v is None for v in got.values()) < excluded_before == 14


def test_slider_preset_compare_and_export_round_trip(browser, tmp_path: Path):
    project = _project(tmp_path, "wlc")
    page, _ = _page(browser, tmp_path, project)
    page.evaluate("window.scmap.showModel('ev_charging')")
    before_colours = page.evaluate(
        "window.scmap._registry.choropleths['suit:ev_charging'].getLayers().map(l => l.options.fillColor)"
    )
    page.locator(".scmap-weights-toggle").click()
    slider = page.locator(".scmap-weights-slider[data-criterion='stops']")
    box = slider.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] * 0.97, box["y"] + box["height"] / 2)  # stops to ~97 %
    after = page.evaluate("window.scmap.weights('ev_charging')")
    assert after["stops"] > 0.8
    colours = page.evaluate(
        "window.scmap._registry.choropleths['suit:ev_charging'].getLayers().map(l => l.options.fillColor)"
    )
    assert colours != before_colours
    ranks = page.evaluate("window.scmap.ranks('ev_charging')")
    moved = next(
        i
        for i, (u, r) in enumerate(ranks.items())
        if r is not None and r != page.evaluate("window.scmap._registry.models.ev_charging.projectRank")[i]
    )
    page.evaluate(f"window.scmap._registry.choropleths['suit:ev_charging'].getLayers()[{moved}].openPopup()")
    popup = page.locator(".leaflet-popup-content").inner_text()
    assert " of " in popup and "(was " in popup
    # a stakeholder preset restores that weight set exactly
    page.locator(".scmap-weights-presets button[data-preset='mobility_team']").click()
    team = scmap.run(project).suitability.models["ev_charging"].sets["mobility_team"][0]
    got = page.evaluate("window.scmap.weights('ev_charging')")
    assert list(got.values()) == pytest.approx(list(team), abs=1e-12)
    # exported weights reproduce the page's scores in the pack; compare them with the project's
    chosen = {"pop_density": 1.0, "metro_access": 4.0, "stops": 2.5}
    browser_scores = page.evaluate("([k, w]) => window.scmap.setWeights(k, w)", ["ev_charging", chosen])
    page.evaluate("window.scmap.showModel('ev_charging')")
    page.select_option(".scmap-weights-compare", "project")
    assert page.locator(".scmap-weights-moves li").count() >= 1
    fills = page.evaluate(
        "window.scmap._registry.choropleths['suit:ev_charging'].getLayers().map(l => l.options.fillColor)"
    )
    assert {"#1b7837", "#762a83"} & set(fills)  # units that gain or lose rank against the project
    exported = page.evaluate("window.scmap.exportWeights('ev_charging', 'energy department')")
    weights_file = tmp_path / "weights.json"
    weights_file.write_text(json.dumps(exported), encoding="utf-8")
    out = tmp_path / "pack"
    result = CliRunner().invoke(cli, ["run", str(project), "-o", str(out), "--weights", str(weights_file)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "suitability.csv").set_index("unit_id")["ev_charging_score"]
    for unit, value in browser_scores.items():
        if value is None:
            assert np.isnan(table[unit])
        else:
            assert table[unit] == pytest.approx(value, abs=1e-9)
    assert "energy department" in (out / "report.html").read_text(encoding="utf-8")


@pytest.mark.realdata
@pytest.mark.parametrize("aggregation", ["wlc", "product", "owa"])
def test_barcelona_browser_scores_equal_python(browser, realdata: Path, tmp_path: Path, aggregation: str):
    from test_report import _barcelona

    project = _barcelona(realdata, tmp_path)
    spec = yaml.safe_load(project.read_text(encoding="utf-8"))
    model = spec["suitability"]["models"]["ev_charging"]
    model["aggregation"] = aggregation
    if aggregation == "owa":
        model["owa"] = [0.6, 0.4]
    project.write_text(yaml.safe_dump(spec, sort_keys=False, allow_unicode=True), encoding="utf-8")
    page, inputs = _page(browser, tmp_path, project)
    rng = np.random.default_rng(11)
    for _ in range(3):
        weights = {"bikes": float(rng.uniform(0, 5)), "wifi": float(rng.uniform(0.01, 5))}
        got = page.evaluate("([k, w]) => window.scmap.setWeights(k, w)", ["ev_charging", weights])
        assert len(got) == 73
        _same(got, python_scores(inputs, "ev_charging", weights))
