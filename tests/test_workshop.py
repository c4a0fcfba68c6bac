"""The workshop room's rules and state, driven directly (no server): who may do what, the vote limit,
merges, idempotent changes, replay after a restart, the consensus weights and the districts
re-ranked under them, the Python re-scoring against the pack's own scores, and the export."""

from __future__ import annotations

import base64
import json
import sqlite3
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest

import scmap
from scmap.outputs.workshop import export_workshop
from scmap.workshop import Limits, Room, RoomError, open_store, room_of, summary, view
from scmap.workshop.scoring import map_models, ranks, rescore
from scmap.workshop.state import Actor

FACILITATOR = Actor("facilitator", "facilitator", "facilitator", "")
_SEQ = iter(range(10**6))


def _f64(values: list[float]) -> str:
    return base64.b64encode(np.asarray(values, dtype="<f8").tobytes()).decode("ascii")


def live_model() -> dict:
    """Three districts, two criteria: c1 raw [0, 5, 10] (min-max, higher is better), c2 already
    standardised [1, 0.5, 0]; project weights 0.2 / 0.8, weighted sum."""
    return {
        "ids": ["u0", "u1", "u2"],
        "titles": ["North", "Centre", "South"],
        "label": "Suitability: EV charging",
        "criteria": [
            {"key": "c1", "label": "people", "weight": 0.2, "minmax": "higher", "unit": ""},
            {"key": "c2", "label": "metro", "weight": 0.8, "minmax": None, "unit": ""},
        ],
        "values": [_f64([0, 5, 10]), _f64([1, 0.5, 0])],
        "exclusions": [],
        "aggregation": "wlc",
        "owa": None,
        "method": "direct",
        "presets": {"project": [0.2, 0.8]},
    }


def make_room(path: Path, votes: int = 2) -> Room:
    store = open_store(path)
    store.put("models", {"ev_charging": live_model()})
    store.put(
        "types",
        [
            {"key": "ev_charging", "label": "EV charging", "sector": "mobility", "sector_label": "Mobility"},
            {"key": "rooftop_pv", "label": "Rooftop PV", "sector": "energy", "sector_label": "Energy"},
        ],
    )
    return Room(store, limits=Limits(votes_per_person=votes))


def cid() -> str:
    return f"change-{next(_SEQ):08d}"


def point(x: float = 23.32, y: float = 42.69) -> dict:
    return {"type": "Point", "coordinates": [x, y]}


def propose(room: Room, who: Actor, title: str = "Hub", **more) -> str:
    change = {"kind": "propose", "change_id": cid(), "type": "ev_charging", "title": title, "geometry": point(), **more}
    room.change(who, change)
    return change["change_id"]


def vote(room: Room, who: Actor, site: str, value: int) -> dict:
    return room.change(who, {"kind": "vote", "change_id": cid(), "site": site, "value": value})


def refused(status: int, message: str, fn, *args) -> None:
    with pytest.raises(RoomError) as err:
        fn(*args)
    assert (err.value.status, err.value.message) == (status, message)


@pytest.fixture
def room(tmp_path: Path) -> Room:
    return make_room(tmp_path / "room.sqlite")


def join(room: Room, name: str, organisation: str) -> Actor:
    actor, token = room.join({"code": room.code, "name": name, "organisation": organisation})
    assert room.actor(token) == actor
    return actor


def test_who_may_do_what(room: Room):
    a, b = join(room, "Ana", "Energy"), join(room, "Boris", "Transport")
    site = propose(room, a)
    refused(403, "workshop.not_yours", room.change, b, {"kind": "withdraw", "change_id": cid(), "site": site})
    refused(
        403, "workshop.not_yours", room.change, b, {"kind": "edit", "change_id": cid(), "site": site, "title": "Mine"}
    )
    for kind in ({"kind": "round", "state": "paused"}, {"kind": "hide", "site": site}):
        refused(403, "workshop.facilitator_only", room.change, b, {**kind, "change_id": cid()})
    refused(403, "workshop.participants_only", vote, room, FACILITATOR, site, 1)
    refused(403, "workshop.bad_code", room.join, {"code": "wrong-code", "name": "Eve", "organisation": "X"})
    assert room.actor("not-a-token") is None and room.actor(None) is None
    assert room.actor(room.facilitator_token) == FACILITATOR
    room.change(a, {"kind": "edit", "change_id": cid(), "site": site, "title": "Hub at the metro"})
    room.change(a, {"kind": "withdraw", "change_id": cid(), "site": site})
    assert view(room, b)["sites"] == []  # a withdrawn site is out of play for everyone


