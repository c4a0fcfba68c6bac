"""The workshop room's server as participants' browsers meet it, a real ``scmap workshop serve``
process on 127.0.0.1: every request authenticated and authorised, writes only from the room's own
page, sizes and rates limited, and no acknowledged change lost to a SIGKILL."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pandas as pd
import pytest

from _servers import PASSWORD, PG_BIN, Postgres, RoomServer, free_port, start_postgres, start_room
from conftest import need
from scmap.workshop import room_of

_N = iter(range(10**6))


def cid() -> str:
    return f"test-change-{next(_N):06d}"


@pytest.fixture(scope="module")
def server(room_pack: Path) -> Iterator[RoomServer]:
    room = start_room(room_pack, room_pack / "workshop.sqlite")
    yield room
    room.stop()


def client(server: RoomServer, token: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=server.base, headers=headers, timeout=10)


def join(server: RoomServer, name: str, organisation: str) -> str:
    code = server.urls["participant_url"].rstrip("/").rsplit("/", 1)[1]
    with client(server) as c:
        reply = c.post("/api/join", json={"code": code, "name": name, "organisation": organisation})
    assert reply.status_code == 200, reply.text
    return str(reply.json()["token"])


def propose(c: httpx.Client, title: str = "Hub", **more) -> httpx.Response:
    body = {
        "kind": "propose",
        "change_id": cid(),
        "type": "ev_charging",
        "title": title,
        "geometry": {"type": "Point", "coordinates": [23.32, 42.69]},
        **more,
    }
    return c.post("/api/change", json=body)


def events(store: Path | str) -> dict[str, int]:
    """The store's change ids and their sequence numbers, read as an export would."""
    room = room_of(store)
    try:
        return {e.change_id: e.seq for e in room.store.events()}
    finally:
        room.store.close()


def test_the_first_line_says_where_the_room_is(server: RoomServer, room_pack: Path):
    assert set(server.urls) == {"facilitator_url", "participant_url", "store"}
    assert server.urls["store"] == str((room_pack / "workshop.sqlite").resolve())
    assert server.urls["participant_url"].startswith("http://127.0.0.1:")
    assert server.urls["facilitator_url"].startswith(server.urls["participant_url"] + "#facilitator=")
    qr = [line for line in server.lines[1:] if "█" in line]  # the QR code, in block characters
    assert len(qr) >= 12 and len({len(line) for line in qr}) == 1


def test_every_request_needs_a_valid_token(server: RoomServer):
    with client(server) as c:
        assert c.get("/api/state").status_code == 401
        assert c.get("/api/events").status_code == 401
        assert propose(c).status_code == 401
        assert c.post("/api/close", json={"change_id": cid()}).status_code == 401
        assert c.get("/w/not-the-code/").status_code == 404
        page = c.get(server.urls["participant_url"])
    assert page.status_code == 200 and "scmap-room" in page.text
    assert server.token not in page.text  # the facilitator's token is never in the shared page
    assert page.headers["referrer-policy"] == "no-referrer" and page.headers["x-frame-options"] == "DENY"
    with client(server, "forged-token") as c:
        refused = c.get("/api/state")
    assert refused.status_code == 403 and "Not signed in" in refused.json()["error"]


def test_joining_needs_the_code_a_name_and_an_organisation(server: RoomServer):
    with client(server) as c:
        assert c.post("/api/join", json={"code": "guess", "name": "Eve", "organisation": "X"}).status_code == 403
        assert c.post("/api/join", json={"code": "guess", "name": "", "organisation": "X"}).status_code == 422
    token = join(server, "Ana", "Energy")
    with client(server, token) as c:
        me = c.get("/api/state").json()["me"]
    assert (me["name"], me["organisation"], me["role"], me["votes_left"]) == ("Ana", "Energy", "participant", 5)


