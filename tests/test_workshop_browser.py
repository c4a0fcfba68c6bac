"""The workshop room in the browser: a real ``scmap workshop serve`` on 127.0.0.1 and several
Chromium contexts at once (a facilitator and participants), every outside request blocked."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import scmap
from _servers import RoomServer, free_port, start_room
from scmap.project.load import with_map
from scmap.workshop import room_of
from test_i18n import _english_left

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def room(room_pack: Path) -> Iterator[RoomServer]:
    server = start_room(room_pack, room_pack / "workshop.sqlite", extra=("--votes-per-person", "2"))
    yield server
    server.stop()


def open_room(browser: Any, url: str, name: str | None = None, organisation: str | None = None) -> Any:
    """A new browser (context) at *url*; a participant joins with *name* and *organisation*."""
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    local = url.split("/w/")[0]
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(local) else r.abort())
    page = context.new_page()
    page.scmap_errors = []
    page.on("pageerror", lambda exc: page.scmap_errors.append(str(exc)))
    page.goto(url)
    if name is not None:
        page.wait_for_selector(".scmap-room-join")
        assert (
            page.get_by_label("Your name").is_visible() and page.get_by_label("Organisation or department").is_visible()
        )
        page.get_by_label("Your name").fill(name)
        page.get_by_label("Organisation or department").fill(organisation or "")
        page.get_by_role("button", name="Join").click()
    page.wait_for_function("window.scmapRoom && window.scmapRoom.view && window.scmapRoom.online")
    return page


def sketch_point(page: Any, title: str, reason: str, x: int = 420, y: int = 420) -> float:
    """Propose a point through the map's own sketch tool; the time of the click on Add."""
    page.evaluate("window.scmap.map.closePopup()")  # a site's popup open there would take the click
    page.wait_for_selector(".leaflet-popup", state="detached")
    page.evaluate("window.scmap._registry.sketchButton.click()")
    page.mouse.click(x, y)
    form = page.locator(".scmap-sketch-form")
    form.locator("select").select_option("ev_charging")
    form.locator("input[name=name]").fill(title)
    form.locator("input[name=note]").fill(reason)
    started = time.perf_counter()
    form.locator("button[type=submit]").click()
    page.evaluate("window.scmap._registry.sketchButton.click()")  # leave sketching
    form.wait_for(state="detached")
    return started


def seen_within(page: Any, js: str, arg: Any, started: float, seconds: float = 1.0) -> float:
    page.wait_for_function(js, arg=arg, timeout=5000)
    took = time.perf_counter() - started
    assert took <= seconds, f"seen after {took:.2f} s"
    return took


AUTHOR_STATE = """(id) => ({queue: window.scmapRoom.queue, notice: window.scmapRoom.notice.textContent,
  editing: window.scmapRoom.editing, site: window.scmapRoom.site(id), online: window.scmapRoom.online})"""


def site_id(page: Any, title: str) -> str:
    return str(page.evaluate("(t) => window.scmapRoom.view.sites.filter(s => s.title === t)[0].id", title))


def open_popup(page: Any, sid: str) -> Any:
    page.evaluate("(id) => window.scmapRoom.open(id)", sid)
    return page.wait_for_selector(f".scmap-room-popup[data-site='{sid}']")


_FETCH = """([path, body, token]) => {
    const headers = token ? {Authorization: "Bearer " + window.scmapRoom.token} : {};
    if (body === null) { return fetch(path, {headers}).then(r => r.status); }
    headers["Content-Type"] = "application/json";
    return fetch(path, {method: "POST", headers, body: JSON.stringify(body)}).then(r => r.status);
}"""


def vote_in(page: Any, sid: str, how: str) -> None:
    """Open the site's popup and press its support or oppose button (found again if the popup was rebuilt)."""
    open_popup(page, sid)
    page.locator(f".scmap-room-popup[data-site='{sid}'] .scmap-room-{how}").click()