def test_rounds(room: Room):
    a = join(room, "Ana", "Energy")
    site = propose(room, a)
    room.change(FACILITATOR, {"kind": "round", "change_id": cid(), "state": "paused"})
    refused(409, "workshop.round_paused", propose, room, a)
    refused(409, "workshop.round_paused", vote, room, a, site, 1)
    room.change(FACILITATOR, {"kind": "hide", "change_id": cid(), "site": site})  # the facilitator still works
    room.change(FACILITATOR, {"kind": "round", "change_id": cid(), "state": "closed"})
    refused(409, "workshop.round_closed", propose, room, a)


def test_vote_limit_counts_sites_not_clicks(room: Room):
    a = join(room, "Ana", "Energy")
    s1, s2, s3 = (propose(room, a, f"Site {i}") for i in (1, 2, 3))
    vote(room, a, s1, 1)
    vote(room, a, s2, -1)
    refused(409, "workshop.vote_limit", vote, room, a, s3, 1)  # 2 votes each
    vote(room, a, s2, 1)  # changing a vote costs nothing
    vote(room, a, s1, 0)  # taking one back frees it
    vote(room, a, s3, 1)
    assert view(room, a)["me"]["votes_left"] == 0
    assert {s["title"]: (s["support"], s["oppose"]) for s in view(room, a)["sites"]} == {
        "Site 1": (0, 0),
        "Site 2": (1, 0),
        "Site 3": (1, 0),
    }


def test_a_change_sent_twice_is_applied_once(room: Room):
    a = join(room, "Ana", "Energy")
    change = {
        "kind": "propose",
        "change_id": "offline-0001",
        "type": "ev_charging",
        "title": "Hub",
        "geometry": point(),
    }
    first, again = room.change(a, change), room.change(a, dict(change))
    assert again == {**first, "duplicate": True} and not first["duplicate"]
    assert [e.change_id for e in room.store.events()].count("offline-0001") == 1
    assert len(room.state.sites) == 1


def test_merge_moves_votes_unless_the_voter_voted_there(room: Room):
    a, b, c = join(room, "Ana", "Energy"), join(room, "Boris", "Transport"), join(room, "Cveta", "Housing")
    s1, s2 = propose(room, a, "Hub A"), propose(room, b, "Hub B")
    vote(room, a, s1, 1)
    vote(room, a, s2, 1)
    vote(room, b, s2, -1)
    vote(room, c, s2, 1)
    room.change(FACILITATOR, {"kind": "merge", "change_id": cid(), "site": s2, "into": s1})
    (row,) = summary(room)["sites"]
    # Ana's own vote on Hub A counts once; Boris' and Cveta's votes on Hub B move to Hub A
    assert (row["title"], row["support"], row["oppose"]) == ("Hub A", 2, 1)
    assert row["by_department"] == {
        "Energy": {"support": 1, "oppose": 0},
        "Housing": {"support": 1, "oppose": 0},
        "Transport": {"support": 0, "oppose": 1},
    }
    assert summary(room)["disagreements"] == [s1]  # Energy and Housing for, Transport against
    assert view(room, a)["me"]["votes_left"] == 1  # both of Ana's votes now count for one site
    refused(
        409,
        "workshop.merge_self",
        room.change,
        FACILITATOR,
        {"kind": "merge", "change_id": cid(), "site": s1, "into": s1},
    )