def test_a_participant_cannot_act_for_another_or_as_the_facilitator(server: RoomServer):
    a, b = join(server, "Ana", "Energy"), join(server, "Boris", "Transport")
    with client(server, a) as ca, client(server, b) as cb:
        site = propose(ca).json()["change_id"]
        refused = cb.post("/api/change", json={"kind": "withdraw", "change_id": cid(), "site": site})
        assert refused.status_code == 403 and "Only the person who proposed" in refused.json()["error"]
        for body in ({"kind": "round", "state": "paused"}, {"kind": "hide", "site": site}):
            assert cb.post("/api/change", json={**body, "change_id": cid()}).status_code == 403
        assert cb.post("/api/close", json={"change_id": cid()}).status_code == 403
        assert ca.post("/api/change", json={"kind": "withdraw", "change_id": cid(), "site": site}).status_code == 200


def test_writes_come_only_from_the_rooms_own_page(server: RoomServer):
    token = join(server, "Ana", "Energy")
    body = json.dumps(
        {
            "kind": "propose",
            "change_id": cid(),
            "type": "ev_charging",
            "title": "x",
            "geometry": {"type": "Point", "coordinates": [23.3, 42.7]},
        }
    )
    auth = {"Authorization": f"Bearer {token}"}
    cases = [
        {"Content-Type": "application/json", "Origin": "http://evil.example"},
        {"Content-Type": "text/plain"},  # what a cross-site form can send without asking
        {"Content-Type": "application/json", "Sec-Fetch-Site": "cross-site"},
    ]
    with httpx.Client(base_url=server.base, timeout=10) as c:
        for headers in cases:
            reply = c.post("/api/change", content=body, headers={**auth, **headers})
            assert reply.status_code == 403 and reply.json()["code"] == "workshop.cross_site", headers
        same = c.post(
            "/api/change", content=body, headers={**auth, "Content-Type": "application/json", "Origin": server.base}
        )
    assert same.status_code == 200


def test_sizes_are_limited(server: RoomServer):
    token = join(server, "Ana", "Energy")
    with client(server, token) as c:
        line = {"type": "LineString", "coordinates": [[23 + i * 1e-5, 42.7] for i in range(10_000)]}
        big = propose(c, geometry=line)
        assert (
            big.status_code == 413 and big.json()["error"] == "This shape has 10,000 points; at most 5,000 are allowed"
        )
        huge = c.post(
            "/api/change", content=b"[" + b"1," * 600_000 + b"1]", headers={"Content-Type": "application/json"}
        )
        assert huge.status_code == 413
        assert propose(c, title="t" * 5000).status_code == 422
        assert (
            c.post("/api/change", content=b"{not json", headers={"Content-Type": "application/json"}).status_code == 400
        )


def test_a_flood_gets_a_clear_refusal_not_a_slow_server(server: RoomServer):
    flood, other = join(server, "Flood", "X"), join(server, "Calm", "Y")
    started = time.perf_counter()
    with client(server, flood) as c, ThreadPoolExecutor(8) as pool:  # 100 requests at once
        replies = list(pool.map(lambda _: c.get("/api/state"), range(100)))
    seconds = time.perf_counter() - started
    statuses = [r.status_code for r in replies]
    assert statuses.count(429) >= 40 and statuses.count(200) >= 30, statuses
    for limited in (r for r in replies if r.status_code == 429):
        assert int(limited.headers["retry-after"]) >= 1 and "Too many requests" in limited.json()["error"]
    assert seconds < 20, seconds  # refused at once, not queued
    with client(server, other) as c:
        assert c.get("/api/state").status_code == 200  # one participant's flood does not stop another
    time.sleep(2.2)
    with client(server, flood) as c:
        assert c.get("/api/state").status_code == 200


def test_text_comes_back_as_data(server: RoomServer):
    token = join(server, "<script>alert(1)</script>", "{{7*7}}")
    with client(server, token) as c:
        site = propose(c, title="<img src=x onerror=alert(1)>").json()["change_id"]
        state = c.get("/api/state")
    assert state.headers["content-type"] == "application/json"
    row = next(s for s in state.json()["sites"] if s["id"] == site)
    assert (row["title"], row["author_name"], row["author_organisation"]) == (
        "<img src=x onerror=alert(1)>",
        "<script>alert(1)</script>",
        "{{7*7}}",
    )


