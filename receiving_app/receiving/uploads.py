"""A photo brought in as evidence, for an exception or a delivery: checked, cleaned and
stored before anything is written. Files are never deleted when the row that points at
them fails (another upload of the same photo may have committed its row on them):
`flask photos sweep` removes those no row points at (photo_files.py)."""
from dataclasses import dataclass
from datetime import datetime

from ..errors import StorageFailed
from ..evidence import PhotoStorage, StoredPhoto, ingest_photo
from ..extensions import db


@dataclass(frozen=True)
class Upload:
    """A photo as the phone or an ERP sent it, and where it is to be kept."""

    data: bytes
    filename: str
    storage: PhotoStorage
    max_bytes: int
    client_taken_at: datetime | None = None


def store_photo(upload: Upload) -> StoredPhoto:
    """Check, clean and store the photo (PhotoRefused when it is not one); nothing is
    written to the database.

    What the session read so far is let go first, as raising.attach_photo does: decoding a
    large photo takes seconds, and on SQLite the open transaction would hold the one write
    lock all that time. The caller reads what it needs again, under its locks.
    """
    db.session.rollback()
    try:
        return ingest_photo(upload.data, upload.filename, storage=upload.storage,
                            max_bytes=upload.max_bytes)
    except OSError as error:
        raise StorageFailed("The photo could not be stored (disk full?). Nothing was saved; "
                            "try again.") from error
