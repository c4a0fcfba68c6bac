"""Starting the workshop room.

The map page of a project or pack with the room's code added, the
store opened (and told the models and solution types it needs to stand alone), the addresses
printed, then uvicorn serving until stopped.
"""

from __future__ import annotations

import json
import re
import socket
import sys
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import IO, TYPE_CHECKING

from scmap.core.i18n import Messages, language_messages
from scmap.errors import InputError
from scmap.maps._assets import inline_assets
from scmap.maps._safe import script_json
from scmap.server.app import RoomApp
from scmap.sources._where import is_postgres
from scmap.workshop.scoring import map_models, page_payload
from scmap.workshop.state import Limits, Room
from scmap.workshop.store import PACK_STORE, open_store

if TYPE_CHECKING:
    from scmap.project.inputs import Inputs

__all__ = ["Workshop", "open_workshop", "run_server"]

_PARTS = ("room.js", "room_view.js", "room_popup.js", "room_summary.js")


@dataclass
class Workshop:
    """A room ready to serve: its state, its page, its language, where it exports to."""

    room: Room
    page: str
    msg: Messages
    outdir: Path
    title: str
    inputs: Inputs | None = None
    """The project's checked inputs (their warnings) when the room was opened on a project file."""


@dataclass
class _Source:
    page: str
    msg: Messages
    store: str | Path
    outdir: Path
    votes: int | None = None
    inputs: Inputs | None = None


def _pack_source(pack: Path) -> _Source:
    page_file = pack / "map.html"
    if not page_file.is_file():
        raise InputError(f"{pack}: no map.html here; give a pack folder written by scmap run, or a project file")
    page = page_file.read_text(encoding="utf-8")
    if "reg.onSketch" not in page:
        raise InputError(
            f"{page_file}: written by an older scmap, without the workshop room's hooks; "
            "write the pack again (scmap run) or serve the project file"
        )
    lang = re.search(r'<html lang="([^"]+)"', page)
    msg = language_messages(lang.group(1) if lang else "en")
    return _Source(page, msg, pack / PACK_STORE, pack / "workshop")


def _project_source(path: Path) -> _Source:
    """A project, run now; its ``workshop:`` keys give the store and the votes."""
    from scmap.maps.export import render_html
    from scmap.pipeline.results import run
    from scmap.project._paths import resolve_path
    from scmap.project.load import load_project

    project = load_project(path)
    spec = project.spec.workshop
    store: str | Path = path.with_suffix(".workshop.sqlite")
    if spec.store:
        store = spec.store if is_postgres(spec.store) else resolve_path(spec.store, project.root)
    results = run(project)
    page = render_html(results.map(), inline=True)
    outdir = path.parent / f"{path.stem}-workshop"
    return _Source(page, project.messages, store, outdir, spec.votes_per_person, results.inputs)


def open_workshop(
    source: str | Path,
    *,
    store: str | Path | None = None,
    votes_per_person: int | None = None,
    outdir: str | Path | None = None,
) -> Workshop:
    """Open the room for a pack folder or project file.

    The room for a pack folder or project file (see :func:`run_server`): its store is *store*,
    else the project's ``workshop.store``, else ``workshop.sqlite`` in the pack or
    ``PROJECT.workshop.sqlite`` beside the project.
    """
    src = Path(source).expanduser()
    if not src.exists():
        raise InputError(f"{src}: no such pack folder or project file")
    found = _pack_source(src) if src.is_dir() else _project_source(src)
    payload = page_payload(found.page)
    where = open_store(store if store is not None else found.store)
    kept = where.get("votes_per_person")
    votes = votes_per_person or found.votes or (int(kept) if kept else 5)
    for key, value in (
        ("votes_per_person", votes),
        ("models", map_models(found.page)),
        ("language", found.msg.language),
        ("types", payload.get("sketch_types", [])),
        ("title", str(payload.get("title") or src.stem)),
    ):
        where.put(key, value)
    room = Room(where, limits=Limits(votes_per_person=votes))
    out = Path(outdir).expanduser() if outdir else found.outdir
    return Workshop(room, inline_assets(found.page), found.msg, out, str(where.get("title")), found.inputs)


