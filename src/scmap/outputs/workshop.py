"""What the room decided, as files for the plan.

``workshop.gpkg`` (layers ``sites``, ``comments``,
``votes``, ``weight_sets``, ``events``; QGIS styles), ``workshop.csv`` (the sites with support,
opposition and comments), ``workshop_weights.csv`` (each group's weights and the consensus) and
``workshop.html`` (the workshop's part of the report: sites by support, by department, the
consensus weights and how the districts' ranking changed under them).

The ``sites`` layer is also a solution source: ``solution``, ``name``, ``status`` (candidate) and
``site_id`` are the columns a project's ``solutions:`` entry reads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely.geometry

from scmap.core._atomic import open_pack
from scmap.core._gpkg import write_layers
from scmap.core._text import write_csv
from scmap.core.i18n import Messages, language_messages
from scmap.maps._safe import html_text
from scmap.workshop.state import FACILITATOR, Room
from scmap.workshop.summary import consensus, site_table, summary

__all__ = [
    "WORKSHOP_FILES",
    "Outcome",
    "export_workshop",
    "language_messages",
    "outcome",
    "room_messages",
    "workshop_section",
    "workshop_tables",
    "write_workshop_files",
]

WORKSHOP_FILES = ("workshop.gpkg", "workshop.csv", "workshop_weights.csv", "workshop.html")


def _people(room: Room) -> dict[str, tuple[str, str]]:
    out = {pid: (p["name"], p["organisation"]) for pid, p in room.state.participants.items()}
    return out | {FACILITATOR: (FACILITATOR, "")}


def _numbers(room: Room) -> dict[str, int]:
    """Each site's number ("#3") by its id."""
    return {s["id"]: s["n"] for s in room.state.sites.values()}


def _sites(room: Room) -> gpd.GeoDataFrame:
    types = {t["key"]: t for t in room.store.get("types") or []}
    numbers = _numbers(room)
    rows = [
        {
            "site": r["n"],
            "site_id": r["id"],
            "solution": r["type"],
            "sector": types.get(r["type"], {}).get("sector", ""),
            "name": r["title"],
            "reason": r["reason"],
            "status": "candidate",
            "room_status": "merged" if r["merged_into"] else "hidden" if r["hidden"] else r["status"],
            "merged_into": numbers.get(r["merged_into"]),
            "proposed_by": r["author_name"],
            "organisation": r["author_organisation"],
            "support": r["support"],
            "oppose": r["oppose"],
            "net": r["net"],
            "comments": r["comments"],
            "proposed_at": r["at"],
            "geometry": shapely.geometry.shape(r["geometry"]),
        }
        for r in site_table(room)
    ]
    columns = [
        "site",
        "site_id",
        "solution",
        "sector",
        "name",
        "reason",
        "status",
        "room_status",
        "merged_into",
        "proposed_by",
        "organisation",
        "support",
        "oppose",
        "net",
        "comments",
        "proposed_at",
        "geometry",
    ]
    frame = pd.DataFrame(rows, columns=columns).astype({"merged_into": "Int64"})
    return gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4326")


def _comments(room: Room) -> pd.DataFrame:
    people, numbers = _people(room), _numbers(room)
    rows = [
        {
            "comment_id": c["id"],
            "site": numbers.get(c["site"]),
            "site_id": c["site"],
            "reply_to": c["reply_to"],
            "text": c["text"],
            "author": people.get(c["author"], ("?", ""))[0],
            "organisation": people.get(c["author"], ("?", ""))[1],
            "at": c["at"],
        }
        for c in sorted(room.state.comments.values(), key=lambda c: c["at"])
    ]
    return pd.DataFrame(
        rows, columns=["comment_id", "site", "site_id", "reply_to", "text", "author", "organisation", "at"]
    )


def _votes(room: Room) -> pd.DataFrame:
    people, numbers = _people(room), _numbers(room)
    rows = [
        {
            "site": numbers.get(v["site"]),
            "site_id": v["site"],
            "voter": people[v["voter"]][0],
            "organisation": people[v["voter"]][1],
            "vote": "support" if v["value"] > 0 else "oppose",
            "counted_for": numbers.get(room.final_site(v["site"]) or ""),
            "at": v["at"],
        }
        for v in sorted(room.state.votes.values(), key=lambda v: v["at"])
    ]
    frame = pd.DataFrame(rows, columns=["site", "site_id", "voter", "organisation", "vote", "counted_for", "at"])
    return frame.astype({"counted_for": "Int64"})


