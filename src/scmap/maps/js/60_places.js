/* District names placed where they fit, and the basemaps. */

// ---------------------------------------------------------------- district names

// Names placed largest district first, each only where it fits inside its district on screen
// and overlaps no name already placed: readable for 20 or 1 000 districts at any zoom.
function districtLabels(map, d, feats, reg, districts) {
  var shapes = districts.getLayers(), labels = [];
  (d.label_order || []).forEach(function (i) {
    var at = d.label_at[i];
    if (!at) { return; }
    var point = shapes[i] && !shapes[i].getBounds;  // a place drawn as a dot: its name beside it
    var icon = L.divIcon({ className: "scmap-label" + (point ? " scmap-label-point" : ""),
                           html: el("span", null, feats[i].tip), iconSize: null });
    var m = L.marker([at[1], at[0]], { icon: icon, interactive: false, keyboard: false });
    m.scmapShape = shapes[i];
    m.scmapText = feats[i].tip;
    labels.push(m);
  });
  var group = L.layerGroup(labels);
  function place() {
    if (!map.hasLayer(districts)) { if (map.hasLayer(group)) { map.removeLayer(group); } return; }
    if (!map.hasLayer(group)) { group.addTo(map); }
    var size = map.getSize(), placed = [], shown = 0;
    labels.forEach(function (m) {
      var p = map.latLngToContainerPoint(m.getLatLng());
      var w = m.scmapText.length * 6.3 + 8, h = 15;
      var box = { x0: p.x - w / 2, y0: p.y - h / 2, x1: p.x + w / 2, y1: p.y + h / 2 };
      var b = m.scmapShape && m.scmapShape.getBounds ? m.scmapShape.getBounds() : null;
      var fits = true;
      if (b && b.isValid()) {
        var sw = map.latLngToContainerPoint(b.getSouthWest()), ne = map.latLngToContainerPoint(b.getNorthEast());
        fits = Math.abs(ne.x - sw.x) > w * 0.8 && Math.abs(sw.y - ne.y) > h * 1.5;
      }
      var inside = box.x1 > 0 && box.y1 > 0 && box.x0 < size.x && box.y0 < size.y;
      var free = placed.every(function (o) { return box.x1 < o.x0 || box.x0 > o.x1 || box.y1 < o.y0 || box.y0 > o.y1; });
      var show = fits && inside && free;
      if (show) { placed.push(box); shown++; }
      var elm = m.getElement();
      if (elm) { elm.style.display = show ? "" : "none"; }
    });
    reg.labelsShown = shown;
  }
  map.on("zoomend moveend overlayadd overlayremove resize", place);
  reg.placeLabels = place;
  reg.labels = group;
  setTimeout(place, 0);
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
