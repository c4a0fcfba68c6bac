"""The map page's own code: the ordered parts in ``js/`` joined inside one closure.

Each part is a plain ES5 file of functions (``10_text.js``, ``20_features.js``, ...); the page
gets them in the order of their names, inside one ``(function () { "use strict"; ... })()`` so
that nothing but ``window.scmapRender`` (and, once a map is drawn, ``window.scmap``) reaches the
page's global scope. No bundler and no network: the join is plain text.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

__all__ = ["page_script", "script_parts"]

_HEADER = """/* scmap map layers and workshop tools. Data arrives as JSON and is shown only through
   textContent (or escaped where Leaflet insists on HTML): no data string is ever parsed as
   HTML or evaluated. */
(function () {
  "use strict";

"""


def script_parts() -> list[tuple[str, str]]:
    """``[(file name, text)]`` of the page's code, in the order the page runs them."""
    folder = resources.files("scmap.maps").joinpath("js")
    names = sorted(p.name for p in folder.iterdir() if p.name.endswith(".js"))
    return [(name, folder.joinpath(name).read_text(encoding="utf-8")) for name in names]


def _indented(text: str) -> str:
    return "".join(f"  {line}" if line.strip() else line for line in text.splitlines(keepends=True))


@cache
def page_script(expose: tuple[str, ...] = ()) -> str:
    """The page's code as one script.

    *expose* names inner functions to publish as ``globalThis.scmapInternals`` (for the JavaScript unit tests; a map
    never asks for it).
    """
    body = "\n".join(_indented(text) for _, text in script_parts())
    tail = f"\n  globalThis.scmapInternals = {{ {', '.join(f'{n}: {n}' for n in expose)} }};\n" if expose else ""
    return f"{_HEADER}{body}{tail}}})();\n"
