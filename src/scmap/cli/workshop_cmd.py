"""``scmap workshop``: the live workshop room (``serve``) and its outcome as files (``export``)."""

from __future__ import annotations

from pathlib import Path

import click

from scmap.cli.options import echo_warnings, one_warning_per_fact, outdir_opt, overwrite_opt


@click.command("serve")
@click.argument("source", type=click.Path(exists=True, path_type=Path), metavar="PROJECT|PACKDIR")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; 0.0.0.0 lets phones and laptops on the room's network join.",
)
@click.option("--port", type=click.IntRange(0, 65535), default=0, help="Port (default: a free one).")
@click.option(
    "--store",
    default=None,
    metavar="PATH|URL",
    help="The room's store: a SQLite file or postgresql://... (default: workshop.sqlite in the pack, "
    "or PROJECT.workshop.sqlite beside the project; workshop.store in the project).",
)
@click.option(
    "--votes-per-person",
    type=click.IntRange(1, 1000),
    default=None,
    help="Votes each participant may give (workshop.votes_per_person; default 5).",
)
@click.option("--tls", is_flag=True, help="Serve https with a self-signed certificate made on start.")
@click.option(
    "-o",
    "--outdir",
    type=click.Path(path_type=Path),
    default=None,
    help="Where closing the workshop writes its files (default: workshop/ in the pack, "
    "or PROJECT-workshop/ beside the project).",
)
def serve(
    source: Path, host: str, port: int, store: str | None, votes_per_person: int | None, tls: bool, outdir: Path | None
) -> None:
    """Serve the live, shared workshop map for the room.

    Serve the workshop map of a PROJECT (run first) or of a pack folder as one live, shared map
    for the room: participants join on their phones or laptops, propose sites, comment, vote and
    save their group's weights; the facilitator runs the rounds and sees the summary. The first
    line on stdout is JSON with the facilitator's and participants' addresses and the store; a QR
    code of the participants' address follows. Every acknowledged change is on disk: after a crash,
    start again on the same store.

    \b
    Example:
      scmap workshop serve demo-out
      scmap workshop serve project.yaml --host 0.0.0.0 --port 8765 --votes-per-person 3
    """
    from scmap.core._stop import Interrupted, forget_stop
    from scmap.server import open_workshop, run_server

    with one_warning_per_fact():  # a project file is run first: its files' warnings, each said once
        ws = open_workshop(source, store=store, votes_per_person=votes_per_person, outdir=outdir)
        if ws.inputs is not None:
            echo_warnings(ws.inputs)
    try:
        run_server(ws, host=host, port=port or None, tls=tls)
    except (Interrupted, KeyboardInterrupt):  # Ctrl+C ends the room (exit 0); the store keeps it
        forget_stop()
    click.echo(f"The room is closed; everything is kept in {ws.room.store.location}", err=True)


@click.command("export")
@click.argument("store", metavar="STORE")
@outdir_opt("Folder for workshop.gpkg, workshop.csv, workshop_weights.csv and workshop.html (created).")
@overwrite_opt
def export(store: str, outdir: Path, overwrite: bool) -> None:
    """Write what a workshop room decided as files for the plan.

    Write what a workshop room decided, from its STORE (a SQLite file or postgresql://...):
    workshop.gpkg (layers sites, comments, votes, weight_sets, events; styled for QGIS),
    workshop.csv (the sites with support, opposition and comments), workshop_weights.csv (each
    group's weights and the consensus) and workshop.html (the workshop's part of the report).

    \b
    Example:
      scmap workshop export demo-out/workshop.sqlite -o workshop-results
    """
    from scmap.outputs.workshop import export_workshop
    from scmap.workshop import room_of

    written = export_workshop(room_of(store), outdir, overwrite=overwrite)
    click.echo(f"{len(written)} files written", err=True)
    click.echo(str(Path(outdir).resolve()))


@click.group("workshop")
def command() -> None:
    """Serve the workshop room and export what it decided.

    The workshop room: one live, shared map for everyone at the table (serve), and what the
    room decided as files for the plan (export).

    \b
    Example:
      scmap workshop serve demo-out
      scmap workshop export demo-out/workshop.sqlite -o workshop-results
    """


command.add_command(serve)
command.add_command(export)
