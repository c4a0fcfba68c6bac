/* The workshop tools: full screen, measuring, sketching (40_sketch.js), district search, minimap. */

function toolButton(bar, label, title, onClick) {
  var b = el("a", "scmap-tool", label);
  b.href = "#";
  b.title = title;
  b.setAttribute("role", "button");
  L.DomEvent.on(b, "click", function (e) { L.DomEvent.preventDefault(e); onClick(b); });
  bar.appendChild(b);
  return b;
}

function formatLength(m) { return m < 1000 ? fmt(m, 0) + " m" : fmt(m / 1000, 2) + " km"; }

function fullScreen(map) {
  var c = map.getContainer();
  try {
    var p = document.fullscreenElement ? document.exitFullscreen() : c.requestFullscreen();
    if (p && p.catch) { p.catch(function () { return null; }); }
  } catch (err) { /* full screen not allowed here (e.g. an iframe without permission) */ }
}

// what to sketch: one button per shape, a symbol that fits the bar, its word as title
function shapeButtons(st) {
  var kinds = el("div", "scmap-sketch-shapes");
  kinds.setAttribute("role", "radiogroup");
  kinds.setAttribute("aria-label", t("map.sketch_shape"));
  var glyphs = { point: "\u2022", line: "\u2571", area: "\u25b1" };
  ["point", "line", "area"].forEach(function (k) {
    var word = t("map.shape_" + k);
    var b = toolButton(kinds, glyphs[k], t("map.sketch_shape") + ": " + word, function () {
      st.shape = k;
      clearDraft(st);
      Array.prototype.forEach.call(kinds.children, function (c) {
        c.classList.toggle("scmap-tool-on", c === b);
        c.setAttribute("aria-checked", String(c === b));
      });
    });
    b.className += " scmap-shape-" + k + (k === st.shape ? " scmap-tool-on" : "");
    b.setAttribute("role", "radio");
    b.setAttribute("aria-checked", String(k === st.shape));
  });
  return kinds;
}

function toolBar(st) {
  var reg = st.reg, bar = el("div", "leaflet-bar scmap-tools");
  toolButton(bar, "⤢", t("map.full_screen"), function () { fullScreen(st.map); });
  reg.measureButton = toolButton(bar, "↔", t("map.measure"), function (b) { setMode(st, "measure", b); });
  reg.sketchButton = toolButton(bar, "✎", t("map.sketch"), function (b) { setMode(st, "sketch", b); });
  bar.appendChild(shapeButtons(st));
  reg.exportButton = toolButton(bar, "↓", t("map.export_sketches"), function () {
    download("sketched_sites.geojson", sketchesGeoJSON(st), "application/geo+json");
    st.exported = true;
    storeSketches(st);
  });
  L.DomEvent.disableClickPropagation(bar);
  return bar;
}

// a double-click ends a line or area; the double-click's spot is the last vertex (if its clicks
// did not already put one there)
function endShape(st, e) {
  var map = st.map;
  if (st.mode !== "sketch" || st.shape === "point") { return; }
  var at = map.mouseEventToLatLng(e), vertices = st.vertices;
  var last = vertices[vertices.length - 1];
  if (!last || map.latLngToContainerPoint(last).distanceTo(map.mouseEventToContainerPoint(e)) > 3) {
    vertices.push(at);
  }
  if (vertices.length < (st.shape === "line" ? 2 : 3)) { return; }
  var points = vertices.slice();
  var kind = st.shape;
  clearDraft(st);
  setTimeout(function () { sketchForm(st, points[points.length - 1], points, kind); }, 0);
}

function sketchClick(st, e) {
  if (st.shape === "point") {
    setTimeout(function () { sketchForm(st, e.latlng); }, 0);
    return;
  }
  var last = st.vertices[st.vertices.length - 1];
  // the two clicks of a double-click land on one spot: keep one vertex there
  if (!last || st.map.latLngToContainerPoint(last).distanceTo(e.containerPoint) > 3) { st.vertices.push(e.latlng); }
  if (!st.draft) {
    st.draft = (st.shape === "line" ? L.polyline([], { color: "#000", dashArray: "2 4" })
                                    : L.polygon([], { color: "#000", dashArray: "2 4", fillOpacity: 0.1 })).addTo(st.map);
  }
  st.draft.setLatLngs(st.vertices);
}

function measureClick(st, e) {
  var map = st.map, points = st.measurePoints;
  points.push(e.latlng);
  if (!st.measureLine) { st.measureLine = L.polyline(points, { color: "#000", dashArray: "4 4" }).addTo(map); }
  st.measureLine.setLatLngs(points);
  var total = 0;
  for (var i = 1; i < points.length; i++) { total += map.distance(points[i - 1], points[i]); }
  st.reg.measured = total;
  st.reg.measurePoints = points.map(function (p) { return [p.lat, p.lng]; });
  st.measureLine.bindTooltip(el("span", null, formatLength(total)), { permanent: true }).openTooltip(e.latlng);
}