def api(page: Any, path: str, body: Any = None, token: bool = True) -> int:
    return int(page.evaluate(_FETCH, [path, body, token]))


def test_three_browsers_share_one_live_room(browser: Any, room: RoomServer):
    fac = open_room(browser, room.urls["facilitator_url"])
    a = open_room(browser, room.urls["participant_url"], "Ana", "Energy")
    b = open_room(browser, room.urls["participant_url"], "Boris", "Transport")
    assert "#facilitator" not in fac.url  # the token left the address bar (and the projector)
    fac.wait_for_function("window.scmapRoom.view.connected.length === 3")
    assert fac.inner_text(".scmap-room-summary .scmap-room-no-sites") == "none"  # not two tables of headings only
    assert fac.locator(".scmap-room-by-support").count() == 0
    assert fac.locator(".scmap-room-summary > .scmap-room-none").all_inner_texts() == ["none", "none"]  # no bullet
    assert fac.locator(".scmap-room-disagreements").count() == 0

    # a site proposed in one browser appears in the other two within a second
    hostile = 'Hub <img src=x onerror="window.__pwned=1">'
    started = sketch_point(a, hostile, "next to the metro exit")
    for other in (b, fac):
        seen_within(other, "(t) => window.scmapRoom.view.sites.some(s => s.title === t)", hostile, started)
    sid = site_id(b, hostile)
    b.wait_for_function(
        "(id) => window.scmapRoom.markers[id] && window.scmap.map.hasLayer(window.scmapRoom.markers[id])", arg=sid
    )
    assert hostile in b.inner_text(".scmap-room-sites")  # as text, in the list
    # a vote propagates: the facilitator's summary has it per department
    vote_in(b, sid, "support")
    started = time.perf_counter()
    seen_within(a, "(id) => window.scmapRoom.site(id).support === 1", sid, started)
    seen_within(
        fac, "(id) => window.scmapRoom.view.summary.sites.some(s => s.id === id && s.support === 1)", sid, started
    )
    by_department = fac.inner_text(".scmap-room-by-department")
    assert "Transport +1 / −0" in by_department
    # a comment propagates, into the popup the other has open
    open_popup(a, sid)
    open_popup(b, sid)
    b.locator(f".scmap-room-popup[data-site='{sid}'] textarea").fill("Parking is scarce there <b>really</b>")
    started = time.perf_counter()
    b.locator(f".scmap-room-popup[data-site='{sid}'] .scmap-room-comment-form button").click()
    seen_within(
        a,
        "() => document.querySelector('.scmap-room-popup') && "
        "document.querySelector('.scmap-room-popup').textContent.includes('Parking is scarce there <b>really</b>')",
        None,
        started,
    )
    assert a.query_selector(".scmap-room-popup b") is None

    # B cannot withdraw A's site: no button, and the server refuses
    assert open_popup(b, sid).query_selector(".scmap-room-withdraw") is None
    assert open_popup(a, sid).query_selector(".scmap-room-withdraw") is not None
    assert api(b, "/api/change", {"kind": "withdraw", "change_id": "b-tries-0001", "site": sid}) == 403
    assert api(b, "/api/state", token=False) == 401

    # the vote limit (2 here) holds in the page and on the server
    sketch_point(a, "Second hub", "at the park", 560, 460)
    sketch_point(a, "Third hub", "at the school", 640, 360)
    b.wait_for_function("window.scmapRoom.view.sites.length === 3")
    vote_in(b, site_id(b, "Second hub"), "support")
    b.wait_for_function("window.scmapRoom.view.me.votes_left === 0")
    vote_in(b, site_id(b, "Third hub"), "oppose")
    b.wait_for_function(
        "document.querySelector('.scmap-room-notice').textContent.includes('You have used your 2 votes')"
    )
    assert b.evaluate("window.scmapRoom.view.sites.filter(s => s.title === 'Third hub')[0].oppose") == 0
    assert "votes left: 0 of 2" in b.inner_text(".scmap-room-status")

    # the facilitator's summary: sites by support, by department, consensus weights
    fac.wait_for_function("window.scmapRoom.view.summary.sites.length === 3")
    assert fac.inner_text(".scmap-room-by-support").count("#") == 3
    rows = fac.eval_on_selector_all(".scmap-room-by-department tr", "trs => trs.map(tr => tr.innerText)")
    first = next(r for r in rows if "Second hub" in r)  # B (Transport) for it, nobody from Energy voted
    assert "Transport +1 / −0" in first and "Energy" not in first
    assert "No weight set saved yet" in fac.inner_text(".scmap-room-summary")  # nobody saved weights yet
    assert all(p.evaluate("window.__pwned") is None for p in (a, b, fac))
    assert [p.scmap_errors for p in (a, b, fac)] == [[], [], []]
    for p in (a, b, fac):
        p.context.close()


