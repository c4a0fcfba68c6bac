/* The map assembled: window.scmapRender draws everything from the data and returns the map's registry. */

// fit *bounds* clear of the controls: the left and right control columns and the title are
// padding (together at most 60 % of the map's width or height, so a small map still fits)
function fitClear(map, bounds) {
  var box = map.getContainer(), size = map.getSize();
  function extent(selector, what) {
    var node = box.querySelector(selector);
    return node ? node.getBoundingClientRect()[what] : 0;
  }
  var left = Math.max(extent(".leaflet-top.leaflet-left", "width"), extent(".leaflet-bottom.leaflet-left", "width"));
  var right = Math.max(extent(".leaflet-top.leaflet-right", "width"), extent(".leaflet-bottom.leaflet-right", "width"));
  var top = extent(".scmap-title", "height") + 10, bottom = 20;
  var sx = Math.min(1, 0.6 * size.x / Math.max(left + right, 1)), sy = Math.min(1, 0.6 * size.y / (top + bottom));
  map.fitBounds(bounds, { paddingTopLeft: [10 + left * sx, 10 + top * sy],
                          paddingBottomRight: [10 + right * sx, 10 + bottom * sy] });
}

// Leaflet's own words (zoom buttons, the layer list's toggle, a popup's close button, its
// attribution link) in the page's language
function leafletWords(map) {
  var box = map.getContainer();
  [["leaflet-control-zoom-in", t("map.zoom_in")], ["leaflet-control-zoom-out", t("map.zoom_out")],
   ["leaflet-control-layers-toggle", t("map.layers")]].forEach(function (pair) {
    Array.prototype.forEach.call(box.getElementsByClassName(pair[0]), function (node) {
      node.title = pair[1];
      node.setAttribute("aria-label", pair[1]);
    });
  });
  map.on("popupopen", function (e) {
    var close = e.popup.getElement() && e.popup.getElement().querySelector(".leaflet-popup-close-button");
    if (close) { close.setAttribute("aria-label", t("map.close_popup")); close.title = t("map.close_popup"); }
  });
  var prefix = map.attributionControl && map.attributionControl.options.prefix;
  if (typeof prefix === "string") {
    map.attributionControl.setPrefix(prefix.replace(/title="[^"]*"/, 'title="' + escapeHtml(t("map.leaflet")) + '"'));
  }
}

function drawColourings(data, geometries, reg, bases) {
  reg.models = {};
  data.choropleths.forEach(function (ch) {
    (ch.cols || []).forEach(function (c) {  // each distinct text sent once (layers.py _coded_columns)
      if (c.at) { var texts = textsOf(c); c.values = c.at.map(function (k) { return texts[k]; }); }
    });
    var shapes = geometries[ch.geometry_of || ch.key];  // a colouring of the districts shares their shapes
    var group = choroplethLayer(ch, shapes, reg);
    if (ch.live) { reg.models[ch.model] = new LiveModel(ch); }
    reg.choropleths[ch.key] = group;
    reg.byKey[ch.key] = group;
    bases[escapeHtml(ch.label)] = group;
    reg.counts[ch.key] = shapes.length;
  });
}

function drawDistricts(map, data, geometries, reg, overlays) {
  var districts = L.featureGroup(), feats = districtFeatures(data.districts);
  reg.counts.districts = addFeatures(districts, feats, geometries.districts, function () {
    return { color: "#333333", weight: 1.2, fillColor: "#bbbbbb", fillOpacity: 0.08 };
  }, "circle");
  reg.districts = districts;
  reg.districtShapes = geometries.districts;  // the overview map draws them once more
  districtLabels(map, data.districts, feats, reg, districts);
  reg.byKey.districts = districts;
  overlays[escapeHtml(data.districts.label)] = districts;
  return districts;
}

function drawOverlays(map, data, geometries, reg, overlays) {
  data.overlays.forEach(function (ov) {
    var gridded = ov.grid || ov.grid_of;
    var group = gridded ? gridOverlay(map, data, ov, reg) : L.featureGroup();
    reg.counts[ov.key] = gridded ? ov.feats.length
      : addFeatures(group, ov.links ? relationFeatures(ov) : ov.feats, geometries[ov.key], featureStyle, "circle");
    reg.overlays[ov.key] = group;
    reg.byKey[ov.key] = group;
    overlays[escapeHtml(ov.label)] = group;
  });
}

function drawSectors(map, data, geometries, reg, overlays) {
  data.sectors.forEach(function (sec) {
    var group = sec.cluster && L.markerClusterGroup
      ? L.markerClusterGroup({ chunkedLoading: true, showCoverageOnHover: false, maxClusterRadius: 50,
                               disableClusteringAtZoom: data.display.cluster_until_zoom,
                               iconCreateFunction: function (c) { return clusterIcon(c, sec); } })
      : L.featureGroup();
    if (sec.hex) {
      group = hexLayer(map, sec);
      reg.counts[sec.key] = sec.hex.q.length;
    } else {
      var where = sec.xy ? pointsOf(sec.xy) : geometries["sector:" + sec.key];
      reg.counts[sec.key] = addFeatures(group, sectorFeatures(sec), where, featureStyle, sec.points);
    }
    reg.sectors[sec.key] = group;
    reg.byKey["sector:" + sec.key] = group;
    overlays[escapeHtml(sec.label + " (" + fmt(sec.count, 0) + ")")] = group;
  });
}

// the layers the project asks to show at start (all of them when it does not say)
function showAtStart(map, data, reg) {
  function visible(key, byDefault) {
    if (data.show === null || data.show === undefined) { return byDefault; }
    return data.show.indexOf(key) >= 0 || data.show.indexOf(key.replace(/^sector:/, "")) >= 0;
  }
  if (visible("districts", true)) { reg.districts.addTo(map); }
  data.overlays.forEach(function (ov) { if (visible(ov.key, ov.visible)) { reg.overlays[ov.key].addTo(map); } });
  data.sectors.forEach(function (sec) { if (visible("sector:" + sec.key, true)) { reg.sectors[sec.key].addTo(map); } });
  reg.districts.bringToFront();
}

// analysis first: while a colouring is shown, solutions are small dots until zoomed in
function compactMode(map, data, reg) {
  function compact() {
    var colouring = Object.keys(reg.choropleths).some(function (k) { return map.hasLayer(reg.choropleths[k]); });
    var on = colouring && map.getZoom() < data.display.icons_from_zoom;
    map.getContainer().classList.toggle("scmap-compact", on);
    reg.compact = on;
  }
  map.on("zoomend baselayerchange overlayadd", compact);
  reg.syncCompact = compact;
}

// a colouring that is the point of the map is shown from the start
function firstColouring(map, data, reg, plain) {
  var first = data.choropleths.filter(function (ch) { return ch.shown; })[0];
  if (!first) { return; }
  map.removeLayer(plain);
  reg.choropleths[first.key].addTo(map);
  map.fire("baselayerchange", { layer: reg.choropleths[first.key], name: first.label });
}

// the districts fitted clear of the controls; a map drawn before its container had a size (an
// iframe not yet laid out) fits again once it has one
function fitAtStart(map, reg) {
  var bounds = reg.districts.getBounds();
  if (!bounds.isValid()) { return; }
  fitClear(map, bounds);
  if (!window.ResizeObserver) { return; }
  var fitted = map.getSize().x > 0 && map.getSize().y > 0;
  new ResizeObserver(function () {
    var size = map.getContainer().getBoundingClientRect();
    if (!fitted && size.width > 0 && size.height > 0) {
      fitted = true;
      map.invalidateSize();
      fitClear(map, bounds);
    }
  }).observe(map.getContainer());
}

// the page's words, for code added to the page (the workshop room)
function publishWords(reg) {
  reg.t = t;
  reg.fmt = fmt;
  reg.pct = pct;
  reg.addTexts = function (texts) { Object.keys(texts).forEach(function (k) { I18N.texts[k] = texts[k]; }); };
}

function mapControls(map, data, reg, bases, overlays) {
  gridAnswers(map, reg);
  tools(map, data, reg);
  overlays[escapeHtml(t("map.sketched_sites"))] = reg.sketches;
  L.control.scale({ imperial: false }).addTo(map);  // metres and kilometres only
  var small = map.getSize().y < 700;  // e.g. a map embedded in a report: fold the layer list
  reg.layerControl = L.control.layers(bases, overlays, { collapsed: small }).addTo(map);
  leafletWords(map);
  reg.legend = legendControl(map, data, reg);
}

window.scmapRender = function (map, data, encoded) {
  var geometries = {};
  Object.keys(encoded).forEach(function (key) { geometries[key] = decodeShapes(encoded[key]); });
  lazyLeaflet();
  if (!isFinite(map.getMaxZoom())) { map.setMaxZoom(19); }  // clustering needs a maximum zoom
  if (data.i18n) { setWords(data.i18n); }
  var reg = { map: map, districts: null, sectors: {}, choropleths: {}, overlays: {}, counts: {},
              legendBlocks: {}, byKey: {}, data: data,
              gridsReady: Promise.resolve(),  // resolves once grids are drawn
              drawing: true };  // until the whole map is drawn
  var overlays = {}, bases = {};
  basemaps(map, data, reg);
  var plain = L.layerGroup().addTo(map);
  bases[escapeHtml(t("map.districts_only"))] = plain;
  drawColourings(data, geometries, reg, bases);
  drawDistricts(map, data, geometries, reg, overlays);
  drawOverlays(map, data, geometries, reg, overlays);
  drawSectors(map, data, geometries, reg, overlays);
  compactMode(map, data, reg);
  mapControls(map, data, reg, bases, overlays);
  if (data.title) {
    map.getContainer().appendChild(el("div", "scmap-title", data.title));
    document.title = data.title;
  }
  if (data.attribution) { map.attributionControl.addAttribution(escapeHtml(data.attribution)); }
  minimap(map, data, reg);
  // the view fitted before the layers are on the map: each is then projected once, at the fitted zoom
  fitAtStart(map, reg);
  showAtStart(map, data, reg);
  firstColouring(map, data, reg, plain);
  reg.syncCompact();
  reg.drawing = false;
  reg.placeLabels();
  liveApi(map, reg);
  weightsPanel(map, reg);
  publishWords(reg);
  window.scmap = publicApi(reg);
  return reg;
};

// what a page, a notebook or a test may rely on (docs/reference/map-api.md): a frozen object of
// named functions and read-only values; the registry of layers behind it stays private
var API_FUNCTIONS = ["showModel", "setWeights", "setConstraint", "preset", "weights", "scores", "ranks",
                     "exportWeights", "findDistrict"];

function publicApi(reg) {
  var api = {};
  API_FUNCTIONS.forEach(function (name) {
    api[name] = function () {
      if (typeof reg[name] !== "function") { throw new Error("this map has no " + name); }
      return reg[name].apply(null, arguments);
    };
  });
  api.map = reg.map;
  Object.defineProperty(api, "counts", { enumerable: true, get: function () { return Object.assign({}, reg.counts); } });
  Object.defineProperty(api, "gridsReady", { enumerable: true, get: function () { return reg.gridsReady; } });
  Object.defineProperty(api, "onSketch", { enumerable: true, get: function () { return reg.onSketch || null; },
                                           set: function (fn) { reg.onSketch = fn || null; } });
  Object.defineProperty(api, "_registry", { enumerable: false, value: reg });  // internals: tests and the room
  return Object.freeze(api);
}
