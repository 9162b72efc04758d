"""Photos as evidence: validated, stripped of metadata, stored by content, barcodes read.

A pure library (no Flask, no database). Only this package imports Pillow,
pillow-heif and zxing-cpp.
"""

from .decode import decode_barcodes, decode_barcodes_from_bytes
from .images import PhotoRefused
from .ingest import StoredPhoto, ingest_photo
from .storage import PhotoStorage

__all__ = [
    "PhotoRefused",
    "PhotoStorage",
    "StoredPhoto",
    "decode_barcodes",
    "decode_barcodes_from_bytes",
    "ingest_photo",
]
