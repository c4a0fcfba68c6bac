"""Outputs that are complete or absent: never half-written, never mixed, never written twice at once.

A pack (a folder) is written into a temporary folder beside it, a ``manifest.json`` with the
SHA-256 of every file is written last, and only then is the folder moved into place; an old
pack is replaced at that moment only. A single file is written beside its target and renamed
over it. A lock file beside the output makes a second run into the same place fail at once
(the operating system releases it when a process dies, so a killed run never blocks the next).
A killed run leaves the previous output, or none, plus a temporary folder or file that the next
run into the same place removes.

Examples
--------
>>> import tempfile, pathlib
>>> where = pathlib.Path(tempfile.mkdtemp()) / "pack"
>>> with open_pack(where, overwrite=False, scmap_version="x") as tmp:
...     _ = (tmp / "a.csv").write_text("a\\n1\\n")
>>> sorted(p.name for p in where.iterdir())
['a.csv', 'manifest.json']
>>> check_pack(where)["files"]["a.csv"]["bytes"]
4
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from scmap.errors import OutputError

__all__ = ["MANIFEST", "atomic_file", "check_pack", "open_pack", "sha256"]

MANIFEST = "manifest.json"
"""Written last into a pack: its presence (with matching hashes) marks a complete pack."""

_TMP = ".scmap-tmp-"
_OLD = ".scmap-old-"


def sha256(path: Path) -> str:
    """SHA-256 of a file (of every file below it, in name order, for a folder such as a FileGDB)."""
    digest = hashlib.sha256()
    parts = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for part in parts:
        with part.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def _try_lock(fh: IO[bytes]) -> bool:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        try:
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            return False
        return True
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


@contextmanager
def _locked(target: Path) -> Iterator[None]:
    """Hold ``.NAME.scmap-lock`` beside *target*, or fail at once naming the output."""
    target.parent.mkdir(parents=True, exist_ok=True)
    lock_path = target.parent / f".{target.name}.scmap-lock"
    try:
        fh = lock_path.open("a+b")
    except OSError as exc:
        raise OutputError(f"{target}: cannot write here ({exc.strerror or exc})") from None
    with fh:
        if not _try_lock(fh):
            raise OutputError(
                f"{target}: another scmap run is writing this output right now (lock {lock_path}); "
                "wait for it to finish or choose another output"
            )
        yield


def _leftovers(target: Path, marker: str) -> list[Path]:
    """Temporary outputs of earlier runs into *target* (also those nested in their names)."""
    return sorted(target.parent.glob(f".*{target.name}{marker}*"))


def _recover(target: Path) -> None:
    """Clean up after a killed run (we hold the lock): put back an old pack that a run had moved
    aside but not replaced, and remove temporary folders and files."""
    olds = _leftovers(target, _OLD)
    if olds and not target.exists():
        olds.pop().rename(target)
    for path in [*olds, *_leftovers(target, _TMP)]:
        shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)


def _pack_files(outdir: Path) -> set[str]:
    """The names an existing scmap pack consists of, from its manifest."""
    try:
        manifest = json.loads((outdir / MANIFEST).read_text(encoding="utf-8"))
        return {MANIFEST, *manifest.get("files", {})}
    except (OSError, ValueError, AttributeError):
        return set()


def _check_replaceable(outdir: Path, *, overwrite: bool, known: Iterable[str]) -> None:
    if not outdir.exists():
        return
    if not outdir.is_dir():
        raise OutputError(f"{outdir}: exists and is not a folder; choose a folder for the pack")
    present = sorted(p.name for p in outdir.iterdir())
    if not present:
        return
    ours = set(known) | _pack_files(outdir)
    foreign = [n for n in present if n not in ours]
    if foreign:
        raise OutputError(
            f"{outdir}: holds files that are not part of a scmap pack ({', '.join(foreign[:5])}"
            f"{', ...' if len(foreign) > 5 else ''}); a pack replaces its whole folder, so choose a new or "
            "empty folder"
        )
    if not overwrite:
        shown = ", ".join(present[:4])
        raise OutputError(f"{outdir}: already holds a pack ({shown}, ...); add --overwrite to replace it")


def _write_manifest(folder: Path, extra: dict[str, Any]) -> None:
    files = {
        p.name: {"bytes": p.stat().st_size, "sha256": sha256(p)}
        for p in sorted(folder.iterdir())
        if p.is_file() and p.name != MANIFEST
    }
    manifest = {"complete": True, "written": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), **extra}
    manifest["files"] = files
    tmp = folder / (MANIFEST + ".part")
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump(manifest, fh, indent=2, ensure_ascii=False)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(folder / MANIFEST)


def _swap_in(tmp: Path, outdir: Path) -> None:
    if outdir.exists():
        old = outdir.parent / f".{outdir.name}{_OLD}{uuid.uuid4().hex[:8]}"
        outdir.rename(old)
        tmp.rename(outdir)
        shutil.rmtree(old, ignore_errors=True)
    else:
        tmp.rename(outdir)


@contextmanager
def open_pack(outdir: str | Path, *, overwrite: bool, known: Iterable[str] = (), **manifest: Any) -> Iterator[Path]:
    """Yield an empty temporary folder for a pack; on a clean exit, write ``manifest.json`` and move
    the folder to *outdir* (replacing an old pack only when *overwrite*). On an error the
    temporary folder is removed and *outdir* is untouched.

    Raises
    ------
    OutputError
        When another run writes *outdir*, or *outdir* holds a pack (without *overwrite*) or files
        that are not part of a pack.
    """
    outdir = Path(outdir).absolute()
    with _locked(outdir):
        _recover(outdir)
        _check_replaceable(outdir, overwrite=overwrite, known=known)
        tmp = outdir.parent / f".{outdir.name}{_TMP}{os.getpid()}-{uuid.uuid4().hex[:8]}"
        tmp.mkdir()
        try:
            yield tmp
            _write_manifest(tmp, manifest)
            _swap_in(tmp, outdir)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise


@contextmanager
def atomic_file(path: str | Path, *, overwrite: bool, lock: bool = True) -> Iterator[Path]:
    """Yield a temporary path (same folder, same suffix) to write; on a clean exit it replaces
    *path* in one step. Refuses an existing *path* unless *overwrite*. With *lock*, a second
    writer of *path* fails at once (without, e.g. inside a pack's own temporary folder, only the
    replacement is atomic)."""
    path = Path(path).absolute()
    with _locked(path) if lock else contextlib.nullcontext():
        if lock:
            _recover(path)
        if path.is_dir():
            raise OutputError(f"{path}: is a folder; give a file name")
        if path.exists() and not overwrite:
            raise OutputError(f"{path}: exists; add --overwrite to replace it")
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.parent / f".{path.name}{_TMP}{os.getpid()}-{uuid.uuid4().hex[:8]}{path.suffix}"
        try:
            yield tmp
            if not tmp.exists():
                raise OutputError(f"{path}: nothing was written")
            tmp.replace(path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise


def check_pack(outdir: str | Path) -> dict[str, Any]:
    """The manifest of a complete pack; raises :class:`OutputError` when a file is missing or
    differs from its recorded hash (a pack that is not complete)."""
    outdir = Path(outdir)
    try:
        manifest: dict[str, Any] = json.loads((outdir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise OutputError(f"{outdir}: no readable {MANIFEST}: not a complete scmap pack ({exc})") from None
    for name, entry in manifest.get("files", {}).items():
        path = outdir / name
        if not path.is_file() or sha256(path) != entry["sha256"]:
            raise OutputError(f"{outdir}: {name} is missing or differs from the manifest: the pack is not complete")
    return manifest