// DOM clicks on the container, in the capture phase: Leaflet drops a click that follows another
// within 100-500 ms, which would lose vertices; clicks on controls and popups are not ours
function toolClick(st, dom) {
  if (!st.mode || (dom.target.closest && dom.target.closest(".leaflet-control, .leaflet-popup"))) { return; }
  var e = { latlng: st.map.mouseEventToLatLng(dom), containerPoint: st.map.mouseEventToContainerPoint(dom) };
  if (st.mode === "sketch") { sketchClick(st, e); } else if (st.mode === "measure") { measureClick(st, e); }
}

// search by district name
function searchBox(st) {
  var box = el("div", "scmap-search leaflet-bar");
  var input = el("input");
  input.type = "search";
  var cities = st.data.districts.places === "cities";  // a network's map: its places are cities
  input.placeholder = cities ? t("map.find_city") : t("map.find_district");
  var listId = "scmap-district-names-" + L.stamp(st.map);  // one list per map on the page
  input.setAttribute("list", listId);
  input.setAttribute("aria-label", input.placeholder);
  var list = el("datalist");
  list.id = listId;
  districtChoices(st).forEach(function (n) { var o = el("option"); o.value = n; list.appendChild(o); });
  var status = el("div", "scmap-search-status");
  status.setAttribute("role", "status");
  box.appendChild(input);
  box.appendChild(list);
  box.appendChild(status);
  input.addEventListener("change", function () {
    var text = input.value.trim();
    var hits = text ? st.reg.findDistrict(text) : [];
    var named = hits.filter(function (n, i) { return hits.indexOf(n) === i; });  // sections sharing a name: once
    var names = named.slice(0, 5).join(", ") + (named.length > 5 ? ", ..." : "");
    var none = cities ? t("map.no_city_match", { text: text }) : t("map.no_match", { text: text });
    var many = cities ? t("map.n_city_match", { n: hits.length, names: names }) :
      t("map.n_match", { n: hits.length, names: names });
    status.textContent = !text ? "" : hits.length === 0 ? none : hits.length > 1 ? many : "";
  });
  L.DomEvent.disableClickPropagation(box);
  return box;
}

// what the search offers: each district's name once, and a name that districts share also once
// for each of them with its id ("el Raval", "el Raval (01-001)", "el Raval (01-002)"...)
function districtChoices(st) {
  var titles = {}, choices = [];
  st.reg.districts.eachLayer(function (l) {
    var f = l.scmapFeature;
    titles[f.title] = titles[f.title] || [];
    if (f.id !== undefined) { titles[f.title].push(f.title + " (" + f.id + ")"); }
  });
  Object.keys(titles).sort().forEach(function (n) {
    choices.push(n);
    if (titles[n].length > 1) { choices = choices.concat(titles[n]); }
  });
  return choices;
}

// ignoring case, accents and punctuation, and matching part of a name ("raval" finds "el Raval")
function foldName(s) {
  return String(s).normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/[^a-z0-9]+/g, " ").trim();
}

// the districts called *name*: an exact match wins, else every partial match; shown on the map
function findDistrict(st, name) {
  var map = st.map;
  if (st.mode) { setMode(st, st.mode, null); }  // leave measuring/sketching
  var want = foldName(name), exact = [], partial = [];
  if (!want) { return []; }
  st.reg.districts.eachLayer(function (l) {
    var f = l.scmapFeature, have = foldName(f.title);
    var told = f.id !== undefined && (foldName(f.title + " (" + f.id + ")") === want || foldName(f.id) === want);
    if (have === want || told) { exact.push(l); } else if (have.indexOf(want) >= 0) { partial.push(l); }
  });
  var one = exact.filter(function (l) { return foldName(l.scmapFeature.title) !== want; });
  exact = one.length ? one : exact;  // a name with its id (or the id alone): that district
  var hits = exact.length ? exact : partial;
  if (hits.length) {
    var bounds = L.latLngBounds([]);
    hits.forEach(function (l) { bounds.extend(l.getBounds ? l.getBounds() : l.getLatLng()); });  // a city: a dot
    // at once (no animation), so that the popup pans clear of the controls from the final view;
    // the district in the lower part of the map, leaving the popup room above it
    var room = hits.length === 1 ? Math.round(map.getSize().y * 0.4) : 10;
    map.fitBounds(bounds, { maxZoom: 15, animate: false, paddingTopLeft: [10, room], paddingBottomRight: [10, 10] });
    if (hits.length === 1) {
      hits[0].openPopup();
      keepClear(hits[0].getPopup());
    }
  }
  return hits.map(function (l) { return l.scmapFeature.title; });
}

// each time the open popup's box changes size (laid out, its tables wrapped), pan it clear of the
// controls again; no longer once it is closed
function keepClear(popup) {
  var box = popup.getElement(), height = -1;
  if (!box || typeof window.ResizeObserver !== "function") {
    setTimeout(function () { if (popup.isOpen()) { popup.update(); } }, 60);
    return;
  }
  var watch = new window.ResizeObserver(function () {
    if (!popup.isOpen()) { watch.disconnect(); return; }
    if (box.offsetHeight === height) { return; }
    height = box.offsetHeight;  // laid out again in the next frame, not while sizes are delivered
    window.requestAnimationFrame(function () { if (popup.isOpen()) { popup.update(); } });
  });
  watch.observe(box);
  popup.once("remove", function () { watch.disconnect(); });
}

