r"""The one escaping path for data text that reaches a map or report.

Data (values, column names, layer names, titles, legend labels) is either serialised with
:func:`script_json` into a ``<script>`` block, then shown in the browser with ``textContent``,
or escaped with :func:`html_text` where it must be HTML. Both outputs are inert in HTML, inside
JavaScript (also template literals: no backtick, no ``${``) and against Jinja2, which folium
and branca run over rendered output (no ``{{``, ``{%`` or ``{#`` survives).

Examples
--------
>>> print(script_json({"name": "</script>{{ 7*7 }} `${x}`"}))
{"name":"\u003c/script\u003e\u007b{ 7*7 }} \u0060\u0024{x}\u0060"}
>>> html_text("<i>{% if %}</i>")
'&lt;i&gt;&#123;% if %&#125;&lt;/i&gt;'
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

__all__ = ["html_text", "script_json"]

_IN_STRINGS = str.maketrans(
    {
        "<": "\\u003c",
        ">": "\\u003e",
        "&": "\\u0026",
        "'": "\\u0027",
        "`": "\\u0060",
        "$": "\\u0024",
    }
)
# A structural "{" in JSON is always followed by '"' or '}', so a "{" followed by one of these
# characters is inside a string and can be escaped there without changing the value.
_JINJA_OPEN = re.compile(r"\{(?=[{%#])")
_HTML_EXTRA = str.maketrans({"{": "&#123;", "}": "&#125;", "$": "&#36;", "`": "&#96;"})


def script_json(value: Any) -> str:
    """JSON text safe to place inside ``<script>``; NaN is not allowed (use None)."""
    text = json.dumps(value, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
    return _JINJA_OPEN.sub(r"\\u007b", text.translate(_IN_STRINGS))


def html_text(value: object) -> str:
    """Text escaped for HTML element content or attribute values, and inert for Jinja2."""
    return html.escape(str(value), quote=True).translate(_HTML_EXTRA)
