"""How long does taking in one phone photo cost? ``python -m bench.photo``

Generates a 12-megapixel (4000x3000) photo-like JPEG with a GS1-128 SSCC
label in memory and reports medians of: the whole :func:`ingest_photo` (into
a temporary store), a bare Pillow full decode of the same file, their ratio,
and barcode reading alone on a greyscale copy (2000 px for linear codes,
1600 px for matrix codes; see receiving_app/evidence/decode.py).
"""

from __future__ import annotations

import io
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import zxingcpp
from PIL import Image, ImageChops, ImageDraw

from receiving_app.evidence.decode import LINEAR_LONG_SIDE, decode_barcodes
from receiving_app.evidence.images import downscale
from receiving_app.evidence.ingest import ingest_photo
from receiving_app.evidence.storage import PhotoStorage

SIZE = (4000, 3000)
SSCC = "106141411234567897"


def sample_photo(seed: int = 12, *, label: bool = True) -> bytes:
    """A 12 MP JPEG (quality 90) of a cardboard-ish scene, with an SSCC label on it by default."""
    rng = random.Random(seed)
    ramp = Image.linear_gradient("L").resize(SIZE, Image.Resampling.BILINEAR)
    scene = Image.merge("RGB", [ramp.point(lambda v, b=b: b + v // 3) for b in (120, 95, 60)])
    # Seeded sensor grain, generated at half size: phones' denoising leaves it soft.
    half = (SIZE[0] // 2, SIZE[1] // 2)
    grain = Image.frombytes("RGB", half, rng.randbytes(half[0] * half[1] * 3))
    grain = grain.point(lambda v: 128 + (v - 128) // 16).resize(SIZE, Image.Resampling.BILINEAR)
    scene = ImageChops.add(scene, grain, offset=-128)

    if label:
        symbol = zxingcpp.create_barcode(f"(00){SSCC}", zxingcpp.BarcodeFormat.Code128, gs1=True)
        bars = Image.fromarray(zxingcpp.write_barcode_to_image(symbol, scale=6)).convert("RGB")
        sticker = Image.new("RGB", (bars.width + 80, bars.height + 260), "white")
        draw = ImageDraw.Draw(sticker)
        for row in range(4):
            right = 40 + rng.randint(300, bars.width)
            draw.rectangle((40, 30 + row * 45, right, 55 + row * 45), fill=(30, 30, 30))
        sticker.paste(bars, (40, 220))
        turned = sticker.rotate(4, Image.Resampling.BILINEAR, expand=True, fillcolor=(150, 120, 80))
        scene.paste(turned, (1400, 1100))

    buf = io.BytesIO()
    scene.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def _median_ms(action: Callable[[], object], runs: int) -> float:
    action()  # warm caches, imports and allocator
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def run(runs: int = 7) -> dict[str, float]:
    """Median timings in milliseconds of the figures :func:`main` prints.

    Keys: ``ingest_ms`` (photo with an SSCC label), ``pillow_decode_ms``,
    ``ratio`` (ingest / decode), ``barcode_decode_ms`` (decode_barcodes on a
    greyscale copy), ``ingest_without_label_ms`` (a photo with no barcode
    pays for the turned retries), plus ``photo_bytes`` and ``barcodes_found``.
    """
    data = sample_photo()
    with tempfile.TemporaryDirectory() as tmp:
        storage = PhotoStorage(Path(tmp))

        def ingest(photo: bytes) -> Callable[[], object]:
            def action() -> object:
                # The same photo is stored once; empty the store so every run writes.
                for f in Path(tmp).rglob("*.jpg"):
                    f.unlink()
                return ingest_photo(photo, "IMG_0001.JPG", storage=storage)

            return action

        ingest_ms = _median_ms(ingest(data), runs)
        no_label_ms = _median_ms(ingest(sample_photo(label=False)), runs)
        found = ingest_photo(data, "IMG_0001.JPG", storage=storage).barcodes

    def pillow_decode() -> None:
        Image.open(io.BytesIO(data)).load()

    decode_ms = _median_ms(pillow_decode, runs)
    full = Image.open(io.BytesIO(data))
    full.load()
    gray = downscale(full, LINEAR_LONG_SIDE).convert("L")
    barcode_ms = _median_ms(lambda: decode_barcodes(gray), runs)
    return {
        "ingest_ms": round(ingest_ms, 1),
        "pillow_decode_ms": round(decode_ms, 1),
        "ratio": round(ingest_ms / decode_ms, 2),
        "barcode_decode_ms": round(barcode_ms, 1),
        "ingest_without_label_ms": round(no_label_ms, 1),
        "photo_bytes": len(data),
        "barcodes_found": len(found),
    }


def main() -> None:
    """Print the figures of :func:`run`."""
    figures = run()
    print(f"photo: {SIZE[0]}x{SIZE[1]} JPEG, {figures['photo_bytes']:,} bytes")
    print(f"ingest (median of 7):             {figures['ingest_ms']:8.1f} ms")
    print(f"Pillow full decode (median of 7): {figures['pillow_decode_ms']:8.1f} ms")
    print(f"ratio ingest / decode:            {figures['ratio']:8.2f}")
    print(f"barcode decode alone (grey copy): {figures['barcode_decode_ms']:8.1f} ms")
    print(f"barcodes found:                   {figures['barcodes_found']:8d}")
    print(f"ingest of a photo with no barcode:{figures['ingest_without_label_ms']:8.1f} ms")


if __name__ == "__main__":
    main()
