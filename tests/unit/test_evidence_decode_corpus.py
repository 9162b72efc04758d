"""Barcode reading on a generated corpus of phone photos of carton labels.

64 photos (SSCC GS1-128, GS1 DataMatrix, QR, EAN-13), each a 4000x3000 JPEG
with the label 15-35 % of the width, turned by any angle, perspective up to
8 %, blur up to 1.5 px, sensor noise, JPEG quality 55-90. Seeded, so a
failure is reproducible: the photo's name says how it was made.
"""

from __future__ import annotations

from receiving_app.evidence import decode_barcodes_from_bytes
from tests.support.images import found_expected, label_corpus

PHOTOS = 64
SEED = 2024


def test_dock_photos_of_labels_are_read_at_least_95_percent_of_the_time() -> None:
    corpus = label_corpus(PHOTOS, seed=SEED)
    assert {photo.kind for photo in corpus} == {"sscc", "datamatrix", "qr", "ean13"}

    missed = [photo.name for photo in corpus if not found_expected(photo, decode_barcodes_from_bytes(photo.data))]

    ok = len(corpus) - len(missed)
    print(f"decoded {ok}/{len(corpus)}; missed: {missed}")
    assert ok >= 0.95 * len(corpus), missed