def test_group_weights_reach_the_facilitators_consensus(browser: Any, room: RoomServer):
    fac = open_room(browser, room.urls["facilitator_url"])
    c = open_room(browser, room.urls["participant_url"], "Cveta", "Housing")
    c.get_by_role("button", name="Weights").first.click()  # the map's weights panel, on its first model
    assert c.evaluate("window.scmap._registry.panelModel.key") == "ev_charging"
    c.evaluate("window.scmap.setWeights('ev_charging', {pop_density: 1, metro_access: 0, stops: 0})")
    c.click(".scmap-room-weights")
    fac.wait_for_function("window.scmapRoom.view.summary.weights.ev_charging.sets >= 1")
    crit = fac.evaluate("window.scmapRoom.view.summary.weights.ev_charging.criteria")
    assert crit[0]["groups"]["Housing"] == 1.0 and crit[1]["groups"]["Housing"] == 0.0
    assert "consensus of 1 weight set" in fac.inner_text(".scmap-room-summary")
    assert len(fac.query_selector_all(".scmap-room-reranked tr")) == 11  # the heading and ten districts
    for p in (c, fac):
        p.context.close()


def test_a_browser_offline_meanwhile_sends_its_changes_once(browser: Any, room_pack: Path, tmp_path: Path):
    store, port = tmp_path / "offline.sqlite", free_port()
    server = start_room(room_pack, store, port=port)
    page = open_room(browser, server.urls["participant_url"], "Dora", "Water")
    sketch_point(page, "Before the crash", "sent and acknowledged")
    page.wait_for_function("window.scmapRoom.queue.length === 0 && window.scmapRoom.view.sites.length === 1")
    server.kill()
    page.wait_for_function("!window.scmapRoom.online")
    sketch_point(page, "While the server is down", "queued", 560, 460)
    sid = site_id(page, "Before the crash")
    page.evaluate("(id) => window.scmapRoom.send({kind: 'vote', site: id, value: 1})", sid)
    page.evaluate("(id) => window.scmapRoom.send({kind: 'comment', site: id, text: 'queued too'})", sid)
    assert page.evaluate("window.scmapRoom.queue.length") == 3
    assert "3 changes waiting to be sent" in page.inner_text(".scmap-room-status")
    queued = page.evaluate("window.scmapRoom.queue.map(c => c.change_id)")
    assert (
        page.evaluate("JSON.parse(localStorage.getItem(window.scmapRoom.queueKey())).length") == 3
    )  # survives a reload
    again = start_room(room_pack, store, port=port)
    try:
        page.wait_for_function("window.scmapRoom.online && window.scmapRoom.queue.length === 0", timeout=15000)
        page.wait_for_function("window.scmapRoom.view.sites.length === 2")
        kept = room_of(store)
        ids = [e.change_id for e in kept.store.events()]
        kept.store.close()
        assert all(ids.count(c) == 1 for c in queued) and len(ids) == 5  # join, the first site, the three queued
    finally:
        page.context.close()
        again.stop()