def room_page(ws: Workshop, participant_url: str) -> str:
    """The map page with the room's settings, words, styles and code added before ``</body>``."""
    import segno

    qr = segno.make(participant_url, error="m").svg_data_uri(scale=4, border=2)
    texts = {k: v for k, v in ws.msg.texts.items() if k.startswith("room.")}
    cfg = {
        "code": ws.room.code,
        "participant_url": participant_url,
        "qr": qr,
        "texts": texts,
        "types": ws.room.store.get("types") or [],
    }
    here = resources.files("scmap.server")
    code = "\n".join(here.joinpath(p).read_text(encoding="utf-8") for p in _PARTS)
    style = here.joinpath("room.css").read_text(encoding="utf-8")
    start = "window.addEventListener('load', function () { window.scmapWorkshop(window.scmap._registry); });"
    added = (
        f'<script type="application/json" id="scmap-room">{script_json(cfg)}</script>\n<style>{style}</style>\n'
        f"<script>{code}\n{start}</script>\n"
    )
    at = ws.page.rfind("</body>")
    return ws.page[:at] + added + ws.page[at:] if at >= 0 else ws.page + added


def _lan_address() -> str:
    """Return this machine's address on the room's network (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))
            return str(s.getsockname()[0])
        except OSError:
            return "127.0.0.1"


def _certificate(folder: Path, host: str) -> tuple[str, str]:
    """A self-signed certificate for *host* (made on start; browsers ask once to trust it)."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "scmap workshop")])
    try:
        alt: x509.GeneralName = x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        alt = x509.DNSName(host)
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=7))
        .add_extension(x509.SubjectAlternativeName([alt]), False)
        .sign(key, hashes.SHA256())
    )
    key_file, cert_file = folder / "key.pem", folder / "cert.pem"
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return str(key_file), str(cert_file)


def _socket(host: str, port: int | None) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port or 0))
    except OSError as err:
        sock.close()
        raise InputError(f"cannot listen on {host}:{port or 0} ({err.strerror or err}); try another --port") from err
    sock.listen(128)
    return sock


def run_server(
    ws: Workshop, *, host: str = "127.0.0.1", port: int | None = None, tls: bool = False, out: IO[str] | None = None
) -> None:
    """Serve *ws* until stopped.

    Serve *ws* until stopped: first line on *out* (stdout) a JSON object with the facilitator
    and participant addresses and the store, then the participant address as a QR code.
    """
    import segno
    import uvicorn

    from scmap.server.app import make_app

    out = out or sys.stdout
    sock = _socket(host, port)
    shown = _lan_address() if host in ("0.0.0.0", "") else host  # noqa: S104 (the address shown, not bound)
    scheme = "https" if tls else "http"
    base = f"{scheme}://{shown}:{sock.getsockname()[1]}/w/{ws.room.code}/"
    ssl: dict[str, str] = {}
    if tls:
        ssl_dir = Path(tempfile.mkdtemp(prefix="scmap-tls-"))
        ssl["ssl_keyfile"], ssl["ssl_certfile"] = _certificate(ssl_dir, shown)
    from scmap.outputs.workshop import export_workshop

    def close() -> list[str]:
        return sorted(export_workshop(ws.room, ws.outdir, overwrite=True))

    app = RoomApp(ws.room, room_page(ws, base), ws.msg, on_close=close)
    urls = {
        "facilitator_url": f"{base}#facilitator={ws.room.facilitator_token}",
        "participant_url": base,
        "store": ws.room.store.location,
    }
    out.write(json.dumps(urls) + "\n")
    segno.make(base, error="m").terminal(out=out, compact=True)  # type: ignore[arg-type]
    out.write(ws.msg("room.serving", url=base) + "\n")
    out.flush()
    config = uvicorn.Config(make_app(app), log_level="warning", access_log=False, lifespan="off", **ssl)  # type: ignore[arg-type]
    uvicorn.Server(config).run(sockets=[sock])
