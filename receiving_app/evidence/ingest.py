"""Take one uploaded photo in as evidence: validate, clean, store, read its barcodes."""

from __future__ import annotations

import hashlib
import os
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from PIL import Image

from . import images
from .decode import decode_barcodes, decode_barcodes_from_bytes
from .images import ACCEPTED_TYPES, PhotoRefused
from .storage import PhotoStorage

MAX_BYTES = 20 * 1024 * 1024
THUMB_LONG_SIDE = 320


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
) -> StoredPhoto:
    """Validate, clean and store one uploaded photo; return what was stored.

    Accepts JPEG, PNG, WebP and HEIC/HEIF, judged by content, never by
    ``filename`` (which is only kept, sanitised, for display). The photo is
    turned upright per EXIF, stripped of all metadata (GPS, camera serials,
    XMP...) and stored as JPEG, content-addressed, with a 320 px thumbnail:
    an upright RGB JPEG keeps its coded pixels with the metadata segments cut
    out, anything else is re-encoded. Barcodes in it are read and parsed.

    Raises :class:`PhotoRefused` (413 too large, 415 wrong type, 422 empty,
    truncated, corrupt, bomb, too many pixels); nothing is written then.
    """
    received_at = datetime.now(UTC)
    if len(data) > max_bytes:
        raise PhotoRefused(
            413, "too_large", f"The photo is {len(data):,} bytes; at most {max_bytes:,} are accepted."
        )
    im = images.open_header(data, max_pixels=max_pixels)
    original_type = ACCEPTED_TYPES[images.sniff(data) or ""]

    # Re-encoding holds the GIL, but JPEG decoding, resizing and zxing-cpp
    # mostly release it: barcodes and the thumbnail are made on helper
    # threads meanwhile. A JPEG's barcodes come from its own cheap greyscale
    # draft decode, which can start before the full decode.
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="evidence") as helpers:
        barcodes = helpers.submit(_barcodes_from_draft, data) if im.format in ("JPEG", "MPO") else None
        images.load_pixels(im, max_pixels=max_pixels)
        stored = images.clean_upright_jpeg(data, im)
        im = images.upright_rgb(im)
        if barcodes is None:
            barcodes = helpers.submit(decode_barcodes, im)
        thumb = helpers.submit(_thumbnail, im)
        if stored is None:
            stored = images.encode_jpeg(im)
        sha256 = hashlib.sha256(stored).hexdigest()
        codes = barcodes.result()
        thumb_bytes = thumb.result()

    # Thumbnail first: a stored full photo then always has its thumbnail. A failure half
    # way (disk full) leaves what was written whole to the sweep: another upload of the
    # same photo may be using it already.
    storage.put(thumb_bytes, sha256, "thumb")
    storage.put(stored, sha256)
    return StoredPhoto(
        sha256=sha256,
        width=im.width,
        height=im.height,
        bytes=len(stored),
        content_type="image/jpeg",
        barcodes=codes,
        received_at=received_at,
        original_filename=display_filename(filename),
        original_type=original_type,
    )


def _thumbnail(im: Image.Image) -> bytes:
    return images.encode_jpeg(images.downscale(im, THUMB_LONG_SIDE))


def _barcodes_from_draft(data: bytes) -> list[dict[str, Any]]:
    try:
        return decode_barcodes_from_bytes(data)
    except PhotoRefused:
        return []  # the full decode refuses the photo and says why


def display_filename(filename: str, *, limit: int = 200) -> str:
    """The client's file name reduced to something safe to show and log.

    Only the last path component, without control characters (NUL, newlines,
    bidi overrides), capped at ``limit`` characters. Never build a path from it.
    """
    name = str(filename or "").replace("\\", "/")
    name = os.path.basename(name)
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    return name.strip()[:limit]
