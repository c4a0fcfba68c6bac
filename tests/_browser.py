"""Open an scmap HTML file in headless Chromium with Leaflet served from local npm assets."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ASSETS = Path(__file__).resolve().parent / "browser_assets" / "node_modules"
_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
_TILE_HOSTS = re.compile(r"tile\.openstreetmap\.org|basemaps\.cartocdn\.com|server\.arcgisonline\.com|\.example\.org")
_LEAFLET = re.compile(r"/npm/(leaflet|leaflet\.markercluster)@[^/]+/dist/(.+)$")


@dataclass
class Opened:
    page: Any
    errors: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


def open_html(
    browser: Any, path: Path, *, wait_for: str = "window.scmap !== undefined", offline: bool = False
) -> Opened:
    """Load *path*; Leaflet from node_modules, tiles as blank PNGs, anything else recorded.

    With *offline*, Leaflet is not served either (the CDN is unreachable): a map that still
    works carries its scripts inline.
    """
    # routes on the context also catch what iframes (the report's sandboxed map) ask for
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    opened = Opened(page)
    page.on("console", lambda msg: opened.errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: opened.errors.append(f"pageerror: {exc}"))

    def on_dialog(dialog: Any) -> None:
        opened.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)

    def route(route: Any) -> None:
        url = route.request.url
        if url.startswith("file:"):
            route.continue_()
            return
        leaflet = _LEAFLET.search(url)
        if leaflet and offline:
            opened.unexpected.append(url)
            route.abort()
        elif leaflet:
            route.fulfill(path=str(ASSETS / leaflet.group(1) / "dist" / leaflet.group(2)))
        elif _TILE_HOSTS.search(url):
            route.fulfill(body=_PNG, content_type="image/png")
        else:
            opened.unexpected.append(url)
            route.fulfill(status=204, body="")

    context.route("**/*", route)
    page.goto(path.resolve().as_uri())
    try:
        page.wait_for_function(wait_for, timeout=20_000)
    except Exception as exc:
        raise AssertionError(f"map did not finish loading: {opened.errors} {opened.unexpected}") from exc
    return opened
