/* Sketching sites with the map's tools: the tools' state, modes, the new-site form, sketches kept
   in the browser's storage until exported. */

// the state of one map's tools: what mode, what shape, the line or area being drawn, the sketches
function toolState(map, data, reg) {
  return { map: map, data: data, reg: reg, mode: null, shape: "point", vertices: [], draft: null,
           measureLine: null, measurePoints: [], sketches: L.featureGroup().addTo(map), exported: true,
           // sketches survive a reload: kept in the browser's storage until exported (and after)
           storeKey: "scmap-sketches:" + location.pathname + ":" + (data.title || "") };
}

function clearDraft(st) {
  if (st.draft) { st.map.removeLayer(st.draft); st.draft = null; }
  st.vertices = [];
}

function setMode(st, next, button) {
  var map = st.map;
  Array.prototype.forEach.call(map.getContainer().querySelectorAll(".scmap-tool"), function (b) {
    b.classList.remove("scmap-tool-on");
  });
  st.mode = st.mode === next ? null : next;
  if (st.mode && button) { button.classList.add("scmap-tool-on"); }
  map.getContainer().style.cursor = st.mode ? "crosshair" : "";
  // while measuring or sketching, clicks go to the map, not to districts or markers (whose
  // popups would open and pan the map under the pointer)
  map.getContainer().classList.toggle("scmap-tool-active", st.mode !== null);
  if (st.mode === "sketch") { map.doubleClickZoom.disable(); } else { map.doubleClickZoom.enable(); clearDraft(st); }
  if (st.mode !== "measure" && st.measureLine) {
    map.removeLayer(st.measureLine);
    st.measureLine = null;
    st.measurePoints = [];
  }
}

function typeOf(data, key) { return data.sketch_types.filter(function (ty) { return ty.key === key; })[0]; }

// the solution types a site may be, grouped by sector
function sketchTypeSelect(data) {
  var select = el("select");
  select.name = "solution";
  var groups = {};
  data.sketch_types.forEach(function (ty) {
    if (!groups[ty.sector]) {
      groups[ty.sector] = el("optgroup");
      groups[ty.sector].label = ty.sector_label;
      select.appendChild(groups[ty.sector]);
    }
    var o = el("option", null, ty.label);
    o.value = ty.key;
    groups[ty.sector].appendChild(o);
  });
  return select;
}

function sketchForm(st, latlng, points, kind) {
  points = points || [latlng];
  kind = kind || "point";
  var form = el("form", "scmap-sketch-form");
  form.appendChild(el("div", "scmap-popup-title", t("map.new_site")));
  var select = sketchTypeSelect(st.data);
  var name = el("input");
  name.name = "name";
  name.placeholder = t("map.site_name");
  var note = el("input");
  note.name = "note";
  note.placeholder = t("map.site_note");
  var add = el("button", null, t("map.add"));
  add.type = "submit";
  [select, name, note, add].forEach(function (x) { form.appendChild(x); });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var type = typeOf(st.data, select.value);
    var props = { name: name.value || type.label, solution: type.key, sector: type.sector,
                  status: "candidate", note: note.value, source: "workshop sketch" };
    // in the workshop room the site goes to the room (reg.onSketch) instead of this browser's sketches
    if (st.reg.onSketch) { st.reg.onSketch(points, props, kind); } else { addSketch(st, points, props, kind); }
    st.map.closePopup();
  });
  var popup = L.popup({ maxWidth: 300 }).setLatLng(latlng).setContent(form);
  popup.scmapTool = true;
  popup.openOn(st.map);
  return form;
}

function shapePoints(m) {
  if (m.scmapShape === "point") { return [[m.getLatLng().lat, m.getLatLng().lng]]; }
  var ll = m.scmapShape === "area" ? m.getLatLngs()[0] : m.getLatLngs();
  return ll.map(function (p) { return [p.lat, p.lng]; });
}

function storeSketches(st) {
  var n = st.sketches.getLayers().length;
  try {
    window.localStorage.setItem(st.storeKey, JSON.stringify({ exported: st.exported, sketches:
      st.sketches.getLayers().map(function (m) { return { props: m.scmapSketch, kind: m.scmapShape, points: shapePoints(m) }; }) }));
  } catch (err) { /* no storage here (a sandboxed frame, private mode): sketches last for this visit */ }
  var button = st.reg.exportButton;
  if (button) {
    var pending = !st.exported && n > 0;
    button.classList.toggle("scmap-unexported", pending);
    button.title = t("map.export_sketches") + (pending ? " (" + t("map.not_exported", { n: n }) + ")" : "");
  }
}

function restoreSketches(st) {
  var saved;
  try { saved = JSON.parse(window.localStorage.getItem(st.storeKey) || "null"); } catch (err) { saved = null; }
  if (!saved || !Array.isArray(saved.sketches)) { return; }
  saved.sketches.forEach(function (s) {
    var ok = s && s.props && typeOf(st.data, s.props.solution);
    if (ok && Array.isArray(s.points) && s.points.length) {
      addSketch(st, s.points.map(function (p) { return L.latLng(p[0], p[1]); }), s.props, s.kind, true);
    }
  });
  st.exported = saved.exported !== false;
  storeSketches(st);
}

function sketchLayer(points, kind) {
  var look = { color: "#000000", weight: 2, dashArray: "3 3", fillColor: "#ffffff", fillOpacity: 0.5 };
  if (kind === "line") { return L.polyline(points, look); }
  if (kind === "area") { return L.polygon(points, look); }
  return L.circleMarker(points[0] || points, L.extend({ radius: 9 }, look, { fillOpacity: 0.9 }));
}

function addSketch(st, points, props, kind, restoring) {
  var type = typeOf(st.data, props.solution);
  var marker = sketchLayer(points, kind);
  marker.scmapSketch = props;
  marker.scmapShape = kind || "point";
  marker.bindTooltip(function () { return el("span", null, t("map.sketch_tip", { name: props.name, type: type.label })); });
  marker.bindPopup(function () {
    var box = popupBox(props.name, type.label + " · " + t("map.sketched_candidate"),
                       [[t("map.type"), type.label], [t("map.note"), props.note || "-"]]);
    var remove = el("button", "scmap-sketch-remove", t("map.remove_sketch"));
    remove.type = "button";
    remove.addEventListener("click", function () {
      st.sketches.removeLayer(marker);
      st.exported = false;
      storeSketches(st);
      st.map.closePopup();
    });
    box.appendChild(remove);
    return box;
  });
  st.sketches.addLayer(marker);
  if (!restoring) { st.exported = false; storeSketches(st); }
  return marker;
}

function sketchesGeoJSON(st) {
  var features = st.sketches.getLayers().map(function (m) {
    return { type: "Feature", properties: m.scmapSketch, geometry: m.toGeoJSON(7).geometry };
  });
  return JSON.stringify({ type: "FeatureCollection", features: features }, null, 1);
}