def test_sigkill_loses_no_acknowledged_change(room_pack: Path, tmp_path: Path):
    store, port = tmp_path / "kill.sqlite", free_port()
    room = start_room(room_pack, store, port=port)
    token = join(room, "Ana", "Energy")
    sent = []
    with client(room, token) as c:
        for i in range(12):
            reply = propose(c, title=f"Site {i}")
            assert reply.status_code == 200
            sent.append(reply.json())
        for ack in sent[:4]:
            vote = {"kind": "vote", "change_id": cid(), "site": ack["change_id"], "value": 1}
            reply = c.post("/api/change", json=vote)
            assert reply.status_code == 200
            sent.append(reply.json())
    room.kill()  # right after the last acknowledgement
    again = start_room(room_pack, store, port=port)
    try:
        kept = events(store)
        assert all(kept.get(ack["change_id"]) == ack["seq"] for ack in sent)  # all 16, with the numbers acknowledged
        with client(again, token) as c:  # the session survives; a change sent again is not applied twice
            resent = propose(c, title="Site 0", change_id=sent[0]["change_id"])
            state = c.get("/api/state").json()
        assert resent.json() == {**sent[0], "duplicate": True}
        assert len(state["sites"]) == 12 and state["me"]["votes_left"] == 1
        assert again.urls["facilitator_url"] == room.urls["facilitator_url"]  # the same room, the same addresses
    finally:
        again.stop()


@pytest.fixture(scope="module")
def postgres() -> Iterator[Postgres]:
    need((PG_BIN / "initdb").exists(), "PostgreSQL server binaries not installed (postgresql-15)")
    server = start_postgres()
    os.environ["PGPASSWORD"] = PASSWORD
    yield server
    server.stop()
    os.environ.pop("PGPASSWORD", None)


def test_a_postgresql_store_keeps_the_room(room_pack: Path, postgres: Postgres):
    """The same room on a city's PostgreSQL: acknowledged changes survive a SIGKILL, the log is
    append-only there too."""
    import psycopg

    url, port = postgres.url(), free_port()
    room = start_room(room_pack, url, port=port)
    token = join(room, "Ana", "Energy")
    with client(room, token) as c:
        acks = [propose(c, title=f"PG site {i}").json() for i in range(5)]
    room.kill()
    again = start_room(room_pack, url, port=port)
    try:
        assert again.urls["store"] == url and again.urls["facilitator_url"] == room.urls["facilitator_url"]
        with client(again, token) as c:
            titles = sorted(s["title"] for s in c.get("/api/state").json()["sites"])
        assert titles == [f"PG site {i}" for i in range(5)]
        kept = events(url)
        assert all(kept[a["change_id"]] == a["seq"] for a in acks)
    finally:
        again.stop()
    with psycopg.connect(url) as db, pytest.raises(psycopg.errors.RaiseException, match="append-only"):
        db.execute("DELETE FROM scmap_workshop_events")


def test_closing_the_workshop_writes_its_files_and_ends_the_round(room_pack: Path, tmp_path: Path):
    room = start_room(room_pack, tmp_path / "close.sqlite", extra=("-o", str(tmp_path / "decided")))
    try:
        token = join(room, "Ana", "Energy")
        with client(room, token) as c:
            assert propose(c, title="Kept").status_code == 200
            assert c.post("/api/close", json={"change_id": cid()}).status_code == 403
        with client(room, room.token) as f:
            closed = f.post("/api/close", json={"change_id": cid()})
        assert closed.status_code == 200
        assert closed.json()["files"] == ["workshop.csv", "workshop.gpkg", "workshop.html", "workshop_weights.csv"]
        assert pd.read_csv(tmp_path / "decided" / "workshop.csv")["name"].tolist() == ["Kept"]
        with client(room, token) as c:
            late = propose(c, title="Too late")
        assert late.status_code == 409 and late.json()["code"] == "workshop.round_closed"
    finally:
        room.stop()


