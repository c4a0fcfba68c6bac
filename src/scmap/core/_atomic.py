r"""Outputs that are complete or absent: never half-written, never mixed, never written twice at once.

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
...     _ = (tmp / "a.csv").write_text("a\n1\n")
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
import stat
import tempfile
import threading
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from scmap.core._stop import raise_if_stopped
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


_HELD: set[int] = set()
"""The descriptors of the lock files this process holds."""


def _drop_inherited_locks() -> None:
    """In a forked child: let go of the parent's lock files (their descriptors now read /dev/null).

    A lock (``flock``) is held as long as any copy of its descriptor is open, and a forked child
    (a writer beside the run) has copies: a killed run's child, dying a moment after it, would
    still hold the output's lock when the next run starts. The child does not need them.
    """
    for fd in list(_HELD):
        with contextlib.suppress(OSError):
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, fd)  # closes the child's copy; the number stays valid for whatever holds it
            os.close(null)
    _HELD.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_drop_inherited_locks)


@contextmanager
def _locked(target: Path) -> Iterator[None]:
    """Hold ``.NAME.scmap-lock`` beside *target*, or fail at once naming the output."""
    _make_parent(target)
    lock_path = target.parent / f".{_short(target.name)}.scmap-lock"
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
        _HELD.add(fh.fileno())
        try:
            yield
        finally:
            _HELD.discard(fh.fileno())


def _short(name: str) -> str:
    """Return *name*, shortened for a very long one.

    *name*, or for a very long one a shortened unique form, so that the lock and temporary
    names made from it stay within the 255 bytes a file name may have.
    """
    if len(name.encode("utf-8")) <= 160:
        return name
    return name[:40] + "-" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:16]


def _leftovers(target: Path, marker: str) -> list[Path]:
    """Return the temporary outputs of earlier runs into *target*.

    Temporary outputs of earlier runs into *target* (also those nested in their names); the
    name is matched literally (``[``, ``*`` and ``?`` are legal in folder names).
    """
    key = f"{_short(target.name)}{marker}"
    try:
        found = [p for p in target.parent.iterdir() if p.name.startswith(".") and key in p.name]
    except OSError:
        return []
    return sorted(found)


def _recover(target: Path) -> None:
    """Clean up after a killed run (we hold the lock).

    Clean up after a killed run (we hold the lock): put back an old pack that a run had moved
    aside but not replaced, and remove temporary folders and files.
    """
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
    foreign = [n for n in present if n not in ours or not (outdir / n).is_file() or (outdir / n).is_symlink()]
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


_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP")


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold Ctrl-C, SIGTERM and SIGHUP for the two renames of a swap.

    Hold Ctrl-C, SIGTERM and SIGHUP for the two renames of a swap (delivered right after), so
    that a signal never falls between moving the old pack aside and moving the new one in.
    """
    import signal

    held = {getattr(signal, name) for name in _SIGNALS if hasattr(signal, name)}
    block = getattr(signal, "pthread_sigmask", None)
    if block is None or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = block(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        block(signal.SIG_SETMASK, previous)


def _swap_in(tmp: Path, outdir: Path) -> None:
    with _signals_held():
        _swap(tmp, outdir)


def _swap(tmp: Path, outdir: Path) -> None:
    if outdir.exists():
        old = outdir.parent / f".{_short(outdir.name)}{_OLD}{uuid.uuid4().hex[:8]}"
        outdir.rename(old)
        tmp.rename(outdir)
        shutil.rmtree(old, ignore_errors=True)
    else:
        tmp.rename(outdir)


@contextmanager
def open_pack(outdir: str | Path, *, overwrite: bool, known: Iterable[str] = (), **manifest: Any) -> Iterator[Path]:
    """Yield an empty temporary folder for a pack, moved into place when complete.

    Yield an empty temporary folder for a pack; on a clean exit, write ``manifest.json`` and move
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
        tmp = outdir.parent / f".{_short(outdir.name)}{_TMP}{os.getpid()}-{uuid.uuid4().hex[:8]}"
        with _undone_on_failure(tmp, outdir):
            tmp.mkdir()
            yield tmp
            raise_if_stopped()
            _sync(tmp)
            _write_manifest(tmp, manifest)
            _swap_in(tmp, outdir)


def _write_error(path: Path, exc: BaseException) -> OutputError:
    """One line for a failed write: the output, what the system said and what to do."""
    reason = getattr(exc, "strerror", None) or str(exc)
    if "sqlite3_exec" in reason and "failed: " in reason:  # GDAL's SQL statement is no help to a user
        reason = "GeoPackage: " + reason.rsplit("failed: ", 1)[1]
    reason = (reason.splitlines() or [""])[0][:300]
    errno = getattr(exc, "errno", None)
    hint = ""
    full = errno in (28, 27, 122) or any(w in reason.lower() for w in ("space", "disk is full", "too large"))
    if full or (errno is None and _no_room(path.parent)):
        hint = "; free some disk space (or write elsewhere) and run again"
    elif errno in (13, 30, 1):
        hint = "; choose a folder you can write to"
    elif errno == 36:
        hint = "; choose a shorter name"
    return OutputError(f"{path}: cannot be written ({reason}){hint}; nothing was replaced")


def _no_room(folder: Path, size: int = 1 << 20) -> bool:
    """Whether *folder* refuses another MiB: GDAL's own message after a full disk is often about something else."""
    probe = folder / f".scmap-space-{os.getpid()}"
    try:
        with open(probe, "wb") as out:
            out.write(b"\0" * size)
            out.flush()
            os.fsync(out.fileno())
    except OSError as exc:
        return exc.errno in (28, 27, 122)
    finally:
        _remove(probe)
    return False


def _write_failures() -> tuple[type[BaseException], ...]:
    """The exceptions that mean a write failed: the system's and GDAL's (through pyogrio)."""
    try:
        from pyogrio.errors import DataLayerError, DataSourceError
    except ImportError:  # pragma: no cover - pyogrio is a dependency
        return (OSError,)
    return (OSError, DataLayerError, DataSourceError)


def _sync(path: Path) -> None:
    """Flush a written file to the disk, so that an error the disk reports late is seen now."""
    parts = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    for part in parts:
        fd = os.open(part, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _is_stream(path: Path) -> bool:
    """A device, pipe or socket (``/dev/stdout``, ``/dev/full``): written in place, never replaced."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


@contextmanager
def _into_stream(path: Path) -> Iterator[Path]:
    """Write into a temporary file, then copy it into the device or pipe at *path*.

    Write into a temporary file, then copy it into the device or pipe at *path*, checking
    every write (``/dev/full`` fails here, not silently).
    """
    with tempfile.TemporaryDirectory(prefix="scmap-") as folder:
        tmp = Path(folder) / f"output{path.suffix}"
        try:
            yield tmp
            if not tmp.exists():
                raise OutputError(f"{path}: nothing was written")
            with tmp.open("rb") as source, path.open("wb") as sink:
                shutil.copyfileobj(source, sink)
                sink.flush()
        except OutputError:
            raise
        except _write_failures() as exc:
            raise _write_error(path, exc) from None


@contextmanager
def atomic_file(path: str | Path, *, overwrite: bool, lock: bool = True) -> Iterator[Path]:
    """Yield a temporary path to write, which replaces *path* in one step on a clean exit.

    Yield a temporary path (same folder, same suffix) to write; on a clean exit it is flushed
    to the disk and replaces *path* in one step. Refuses an existing *path* unless *overwrite*.
    With *lock*, a second writer of *path* fails at once (without, e.g. inside a pack's own
    temporary folder, only the replacement is atomic). A device or pipe (``/dev/stdout``) is
    written in place. A failed write is one :class:`OutputError` and *path* is left as it was.
    """
    path = Path(path).absolute()
    if _is_stream(path):
        with _into_stream(path) as tmp:
            yield tmp
        return
    with _locked(path) if lock else contextlib.nullcontext():
        if lock:
            _recover(path)
        if path.is_dir():
            raise OutputError(f"{path}: is a folder; give a file name")
        if path.exists() and not overwrite:
            raise OutputError(f"{path}: exists; add --overwrite to replace it")
        _make_parent(path)
        tmp = path.parent / f".{_short(path.name)}{_TMP}{os.getpid()}-{uuid.uuid4().hex[:8]}{path.suffix}"
        with _undone_on_failure(tmp, path):
            yield tmp
            if not tmp.exists():
                raise OutputError(f"{path}: nothing was written")
            raise_if_stopped()
            _sync(tmp)
            tmp.replace(path)


@contextlib.contextmanager
def _undone_on_failure(tmp: Path, target: Path) -> Iterator[None]:
    """Remove *tmp* when the block fails; a write failure becomes one :class:`OutputError` on *target*."""
    try:
        yield
    except OutputError as exc:
        _remove(tmp)
        raise OutputError(str(exc).replace(str(tmp), str(target))) from None
    except _write_failures() as exc:
        _remove(tmp)
        raise _write_error(target, exc) from None
    except Exception:  # a library's own error (zlib, sqlite) after the disk filled up
        _remove(tmp)
        if _no_room(target.parent):
            raise _write_error(target, OSError(28, "no space left on the disk")) from None
        raise
    except BaseException:
        _remove(tmp)
        raise


def _make_parent(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _write_error(path, exc) from None


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)


def check_pack(outdir: str | Path) -> dict[str, Any]:
    """Return the manifest of a complete pack, or raise for an incomplete one.

    The manifest of a complete pack; raises :class:`OutputError` when a file is missing or
    differs from its recorded hash (a pack that is not complete).
    """
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
