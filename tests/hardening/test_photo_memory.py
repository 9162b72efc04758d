"""Photos cost a worker bounded memory: a gunicorn worker taking eight photos at once, each
of which would take hundreds of megabytes to decode, stays under 200 MB at its peak
(VmHWM, the kernel's own high-water mark of the worker's resident memory)."""
import io
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from PIL import Image

from receiving_app.accounts import create_api_token
from receiving_app.extensions import db
from receiving_app.models import Photo
from receiving_app.receiving import raise_exception
from tests.hardening.test_crash_safety import Gunicorn
from tests.support import images as gen
from tests.support.builders import arrived, submit, user

pytestmark = pytest.mark.both_databases

WORKER_CEILING_MB = 200


def peak_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    kilobytes = next(line.split()[1] for line in status.splitlines()
                     if line.startswith("VmHWM:"))
    return int(kilobytes) / 1024


def only_worker(server: Gunicorn) -> int:
    master = server.process.pid
    [worker] = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return int(worker)


def jpeg_of(size: tuple[int, int], *, orientation: int = 1) -> bytes:
    picture = Image.new("RGB", size, (150, 120, 80))
    exif = Image.Exif()
    exif[0x0112] = orientation
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=80, exif=exif.tobytes())
    return buffer.getvalue()


@pytest.fixture
def one_worker(demo, database_uri, tmp_path):
    """gunicorn with one worker of eight threads, as a small production host runs it."""
    asn = arrived(submit())
    exception_id = raise_exception(asn, "damaged", user=user("dock"), carton_label="C01").id
    token = create_api_token(user("dock"))
    db.session.remove()
    server = Gunicorn(database_uri, tmp_path, workers=1, threads=8)
    yield server, exception_id, token
    server.stop()


def upload_all(server, exception_id: int, token: str, photos: list[bytes]) -> list[int]:
    def upload(photo: bytes) -> int:
        return httpx.post(f"{server.url}/api/v1/exceptions/{exception_id}/photos",
                          files={"photo": ("p.jpg", photo, "image/jpeg")},
                          headers={"Authorization": f"Bearer {token}"}, timeout=180).status_code

    with ThreadPoolExecutor(len(photos)) as pool:
        return list(pool.map(upload, photos))


def test_eight_jpegs_declaring_7000x7000_in_a_few_bytes_leave_the_worker_under_200_mb(
        one_worker):
    server, exception_id, token = one_worker
    hostile = gen.hostile_files()["jpeg_declaring_7000x7000"]
    assert len(hostile) < 1000

    assert upload_all(server, exception_id, token, [hostile] * 8) == [422] * 8
    assert peak_mb(only_worker(server)) < WORKER_CEILING_MB
    assert db.session.scalar(sa.select(sa.func.count(Photo.id))) == 0


def test_eight_sound_photos_too_large_to_decode_in_the_worker_are_taken_under_200_mb(
        one_worker):
    """Each would take the worker 200 to 400 MB to decode: a 49-megapixel upright JPEG
    (decoded at its thumbnail's scale), a 12-megapixel one that must be turned and a
    49-megapixel PNG of a few kilobytes (both cleaned in a child process), and ordinary
    phone-sized photos beside them."""
    server, exception_id, token = one_worker
    photos = [jpeg_of((7000, 7000)), jpeg_of((4000, 3000), orientation=6),
              gen.png_of_blank_pixels(7000, 7000), gen.small_jpeg(1), gen.small_jpeg(2)]
    photos = [*photos, photos[0], photos[1], gen.small_jpeg(3)]

    assert upload_all(server, exception_id, token, photos) == [201] * 8
    assert peak_mb(only_worker(server)) < WORKER_CEILING_MB
    db.session.remove()
    sizes = sorted((p.width, p.height) for p in db.session.scalars(sa.select(Photo)))
    # the same photo twice on one exception is one photo; the turned one stands upright
    assert sizes == [(320, 240)] * 3 + [(3000, 4000)] + [(7000, 7000)] * 2


def test_a_photo_that_needs_more_than_the_childs_limit_is_refused_not_taken():
    """The child's address space is limited: a photo that needs more fails there."""
    from receiving_app.evidence import PhotoRefused
    from receiving_app.evidence.images import MAX_PIXELS
    from receiving_app.evidence.isolated import clean_in_child

    with pytest.raises(PhotoRefused) as refused:
        clean_in_child(gen.png_of_blank_pixels(7000, 7000), max_pixels=MAX_PIXELS,
                       allowance=64 * 1024 * 1024)
    assert (refused.value.status, refused.value.code) == (422, "too_large_to_decode")


def test_a_photo_cleaned_in_a_child_is_stored_as_the_worker_would_store_it(tmp_path):
    from receiving_app.evidence import PhotoStorage, ingest_photo
    from receiving_app.evidence.memory import DecodeMemory

    photo = jpeg_of((640, 480), orientation=6)
    here = ingest_photo(photo, "p.jpg", storage=PhotoStorage(tmp_path / "here"))
    there = ingest_photo(photo, "p.jpg", storage=PhotoStorage(tmp_path / "there"),
                         memory=DecodeMemory(1))  # nothing fits: the child cleans it
    assert (there.sha256, there.width, there.height) == (here.sha256, 480, 640)
    assert (tmp_path / "there").rglob("*.thumb.jpg")


def test_a_photo_waits_for_room_under_the_ceiling_and_is_told_to_come_back_if_none_comes():
    import threading

    from receiving_app.evidence import PhotoRefused
    from receiving_app.evidence.memory import DecodeMemory

    memory = DecodeMemory(100, wait=0.2)
    inside = threading.Event()
    leave = threading.Event()

    def decoding():
        with memory.reserve(60):
            inside.set()
            leave.wait(5)

    first = threading.Thread(target=decoding)
    first.start()
    inside.wait(5)
    with memory.reserve(40):  # fits beside it
        pass
    with pytest.raises(PhotoRefused) as busy:
        with memory.reserve(60):  # would go over the ceiling: waits, then gives up
            pass
    assert (busy.value.status, busy.value.code) == (503, "busy")
    leave.set()
    first.join(5)
    with memory.reserve(100):  # the first one's share is back
        pass
