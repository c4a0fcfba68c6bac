/* scmap map layers. Data arrives as JSON and is shown only through textContent:
   no data string is ever parsed as HTML or evaluated. */
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
    return String(s).replace(/[&<>"'`$]/g, function (c) {
      return "&#" + c.charCodeAt(0) + ";";
    });
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
    var span = el("span", "scmap-symbol", symbol);
    var wrap = el("div", "scmap-marker-body scmap-status-" + status);
    wrap.style.backgroundColor = colour;
    wrap.appendChild(span);
    return L.divIcon({ className: "scmap-marker", html: wrap, iconSize: [24, 24], iconAnchor: [12, 12] });
  }

  function addFeatures(group, layerData, geoms, styleFor, options) {
    var count = 0;
    for (var i = 0; i < geoms.length; i++) {
      var g = geoms[i];
      var f = layerData.feats[i];
      var lyr;
      if (g.type === "Point" && options.points === "icon") {
        lyr = L.marker([g.coordinates[1], g.coordinates[0]], { icon: markerIcon(f.icon, f.colour, f.status) });
      } else if (g.type === "Point") {
        lyr = L.circleMarker([g.coordinates[1], g.coordinates[0]],
          { radius: 6, color: "#ffffff", weight: 1, fillColor: f.colour, fillOpacity: 0.9 });
      } else {
        lyr = L.geoJSON(g, { style: styleFor(f), pointToLayer: function (_, ll) {
          return L.circleMarker(ll, { radius: 5, color: f.colour });
        } });
      }
      (function (feat) {
        lyr.bindTooltip(function () { return el("span", null, feat.tip); }, { sticky: g.type !== "Point" });
        lyr.bindPopup(function () { return popupBox(feat.title, feat.sub, feat.rows); }, { maxWidth: 360 });
      })(f);
      lyr.scmapFeature = f;
      group.addLayer(lyr);
      count += 1;
    }
    return count;
  }

  function legendControl(map, data, registry) {
    var Legend = L.Control.extend({
      options: { position: "bottomright" },
      onAdd: function () {
        var box = el("div", "scmap-legend leaflet-bar");
        box.appendChild(el("div", "scmap-legend-title", data.legend_title));
        for (var s = 0; s < data.sectors.length; s++) {
          var sec = data.sectors[s];
          var block = el("div", "scmap-legend-sector");
          block.setAttribute("data-sector", sec.key);
          var head = el("div", "scmap-legend-head");
          var sw = el("span", "scmap-swatch");
          sw.style.backgroundColor = sec.colour;
          head.appendChild(sw);
          head.appendChild(el("span", null, sec.label + " (" + sec.count + ")"));
          block.appendChild(head);
          for (var t = 0; t < sec.types.length; t++) {
            var row = el("div", "scmap-legend-type");
            var sym = el("span", "scmap-legend-symbol", sec.types[t].icon);
            sym.style.backgroundColor = sec.types[t].colour;
            row.appendChild(sym);
            row.appendChild(el("span", null, sec.types[t].label + " (" + sec.types[t].count + ")"));
            block.appendChild(row);
          }
          registry.legendBlocks[sec.key] = block;
          box.appendChild(block);
        }
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        return box;
      }
    });
    var legend = new Legend();
    legend.addTo(map);
    function sync() {
      for (var key in registry.sectors) {
        if (Object.prototype.hasOwnProperty.call(registry.sectors, key)) {
          registry.legendBlocks[key].style.display = map.hasLayer(registry.sectors[key]) ? "" : "none";
        }
      }
    }
    map.on("overlayadd overlayremove", sync);
    sync();
    return legend;
  }

  window.scmapRender = function (map, data, geometries) {
    var registry = { map: map, districts: null, sectors: {}, counts: {}, legendBlocks: {}, data: data };
    var overlays = {};

    var districtStyle = function () {
      return { color: "#444444", weight: 1.2, fillColor: "#bbbbbb", fillOpacity: 0.12 };
    };
    var districts = L.featureGroup();
    registry.counts.districts = addFeatures(districts, data.districts, geometries.districts, districtStyle, { points: "circle" });
    if (data.districts.labels) {
      districts.eachLayer(function (lyr) {
        var lab = L.tooltip({ permanent: true, direction: "center", className: "scmap-label" })
          .setContent(el("span", null, lyr.scmapFeature.tip));
        lyr.unbindTooltip();
        lyr.bindTooltip(lab);
      });
    }
    districts.addTo(map);
    registry.districts = districts;
    overlays[escapeHtml(data.districts.label)] = districts;

    for (var s = 0; s < data.sectors.length; s++) {
      var sec = data.sectors[s];
      var group = L.featureGroup();
      var style = (function (colour) {
        return function (f) {
          return { color: f.colour || colour, weight: 3, fillColor: f.colour || colour, fillOpacity: 0.35 };
        };
      })(sec.colour);
      registry.counts[sec.key] = addFeatures(group, sec, geometries["sector:" + sec.key], style, { points: sec.points });
      group.addTo(map);
      registry.sectors[sec.key] = group;
      overlays[escapeHtml(sec.label + " (" + sec.count + ")")] = group;
    }

    L.control.layers(null, overlays, { collapsed: false }).addTo(map);
    registry.legend = legendControl(map, data, registry);

    if (data.title) {
      var title = el("div", "scmap-title", data.title);
      map.getContainer().appendChild(title);
      document.title = data.title;
    }
    if (data.attribution) {
      map.attributionControl.addAttribution(escapeHtml(data.attribution));
    }
    var bounds = districts.getBounds();
    if (bounds.isValid()) { map.fitBounds(bounds, { padding: [10, 10] }); }
    window.scmap = registry;
    return registry;
  };
})();