def _weight_sets(room: Room) -> pd.DataFrame:
    people = _people(room)
    rows = [
        {
            "group": s["group"],
            "model": s["model"],
            "criterion": c,
            "weight": w,
            "saved_by": people.get(s["by"], ("?",))[0],
            "at": s["at"],
        }
        for s in room.state.weight_sets.values()
        for c, w in s["weights"].items()
    ]
    return pd.DataFrame(rows, columns=["group", "model", "criterion", "weight", "saved_by", "at"])


def _events(room: Room) -> pd.DataFrame:
    people = _people(room)

    def shown(value: Any) -> str | None:  # a participant's token digest stays in the store
        if value is None:
            return None
        return json.dumps({k: v for k, v in value.items() if k != "token_sha256"}, ensure_ascii=False)

    rows = [
        {
            "seq": e.seq,
            "change_id": e.change_id,
            "at": e.at,
            "actor": people.get(e.actor, (e.actor, ""))[0],
            "organisation": people.get(e.actor, ("", ""))[1],
            "kind": e.kind,
            "target": e.target,
            "before": shown(e.before),
            "after": shown(e.after),
        }
        for e in room.store.events()
    ]
    return pd.DataFrame(
        rows, columns=["seq", "change_id", "at", "actor", "organisation", "kind", "target", "before", "after"]
    )


def _weights_table(room: Room) -> pd.DataFrame:
    rows = []
    for key, w in consensus(room).items():
        for c in w["criteria"]:
            rows.append(
                {
                    "model": key,
                    "criterion": c["key"],
                    "label": c["label"],
                    "project": c["project"],
                    "consensus": c["consensus"],
                    **{f"group:{g}": v for g, v in c["groups"].items()},
                }
            )
    return pd.DataFrame(rows)


def workshop_tables(room: Room) -> dict[str, pd.DataFrame]:
    """The layers of ``workshop.gpkg``."""
    return {
        "sites": _sites(room),
        "comments": _comments(room),
        "votes": _votes(room),
        "weight_sets": _weight_sets(room),
        "events": _events(room),
    }


def _html_table(frame: pd.DataFrame, msg: Messages) -> str:
    if not len(frame):
        return f"<p>{html_text(msg('report.none'))}</p>"
    return f'<div class="table">{frame.to_html(index=False, escape=True, border=0, na_rep="")}</div>'


def workshop_section(room: Room, msg: Messages) -> str:
    """The workshop's part of the report (HTML, every text from the room escaped)."""
    s = summary(room, top=10)
    h = html_text
    parts = [
        f"<p>{h(msg('report.workshop_intro', n=s['participants'], sites=len(s['sites'])))}</p>",
        f"<h3>{h(msg('room.by_support'))}</h3>",
        _html_table(_by_support(s, msg), msg),
        f"<h3>{h(msg('room.by_department'))}</h3>",
        _html_table(_by_department(s, msg), msg),
        f"<h3>{h(msg('room.disagreements'))}</h3>",
        _html_table(
            pd.DataFrame(
                {msg("room.site"): [f"#{r['n']} {r['title']}" for r in s["sites"] if r["id"] in s["disagreements"]]}
            ),
            msg,
        ),
    ]
    for w in s["weights"].values():
        parts.append(f"<h3>{h(msg('room.consensus', model=w['label'], n=w['sets']))}</h3>")
        if not w["sets"]:
            parts.append(f"<p>{h(msg('room.no_sets'))}</p>")
            continue
        parts += [_html_table(_consensus_frame(w, msg), msg), _html_table(_ranking_frame(w, msg), msg)]
    return "\n".join(parts)


def _by_support(s: dict[str, Any], msg: Messages) -> pd.DataFrame:
    return pd.DataFrame(
        {
            msg("room.site"): [f"#{r['n']} {r['title']}" for r in s["sites"]],
            msg("report.workshop_proposed_by"): [
                f"{r['author_name']} ({r['author_organisation']})" for r in s["sites"]
            ],
            msg("room.support"): [r["support"] for r in s["sites"]],
            msg("room.oppose"): [r["oppose"] for r in s["sites"]],
            msg("room.comments_head"): [r["comments"] for r in s["sites"]],
        }
    )


