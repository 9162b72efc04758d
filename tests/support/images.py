"""Generated test photos: carton-label photos, EXIF-laden phone JPEGs, hostile files.

No binary fixtures: everything is drawn with Pillow and zxing-cpp's writer,
seeded, so every run sees the same bytes.
"""

from __future__ import annotations

import functools
import io
import math
import random
import struct
import zipfile
import zlib
from dataclasses import dataclass
from datetime import date, timedelta

import zxingcpp
from PIL import Image, ImageChops, ImageDraw, ImageFilter

CANVAS = (4000, 3000)


# --------------------------------------------------------------------------- GS1 numbers


def gs1_check_digit(digits: str) -> str:
    """The GS1 mod-10 check digit for ``digits`` (weights 3,1,3... from the right)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str((10 - total % 10) % 10)


def random_sscc(rng: random.Random) -> str:
    """18-digit SSCC with a valid check digit."""
    body = str(rng.randrange(10)) + "".join(rng.choice("0123456789") for _ in range(16))
    return body + gs1_check_digit(body)


def random_gtin14(rng: random.Random) -> str:
    """GTIN-14 with a valid check digit (indicator digit 0-8)."""
    body = str(rng.randrange(9)) + "".join(rng.choice("0123456789") for _ in range(12))
    return body + gs1_check_digit(body)


def random_ean13(rng: random.Random) -> str:
    """EAN-13 with a valid check digit and a non-zero first digit (not a UPC-A)."""
    body = str(rng.randrange(1, 10)) + "".join(rng.choice("0123456789") for _ in range(11))
    return body + gs1_check_digit(body)


# --------------------------------------------------------------------------- barcodes and labels


def barcode(content: str, fmt: zxingcpp.BarcodeFormat, *, gs1: bool = False) -> Image.Image:
    """The barcode as an "L" image with one pixel per module, quiet zones included."""
    symbol = zxingcpp.create_barcode(content, fmt, gs1=gs1) if gs1 else zxingcpp.create_barcode(content, fmt)
    view = memoryview(zxingcpp.write_barcode_to_image(symbol, scale=1))
    height, width = view.shape
    return Image.frombytes("L", (width, height), view.tobytes())


def _scaled(code: Image.Image, width: int, height: int | None = None) -> Image.Image:
    # BOX = area averaging: what a camera sensor does to a bar edge between pixels.
    height = height or round(code.height * width / code.width)
    return code.resize((width, height), Image.Resampling.BOX).convert("RGB")


def _text_lines(draw: ImageDraw.ImageDraw, rng: random.Random, box: tuple[int, int, int, int]) -> None:
    """Grey blocks where a real label has printed text."""
    x0, y0, x1, y1 = box
    line = max(6, (y1 - y0) // 6)
    y = y0
    while y + line <= y1:
        width = int((x1 - x0) * rng.uniform(0.3, 0.95))
        draw.rectangle((x0, y, x0 + width, y + int(line * 0.6)), fill=(40, 40, 40))
        y += line


@dataclass(frozen=True)
class Label:
    """A label to photograph and what a reader must find on it."""

    kind: str  # "sscc" | "datamatrix" | "qr" | "ean13"
    image: Image.Image  # RGB, white label
    expected: dict[str, str]


def sscc_label(sscc: str, width: int, rng: random.Random | None = None) -> Label:
    """A GS1 logistic label: text block above a GS1-128 barcode of (00) + SSCC."""
    rng = rng or random.Random(0)
    code = barcode(f"(00){sscc}", zxingcpp.BarcodeFormat.Code128, gs1=True)
    height = int(width * 0.62)
    label = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(label)
    _text_lines(draw, rng, (width // 20, height // 20, width - width // 20, int(height * 0.45)))
    bars = _scaled(code, int(width * 0.92), int(height * 0.38))
    label.paste(bars, ((width - bars.width) // 2, int(height * 0.52)))
    return Label("sscc", label, {"sscc": sscc})


def datamatrix_label(gtin: str, lot: str, expiry: date, width: int, rng: random.Random | None = None) -> Label:
    """A product label with a GS1 DataMatrix of GTIN, lot and expiry."""
    rng = rng or random.Random(0)
    content = f"(01){gtin}(17){expiry:%y%m%d}(10){lot}"
    code = barcode(content, zxingcpp.BarcodeFormat.DataMatrix, gs1=True)
    return _square_code_label(
        "datamatrix", code, width, rng, {"gtin": gtin, "lot": lot, "expiry": expiry.isoformat()}
    )


def qr_label(text: str, width: int, rng: random.Random | None = None) -> Label:
    """A label with a QR code."""
    code = barcode(text, zxingcpp.BarcodeFormat.QRCode)
    return _square_code_label("qr", code, width, rng or random.Random(0), {"text": text})


def ean13_label(ean: str, width: int, rng: random.Random | None = None) -> Label:
    """A retail product sticker with an EAN-13."""
    rng = rng or random.Random(0)
    code = barcode(ean, zxingcpp.BarcodeFormat.EAN13)
    height = int(width * 0.6)
    label = Image.new("RGB", (width, height), "white")
    _text_lines(ImageDraw.Draw(label), rng, (width // 12, height // 16, width - width // 12, int(height * 0.3)))
    bars = _scaled(code, int(width * 0.9), int(height * 0.58))
    label.paste(bars, ((width - bars.width) // 2, int(height * 0.36)))
    return Label("ean13", label, {"text": ean})


def _square_code_label(
    kind: str, code: Image.Image, width: int, rng: random.Random, expected: dict[str, str]
) -> Label:
    height = int(width * 0.55)
    label = Image.new("RGB", (width, height), "white")
    side = int(height * 0.85)
    square = _scaled(code, side, side)
    label.paste(square, (width // 30, (height - side) // 2))
    _text_lines(ImageDraw.Draw(label), rng, (side + width // 15, height // 8, width - width // 20, height - height // 8))
    return Label(kind, label, expected)


# --------------------------------------------------------------------------- photos


@functools.lru_cache(maxsize=4)
def _background(variant: int, size: tuple[int, int] = CANVAS) -> Image.Image:
    """Cardboard-ish gradient with sensor noise (cached: the slow part of a photo)."""
    rng = random.Random(variant)
    # Turn a big ramp and keep its middle, so no corner is left unfilled.
    ramp = (
        Image.linear_gradient("L")
        .resize((512, 512))
        .rotate(rng.uniform(0, 360), Image.Resampling.BILINEAR)
        .crop((128, 128, 384, 384))
        .resize(size, Image.Resampling.BILINEAR)
    )
    base = [rng.randint(70, 150) for _ in range(3)]
    spread = [rng.randint(40, 90) for _ in range(3)]
    tinted = Image.merge(
        "RGB", [ramp.point(lambda v, b=b, s=s: b + v * s // 255) for b, s in zip(base, spread)]
    )
    grain = noise_image((size[0] // 2, size[1] // 2), 6.0, rng).resize(size, Image.Resampling.BILINEAR)
    return ImageChops.add(tinted, grain, offset=-128)


def noise_image(size: tuple[int, int], sigma: float, rng: random.Random) -> Image.Image:
    """Seeded RGB noise centred on 128 with standard deviation ``sigma``.

    (Image.effect_noise draws from C rand(), so it is not reproducible.)
    Uniform per pixel, which is close enough to sensor noise for a detector.
    """
    half_width = sigma * 3**0.5  # a uniform on [-a, a] has sd a / sqrt(3)
    lut = [max(0, min(255, round(128 + (v - 127.5) / 127.5 * half_width))) for v in range(256)]
    raw = Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))
    return raw.point(lut * 3)


def background(seed: int = 0, size: tuple[int, int] = CANVAS) -> Image.Image:
    """A photo-like background (a copy: callers may draw on it)."""
    return _background(seed % 3, size).copy()


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (no numpy in the venv)."""
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(n):
            if r != col:
                factor = m[r][col] / m[col][col]
                m[r] = [x - factor * y for x, y in zip(m[r], m[col])]
    return [m[i][n] / m[i][i] for i in range(n)]