def test_tls_serves_https_with_a_certificate_made_on_start(room_pack: Path, tmp_path: Path):
    room = start_room(room_pack, tmp_path / "tls.sqlite", extra=("--tls",))
    try:
        assert room.urls["participant_url"].startswith("https://127.0.0.1:")
        for _ in range(100):
            try:
                page = httpx.get(room.urls["participant_url"], verify=False, timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert page.status_code == 200 and "scmap-room" in page.text
        with pytest.raises(httpx.ConnectError):  # it is not a certificate anybody vouches for
            httpx.get(room.urls["participant_url"], timeout=5)
    finally:
        room.stop()


def test_serving_a_project_runs_it_and_keeps_the_store_beside_it(tmp_path: Path):
    """And says what its files' checks said, as ``scmap run`` does: each fact once."""
    import yaml

    from scmap.project.datasets import copy_demo

    project = copy_demo(tmp_path / "city")
    extra = project.parent / "wifi.csv"
    extra.write_text("ref,lon,lat\nin,23.32,42.69\nfar,24.75,42.15\nbad,x,42.7\n", encoding="utf-8")  # far: Plovdiv
    spec = yaml.safe_load(project.read_text(encoding="utf-8"))
    spec["solutions"].append({"path": "wifi.csv", "id": "ref", "solution": "public_wifi"})
    project.write_text(yaml.safe_dump(spec), encoding="utf-8")
    room = start_room(project, None)
    try:
        assert room.urls["store"] == str((tmp_path / "city" / "project.workshop.sqlite").resolve())
        with client(room) as c:
            page = c.get(room.urls["participant_url"])
        assert page.status_code == 200 and "scmapRender(" in page.text and "scmap-room" in page.text
    finally:
        room.stop()
    said = room.log.read_text(encoding="utf-8").splitlines()
    assert [line for line in said if "outside every district" in line] == [
        f"Warning: {extra}: 1 of 2 solutions lies outside every district (kept; the overlap layer 'outside' "
        "lists them): is this the right file for these districts?"
    ]
    assert any(line.startswith(f"Warning: {extra}, layer 'wifi': 1 of 3 rows rejected") for line in said), said


def test_stopping_the_room_keeps_everything_and_says_where(room_pack: Path, tmp_path: Path):
    import signal

    room = start_room(room_pack, tmp_path / "stop.sqlite")
    token = join(room, "Ana", "Energy")
    with client(room, token) as c:
        assert propose(c, title="Kept after Ctrl+C").status_code == 200
    room.process.send_signal(signal.SIGINT)
    assert room.process.wait(timeout=20) == 0
    room.stop()
    assert f"everything is kept in {tmp_path / 'stop.sqlite'}" in room.log.read_text(encoding="utf-8")
    assert len(events(tmp_path / "stop.sqlite")) == 2


def test_a_port_in_use_and_a_folder_without_a_map_are_one_line(room_pack: Path, tmp_path: Path):
    import socket
    import subprocess

    from _servers import SCMAP

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        taken = subprocess.run([SCMAP, "workshop", "serve", str(room_pack), "--store", str(tmp_path / "s.sqlite"),
                                "--port", str(port)], capture_output=True, text=True, timeout=120)  # fmt: skip
    assert taken.returncode == 1 and f"cannot listen on 127.0.0.1:{port}" in taken.stderr
    assert "Traceback" not in taken.stderr and taken.stdout == ""
    empty = tmp_path / "empty"
    empty.mkdir()
    nothing = subprocess.run([SCMAP, "workshop", "serve", str(empty)], capture_output=True, text=True, timeout=120)
    assert nothing.returncode == 1 and "no map.html here" in nothing.stderr


def test_malformed_requests_get_a_clear_answer_not_a_failure(server: RoomServer):
    import socket

    with client(server, server.token) as f:
        for body in ([1, 2], "closed", {"change_id": 7}):
            reply = f.post("/api/close", json=body)
            assert reply.status_code == 422 and reply.json()["code"] == "workshop.bad_change", body
        assert f.post("/api/change", json=[{"kind": "vote"}]).status_code == 422
    host, port = server.base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as raw:
        raw.sendall(b"POST /api/change HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    b"Authorization: Bearer " + server.token.encode() + b"\r\nContent-Length: -5\r\n\r\n")  # fmt: skip
        answer = raw.recv(4096).decode("latin-1")
    assert answer.split(" ")[1] in ("400", "413"), answer[:200]