def _by_department(s: dict[str, Any], msg: Messages) -> pd.DataFrame:
    cols: dict[str, list[str]] = {msg("room.site"): [f"#{r['n']} {r['title']}" for r in s["sites"]]}
    for d in s["departments"]:
        cols[d] = [
            f"+{r['by_department'][d]['support']} / −{r['by_department'][d]['oppose']}"
            if d in r["by_department"]
            else ""
            for r in s["sites"]
        ]
    return pd.DataFrame(cols)


def _consensus_frame(w: dict[str, Any], msg: Messages) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            msg("room.criterion"): [c["label"] for c in w["criteria"]],
            msg("room.project_weight"): [msg.pct(c["project"]) for c in w["criteria"]],
            msg("room.consensus_weight"): [msg.pct(c["consensus"]) for c in w["criteria"]],
        }
    )
    for group in sorted({g for c in w["criteria"] for g in c["groups"]}):
        frame[group] = [msg.pct(c["groups"].get(group, 0.0)) for c in w["criteria"]]
    return frame


def _moved(places: int) -> str:
    """Places gained (up) or lost (down) under the consensus weights."""
    return f"↑{places}" if places > 0 else f"↓{-places}" if places < 0 else "="


def _ranking_frame(w: dict[str, Any], msg: Messages) -> pd.DataFrame:
    return pd.DataFrame(
        {
            msg("room.rank"): [r["rank"] for r in w["ranking"]],
            msg("room.district"): [r["title"] for r in w["ranking"]],
            msg("room.was"): [r["project_rank"] for r in w["ranking"]],
            msg("room.change"): [_moved(r["project_rank"] - r["rank"]) for r in w["ranking"]],
        }
    )


_PAGE = """<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><style>
body {{ font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1100px; padding: 16px 24px; color: #222; }}
table {{ border-collapse: collapse; font-size: 12.5px; margin: 6px 0 12px; }}
th, td {{ border: 1px solid #ddd; padding: 3px 6px; text-align: left; vertical-align: top; }}
th {{ background: #f4f4f4; }}
</style></head><body><h1>{title}</h1>
{body}
</body></html>
"""


def write_workshop_files(room: Room, folder: Path, msg: Messages) -> list[str]:
    """Write the room's files (see the module's text) into the existing *folder*; the names."""
    from scmap.core.catalogue import load_catalogue
    from scmap.outputs.qgis import style_geopackage

    tables = workshop_tables(room)
    write_layers(folder / "workshop.gpkg", tables)
    style_geopackage(folder / "workshop.gpkg", load_catalogue(), msg)
    write_csv(pd.DataFrame(tables["sites"].drop(columns="geometry")), folder / "workshop.csv")
    write_csv(_weights_table(room), folder / "workshop_weights.csv")
    title = msg("report.workshop_title", title=str(room.store.get("title") or ""))
    page = _PAGE.format(lang=html_text(msg.language), title=html_text(title), body=workshop_section(room, msg))
    (folder / "workshop.html").write_text(page, encoding="utf-8")
    return list(WORKSHOP_FILES)


def export_workshop(room: Room, outdir: str | Path, *, overwrite: bool = False) -> list[str]:
    """Write the room's files into the folder *outdir*.

    Write the room's files (see the module's text) into the folder *outdir*, replaced whole
    when complete; the names written.
    """
    with open_pack(outdir, overwrite=overwrite, known=WORKSHOP_FILES) as tmp:
        return write_workshop_files(room, tmp, room_messages(room))


@dataclass
class Outcome:
    """What a pack shows of its project's workshop: the report's section and the sites for the atlas."""

    room: Room
    section: str
    sites: gpd.GeoDataFrame


def outcome(room: Room, msg: Messages) -> Outcome:
    """The room's part of a project's pack, in the report's language."""
    return Outcome(room, workshop_section(room, msg), _sites(room))


def room_messages(room: Room) -> Messages:
    """The words of the room's language (English when scmap has no texts for it)."""
    return language_messages(str(room.store.get("language") or "en"))
