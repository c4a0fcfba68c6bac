"""Where the map's JavaScript and CSS come from.

A CDN in the page, or scmap's vendored copies
written into the page (``inline``) by :func:`inline_assets`, which :func:`scmap.maps.export.render_html`
and the workshop room call.
"""

from __future__ import annotations

import base64
import re
from importlib import resources

__all__ = ["CLUSTER_CSS", "CLUSTER_JS", "LEAFLET_CSS", "LEAFLET_JS", "inline_assets"]

LEAFLET_JS = "https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/leaflet.js"
LEAFLET_CSS = "https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/leaflet.css"
CLUSTER_JS = "https://cdn.jsdelivr.net/npm/leaflet.markercluster@1.5.3/dist/leaflet.markercluster.js"
CLUSTER_CSS = [
    "https://cdn.jsdelivr.net/npm/leaflet.markercluster@1.5.3/dist/MarkerCluster.css",
    "https://cdn.jsdelivr.net/npm/leaflet.markercluster@1.5.3/dist/MarkerCluster.Default.css",
]

_VENDOR = {
    LEAFLET_JS: ("leaflet.js", "script"),
    LEAFLET_CSS: ("leaflet.css", "style"),
    CLUSTER_JS: ("leaflet.markercluster.js", "script"),
    CLUSTER_CSS[0]: ("MarkerCluster.css", "style"),
    CLUSTER_CSS[1]: ("MarkerCluster.Default.css", "style"),
}


def inline_assets(page: str) -> str:
    """Return *page* with Leaflet and its plugins written into it.

    *page* with Leaflet and its plugins written into it instead of fetched from their CDN (a
    page already inlined is returned as it is).
    """
    vendor = resources.files("scmap.maps").joinpath("vendor")

    def data_uri(match: re.Match[str]) -> str:  # Leaflet's control images, inside the page too
        image = vendor.joinpath("images", match.group(1)).read_bytes()
        return f"url(data:image/png;base64,{base64.b64encode(image).decode('ascii')})"

    for url, (name, kind) in _VENDOR.items():
        if url not in page:
            continue
        content = vendor.joinpath(name).read_text(encoding="utf-8")
        content = re.sub(r"url\(images/([\w.-]+\.png)\)", data_uri, content)
        if kind == "script":
            for tag in (f'<script src="{url}"></script>', f"<script src='{url}'></script>"):
                page = page.replace(tag, f"<script>{content}</script>")
        else:
            for tag in (f'<link rel="stylesheet" href="{url}"/>', f'<link rel="stylesheet" href="{url}" />'):
                page = page.replace(tag, f"<style>{content}</style>")
    return page
