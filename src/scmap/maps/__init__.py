"""Interactive maps of districts and solutions (folium/Leaflet)."""

from scmap.maps.solution_map import MapOptions, solution_map

__all__ = ["MapOptions", "solution_map"]
