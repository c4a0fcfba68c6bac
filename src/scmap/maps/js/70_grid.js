/* Service areas and hotspots drawn from a grid of cells, and what a click finds there. */

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
  var ctx = canvas.getContext("2d"), img = ctx.createImageData(grid.w, grid.h), px = img.data;
  var cache = new Map();  // 2 * mask + edge: the cell's colour, computed once
  for (var i = 0; i < cells.length; i++) {
    var m = cells[i];
    if (!m) { continue; }
    var x = i % grid.w;
    var edge = x === 0 || x === grid.w - 1 || i < grid.w || i >= cells.length - grid.w ||
      cells[i - 1] !== m || cells[i + 1] !== m || cells[i - grid.w] !== m || cells[i + grid.w] !== m;
    var key = 2 * m + (edge ? 1 : 0), c = cache.get(key);
    if (c === undefined) { c = colourOf(m, edge); cache.set(key, c); }
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
        var node = image.getElement();
        if (node) { node.classList.toggle("scmap-grid-cells", grid.cell > metresPerPixel); }
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
