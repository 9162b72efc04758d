"""Pillow handling for untrusted photos: sniff, open safely, clean, re-encode.

Everything here treats the upload as hostile. The type is decided by magic
bytes before Pillow sees the data, and Pillow is then only allowed the one
plugin that matches, so a renamed EPS can never reach Ghostscript and an SVG
or HTML file never reaches any parser at all.
"""

from __future__ import annotations

import io
import logging
import math
import re
import warnings

import pillow_heif
from PIL import Image, ImageOps

log = logging.getLogger(__name__)

# Registered once at import. Thumbnails, depth maps and auxiliary images inside
# a HEIC are never used, so libheif is not asked to parse them.
pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)

#: Our own ceiling, below Pillow's MAX_IMAGE_PIXELS (~89 MP, which stays in
#: force as the decompression-bomb guard). 50 MP admits the 48/50 MP modes of
#: current phones; an RGB copy of that is already 150 MB of memory.
MAX_PIXELS = 50_000_000

JPEG_QUALITY = 88

# Camera colour profiles (Display P3, sRGB) are a few KB; anything bigger is
# not from a camera and is not worth carrying along (see encode_jpeg).
_MAX_ICC_BYTES = 64 * 1024

# HEIF "ftyp" major brands of still images and sequences (HEVC coded or generic
# MIAF); the same list pillow-heif accepts. Not "avif": the bundled libheif
# has no AV1 decoder (an AVIF under "mif1" ends up refused as corrupt).
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1"}

#: Pillow format name -> MIME type of the accepted upload types.
ACCEPTED_TYPES: dict[str, str] = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "HEIF": "image/heif",
}


class PhotoRefused(Exception):
    """An upload that is not stored. ``status`` is the HTTP status to answer with.

    413: the body is too large; 415: not an accepted image type (judged by
    content); 422: an accepted type but empty, truncated, corrupt, a
    decompression bomb or too many pixels. ``code`` is a short machine string.
    """

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"PhotoRefused({self.status}, {self.code!r}, {self.message!r})"


