"""Interactive maps of districts, solutions and analyses (folium/Leaflet), and their export."""

from scmap.maps.export import embed_html, save_html, static_map
from scmap.maps.layers import MapOptions
from scmap.maps.solution_map import solution_map

__all__ = ["MapOptions", "embed_html", "save_html", "solution_map", "static_map"]