def _perspective_coeffs(
    dst: list[tuple[float, float]], src: list[tuple[float, float]]
) -> list[float]:
    """PERSPECTIVE data mapping output points ``dst`` back to input points ``src``."""
    rows: list[list[float]] = []
    rhs: list[float] = []
    for (x, y), (u, v) in zip(dst, src):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs += [u, v]
    return _solve(rows, rhs)


def photograph(
    label: Image.Image,
    *,
    seed: int,
    angle: float = 0.0,
    perspective: float = 0.0,
    blur: float = 0.0,
    sensor_noise: float = 0.0,
    canvas: tuple[int, int] = CANVAS,
) -> Image.Image:
    """``label`` as a phone would see it on a carton: turned by ``angle`` degrees,
    corners pushed by up to ``perspective`` (fraction of the label size),
    blurred with a Gaussian of ``blur`` px, with ``sensor_noise`` (sigma in
    grey levels), somewhere on a photo-like background.
    """
    rng = random.Random(seed)
    w, h = label.size
    corners = [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)]
    pushed = [
        (x + rng.uniform(-perspective, perspective) * w, y + rng.uniform(-perspective, perspective) * h)
        for x, y in corners
    ]
    cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    # Counter-clockwise on screen (y points down), like Image.rotate.
    turned = [(x * cos + y * sin, -x * sin + y * cos) for x, y in pushed]
    min_x = min(x for x, _ in turned)
    min_y = min(y for _, y in turned)
    dst = [(x - min_x, y - min_y) for x, y in turned]
    size = (math.ceil(max(x for x, _ in dst)) + 1, math.ceil(max(y for _, y in dst)) + 1)
    patch = label.convert("RGBA").transform(
        size, Image.Transform.PERSPECTIVE, _perspective_coeffs(dst, corners), Image.Resampling.BILINEAR
    )
    if blur:
        patch = patch.filter(ImageFilter.GaussianBlur(blur))
    photo = background(seed, canvas)
    x = rng.randrange(0, max(1, canvas[0] - size[0]))
    y = rng.randrange(0, max(1, canvas[1] - size[1]))
    photo.paste(patch, (x, y), patch)
    if sensor_noise:
        # Zero-mean sensor grain over the label too (the background has its own).
        region = photo.crop((x, y, x + size[0], y + size[1]))
        grain = noise_image(region.size, sensor_noise, rng)
        photo.paste(ImageChops.add(region, grain, offset=-128), (x, y), patch)
    return photo


