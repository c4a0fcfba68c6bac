"""A project file nobody has to guess: the schema, the starter, helpful errors, lenient matching,
derived columns and id prefixes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import geopandas as gpd
import jsonschema
import pandas as pd
import pytest
import shapely
import yaml
from click.testing import CliRunner

from scmap import load_inputs, load_project, run
from scmap.cli.main import cli
from scmap.core._yaml import loads
from scmap.errors import ProjectError
from scmap.project.datasets import copy_demo, demo_project_path

REPO = Path(__file__).resolve().parents[1]
STARTER = REPO / "examples" / "my_city.yaml"


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["schema"])
    assert result.exit_code == 0
    out: dict[str, Any] = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(out)
    return out


def _keys(node: Any, defs: dict[str, Any], seen: set[str]) -> set[str]:
    """Every property name reachable in the schema."""
    found: set[str] = set()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if ref and ref not in seen:
            seen.add(ref)
            found |= _keys(defs[ref.split("/")[-1]], defs, seen)
        for key, value in node.get("properties", {}).items():
            found.add(key)
            found |= _keys(value, defs, seen)
        for value in node.values():
            if isinstance(value, dict | list):
                found |= _keys(value, defs, seen)
    elif isinstance(node, list):
        for value in node:
            found |= _keys(value, defs, seen)
    return found


def test_schema_validates_the_starter_and_the_demo_and_refuses_typos(schema):
    validator = jsonschema.Draft202012Validator(schema)
    for path in (STARTER, demo_project_path()):
        errors = list(validator.iter_errors(loads(path.read_text(encoding="utf-8"))))
        assert errors == [], (path, [e.message for e in errors])
    bad = loads(demo_project_path().read_text(encoding="utf-8"))
    bad["suitability"]["models"]["ev_charging"]["criteria"]["stops"] = {"count_off": "trams", "better": "higher"}
    messages = [e.message for e in validator.iter_errors(bad)]
    assert any("count_off" in m for m in messages)


def test_every_key_has_a_description_and_an_example(schema):
    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, prop in node.get("properties", {}).items():
                assert prop.get("description") and prop.get("examples"), key
            for value in node.values():
                walk(value)

    walk(schema)


def test_starter_explains_every_key_of_the_schema(schema):
    text = STARTER.read_text(encoding="utf-8")
    keys = _keys(schema, schema["$defs"], set())
    missing = sorted(k for k in keys if not re.search(rf"(?<![\w]){re.escape(k)}:", text))
    assert missing == [], f"examples/my_city.yaml does not mention: {missing}"


def test_init_writes_the_schema_beside_the_project(tmp_path: Path, schema):
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "city")])
    assert result.exit_code == 0
    project = tmp_path / "city" / "project.yaml"
    assert project.read_text(encoding="utf-8").startswith("# yaml-language-server: $schema=project.schema.json\n")
    assert json.loads((tmp_path / "city" / "project.schema.json").read_text(encoding="utf-8")) == schema
    assert CliRunner().invoke(cli, ["validate", str(project)]).exit_code == 0


def _demo(tmp_path: Path, change) -> Path:
    project = copy_demo(tmp_path / "p")
    spec = yaml.safe_load(project.read_text(encoding="utf-8"))
    change(spec)
    project.write_text(yaml.safe_dump(spec, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return project


@pytest.mark.parametrize(
    ("change", "expected", "never"),
    [
        (
            lambda s: s["suitability"]["models"]["ev_charging"]["criteria"].update(
                stops={"count_off": "trams", "better": "higher"}
            ),
            "criteria.stops.count_off: unknown key 'count_off'; did you mean 'count_of'? accepted keys here: attribute",
            "CriterionSpec",
        ),
        (
            lambda s: s["suitability"]["models"]["ev_charging"].update(weights={"ahp": {"order": [], "matrix": []}}),
            'ev_charging.weights.ahp: ahp: goes beside weights:, not inside it (e.g. ahp: {"order"',
            "valid number",
        ),
        (
            lambda s: s["suitability"]["models"]["ev_charging"].update(ahp=[[1, 2], [0.5, 1]]),
            'ev_charging.ahp: Input should be a valid dictionary (e.g. ahp: {"order"',
            "AHPSpec",
        ),
        (lambda s: s.update(mapp={"title": "x"}), "mapp: unknown key 'mapp'; did you mean 'map'?", "ProjectSpec"),
        (
            lambda s: s["suitability"].update(sensitivty={"runs": 100}),
            "did you mean 'sensitivity'?",
            "SuitabilitySpec",
        ),
        (  # a word other tools use, not a near spelling: the keys it stands for
            lambda s: s["solutions"][0].update(type="ev_charging"),
            "solutions.0.type: unknown key 'type'; did you mean 'solution' or 'solution_field'?",
            "SolutionSource",
        ),
        (
            lambda s: s["districts"].update(file="d.gpkg"),
            "districts.file: unknown key 'file'; did you mean 'path'?",
            "Spec",
        ),
    ],
)
def test_errors_list_keys_suggest_and_never_name_classes(tmp_path: Path, change, expected: str, never: str):
    with pytest.raises(ProjectError) as caught:
        load_project(_demo(tmp_path, change))
    assert expected in str(caught.value)
    assert never not in str(caught.value)


def test_lenient_matching_of_constants_and_values(tmp_path: Path):
    sites = gpd.GeoDataFrame(
        {"kind": ["Punt de recàrrega", "EV-Charging point!", "BIKE sharing"]},
        geometry=[shapely.Point(23.32, 42.69), shapely.Point(23.33, 42.70), shapely.Point(23.31, 42.68)],
        crs=4326,
    )
    sites.to_file(tmp_path / "sites.geojson")

    def change(spec: dict[str, Any]) -> None:
        spec["solutions"] = [
            {"path": str(tmp_path / "sites.geojson"), "solution_field": "kind"},
            {"path": "chargers.geojson", "solution": "EV charging point", "sector": "Mobility", "id": "ref"},
        ]

    inputs = load_inputs(load_project(_demo(tmp_path, change)))
    assert inputs.ok, [e for s in inputs.sources for e in s.errors]
    first = inputs.solutions[inputs.solutions["source"].str.contains("sites")]
    assert first["solution"].tolist() == ["ev_charging", "ev_charging", "bike_sharing"]
    assert set(inputs.solutions["solution"]) == {"ev_charging", "bike_sharing"}
    notes = " ".join(w for s in inputs.sources for w in s.warnings)
    assert "'Punt de recàrrega' -> ev_charging" in notes and "'EV charging point' -> ev_charging" in notes


def test_derived_column_feeds_population_and_bad_expressions_are_refused(tmp_path: Path):
    project = copy_demo(tmp_path / "p")
    districts = gpd.read_file(project.parent / "districts.gpkg", layer="districts")
    districts["Homes"] = districts["population"] // 2
    districts["Dones"] = districts["population"] - districts["Homes"]
    districts.drop(columns=["population"]).to_file(project.parent / "districts.gpkg", layer="districts")
    spec = yaml.safe_load(project.read_text(encoding="utf-8"))
    spec["districts"]["derive"] = {"population": "Homes + Dones"}
    project.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    derived = run(project)
    expected = run(demo_project_path())
    pd.testing.assert_series_equal(
        derived.summary["mean_uncovered_population"], expected.summary["mean_uncovered_population"]
    )
    spec["districts"]["derive"] = {"population": "Homes + __import__('os')"}
    project.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    with pytest.raises(ProjectError, match=r"districts.derive: population: .*unexpected"):
        load_project(project)
    spec["districts"]["derive"] = {"population": "Homes + Mujeres"}
    project.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    code = CliRunner().invoke(cli, ["validate", str(project)])
    assert code.exit_code == 1 and "districts.derive.population: 'Homes + Mujeres': no column 'Mujeres'" in code.output


def test_id_prefix_names_colliding_ids(tmp_path: Path):
    def change(spec: dict[str, Any]) -> None:
        spec["solutions"].append({"path": "chargers.geojson", "solution": "ev_charging", "id": "ref", "id_prefix": "x"})
        spec["solutions"][1]["path"] = "chargers_copy.geojson"

    project = _demo(tmp_path, change)
    (project.parent / "chargers_copy.geojson").write_bytes((project.parent / "chargers.geojson").read_bytes())
    inputs = load_inputs(load_project(project))
    ids = inputs.solutions["solution_id"]
    assert ids.is_unique
    assert ids.str.startswith("x:").sum() == 22
