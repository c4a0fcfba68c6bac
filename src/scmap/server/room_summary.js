/* scmap workshop room: the facilitator's part of the panel (rounds, who is here, the QR code for the
 * projector, the summary of the room, closing the workshop). */
(function () {
  "use strict";
  var Room = window.scmapWorkshopRoom;

  var el = Room.el, button = Room.button;  // room.js's: text only, never HTML

  function table(caption, head, rows, cls) {
    var tab = el("table", "scmap-room-table " + (cls || ""));
    tab.appendChild(el("caption", null, caption));
    var tr = el("tr");
    head.forEach(function (h) { var th = el("th", null, h); th.scope = "col"; tr.appendChild(th); });
    tab.appendChild(tr);
    rows.forEach(function (r) {
      var row = el("tr");
      r.forEach(function (v) { row.appendChild(el("td", null, v)); });
      tab.appendChild(row);
    });
    return tab;
  }

  function moved(r) {  // places gained (up) or lost (down) under the consensus
    var d = r.project_rank - r.rank;
    return d > 0 ? "\u2191" + d : d < 0 ? "\u2193" + (-d) : "=";
  }

  Room.prototype.facilitatorView = function () {
    if (this.view.me.role !== "facilitator") { return; }
    var box = this.facilitatorBox, open = box.querySelector("details[open]");
    var openKey = open ? open.getAttribute("data-part") : "summary";
    box.textContent = "";
    box.appendChild(this.roundButtons());
    var parts = [["summary", this.t("room.summary"), this.summaryTables()],
                 ["people", this.t("room.connected", { n: this.view.connected.length }), this.people()],
                 ["join", this.t("room.invite"), this.invite()]];
    parts.forEach(function (p) {
      var d = el("details", "scmap-room-part");
      d.setAttribute("data-part", p[0]);
      if (p[0] === openKey) { d.open = true; }
      d.appendChild(el("summary", null, p[1]));
      d.appendChild(p[2]);
      box.appendChild(d);
    });
  };

  Room.prototype.roundButtons = function () {
    var t = this.t, self = this, row = el("div", "scmap-room-round");
    row.setAttribute("role", "group");
    row.setAttribute("aria-label", t("room.round"));
    [["open", t("room.open_round")], ["paused", t("room.pause_round")]].forEach(function (p) {
      var b = button(p[1], function () { self.send({ kind: "round", state: p[0] }); });
      b.setAttribute("aria-pressed", String(self.view.round === p[0]));
      row.appendChild(b);
    });
    row.appendChild(button(t("room.close_workshop"), function () { self.closeWorkshop(); }, "scmap-room-button scmap-room-close"));
    return row;
  };

  Room.prototype.closeWorkshop = function () {
    var self = this, t = this.t;
    if (!window.confirm(t("room.close_confirm"))) { return; }
    this.api("/api/close", { change_id: String(Date.now()) + "close" + Math.random().toString(16).slice(2, 10) }).then(function (res) {
      if (res.status !== 200) { self.say(res.body.error || String(res.status)); return; }
      self.say(t("room.closed_files", { files: res.body.files.join(", ") }));
    }, function () { self.say(t("room.offline")); });
  };

  Room.prototype.people = function () {
    var list = el("ul", "scmap-room-people");
    this.view.connected.forEach(function (p) {
      list.appendChild(el("li", null, p.role === "facilitator" ? p.name : p.name + " (" + p.organisation + ")"));
    });
    return list;
  };

  Room.prototype.invite = function () {
    var box = el("div", "scmap-room-invite"), img = el("img");
    img.src = this.cfg.qr;
    img.alt = this.t("room.qr_alt", { url: this.cfg.participant_url });
    box.appendChild(img);
    box.appendChild(el("div", "scmap-room-url", this.cfg.participant_url));
    return box;
  };

  Room.prototype.summaryTables = function () {
    var t = this.t, sum = this.view.summary, self = this, box = el("div", "scmap-room-summary");
    var pct = this.reg.pct;
    if (!sum.sites.length) {  // a sentence, not two tables of headings only
      box.appendChild(el("h4", null, t("room.by_support")));
      box.appendChild(el("p", "scmap-room-none scmap-room-no-sites", t("room.none")));
    } else { this.siteTables(box); }
    var split = sum.sites.filter(function (s) { return sum.disagreements.indexOf(s.id) >= 0; });
    box.appendChild(el("h4", null, t("room.disagreements")));
    var dl = el("ul", "scmap-room-disagreements");
    split.forEach(function (s) { dl.appendChild(el("li", null, "#" + s.n + " " + s.title)); });
    box.appendChild(split.length ? dl : el("p", "scmap-room-none", t("room.none")));  // "none" as a sentence, no bullet
    Object.keys(sum.weights).forEach(function (key) { box.appendChild(self.weightsSummary(sum.weights[key], pct)); });
    return box;
  };

  Room.prototype.siteTables = function (box) {
    var t = this.t, sum = this.view.summary;
    box.appendChild(table(t("room.by_support"), [t("room.site"), t("room.support"), t("room.oppose"), t("room.comments_head")],
      sum.sites.map(function (s) { return ["#" + s.n + " " + s.title, s.support, s.oppose, s.comments]; }), "scmap-room-by-support"));
    // per site, each department that voted: a list fits a narrow panel and any number of departments
    box.appendChild(table(t("room.by_department"), [t("room.site"), t("room.departments")], sum.sites.map(function (s) {
      return ["#" + s.n + " " + s.title, sum.departments.filter(function (d) { return s.by_department[d]; }).map(function (d) {
        return d + " +" + s.by_department[d].support + " / \u2212" + s.by_department[d].oppose;
      }).join("\n")];
    }), "scmap-room-by-department"));
  };

  Room.prototype.weightsSummary = function (w, pct) {
    var t = this.t, box = el("div", "scmap-room-model");
    box.appendChild(el("h4", null, t("room.consensus", { model: w.label, n: w.sets })));
    if (!w.sets) { box.appendChild(el("p", "scmap-room-none", t("room.no_sets"))); return box; }
    box.appendChild(table(t("room.weights"), [t("room.criterion"), t("room.project_weight"), t("room.consensus_weight")],
      w.criteria.map(function (c) { return [c.label, pct(c.project), pct(c.consensus)]; })));
    box.appendChild(table(t("room.reranked"), [t("room.rank"), t("room.district"), t("room.was")],
      w.ranking.map(function (r) { return [r.rank, r.title, r.project_rank + " " + moved(r)]; }), "scmap-room-reranked"));
    return box;
  };
})();
