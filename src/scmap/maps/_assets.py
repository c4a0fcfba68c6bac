"""Where the map's JavaScript and CSS come from.

A CDN in the page, or scmap's vendored copies
written into the page (``inline``) by :func:`scmap.maps.export.render_html`.
"""

from __future__ import annotations

__all__ = ["CLUSTER_CSS", "CLUSTER_JS", "LEAFLET_CSS", "LEAFLET_JS"]

LEAFLET_JS = "https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/leaflet.js"
LEAFLET_CSS = "https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/leaflet.css"
CLUSTER_JS = "https://cdn.jsdelivr.net/npm/leaflet.markercluster@1.5.3/dist/leaflet.markercluster.js"
CLUSTER_CSS = [
    "https://cdn.jsdelivr.net/npm/leaflet.markercluster@1.5.3/dist/MarkerCluster.css",
    "https://cdn.jsdelivr.net/npm/leaflet.markercluster@1.5.3/dist/MarkerCluster.Default.css",
]