_ROOM_TEXT = """() => {
    const parts = Array.from(document.querySelectorAll('.scmap-room-panel, .scmap-room-popup'));
    return parts.flatMap(p => p.innerText.split('\\n')).concat(parts.flatMap(p =>
        Array.from(p.querySelectorAll('[title],[placeholder],[aria-label],img[alt]')).flatMap(e =>
            [e.title, e.placeholder, e.getAttribute('aria-label'), e.alt]))).filter(Boolean);
}"""


def test_the_room_speaks_the_maps_language(browser: Any, tmp_path: Path):
    project = with_map(scmap.load_project(scmap.demo_project_path()), language="es")
    pack = tmp_path / "es"
    scmap.run(project).save(pack)
    server = start_room(pack, pack / "workshop.sqlite")
    try:
        context = browser.new_context()
        context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(server.base) else r.abort())
        page = context.new_page()
        page.goto(server.urls["participant_url"])
        page.wait_for_selector(".scmap-room-join")
        assert page.inner_text(".scmap-room-join h2") == "Unirse al taller"
        page.get_by_label("Su nombre").fill("Elena")
        page.get_by_label("Organización o departamento").fill("Movilidad")
        page.get_by_role("button", name="Unirse").click()
        page.wait_for_function("window.scmapRoom && window.scmapRoom.view && window.scmapRoom.online")
        assert "votos restantes: 5 de 5" in page.inner_text(".scmap-room-status")
        # no site yet: a sentence, not rank 1. Found and styled in one step: a re-render between a
        # locator's lookup and its evaluate would hand over a detached <li>, whose computed style is ''
        page.wait_for_selector(".scmap-room-sites .scmap-room-empty")
        marker = "getComputedStyle(document.querySelector('.scmap-room-sites .scmap-room-empty')).listStyleType"
        assert page.evaluate(marker) == "none"
        assert page.get_attribute(".scmap-room-panel", "aria-label") == "Sala del taller"
        page.evaluate("window.scmapRoom.send({kind: 'round', state: 'paused'})")
        page.wait_for_function("document.querySelector('.scmap-room-notice').textContent.length > 0")
        assert page.inner_text(".scmap-room-notice") == "Solo la moderación puede hacer esto"
        page.evaluate("""() => window.scmap.onSketch([window.scmap.map.getCenter()],
            {name: 'Punto de recarga', solution: 'ev_charging', note: 'cerca del metro'}, 'point')""")
        page.wait_for_function("window.scmapRoom.view.sites.length === 1")
        page.evaluate("window.scmapRoom.open(window.scmapRoom.view.sites[0].id)")
        page.locator(".scmap-room-popup").wait_for()
        fac = context.new_page()
        fac.goto(server.urls["facilitator_url"])
        fac.wait_for_function("window.scmapRoom && window.scmapRoom.view && window.scmapRoom.view.summary")
        fac.evaluate("document.querySelectorAll('.scmap-room-panel details').forEach(d => d.open = true)")
        fac.evaluate("window.scmapRoom.open(window.scmapRoom.view.sites[0].id)")
        fac.locator(".scmap-room-popup").wait_for()
        seen = [line for p in (page, fac) for line in p.evaluate(_ROOM_TEXT) if line.strip()]
        data = ("Punto de recarga", "cerca del metro", "Elena", "Movilidad", server.urls["participant_url"])
        districts = tuple(fac.evaluate("window.scmapRoom.view.summary.weights.ev_charging.ranking.map(r => r.title)"))
        assert _english_left(seen, "es", data + districts) == []  # no English left in the room's words
        context.close()
    finally:
        server.stop()


