/* Solutions, links, hexagons and districts as Leaflet layers: icons, clusters, popups built when opened. */

var SVG_NS = "http://www.w3.org/2000/svg";
// popups keep clear of the title (top) and of the layer list and legend (right)
// popups pan clear of the left control column (zoom, tools, search) and the title
var POPUP = { maxWidth: 380, minWidth: 260, autoPanPaddingTopLeft: [190, 60], autoPanPaddingBottomRight: [60, 30] };

// a Maki icon (path data from scmap's own vendored files) as inline SVG: no font needed
function symbolSvg(paths, label, size) {
  var svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 15 15");
  svg.setAttribute("width", String(size));
  svg.setAttribute("height", String(size));
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", label);
  svg.setAttribute("class", "scmap-svg");
  var title = document.createElementNS(SVG_NS, "title");
  title.textContent = label;
  svg.appendChild(title);
  (paths || []).forEach(function (d) {
    var p = document.createElementNS(SVG_NS, "path");
    p.setAttribute("d", d);
    svg.appendChild(p);
  });
  return svg;
}

// a cluster: its count on a ring that shows the types inside it, in their colours
function clusterIcon(cluster, sec) {
  var counts = {}, total = 0;
  cluster.getAllChildMarkers().forEach(function (m) {
    var key = m.scmapType || "?";
    counts[key] = (counts[key] || 0) + 1;
    total += 1;
  });
  var stops = [], at = 0;
  sec.types.forEach(function (ty) {
    if (!counts[ty.key]) { return; }
    var next = at + counts[ty.key] / total * 360;
    stops.push(ty.colour + " " + at.toFixed(1) + "deg " + next.toFixed(1) + "deg");
    at = next;
  });
  var size = total < 10 ? 30 : total < 100 ? 36 : 42;
  var ring = el("div", "scmap-cluster-ring");
  ring.style.background = stops.length ? "conic-gradient(" + stops.join(", ") + ")" : sec.colour;
  ring.style.width = ring.style.height = size + "px";
  var inner = el("div", "scmap-cluster-count", fmt(total, 0));
  inner.style.borderColor = sec.colour;
  ring.appendChild(inner);
  ring.setAttribute("aria-label", fmt(total, 0) + " " + sec.label);
  return L.divIcon({ className: "scmap-cluster", html: ring, iconSize: [size, size] });
}

function download(name, text, type) {
  var a = el("a");
  a.href = URL.createObjectURL(new Blob([text], { type: type }));
  a.download = name;
  document.body.appendChild(a);
  a.click();
  setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 0);
}

function markerIcon(f) {
  var wrap = el("div", "scmap-marker-body scmap-status-" + f.status);
  wrap.style.backgroundColor = f.colour;
  wrap.appendChild(symbolSvg(f.paths, f.label, 15));
  return L.divIcon({ className: "scmap-marker", html: wrap, iconSize: [24, 24], iconAnchor: [12, 12] });
}

function layerFor(g, f, style, points) {
  if (Array.isArray(g)) { g = { type: "Point", coordinates: g }; }  // compact points: [lon, lat]
  if (g.type === "Point" && points === "icon") {
    var marker = L.marker([g.coordinates[1], g.coordinates[0]], { icon: markerIcon(f) });
    marker.scmapType = f.type;
    return marker;
  }
  if (g.type === "Point") {
    return L.circleMarker([g.coordinates[1], g.coordinates[0]],
      { radius: 6, color: "#ffffff", weight: 1, fillColor: f.colour || "#333333", fillOpacity: 0.9 });
  }
  return shapeLayer(g, style(f), function (_, ll) { return L.circleMarker(ll, { radius: 5, color: f.colour }); });
}

// one Leaflet layer of a GeoJSON geometry (a polygon, a line...), without a group around it
function shapeLayer(g, options, pointToLayer) {
  return L.GeoJSON.geometryToLayer({ type: "Feature", properties: {}, geometry: g },
                                   L.extend({ pointToLayer: pointToLayer }, options));
}

function bindText(lyr, f, sticky) {
  lazyTexts(lyr, function () { return el("span", null, f.tip); }, function () { return popupBox(f.title, f.sub, f.rows); },
            sticky);
  lyr.scmapFeature = f;
}

// A shape's tooltip and popup are bound the first time it needs one (the pointer over it, a
// click, a search, code asking for them): bound at start, each of a large map's tens of
// thousands of shapes costs a Tooltip, a Popup and eight listeners, a second of its first paint.
// Its group (answerLazily) answers for it until then; Leaflet's popup and tooltip methods bind
// first (lazyLeaflet), so code that asks a shape for them finds them as if bound at start.
function lazyTexts(lyr, tip, popup, sticky) {
  lyr.scmapTexts = { tip: tip, popup: popup, sticky: sticky };
}

function textsNow(lyr) {
  var texts = lyr.scmapTexts;
  if (!texts) { return; }
  lyr.scmapTexts = null;
  lyr.bindTooltip(texts.tip, { sticky: texts.sticky });
  lyr.bindPopup(texts.popup, POPUP);
}

// the group's events stand in for its shapes' own until they are bound (then theirs answer)
function answerLazily(group) {
  if (group.scmapAnswers) { return group; }
  group.scmapAnswers = true;
  function first(e, open) {
    if (!e.layer || !e.layer.scmapTexts) { return; }
    textsNow(e.layer);
    open(e.layer);
  }
  group.on({
    mouseover: function (e) { first(e, function (l) { l._openTooltip(e); }); },
    click: function (e) { first(e, function (l) { l._openPopup(e); }); },
    keypress: function (e) {
      if (e.originalEvent && e.originalEvent.keyCode === 13) { first(e, function (l) { l._openPopup(e); }); }
    }
  });
  return group;
}