def sniff(data: bytes) -> str | None:
    """Pillow format name ("JPEG", "PNG", "WEBP", "HEIF") from magic bytes, or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return "HEIF"
    return None


def open_untrusted(
    data: bytes, *, max_pixels: int = MAX_PIXELS, draft_long_side: int | None = None
) -> Image.Image:
    """Open uploaded bytes as a fully decoded image, refusing anything not a sound photo.

    :func:`open_header`, then :func:`load_pixels`: every pixel is decoded so
    that a truncated or corrupt file fails here rather than later. With
    ``draft_long_side`` a JPEG is instead decoded straight to greyscale at the
    smallest DCT scale (1/2, 1/4, 1/8) still at least that long, several
    times cheaper (for barcode reading). Raises :class:`PhotoRefused`.
    """
    im = open_header(data, max_pixels=max_pixels)
    if draft_long_side and im.format in ("JPEG", "MPO"):
        im.draft("L", draft_box(im.size, draft_long_side))
    load_pixels(im, max_pixels=max_pixels)
    return im


def open_header(data: bytes, *, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """Sniff the type and read only the image header, refusing what is not an accepted photo.

    The sniffed type is the only Pillow plugin allowed to parse the data.
    Refuses empty data, other types, decompression bombs and images over
    ``max_pixels`` (:class:`PhotoRefused`). No pixel is decoded yet.
    """
    if not data:
        raise PhotoRefused(422, "empty", "The photo is empty (0 bytes).")
    fmt = sniff(data)
    if fmt is None:
        raise PhotoRefused(
            415, "unsupported_type", "Not a photo: only JPEG, PNG, WebP and HEIC images are accepted."
        )
    with warnings.catch_warnings():
        # Pillow only *warns* between 1x and 2x MAX_IMAGE_PIXELS; for uploads
        # that band is an attack too. (catch_warnings is process-global, so
        # another thread could drop the filter meanwhile: the max_pixels check
        # is the second guard.)
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            im = Image.open(io.BytesIO(data), formats=[fmt])
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise PhotoRefused(
                422, "decompression_bomb", "The photo declares far more pixels than a camera takes."
            ) from exc
        except Exception as exc:
            raise _unreadable(exc, data) from exc
    _check_pixels(im, max_pixels)
    if fmt == "JPEG":
        check_jpeg_scans(data)
    return im


def load_pixels(im: Image.Image, *, max_pixels: int = MAX_PIXELS) -> None:
    """Decode every pixel of an image from :func:`open_header`; PhotoRefused if it is damaged.

    LOAD_TRUNCATED_IMAGES stays off, so a file cut short is an error, not a
    grey bottom half.
    """
    try:
        im.load()
    except MemoryError:
        raise  # the process's limit, not the photo's fault
    except Exception as exc:
        # Pillow plugins and libheif signal bad input with many exception
        # types (OSError, SyntaxError, ValueError, struct.error...); for an
        # upload every one of them means the same thing: not a usable photo.
        raise _unreadable(exc) from exc
    _check_pixels(im, max_pixels)  # a HEIC may only know its true size once decoded


def _check_pixels(im: Image.Image, max_pixels: int) -> None:
    width, height = im.size
    if width * height > max_pixels:
        raise PhotoRefused(
            422,
            "too_many_pixels",
            f"The photo is {width}x{height} pixels; at most {max_pixels // 1_000_000} megapixels are accepted.",
        )


def _unreadable(exc: Exception, data: bytes = b"") -> PhotoRefused:
    text = str(exc).lower()
    cut_short = any(words in text for words in ("truncated", "premature end", "end of file"))
    # libwebp only says "could not create decoder object"; the RIFF header
    # tells how long the file should be.
    riff_short = data[:4] == b"RIFF" and int.from_bytes(data[4:8], "little") + 8 > len(data)
    if isinstance(exc, EOFError) or cut_short or riff_short:
        return PhotoRefused(422, "truncated", "The photo is truncated (upload cut short?).")
    return PhotoRefused(422, "corrupt", "The photo is damaged and cannot be read.")


def upright_rgb(im: Image.Image) -> Image.Image:
    """The loaded image turned upright per its EXIF orientation, in RGB, with no metadata.

    Transposes in place, and only when the orientation is not already normal,
    so the common case copies nothing. HEIC needs nothing here: pillow-heif
    applies the container's rotation itself and resets EXIF Orientation to 1.
    Transparency is flattened onto white (a screenshot, not a camera photo).
    """
    try:
        ImageOps.exif_transpose(im, in_place=True)
    except Exception:
        # A garbled EXIF block must not cost the evidence: keep the pixels as encoded.
        log.warning("unreadable EXIF orientation; photo stored as encoded", exc_info=True)
    if im.mode != "RGB":
        if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
            rgba = im.convert("RGBA")
            flat = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            flat.alpha_composite(rgba)
            im = flat.convert("RGB")
        elif im.mode in ("I", "I;16", "I;16B", "I;16L"):
            # 16-bit greyscale PNG: convert("RGB") would clip, scale to 8 bits.
            im = im.point(lambda v: v / 256).convert("L").convert("RGB")
        else:
            im = im.convert("RGB")
    icc = im.info.get("icc_profile")
    # Everything Pillow carried over (EXIF with GPS and serial numbers, XMP,
    # JPEG comments, PNG text) goes; JPEG save would copy a comment from info.
    im.info.clear()
    if icc and len(icc) <= _MAX_ICC_BYTES:
        im.info["icc_profile"] = icc
    return im


def encode_jpeg(im: Image.Image, *, quality: int = JPEG_QUALITY) -> bytes:
    """Encode RGB pixels as a baseline JPEG with no metadata except an ICC profile.

    The ICC profile is kept on purpose: it does not describe the phone or the
    person, it says how to read the pixel values. iPhones and many Androids
    shoot in Display P3; without the profile the evidence would show wrong
    (washed-out) colours, and converting to sRGB would cost a second pass.
    Same pixels and settings give byte-identical output (libjpeg is
    deterministic; no timestamps), so the SHA-256 identifies the photo.
    """
    buf = io.BytesIO()
    im.save(
        buf,
        format="JPEG",
        quality=quality,
        icc_profile=im.info.get("icc_profile") or None,
        comment=b"",
    )
    return buf.getvalue()


# Frame headers kept as they are: baseline, extended and progressive Huffman coding, what
# cameras write and every browser shows. Arithmetic-coded or lossless JPEGs are re-encoded.
_FRAMES = {0xC0, 0xC1, 0xC2}
# What else a decoder needs, copied as it is: quantisation and Huffman tables, the restart
# interval. Everything else before the image data is dropped or written afresh.
_TABLES = {0xDB, 0xC4, 0xDD}
_APP0, _ICC_APP, _ADOBE_APP, _COM, _SOS, _EOI = 0xE0, 0xE2, 0xEE, 0xFE, 0xDA, 0xD9
_ICC_TAG = b"ICC_PROFILE\x00"
_ICC_CHUNK = 65519  # a segment's largest body, less the tag and the chunk numbers
# A bare JFIF header (version 1.01, no density, no thumbnail), written when the upload had
# one: JFIF tells the decoder that the components are YCbCr, and without it some files
# would decode as RGB, in other colours than the ones checked.
_BARE_JFIF = b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"


def clean_upright_jpeg(data: bytes, im: Image.Image) -> bytes | None:
    """The uploaded JPEG without its metadata, when its pixels can be kept as they are.

    For an RGB JPEG that is already upright (no EXIF orientation, or 1) this keeps the
    coded image data (tables, frame, scans) and drops every other segment: EXIF (GPS,
    camera serials), XMP, comments, maker data, MPO's second images and whatever follows
    the end marker. What a decoder needs from the rest is written afresh, with nothing
    of the upload's bytes in it but their values: a bare JFIF header, the ICC profile as
    Pillow read it (as encode_jpeg keeps it), and the Adobe block's colour transform.
    Re-encoding the pixels cost more than decoding them (docs/benchmarks.md). ``im`` is
    the upload as :func:`open_header` opened it: the caller still decodes it (at a reduced
    scale, cleaning.clean_kept_jpeg) and refuses it if its coded data is not sound.
    (Bytes a file hides inside its coded data, which decoders skip with a warning, stay:
    only a re-encode removes those, and they are no camera's metadata.)

    None when the photo needs turning or converting, or its structure is not the plain
    one expected: the caller re-encodes then.
    """
    if im.format not in ("JPEG", "MPO") or im.mode != "RGB":
        return None
    try:
        if im.getexif().get(0x0112, 1) != 1:
            return None
    except Exception:
        return None  # garbled EXIF: re-encoding is the safe way
    icc = im.info.get("icc_profile") or b""
    if len(icc) > _MAX_ICC_BYTES:
        return None
    return _strip_jpeg_segments(data, icc)


def _strip_jpeg_segments(data: bytes, icc: bytes) -> bytes | None:
    image: list[bytes] = []
    jfif, adobe = False, []
    pos, end = 2, len(data)
    while pos < end:
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1] if pos + 1 < end else None
        if marker == 0xFF:  # fill byte before a marker
            pos += 1
            continue
        if marker == _EOI:
            return b"".join([b"\xff\xd8", _BARE_JFIF if jfif else b"", *_icc_segments(icc),
                             *adobe, *image, b"\xff\xd9"])
        if marker is None or pos + 4 > end:
            return None
        length = int.from_bytes(data[pos + 2:pos + 4], "big")
        segment_end = pos + 2 + length
        if length < 2 or segment_end > end:
            return None
        body = data[pos + 4:segment_end]
        if marker in _FRAMES or marker in _TABLES:
            image.append(data[pos:segment_end])
        elif marker == _SOS:
            segment_end = _entropy_coded_end(data, segment_end)
            image.append(data[pos:segment_end])
        elif marker == _APP0:
            jfif = jfif or body.startswith(b"JFIF\x00")
        elif marker == _ADOBE_APP and body.startswith(b"Adobe"):
            # version, two flag words and the colour transform: 12 bytes, no room for more
            if adobe or len(body) != 12:
                return None
            adobe.append(data[pos:segment_end])
        elif not (0xE0 <= marker <= 0xEF or marker == _COM):
            return None  # not an APPn or COM segment: an unusual file, re-encode it
        pos = segment_end
    return None  # no end marker


def _icc_segments(icc: bytes) -> list[bytes]:
    """The ICC profile as APP2 segments, in chunks numbered from 1."""
    chunks = [icc[i:i + _ICC_CHUNK] for i in range(0, len(icc), _ICC_CHUNK)]
    return [b"\xff\xe2" + (len(chunk) + 16).to_bytes(2, "big") + _ICC_TAG
            + bytes((number, len(chunks))) + chunk
            for number, chunk in enumerate(chunks, start=1)]


def _entropy_coded_end(data: bytes, pos: int) -> int:
    """Where the coded data after a scan header ends: at the first marker that is not
    a stuffed zero (FF 00) or a restart marker (FF D0-D7); of fill bytes (FF FF ...)
    before a marker, at the last."""
    found = _MARKER_AFTER_SCAN.search(data, pos)
    return found.start() if found else len(data)


_MARKER_AFTER_SCAN = re.compile(rb"\xff(?=[^\x00\xd0-\xd7\xff])")


# Huffman-coded DCT frames (baseline, extended, progressive): what cameras write, and what
# check_jpeg_scans can hold to a lower bound. Arithmetic-coded, lossless and hierarchical
# frames can code a frame of any size in a few bytes; no camera writes them.
_HUFFMAN_DCT = {0xC0, 0xC1, 0xC2}
_OTHER_FRAMES = {0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
_DRI = 0xDD
_RESTART = re.compile(rb"\xff[\xd0-\xd7]")


def check_jpeg_scans(data: bytes) -> None:
    """Refuse a JPEG whose coded data cannot fill the frame it declares (PhotoRefused 422).

    Every 8x8 block of every component costs at least one bit of Huffman code in the scan
    that first codes its DC coefficient (a sequential scan, or a progressive DC scan), and
    with a restart interval a scan holds a restart marker after every interval but the
    last. A file whose scans fall short is truncated or corrupt: libjpeg would fill the
    missing blocks without a word, and a 1.6 KB file declaring 7000 x 7000 pixels would be
    taken as a 49-megapixel photo, at the memory of one. Only headers and the length of
    the coded data are read here, before any pixel is decoded. Markers are looked for as
    libjpeg does (stray bytes between segments are skipped); a file with no end marker is
    left to the decoder, which reports it truncated.
    """
    frame: _Frame | None = None
    restart_interval, coded = 0, set()
    pos, end = 2, len(data)
    while (pos := data.find(b"\xff", pos)) >= 0 and pos + 1 < end:
        marker = data[pos + 1]
        if marker == 0xFF or marker == 0x00 or 0xD0 <= marker <= 0xD7 or marker == 0x01:
            pos += 1 if marker == 0xFF else 2  # a fill byte, or a marker without a segment
            continue
        if marker == _EOI:
            break
        length = int.from_bytes(data[pos + 2:pos + 4], "big")
        segment_end = pos + 2 + length
        if pos + 4 > end or length < 2 or segment_end > end:
            raise _short()
        body = data[pos + 4:segment_end]
        if marker in _OTHER_FRAMES:
            raise PhotoRefused(415, "unsupported_type", "This JPEG is coded in a way no camera "
                               "uses (arithmetic, lossless or hierarchical); send the "
                               "camera's own photo.")
        if marker in _HUFFMAN_DCT:
            if frame is not None:
                raise PhotoRefused(422, "corrupt", "The photo is damaged and cannot be read.")
            frame = _Frame.parse(body)
        elif marker == _DRI and len(body) >= 2:
            restart_interval = int.from_bytes(body[:2], "big")
        elif marker == _SOS:
            if frame is None:
                raise PhotoRefused(422, "corrupt", "The photo is damaged and cannot be read.")
            scan_end = _entropy_coded_end(data, segment_end)
            coded |= frame.check_scan(body, data, segment_end, scan_end, restart_interval)
            segment_end = scan_end
        pos = segment_end
    if frame is not None and pos >= 0 and pos + 1 < end and coded != set(frame.components):
        raise _short()  # a component that no scan codes


class _Frame:
    """A frame header's size and components (id: horizontal, vertical sampling factors)."""

    def __init__(self, width: int, height: int, components: dict[int, tuple[int, int]]):
        self.width, self.height, self.components = width, height, components
        self.h_max = max(h for h, _ in components.values())
        self.v_max = max(v for _, v in components.values())

    @classmethod
    def parse(cls, body: bytes) -> "_Frame":
        count = body[5] if len(body) >= 6 else 0
        fields = body[6:6 + 3 * count]
        height, width = int.from_bytes(body[1:3], "big"), int.from_bytes(body[3:5], "big")
        components = {fields[i]: (fields[i + 1] >> 4, fields[i + 1] & 15)
                      for i in range(0, len(fields), 3)}
        if not count or len(fields) < 3 * count or not height or not width or \
                not all(1 <= h <= 4 and 1 <= v <= 4 for h, v in components.values()):
            raise PhotoRefused(422, "corrupt", "The photo is damaged and cannot be read.")
        return cls(width, height, components)

    def check_scan(self, header: bytes, data: bytes, start: int, end: int,
                   restart_interval: int) -> set[int]:
        """Refuse a scan too short for the blocks it codes; the components whose DC it codes
        first (none for a scan that only refines or codes AC coefficients)."""
        count = header[0] if header else 0
        ids = [header[1 + 2 * i] for i in range(count) if 1 + 2 * i < len(header)]
        if not count or len(header) < 4 + 2 * count or any(i not in self.components for i in ids):
            raise PhotoRefused(422, "corrupt", "The photo is damaged and cannot be read.")
        spectral_start, approximation_high = header[1 + 2 * count], header[3 + 2 * count] >> 4
        if count == 1:  # non-interleaved: one block per MCU
            h, v = self.components[ids[0]]
            mcus = blocks = (math.ceil(math.ceil(self.width * h / self.h_max) / 8)
                             * math.ceil(math.ceil(self.height * v / self.v_max) / 8))
        else:
            mcus = (math.ceil(self.width / (8 * self.h_max))
                    * math.ceil(self.height / (8 * self.v_max)))
            blocks = mcus * sum(h * v for h, v in (self.components[i] for i in ids))
        first_dc = spectral_start == 0 and approximation_high == 0
        if first_dc and 8 * (end - start) < blocks:
            raise _short()
        if restart_interval and len(_RESTART.findall(data, start, end)) < \
                math.ceil(mcus / restart_interval) - 1:
            raise _short()
        return set(ids) if first_dc else set()


def _short() -> PhotoRefused:
    return PhotoRefused(422, "truncated", "The photo's image data is too short for its size "
                                          "(truncated or damaged).")


def draft_box(size: tuple[int, int], long_side: int) -> tuple[int, int]:
    """The box to ask Pillow's JPEG draft mode for, to decode at least ``long_side`` long."""
    # Pillow picks the largest DCT scale at which *both* sides stay >= the
    # box, so the box must keep the aspect ratio (a square box would forbid
    # any scaling of a 4:3 photo).
    width, height = size
    scale = min(1.0, long_side / max(width, height))
    return (math.ceil(width * scale), math.ceil(height * scale))


def _draft_pixels(size: tuple[int, int], long_side: int) -> int:
    """Pixels of a JPEG decoded in draft mode for ``long_side`` (as Pillow picks the scale)."""
    box = draft_box(size, long_side)
    ratio = min(size[0] // box[0], size[1] // box[1])
    scale = next(s for s in (8, 4, 2, 1) if ratio >= s)
    return math.ceil(size[0] / scale) * math.ceil(size[1] / scale)


# What reading the barcodes holds besides the photo, per pixel of the copy it reads (at
# most 2000 px long, decode.py): the greyscale copies and zxing-cpp's own, and for an image
# that is not a JPEG the reduced RGB copies they are made from. (Measured on a 12 MP and a
# 49 MP photo of each kind.) The thumbnail's copies are smaller still.
_BARCODES_JPEG = 7
_BARCODES_OTHER = 14
_BARCODE_LONG_SIDE = 2000
_THUMBNAIL = 2 * 1024 * 1024


def decode_cost(im: Image.Image, *, kept_jpeg: bool = False) -> int:
    """About the most memory, in bytes, that cleaning ``im`` (from :func:`open_header`)
    holds at once: its decoded pixels (Pillow keeps RGB in four bytes), the upright RGB
    copy when it must be turned or converted, the re-encoded JPEG, and the barcode and
    thumbnail copies. ``kept_jpeg``: a JPEG whose coded data is kept, decoded only at the
    thumbnail's DCT scale (cleaning.clean_kept_jpeg)."""
    width, height = im.size
    jpeg = im.format in ("JPEG", "MPO")
    barcode_copy = width * height * min(1.0, _BARCODE_LONG_SIDE / max(width, height)) ** 2
    barcodes = round(_draft_pixels(im.size, _BARCODE_LONG_SIDE) + _BARCODES_JPEG * barcode_copy
                     if jpeg else _BARCODES_OTHER * barcode_copy)
    if kept_jpeg:
        return 4 * _draft_pixels(im.size, 320) + barcodes + _THUMBNAIL
    decoded = 1 if im.mode in ("1", "L", "P") else 2 if im.mode.startswith("I;16") else 4
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        upright = 12  # an RGBA copy, the white it is laid on, the RGB result
    elif im.mode.startswith("I"):
        upright = 9  # 32-bit, then 8-bit grey, then RGB
    elif im.mode != "RGB" or _orientation(im) != 1:
        upright = 4
    else:
        upright = 0
    return width * height * (decoded + upright + 1) + barcodes + _THUMBNAIL


def _orientation(im: Image.Image) -> int:
    try:
        return int(im.getexif().get(0x0112, 1))
    except Exception:
        return 0  # unreadable: count the turn


def downscale(im: Image.Image, long_side: int) -> Image.Image:
    """A copy no larger than ``long_side`` on its longer side (or ``im`` itself if already small).

    ``reducing_gap=1.0`` lets Pillow first box-reduce by the largest whole
    factor (cheap), then finish with a bilinear filter that also smooths
    sensor noise, which keeps the barcode detector fast.
    """
    width, height = im.size
    scale = long_side / max(width, height)
    if scale >= 1:
        return im
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return im.resize(size, Image.Resampling.BILINEAR, reducing_gap=1.0)
