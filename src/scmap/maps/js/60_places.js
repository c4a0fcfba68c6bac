/* District names placed where they fit, and the basemaps. */

// ---------------------------------------------------------------- district names

// Names placed largest district first, each only where it fits inside its district on screen,
// overlaps no name already placed and does not repeat the same name close by (census sections
// named after their neighbourhood): readable for 20 or 35 000 districts at any zoom. Only the
// names placed are on the map (a marker is made the first time its name is shown): a marker
// per district of a large region would cost Leaflet time that grows with their square.
function districtLabels(map, d, feats, reg, districts) {
  var shapes = districts.getLayers(), labels = [], group = L.layerGroup(), points = pointStream(d.label_at);
  (d.label_order || []).forEach(function (i) {
    var at = points[i];
    if (at) { labels.push({ at: L.latLng(at[1], at[0]), text: feats[i].tip, shape: shapes[i], marker: null }); }
  });
  function place() {
    if (reg.drawing) { return; }  // placed once the whole map is drawn, not once per layer added
    if (!map.hasLayer(districts)) { if (map.hasLayer(group)) { map.removeLayer(group); } return; }
    if (!map.hasLayer(group)) { group.addTo(map); }
    var size = map.getSize(), placed = [], seen = {};
    labels.forEach(function (lab) {
      var box = labelBox(map, lab, size, placed);
      if (box && repeated(seen[lab.text], box)) { box = null; }
      if (box) { placed.push(box); (seen[lab.text] = seen[lab.text] || []).push(box); }
      if (box && !(lab.marker && group.hasLayer(lab.marker))) { group.addLayer(labelMarker(lab)); }
      if (!box && lab.marker && group.hasLayer(lab.marker)) { group.removeLayer(lab.marker); }
    });
    reg.labelsShown = placed.length;
  }
  map.on("zoomend moveend overlayadd overlayremove resize", place);
  reg.placeLabels = place;
  reg.labels = group;
  reg.labelCount = labels.length;
}

var REPEAT_PX = 200;  // a name shown again only this far from where it already is

function repeated(boxes, box) {  // centre to centre, as the atlas measures on paper
  return (boxes || []).some(function (o) {
    var dx = (o.x0 + o.x1 - box.x0 - box.x1) / 2, dy = (o.y0 + o.y1 - box.y0 - box.y1) / 2;
    return Math.sqrt(dx * dx + dy * dy) < REPEAT_PX;
  });
}

function labelMarker(lab) {
  if (!lab.marker) {
    var point = lab.shape && !lab.shape.getBounds;  // a place drawn as a dot: its name beside it
    var icon = L.divIcon({ className: "scmap-label" + (point ? " scmap-label-point" : ""),
                           html: el("span", null, lab.text), iconSize: null });
    lab.marker = L.marker(lab.at, { icon: icon, interactive: false, keyboard: false });
  }
  return lab.marker;
}

// where a name goes on screen, or null: inside the map, inside its district, clear of *placed*
function labelBox(map, lab, size, placed) {
  var p = map.latLngToContainerPoint(lab.at);
  var w = lab.text.length * 6.3 + 8, h = 15;
  var box = { x0: p.x - w / 2, y0: p.y - h / 2, x1: p.x + w / 2, y1: p.y + h / 2 };
  if (!(box.x1 > 0 && box.y1 > 0 && box.x0 < size.x && box.y0 < size.y)) { return null; }
  var b = lab.shape && lab.shape.getBounds ? lab.shape.getBounds() : null;
  if (b && b.isValid()) {
    var sw = map.latLngToContainerPoint(b.getSouthWest()), ne = map.latLngToContainerPoint(b.getNorthEast());
    if (!(Math.abs(ne.x - sw.x) > w * 0.8 && Math.abs(sw.y - ne.y) > h * 1.5)) { return null; }
  }
  var free = placed.every(function (o) { return box.x1 < o.x0 || box.x0 > o.x1 || box.y1 < o.y0 || box.y0 > o.y1; });
  return free ? box : null;
}

// ---------------------------------------------------------------- basemaps

function basemapLayer(b) {
  var opts = { attribution: b.attribution_html || escapeHtml(b.attribution || ""), maxZoom: 19,
               maxNativeZoom: b.max_zoom || 19 };
  if (b.kind === "wms") {
    return L.tileLayer.wms(b.url, L.extend(opts, { layers: b.layers, format: b.format || "image/png",
                                                   transparent: false }));
  }
  return L.tileLayer(b.url, opts);
}

function basemaps(map, data, reg) {
  reg.basemaps = (data.basemaps || []).map(basemapLayer);
  if (!reg.basemaps.length) { return; }
  reg.basemaps[0].addTo(map);
  reg.basemap = 0;
  if (reg.basemaps.length < 2) { return; }
  var Switcher = L.Control.extend({
    options: { position: "bottomleft" },
    onAdd: function () {
      var select = el("select", "scmap-basemap leaflet-bar");
      select.title = t("map.basemap");
      data.basemaps.forEach(function (b, i) { var o = el("option", null, b.label); o.value = String(i); select.appendChild(o); });
      select.addEventListener("change", function () { reg.setBasemap(Number(select.value)); });
      L.DomEvent.disableClickPropagation(select);
      return select;
    }
  });
  new Switcher().addTo(map);
  reg.setBasemap = function (i) {
    map.removeLayer(reg.basemaps[reg.basemap]);
    reg.basemaps[i].addTo(map).bringToBack();
    reg.basemap = i;
  };
}