def test_comments_thread_one_level(room: Room):
    a, b = join(room, "Ana", "Energy"), join(room, "Boris", "Transport")
    site = propose(room, a)
    top = cid()
    room.change(b, {"kind": "comment", "change_id": top, "site": site, "text": "Too close to the school?"})
    reply = cid()
    room.change(a, {"kind": "comment", "change_id": reply, "site": site, "text": "No: 400 m", "reply_to": top})
    refused(
        409,
        "workshop.bad_reply",
        room.change,
        b,
        {"kind": "comment", "change_id": cid(), "site": site, "text": "x", "reply_to": reply},
    )
    assert [(c["author_name"], c["text"]) for c in view(room, b)["comments"]] == [
        ("Boris", "Too close to the school?"),
        ("Ana", "No: 400 m"),
    ]


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        (
            {"geometry": {"type": "LineString", "coordinates": [[23 + i * 1e-5, 42.7] for i in range(10_000)]}},
            413,
            "workshop.too_many_vertices",
        ),
        ({"geometry": {"type": "Point", "coordinates": [230.0, 42.7]}}, 422, "workshop.bad_geometry"),
        ({"geometry": {"type": "MultiPoint", "coordinates": [[23, 42]]}}, 422, "workshop.bad_geometry"),
        ({"geometry": {"type": "Polygon", "coordinates": "x"}}, 422, "workshop.bad_geometry"),
        ({"title": "x" * 121}, 422, "workshop.bad_change"),
        ({"title": "   "}, 422, "workshop.bad_change"),
        ({"type": "teleporter"}, 422, "workshop.bad_type"),
        ({"change_id": "short"}, 422, "workshop.bad_change"),
        ({"html": "<b>extra field</b>"}, 422, "workshop.bad_change"),
    ],
)
def test_sizes_and_shapes_are_checked(room: Room, change: dict, status: int, message: str):
    a = join(room, "Ana", "Energy")
    body = {"kind": "propose", "change_id": cid(), "type": "ev_charging", "title": "Hub", "geometry": point(), **change}
    refused(status, message, room.change, a, body)
    assert room.state.sites == {}


def test_text_is_kept_as_it_was_written(room: Room):
    a = join(room, "<script>alert(1)</script>", "{{ 7*7 }}")
    site = propose(room, a, title="<img src=x onerror=alert(1)>", reason="`${document.cookie}`")
    row = view(room, a)["sites"][0]
    assert (row["id"], row["title"], row["reason"], row["author_name"], row["author_organisation"]) == (
        site,
        "<img src=x onerror=alert(1)>",
        "`${document.cookie}`",
        "<script>alert(1)</script>",
        "{{ 7*7 }}",
    )


def test_the_state_after_a_restart_is_the_state_before(tmp_path: Path):
    room = make_room(tmp_path / "room.sqlite")
    a, b = join(room, "Ana", "Energy"), join(room, "Boris", "Transport")
    s1, s2 = propose(room, a, "Hub A"), propose(room, b, "Hub B")
    vote(room, a, s2, 1)
    vote(room, b, s1, -1)
    room.change(b, {"kind": "comment", "change_id": cid(), "site": s1, "text": "why here?"})
    room.change(a, {"kind": "weights", "change_id": cid(), "model": "ev_charging", "weights": {"c1": 3, "c2": 1}})
    room.change(FACILITATOR, {"kind": "hide", "change_id": cid(), "site": s2})
    before = (summary(room), view(room, a), view(room, FACILITATOR), room.code, room.facilitator_token)
    room.store.close()
    again = Room(open_store(tmp_path / "room.sqlite"))
    assert (summary(again), view(again, a), view(again, FACILITATOR), again.code, again.facilitator_token) == before


