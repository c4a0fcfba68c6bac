/* scmap workshop room: what the room shows (join form, status, sites on the map, their popups,
 * the list of sites). Loaded after room.js; every text is set with textContent. */
(function () {
  "use strict";
  var Room = window.scmapWorkshopRoom;

  var el = Room.el, button = Room.button;  // room.js's: text only, never HTML

  function labelled(text, input) {
    var lab = el("label", "scmap-room-field");
    lab.appendChild(el("span", null, text));
    lab.appendChild(input);
    return lab;
  }

  Room.prototype.joinForm = function () {
    var t = this.t, self = this;
    var box = el("form", "scmap-room-join");
    box.setAttribute("role", "dialog");
    box.setAttribute("aria-label", t("room.join_title"));
    box.appendChild(el("h2", null, t("room.join_title")));
    box.appendChild(el("p", null, t("room.join_intro")));
    var name = el("input"), org = el("input");
    name.name = "name"; name.required = true; name.maxLength = 80; name.autocomplete = "name";
    org.name = "organisation"; org.required = true; org.maxLength = 80; org.autocomplete = "organization";
    box.appendChild(labelled(t("room.your_name"), name));
    box.appendChild(labelled(t("room.your_organisation"), org));
    var go = el("button", "scmap-room-button", t("room.join"));
    go.type = "submit";
    box.appendChild(go);
    var problem = el("p", "scmap-room-problem");
    problem.setAttribute("role", "alert");
    box.appendChild(problem);
    box.addEventListener("submit", function (e) {
      e.preventDefault();
      var body = { code: self.cfg.code, name: name.value, organisation: org.value };
      fetch("/api/join", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) })
        .then(function (r) { return r.json().then(function (j) { return { status: r.status, body: j }; }); })
        .then(function (res) {
          if (res.status !== 200) { problem.textContent = res.body.error || String(res.status); return; }
          try { window.localStorage.setItem(self.key + ":token", JSON.stringify(res.body.token)); } catch (err) { /* */ }
          self.token = res.body.token;
          box.remove();
          self.start();
        }, function () { problem.textContent = t("room.offline"); });
    });
    document.body.appendChild(box);
    name.focus();
  };

  Room.prototype.panel = function () {  // a column beside the map (below it on a phone)
    var self = this, t = this.t;
    var box = el("aside", "scmap-room-panel");
    box.setAttribute("aria-label", t("room.panel"));
    box.appendChild(el("h2", null, t("room.panel")));
    this.statusLine = el("div", "scmap-room-status");
    this.statusLine.setAttribute("role", "status");
    this.statusLine.setAttribute("aria-live", "polite");
    this.notice = el("div", "scmap-room-notice");
    this.notice.setAttribute("role", "alert");
    box.appendChild(this.statusLine);
    box.appendChild(this.notice);
    box.appendChild(button(t("room.save_weights"), function () { self.saveWeights(); }, "scmap-room-button scmap-room-weights"));
    this.detail = el("div", "scmap-room-detail");  // the chosen site, on a phone
    box.appendChild(this.detail);
    this.facilitatorBox = el("div", "scmap-room-facilitator");
    box.appendChild(this.facilitatorBox);
    box.appendChild(el("h3", null, t("room.sites")));
    this.list = el("ol", "scmap-room-sites");
    this.list.setAttribute("aria-label", t("room.sites"));
    box.appendChild(this.list);
    document.body.appendChild(box);
    document.body.classList.add("scmap-room-on");
    this.map.invalidateSize();
    this.narrow = window.matchMedia("(max-width: 720px)").matches;
    this.map.createPane("scmapRoom").style.zIndex = 650;  // above the solutions' icons, below popups
    var fold = document.querySelector(".scmap-legend-fold");  // a smaller map: the legend folded, as on a small one
    var legendOpen = fold && fold.nextSibling && fold.nextSibling.style.display !== "none";
    if (legendOpen && this.map.getSize().y < 700) { fold.click(); }
    var layers = this.reg.layerControl;  // folded: the room's map is narrower, its popups need the room
    if (layers && !layers.options.collapsed) {
      this.map.removeControl(layers);
      layers.options.collapsed = true;
      layers.addTo(this.map);
    }
    this.weightsButton = box.querySelector(".scmap-room-weights");
  };

  Room.prototype.status = function () {
    if (!this.statusLine) { return; }
    var t = this.t, v = this.view, parts = [];
    if (v) {
      parts.push(v.me.role === "facilitator" ? t("room.you_facilitate") : t("room.you_are", { name: v.me.name, organisation: v.me.organisation }));
      if (v.me.role !== "facilitator") { parts.push(t("room.votes_left", { left: v.me.votes_left, total: v.votes_per_person })); }
      parts.push({ open: t("room.round_open"), paused: t("room.round_paused"), closed: t("room.round_closed") }[v.round]);
    }
    parts.push(this.online ? t("room.live") : t("room.offline"));
    if (this.queue.length) { parts.push(t("room.waiting", { n: this.queue.length })); }
    this.statusLine.textContent = parts.join(" · ");
    this.statusLine.classList.toggle("scmap-room-offline", !this.online);
  };

  Room.prototype.saveWeights = function () {
    var model = this.reg.panelModel;
    if (!model) { this.say(this.t("room.no_weights")); return; }
    this.send({ kind: "weights", model: model.key, weights: this.reg.weights(model.key) });
    this.say(this.t("room.weights_saved", { model: model.ch.label }));
  };

  Room.prototype.render = function () {
    var self = this, seen = {};
    this.view.sites.forEach(function (s) { seen[s.id] = true; self.drawSite(s); });
    Object.keys(this.markers).forEach(function (id) {
      if (!seen[id]) { self.layer.removeLayer(self.markers[id]); delete self.markers[id]; }
    });
    this.renderList();
    this.status();
    var chosen = this.selected && this.site(this.selected);
    if (this.narrow && this.selected && (!chosen || this.signature(chosen) !== this.detailSignature)) {
      this.select(this.selected);
    }
    this.weightsButton.hidden = this.view.me.role === "facilitator";  // group weights come from participants
    if (this.facilitatorView) { this.facilitatorView(); }
  };

  function siteColour(s) { return s.net > 0 ? "#1b7837" : s.net < 0 ? "#762a83" : "#666666"; }

  var POPUP = { maxWidth: 340, minWidth: 240, autoPanPaddingTopLeft: [190, 60], autoPanPaddingBottomRight: [60, 30] };

  function badge(s) {  // the site's number on the map, above every solution icon
    var cls = "scmap-room-badge scmap-room-" + (s.net > 0 ? "for" : s.net < 0 ? "against" : "even") + (s.mine ? " scmap-room-own" : "");
    var wide = 16 + 8 * String(s.n).length;  // "#12": a label, not a round cluster count
    return L.divIcon({ className: cls, html: "", iconSize: [wide, 22], iconAnchor: [wide / 2, 11] });
  }

  function look(s) {
    return { pane: "scmapRoom", color: "#000000", weight: s.mine ? 3 : 2, dashArray: s.mine ? null : "5 3",
             fillColor: siteColour(s), fillOpacity: s.hidden || s.merged_into ? 0.15 : 0.35 };
  }

  function eachPart(group, fn) {  // every marker and shape of a site's layer
    group.eachLayer(function (g) { if (g.getLayers) { g.eachLayer(fn); } else { fn(g); } });
  }

  Room.prototype.restyle = function (group, s) {  // support changed: colours and badge in place, no popup closed
    eachPart(group, function (l) {
      if (l.setIcon) {
        l.setIcon(badge(s));
        if (l.getElement()) { l.getElement().textContent = "#" + s.n; }
      } else if (l.setStyle) {
        l.setStyle(look(s));
      }
    });
  };

  Room.prototype.shape = function (s) {
    var self = this, group = L.featureGroup();
    var where = L.geoJSON(s.geometry, { style: function () { return look(s); },
      pointToLayer: function (_, ll) { return L.marker(ll, { pane: "scmapRoom", icon: badge(s), keyboard: true, title: "#" + s.n + " " + s.title }); } });
    group.addLayer(where);
    if (s.geometry.type !== "Point") {  // a line or area gets its number at its middle
      group.addLayer(L.marker(where.getBounds().getCenter(), { pane: "scmapRoom", icon: badge(s), title: "#" + s.n + " " + s.title }));
    }
    eachPart(group, function (l) { self.numbered(l, s); });
    return group;
  };

  Room.prototype.numbered = function (layer, s) {  // the badge shows the number as text (never HTML)
    layer.on("add", function () {
      var icon = layer.getElement && layer.getElement();
      if (icon && icon.classList.contains("scmap-room-badge")) { icon.textContent = "#" + s.n; }
    });
  };

  Room.prototype.drawSite = function (s) {
    var old = this.markers[s.id], self = this, id = s.id;
    var where = JSON.stringify(s.geometry), styled = JSON.stringify([s.net > 0, s.net < 0, s.mine, s.hidden, s.merged_into]);
    if (old && old.scmapWhere === where && old.scmapStyled !== styled) { this.restyle(old, s); }
    if (!old || old.scmapWhere !== where) {  // new, or moved by its author
      var wasOpen = old && old.isPopupOpen();
      if (old) { this.layer.removeLayer(old); }
      old = this.shape(s);
      old.scmapWhere = where;
      old.bindTooltip(function () { return el("span", null, "#" + self.site(id).n + " " + self.site(id).title); });
      if (this.narrow) {
        old.on("click", function () { self.select(id); });
      } else {
        old.bindPopup(function () { return self.popup(id); }, POPUP);
      }
      this.layer.addLayer(old);
      this.markers[s.id] = old;
      if (wasOpen) { old.openPopup(); }
    }
    old.scmapSite = s;
    old.scmapStyled = styled;
    // an open popup is rebuilt only when its site or comments changed (not under the pointer for others' news)
    var signature = this.signature(s);
    if (old.isPopupOpen() && signature !== old.scmapSignature) {
      var popup = old.getPopup(), box = this.fresh(popup.getElement(), s.id);
      popup.setContent(box.box);
      if (box.focus) { box.focus.focus(); }
    }
    old.scmapSignature = signature;
  };

  Room.prototype.signature = function (s) {
    return JSON.stringify([s, this.view.comments.filter(function (c) { return c.site === s.id; }), this.view.me]);
  };

  // a fresh box for a site, keeping what was being typed in the old one (and where)
  Room.prototype.fresh = function (oldBox, id, replyTo) {
    var area = oldBox && oldBox.querySelector(".scmap-room-comment-form textarea"), draft = area ? area.value : null;
    var box = this.popup(id, replyTo !== undefined ? replyTo : area && area.getAttribute("data-reply"));
    var next = box.querySelector(".scmap-room-comment-form textarea"), focus = area && document.activeElement === area ? next : null;
    if (next && draft) { next.value = draft; }
    var editing = oldBox && oldBox.querySelector(".scmap-room-edit");
    if (editing && box.querySelector(".scmap-room-edit")) {
      Array.prototype.forEach.call(editing.elements, function (field) {
        var same = field.name && box.querySelector(".scmap-room-edit [name='" + field.name + "']");
        if (same) { same.value = field.value; }
        if (same && document.activeElement === field) { focus = same; }
      });
    }
    return { box: box, focus: focus };
  };

  // on a phone the site opens in the panel below the map, not in a popup over it
  Room.prototype.select = function (id, replyTo) {
    this.selected = id;
    var box = this.fresh(this.detail.firstChild, id, replyTo);
    this.detail.textContent = "";
    this.detail.appendChild(box.box);
    this.detailSignature = this.site(id) ? this.signature(this.site(id)) : null;
    if (box.focus) { box.focus.focus(); }
    this.detail.scrollIntoView({ block: "start" });
  };

  // the site's box again (a reply form, say): in its popup, or in the panel on a phone
  Room.prototype.show = function (id, replyTo) {
    if (this.narrow) { this.select(id, replyTo); return this.detail; }
    var popup = this.markers[id].getPopup();
    popup.setContent(this.popup(id, replyTo));
    return popup.getElement();
  };

  Room.prototype.site = function (id) {
    return (this.view.sites.filter(function (s) { return s.id === id; })[0]) || null;
  };

  Room.prototype.typeLabel = function (key) { return this.types[key] ? this.types[key].label : key; };

  Room.prototype.renderList = function () {
    var self = this, t = this.t;
    this.list.textContent = "";
    this.view.sites.filter(function (s) { return s.in_play; }).forEach(function (s) {
      var li = el("li", "scmap-room-site" + (s.mine ? " scmap-room-mine" : ""));
      var go = button("#" + s.n + " " + s.title, function () { self.open(s.id); }, "scmap-room-link");
      li.appendChild(go);
      li.appendChild(el("span", "scmap-room-counts", t("room.counts", { support: s.support, oppose: s.oppose, comments: s.comments })));
      self.list.appendChild(li);
    });
    if (!this.list.children.length) { this.list.appendChild(el("li", "scmap-room-empty", t("room.no_sites"))); }
  };

  Room.prototype.open = function (id) {
    var m = this.markers[id];
    if (!m) { return; }
    var b = m.getBounds();
    if (b.isValid()) { this.map.fitBounds(b, { maxZoom: Math.max(this.map.getZoom(), 15), animate: false }); }
    if (this.narrow) { this.select(id); } else { m.openPopup(b.getCenter()); }
  };
})();
