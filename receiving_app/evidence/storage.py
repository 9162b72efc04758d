"""Content-addressed photo store on the local filesystem.

``root/ab/cd/<sha256>.jpg`` holds the cleaned photo and ``<sha256>.thumb.jpg``
its thumbnail. Files are immutable: a photo is written once, atomically, and
the same photo uploaded twice is stored once.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from pathlib import Path

_SHA256 = re.compile(r"[0-9a-f]{64}")
_SUFFIXES = {"full": ".jpg", "thumb": ".thumb.jpg"}


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
        concurrent upload of the same photo never leaves a partial file.
        """
        target = self.path(sha256, variant)
        if variant == "full" and hashlib.sha256(data).hexdigest() != sha256:
            raise ValueError("data does not match its SHA-256")
        if target.is_file():
            return target
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


    def discard(self, sha256: str) -> None:
        """Remove both variants of a photo (missing files are fine): undoes a failed upload."""
        for variant in ("thumb", "full"):
            with contextlib.suppress(FileNotFoundError):
                self.path(sha256, variant).unlink()


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
