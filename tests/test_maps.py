"""The map's HTML: every data string escaped once, nothing executed while rendering."""

from __future__ import annotations

import json
import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from payloads import MARKER, PAYLOADS, payload_catalogue, payload_layers
from scmap import load_inputs, load_project, solution_map
from scmap.datasets import demo_project_path
from scmap.maps._safe import html_text, script_json

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
    at = re.search(r"scmapRender\(map_\w+, ", html).end()
    decoder = json.JSONDecoder()
    payload, end = decoder.raw_decode(html, at)
    geometries, _ = decoder.raw_decode(html, end + 2)
    return payload, geometries


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
