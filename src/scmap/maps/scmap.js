/* scmap map layers and workshop tools. Data arrives as JSON and is shown only through
   textContent (or escaped where Leaflet insists on HTML): no data string is ever parsed as
   HTML or evaluated. */
(function () {
  "use strict";

  // the page's language: texts by message id (scmap/i18n/*.yaml) and number formats
  var I18N = { lang: "en", texts: {}, percent: "%" };
  var NUMBER_FORMATS = {};

  // a counted text has one form per CLDR plural category: vars.n (a number) chooses it
  function pluralForm(forms, n) {
    var category = "other";
    try { category = new Intl.PluralRules(I18N.lang).select(n); } catch (err) { category = n === 1 ? "one" : "other"; }
    return Object.prototype.hasOwnProperty.call(forms, category) ? forms[category] : forms.other;
  }

  function t(id, vars) {
    var text = Object.prototype.hasOwnProperty.call(I18N.texts, id) ? I18N.texts[id] : id;
    if (text && typeof text === "object") {
      text = pluralForm(text, vars ? Number(vars.n) : NaN);
      if (vars && typeof vars.n === "number") { vars = Object.assign({}, vars, { n: fmt(vars.n, 0) }); }
    }
    return !vars ? text : text.replace(/\{(\w+)\}/g, function (all, name) {
      return Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : all;
    });
  }

  function fmt(v, digits) {
    if (!isFinite(v)) { return ""; }
    var key = String(digits);
    if (!NUMBER_FORMATS[key]) {
      try {
        NUMBER_FORMATS[key] = new Intl.NumberFormat(I18N.lang, { minimumFractionDigits: digits, maximumFractionDigits: digits });
      } catch (err) {
        NUMBER_FORMATS[key] = new Intl.NumberFormat("en", { minimumFractionDigits: digits, maximumFractionDigits: digits });
      }
    }
    return NUMBER_FORMATS[key].format(v);
  }

  function pct(share) { return fmt(Math.round(share * 100), 0) + I18N.percent; }

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

  function bytesOf(b64) {
    var bin = atob(b64), bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { bytes[i] = bin.charCodeAt(i); }
    return bytes;
  }

  // a sector's points: [lon, lat] pairs from little-endian int32 in units of 1/scale degree
  function pointsOf(xy) {
    var v = new Int32Array(bytesOf(xy.b64).buffer), out = new Array(v.length / 2);
    for (var i = 0; i < out.length; i++) { out[i] = [v[2 * i] / xy.scale, v[2 * i + 1] / xy.scale]; }
    return out;
  }

  function popupBox(heading, subtitle, rows) {
    var box = el("div", "scmap-popup");
    box.appendChild(el("div", "scmap-popup-title", heading));
    if (subtitle) { box.appendChild(el("div", "scmap-popup-sub", subtitle)); }
    var table = el("table");
    for (var i = 0; i < rows.length; i++) {
      var tr = el("tr");
      tr.appendChild(el("th", null, rows[i][0]));
      var td = el("td", null, rows[i][1]);
      if (String(rows[i][1]).length <= 24) { td.style.whiteSpace = "nowrap"; }  // "3 de 73", "23.686" stay whole
      tr.appendChild(td);
      table.appendChild(tr);
    }
    box.appendChild(table);
    return box;
  }

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
    return L.geoJSON(g, { style: function () { return style(f); },
      pointToLayer: function (_, ll) { return L.circleMarker(ll, { radius: 5, color: f.colour }); } });
  }

  function bindText(lyr, f, sticky) {
    lyr.bindTooltip(function () { return el("span", null, f.tip); }, { sticky: sticky });
    lyr.bindPopup(function () { return popupBox(f.title, f.sub, f.rows); }, POPUP);
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
      })(i);
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
    var group = L.featureGroup(), hex = sec.hex, size = hex.size, most = 1;
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

  // a district/unit colouring built from columns: popups made when opened
  function choroplethLayer(ch, geoms, reg) {
    var group = L.featureGroup();
    for (var i = 0; i < geoms.length; i++) {
      var idx = ch.cidx[i];
      var colour = idx < 0 ? ch.excluded : ch.palette[idx];
      var lyr = L.geoJSON(geoms[i], { style: { color: "#555555", weight: 0.4, fillColor: colour,
                                               fillOpacity: idx < 0 ? 0.35 : 0.75 } });
      (function (i) {
        lyr.bindTooltip(function () {
          var live = ch.live ? reg.models[ch.model] : null;
          if (live) {
            return el("span", null, ch.titles[i] + (live.rank[i] === null ? " · " + t("map.excluded_short")
              : " · " + t("map.score") + " " + fmt(live.score[i], 3)));
          }
          var score = ch.cols[0].values[i];
          return el("span", null, ch.titles[i] + (score === null ? "" : " · " + ch.cols[0].name + " " + score));
        }, { sticky: true });
        lyr.bindPopup(function () {
          var rows = ch.live ? liveRows(reg.models[ch.model], i) : [];
          for (var c = 0; c < ch.cols.length; c++) {
            var v = ch.cols[c].values[i];
            if (v !== null && v !== undefined) { rows.push([ch.cols[c].name, v]); }
          }
          return popupBox(ch.titles[i], ch.sub, rows);
        }, POPUP);
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
        var fold = el("button", "scmap-legend-fold", t("map.legend") + " \u25be");
        fold.type = "button";
        fold.title = t("map.legend_fold");
        var body = el("div", "scmap-legend-body");
        fold.addEventListener("click", function () {
          var open = body.style.display === "none";
          body.style.display = open ? "" : "none";
          fold.textContent = t("map.legend") + (open ? " \u25be" : " \u25b8");
        });
        box.appendChild(fold);
        box.appendChild(body);
        reg.legendTitle = el("div", "scmap-legend-title", data.legend_title);
        body.appendChild(reg.legendTitle);
        if (map.getSize().y < 700) { body.style.display = "none"; fold.textContent = t("map.legend") + " \u25b8"; }
        if (data.districts.note) {  // what the district shapes are, when they are not districts
          var own = el("div", "scmap-legend-overlay");
          var head = el("div", "scmap-legend-head");
          var dot = el("span", "scmap-swatch");
          dot.style.backgroundColor = "#555555";
          dot.style.borderRadius = "50%";
          head.appendChild(dot);
          head.appendChild(el("span", null, data.districts.label));
          own.appendChild(head);
          own.appendChild(el("div", "scmap-legend-note", data.districts.note));
          body.appendChild(own);
        }
        data.sectors.forEach(function (sec) {
          var block = el("div", "scmap-legend-sector");
          block.setAttribute("data-sector", sec.key);
          var head = el("div", "scmap-legend-head");
          var sw = el("span", "scmap-swatch");
          sw.style.backgroundColor = sec.colour;
          head.appendChild(sw);
          head.appendChild(el("span", null, sec.label + " (" + fmt(sec.count, 0) + ")"));
          block.appendChild(head);
          sec.types.forEach(function (ty) {
            var row = el("div", "scmap-legend-type");
            var sym = el("span", "scmap-legend-symbol");
            sym.appendChild(symbolSvg(ty.paths, ty.label, 11));
            sym.style.backgroundColor = ty.colour;
            row.appendChild(sym);
            row.appendChild(el("span", null, ty.label + " (" + fmt(ty.count, 0) + ")"));
            block.appendChild(row);
          });
          if (sec.note) { block.appendChild(el("div", "scmap-legend-note", sec.note)); }
          reg.legendBlocks["sector:" + sec.key] = block;
          body.appendChild(block);
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
          if (ov.note) { block.appendChild(el("div", "scmap-legend-note", ov.note)); }
          reg.legendBlocks[ov.key] = block;
          body.appendChild(block);
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
          if (ch.legend.classes && ch.legend.classes.length) {
            (ch.legend.classes || []).forEach(function (b) {
              var tick = el("span", "scmap-class-tick");
              tick.style.left = (b * 100).toFixed(1) + "%";
              bar.appendChild(tick);
            });
            var classes = el("div", "scmap-classes", t("map.classes_up_to", { breaks: ch.legend.classes.map(function (b) {
              return fmt(b, 2);
            }).join(" · ") }));
            block.appendChild(classes);
            reg.classNotes = reg.classNotes || {};
            reg.classNotes[ch.model] = classes;
          }
          reg.legendBlocks[ch.key] = block;
          body.appendChild(block);
        });
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        return box;
      }
    });
    var legend = new Legend();
    legend.addTo(map);
    function sync() {
      var sectorsShown = false;
      Object.keys(reg.legendBlocks).forEach(function (key) {
        var layer = reg.byKey[key];
        var shown = layer && map.hasLayer(layer);
        reg.legendBlocks[key].style.display = shown ? "" : "none";
        if (shown && key.indexOf("sector:") === 0) { sectorsShown = true; }
      });
      reg.legendTitle.style.display = sectorsShown ? "" : "none";  // no empty heading
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

  function formatLength(m) { return m < 1000 ? fmt(m, 0) + " m" : fmt(m / 1000, 2) + " km"; }

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
      form.appendChild(el("div", "scmap-popup-title", t("map.new_site")));
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
        var type = data.sketch_types.filter(function (ty) { return ty.key === select.value; })[0];
        var props = { name: name.value || type.label, solution: type.key, sector: type.sector,
                      status: "candidate", note: note.value, source: "workshop sketch" };
        // in the workshop room the site goes to the room (reg.onSketch) instead of this browser's sketches
        if (reg.onSketch) { reg.onSketch(points, props, kind); } else { addSketch(points, props, kind); }
        map.closePopup();
      });
      var popup = L.popup({ maxWidth: 300 }).setLatLng(latlng).setContent(form);
      popup.scmapTool = true;
      popup.openOn(map);
      return form;
    }

    // sketches survive a reload: kept in the browser's storage until exported (and after)
    var storeKey = "scmap-sketches:" + location.pathname + ":" + (data.title || "");
    var exported = true;

    function shapePoints(m) {
      if (m.scmapShape === "point") { return [[m.getLatLng().lat, m.getLatLng().lng]]; }
      var ll = m.scmapShape === "area" ? m.getLatLngs()[0] : m.getLatLngs();
      return ll.map(function (p) { return [p.lat, p.lng]; });
    }

    function storeSketches() {
      var n = sketches.getLayers().length;
      try {
        window.localStorage.setItem(storeKey, JSON.stringify({ exported: exported, sketches:
          sketches.getLayers().map(function (m) { return { props: m.scmapSketch, kind: m.scmapShape, points: shapePoints(m) }; }) }));
      } catch (err) { /* no storage here (a sandboxed frame, private mode): sketches last for this visit */ }
      if (reg.exportButton) {
        var pending = !exported && n > 0;
        reg.exportButton.classList.toggle("scmap-unexported", pending);
        reg.exportButton.title = t("map.export_sketches") + (pending ? " (" + t("map.not_exported", { n: n }) + ")" : "");
      }
    }

    function restoreSketches() {
      var saved = null;
      try { saved = JSON.parse(window.localStorage.getItem(storeKey) || "null"); } catch (err) { saved = null; }
      if (!saved || !Array.isArray(saved.sketches)) { return; }
      saved.sketches.forEach(function (s) {
        var ok = s && s.props && data.sketch_types.some(function (ty) { return ty.key === s.props.solution; });
        if (ok && Array.isArray(s.points) && s.points.length) {
          addSketch(s.points.map(function (p) { return L.latLng(p[0], p[1]); }), s.props, s.kind, true);
        }
      });
      exported = saved.exported !== false;
      storeSketches();
    }
    reg.restoreSketches = restoreSketches;

    function addSketch(points, props, kind, restoring) {
      var type = data.sketch_types.filter(function (ty) { return ty.key === props.solution; })[0];
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
      marker.bindTooltip(function () { return el("span", null, t("map.sketch_tip", { name: props.name, type: type.label })); });
      marker.bindPopup(function () {
        var box = popupBox(props.name, type.label + " · " + t("map.sketched_candidate"),
                           [[t("map.type"), type.label], [t("map.note"), props.note || "-"]]);
        var remove = el("button", "scmap-sketch-remove", t("map.remove_sketch"));
        remove.type = "button";
        remove.addEventListener("click", function () {
          sketches.removeLayer(marker);
          exported = false;
          storeSketches();
          map.closePopup();
        });
        box.appendChild(remove);
        return box;
      });
      sketches.addLayer(marker);
      if (!restoring) { exported = false; storeSketches(); }
      return marker;
    }

    function sketchesGeoJSON() {
      var features = sketches.getLayers().map(function (m) {
        return { type: "Feature", properties: m.scmapSketch, geometry: m.toGeoJSON(7).geometry };
      });
      return JSON.stringify({ type: "FeatureCollection", features: features }, null, 1);
    }

    var Tools = L.Control.extend({
      options: { position: "topleft" },
      onAdd: function () {
        var bar = el("div", "leaflet-bar scmap-tools");
        toolButton(bar, "⤢", t("map.full_screen"), function () {
          var c = map.getContainer();
          try {
            var p = document.fullscreenElement ? document.exitFullscreen() : c.requestFullscreen();
            if (p && p.catch) { p.catch(function () { return null; }); }
          } catch (err) { /* full screen not allowed here (e.g. an iframe without permission) */ }
        });
        reg.measureButton = toolButton(bar, "↔", t("map.measure"), function (b) { setMode("measure", b); });
        reg.sketchButton = toolButton(bar, "✎", t("map.sketch"), function (b) { setMode("sketch", b); });
        // what to sketch: one button per shape, a symbol that fits the bar, its word as title
        var kinds = el("div", "scmap-sketch-shapes");
        kinds.setAttribute("role", "radiogroup");
        kinds.setAttribute("aria-label", t("map.sketch_shape"));
        var glyphs = { point: "\u2022", line: "\u2571", area: "\u25b1" };
        ["point", "line", "area"].forEach(function (k) {
          var word = t("map.shape_" + k);
          var b = toolButton(kinds, glyphs[k], t("map.sketch_shape") + ": " + word, function () {
            shape = k;
            clearDraft();
            Array.prototype.forEach.call(kinds.children, function (c) {
              c.classList.toggle("scmap-tool-on", c === b);
              c.setAttribute("aria-checked", String(c === b));
            });
          });
          b.className += " scmap-shape-" + k + (k === shape ? " scmap-tool-on" : "");
          b.setAttribute("role", "radio");
          b.setAttribute("aria-checked", String(k === shape));
        });
        bar.appendChild(kinds);
        reg.exportButton = toolButton(bar, "↓", t("map.export_sketches"), function () {
          download("sketched_sites.geojson", sketchesGeoJSON(), "application/geo+json");
          exported = true;
          storeSketches();
        });
        L.DomEvent.disableClickPropagation(bar);
        return bar;
      }
    });
    new Tools().addTo(map);
    restoreSketches();

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
        input.placeholder = t("map.find_district");
        input.setAttribute("list", "scmap-district-names");
        input.setAttribute("aria-label", t("map.find_district"));
        var list = el("datalist");
        list.id = "scmap-district-names";
        data.districts.names.forEach(function (n) { var o = el("option"); o.value = n; list.appendChild(o); });
        var status = el("div", "scmap-search-status");
        status.setAttribute("role", "status");
        box.appendChild(input);
        box.appendChild(list);
        box.appendChild(status);
        input.addEventListener("change", function () {
          var text = input.value.trim();
          var hits = text ? reg.findDistrict(text) : [];
          var names = hits.slice(0, 5).join(", ") + (hits.length > 5 ? ", ..." : "");
          status.textContent = !text ? "" : hits.length === 0 ? t("map.no_match", { text: text }) :
            hits.length > 1 ? t("map.n_match", { n: hits.length, names: names }) : "";
        });
        L.DomEvent.disableClickPropagation(box);
        return box;
      }
    });
    new Search().addTo(map);
    // ignoring case, accents and punctuation, and matching part of a name ("raval" finds "el Raval");
    // an exact match wins, else every partial match is shown
    function fold(s) {
      return String(s).normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/[^a-z0-9]+/g, " ").trim();
    }
    reg.findDistrict = function (name) {
      if (mode) { setMode(mode, null); }  // leave measuring/sketching
      var want = fold(name), exact = [], partial = [];
      if (!want) { return []; }
      reg.districts.eachLayer(function (l) {
        var have = fold(l.scmapFeature.title);
        if (have === want) { exact.push(l); } else if (have.indexOf(want) >= 0) { partial.push(l); }
      });
      var hits = exact.length ? exact : partial;
      if (hits.length) {
        var bounds = L.latLngBounds([]);
        hits.forEach(function (l) { bounds.extend(l.getBounds()); });
        // at once (no animation), so that the popup pans clear of the controls from the final view;
        // the district in the lower part of the map, leaving the popup room above it
        var room = hits.length === 1 ? Math.round(map.getSize().y * 0.4) : 10;
        map.fitBounds(bounds, { maxZoom: 15, animate: false, paddingTopLeft: [10, room], paddingBottomRight: [10, 10] });
        if (hits.length === 1) {
          hits[0].openPopup();
          var popup = hits[0].getPopup();  // once laid out, pan it clear of the controls again
          setTimeout(function () { if (popup.isOpen()) { popup.update(); } }, 60);
        }
      }
      return hits.map(function (l) { return l.scmapFeature.title; });
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
      outline.addLayer(L.geoJSON(l.toGeoJSON(), { style: { color: "#666", weight: 0.6, fillOpacity: 0.05 },
        pointToLayer: function (_, ll) { return L.circleMarker(ll, { radius: 2, color: "#333", weight: 1 }); } }));
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

  // ---------------------------------------------------------------- live weights (re-scoring in the page)
  // The same standardised values and formulas as scmap.suitability (aggregate, _rank): for any
  // weights the page's scores equal Python's.

  function decodeF64(b64) { return new Float64Array(bytesOf(b64).buffer); }

  function LiveModel(ch) {
    var lv = ch.live;
    this.key = ch.model;
    this.ch = ch;
    this.ids = lv.ids;
    this.n = lv.ids.length;
    this.criteria = lv.criteria;
    this.values = lv.values.map(decodeF64);
    this.exclusions = lv.exclusions;
    this.aggregation = lv.aggregation;
    this.owa = lv.owa;
    this.method = lv.method;
    this.presets = lv.presets;
    this.weights = this.presets.project.slice();
    this.constraintOn = {};
    var self = this;
    this.exclusions.forEach(function (e) { if (e.kind === "constraint") { self.constraintOn[e.name] = true; } });
    this.changed = false;
    this.rescore();
    this.projectRank = this.rank.slice();
  }

  LiveModel.prototype.usable = function () {
    var usable = new Uint8Array(this.n).fill(1), why = new Array(this.n).fill("");
    for (var e = 0; e < this.exclusions.length; e++) {
      var ex = this.exclusions[e];
      if (ex.kind === "constraint" && !this.constraintOn[ex.name]) { continue; }
      for (var u = 0; u < ex.units.length; u++) {
        var i = ex.units[u];
        if (usable[i]) {
          why[i] = ex.kind === "missing" ? t("map.no_value_for", { name: ex.name }) : t("map.excluded_by", { name: ex.name });
        }
        usable[i] = 0;
      }
    }
    return { usable: usable, why: why };
  };

  LiveModel.prototype.standardised = function (usable) {
    var n = this.n, self = this;
    return this.criteria.map(function (c, j) {
      var v = self.values[j], out = new Float64Array(n).fill(NaN), i;
      if (!c.minmax) {
        for (i = 0; i < n; i++) { if (usable[i]) { out[i] = v[i]; } }
        return out;
      }
      var lo = Infinity, hi = -Infinity, any = false;
      for (i = 0; i < n; i++) {
        if (usable[i] && isFinite(v[i])) { any = true; if (v[i] < lo) { lo = v[i]; } if (v[i] > hi) { hi = v[i]; } }
      }
      if (!any) { return out; }
      for (i = 0; i < n; i++) {
        if (!usable[i] || !isFinite(v[i])) { continue; }
        if (hi === lo) { out[i] = 1.0; continue; }
        var x = (v[i] - lo) / (hi - lo);
        out[i] = c.minmax === "lower" ? 1.0 - x : x;
      }
      return out;
    });
  };

  LiveModel.prototype.aggregateRow = function (x, w) {
    var k = x.length, j, s = 0;
    if (this.aggregation === "wlc") {
      for (j = 0; j < k; j++) { s += w[j] * x[j]; }
      return s;
    }
    if (this.aggregation === "product") {
      for (j = 0; j < k; j++) { s += (x[j] > 0 ? Math.log(x[j]) : -1e300) * w[j]; }
      return Math.exp(Math.min(Math.max(s, -745), 0));
    }
    var vsum = 0, order = [], num = 0, den = 0;
    for (j = 0; j < this.owa.length; j++) { vsum += this.owa[j]; }
    for (j = 0; j < k; j++) { order.push(j); }
    var key = x.map(function (v) { return isNaN(v) ? -1 : v; });
    order.sort(function (a, b) { return key[b] - key[a] || a - b; });  // numpy's stable argsort of -x
    for (j = 0; j < k; j++) {
      var uv = w[order[j]] * (this.owa[j] / vsum);
      num += uv * x[order[j]];
      den += uv;
    }
    return num / den;
  };

  LiveModel.prototype.scoresFor = function (weights, usableInfo) {
    var total = 0, j, i;
    for (j = 0; j < weights.length; j++) { total += weights[j]; }
    var w = weights.map(function (v) { return v / total; });
    var info = usableInfo || this.usable(), std = this.standardised(info.usable);
    var score = new Float64Array(this.n).fill(NaN);
    for (i = 0; i < this.n; i++) {
      if (!info.usable[i]) { continue; }
      var row = std.map(function (col) { return col[i]; });
      var s = this.aggregateRow(row, w);
      score[i] = isNaN(s) ? NaN : Math.min(Math.max(s, 0), 1);
    }
    return { score: score, std: std, w: w, why: info.why };
  };

  function ranksOf(score) {  // 1 = best; ties share the best rank (scipy rankdata "min")
    var idx = [], i, rank = new Array(score.length).fill(null);
    for (i = 0; i < score.length; i++) { if (isFinite(score[i])) { idx.push(i); } }
    idx.sort(function (a, b) { return score[b] - score[a]; });
    for (var r = 0; r < idx.length; r++) {
      rank[idx[r]] = r > 0 && score[idx[r]] === score[idx[r - 1]] ? rank[idx[r - 1]] : r + 1;
    }
    return rank;
  }

  LiveModel.prototype.rescore = function () {
    var out = this.scoresFor(this.weights);
    this.score = out.score;
    this.std = out.std;
    this.w = out.w;
    this.why = out.why;
    this.rank = ranksOf(out.score);
    this.inPlay = this.rank.filter(function (r) { return r !== null; }).length;
  };

  function paletteIndex(score, steps) {
    return isFinite(score) ? Math.round(Math.min(Math.max(score, 0), 1) * (steps - 1)) : -1;
  }

  var RANK_UP = "#1b7837", RANK_DOWN = "#762a83", RANK_SAME = "#f7f7f7";

  function recolour(reg, model) {
    var group = reg.choropleths[model.ch.key], ch = model.ch, i = 0;
    var compare = reg.compare && reg.compare.model === model.key ? reg.compare : null;
    group.eachLayer(function (lyr) {
      var fill, opacity = 0.75;
      if (compare) {
        var d = compare.delta[i];
        fill = d === null ? ch.excluded : d > 0 ? RANK_UP : d < 0 ? RANK_DOWN : RANK_SAME;
        opacity = d === null ? 0.35 : Math.min(0.9, 0.25 + Math.abs(d) / compare.maxDelta * 0.65);
      } else {
        var idx = paletteIndex(model.score[i], ch.palette.length);
        fill = idx < 0 ? ch.excluded : ch.palette[idx];
        opacity = idx < 0 ? 0.35 : 0.75;
      }
      lyr.setStyle({ fillColor: fill, fillOpacity: opacity });
      i++;
    });
  }

  function liveRows(model, i) {
    var rows = [];
    if (model.rank[i] === null) {
      rows.push([t("map.excluded"), model.why[i] || t("map.no_score")]);
      return rows;
    }
    rows.push([t("map.score"), fmt(model.score[i], 3)]);
    var was = model.changed && model.projectRank[i] !== model.rank[i] && model.projectRank[i] !== null
      ? " " + t("map.was", { rank: fmt(model.projectRank[i], 0) }) : "";
    rows.push([t("map.rank"), t("map.rank_of", { rank: fmt(model.rank[i], 0), n: fmt(model.inPlay, 0) }) + was]);
    model.criteria.forEach(function (c, j) {
      rows.push([t("map.criterion_row", { criterion: c.label || c.key, weight: pct(model.w[j]) }),
                 fmt(model.w[j] * model.std[j][i], 3)]);
    });
    return rows;
  }

  function compareWith(reg, model, preset) {
    if (!preset) { reg.compare = null; recolour(reg, model); return []; }
    var other = ranksOf(model.scoresFor(model.presets[preset]).score);
    var delta = model.rank.map(function (r, i) { return r === null || other[i] === null ? null : other[i] - r; });
    var maxDelta = 1;
    delta.forEach(function (d) { if (d !== null && Math.abs(d) > maxDelta) { maxDelta = Math.abs(d); } });
    reg.compare = { model: model.key, preset: preset, delta: delta, maxDelta: maxDelta };
    recolour(reg, model);
    var moved = delta.map(function (d, i) { return [d, i]; }).filter(function (p) { return p[0] !== null && p[0] !== 0; });
    moved.sort(function (a, b) { return Math.abs(b[0]) - Math.abs(a[0]) || a[1] - b[1]; });
    return moved.slice(0, 5).map(function (p) {
      return { id: model.ids[p[1]], title: model.ch.titles[p[1]], now: model.rank[p[1]], other: other[p[1]] };
    });
  }

  function weightsPanel(map, reg) {
    var models = Object.keys(reg.models).map(function (k) { return reg.models[k]; });
    if (!models.length) { return; }
    var Panel = L.Control.extend({
      options: { position: "topleft" },
      onAdd: function () {
        var box = el("div", "scmap-weights leaflet-bar");
        var head = el("button", "scmap-weights-toggle", t("map.weights"));
        head.type = "button";
        head.title = t("map.weights_tip");
        var body = el("div", "scmap-weights-body");
        body.style.display = "none";
        head.addEventListener("click", function () {
          body.style.display = body.style.display === "none" ? "" : "none";
          if (body.style.display === "") { reg.showModel(reg.panelModel.key); }
        });
        box.appendChild(head);
        box.appendChild(body);
        reg.panelBody = body;
        reg.panelModel = models[0];
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        return box;
      }
    });
    new Panel().addTo(map);
    renderPanel(reg);
  }

  function renderPanel(reg) {
    var body = reg.panelBody, model = reg.panelModel;
    while (body.firstChild) { body.removeChild(body.firstChild); }
    var keys = Object.keys(reg.models);
    if (keys.length > 1) {
      var select = el("select", "scmap-weights-model");
      keys.forEach(function (k) {
        var o = el("option", null, reg.models[k].ch.short || reg.models[k].ch.label);
        o.value = k;
        o.selected = k === model.key;
        select.appendChild(o);
      });
      select.addEventListener("change", function () { reg.panelModel = reg.models[select.value]; reg.showModel(select.value); renderPanel(reg); });
      body.appendChild(select);
    }
    var method = model.changed ? t("map.weights_changed") : model.method === "ahp" ? t("map.weights_ahp") :
      t("map.weights_method", { method: t("map.method_" + model.method) });
    var aggregation = t("map.aggregation", { name: t("map.agg_" + model.aggregation) });
    body.appendChild(el("div", "scmap-weights-note", method + " · " + aggregation));
    var total = model.weights.reduce(function (a, b) { return a + b; }, 0);
    model.criteria.forEach(function (c, j) {
      var row = el("label", "scmap-weights-row");
      var name = el("span", "scmap-weights-name", c.label || c.key);
      name.title = (c.label || c.key) + " (" + c.unit + "; " + t("map.unit_key", { key: c.key }) + ")";
      name.appendChild(el("small", null, " " + c.unit));
      row.appendChild(name);
      var slider = el("input", "scmap-weights-slider");
      slider.type = "range"; slider.min = "0"; slider.max = "100"; slider.step = "1";
      slider.value = String(Math.round(model.weights[j] / total * 100));
      slider.setAttribute("data-criterion", c.key);
      var share = el("span", "scmap-weights-pct", pct(model.weights[j] / total));
      slider.addEventListener("input", function () {
        // this criterion takes the slider's share; the others share the rest as they did before
        var share = Number(slider.value) / 100, rest = 1 - model.w[j], next = {};
        model.criteria.forEach(function (other, k) {
          next[other.key] = k === j ? share : rest > 0 ? model.w[k] / rest * (1 - share) : (1 - share) / (model.criteria.length - 1);
        });
        reg.setWeights(model.key, next);
        Array.prototype.forEach.call(reg.panelBody.querySelectorAll(".scmap-weights-pct"), function (p, k) {
          p.textContent = pct(model.w[k]);
        });
      });
      slider.addEventListener("change", function () { renderPanel(reg); });
      row.appendChild(slider);
      row.appendChild(share);
      body.appendChild(row);
    });
    model.exclusions.filter(function (e) { return e.kind === "constraint"; }).forEach(function (e) {
      var row = el("label", "scmap-weights-row");
      var box = el("input");
      box.type = "checkbox"; box.checked = model.constraintOn[e.name];
      box.setAttribute("data-constraint", e.name);
      box.addEventListener("change", function () { reg.setConstraint(model.key, e.name, box.checked); });
      row.appendChild(box);
      row.appendChild(el("span", null, " " + t("map.constraint", { name: e.name, n: e.units.length })));
      body.appendChild(row);
    });
    var presets = el("div", "scmap-weights-presets");
    Object.keys(model.presets).forEach(function (name) {
      var b = el("button", null, name === "project" ? t("map.reset") : name);
      b.type = "button";
      b.setAttribute("data-preset", name);
      b.title = name === "project" ? t("map.reset_tip") : t("map.preset_tip", { name: name });
      b.addEventListener("click", function () { reg.preset(model.key, name); });
      presets.appendChild(b);
    });
    body.appendChild(presets);
    var others = Object.keys(model.presets);
    var cmp = el("select", "scmap-weights-compare");
    var none = el("option", null, t("map.compare"));
    none.value = "";
    cmp.appendChild(none);
    others.forEach(function (name) {
      var o = el("option", null, name === "project" ? t("map.project_weights") : name);
      o.value = name;
      o.selected = reg.compare && reg.compare.model === model.key && reg.compare.preset === name;
      cmp.appendChild(o);
    });
    var list = el("ol", "scmap-weights-moves");
    cmp.addEventListener("change", function () {
      var moves = compareWith(reg, model, cmp.value);
      while (list.firstChild) { list.removeChild(list.firstChild); }
      moves.forEach(function (m) {
        var preset = cmp.value === "project" ? t("map.project_weights") : cmp.value;
        list.appendChild(el("li", null, t("map.moved", { title: m.title, now: m.now, other: m.other, preset: preset })));
      });
    });
    body.appendChild(cmp);
    body.appendChild(list);
    var note = el("input", "scmap-weights-who");
    note.placeholder = t("map.who_why");
    body.appendChild(note);
    var exp = el("button", null, t("map.export_weights"));
    exp.type = "button";
    exp.addEventListener("click", function () {
      var out = reg.exportWeights(model.key, note.value);
      download("weights-" + model.key + ".json", JSON.stringify(out, null, 2), "application/json");
    });
    body.appendChild(exp);
  }

  function liveApi(map, reg) {
    function model(key) {
      var m = reg.models[key];
      if (!m) { throw new Error("no suitability model " + key + "; models: " + Object.keys(reg.models).join(", ")); }
      return m;
    }
    function refresh(m) {
      m.rescore();
      var note = reg.classNotes && reg.classNotes[m.key];
      if (note) { note.style.display = m.changed ? "none" : ""; }  // the classes belong to the project's weights

      if (reg.compare && reg.compare.model === m.key) { compareWith(reg, m, reg.compare.preset); } else { recolour(reg, m); }
      map.closePopup();
    }
    reg.setWeights = function (key, weights) {
      var m = model(key);
      var next = m.weights.slice(), total = 0;
      m.criteria.forEach(function (c, j) {
        if (Object.prototype.hasOwnProperty.call(weights, c.key)) {
          var v = Number(weights[c.key]);
          if (!(v >= 0) || !isFinite(v)) { throw new Error("weight of " + c.key + " must be a number >= 0"); }
          next[j] = v;
        }
      });
      next.forEach(function (v) { total += v; });
      if (!(total > 0)) { throw new Error("all weights are zero"); }
      m.weights = next;
      m.changed = true;
      refresh(m);
      return reg.scores(key);
    };
    reg.setConstraint = function (key, name, on) {
      var m = model(key);
      if (!(name in m.constraintOn)) { throw new Error("no constraint " + name); }
      m.constraintOn[name] = !!on;
      m.changed = true;
      refresh(m);
      return reg.scores(key);
    };
    reg.preset = function (key, name) {
      var m = model(key);
      if (!m.presets[name]) { throw new Error("no weight set " + name); }
      m.weights = m.presets[name].slice();
      Object.keys(m.constraintOn).forEach(function (k) { m.constraintOn[k] = true; });
      m.changed = name !== "project";
      refresh(m);
      if (reg.panelBody) { renderPanel(reg); }
      return reg.scores(key);
    };
    reg.scores = function (key) {
      var m = model(key), out = {};
      m.ids.forEach(function (id, i) { out[id] = isFinite(m.score[i]) ? m.score[i] : null; });
      return out;
    };
    reg.ranks = function (key) {
      var m = model(key), out = {};
      m.ids.forEach(function (id, i) { out[id] = m.rank[i]; });
      return out;
    };
    reg.weights = function (key) {
      var m = model(key), out = {};
      m.criteria.forEach(function (c, j) { out[c.key] = m.w[j]; });
      return out;
    };
    reg.exportWeights = function (key, note) {
      var m = model(key), weights = reg.weights(key), off = [];
      Object.keys(m.constraintOn).forEach(function (k) { if (!m.constraintOn[k]) { off.push(k); } });
      var entry = { weights: weights };
      if (off.length) { entry.constraints_off = off; }
      if (note) { entry.note = note; }
      var models = {};
      models[key] = entry;
      return { scmap_weights: 1, created: new Date().toISOString(), models: models };
    };
    reg.showModel = function (key) {
      var group = reg.choropleths["suit:" + key];
      Object.keys(reg.choropleths).forEach(function (k) {
        if (reg.choropleths[k] !== group && map.hasLayer(reg.choropleths[k])) { map.removeLayer(reg.choropleths[k]); }
      });
      if (!map.hasLayer(group)) { group.addTo(map); map.fire("baselayerchange", { layer: group }); }
      if (reg.syncCompact) { reg.syncCompact(); }
    };
  }

  // ---------------------------------------------------------------- district names

  // Names placed largest district first, each only where it fits inside its district on screen
  // and overlaps no name already placed: readable for 20 or 1 000 districts at any zoom.
  function districtLabels(map, data, reg, districts) {
    var d = data.districts, shapes = districts.getLayers(), labels = [];
    (d.label_order || []).forEach(function (i) {
      var at = d.label_at[i];
      if (!at) { return; }
      var point = shapes[i] && !shapes[i].getBounds;  // a place drawn as a dot: its name beside it
      var icon = L.divIcon({ className: "scmap-label" + (point ? " scmap-label-point" : ""),
                             html: el("span", null, d.feats[i].tip), iconSize: null });
      var m = L.marker([at[1], at[0]], { icon: icon, interactive: false, keyboard: false });
      m.scmapShape = shapes[i];
      m.scmapText = d.feats[i].tip;
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

  // ---------------------------------------------------------------- assembly

  // ---------------------------------------------- service areas and hotspots drawn from a grid
  // Cell (row, col) of grid.cells holds the set of sectors serving it (bit j = sector j), laid
  // out in Web Mercator like the map itself: the page colours the cells and answers clicks.

  function gridCells(grid) {
    if (!grid.decoded) {
      var stream = new Blob([bytesOf(grid.cells)]).stream().pipeThrough(new DecompressionStream("deflate"));
      grid.decoded = new Response(stream).arrayBuffer().then(function (buf) {
        var T = grid.bytes === 1 ? Uint8Array : grid.bytes === 2 ? Uint16Array : Uint32Array;
        grid.values = new T(buf);  // little-endian, as every browser platform is
        return grid.values;
      });
    }
    return grid.decoded;
  }

  function cellAt(grid, latlng) {
    if (!grid.values) { return 0; }
    var p = L.CRS.EPSG3857.project(latlng);
    var col = Math.floor((p.x - grid.x0) / grid.cell), row = Math.floor((grid.y1 - p.y) / grid.cell);
    return col < 0 || row < 0 || col >= grid.w || row >= grid.h ? 0 : grid.values[row * grid.w + col];
  }

  function bitsOf(mask) {
    var out = [];
    for (var j = 0; j < 32; j++) { if ((mask >>> j) & 1) { out.push(j); } }
    return out;
  }

  function rgb(hex) {
    var v = parseInt(hex.slice(1), 16);
    return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
  }

  function blend(colours, alpha) {  // each colour laid over the last with the same opacity
    var out = [0, 0, 0], a = 0;
    colours.forEach(function (c) {
      var next = alpha + a * (1 - alpha);
      for (var k = 0; k < 3; k++) { out[k] = (c[k] * alpha + out[k] * a * (1 - alpha)) / next; }
      a = next;
    });
    return [out[0], out[1], out[2], Math.round(a * 255)];
  }

  // an image of the cells: colourOf(mask, edge) gives [r, g, b, a] or null (nothing drawn)
  function gridImage(grid, cells, colourOf) {
    var canvas = document.createElement("canvas");
    canvas.width = grid.w;
    canvas.height = grid.h;
    var ctx = canvas.getContext("2d"), img = ctx.createImageData(grid.w, grid.h), px = img.data, cache = {};
    for (var i = 0; i < cells.length; i++) {
      var m = cells[i];
      if (!m) { continue; }
      var x = i % grid.w;
      var edge = x === 0 || x === grid.w - 1 || i < grid.w || i >= cells.length - grid.w ||
        cells[i - 1] !== m || cells[i + 1] !== m || cells[i - grid.w] !== m || cells[i + grid.w] !== m;
      var key = m + (edge ? "e" : "");
      if (!(key in cache)) { cache[key] = colourOf(m, edge); }
      var c = cache[key];
      if (c) { px[4 * i] = c[0]; px[4 * i + 1] = c[1]; px[4 * i + 2] = c[2]; px[4 * i + 3] = c[3]; }
    }
    ctx.putImageData(img, 0, 0);
    return canvas.toDataURL("image/png");
  }

  function gridColouring(ov) {
    if (ov.grid) {  // service areas: every serving sector's colour, stronger along the outlines
      var colours = ov.feats.map(function (f) { return rgb(f.colour); });
      return function (m, edge) {
        return blend(bitsOf(m).map(function (j) { return colours[j]; }), edge ? 0.6 : ov.feats[0].fill);
      };
    }
    var byMask = {};
    ov.feats.forEach(function (f) { byMask[f.mask] = f; });
    return function (m, edge) {  // hotspots: where two sectors or more meet, coloured by how many
      var n = bitsOf(m).length;
      if (n < 2) { return null; }
      var c = rgb(byMask[m] ? byMask[m].colour : ov.by_n[String(n)] || ov.other);
      return [c[0], c[1], c[2], Math.round((edge ? 0.9 : 0.35) * 255)];
    };
  }

  function gridOverlay(map, data, ov, reg) {
    var group = L.layerGroup();
    var grid = ov.grid || data.overlays.filter(function (o) { return o.key === ov.grid_of; })[0].grid;
    reg.grids = reg.grids || [];
    reg.grids.push({ ov: ov, grid: grid, group: group });
    reg.gridsReady = reg.gridsReady.then(function () {
      return gridCells(grid).then(function (cells) {
        var image = L.imageOverlay(gridImage(grid, cells, gridColouring(ov)), grid.bounds,
                                   { className: "scmap-grid", interactive: false });
        group.addLayer(image);
        function sharp() {  // crisp cells once a cell is larger than a screen pixel; smooth below
          var metresPerPixel = 2 * Math.PI * 6378137 / (256 * Math.pow(2, map.getZoom()));
          var el = image.getElement();
          if (el) { el.classList.toggle("scmap-grid-cells", grid.cell > metresPerPixel); }
        }
        image.on("load", sharp);
        map.on("zoomend", sharp);
        sharp();
      });
    });
    return group;
  }

  // what the visible grids hold at a spot: told in the popup of the district (or unit) clicked
  // there, or in a popup of its own where the click opened none
  function gridBox(map, reg, latlng) {
    var rows = [];
    (reg.grids || []).forEach(function (g) {
      var m = map.hasLayer(g.group) ? cellAt(g.grid, latlng) : 0;
      if (!m) { return; }
      if (g.ov.grid) {
        rows.push([g.ov.label, bitsOf(m).map(function (j) { return g.ov.feats[j].label; }).join(", ")]);
        return;
      }
      var f = g.ov.feats.filter(function (x) { return x.mask === m; })[0];
      if (f) { rows.push([f.title, f.sub]); }
    });
    return rows.length ? popupBox(t("map.at_this_spot"), reg.grids[0].ov.note, rows) : null;
  }

  function gridAnswers(map, reg) {
    map.on("popupopen", function (e) {
      var popup = e.popup, own = popup.getContent();
      if (popup.scmapGrid || typeof own !== "function" || !(popup._source instanceof L.Path)) { return; }
      var box = gridBox(map, reg, popup.getLatLng());  // built once: each new content node takes it over
      if (!box) { return; }
      box.className += " scmap-popup-more";
      popup.scmapGrid = true;
      popup.setContent(function (source) {
        var node = own(source);
        node.appendChild(box);
        return node;
      });
      popup.once("remove", function () { popup.scmapGrid = false; popup.setContent(own); });
    });
    map.on("click", function (e) {  // only clicks that opened no popup reach the map
      var box = gridBox(map, reg, e.latlng);
      if (box) { L.popup(POPUP).setLatLng(e.latlng).setContent(box).openOn(map); }
    });
  }

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

  window.scmapRender = function (map, data, geometries) {
    if (!isFinite(map.getMaxZoom())) { map.setMaxZoom(19); }  // clustering needs a maximum zoom
    if (data.i18n) { I18N = data.i18n; NUMBER_FORMATS = {}; }
    var reg = { map: map, districts: null, sectors: {}, choropleths: {}, overlays: {}, counts: {},
                legendBlocks: {}, byKey: {}, data: data, gridsReady: Promise.resolve() };  // resolves once grids are drawn
    var overlays = {};
    var bases = {};

    basemaps(map, data, reg);
    var plain = L.layerGroup().addTo(map);
    bases[escapeHtml(t("map.districts_only"))] = plain;
    reg.models = {};
    data.choropleths.forEach(function (ch) {
      var group = choroplethLayer(ch, geometries[ch.key], reg);
      if (ch.live) { reg.models[ch.model] = new LiveModel(ch); }
      reg.choropleths[ch.key] = group;
      reg.byKey[ch.key] = group;
      bases[escapeHtml(ch.label)] = group;
      reg.counts[ch.key] = geometries[ch.key].length;
    });

    var districts = L.featureGroup();
    reg.counts.districts = addFeatures(districts, data.districts.feats, geometries.districts, function () {
      return { color: "#333333", weight: 1.2, fillColor: "#bbbbbb", fillOpacity: 0.08 };
    }, "circle");
    reg.districts = districts;
    districtLabels(map, data, reg, districts);
    reg.byKey.districts = districts;
    overlays[escapeHtml(data.districts.label)] = districts;

    data.overlays.forEach(function (ov) {
      var gridded = ov.grid || ov.grid_of;
      var group = gridded ? gridOverlay(map, data, ov, reg) : L.featureGroup();
      reg.counts[ov.key] = gridded ? ov.feats.length
        : addFeatures(group, ov.links ? relationFeatures(ov) : ov.feats, geometries[ov.key], featureStyle, "circle");
      reg.overlays[ov.key] = group;
      reg.byKey[ov.key] = group;
      overlays[escapeHtml(ov.label)] = group;
    });

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

    function visible(key, byDefault) {
      if (data.show === null || data.show === undefined) { return byDefault; }
      return data.show.indexOf(key) >= 0 || data.show.indexOf(key.replace(/^sector:/, "")) >= 0;
    }
    if (visible("districts", true)) { districts.addTo(map); }
    data.overlays.forEach(function (ov) { if (visible(ov.key, ov.visible)) { reg.overlays[ov.key].addTo(map); } });
    data.sectors.forEach(function (sec) { if (visible("sector:" + sec.key, true)) { reg.sectors[sec.key].addTo(map); } });
    districts.bringToFront();

    // analysis first: while a colouring is shown, solutions are small dots until zoomed in
    function compact() {
      var colouring = Object.keys(reg.choropleths).some(function (k) { return map.hasLayer(reg.choropleths[k]); });
      var on = colouring && map.getZoom() < data.display.icons_from_zoom;
      map.getContainer().classList.toggle("scmap-compact", on);
      reg.compact = on;
    }
    map.on("zoomend baselayerchange overlayadd", compact);
    reg.syncCompact = compact;

    gridAnswers(map, reg);
    tools(map, data, reg);
    overlays[escapeHtml(t("map.sketched_sites"))] = reg.sketches;
    L.control.scale({ imperial: false }).addTo(map);  // metres and kilometres only
    var small = map.getSize().y < 700;  // e.g. a map embedded in a report: fold the layer list
    reg.layerControl = L.control.layers(bases, overlays, { collapsed: small }).addTo(map);
    leafletWords(map);
    reg.legend = legendControl(map, data, reg);
    var first = data.choropleths.filter(function (ch) { return ch.shown; })[0];
    if (first) {  // a colouring that is the point of the map is shown from the start
      map.removeLayer(plain);
      reg.choropleths[first.key].addTo(map);
      map.fire("baselayerchange", { layer: reg.choropleths[first.key], name: first.label });
    }

    if (data.title) {
      map.getContainer().appendChild(el("div", "scmap-title", data.title));
      document.title = data.title;
    }
    if (data.attribution) { map.attributionControl.addAttribution(escapeHtml(data.attribution)); }
    compact();
    minimap(map, data, reg);
    var bounds = districts.getBounds();
    if (bounds.isValid()) { fitClear(map, bounds); }
    // a map drawn before its container had a size (an iframe not yet laid out) fits again once it has one
    if (window.ResizeObserver && bounds.isValid()) {
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
    liveApi(map, reg);
    weightsPanel(map, reg);
    reg.t = t;  // the page's words, for code added to the page (the workshop room)
    reg.fmt = fmt;
    reg.pct = pct;
    reg.addTexts = function (texts) { Object.keys(texts).forEach(function (k) { I18N.texts[k] = texts[k]; }); };
    window.scmap = reg;
    return reg;
  };
})();