function control(position, onAdd) {
  var Control = L.Control.extend({ options: { position: position }, onAdd: onAdd });
  return new Control();
}

function tools(map, data, reg) {
  var st = toolState(map, data, reg);
  reg.sketches = st.sketches;
  reg.byKey.sketches = st.sketches;
  reg.restoreSketches = function () { restoreSketches(st); };
  control("topleft", function () { return toolBar(st); }).addTo(map);
  restoreSketches(st);
  // on the container, in the capture phase: a double-click on a marker does not reach the map
  map.getContainer().addEventListener("dblclick", function (e) { endShape(st, e); }, true);
  map.getContainer().addEventListener("click", function (e) { toolClick(st, e); }, true);
  control("topleft", function () { return searchBox(st); }).addTo(map);
  reg.findDistrict = function (name) { return findDistrict(st, name); };
  reg.sketchForm = function (latlng, points, kind) { return sketchForm(st, latlng, points, kind); };
  reg.sketchState = function () { return { mode: st.mode, shape: st.shape, vertices: st.vertices.length }; };
  reg.addSketch = function (points, props, kind, restoring) { return addSketch(st, points, props, kind, restoring); };
  reg.sketchesGeoJSON = function () { return sketchesGeoJSON(st); };
}

function minimap(map, data, reg) {
  var box = el("div", "scmap-minimap");
  map.getContainer().appendChild(box);
  var mini = L.map(box, { attributionControl: false, zoomControl: false, dragging: false, scrollWheelZoom: false, zoomSnap: 0,
                          doubleClickZoom: false, boxZoom: false, keyboard: false, touchZoom: false });
  mini.setView(map.getCenter(), Math.max(map.getZoom() - 4, 0));
  if (data.tiles && data.tiles.url) { L.tileLayer(data.tiles.url).addTo(mini); }
  var outline = L.featureGroup().addTo(mini), whole = null;
  var view = L.rectangle(map.getBounds(), { color: "#d7191c", weight: 1.5, fillOpacity: 0.1 }).addTo(mini);
  function sync() {  // the overview shows the districts and, when it is larger, the whole view around them
    var seen = map.getBounds();
    view.setBounds(seen);
    if (whole && whole.isValid()) {
      var shown = L.latLngBounds(whole.getSouthWest(), whole.getNorthEast()).extend(seen);
      mini.fitBounds(shown, { animate: false, padding: [3, 3] });
    }
  }
  map.on("moveend zoomend", sync);
  L.DomEvent.disableClickPropagation(box);
  reg.minimap = mini;
  reg.minimapOutline = outline;
  reg.minimapView = view;
  // the districts drawn once the map itself is on screen: after its first frame
  requestAnimationFrame(function () {
    setTimeout(function () {
      whole = minimapOutline(outline, reg.districtShapes);
      mini.invalidateSize();
      sync();
    }, 0);
  });
}

// every district on one canvas of the overview map, as a few paths of 500 rings (not a layer
// each), read once more from the districts' decoded geometries; returns their bounds
function minimapOutline(outline, shapes) {
  var canvas = L.canvas({ padding: 0 }), parts = { polygons: [], lines: [], points: [] }, drawn = 0;
  shapes.forEach(function (g) { if (g) { outlineParts(g, parts); drawn += 1; } });
  var style = { renderer: canvas, interactive: false, color: "#666", weight: 0.6, fillOpacity: 0.05 };
  for (var i = 0; i < parts.polygons.length; i += 500) {  // a few hundred rings a path: one huge path draws slowly
    outline.addLayer(L.polygon(parts.polygons.slice(i, i + 500), style));
  }
  if (parts.lines.length) { outline.addLayer(L.polyline(parts.lines, style)); }
  parts.points.forEach(function (ll) {
    outline.addLayer(L.circleMarker(ll, { renderer: canvas, interactive: false, radius: 2, color: "#333", weight: 1 }));
  });
  outline.scmapShapes = drawn;
  return outline.getBounds();
}

// a GeoJSON geometry's polygons, lines and points as Leaflet's LatLngs (read by Leaflet's own GeoJSON helpers)
function outlineParts(g, parts) {
  var latLngs = L.GeoJSON.coordsToLatLngs, push = Array.prototype.push;
  if (Array.isArray(g)) { g = { type: "Point", coordinates: g }; }  // compact points: [lon, lat]
  var c = g.coordinates;
  if (g.type === "Polygon") { parts.polygons.push(latLngs(c, 1)); }
  if (g.type === "MultiPolygon") { push.apply(parts.polygons, latLngs(c, 2)); }
  if (g.type === "LineString") { parts.lines.push(latLngs(c, 0)); }
  if (g.type === "MultiLineString") { push.apply(parts.lines, latLngs(c, 1)); }
  if (g.type === "Point") { parts.points.push(L.GeoJSON.coordsToLatLng(c)); }
  if (g.type === "MultiPoint") { push.apply(parts.points, latLngs(c, 0)); }
}
