"""The workshop room under a full room's load, on 127.0.0.1: N participants (default 50) join,
each keeps the live stream open, and all of them at once propose sites, vote and comment.

Run: .venv/bin/python benchmarks/bench_workshop.py [--people 50] [--pack demo-out]
Prints the acknowledgement time of a change (median, 95th percentile, worst), how long a change
takes to be in every browser's view (each fetches its view on news, as the page does), the time
of one browser's view of the room, and as the floor in the same run the time of the same number
of bare SQLite commits (WAL, full sync) on the same disk; then the ratios. Bounded: N x 10
changes, every request on 127.0.0.1. First, the room's start: `scmap workshop serve PACK` until
it answers (median of 3), against, in the same run, a Python that only imports the libraries the
room serves with (uvicorn, starlette, pydantic, shapely, numpy, segno).
"""

from __future__ import annotations

import argparse
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import scmap
from _servers import RoomServer, start_room

_COUNTER = iter(range(10**9))


def cid() -> str:
    return f"bench-{next(_COUNTER):010d}"


class Listener(threading.Thread):
    """One participant's browser: its live stream, and on news its view of the room fetched (as the
    page does: one fetch at a time, news arriving meanwhile answered by the next); the time each
    view (by its sequence number) arrived."""

    def __init__(self, base: str, token: str) -> None:
        super().__init__(daemon=True)
        self.base, self.token, self.seen = base, token, {}
        self.ready = threading.Event()

    def run(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        timeout = httpx.Timeout(10, read=None)  # a live stream: it waits for news
        views = httpx.Client(base_url=self.base, headers=headers, timeout=30)
        try:
            with httpx.stream("GET", f"{self.base}/api/events", headers=headers, timeout=timeout) as reply:
                self.ready.set()
                for line in reply.iter_lines():
                    if line.startswith("data:"):
                        self.look(views)
        except httpx.HTTPError:  # the server stopped at the end of the run
            return
        finally:
            views.close()

    def look(self, views: httpx.Client) -> None:
        for _ in range(50):  # a refused view (too many requests) is asked again, as the page does
            reply = views.get("/api/state")
            if reply.status_code == 200:
                self.seen.setdefault(int(reply.json()["seq"]), time.perf_counter())
                return
            time.sleep(float(reply.headers.get("retry-after", 1)))


def join(server: RoomServer, name: str) -> str:
    code = server.urls["participant_url"].rstrip("/").rsplit("/", 1)[1]
    body = {"code": code, "name": name, "organisation": f"Department {int(name[1:]) % 6}"}
    return str(httpx.post(f"{server.base}/api/join", json=body, timeout=30).json()["token"])


def participant(server: RoomServer, token: str, i: int, sites: list[str]) -> list[tuple[float, int, float]]:
    """Two proposals, five votes, three comments, paced as a quick person (10 changes a second at most)."""
    out = []
    with httpx.Client(base_url=server.base, headers={"Authorization": f"Bearer {token}"}, timeout=30) as c:
        for k in range(10):
            if k < 2:
                body = {"kind": "propose", "type": "ev_charging", "title": f"Site {i}.{k}",
                        "geometry": {"type": "Point", "coordinates": [23.3 + i * 1e-3, 42.7 + k * 1e-3]}}  # fmt: skip
            elif k < 7 and sites:
                body = {"kind": "vote", "site": sites[(i * 7 + k) % len(sites)], "value": 1 if (i + k) % 3 else -1}
            else:
                body = {
                    "kind": "comment",
                    "site": sites[(i + k) % len(sites)] if sites else "",
                    "text": f"note {i}.{k}",
                }
            body["change_id"] = cid()
            started = time.perf_counter()
            reply = c.post("/api/change", json=body)
            done = time.perf_counter()
            if reply.status_code == 200:
                out.append((done - started, int(reply.json()["seq"]), done))
                if body["kind"] == "propose":
                    sites.append(body["change_id"])
            time.sleep(0.1)
    return out


def floor_commits(n: int, folder: Path) -> float:
    """n bare SQLite commits (WAL, synchronous=FULL), one row each: the disk's share of an acknowledgement."""
    db = sqlite3.connect(folder / "floor.sqlite", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE e (seq INTEGER PRIMARY KEY, change_id TEXT UNIQUE, body TEXT)")
    started = time.perf_counter()
    for i in range(n):
        db.execute("INSERT INTO e (change_id, body) VALUES (?, ?)", (f"c{i}", '{"kind":"vote","value":1}'))
    seconds = time.perf_counter() - started
    db.close()
    return seconds / n


_ROOM_LIBRARIES = "import numpy, pydantic, segno, shapely, starlette.applications, uvicorn"


def starts(pack: Path, folder: Path, repeat: int = 3) -> None:
    """Print the room's start (until it answers) against its libraries' imports, medians of *repeat*."""
    rooms, bare = [], []
    for i in range(repeat):
        t0 = time.perf_counter()
        start_room(pack, folder / f"start-{i}.sqlite").stop()
        rooms.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", _ROOM_LIBRARIES], check=True)
        bare.append(time.perf_counter() - t0)
    room, floor = float(np.median(rooms)), float(np.median(bare))
    print(f"start of the room until it answers: {room:.2f} s (its libraries: {floor:.2f} s, x{room / floor:.1f})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument("--pack", type=Path, default=None, help="a pack folder (default: the demo's, written now)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="scmap-bench-room-"))
    pack = args.pack or folder / "demo"
    if args.pack is None:
        scmap.run(scmap.demo_project_path()).save(pack)
    starts(pack, folder)
    server = start_room(pack, folder / "room.sqlite")
    try:
        tokens = [join(server, f"p{i}") for i in range(args.people)]
        listeners = [Listener(server.base, t) for t in tokens]
        for listener in listeners:
            listener.start()
            listener.ready.wait(10)
        time.sleep(1)
        sites: list[str] = []
        started = time.perf_counter()
        with ThreadPoolExecutor(args.people) as pool:
            acks = [
                a
                for part in pool.map(lambda it: participant(server, it[1], it[0], sites), enumerate(tokens))
                for a in part
            ]
        wall = time.perf_counter() - started
        time.sleep(1.5)
        report(server, acks, listeners, tokens[0], wall, floor_commits(len(acks), folder))
    finally:
        server.stop()


def report(server: RoomServer, acks: list, listeners: list[Listener], token: str, wall: float, floor: float) -> None:
    ack = np.array([a[0] for a in acks])
    reach = []
    for _, seq, done in acks:  # the last stream to hear of each change (a later number also tells of it)
        heard = [min((t for s, t in lst.seen.items() if s >= seq), default=np.nan) for lst in listeners]
        reach.append(np.nanmax(heard) - done)
    reach_a = np.array(reach)
    with httpx.Client(base_url=server.base, headers={"Authorization": f"Bearer {token}"}, timeout=30) as c:
        views = []
        for _ in range(20):
            t0 = time.perf_counter()
            state = c.get("/api/state").json()
            views.append(time.perf_counter() - t0)
            time.sleep(0.06)
    print(f"{len(listeners)} people, {len(acks)} changes acknowledged in {wall:.1f} s; "
          f"{len(state['sites'])} sites, {len(state['comments'])} comments in the room")  # fmt: skip
    print(f"acknowledgement: median {np.median(ack) * 1e3:.1f} ms, p95 {np.percentile(ack, 95) * 1e3:.1f} ms, "
          f"worst {ack.max() * 1e3:.1f} ms")  # fmt: skip
    print(f"in every browser's view after the acknowledgement: median {np.nanmedian(reach_a) * 1e3:.1f} ms, "
          f"p95 {np.nanpercentile(reach_a, 95) * 1e3:.1f} ms, worst {np.nanmax(reach_a) * 1e3:.1f} ms")  # fmt: skip
    print(f"one browser's view of the room: median {np.median(views) * 1e3:.1f} ms")
    print(f"floor, a bare SQLite commit (WAL, full sync): {floor * 1e3:.2f} ms; "
          f"acknowledgement / floor: {np.median(ack) / floor:.1f}x")  # fmt: skip


if __name__ == "__main__":
    main()
