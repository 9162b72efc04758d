"""Hostile uploads: refused by content with the right status, and nothing left on disk."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from PIL import EpsImagePlugin

from receiving_app.evidence import PhotoRefused, PhotoStorage, ingest_photo
from tests.support import images as gen

CONTENT_ADDRESSED = re.compile(r"[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{64}(\.thumb)?\.jpg")

# name in gen.hostile_files() -> (HTTP status, code)
REFUSALS = {
    "svg": (415, "unsupported_type"),
    "html": (415, "unsupported_type"),
    "eps": (415, "unsupported_type"),
    "pdf": (415, "unsupported_type"),
    "tiff": (415, "unsupported_type"),
    "gif": (415, "unsupported_type"),
    "bmp": (415, "unsupported_type"),
    # Polyglots are judged by their first bytes: a GIF/JAR or an HTML page is
    # not a photo even with a whole JPEG inside.
    "gifar": (415, "unsupported_type"),
    "html_with_jpeg_inside": (415, "unsupported_type"),
    "truncated_jpeg": (422, "truncated"),
    "truncated_png": (422, "truncated"),
    "truncated_webp": (422, "truncated"),
    "truncated_heic": (422, "truncated"),
    "jpeg_header_only": (422, "corrupt"),
    "jpeg_declaring_7000x7000": (422, "truncated"),
    "jpeg_cut_and_closed": (422, "truncated"),
    "arithmetic_jpeg": (415, "unsupported_type"),
    "empty": (422, "empty"),
    "decompression_bomb": (422, "decompression_bomb"),
    "bomb_in_warning_band": (422, "decompression_bomb"),
    "too_many_pixels": (422, "too_many_pixels"),
}


@pytest.fixture
def storage(tmp_path: Path) -> PhotoStorage:
    return PhotoStorage(tmp_path / "photos")


def files_under(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_every_hostile_file_has_an_expected_refusal() -> None:
    assert set(REFUSALS) == set(gen.hostile_files())


@pytest.mark.parametrize("name", sorted(REFUSALS))
def test_hostile_upload_renamed_jpg_is_refused_and_leaves_nothing_on_disk(
    name: str, storage: PhotoStorage, tmp_path: Path
) -> None:
    status, code = REFUSALS[name]

    with pytest.raises(PhotoRefused) as refused:
        ingest_photo(gen.hostile_files()[name], "IMG_0001.jpg", storage=storage)

    assert (refused.value.status, refused.value.code) == (status, code)
    assert str(refused.value)  # a sentence for the dock worker, not a stack trace
    assert files_under(tmp_path) == []


def test_body_over_the_size_limit_is_refused_413_before_any_decoding(
    storage: PhotoStorage, tmp_path: Path
) -> None:
    data = gen.small_jpeg()

    with pytest.raises(PhotoRefused) as refused:
        ingest_photo(data, "big.jpg", storage=storage, max_bytes=len(data) - 1)

    assert (refused.value.status, refused.value.code) == (413, "too_large")
    assert files_under(tmp_path) == []
    # Exactly at the limit is fine.
    ingest_photo(data, "big.jpg", storage=storage, max_bytes=len(data))


def test_oversize_limit_applies_even_to_non_images(storage: PhotoStorage) -> None:
    with pytest.raises(PhotoRefused) as refused:
        ingest_photo(b"<html>" * 100, "x.jpg", storage=storage, max_bytes=100)

    assert refused.value.status == 413


def test_eps_never_reaches_ghostscript(storage: PhotoStorage, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[object] = []

    def no_subprocess(*args: object, **kwargs: object) -> None:
        started.append(args)
        raise AssertionError("a subprocess was started for an upload")

    monkeypatch.setattr(subprocess, "Popen", no_subprocess)
    monkeypatch.setattr(subprocess, "check_call", no_subprocess)
    monkeypatch.setattr(EpsImagePlugin.EpsImageFile, "_open", no_subprocess)

    with pytest.raises(PhotoRefused) as refused:
        ingest_photo(gen.EPS, "label.jpg", storage=storage)

    assert refused.value.status == 415
    assert started == []  # not even Pillow's EPS parser looked at it


def test_type_is_judged_by_content_not_by_name(storage: PhotoStorage) -> None:
    png = gen.encode(gen.background(0).crop((0, 0, 200, 100)), "PNG")

    photo = ingest_photo(png, "totally-an-image.svg", storage=storage)

    assert photo.original_type == "image/png"


@pytest.mark.parametrize(
    "filename",
    ["../../etc/passwd.jpg", "evil\x00.jpg", "/tmp/absolute.jpg", "..\\..\\windows\\win.ini", "", "\n.jpg"],
)
def test_hostile_file_name_on_a_valid_jpeg_never_touches_the_filesystem(
    filename: str, storage: PhotoStorage, tmp_path: Path
) -> None:
    before = sorted(p.name for p in tmp_path.parent.iterdir())

    photo = ingest_photo(gen.small_jpeg(), filename, storage=storage)

    files = files_under(storage.root)
    assert len(files) == 2
    assert all(CONTENT_ADDRESSED.fullmatch(f) for f in files)
    assert all(photo.sha256 in f for f in files)
    assert files_under(tmp_path) == [f"photos/{f}" for f in files]
    assert sorted(p.name for p in tmp_path.parent.iterdir()) == before
    assert "/" not in photo.original_filename and "\x00" not in photo.original_filename


@pytest.mark.parametrize("params", [
    {}, {"subsampling": 0}, {"subsampling": 1}, {"progressive": True},
    {"restart_marker_rows": 1}, {"restart_marker_blocks": 3},
    {"progressive": True, "restart_marker_blocks": 5},
], ids=["4:2:0", "4:4:4", "4:2:2", "progressive", "restart-rows", "restart-blocks",
        "progressive-restarts"])
@pytest.mark.parametrize("scene", ["grain", "flat"])
def test_every_sound_jpeg_fills_the_frame_it_declares(params: dict, scene: str) -> None:
    """The refusal of short scan data never refuses a whole file, however flat its picture
    (a flat one codes each block in a few bits)."""
    from PIL import Image

    from receiving_app.evidence.images import check_jpeg_scans

    picture = gen.noise_image((333, 250), 40, gen.random.Random(3)) if scene == "grain" \
        else Image.new("RGB", (2999, 2001), (120, 120, 120))
    check_jpeg_scans(gen.jpeg(picture, 90, **params))
    for mode in ("L", "CMYK"):
        buffer = gen.io.BytesIO()
        picture.convert(mode).save(buffer, "JPEG", quality=90, **params)
        check_jpeg_scans(buffer.getvalue())
