/* scmap workshop room: a site's popup (support, oppose, comments, withdraw; hide and merge for the
 * facilitator) and the facilitator's panel (rounds, who is here, QR code, summary, close). */
(function () {
  "use strict";
  var Room = window.scmapWorkshopRoom;

  var el = Room.el, button = Room.button;  // room.js's: text only, never HTML

  Room.prototype.popup = function (id, replyTo) {
    var s = this.site(id), t = this.t, self = this;
    var box = el("div", "scmap-popup scmap-room-popup");
    if (!s) { box.appendChild(el("p", null, t("room.site_gone"))); return box; }
    box.setAttribute("data-site", s.id);
    box.appendChild(el("div", "scmap-popup-title", "#" + s.n + " " + s.title));
    box.appendChild(el("div", "scmap-popup-sub", t("room.site_by", { type: this.typeLabel(s.type), name: s.author_name, organisation: s.author_organisation })));
    if (s.reason) { box.appendChild(el("p", "scmap-room-reason", s.reason)); }
    box.appendChild(el("div", "scmap-room-tally", t("room.tally", { support: s.support, oppose: s.oppose })));
    if (this.view.me.role !== "facilitator") { box.appendChild(this.voteButtons(s)); }
    if (s.mine && this.editing === s.id) {
      box.appendChild(this.editForm(s));
    } else if (s.mine) {
      box.appendChild(button(t("room.edit"), function () { self.editing = s.id; self.show(s.id); }, "scmap-room-button scmap-room-edit-open"));
      box.appendChild(button(t("room.withdraw"), function () {
        self.send({ kind: "withdraw", site: s.id });
        self.map.closePopup();
      }, "scmap-room-button scmap-room-withdraw"));
    }
    if (this.view.me.role === "facilitator") { box.appendChild(this.facilitatorTools(s)); }
    box.appendChild(this.comments(s, replyTo || null));
    return box;
  };

  Room.prototype.voteButtons = function (s) {
    var t = this.t, self = this, row = el("div", "scmap-room-votes");
    [[1, t("room.support")], [-1, t("room.oppose")]].forEach(function (pair) {
      var on = s.my_vote === pair[0];
      var b = button(pair[1], function () {
        self.send({ kind: "vote", site: s.id, value: on ? 0 : pair[0] });
      }, "scmap-room-button scmap-room-" + (pair[0] > 0 ? "support" : "oppose"));
      b.setAttribute("aria-pressed", String(on));
      row.appendChild(b);
    });
    return row;
  };

  Room.prototype.comments = function (s, replyTo) {
    var t = this.t, self = this, box = el("div", "scmap-room-comments");
    box.appendChild(el("div", "scmap-room-comments-title", t("room.comments", { n: s.comments })));
    var mine = this.view.comments.filter(function (c) { return c.site === s.id; });
    var list = el("ul");
    mine.filter(function (c) { return !c.reply_to; }).forEach(function (c) {
      var li = self.comment(c, s);
      var replies = el("ul", "scmap-room-replies");
      mine.filter(function (r) { return r.reply_to === c.id; }).forEach(function (r) { replies.appendChild(self.comment(r, null)); });
      if (replies.children.length) { li.appendChild(replies); }
      list.appendChild(li);
    });
    box.appendChild(list);
    box.appendChild(this.commentForm(s, replyTo));
    return box;
  };

  Room.prototype.comment = function (c, s) {
    var self = this, li = el("li", "scmap-room-comment");
    var who = c.author === "facilitator" ? this.t("room.facilitator") : c.author_name + " (" + c.author_organisation + ")";
    li.appendChild(el("span", "scmap-room-who", who + ": "));
    li.appendChild(el("span", "scmap-room-text", c.text));
    if (s) {
      li.appendChild(button(this.t("room.reply"), function () {
        var area = self.show(s.id, c.id).querySelector("textarea");
        if (area) { area.focus(); }
      }, "scmap-room-link scmap-room-reply"));
    }
    return li;
  };

  Room.prototype.commentForm = function (s, replyTo) {
    var t = this.t, self = this, form = el("form", "scmap-room-comment-form");
    var area = el("textarea");
    area.maxLength = 2000;
    area.rows = 2;
    area.setAttribute("aria-label", replyTo ? t("room.your_reply") : t("room.your_comment"));
    area.placeholder = replyTo ? t("room.your_reply") : t("room.your_comment");
    if (replyTo) { area.setAttribute("data-reply", replyTo); }
    var go = el("button", "scmap-room-button", t("room.send"));
    go.type = "submit";
    form.appendChild(area);
    form.appendChild(go);
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var text = area.value.trim();
      if (!text) { return; }
      self.send({ kind: "comment", site: s.id, text: text, reply_to: replyTo });
      area.value = "";
    });
    return form;
  };

  Room.prototype.editForm = function (s) {  // the author changes the title, the reason or the type
    var t = this.t, self = this, form = el("form", "scmap-room-edit");
    var title = el("input"), reason = el("textarea"), type = el("select");
    title.name = "title"; title.value = s.title; title.maxLength = 120; title.required = true;
    reason.name = "reason"; reason.value = s.reason; reason.maxLength = 1000; reason.rows = 3;
    type.name = "type";
    this.cfg.types.forEach(function (ty) {
      var o = el("option", null, ty.sector_label + ": " + ty.label);
      o.value = ty.key;
      o.selected = ty.key === s.type;
      type.appendChild(o);
    });
    [[t("room.title_label"), title], [t("room.reason_label"), reason], [t("room.type_label"), type]].forEach(function (p) {
      var lab = el("label", "scmap-room-field");
      lab.appendChild(el("span", null, p[0]));
      lab.appendChild(p[1]);
      form.appendChild(lab);
    });
    var save = el("button", "scmap-room-button", t("room.save"));
    save.type = "submit";
    form.appendChild(save);
    form.appendChild(button(t("room.cancel"), function () { self.editing = null; self.show(s.id); }));
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      self.editing = null;
      self.send({ kind: "edit", site: s.id, title: title.value, reason: reason.value, type: type.value });
      self.show(s.id);
    });
    return form;
  };

  Room.prototype.facilitatorTools = function (s) {
    var t = this.t, self = this, row = el("div", "scmap-room-tools");
    row.appendChild(button(s.hidden ? t("room.show") : t("room.hide"), function () {
      self.send({ kind: "hide", site: s.id, hidden: !s.hidden });
    }));
    var others = this.view.sites.filter(function (o) { return o.id !== s.id && o.in_play; });
    if (others.length && s.in_play) {
      var pick = el("select");
      pick.setAttribute("aria-label", t("room.merge_into"));
      others.forEach(function (o) { var opt = el("option", null, "#" + o.n + " " + o.title); opt.value = o.id; pick.appendChild(opt); });
      row.appendChild(pick);
      row.appendChild(button(t("room.merge"), function () { self.send({ kind: "merge", site: s.id, into: pick.value }); }));
    }
    return row;
  };
})();
