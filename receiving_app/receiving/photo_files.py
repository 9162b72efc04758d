"""Photo files that no row points at: what an upload leaves when its transaction fails or
its process dies between storing the photo and committing its row."""
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from ..evidence import PhotoStorage
from ..extensions import db
from ..models import Photo

# Far longer than any upload takes from storing its files to committing its row.
ORPHAN_AGE = timedelta(hours=1)
_BATCH = 500


def sweep_photo_files(storage: PhotoStorage, *, older_than: timedelta = ORPHAN_AGE
                      ) -> list[Path]:
    """Remove the stored files (photos, thumbnails, unfinished writes) that no photo row
    points at and that are older than `older_than`; answer the paths removed.

    Uploads never delete files (another upload of the same photo may have committed on
    them); this is how their leftovers go.
    """
    return storage.sweep(_with_row, older_than=older_than.total_seconds())


def _with_row(sha256s: Iterable[str]) -> set[str]:
    ids = list(sha256s)
    try:
        return {sha256 for start in range(0, len(ids), _BATCH)
                for sha256 in db.session.scalars(
                    sa.select(Photo.sha256).where(Photo.sha256.in_(ids[start:start + _BATCH])))}
    finally:
        # Only a look: ended before any file goes, so that on SQLite no writer waits for it.
        db.session.rollback()
