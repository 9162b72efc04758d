"""Find and read every barcode in a photo (zxing-cpp), parsed by :mod:`receiving_app.barcodes`."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import zxingcpp
from PIL import Image

from receiving_app.barcodes import parse_scan

from .images import downscale, open_untrusted

log = logging.getLogger(__name__)

#: Long sides of the two greyscale copies the detector sees. Matrix codes
#: (DataMatrix, QR) read well at 1600 px, and the bilinear step down from 2000
#: smooths sensor noise, which keeps zxing-cpp's matrix detector ~8x faster.
#: Linear codes need their bars: an SSCC label a sixth of a 12 MP photo wide
#: is ~1.7 px per module at 2000 px but ~1.3 at 1600, where reading fails
#: (decode corpus: 68/80 at 1600, 78/80 with this split). Linear scanning
#: is cheap, so the 2000 px copy costs little.
MATRIX_LONG_SIDE = 1600
LINEAR_LONG_SIDE = 2000

# What turns up on a receiving dock. Exotic symbologies (Codabar, MaxiCode,
# DX film edge...) are left out: fewer false reads in textured cardboard, less
# time. So is UPC-E: a 6-digit code for small consumer packs, not cases, that
# zxing-cpp also "reads" in the slanted bars of a turned EAN-13.
_LINEAR = [
    zxingcpp.BarcodeFormat.Code128,  # GS1-128 SSCC labels
    zxingcpp.BarcodeFormat.Code39,
    zxingcpp.BarcodeFormat.Code93,
    zxingcpp.BarcodeFormat.ITF,  # ITF-14 printed on corrugated cases
    zxingcpp.BarcodeFormat.EAN13,
    zxingcpp.BarcodeFormat.EAN8,
    zxingcpp.BarcodeFormat.UPCA,
    zxingcpp.BarcodeFormat.DataBar,
    zxingcpp.BarcodeFormat.DataBarExp,
]
_MATRIX = [
    zxingcpp.BarcodeFormat.DataMatrix,
    zxingcpp.BarcodeFormat.QRCode,
    zxingcpp.BarcodeFormat.PDF417,
    zxingcpp.BarcodeFormat.Aztec,
]

# zxing-cpp reads a linear code only within about +-12 degrees of its scan
# lines (rows and, with try_rotate, columns, so 0/90/180/270); matrix codes
# at any angle. Copies turned by these angles fill the gaps in between.
_RETRY_ANGLES = (22.5, 45.0, 67.5)


def decode_barcodes(image: Image.Image) -> list[dict[str, Any]]:
    """Every barcode found in ``image``, as dicts.

    Each dict is ``{"format": "Code128", "text": ..., "symbology": "]C1",
    "gs1": {...} | None}``; ``text`` is the decoded data without the
    symbology identifier, GS1 fields separated by ``\\x1d`` (what a
    keyboard-wedge scanner sends), and ``gs1`` is ``parse_scan(symbology +
    text).gs1_dict()``. Works on small greyscale copies; when nothing at all
    is found, retries linear codes on turned copies and stops at the first
    angle that finds one. Never raises: a decoder failure is logged and gives [].
    """
    try:
        fine = _grayscale(image, LINEAR_LONG_SIDE)
        found = _read(downscale(fine, MATRIX_LONG_SIDE), _MATRIX) + _read(fine, _LINEAR)
        for angle in _RETRY_ANGLES:
            if found:
                break
            turned = fine.rotate(angle, Image.Resampling.BILINEAR, expand=True, fillcolor=255)
            found = _read(turned, _LINEAR)
        return _unique(_as_dict(b) for b in found)
    except Exception:
        # Reading barcodes is a convenience; it must never lose the evidence.
        log.exception("barcode decoding failed")
        return []


def decode_barcodes_from_bytes(data: bytes) -> list[dict[str, Any]]:
    """Every barcode in an encoded photo (see :func:`decode_barcodes`).

    A JPEG is decoded straight to greyscale at a reduced scale (libjpeg's DCT
    scaling), several times cheaper than a full decode. Raises
    :class:`~receiving_app.evidence.images.PhotoRefused` for data that is not
    an accepted, sound image.
    """
    im = open_untrusted(data, draft_long_side=LINEAR_LONG_SIDE)
    return decode_barcodes(im)


def _grayscale(image: Image.Image, long_side: int) -> Image.Image:
    small = downscale(image, long_side)
    return small if small.mode == "L" else small.convert("L")


def _read(image: Image.Image, formats: list[zxingcpp.BarcodeFormat]) -> list[zxingcpp.Barcode]:
    # Plain text mode: GS1 separators stay "\x1d" as from a hand scanner,
    # which parse_scan reads once the symbology identifier is put in front.
    return list(zxingcpp.read_barcodes(image, formats=formats, text_mode=zxingcpp.TextMode.Plain))


def _as_dict(barcode: zxingcpp.Barcode) -> dict[str, Any]:
    symbology = barcode.symbology_identifier
    text = barcode.text
    return {
        "format": barcode.format.name,
        "text": text,
        "symbology": symbology,
        "gs1": parse_scan(symbology + text).gs1_dict(),
    }


def _unique(codes: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for code in codes:
        seen.setdefault((code["format"], code["text"]), code)
    return list(seen.values())