def test_the_log_is_append_only(room: Room):
    join(room, "Ana", "Energy")
    db = sqlite3.connect(room.store.location)
    for sql in ("UPDATE events SET kind = 'x'", "DELETE FROM events"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute(sql)
    db.close()


def test_consensus_weights_and_reranking_by_hand(room: Room):
    a, b = join(room, "Ana", "Energy"), join(room, "Boris", "Transport")
    room.change(a, {"kind": "weights", "change_id": cid(), "model": "ev_charging", "weights": {"c1": 3, "c2": 1}})
    room.change(b, {"kind": "weights", "change_id": cid(), "model": "ev_charging", "weights": {"c1": 1, "c2": 1}})
    w = summary(room)["weights"]["ev_charging"]
    assert w["sets"] == 2
    assert [(c["key"], c["project"], c["consensus"], c["groups"]) for c in w["criteria"]] == [
        ("c1", 0.2, 0.625, {"Energy": 0.75, "Transport": 0.5}),
        ("c2", 0.8, 0.375, {"Energy": 0.25, "Transport": 0.5}),
    ]
    # project: North 0.8, Centre 0.5, South 0.2; consensus: South 0.625, Centre 0.5, North 0.375
    assert [(r["title"], r["rank"], r["project_rank"]) for r in w["ranking"]] == [
        ("South", 1, 3),
        ("Centre", 2, 2),
        ("North", 3, 1),
    ]
    assert [round(r["score"], 12) for r in w["ranking"]] == [0.625, 0.5, 0.375]
    refused(
        422,
        "workshop.bad_weights",
        room.change,
        a,
        {"kind": "weights", "change_id": cid(), "model": "ev_charging", "weights": {"c1": 0, "c2": 0}},
    )
    refused(
        422,
        "workshop.bad_model",
        room.change,
        a,
        {"kind": "weights", "change_id": cid(), "model": "x", "weights": {"c1": 1}},
    )


def test_ranks_share_the_better_rank():
    assert ranks(np.array([0.5, np.nan, 0.9, 0.5])).tolist() == [2, 0, 1, 2]


def test_python_rescoring_equals_the_packs_scores(demo_pack: Path):
    """The room re-scores from the map page's own inputs: with the project's weights it must give
    the pack's suitability scores, unit for unit."""
    models = map_models((demo_pack / "map.html").read_text(encoding="utf-8"))
    table = pd.read_csv(demo_pack / "suitability.csv", dtype={"unit_id": str}).set_index("unit_id")
    assert set(models) == {"ev_charging", "district_heating"}
    for key, live in models.items():
        project = {c["key"]: w for c, w in zip(live["criteria"], live["presets"]["project"], strict=True)}
        mine = pd.Series(rescore(live, project), index=live["ids"])
        theirs = table.loc[live["ids"], f"{key}_score"]
        assert np.allclose(mine.to_numpy(), theirs.to_numpy(), rtol=0, atol=1e-12, equal_nan=True), key
        assert mine.notna().sum() > 10


def _decided(path: Path) -> Room:
    room = make_room(path)
    a, b = join(room, "Ana", "Energy"), join(room, "Boris", "Transport")
    s1 = propose(room, a, "Hub <b>A</b>", reason="near the metro")
    s2 = propose(
        room,
        b,
        "PV roofs",
        type="rooftop_pv",
        geometry={"type": "Polygon", "coordinates": [[[23.3, 42.7], [23.31, 42.7], [23.31, 42.71], [23.3, 42.7]]]},
    )
    vote(room, a, s1, 1)
    vote(room, b, s1, -1)
    vote(room, b, s2, 1)
    room.change(b, {"kind": "comment", "change_id": cid(), "site": s1, "text": "Parking is scarce there"})
    room.change(a, {"kind": "weights", "change_id": cid(), "model": "ev_charging", "weights": {"c1": 3, "c2": 1}})
    return room


def test_export_writes_what_the_room_decided(tmp_path: Path):
    room = _decided(tmp_path / "room.sqlite")
    written = export_workshop(room, tmp_path / "out")
    assert sorted(written) == sorted(p.name for p in (tmp_path / "out").iterdir() if p.name != "manifest.json")
    gpkg = tmp_path / "out" / "workshop.gpkg"
    assert {n for n, _ in pyogrio.list_layers(gpkg)} >= {
        "sites",
        "comments",
        "votes",
        "weight_sets",
        "events",
        "layer_styles",
    }
    sites = gpd.read_file(gpkg, layer="sites")
    assert sites.crs.to_epsg() == 4326
    assert sites[["name", "solution", "support", "oppose", "comments", "status"]].values.tolist() == [
        ["PV roofs", "rooftop_pv", 1, 0, 0, "candidate"],
        ["Hub <b>A</b>", "ev_charging", 1, 1, 1, "candidate"],
    ]
    assert list(sites.geom_type) == ["Polygon", "Point"]
    table = pd.read_csv(tmp_path / "out" / "workshop.csv")
    assert table[["site", "name", "net", "organisation"]].values.tolist() == [
        [2, "PV roofs", 1, "Transport"],
        [1, "Hub <b>A</b>", 0, "Energy"],
    ]
    events = pyogrio.read_dataframe(gpkg, layer="events")
    assert len(events) == len(room.store.events()) == 9
    assert not events["after"].str.contains("token_sha256").any()  # the session tokens' digests stay in the store
    weights = pd.read_csv(tmp_path / "out" / "workshop_weights.csv")
    assert weights[["criterion", "project", "consensus", "group:Energy"]].values.tolist() == [
        ["c1", 0.2, 0.75, 0.75],
        ["c2", 0.8, 0.25, 0.25],
    ]
    page = (tmp_path / "out" / "workshop.html").read_text(encoding="utf-8")
    assert "Hub &lt;b&gt;A&lt;/b&gt;" in page and "<b>A</b>" not in page
    assert "<td>+1 / −0</td>" in page and "<td>+0 / −1</td>" in page  # Hub A: Energy for, Transport against


def test_the_sites_are_a_solution_source(tmp_path: Path):
    room = _decided(tmp_path / "room.sqlite")
    export_workshop(room, tmp_path / "out")
    loaded = scmap.read_solutions(tmp_path / "out" / "workshop.gpkg", layer="sites", id="site_id")
    assert len(loaded.rejected) == 0
    assert sorted(loaded.gdf["solution"]) == ["ev_charging", "rooftop_pv"]
    assert set(loaded.gdf["status"]) == {"candidate"}
    assert sorted(loaded.gdf["name"]) == ["Hub <b>A</b>", "PV roofs"]


def test_room_of_refuses_what_is_not_a_store(tmp_path: Path):
    with pytest.raises(scmap.InputError, match="no workshop store here"):
        room_of(tmp_path / "missing.sqlite")
    open_store(tmp_path / "empty.sqlite").close()
    with pytest.raises(scmap.InputError, match="not a workshop store"):
        room_of(tmp_path / "empty.sqlite")


def _real_room(demo_pack: Path, store: Path) -> Room:
    """A room over the demo's own map: two participants, two sites, votes, a comment, weights."""
    import shutil

    from scmap.server import open_workshop

    pack = store.parent / "pack"
    shutil.copytree(demo_pack, pack)
    room = open_workshop(pack, store=store).room
    a, b = join(room, "Ana", "Energy"), join(room, "Boris", "Transport")
    s1 = propose(room, a, "Charging hub at Serdika")
    s2 = propose(room, b, "Mobility island", type="mobility_island", geometry=point(23.30, 42.70))
    vote(room, a, s1, 1)
    vote(room, b, s1, -1)
    vote(room, b, s2, 1)
    room.change(b, {"kind": "comment", "change_id": cid(), "site": s1, "text": "Parking is scarce"})
    weights = {"pop_density": 0, "metro_access": 1, "stops": 0}
    room.change(a, {"kind": "weights", "change_id": cid(), "model": "ev_charging", "weights": weights})
    return room


def test_scmap_run_adds_what_the_room_decided(demo_pack: Path, tmp_path: Path):
    import yaml
    from click.testing import CliRunner

    from scmap.cli.main import cli
    from scmap.project.datasets import copy_demo

    store = tmp_path / "room" / "workshop.sqlite"
    store.parent.mkdir()
    room = _real_room(demo_pack, store)
    expected = summary(room)["weights"]["ev_charging"]["ranking"][:3]
    project = copy_demo(tmp_path / "city")
    spec = yaml.safe_load(project.read_text(encoding="utf-8"))
    spec["workshop"] = {"store": str(store)}
    project.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    result = CliRunner().invoke(cli, ["run", str(project), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    out = tmp_path / "out"
    assert {"workshop.gpkg", "workshop.csv", "workshop_weights.csv", "workshop.html"} <= {p.name for p in out.iterdir()}
    report = (out / "report.html").read_text(encoding="utf-8")
    section = report[
        report.index('<section class="workshop">') : report.index("</section>", report.index('class="workshop"'))
    ]
    assert "2 participants, 2 sites in play." in section
    assert section.index("Mobility island") < section.index("Charging hub at Serdika")  # +1 before 0
    assert "Districts under the consensus weights" not in section  # the report's own words are its headings
    for row in expected:  # the districts ranked under the consensus (metro access only), with their project rank
        assert f"<td>{row['rank']}</td>\n      <td>{row['title']}</td>\n      <td>{row['project_rank']}</td>" in section
    atlas = subprocess_text(["pdftotext", "-layout", str(out / "atlas.pdf"), "-"])
    assert "Workshop: proposed sites and their support" in atlas and "Mobility island" in atlas
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert "workshop.gpkg" in manifest["files"]
    again = CliRunner().invoke(cli, ["run", str(project), "-o", str(out), "--overwrite"])
    assert again.exit_code == 0, again.output  # a pack with the workshop's files is still replaced whole


def test_a_pack_that_holds_the_rooms_store_is_not_replaced(demo_pack: Path, tmp_path: Path):
    """``scmap workshop serve PACK`` keeps the room's store in the pack; running the project into
    that folder again would delete it with the old pack. Refused, from the command line and from
    Python, saying how to put the room's decisions into a new pack; nothing is touched."""
    import shutil

    from click.testing import CliRunner

    from scmap.cli.main import cli
    from scmap.errors import OutputError
    from scmap.server import open_workshop

    pack = tmp_path / "pack"
    shutil.copytree(demo_pack, pack)
    room = open_workshop(pack).room
    propose(room, join(room, "Ana", "Energy"), "Charging hub at Serdika")
    before = {p.name: p.read_bytes() for p in pack.iterdir()}
    assert "workshop.sqlite" in before
    result = CliRunner().invoke(cli, ["run", str(scmap.demo_project_path()), "-o", str(pack), "--overwrite"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "holds workshop.sqlite, the workshop room's store" in result.output
    assert f"(workshop: store: {(pack / 'workshop.sqlite').resolve()})" in result.output
    with pytest.raises(OutputError, match="the workshop room's store"):
        scmap.run(scmap.demo_project_path()).save(pack, overwrite=True)
    assert {p.name: p.read_bytes() for p in pack.iterdir()} == before
    assert [s["title"] for s in summary(room_of(pack / "workshop.sqlite"))["sites"]] == ["Charging hub at Serdika"]


def subprocess_text(command: list[str]) -> str:
    import shutil
    import subprocess

    if shutil.which(command[0]) is None:
        pytest.skip(f"{command[0]} is not installed")
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def test_a_store_not_there_yet_is_a_warning(tmp_path: Path):
    import dataclasses

    from scmap.errors import ScmapWarning
    from scmap.project.datasets import copy_demo

    project = scmap.load_project(copy_demo(tmp_path / "city"))
    spec = project.spec.model_copy(
        update={"workshop": project.spec.workshop.model_copy(update={"store": "later.sqlite"})}
    )
    results = scmap.run(dataclasses.replace(project, spec=spec))
    with pytest.warns(ScmapWarning, match="no such store yet"):
        assert results.workshop() is None


def test_cli_export(demo_pack: Path, tmp_path: Path):
    from click.testing import CliRunner

    from scmap.cli.main import cli

    store = tmp_path / "room" / "workshop.sqlite"
    store.parent.mkdir()
    _real_room(demo_pack, store).store.close()
    result = CliRunner().invoke(cli, ["workshop", "export", str(store), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str((tmp_path / "out").resolve())
    assert pd.read_csv(tmp_path / "out" / "workshop.csv")["name"].tolist() == [
        "Mobility island",
        "Charging hub at Serdika",
    ]
    missing = CliRunner().invoke(cli, ["workshop", "export", str(tmp_path / "nope.sqlite"), "-o", str(tmp_path / "o2")])
    assert missing.exit_code == 1 and "no workshop store here" in missing.output
    for sub in (["workshop", "--help"], ["workshop", "serve", "--help"], ["workshop", "export", "--help"]):
        shown = CliRunner().invoke(cli, sub)
        assert shown.exit_code == 0 and "Example:" in shown.output and "scmap workshop" in shown.output


def test_one_person_cannot_fill_the_room(tmp_path: Path):
    store = open_store(tmp_path / "room.sqlite")
    room = Room(store, limits=Limits(sites_per_person=2, comments_per_person=1, people=2))
    a = join(room, "Ana", "Energy")
    site = propose(room, a, "One")
    propose(room, a, "Two")
    refused(409, "workshop.too_many_sites", propose, room, a, "Three")
    room.change(a, {"kind": "comment", "change_id": cid(), "site": site, "text": "first"})
    refused(
        409,
        "workshop.too_many_comments",
        room.change,
        a,
        {"kind": "comment", "change_id": cid(), "site": site, "text": "second"},
    )
    join(room, "Boris", "Transport")
    refused(409, "workshop.room_full", room.join, {"code": room.code, "name": "Cveta", "organisation": "Housing"})