def jpeg(image: Image.Image, quality: int = 85, **params: object) -> bytes:
    """JPEG bytes of ``image``."""
    buf = io.BytesIO()
    image.convert("RGB").save(buf, "JPEG", quality=quality, **params)
    return buf.getvalue()


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    """``image`` encoded as ``fmt`` ("PNG", "WEBP", "HEIF", "TIFF", "GIF", "BMP", "PDF"...)."""
    if fmt == "HEIF":
        import pillow_heif

        pillow_heif.register_heif_opener()
    buf = io.BytesIO()
    image.save(buf, fmt, **params)
    return buf.getvalue()


# --------------------------------------------------------------------------- the corpus


@dataclass(frozen=True)
class CorpusPhoto:
    """One generated photo and what is on it."""

    name: str
    kind: str
    data: bytes  # JPEG
    expected: dict[str, str]


def label_corpus(n: int, seed: int = 2024) -> list[CorpusPhoto]:
    """``n`` JPEG photos of carton labels, a quarter of each kind, under varied conditions.

    Label 15-35 % of the photo width, any angle, perspective up to 8 %,
    blur up to 1.5 px, sensor noise, JPEG quality 55-90. Deterministic per seed.
    """
    kinds = ["sscc", "datamatrix", "qr", "ean13"]
    photos = []
    for i in range(n):
        rng = random.Random(seed * 1000 + i)
        kind = kinds[i % len(kinds)]
        width = int(CANVAS[0] * rng.uniform(0.15, 0.35))
        if kind == "sscc":
            label = sscc_label(random_sscc(rng), width, rng)
        elif kind == "datamatrix":
            lot = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(rng.randint(3, 10)))
            expiry = date(2025, 1, 1) + timedelta(days=rng.randrange(0, 1500))
            label = datamatrix_label(random_gtin14(rng), lot, expiry, width, rng)
        elif kind == "qr":
            text = f"https://dock.example/po/{rng.randrange(10**6):06d}?line={rng.randrange(100)}"
            label = qr_label(text, width, rng)
        else:
            label = ean13_label(random_ean13(rng), width, rng)
        angle = rng.uniform(0, 360)
        perspective = rng.uniform(0, 0.08)
        blur = rng.uniform(0, 1.5)
        quality = rng.randint(55, 90)
        photo = photograph(
            label.image, seed=seed + i, angle=angle, perspective=perspective, blur=blur, sensor_noise=rng.uniform(2, 8)
        )
        name = f"{i:03d}-{kind}-w{width}-a{angle:.0f}-p{perspective:.2f}-b{blur:.1f}-q{quality}"
        photos.append(CorpusPhoto(name, kind, jpeg(photo, quality), label.expected))
    return photos


