"""How much memory taking photos in may use in one process at once."""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from .images import PhotoRefused

MIB = 1024 * 1024

#: A gunicorn worker runs the app in about 105 MB; with this much more for photos, and what
#: the allocator keeps of it, it stays under 200 MB however many uploads its threads take
#: at once (tests/hardening/test_photo_memory.py measures it). An upright JPEG of any
#: size fits (it is decoded at its thumbnail's scale); a photo that must be decoded whole
#: fits up to about 4 megapixels, and a larger one is cleaned in a child process.
DECODE_CEILING = 48 * MIB


class DecodeMemory:
    """A ceiling on the memory that this process's uploads decode into at once.

    An upload whose cost (images.decode_cost) fits waits until it fits beside the others
    (:meth:`reserve`); one that alone goes over the ceiling is decoded in a child process
    (isolated.py), `children` at a time (:meth:`child`). Waiting longer than `wait`
    seconds is a 503: the phone's queue sends the photo again later.
    """

    def __init__(self, ceiling: int, *, children: int = 1, wait: float = 60.0) -> None:
        self.ceiling = ceiling
        self._wait = wait
        self._in_use = 0
        self._changed = threading.Condition()
        self._children = threading.BoundedSemaphore(children)

    def fits(self, cost: int) -> bool:
        return cost <= self.ceiling

    @contextmanager
    def reserve(self, cost: int) -> Iterator[None]:
        """Hold ``cost`` bytes of the ceiling while the block runs."""
        with self._changed:
            if not self._changed.wait_for(lambda: self._in_use + cost <= self.ceiling,
                                          timeout=self._wait):
                raise _busy()
            self._in_use += cost
        try:
            yield
        finally:
            with self._changed:
                self._in_use -= cost
                self._changed.notify_all()

    @contextmanager
    def child(self) -> Iterator[None]:
        """One of the child processes' turns, while the block runs."""
        if not self._children.acquire(timeout=self._wait):
            raise _busy()
        try:
            yield
        finally:
            self._children.release()


def _busy() -> PhotoRefused:
    return PhotoRefused(503, "busy", "Many photos are being taken in at once; send this one "
                                     "again in a moment.")


#: The process's own: every upload in it shares the one ceiling.
DECODE_MEMORY = DecodeMemory(DECODE_CEILING)


_M_MMAP_THRESHOLD = -3  # glibc's malloc.h


def return_freed_memory(threshold: int = MIB) -> None:
    """Have the C library give every block of ``threshold`` bytes or more back to the system
    as soon as it is freed, for the life of the process.

    glibc keeps freed memory in the arena of the thread that freed it and raises its own
    threshold for this as large blocks come and go, so a worker whose threads take turns
    at decoding photos grows by a photo's pixels per thread, well past the decode ceiling
    (measured: a 7000 x 7000 photo at a time took a worker from 105 to 185 MB; with this,
    to 155 MB). Photos are the process's only allocations this large. Nothing happens
    where the C library is not glibc.
    """
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt(_M_MMAP_THRESHOLD, threshold)
