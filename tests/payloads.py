"""Text that must stay text: in Python (Jinja), in HTML, in JavaScript."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import shapely

from scmap.core.catalogue import load_catalogue

MARKER = Path("/tmp/scmap-jinja-payload-executed")

PAYLOADS = [
    "<script>window.__pwned = 1</script>",
    '<img src=x onerror="window.__pwned = 2">',
    "</script><script>window.__pwned = 3</script>",
    "`${window.__pwned = 4}`",
    "${window.__pwned = 5}",
    "{{ lipsum.__globals__.os.popen('touch " + str(MARKER) + "').read() }}",
    "{% for x in range(3) %}LOOP{% endfor %}",
    "{# hidden #}",
    "'\"; window.__pwned = 6; //",
    "\u202eRTL override שלום مرحبا",
]


def payload_catalogue(tmp: Path):
    """A catalogue whose sector and type labels (layer names, legend labels) are payloads."""
    user = tmp / "payload_catalogue.yaml"
    import yaml

    user.write_text(
        yaml.safe_dump(
            {
                "sectors": {"ict": {"label": PAYLOADS[0]}, "energy": {"label": PAYLOADS[5]}},
                "solutions": {
                    "public_wifi": {"label": PAYLOADS[3], "icon": "<b>"},
                    "rooftop_pv": {"label": PAYLOADS[6], "description": PAYLOADS[1]},
                },
            }
        )
    )
    return load_catalogue(user)


def payload_layers() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    n = len(PAYLOADS)
    districts = gpd.GeoDataFrame(
        {
            "district_id": [f"P{i}" for i in range(n)],
            "district_name": PAYLOADS,
            PAYLOADS[2]: PAYLOADS[::-1],
        },  # a column *name* that is a payload
        geometry=[shapely.box(23.30 + 0.01 * i, 42.68, 23.309 + 0.01 * i, 42.69) for i in range(n)],
        crs="EPSG:4326",
    )
    solutions = gpd.GeoDataFrame(
        {
            "solution_id": [f"S{i}" for i in range(n)],
            "name": PAYLOADS,
            "sector": ["ict" if i % 2 else "energy" for i in range(n)],
            "solution": ["public_wifi" if i % 2 else "rooftop_pv" for i in range(n)],
            "status": "candidate",
            "radius_m": float("nan"),
            "source": "payloads",
            "source_row": range(1, n + 1),
            PAYLOADS[4]: PAYLOADS,
        },
        geometry=[shapely.Point(23.305 + 0.01 * i, 42.685) for i in range(n)],
        crs="EPSG:4326",
    )
    return districts, solutions
