"""From an opened upload to what is stored: the cleaned JPEG, its thumbnail, its barcodes."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from . import images
from .decode import decode_barcodes, decode_barcodes_from_bytes
from .images import PhotoRefused

THUMB_LONG_SIDE = 320


@dataclass(frozen=True)
class Cleaned:
    """What a photo's pixels give: the JPEG to store, its thumbnail, the barcodes in it."""

    stored: bytes
    thumbnail: bytes
    barcodes: list[dict[str, Any]] = field(hash=False)
    width: int  # upright, as stored
    height: int


def clean_photo(data: bytes, im: Image.Image, *, max_pixels: int = images.MAX_PIXELS,
                kept: bytes | None = None) -> Cleaned:
    """Clean an upload opened by :func:`images.open_header`: an upright RGB JPEG keeps its
    coded data (``kept``, if the caller has it already), any other photo is re-encoded."""
    kept = kept if kept is not None else images.clean_upright_jpeg(data, im)
    if kept is not None:
        return clean_kept_jpeg(data, im, kept)
    return clean_decoded(data, im, max_pixels=max_pixels)


def clean_kept_jpeg(data: bytes, im: Image.Image, kept: bytes) -> Cleaned:
    """An upright RGB JPEG whose coded data is stored as it is (``kept``, from
    :func:`images.clean_upright_jpeg`): its full-size pixels are never needed.

    Decoded at the smallest DCT scale that still gives the thumbnail, which decodes every
    coded bit all the same (a damaged file is refused here as by a full decode) at a
    sixty-fourth of the memory at most; its barcodes come from their own greyscale draft.
    """
    width, height = im.size
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="evidence") as helper:
        barcodes = helper.submit(_barcodes_from_draft, data)
        im.draft("RGB", images.draft_box(im.size, THUMB_LONG_SIDE))
        images.load_pixels(im)
        thumbnail = _thumbnail(images.upright_rgb(im))
        codes = barcodes.result()
    return Cleaned(stored=kept, thumbnail=thumbnail, barcodes=codes, width=width, height=height)


def clean_decoded(data: bytes, im: Image.Image, *, max_pixels: int = images.MAX_PIXELS
                  ) -> Cleaned:
    """Any other photo: every pixel decoded, turned upright, converted and re-encoded."""
    # Re-encoding holds the GIL, but JPEG decoding, resizing and zxing-cpp
    # mostly release it: barcodes and the thumbnail are made on helper
    # threads meanwhile. A JPEG's barcodes come from its own cheap greyscale
    # draft decode, which can start before the full decode.
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="evidence") as helpers:
        barcodes = helpers.submit(_barcodes_from_draft, data) if im.format in ("JPEG", "MPO") \
            else None
        images.load_pixels(im, max_pixels=max_pixels)
        im = images.upright_rgb(im)
        if barcodes is None:
            barcodes = helpers.submit(decode_barcodes, im)
        thumbnail = helpers.submit(_thumbnail, im)
        stored = images.encode_jpeg(im)
        return Cleaned(stored=stored, thumbnail=thumbnail.result(), barcodes=barcodes.result(),
                       width=im.width, height=im.height)


def _thumbnail(im: Image.Image) -> bytes:
    return images.encode_jpeg(images.downscale(im, THUMB_LONG_SIDE))


def _barcodes_from_draft(data: bytes) -> list[dict[str, Any]]:
    try:
        return decode_barcodes_from_bytes(data)
    except PhotoRefused:
        return []  # the photo's own decode refuses it and says why
