"""Content-addressed photo store on the local filesystem.

``root/ab/cd/<sha256>.jpg`` holds the cleaned photo and ``<sha256>.thumb.jpg``
its thumbnail. Files are immutable: a photo is written once, atomically, and
the same photo uploaded twice is stored once.

Uploads never delete: a file written for an upload whose row never committed
may by then be another upload's, of the same photo, which did commit. Such
orphans are removed by :meth:`PhotoStorage.sweep` once they are old. Storing
a photo that is already there refreshes its file's time, and the sweep looks
at that time again after it has taken the file out of reach, so a file that
an upload takes up while the sweep runs is kept.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path

_SHA256 = re.compile(r"[0-9a-f]{64}")
_SUFFIXES = {"full": ".jpg", "thumb": ".thumb.jpg"}
# What the store itself writes, by name: a stored variant, a file set aside by a sweep,
# a temporary file of a write that never finished.
_STORED = re.compile(r"(?P<sha256>[0-9a-f]{64})(\.thumb)?\.jpg(?P<aside>\.sweeping)?")
_INCOMING = re.compile(r"\.incoming-[^/]*\.part")
_HEX_PAIR = re.compile(r"[0-9a-f]{2}")
_ASIDE = ".sweeping"


class PhotoStorage:
    """Photos on disk under ``root``, named by the SHA-256 of the stored (full) photo."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, sha256: str, variant: str = "full") -> Path:
        """Where the ``variant`` ("full" or "thumb") of photo ``sha256`` lives.

        Raises ValueError unless ``sha256`` is 64 lowercase hex digits, so no
        caller-supplied string can ever steer the path.
        """
        if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
            raise ValueError("photo id must be 64 lowercase hex digits")
        try:
            suffix = _SUFFIXES[variant]
        except KeyError:
            raise ValueError(f"unknown photo variant {variant!r}") from None
        return self.root / sha256[:2] / sha256[2:4] / f"{sha256}{suffix}"

    def exists(self, sha256: str, variant: str = "full") -> bool:
        """True if that variant of the photo is stored."""
        return self.path(sha256, variant).is_file()

    def read(self, sha256: str, variant: str = "full") -> bytes:
        """The stored bytes; FileNotFoundError if absent."""
        return self.path(sha256, variant).read_bytes()

    def put(self, data: bytes, sha256: str, variant: str = "full") -> Path:
        """Store ``data`` as that variant of photo ``sha256``, unless already there.

        For "full", ``sha256`` must be the hash of ``data`` (checked: the name
        is the proof of integrity). Written to a temporary file in the target
        directory, fsynced, then renamed over the final name, so a crash or a
        concurrent upload of the same photo never leaves a partial file. A file
        already there is made young again (its modification time is now): the
        caller is about to point a row at it, and the sweep spares young files.
        """
        target = self.path(sha256, variant)
        if variant == "full" and hashlib.sha256(data).hexdigest() != sha256:
            raise ValueError("data does not match its SHA-256")
        try:
            os.utime(target)  # one call on the name: the file is there, and young, or not
            return target
        except FileNotFoundError:
            pass
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            # mkstemp makes 0600; photos are served like any static file.
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        _fsync_dir(target.parent)  # make the rename itself durable
        return target


    def sweep(self, referenced: Callable[[Iterable[str]], set[str]], *,
              older_than: float) -> list[Path]:
        """Remove what no row points at and nobody has touched for ``older_than`` seconds;
        return the paths removed.

        ``referenced`` answers which of the photo ids it is given have a row. Files
        younger than ``older_than`` are left alone: their upload may not have committed
        yet. An old file without a row is first renamed out of reach, then its time is
        read again: if an upload took it up meanwhile (see :meth:`put`), it is put back,
        else removed. Temporary files of writes that never finished go too; a file a
        sweep set aside and did not get to finish with is put back if it has a row.
        """
        removed: list[Path] = []
        for top in sorted(self._hex_dirs(self.root)):  # a share of the store at a time
            cutoff = time.time() - older_than
            files = [path for sub in sorted(self._hex_dirs(top)) for path in sub.iterdir()]
            candidates: dict[str, list[Path]] = {}
            for path in files:
                stored = _STORED.fullmatch(path.name)
                if stored and (stored["aside"] or _older(path, cutoff)):
                    candidates.setdefault(stored["sha256"], []).append(path)
                elif _INCOMING.fullmatch(path.name) and _older(path, cutoff):
                    removed += _unlink(path)
            if not candidates:
                continue
            with_row = referenced(list(candidates))
            for sha256, paths in candidates.items():
                for path in paths:
                    if sha256 in with_row:
                        _put_back(path)
                    else:
                        removed += _set_aside_and_remove(path, cutoff)
        return removed

    @staticmethod
    def _hex_dirs(folder: Path) -> list[Path]:
        if not folder.is_dir():
            return []
        return [p for p in folder.iterdir() if _HEX_PAIR.fullmatch(p.name) and p.is_dir()]


def _older(path: Path, cutoff: float) -> bool:
    try:
        return path.stat().st_mtime < cutoff
    except FileNotFoundError:
        return False


def _unlink(path: Path) -> list[Path]:
    try:
        path.unlink()
    except FileNotFoundError:
        return []
    return [path]


def _put_back(path: Path) -> None:
    """A file with a row stays; one a dead sweep set aside goes back under its name."""
    if not path.name.endswith(_ASIDE):
        return
    with contextlib.suppress(FileNotFoundError):
        # the same bytes as any file an upload wrote under that name meanwhile
        os.replace(path, path.with_name(path.name.removesuffix(_ASIDE)))


def _set_aside_and_remove(path: Path, cutoff: float) -> list[Path]:
    original = path.with_name(path.name.removesuffix(_ASIDE))
    aside = original.with_name(original.name + _ASIDE)
    if path != aside:
        try:
            os.rename(path, aside)  # from now on no upload finds it
        except FileNotFoundError:
            return []
    if not _older(aside, cutoff):  # an upload took it up before it was set aside
        _put_back(aside)
        return []
    return [original] if _unlink(aside) else []


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # e.g. platforms that cannot open directories
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
