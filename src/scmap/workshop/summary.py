"""What the room shows.

Each browser's view of the state, and the facilitator's summary (sites by
support, support by department, where departments disagree, the consensus weights and the
districts re-ranked under them).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import numpy as np

from scmap.workshop.scoring import normalised, project_weights, ranks, rescore
from scmap.workshop.state import FACILITATOR, Actor, Room

__all__ = ["site_table", "summary", "view"]

TOP = 10
"""Districts listed per model in the re-ranking."""


def _who(room: Room, pid: str) -> dict[str, str]:
    p = room.state.participants.get(pid)
    return {"name": p["name"], "organisation": p["organisation"]} if p else {"name": pid, "organisation": ""}


def site_table(room: Room) -> list[dict[str, Any]]:
    """Return every site with its author, support, opposition and comments.

    Every site with its author, support, opposition, comments and support per department,
    those in play first by net support (then support, then order of proposal).
    """
    return list(room.cached("site_table", lambda: _site_table(room)))


def _site_table(room: Room) -> list[dict[str, Any]]:
    tally: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(lambda: {"support": 0, "oppose": 0}))
    for (voter, final), value in room.counted_votes().items():
        tally[final][_who(room, voter)["organisation"]]["support" if value > 0 else "oppose"] += 1
    comments = Counter(c["site"] for c in room.state.comments.values())
    rows = []
    for site in room.state.sites.values():
        by = tally.get(site["id"], {})
        support, oppose = sum(d["support"] for d in by.values()), sum(d["oppose"] for d in by.values())
        n_comments = comments.get(site["id"], 0)
        rows.append(
            {
                **site,
                "author_name": _who(room, site["author"])["name"],
                "author_organisation": _who(room, site["author"])["organisation"],
                "support": support,
                "oppose": oppose,
                "net": support - oppose,
                "comments": n_comments,
                "in_play": room.shown(site),
                "by_department": dict(sorted(by.items())),
            }
        )
    rows.sort(key=lambda r: (not r["in_play"], -r["net"], -r["support"], r["n"]))
    return rows


def _disagree(row: dict[str, Any]) -> bool:
    nets = [d["support"] - d["oppose"] for d in row["by_department"].values()]
    return bool(nets) and max(nets) > 0 > min(nets)


def consensus(room: Room) -> dict[str, dict[str, Any]]:
    """Return the consensus weights per model.

    Per model: the mean of the saved weight sets (each normalised to sum 1), the project's
    weights, each group's, and the districts ranked under the consensus beside their project rank.
    """
    return dict(room.cached("consensus", lambda: _consensus(room)))


def _consensus(room: Room) -> dict[str, dict[str, Any]]:
    out = {}
    for key, live in room.models.items():
        sets = {
            s["group"]: normalised(s["weights"], live) for s in room.state.weight_sets.values() if s["model"] == key
        }
        project = normalised(project_weights(live), live)
        mean = np.mean(list(sets.values()), axis=0) if sets else project
        criteria = [
            {
                "key": c["key"],
                "label": c["label"],
                "project": float(project[j]),
                "consensus": float(mean[j]),
                "groups": {g: float(w[j]) for g, w in sorted(sets.items())},
            }
            for j, c in enumerate(live["criteria"])
        ]
        out[key] = {"label": live["label"], "sets": len(sets), "criteria": criteria, "ranking": _reranked(live, mean)}
    return out


def _reranked(live: dict[str, Any], weights: np.ndarray) -> list[dict[str, Any]]:
    by_key = {c["key"]: float(w) for c, w in zip(live["criteria"], weights, strict=True)}
    new = rescore(live, by_key)
    old = rescore(live, project_weights(live))
    new_rank, old_rank = ranks(new), ranks(old)
    order = [i for i in np.argsort(-np.nan_to_num(new, nan=-1.0), kind="stable") if new_rank[i] > 0]
    return [
        {
            "unit_id": live["ids"][i],
            "title": live["titles"][i],
            "rank": int(new_rank[i]),
            "project_rank": int(old_rank[i]),
            "score": float(new[i]),
            "project_score": float(old[i]),
        }
        for i in order
    ]


def summary(room: Room, *, top: int | None = TOP) -> dict[str, Any]:
    """The facilitator's summary (JSON-ready); *top* districts per model (None: all)."""
    sites = [r for r in site_table(room) if r["in_play"]]
    departments = sorted({p["organisation"] for p in room.state.participants.values()})
    weights = {key: {**w, "ranking": w["ranking"][:top] if top else w["ranking"]} for key, w in consensus(room).items()}
    return {
        "sites": [_public(r) for r in sites],
        "departments": departments,
        "disagreements": [r["id"] for r in sites if _disagree(r)],
        "weights": weights,
        "participants": len(room.state.participants),
    }


def _public(row: dict[str, Any]) -> dict[str, Any]:
    keep = (
        "id",
        "n",
        "type",
        "title",
        "reason",
        "geometry",
        "author",
        "author_name",
        "author_organisation",
        "support",
        "oppose",
        "net",
        "comments",
        "by_department",
        "status",
        "hidden",
        "merged_into",
        "in_play",
    )
    return {k: row[k] for k in keep}


def view(room: Room, actor: Actor, connected: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """Return what *actor*'s browser shows.

    What *actor*'s browser shows: the sites in play (the facilitator also sees hidden and merged
    ones), their comments, the actor's own votes and votes left, the round.
    """
    facilitator = actor.role == FACILITATOR
    rows = [r for r in site_table(room) if r["in_play"] or (facilitator and r["status"] == "active")]
    mine = {v["site"]: v["value"] for v in room.state.votes.values() if v["voter"] == actor.id}
    shown = {r["id"] for r in rows}
    comments = [
        {
            **c,
            "author_name": _who(room, c["author"])["name"] if c["author"] != FACILITATOR else FACILITATOR,
            "author_organisation": _who(room, c["author"])["organisation"],
        }
        for c in sorted(room.state.comments.values(), key=lambda c: c["at"])
    ]
    out: dict[str, Any] = {
        "seq": room.state.seq,
        "round": room.state.round,
        "votes_per_person": room.limits.votes_per_person,
        "me": {
            "id": actor.id,
            "role": actor.role,
            "name": actor.name,
            "organisation": actor.organisation,
            "votes_left": room.limits.votes_per_person - room.votes_used(actor.id) if not facilitator else 0,
        },
        "sites": [{**_public(r), "my_vote": mine.get(r["id"], 0), "mine": r["author"] == actor.id} for r in rows],
        "comments": [c for c in comments if c["site"] in shown],
    }
    if facilitator:
        out["summary"] = summary(room)
        out["connected"] = connected or []
    return out
