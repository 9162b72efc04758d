"""A photo too large for the worker's decode ceiling is cleaned in a short-lived child
process, whose address space is limited (RLIMIT_AS): the worker only holds the upload and
the result, and a photo that needs more than the limit fails in the child, not the worker.

``python -m receiving_app.evidence.isolated MAX_PIXELS ALLOWANCE`` reads the upload on
stdin and answers one JSON line, then the stored JPEG and the thumbnail (their lengths in
the JSON). Linux (and other systems with /proc/self/statm) only.
"""

from __future__ import annotations

import json
import logging
import os
import resource
import subprocess
import sys
from pathlib import Path

from .cleaning import Cleaned, clean_photo
from .images import PhotoRefused, open_header
from .memory import MIB

log = logging.getLogger(__name__)

#: Address space the child may add to what the interpreter and its libraries take: a
#: 50-megapixel photo with transparency needs about 800 MB (images.decode_cost).
CHILD_ALLOWANCE = 1024 * MIB
CHILD_SECONDS = 120
_PACKAGE_ROOT = Path(__file__).resolve().parents[2]


def clean_in_child(data: bytes, *, max_pixels: int, allowance: int = CHILD_ALLOWANCE,
                   timeout: float = CHILD_SECONDS) -> Cleaned:
    """:func:`cleaning.clean_photo` of ``data`` in a child process; PhotoRefused as there,
    or 422 ``too_large_to_decode`` when the child runs out of its memory or time."""
    env = dict(os.environ, MALLOC_ARENA_MAX="2",
               PYTHONPATH=os.pathsep.join(filter(None, [str(_PACKAGE_ROOT),
                                                        os.environ.get("PYTHONPATH")])))
    command = [sys.executable, "-m", __name__, str(max_pixels), str(allowance)]
    try:  # this module, with the interpreter that runs us; no shell
        done = subprocess.run(command, input=data, capture_output=True, timeout=timeout,
                              env=env, check=False)
    except subprocess.TimeoutExpired:
        log.warning("photo cleaning child took over %s s", timeout)
        raise _too_large() from None
    header, _, body = done.stdout.partition(b"\n")
    try:
        answer = json.loads(header)
    except ValueError:
        answer = None
    if done.returncode != 0 or not isinstance(answer, dict):
        log.warning("photo cleaning child failed (exit %s): %s", done.returncode,
                    done.stderr[-2000:].decode(errors="replace"))
        raise _too_large()
    if "refused" in answer:
        refused = answer["refused"]
        raise PhotoRefused(refused["status"], refused["code"], refused["message"])
    size = answer["stored"]
    return Cleaned(stored=body[:size], thumbnail=body[size:], barcodes=answer["barcodes"],
                   width=answer["width"], height=answer["height"])


def _too_large() -> PhotoRefused:
    return PhotoRefused(422, "too_large_to_decode",
                        "The photo needs more memory to read than a photo may take.")


def main(argv: list[str]) -> int:
    max_pixels, allowance = int(argv[1]), int(argv[2])
    limit = _address_space() + allowance
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    data = sys.stdin.buffer.read()
    out = sys.stdout.buffer
    try:
        cleaned = clean_photo(data, open_header(data, max_pixels=max_pixels),
                              max_pixels=max_pixels)
    except PhotoRefused as refused:
        out.write(json.dumps({"refused": {"status": refused.status, "code": refused.code,
                                          "message": refused.message}}).encode() + b"\n")
        return 0
    except MemoryError:
        return 3
    out.write(json.dumps({"stored": len(cleaned.stored), "barcodes": cleaned.barcodes,
                          "width": cleaned.width, "height": cleaned.height}).encode() + b"\n")
    out.write(cleaned.stored + cleaned.thumbnail)
    return 0


def _address_space() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
