#!/usr/bin/env bash
# Set up everything the tests need (Python packages, Debian chromium, Leaflet and ESLint from npm)
# and run lint, type checks, the JavaScript unit tests and the whole test suite (with the docs
# build). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

PY="${PYTHON:-python3.11}"
command -v "$PY" >/dev/null 2>&1 || PY=python3
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
# the versions the suite was last run with (constraints/test.txt, from pip freeze), so that CI is
# reproducible; users installing scmap get the ranges in pyproject.toml
.venv/bin/python -m pip install -q -e ".[test]" -c constraints/test.txt

# Debian packages: chromium for the browser tests, poppler-utils (pdfinfo, pdftotext, pdftoppm)
# to check the printed atlas as a reader would, PostgreSQL with PostGIS (the tests start a
# throwaway cluster on 127.0.0.1), MapServer (a real WFS for the web-service sources) and PyQGIS
# (the tests open the GeoPackages in QGIS, headless)
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/pdftotext ] || [ ! -x /usr/lib/postgresql/15/bin/initdb ] \
   || [ ! -f /usr/share/postgresql/15/extension/postgis.control ] || [ ! -x /usr/bin/mapserv ] \
   || ! /usr/bin/python3 -c "import qgis.core" 2>/dev/null; then
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends \
    chromium poppler-utils postgresql-15 postgresql-15-postgis-3 python3-qgis cgi-mapserver
fi
npm ci --prefix tests/browser_assets --no-audit --no-fund --loglevel=error

.venv/bin/ruff check src tests data benchmarks examples
.venv/bin/mypy
# the map page's own code: joined as a map gets it, linted (ESLint), and unit-tested in Node
# against vectors Python writes (numbers, counted texts, scores and ranks)
.venv/bin/python tests/js/make_fixtures.py build/js-fixtures
tests/browser_assets/node_modules/.bin/eslint build/js-fixtures/scmap.js src/scmap/server/room*.js
SCMAP_JS_FIXTURES=build/js-fixtures node --test tests/js/
.venv/bin/python -m pytest -n 2 "$@"