def test_on_a_phone_the_site_opens_below_the_map(browser: Any, room: RoomServer):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(room.base) else r.abort())
    page = context.new_page()
    page.goto(room.urls["participant_url"])
    page.get_by_label("Your name").fill("Emil")
    page.get_by_label("Organisation or department").fill("Citizens")
    page.get_by_role("button", name="Join").click()
    page.wait_for_function("window.scmapRoom && window.scmapRoom.view && window.scmapRoom.online")
    page.evaluate("""() => window.scmap.onSketch([window.scmap.map.getCenter()],
        {name: 'Phone site', solution: 'public_wifi', note: 'from the bus stop'}, 'point')""")
    page.wait_for_function("window.scmapRoom.view.sites.some(s => s.title === 'Phone site')")
    sid = site_id(page, "Phone site")
    number = page.evaluate("(id) => window.scmapRoom.site(id).n", sid)
    page.evaluate("(id) => window.scmapRoom.open(id)", sid)  # in view; then as a person would: tap its number
    page.evaluate("document.querySelector('.scmap-room-detail').textContent = ''")
    badge = page.locator(".scmap-room-badge", has_text=f"#{number}").first
    badge.click()
    detail = page.locator(f".scmap-room-detail .scmap-room-popup[data-site='{sid}']")
    detail.wait_for()
    assert page.query_selector(".leaflet-popup") is None  # nothing over the small map
    map_box, panel_box = page.locator(".folium-map").bounding_box(), page.locator(".scmap-room-panel").bounding_box()
    assert panel_box["y"] >= map_box["y"] + map_box["height"] - 1  # the panel is below the map
    page.locator(".scmap-room-detail .scmap-room-support").click()
    page.wait_for_function("(id) => window.scmapRoom.site(id).my_vote === 1", arg=sid)
    assert page.locator(".scmap-room-detail .scmap-room-support").get_attribute("aria-pressed") == "true"
    assert not page.locator(".scmap-minimap").is_visible()
    context.close()


def test_an_area_is_proposed_and_edited_by_its_author(browser: Any, room: RoomServer):
    a = open_room(browser, room.urls["participant_url"], "Filip", "Parks")
    b = open_room(browser, room.urls["participant_url"], "Gala", "Schools")
    a.evaluate("window.scmap.map.closePopup()")
    a.evaluate("window.scmap._registry.sketchButton.click()")
    a.locator(".scmap-shape-area").click()
    for x, y in ((380, 380), (480, 380), (480, 470)):
        a.mouse.click(x, y)
    a.mouse.dblclick(400, 470)
    form = a.locator(".scmap-sketch-form")
    form.locator("select").select_option("rooftop_pv")
    form.locator("input[name=name]").fill("PV on the depot roofs")
    form.locator("button[type=submit]").click()
    a.evaluate("window.scmap._registry.sketchButton.click()")
    b.wait_for_function("window.scmapRoom.view.sites.some(s => s.title === 'PV on the depot roofs')")
    sid = site_id(b, "PV on the depot roofs")
    shape = b.evaluate("(id) => window.scmapRoom.site(id).geometry", sid)
    assert shape["type"] == "Polygon" and len(shape["coordinates"][0]) == 5  # four corners, closed
    assert (
        b.locator(".scmap-room-badge", has_text=str(b.evaluate("(id) => window.scmapRoom.site(id).n", sid))).count()
        == 1
    )
    assert open_popup(b, sid).query_selector(".scmap-room-edit-open") is None  # only its author edits it
    open_popup(a, sid)
    a.locator(f".scmap-room-popup[data-site='{sid}'] .scmap-room-edit-open").click()
    a.get_by_label("Title").fill("PV on the bus depot roofs")
    a.get_by_label("Reason").fill("large flat roofs, owned by the city")
    assert a.get_by_label("Title").input_value() == "PV on the bus depot roofs"  # still the form that was typed in
    started = time.perf_counter()
    a.get_by_role("button", name="Save", exact=True).click()
    try:
        seen_within(b, "(id) => window.scmapRoom.site(id).title === 'PV on the bus depot roofs'", sid, started)
    except Exception as err:  # say what the author's page knew, so a miss is diagnosable
        knew = a.evaluate(AUTHOR_STATE, sid)
        raise AssertionError(f"the edit did not reach the other participant: {err}; author's page: {knew}") from err
    assert b.evaluate("(id) => window.scmapRoom.site(id).reason", sid) == "large flat roofs, owned by the city"
    for p in (a, b):
        p.context.close()
