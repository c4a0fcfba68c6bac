/* scmap map layers and workshop tools. Data arrives as JSON and is shown only through
   textContent (or escaped where Leaflet insists on HTML): no data string is ever parsed as
   HTML or evaluated. */
(function () {
  "use strict";

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }

  // Leaflet's layer control sets names with innerHTML: give it escaped text.
  function escapeHtml(s) {
    return String(s).replace(/[&<>"'`$]/g, function (c) { return "&#" + c.charCodeAt(0) + ";"; });
  }

  function popupBox(heading, subtitle, rows) {
    var box = el("div", "scmap-popup");
    box.appendChild(el("div", "scmap-popup-title", heading));
    if (subtitle) { box.appendChild(el("div", "scmap-popup-sub", subtitle)); }
    var table = el("table");
    for (var i = 0; i < rows.length; i++) {
      var tr = el("tr");
      tr.appendChild(el("th", null, rows[i][0]));
      tr.appendChild(el("td", null, rows[i][1]));
      table.appendChild(tr);
    }
    box.appendChild(table);
    return box;
  }

  function markerIcon(symbol, colour, status) {
    var wrap = el("div", "scmap-marker-body scmap-status-" + status);
    wrap.style.backgroundColor = colour;
    wrap.appendChild(el("span", "scmap-symbol", symbol));
    return L.divIcon({ className: "scmap-marker", html: wrap, iconSize: [24, 24], iconAnchor: [12, 12] });
  }

  function layerFor(g, f, style, points) {
    if (Array.isArray(g)) { g = { type: "Point", coordinates: g }; }  // compact points: [lon, lat]
    if (g.type === "Point" && points === "icon") {
      return L.marker([g.coordinates[1], g.coordinates[0]], { icon: markerIcon(f.icon, f.colour, f.status) });
    }
    if (g.type === "Point") {
      return L.circleMarker([g.coordinates[1], g.coordinates[0]],
        { radius: 6, color: "#ffffff", weight: 1, fillColor: f.colour, fillOpacity: 0.9 });
    }
    return L.geoJSON(g, { style: function () { return style(f); },
      pointToLayer: function (_, ll) { return L.circleMarker(ll, { radius: 5, color: f.colour }); } });
  }

  function bindText(lyr, f, sticky) {
    lyr.bindTooltip(function () { return el("span", null, f.tip); }, { sticky: sticky });
    lyr.bindPopup(function () { return popupBox(f.title, f.sub, f.rows); }, { maxWidth: 380 });
    lyr.scmapFeature = f;
  }

  function addFeatures(group, feats, geoms, style, points) {
    for (var i = 0; i < geoms.length; i++) {
      var lyr = layerFor(geoms[i], feats[i], style, points);
      bindText(lyr, feats[i], !Array.isArray(geoms[i]) && geoms[i].type !== "Point");
      group.addLayer(lyr);
    }
    return geoms.length;
  }

  // a sector stored by column: one light object per solution, popup rows built when opened
  function sectorFeatures(sec) {
    var feats = [];
    for (var i = 0; i < sec.ids.length; i++) {
      (function (i) {
        var type = sec.types[sec.t[i]];
        var status = sec.statuses[sec.s[i]];
        var f = { tip: sec.names[i] + " · " + type.label + " · " + status, title: sec.names[i],
                  sub: type.label + " · " + sec.label, icon: type.icon, colour: type.colour, status: status };
        Object.defineProperty(f, "rows", { get: function () {
          var radius = sec.radius && sec.radius[i] !== null ? sec.radius[i] : type.radius;
          var rows = [["Type", type.label], ["Sector", sec.label], ["Status", status], ["Id", sec.ids[i]],
                      ["Service radius", radius + " m"]];
          sec.cols.forEach(function (c) { if (c.values[i] !== null) { rows.push([c.name, c.values[i]]); } });
          if (type.about) { rows.push(["About", type.about]); }
          type.refs.forEach(function (r) { rows.push(["Reference case", r]); });
          return rows;
        } });
        feats.push(f);
      })(i);
    }
    return feats;
  }

  function featureStyle(f) {
    return { color: f.colour || "#444444", weight: f.weight || 3, fillColor: f.colour || "#444444",
             fillOpacity: f.fill === undefined ? 0.35 : f.fill, dashArray: f.dash || null };
  }

  // a district/unit colouring built from columns: popups made when opened
  function choroplethLayer(ch, geoms) {
    var group = L.featureGroup();
    for (var i = 0; i < geoms.length; i++) {
      var idx = ch.cidx[i];
      var colour = idx < 0 ? ch.excluded : ch.palette[idx];
      var lyr = L.geoJSON(geoms[i], { style: { color: "#555555", weight: 0.4, fillColor: colour,
                                               fillOpacity: idx < 0 ? 0.35 : 0.75 } });
      (function (i) {
        lyr.bindTooltip(function () {
          var score = ch.cols[0].values[i];
          return el("span", null, ch.titles[i] + (score === null ? "" : " · " + ch.cols[0].name + " " + score));
        }, { sticky: true });
        lyr.bindPopup(function () {
          var rows = [];
          for (var c = 0; c < ch.cols.length; c++) {
            var v = ch.cols[c].values[i];
            if (v !== null && v !== undefined) { rows.push([ch.cols[c].name, v]); }
          }
          return popupBox(ch.titles[i], ch.sub, rows);
        }, { maxWidth: 380 });
      })(i);
      group.addLayer(lyr);
    }
    return group;
  }

  function gradient(colours) {
    return "linear-gradient(to right, " + colours.join(", ") + ")";
  }

  function legendControl(map, data, reg) {
    var Legend = L.Control.extend({
      options: { position: "bottomright" },
      onAdd: function () {
        var box = el("div", "scmap-legend leaflet-bar");
        box.appendChild(el("div", "scmap-legend-title", data.legend_title));
        data.sectors.forEach(function (sec) {
          var block = el("div", "scmap-legend-sector");
          block.setAttribute("data-sector", sec.key);
          var head = el("div", "scmap-legend-head");
          var sw = el("span", "scmap-swatch");
          sw.style.backgroundColor = sec.colour;
          head.appendChild(sw);
          head.appendChild(el("span", null, sec.label + " (" + sec.count + ")"));
          block.appendChild(head);
          sec.types.forEach(function (t) {
            var row = el("div", "scmap-legend-type");
            var sym = el("span", "scmap-legend-symbol", t.icon);
            sym.style.backgroundColor = t.colour;
            row.appendChild(sym);
            row.appendChild(el("span", null, t.label + " (" + t.count + ")"));
            block.appendChild(row);
          });
          reg.legendBlocks["sector:" + sec.key] = block;
          box.appendChild(block);
        });
        data.overlays.forEach(function (ov) {
          var block = el("div", "scmap-legend-overlay");
          block.setAttribute("data-overlay", ov.key);
          block.appendChild(el("div", "scmap-legend-head", ov.legend.caption));
          ov.legend.items.forEach(function (it) {
            var row = el("div", "scmap-legend-type");
            var sw = el("span", "scmap-swatch");
            sw.style.backgroundColor = it.colour;
            row.appendChild(sw);
            row.appendChild(el("span", null, it.label));
            block.appendChild(row);
          });
          reg.legendBlocks[ov.key] = block;
          box.appendChild(block);
        });
        data.choropleths.forEach(function (ch) {
          var block = el("div", "scmap-legend-choropleth");
          block.setAttribute("data-choropleth", ch.key);
          block.appendChild(el("div", "scmap-legend-head", ch.legend.caption));
          var bar = el("div", "scmap-gradient");
          bar.style.background = gradient(ch.legend.colours);
          block.appendChild(bar);
          var ends = el("div", "scmap-gradient-ends");
          ends.appendChild(el("span", null, ch.legend.min));
          ends.appendChild(el("span", null, ch.legend.max));
          block.appendChild(ends);
          reg.legendBlocks[ch.key] = block;
          box.appendChild(block);
        });
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        return box;
      }
    });
    var legend = new Legend();
    legend.addTo(map);
    function sync() {
      Object.keys(reg.legendBlocks).forEach(function (key) {
        var layer = reg.byKey[key];
        reg.legendBlocks[key].style.display = layer && map.hasLayer(layer) ? "" : "none";
      });
    }
    map.on("overlayadd overlayremove baselayerchange", sync);
    sync();
    reg.syncLegend = sync;
    return legend;
  }

  // ---------------------------------------------------------------- workshop tools

  function toolButton(bar, label, title, onClick) {
    var b = el("a", "scmap-tool", label);
    b.href = "#";
    b.title = title;
    b.setAttribute("role", "button");
    L.DomEvent.on(b, "click", function (e) { L.DomEvent.preventDefault(e); onClick(b); });
    bar.appendChild(b);
    return b;
  }

  function formatLength(m) { return m < 1000 ? Math.round(m) + " m" : (m / 1000).toFixed(2) + " km"; }

  function tools(map, data, reg) {
    var sketches = L.featureGroup().addTo(map);
    reg.sketches = sketches;
    reg.byKey.sketches = sketches;
    var mode = null;
    var measureLine = null;
    var measurePoints = [];
    var shape = "point";     // what a sketch is: point, line or area
    var vertices = [];       // of the line or area being drawn
    var draft = null;

    function clearDraft() {
      if (draft) { map.removeLayer(draft); draft = null; }
      vertices = [];
    }

    function setMode(next, button) {
      Array.prototype.forEach.call(document.querySelectorAll(".scmap-tool"), function (b) {
        b.classList.remove("scmap-tool-on");
      });
      mode = mode === next ? null : next;
      if (mode && button) { button.classList.add("scmap-tool-on"); }
      map.getContainer().style.cursor = mode ? "crosshair" : "";
      // while measuring or sketching, clicks go to the map, not to districts or markers (whose
      // popups would open and pan the map under the pointer)
      map.getContainer().classList.toggle("scmap-tool-active", mode !== null);
      if (mode === "sketch") { map.doubleClickZoom.disable(); } else { map.doubleClickZoom.enable(); clearDraft(); }
      if (mode !== "measure" && measureLine) { map.removeLayer(measureLine); measureLine = null; measurePoints = []; }
    }

    function sketchForm(latlng, points, kind) {
      points = points || [latlng];
      kind = kind || "point";
      var form = el("form", "scmap-sketch-form");
      form.appendChild(el("div", "scmap-popup-title", "New candidate site"));
      var select = el("select");
      select.name = "solution";
      var groups = {};
      data.sketch_types.forEach(function (t) {
        if (!groups[t.sector]) {
          groups[t.sector] = el("optgroup");
          groups[t.sector].label = t.sector_label;
          select.appendChild(groups[t.sector]);
        }
        var o = el("option", null, t.label);
        o.value = t.key;
        groups[t.sector].appendChild(o);
      });
      var name = el("input");
      name.name = "name";
      name.placeholder = "name";
      var note = el("input");
      note.name = "note";
      note.placeholder = "note (optional)";
      var add = el("button", null, "Add");
      add.type = "submit";
      [select, name, note, add].forEach(function (x) { form.appendChild(x); });
      form.addEventListener("submit", function (e) {
        e.preventDefault();
        var type = data.sketch_types.filter(function (t) { return t.key === select.value; })[0];
        addSketch(points, { name: name.value || type.label, solution: type.key, sector: type.sector,
                            status: "candidate", note: note.value, source: "workshop sketch" }, kind);
        map.closePopup();
      });
      var popup = L.popup({ maxWidth: 300 }).setLatLng(latlng).setContent(form);
      popup.scmapTool = true;
      popup.openOn(map);
      return form;
    }

    function addSketch(points, props, kind) {
      var type = data.sketch_types.filter(function (t) { return t.key === props.solution; })[0];
      var look = { color: "#000000", weight: 2, dashArray: "3 3", fillColor: "#ffffff", fillOpacity: 0.5 };
      var marker;
      if (kind === "line") {
        marker = L.polyline(points, look);
      } else if (kind === "area") {
        marker = L.polygon(points, look);
      } else {
        marker = L.circleMarker(points[0] || points, L.extend({ radius: 9 }, look, { fillOpacity: 0.9 }));
      }
      marker.scmapSketch = props;
      marker.scmapShape = kind || "point";
      marker.bindTooltip(function () { return el("span", null, props.name + " · " + type.label + " (sketch)"); });
      marker.bindPopup(function () {
        var box = popupBox(props.name, type.label + " · sketched candidate", [["Type", type.label],
                                                                              ["Note", props.note || "-"]]);
        var remove = el("button", "scmap-sketch-remove", "Remove this sketch");
        remove.type = "button";
        remove.addEventListener("click", function () { sketches.removeLayer(marker); map.closePopup(); });
        box.appendChild(remove);
        return box;
      });
      sketches.addLayer(marker);
      return marker;
    }

    function sketchesGeoJSON() {
      var features = sketches.getLayers().map(function (m) {
        return { type: "Feature", properties: m.scmapSketch, geometry: m.toGeoJSON(7).geometry };
      });
      return JSON.stringify({ type: "FeatureCollection", features: features }, null, 1);
    }

    function download(name, text) {
      var a = el("a");
      a.href = URL.createObjectURL(new Blob([text], { type: "application/geo+json" }));
      a.download = name;
      document.body.appendChild(a);
      a.click();
      setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 0);
    }

    var Tools = L.Control.extend({
      options: { position: "topleft" },
      onAdd: function () {
        var bar = el("div", "leaflet-bar scmap-tools");
        toolButton(bar, "⤢", "Full screen", function () {
          var c = map.getContainer();
          try {
            var p = document.fullscreenElement ? document.exitFullscreen() : c.requestFullscreen();
            if (p && p.catch) { p.catch(function () { return null; }); }
          } catch (err) { /* full screen not allowed here (e.g. an iframe without permission) */ }
        });
        reg.measureButton = toolButton(bar, "↔", "Measure a distance (click points; click the tool to stop)",
          function (b) { setMode("measure", b); });
        reg.sketchButton = toolButton(bar, "✎", "Sketch a candidate site: click the map (lines and areas: " +
          "click each corner, double-click the last)", function (b) { setMode("sketch", b); });
        var kinds = el("select", "scmap-sketch-shape");
        kinds.title = "What to sketch";
        ["point", "line", "area"].forEach(function (k) { var o = el("option", null, k); o.value = k; kinds.appendChild(o); });
        kinds.addEventListener("change", function () { shape = kinds.value; clearDraft(); });
        bar.appendChild(kinds);
        reg.exportButton = toolButton(bar, "↓", "Export sketched sites as GeoJSON", function () {
          download("sketched_sites.geojson", sketchesGeoJSON());
        });
        L.DomEvent.disableClickPropagation(bar);
        return bar;
      }
    });
    new Tools().addTo(map);

    // a double-click ends a line or area; on the container, in the capture phase, because a
    // double-click on a marker does not reach the map
    map.getContainer().addEventListener("dblclick", function (e) {
      if (mode !== "sketch" || shape === "point") { return; }
      // the double-click's spot is the last vertex (if its clicks did not already put one there)
      var at = map.mouseEventToLatLng(e);
      var last = vertices[vertices.length - 1];
      if (!last || map.latLngToContainerPoint(last).distanceTo(map.mouseEventToContainerPoint(e)) > 3) {
        vertices.push(at);
      }
      if (vertices.length < (shape === "line" ? 2 : 3)) { return; }
      var points = vertices.slice();
      var kind = shape;
      clearDraft();
      setTimeout(function () { sketchForm(points[points.length - 1], points, kind); }, 0);
    }, true);

    // DOM clicks on the container, in the capture phase: Leaflet drops a click that follows
    // another within 100-500 ms, which would lose vertices; clicks on controls and popups are not ours
    map.getContainer().addEventListener("click", function (dom) {
      if (!mode || (dom.target.closest && dom.target.closest(".leaflet-control, .leaflet-popup"))) { return; }
      var e = { latlng: map.mouseEventToLatLng(dom), containerPoint: map.mouseEventToContainerPoint(dom) };
      if (mode === "sketch" && shape === "point") {
        var at = e.latlng;
        setTimeout(function () { sketchForm(at); }, 0);
      } else if (mode === "sketch") {
        var last = vertices[vertices.length - 1];
        // the two clicks of a double-click land on one spot: keep one vertex there
        if (!last || map.latLngToContainerPoint(last).distanceTo(e.containerPoint) > 3) { vertices.push(e.latlng); }
        if (!draft) {
          draft = (shape === "line" ? L.polyline([], { color: "#000", dashArray: "2 4" })
                                    : L.polygon([], { color: "#000", dashArray: "2 4", fillOpacity: 0.1 })).addTo(map);
        }
        draft.setLatLngs(vertices);
      } else if (mode === "measure") {
        measurePoints.push(e.latlng);
        if (!measureLine) { measureLine = L.polyline(measurePoints, { color: "#000", dashArray: "4 4" }).addTo(map); }
        measureLine.setLatLngs(measurePoints);
        var total = 0;
        for (var i = 1; i < measurePoints.length; i++) { total += map.distance(measurePoints[i - 1], measurePoints[i]); }
        reg.measured = total;
        reg.measurePoints = measurePoints.map(function (p) { return [p.lat, p.lng]; });
        measureLine.bindTooltip(el("span", null, formatLength(total)), { permanent: true }).openTooltip(e.latlng);
      }
    }, true);

    // search by district name
    var Search = L.Control.extend({
      options: { position: "topleft" },
      onAdd: function () {
        var box = el("div", "scmap-search leaflet-bar");
        var input = el("input");
        input.type = "search";
        input.placeholder = "Find a district";
        input.setAttribute("list", "scmap-district-names");
        input.setAttribute("aria-label", "Find a district");
        var list = el("datalist");
        list.id = "scmap-district-names";
        data.districts.names.forEach(function (n) { var o = el("option"); o.value = n; list.appendChild(o); });
        box.appendChild(input);
        box.appendChild(list);
        input.addEventListener("change", function () { reg.findDistrict(input.value); });
        L.DomEvent.disableClickPropagation(box);
        return box;
      }
    });
    new Search().addTo(map);
    reg.findDistrict = function (name) {
      if (mode) { setMode(mode, null); }  // leave measuring/sketching
      var found = null;
      reg.districts.eachLayer(function (l) { if (l.scmapFeature.title === name) { found = l; } });
      if (found) { map.fitBounds(found.getBounds(), { maxZoom: 15 }); found.openPopup(); }
      return found !== null;
    };
    reg.sketchForm = sketchForm;
    reg.sketchState = function () { return { mode: mode, shape: shape, vertices: vertices.length }; };
    reg.addSketch = addSketch;
    reg.sketchesGeoJSON = sketchesGeoJSON;
  }

  function minimap(map, data, reg) {
    var box = el("div", "scmap-minimap");
    map.getContainer().appendChild(box);
    var mini = L.map(box, { attributionControl: false, zoomControl: false, dragging: false, scrollWheelZoom: false,
                            doubleClickZoom: false, boxZoom: false, keyboard: false, touchZoom: false });
    mini.setView(map.getCenter(), Math.max(map.getZoom() - 4, 0));
    if (data.tiles && data.tiles.url) { L.tileLayer(data.tiles.url).addTo(mini); }
    var outline = L.featureGroup().addTo(mini);
    reg.districts.eachLayer(function (l) {
      outline.addLayer(L.geoJSON(l.toGeoJSON(), { style: { color: "#666", weight: 0.6, fillOpacity: 0.05 } }));
    });
    var view = L.rectangle(map.getBounds(), { color: "#d7191c", weight: 1.5, fillOpacity: 0.1 }).addTo(mini);
    function sync() {
      view.setBounds(map.getBounds());
      if (outline.getBounds().isValid()) { mini.fitBounds(outline.getBounds(), { animate: false }); }
    }
    map.on("moveend zoomend", sync);
    L.DomEvent.disableClickPropagation(box);
    reg.minimap = mini;
    setTimeout(function () { mini.invalidateSize(); sync(); }, 0);
  }

  // ---------------------------------------------------------------- assembly

  window.scmapRender = function (map, data, geometries) {
    if (!isFinite(map.getMaxZoom())) { map.setMaxZoom(19); }  // clustering needs a maximum zoom
    var reg = { map: map, districts: null, sectors: {}, choropleths: {}, overlays: {}, counts: {},
                legendBlocks: {}, byKey: {}, data: data };
    var overlays = {};
    var bases = {};

    var plain = L.layerGroup().addTo(map);
    bases[escapeHtml("Districts only")] = plain;
    data.choropleths.forEach(function (ch) {
      var group = choroplethLayer(ch, geometries[ch.key]);
      reg.choropleths[ch.key] = group;
      reg.byKey[ch.key] = group;
      bases[escapeHtml(ch.label)] = group;
      reg.counts[ch.key] = geometries[ch.key].length;
    });

    var districts = L.featureGroup();
    reg.counts.districts = addFeatures(districts, data.districts.feats, geometries.districts, function () {
      return { color: "#333333", weight: 1.2, fillColor: "#bbbbbb", fillOpacity: 0.08 };
    }, "circle");
    if (data.districts.labels) {
      districts.eachLayer(function (lyr) {
        lyr.unbindTooltip();
        lyr.bindTooltip(L.tooltip({ permanent: true, direction: "center", className: "scmap-label" })
          .setContent(el("span", null, lyr.scmapFeature.tip)));
      });
    }
    reg.districts = districts;
    reg.byKey.districts = districts;
    overlays[escapeHtml(data.districts.label)] = districts;

    data.overlays.forEach(function (ov) {
      var group = L.featureGroup();
      reg.counts[ov.key] = addFeatures(group, ov.feats, geometries[ov.key], featureStyle, "circle");
      reg.overlays[ov.key] = group;
      reg.byKey[ov.key] = group;
      overlays[escapeHtml(ov.label)] = group;
    });

    data.sectors.forEach(function (sec) {
      var group = sec.cluster && L.markerClusterGroup
        ? L.markerClusterGroup({ chunkedLoading: true, showCoverageOnHover: false })
        : L.featureGroup();
      reg.counts[sec.key] = addFeatures(group, sectorFeatures(sec), geometries["sector:" + sec.key], featureStyle,
                                        sec.points);
      reg.sectors[sec.key] = group;
      reg.byKey["sector:" + sec.key] = group;
      overlays[escapeHtml(sec.label + " (" + sec.count + ")")] = group;
    });

    function visible(key, byDefault) {
      if (data.show === null || data.show === undefined) { return byDefault; }
      return data.show.indexOf(key) >= 0 || data.show.indexOf(key.replace(/^sector:/, "")) >= 0;
    }
    if (visible("districts", true)) { districts.addTo(map); }
    data.overlays.forEach(function (ov) { if (visible(ov.key, ov.visible)) { reg.overlays[ov.key].addTo(map); } });
    data.sectors.forEach(function (sec) { if (visible("sector:" + sec.key, true)) { reg.sectors[sec.key].addTo(map); } });
    districts.bringToFront();

    tools(map, data, reg);
    overlays[escapeHtml("Sketched sites")] = reg.sketches;
    var small = map.getSize().y < 700;  // e.g. a map embedded in a report: fold the layer list
    L.control.layers(bases, overlays, { collapsed: small }).addTo(map);
    reg.legend = legendControl(map, data, reg);

    if (data.title) {
      map.getContainer().appendChild(el("div", "scmap-title", data.title));
      document.title = data.title;
    }
    if (data.attribution) { map.attributionControl.addAttribution(escapeHtml(data.attribution)); }
    var bounds = districts.getBounds();
    if (bounds.isValid()) { map.fitBounds(bounds, { padding: [10, 10] }); }
    // a map drawn before its container had a size (an iframe not yet laid out) fits again once it has one
    if (window.ResizeObserver && bounds.isValid()) {
      var fitted = map.getSize().x > 0 && map.getSize().y > 0;
      new ResizeObserver(function () {
        var size = map.getContainer().getBoundingClientRect();
        if (!fitted && size.width > 0 && size.height > 0) {
          fitted = true;
          map.invalidateSize();
          map.fitBounds(bounds, { padding: [10, 10] });
        }
      }).observe(map.getContainer());
    }
    minimap(map, data, reg);
    window.scmap = reg;
    return reg;
  };
})();
