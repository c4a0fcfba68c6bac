"""QGIS-ready GeoPackages: a default style for every layer.

QGIS-ready GeoPackages: a default style for every layer in the ``layer_styles`` table (QGIS's
GeoPackage styling extension), so that QGIS opens the pack's layers styled as the web map shows
them: suitability scores and roll-ups in the map's score ramp, coverage gaps in its gap ramp,
service areas and solutions in sector and type colours, hotspots, Gi* and relations in theirs;
column aliases in the project's language for every layer, tables without geometry included.

Each style is QML (what QGIS loads) and, for layers with geometry, SLD (for other GIS software).

Examples
--------
>>> import scmap, tempfile, pathlib, pyogrio
>>> out = pathlib.Path(tempfile.mkdtemp()) / "overlap.gpkg"
>>> result = scmap.run(scmap.demo_project_path())
>>> _ = result.overlap.save(out)
>>> styled = style_geopackage(out, result.project.catalogue)
>>> "service_areas" in styled and "layer_styles" in [n for n, _ in pyogrio.list_layers(out)]
True
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyogrio

from scmap.core.catalogue import Catalogue
from scmap.core.i18n import Messages, english
from scmap.maps._format import column_label
from scmap.maps.layers import GAP_COLOURS, HOTSPOT_COLOURS, RELATION_COLOURS, SCORE_COLOURS

__all__ = ["style_geopackage"]

STYLE_TABLE = "layer_styles"
_GI = {"hot": "#b2182b", "cold": "#2166ac", "not significant": "#d9d9d9"}


@dataclass
class Style:
    """A renderer: graduated (*ranges*), categorized (*categories*) or single (*colour*)."""

    kind: str  # fill, line or marker
    attribute: str | None = None
    ranges: list[tuple[float, float, str, str]] | None = None  # lower, upper, colour, label
    categories: list[tuple[str, str, str]] | None = None  # value, colour, label
    colour: str = "#3182bd"
    opacity: float = 0.7
    dashed: bool = False


def _rgba(colour: str, opacity: float = 1.0) -> str:
    c = colour.lstrip("#")
    return f"{int(c[0:2], 16)},{int(c[2:4], 16)},{int(c[4:6], 16)},{round(opacity * 255)}"


def _options(parent: ET.Element, values: dict[str, str]) -> None:
    holder = ET.SubElement(parent, "Option", type="Map")
    for name, value in values.items():
        ET.SubElement(holder, "Option", type="QString", name=name, value=value)


def _symbol(parent: ET.Element, name: str, style: Style, colour: str) -> None:
    symbol = ET.SubElement(parent, "symbol", type=style.kind, name=name, alpha="1", clip_to_extent="1", force_rhr="0")
    if style.kind == "fill":
        layer = ET.SubElement(symbol, "layer", {"class": "SimpleFill", "enabled": "1", "locked": "0", "pass": "0"})
        _options(
            layer,
            {
                "color": _rgba(colour, style.opacity),
                "outline_color": "85,85,85,255",
                "outline_width": "0.15",
                "style": "solid",
                "outline_style": "solid",
            },
        )
    elif style.kind == "line":
        layer = ET.SubElement(symbol, "layer", {"class": "SimpleLine", "enabled": "1", "locked": "0", "pass": "0"})
        _options(
            layer, {"line_color": _rgba(colour), "line_width": "0.8", "line_style": "dash" if style.dashed else "solid"}
        )
    else:
        layer = ET.SubElement(symbol, "layer", {"class": "SimpleMarker", "enabled": "1", "locked": "0", "pass": "0"})
        _options(
            layer,
            {
                "color": _rgba(colour),
                "name": "circle",
                "size": "2.4",
                "outline_color": "255,255,255,255",
                "outline_width": "0.3",
            },
        )


def _renderer(root: ET.Element, style: Style) -> None:
    symbols = ET.Element("symbols")
    if style.ranges is None and style.categories is None:
        renderer = ET.SubElement(root, "renderer-v2", type="singleSymbol", symbollevels="0", forceraster="0")
        _symbol(symbols, "0", style, style.colour)
        renderer.append(symbols)
        return
    if style.ranges is not None:  # graduated: one range per class
        kind, extra, group = "graduatedSymbol", {"graduatedMethod": "GraduatedColor"}, "ranges"
        rows = [("range", {"lower": repr(lo), "upper": repr(up), "label": text}, c) for lo, up, c, text in style.ranges]
    else:  # categorized: one category per value
        kind, extra, group = "categorizedSymbol", {}, "categories"
        rows = [("category", {"value": value, "label": text}, c) for value, c, text in style.categories or []]
    common = {"symbollevels": "0", "enableorderby": "0", "forceraster": "0"}
    renderer = ET.SubElement(root, "renderer-v2", {"type": kind, "attr": style.attribute or "", **extra, **common})
    items = ET.SubElement(renderer, group)
    for i, (tag, attrs, colour) in enumerate(rows):
        ET.SubElement(items, tag, {**attrs, "symbol": str(i), "render": "true"})
        _symbol(symbols, str(i), style, colour)
    renderer.append(symbols)


def qml(style: Style | None, fields: list[str], catalogue: Catalogue, msg: Messages) -> str:
    """The QML document of a layer: its renderer (none for a table) and a readable alias per column."""
    root = ET.Element("qgis", version="3.22.0", styleCategories="AllStyleCategories")
    if style is not None:
        _renderer(root, style)
    aliases = ET.SubElement(root, "aliases")
    for i, name in enumerate(fields):
        ET.SubElement(aliases, "alias", field=name, index=str(i), name=column_label(name, catalogue, msg))
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + ET.tostring(root, encoding="unicode")


def sld(style: Style, layer: str) -> str:
    """The same renderer as an OGC SLD 1.1 document (rules with filters)."""
    ns = {
        "xmlns": "http://www.opengis.net/sld",
        "xmlns:ogc": "http://www.opengis.net/ogc",
        "xmlns:se": "http://www.opengis.net/se",
        "version": "1.1.0",
    }
    root = ET.Element("StyledLayerDescriptor", ns)
    named = ET.SubElement(root, "NamedLayer")
    ET.SubElement(named, "se:Name").text = layer
    feature_style = ET.SubElement(ET.SubElement(named, "UserStyle"), "se:FeatureTypeStyle")
    rules: list[tuple[str, str, ET.Element | None]] = []
    if style.ranges is not None:
        for lower, upper, colour, label in style.ranges:
            flt = ET.Element("ogc:Filter")
            between = ET.SubElement(flt, "ogc:PropertyIsBetween")
            ET.SubElement(between, "ogc:PropertyName").text = style.attribute
            ET.SubElement(ET.SubElement(between, "ogc:LowerBoundary"), "ogc:Literal").text = repr(lower)
            ET.SubElement(ET.SubElement(between, "ogc:UpperBoundary"), "ogc:Literal").text = repr(upper)
            rules.append((label, colour, flt))
    elif style.categories is not None:
        for value, colour, label in style.categories:
            flt = ET.Element("ogc:Filter")
            equal = ET.SubElement(flt, "ogc:PropertyIsEqualTo")
            ET.SubElement(equal, "ogc:PropertyName").text = style.attribute
            ET.SubElement(equal, "ogc:Literal").text = value
            rules.append((label, colour, flt))
    else:
        rules.append((layer, style.colour, None))
    for label, colour, condition in rules:
        rule = ET.SubElement(feature_style, "se:Rule")
        ET.SubElement(rule, "se:Name").text = label
        if condition is not None:
            rule.append(condition)
        _sld_symbolizer(rule, style, colour)
    return ET.tostring(root, encoding="unicode")


def _sld_symbolizer(rule: ET.Element, style: Style, colour: str) -> None:
    def param(parent: ET.Element, name: str, value: str) -> None:
        ET.SubElement(parent, "se:SvgParameter", name=name).text = value

    if style.kind == "fill":
        fill = ET.SubElement(ET.SubElement(rule, "se:PolygonSymbolizer"), "se:Fill")
        param(fill, "fill", colour)
        param(fill, "fill-opacity", f"{style.opacity:g}")
    elif style.kind == "line":
        stroke = ET.SubElement(ET.SubElement(rule, "se:LineSymbolizer"), "se:Stroke")
        param(stroke, "stroke", colour)
        param(stroke, "stroke-width", "2")
    else:
        mark = ET.SubElement(ET.SubElement(ET.SubElement(rule, "se:PointSymbolizer"), "se:Graphic"), "se:Mark")
        ET.SubElement(mark, "se:WellKnownName").text = "circle"
        param(ET.SubElement(mark, "se:Fill"), "fill", colour)


def _ramp(colours: list[str], msg: Messages, *, percent: bool = False) -> list[tuple[float, float, str, str]]:
    n = len(colours)
    edges = [i / n for i in range(n + 1)]
    shown = (lambda v: msg.pct(v)) if percent else (lambda v: msg.num(v, 2))
    return [(edges[i], edges[i + 1], colours[i], f"{shown(edges[i])} - {shown(edges[i + 1])}") for i in range(n)]


def style_for(fields: list[str], geometry: str | None, catalogue: Catalogue, msg: Messages) -> Style | None:
    """The renderer that shows a layer as the web map does (None for a table without geometry)."""
    if geometry is None:
        return None
    kind = "fill" if "Polygon" in geometry else "line" if "Line" in geometry else "marker"
    scores = [f for f in fields if f.endswith("_score") and "__" not in f]
    means = [f for f in fields if f.endswith("_mean") and f.removesuffix("_mean") in catalogue.solutions]
    if scores or means:
        return Style(kind, (scores or means)[0], ranges=_ramp(SCORE_COLOURS, msg), opacity=0.8)
    if "mean_covered" in fields:
        return Style(kind, "mean_covered", ranges=_ramp(GAP_COLOURS, msg, percent=True), opacity=0.8)
    if "gi_class" in fields:
        cats = [
            (k, c, msg("map.gi_hot") if k == "hot" else msg("map.gi_cold") if k == "cold" else k)
            for k, c in _GI.items()
        ]
        return Style(kind, "gi_class", categories=cats, opacity=0.6)
    if "relation" in fields:
        cats = [(k, c, msg(f"map.{k}")) for k, c in RELATION_COLOURS.items()]
        return Style(kind, "relation", categories=cats, dashed=False)
    if "n_sectors" in fields and kind == "fill":
        cats = [(str(n), c, msg("map.n_sectors", n=n)) for n, c in HOTSPOT_COLOURS.items()]
        return Style(kind, "n_sectors", categories=cats, opacity=0.5)
    if "solution" in fields and kind == "marker":
        cats = [(k, catalogue.colour(k), s.label) for k, s in catalogue.solutions.items()]
        return Style(kind, "solution", categories=cats)
    if "sector" in fields:
        cats = [(k, s.colour, s.label) for k, s in catalogue.sectors.items()]
        return Style(kind, "sector", categories=cats, opacity=0.3)
    return Style(kind, colour="#756bb1", opacity=0.35)


def style_geopackage(path: str | Path, catalogue: Catalogue, messages: Messages | None = None) -> list[str]:
    """Write a default QGIS style for every layer of a GeoPackage.

    Write a default QGIS style for every layer of the GeoPackage at *path* (replacing earlier
    ones); returns the layers styled.
    """
    path, msg = Path(path), messages or english()
    cat = msg.catalogue(catalogue)
    rows = []
    for name, geometry in pyogrio.list_layers(path):
        if name == STYLE_TABLE:
            continue
        info = pyogrio.read_info(path, layer=name)
        fields = [str(f) for f in info["fields"]]
        geom_type = None if geometry is None else str(geometry)
        style = style_for(fields, geom_type, cat, msg)
        rows.append(
            {
                "f_table_catalog": "",
                "f_table_schema": "",
                "f_table_name": name,
                "f_geometry_column": info.get("geometry_name") or ("geom" if geom_type else ""),
                "styleName": name,
                "styleQML": qml(style, fields, cat, msg),
                "styleSLD": sld(style, name) if style is not None else "",
                "useAsDefault": True,
                "description": "scmap: as the workshop map shows it",
                "owner": "",
                "ui": "",
                "update_time": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            }
        )
    if rows:
        pyogrio.write_dataframe(
            pd.DataFrame(rows), path, layer=STYLE_TABLE, driver="GPKG", layer_options={"FID": "id", "OVERWRITE": "YES"}
        )
    return [r["f_table_name"] for r in rows]