def found_expected(photo: CorpusPhoto, codes: list[dict]) -> bool:
    """Did the decoder read what is on ``photo``?"""
    for code in codes:
        gs1 = code.get("gs1") or {}
        if photo.kind == "sscc" and gs1.get("sscc") == photo.expected["sscc"] and code["symbology"] == "]C1":
            return True
        if photo.kind == "datamatrix" and all(gs1.get(k) == v for k, v in photo.expected.items()):
            return True
        if photo.kind in ("qr", "ean13") and code["text"] == photo.expected["text"]:
            return True
    return False


# --------------------------------------------------------------------------- phone photos


def phone_photo_with_metadata(size: tuple[int, int] = (640, 480)) -> tuple[bytes, dict[str, object]]:
    """A JPEG as a phone writes it: GPS, make/model/serial, Orientation=6 (turn 90 deg clockwise).

    The encoded pixels are landscape with a red top-left corner; shown
    upright (portrait) the red corner must be top-right.
    """
    image = Image.new("RGB", size, (200, 200, 200))
    draw = ImageDraw.Draw(image)
    corner = (size[0] // 5, size[1] // 5)
    draw.rectangle((0, 0, corner[0], corner[1]), fill=(255, 0, 0))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Pocket Camera 15"  # Model
    exif[0x0112] = 6  # Orientation: rotate 90 CW to view
    exif[0x0131] = "SecretOS 17.1"  # Software
    exif_ifd = exif.get_ifd(0x8769)
    exif_ifd[0xA431] = "SN-0042-SECRET"  # BodySerialNumber
    exif_ifd[0x9003] = "2024:05:01 06:30:00"  # DateTimeOriginal
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (51.0, 30.0, 12.5)
    gps[3] = "W"
    gps[4] = (0.0, 7.0, 39.0)
    data = jpeg(image, 90, exif=exif.tobytes(), comment=b"taken at dock 4 by J. Smith")
    return data, {"secrets": [b"PhoneMaker", b"Pocket Camera", b"SN-0042-SECRET", b"SecretOS", b"J. Smith"]}


# --------------------------------------------------------------------------- hostile files


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_of_blank_pixels(width: int, height: int) -> bytes:
    """A valid 1-bit greyscale PNG of ``width`` x ``height``: a few hundred KB that inflate to gigapixels."""
    row = b"\x00" + bytes((width + 7) // 8)  # filter byte + packed bits
    packer = zlib.compressobj(9)
    block = row * 256
    parts = [packer.compress(block) for _ in range(height // 256)]
    parts.append(packer.compress(row * (height % 256)))
    parts.append(packer.flush())
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", b"".join(parts))
        + _png_chunk(b"IEND", b"")
    )


def small_jpeg(seed: int = 1) -> bytes:
    """A small valid photo-ish JPEG."""
    rng = random.Random(seed)
    image = Image.new("RGB", (320, 240), tuple(rng.randrange(256) for _ in range(3)))
    ImageDraw.Draw(image).ellipse((60, 40, 260, 200), fill=tuple(rng.randrange(256) for _ in range(3)))
    return jpeg(image, 90)


def jpeg_declaring(width: int, height: int, photo: bytes) -> bytes:
    """``photo`` (a JPEG) with its frame header claiming ``width`` x ``height`` pixels."""
    data = bytearray(photo)
    frame = data.find(b"\xff\xc0")
    data[frame + 5:frame + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def jpeg_cut_and_closed(photo: bytes, keep: float = 0.6) -> bytes:
    """``photo`` cut inside its image data and given an end marker, as a botched upload
    that a proxy closed off: decoders fill the missing rows silently."""
    return photo[: int(len(photo) * keep)] + b"\xff\xd9"


def noisy_jpeg(size: tuple[int, int] = (640, 480), **params: object) -> bytes:
    """A JPEG whose every block has detail (sensor grain), so its coded data is long."""
    return jpeg(noise_image(size, 40, random.Random(7)), 90, **params)


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name, body in files.items():
            archive.writestr(name, body)
    return buf.getvalue()


SVG = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b'<script>alert(document.cookie)</script><rect width="10" height="10"/></svg>'
)
HTML = b"<!DOCTYPE html><html><body><script>fetch('/admin')</script></body></html>"
EPS = (
    b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n"
    b"(%pipe%id) (w) file closefile\nshowpage\n%%EOF\n"
)


@functools.cache
def hostile_files() -> dict[str, bytes]:
    """Uploads that must be refused, by name. See the tests for the expected refusal."""
    sample = Image.new("RGB", (64, 48), (10, 120, 200))
    photo = small_jpeg()
    gif = encode(sample, "GIF")
    scene = background(1).crop((0, 0, 400, 300))
    png, webp, heic = (encode(scene, fmt) for fmt in ("PNG", "WEBP", "HEIF"))
    return {
        "svg": SVG,
        "html": HTML,
        "eps": EPS,
        "pdf": encode(sample, "PDF"),
        "tiff": encode(sample, "TIFF"),
        "gif": gif,
        "bmp": encode(sample, "BMP"),
        # A GIF that is also a ZIP/JAR (the classic GIFAR), with a JPEG inside.
        "gifar": gif + _zip({"photo.jpg": photo, "evil.class": b"\xca\xfe\xba\xbe"}),
        # HTML that carries a whole JPEG: a browser would run the script.
        "html_with_jpeg_inside": b"<html><script>alert(1)</script><!--" + photo + b"--></html>",
        "truncated_jpeg": photo[: len(photo) // 2],
        "truncated_png": png[: len(png) // 2],
        "truncated_webp": webp[: len(webp) // 2],
        "truncated_heic": heic[: len(heic) // 2],
        "jpeg_header_only": photo[:20],
        # 700 bytes that declare 7000 x 7000: libjpeg would fill 49 megapixels of grey
        "jpeg_declaring_7000x7000": jpeg_declaring(7000, 7000, jpeg(sample, 75)),
        # cut mid-scan and closed: the restart markers that the rest had are missing
        "jpeg_cut_and_closed": jpeg_cut_and_closed(noisy_jpeg(restart_marker_rows=1)),
        # the frame marker of an arithmetic-coded JPEG, which no camera writes
        "arithmetic_jpeg": photo.replace(b"\xff\xc0", b"\xff\xc9", 1),
        "empty": b"",
        # 900 megapixels in ~170 KB: far over Pillow's limit.
        "decompression_bomb": png_of_blank_pixels(30_000, 30_000),
        # 100 megapixels: over MAX_IMAGE_PIXELS but under twice it, where
        # Pillow only warns.
        "bomb_in_warning_band": png_of_blank_pixels(10_000, 10_000),
        # 56 megapixels: Pillow would open it, Dockside's own 50 MP limit does not.
        "too_many_pixels": png_of_blank_pixels(8_000, 7_000),
    }
