#!/usr/bin/env bash
# Refresh the copies of Leaflet and Leaflet.markercluster that scmap ships for maps saved with
# inline assets (no CDN needed). Versions come from tests/browser_assets/package.json.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --prefix tests/browser_assets --no-audit --no-fund --loglevel=error
src=tests/browser_assets/node_modules
dst=src/scmap/maps/vendor
mkdir -p "$dst"
cp "$src/leaflet/dist/leaflet.js" "$src/leaflet/dist/leaflet.css" "$dst/"
cp "$src/leaflet/LICENSE" "$dst/leaflet.LICENSE"
mkdir -p "$dst/images"
cp "$src/leaflet/dist/images/"*.png "$dst/images/"
cp "$src/leaflet.markercluster/dist/leaflet.markercluster.js" "$src/leaflet.markercluster/dist/MarkerCluster.css" \
   "$src/leaflet.markercluster/dist/MarkerCluster.Default.css" "$dst/"
cp "$src/leaflet.markercluster/MIT-LICENCE.txt" "$dst/leaflet.markercluster.LICENSE"
# Maki icons (CC0): every icon, so that a city's catalogue may name any of them as a symbol
mkdir -p "$dst/maki"
rm -f "$dst/maki/"*.svg
cp "$src/@mapbox/maki/icons/"*.svg "$dst/maki/"
cp "$src/@mapbox/maki/LICENSE.txt" "$dst/maki/LICENSE.txt"
