"""The built-in catalogue and user extensions."""

from __future__ import annotations

from pathlib import Path

import pytest

from scmap.core.catalogue import load_catalogue
from scmap.errors import CatalogueError


def test_builtin_covers_three_sectors_and_fifteen_types():
    cat = load_catalogue()
    assert set(cat.sectors) >= {"energy", "mobility", "ict"}
    assert len(cat.solutions) >= 15
    per_sector = {s: sum(t.sector == s for t in cat.solutions.values()) for s in ("energy", "mobility", "ict")}
    assert min(per_sector.values()) >= 5, per_sector
    for key, sol in cat.solutions.items():
        assert sol.radius_m > 0 and sol.label and sol.icon and sol.description, key
        assert cat.colour(key).startswith("#")
    named = {c.name for sol in cat.solutions.values() for c in sol.reference_cases}
    assert {"STORM", "Small Giants", "Sentilo"} <= named
    assert any(c.name == "STORM" and c.city == "Heerlen" for c in cat.solutions["district_heating"].reference_cases)
    for rule in cat.rules:
        assert cat.is_rule_target(rule.a) and cat.is_rule_target(rule.b)
    relations = {(r.a, r.b, r.relation) for r in cat.rules}
    assert ("ev_charging", "rooftop_pv", "synergy") in relations
    assert ("district_heating", "building_retrofit", "synergy") in relations
    assert ("mobility_island", "mobility_island", "conflict") in relations


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("EV charging", "ev_charging"),
        ("  ev-charging ", "ev_charging"),
        ("Punt de recarrega", "ev_charging"),
        ("Wi-Fi", "public_wifi"),
        ("Bike sharing station", "bike_sharing"),
        ("hovercraft", None),
    ],
)
def test_lenient_matching(text: str, key: str | None):
    assert load_catalogue().match_solution(text) == key


def test_user_catalogue_extends_and_overrides(tmp_path: Path):
    user = tmp_path / "cat.yaml"
    user.write_text(
        "version: city-1\n"
        "sectors:\n  environment: {label: Environment, colour: '#2ca02c'}\n"
        "solutions:\n"
        "  ev_charging: {radius_m: 150}\n"
        "  urban_trees: {sector: environment, label: Urban trees, radius_m: 80, icon: T, description: Street trees}\n"
        "rules:\n  - {a: urban_trees, b: sector:mobility, relation: synergy, within_m: 50}\n"
    )
    cat = load_catalogue(user)
    assert cat.solutions["ev_charging"].radius_m == 150
    assert cat.solutions["ev_charging"].label == "EV charging"  # untouched fields kept
    assert cat.solutions["urban_trees"].sector == "environment"
    assert cat.rules[-1].b == "sector:mobility"
    assert cat.version == "2026.11+city-1"
    assert len(cat.rules) == len(load_catalogue().rules) + 1


def test_user_catalogue_errors_name_file_and_key(tmp_path: Path):
    user = tmp_path / "bad.yaml"
    user.write_text(
        "solutions:\n  tram: {sector: transport, label: Tram, radius_m: 400}\n"
        "rules:\n  - {a: tram, b: hovercraft, relation: synergy, within_m: 10}\n"
    )
    with pytest.raises(CatalogueError) as info:
        load_catalogue(user)
    text = str(info.value)
    assert str(user) in text
    assert "solutions.tram.sector: unknown sector 'transport'; allowed: energy, mobility, ict" in text
    assert "rules.12.b: unknown solution type 'hovercraft'" in text


def test_user_catalogue_bad_values(tmp_path: Path):
    user = tmp_path / "bad.yaml"
    user.write_text("sectors:\n  energy: {colour: orange}\nsolutions:\n  ev_charging: {radius_m: -5}\nwhat: 1\n")
    with pytest.raises(CatalogueError, match="unknown keys what"):
        load_catalogue(user)
    user.write_text("sectors:\n  energy: {colour: orange}\nsolutions:\n  ev_charging: {radius_m: -5}\n")
    with pytest.raises(CatalogueError) as info:
        load_catalogue(user)
    assert "sectors.energy.colour: colour must be #rrggbb, got 'orange'" in str(info.value)
    assert "solutions.ev_charging.radius_m: Input should be greater than 0" in str(info.value)