var BINDING_METHODS = ["openPopup", "getPopup", "togglePopup", "openTooltip", "getTooltip", "toggleTooltip"];

function lazyLeaflet() {
  var proto = L.Layer.prototype;
  if (proto.scmapBindsFirst) { return; }
  proto.scmapBindsFirst = true;
  BINDING_METHODS.forEach(function (name) {
    var own = proto[name];
    proto[name] = function () { textsNow(this); return own.apply(this, arguments); };
  });
}

function addFeatures(group, feats, geoms, style, points) {
  answerLazily(group);
  for (var i = 0; i < geoms.length; i++) {
    var lyr = layerFor(geoms[i], feats[i], style, points);
    bindText(lyr, feats[i], !Array.isArray(geoms[i]) && geoms[i].type !== "Point");
    group.addLayer(lyr);
  }
  return geoms.length;
}

// districts sent as positions in one table of texts (maps/_texts.py):
// [name, subtitle, label, value, label, value...]; popup rows built when opened
function districtFeatures(d) {
  var texts = textsOf(d), ids = d.ids || [];
  return d.coded.map(function (codes, i) {
    var f = { tip: texts[codes[0]], title: texts[codes[0]], sub: texts[codes[1]], id: ids[i] };
    Object.defineProperty(f, "rows", { get: function () {
      var rows = [];
      for (var k = 2; k + 1 < codes.length; k += 2) { rows.push([texts[codes[k]], texts[codes[k + 1]]]); }
      return rows;
    } });
    return f;
  });
}

// a sector stored by column: one light object per solution, popup rows built when opened
function sectorFeatures(sec) {
  var feats = [];
  for (var n = 0; n < sec.ids.length; n++) {
    (function (i) {
      var type = sec.types[sec.t[i]];
      var s = sec.s ? sec.s[i] : 0;  // one status for the whole sector: not repeated
      var status = sec.statuses[s], statusLabel = (sec.status_labels || sec.statuses)[s];
      var name = sec.names && sec.names[i] !== null ? sec.names[i] : type.name_prefix + " " + sec.ids[i];
      var f = { tip: name + " · " + type.label + " · " + statusLabel, title: name,
                sub: type.label + " · " + sec.label, icon: type.icon, paths: type.paths, label: type.label, type: type.key,
                colour: type.colour, status: status };
      Object.defineProperty(f, "rows", { get: function () {
        var radius = sec.radius && sec.radius[i] !== null ? sec.radius[i] : fmt(type.radius, 0);
        var rows = [[t("map.type"), type.label], [t("map.sector"), sec.label], [t("map.status"), statusLabel],
                    [t("map.id"), sec.ids[i]], [t("map.service_radius"), radius + " m"]];
        sec.cols.forEach(function (c) { if (c.values[i] !== null) { rows.push([c.name, c.values[i]]); } });
        if (type.about) { rows.push([t("map.about"), type.about]); }
        type.refs.forEach(function (r) { rows.push([t("map.reference_case"), r]); });
        return rows;
      } });
      feats.push(f);
    })(n);
  }
  return feats;
}

// synergy and conflict links stored by column: each link's rule, ids and distance
function relationFeatures(ov) {
  var links = ov.links;
  return links.rule.map(function (k, i) {
    var rule = ov.rules[k], f = Object.create(rule);
    Object.defineProperty(f, "rows", { get: function () {
      return [[t("map.between"), t("map.between_text", { a: links.between[0][i], b: links.between[1][i] })],
              [t("map.distance"), links.distance[i]], [t("map.why"), rule.why]];
    } });
    return f;
  });
}

// a sector counted per hexagon (maps of very many solutions): darker where more
function hexLayer(map, sec) {
  var group = answerLazily(L.featureGroup()), hex = sec.hex, size = hex.size, most = 1;
  if (!map.getPane("scmapHexes")) { map.createPane("scmapHexes").style.zIndex = 450; }  // above districts, as markers are
  function sum(counts) { return counts.reduce(function (a, b) { return a + b; }, 0); }
  hex.n.forEach(function (counts) { most = Math.max(most, sum(counts)); });
  var corners = [0, 1, 2, 3, 4, 5].map(function (k) {
    var a = Math.PI / 180 * (60 * k + 30);
    return [size * Math.cos(a), size * Math.sin(a)];
  });
  hex.q.forEach(function (q, i) {
    var r = hex.r[i], x = size * Math.sqrt(3) * (q + r / 2), y = size * 1.5 * r;
    var ring = corners.map(function (c) { return L.CRS.EPSG3857.unproject(L.point(x + c[0], y + c[1])); });
    var counts = hex.n[i], total = sum(counts);
    var cell = L.polygon(ring, { pane: "scmapHexes", color: sec.colour, weight: 0.6, fillColor: sec.colour,
                                 fillOpacity: 0.12 + 0.68 * Math.log(1 + total) / Math.log(1 + most) });
    var rows = [];
    sec.types.forEach(function (ty, k) { if (counts[k]) { rows.push([ty.label, fmt(counts[k], 0)]); } });
    bindText(cell, { tip: t("map.hex_tip", { sector: sec.label, n: fmt(total, 0) }),
                     title: t("map.hex_title", { n: fmt(total, 0) }), sub: sec.label + " · " + sec.note, rows: rows }, true);
    group.addLayer(cell);
  });
  return group;
}

function featureStyle(f) {
  return { color: f.colour || "#444444", weight: f.weight || 3, fillColor: f.colour || "#444444",
           fillOpacity: f.fill === undefined ? 0.35 : f.fill, dashArray: f.dash || null };
}
