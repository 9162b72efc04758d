"""Take one uploaded photo in as evidence: validate, clean, store, read its barcodes."""

from __future__ import annotations

import hashlib
import os
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from . import images
from .cleaning import clean_photo
from .images import ACCEPTED_TYPES, PhotoRefused
from .isolated import clean_in_child
from .memory import DECODE_MEMORY, DecodeMemory
from .storage import PhotoStorage

MAX_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class StoredPhoto:
    """A photo as stored: the cleaned JPEG at ``storage.path(sha256)``, thumbnail at variant "thumb"."""

    sha256: str  # of the stored (cleaned) JPEG bytes: the photo's id
    width: int  # upright, as stored
    height: int
    bytes: int  # size of the stored file
    content_type: str  # always "image/jpeg": other types are re-encoded
    barcodes: list[dict[str, Any]] = field(hash=False)
    received_at: datetime  # server time (UTC) when it was ingested
    original_filename: str  # display only, sanitised; never used for a path
    original_type: str  # MIME type of the upload as sniffed, e.g. "image/heif"


def ingest_photo(
    data: bytes,
    filename: str,
    *,
    storage: PhotoStorage,
    max_bytes: int = MAX_BYTES,
    max_pixels: int = images.MAX_PIXELS,
    memory: DecodeMemory = DECODE_MEMORY,
) -> StoredPhoto:
    """Validate, clean and store one uploaded photo; return what was stored.

    Accepts JPEG, PNG, WebP and HEIC/HEIF, judged by content, never by
    ``filename`` (which is only kept, sanitised, for display). The photo is
    turned upright per EXIF, stripped of all metadata (GPS, camera serials,
    XMP...) and stored as JPEG, content-addressed, with a 320 px thumbnail:
    an upright RGB JPEG keeps its coded pixels with the metadata segments cut
    out, anything else is re-encoded. Barcodes in it are read and parsed.

    Decoding stays within ``memory``: an upright JPEG is only decoded at the
    thumbnail's DCT scale; any other photo waits until its cost fits under the
    process's ceiling, or is cleaned in a child process when it alone would
    not fit (isolated.py).

    Raises :class:`PhotoRefused` (413 too large, 415 wrong type, 422 empty,
    truncated, corrupt, bomb, too many pixels, too large to decode; 503 when
    too many photos wait to be decoded); nothing is written then.
    """
    received_at = datetime.now(UTC)
    if len(data) > max_bytes:
        raise PhotoRefused(
            413, "too_large", f"The photo is {len(data):,} bytes; at most {max_bytes:,} are accepted."
        )
    im = images.open_header(data, max_pixels=max_pixels)
    original_type = ACCEPTED_TYPES[images.sniff(data) or ""]
    kept = images.clean_upright_jpeg(data, im)
    cost = images.decode_cost(im, kept_jpeg=kept is not None)
    if not memory.fits(cost):
        with memory.child():
            cleaned = clean_in_child(data, max_pixels=max_pixels)
    else:
        with memory.reserve(cost):
            cleaned = clean_photo(data, im, max_pixels=max_pixels, kept=kept)
    sha256 = hashlib.sha256(cleaned.stored).hexdigest()

    # Thumbnail first: a stored full photo then always has its thumbnail. A failure half
    # way (disk full) leaves what was written whole to the sweep: another upload of the
    # same photo may be using it already.
    storage.put(cleaned.thumbnail, sha256, "thumb")
    storage.put(cleaned.stored, sha256)
    return StoredPhoto(
        sha256=sha256,
        width=cleaned.width,
        height=cleaned.height,
        bytes=len(cleaned.stored),
        content_type="image/jpeg",
        barcodes=cleaned.barcodes,
        received_at=received_at,
        original_filename=display_filename(filename),
        original_type=original_type,
    )


def display_filename(filename: str, *, limit: int = 200) -> str:
    """The client's file name reduced to something safe to show and log.

    Only the last path component, without control characters (NUL, newlines,
    bidi overrides), capped at ``limit`` characters. Never build a path from it.
    """
    name = str(filename or "").replace("\\", "/")
    name = os.path.basename(name)
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    return name.strip()[:limit]
