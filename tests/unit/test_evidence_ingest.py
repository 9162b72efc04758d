"""Dock photos taken in as evidence: accepted types, cleaning, storage, barcodes."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image, ImageCms, ImageDraw

from receiving_app.evidence import PhotoStorage, StoredPhoto, decode_barcodes, ingest_photo
from receiving_app.evidence.ingest import display_filename
from tests.support import images as gen


@pytest.fixture
def storage(tmp_path: Path) -> PhotoStorage:
    return PhotoStorage(tmp_path / "photos")


def stored_files(storage: PhotoStorage) -> list[str]:
    return sorted(p.relative_to(storage.root).as_posix() for p in storage.root.rglob("*") if p.is_file())


def scene(size: tuple[int, int] = (800, 600)) -> Image.Image:
    return gen.background(2).crop((0, 0, *size))


def open_stored(storage: PhotoStorage, photo: StoredPhoto, variant: str = "full") -> Image.Image:
    return Image.open(io.BytesIO(storage.read(photo.sha256, variant)))


# --------------------------------------------------------------------------- accepted photos


@pytest.mark.parametrize(
    ("fmt", "mime"),
    [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp"), ("HEIF", "image/heif")],
)
def test_phone_photo_in_each_accepted_type_is_stored_as_clean_jpeg(
    storage: PhotoStorage, fmt: str, mime: str
) -> None:
    photo = ingest_photo(gen.encode(scene(), fmt), "IMG_0042", storage=storage)

    assert (photo.width, photo.height) == (800, 600)
    assert photo.content_type == "image/jpeg"
    assert photo.original_type == mime
    stored = storage.read(photo.sha256)
    assert stored[:3] == b"\xff\xd8\xff"
    assert photo.bytes == len(stored)
    assert stored_files(storage) == [
        f"{photo.sha256[:2]}/{photo.sha256[2:4]}/{photo.sha256}.jpg",
        f"{photo.sha256[:2]}/{photo.sha256[2:4]}/{photo.sha256}.thumb.jpg",
    ]


def test_same_photo_uploaded_twice_is_stored_once(storage: PhotoStorage) -> None:
    data = gen.jpeg(scene(), 90)

    first = ingest_photo(data, "IMG_1.JPG", storage=storage)
    second = ingest_photo(data, "IMG_1 (1).JPG", storage=storage)

    assert first.sha256 == second.sha256
    assert len(stored_files(storage)) == 2  # the photo and its thumbnail, once


def test_cleaning_is_deterministic_so_the_id_is_stable(tmp_path: Path) -> None:
    data, _ = gen.phone_photo_with_metadata()

    a = ingest_photo(data, "a.jpg", storage=PhotoStorage(tmp_path / "a"))
    b = ingest_photo(data, "b.jpg", storage=PhotoStorage(tmp_path / "b"))

    assert a.sha256 == b.sha256


def test_thumbnail_for_lists_is_at_most_320_px(storage: PhotoStorage) -> None:
    photo = ingest_photo(gen.jpeg(scene((1600, 900))), "wide.jpg", storage=storage)

    thumb = open_stored(storage, photo, "thumb")
    assert thumb.format == "JPEG"
    assert max(thumb.size) == 320
    assert thumb.size == (320, 180)


def test_received_at_is_the_server_time_in_utc(storage: PhotoStorage) -> None:
    before = datetime.now(UTC)
    photo = ingest_photo(gen.small_jpeg(), "x.jpg", storage=storage)

    assert photo.received_at.tzinfo is UTC
    assert before <= photo.received_at <= datetime.now(UTC)


# --------------------------------------------------------------------------- cleaning


def test_gps_and_camera_serial_are_stripped_and_photo_is_turned_upright(storage: PhotoStorage) -> None:
    data, facts = gen.phone_photo_with_metadata((640, 480))
    assert all(secret in data for secret in facts["secrets"])  # the test photo does carry them

    photo = ingest_photo(data, "IMG_0001.JPG", storage=storage)

    stored = storage.read(photo.sha256)
    for secret in facts["secrets"]:
        assert secret not in stored
    image = Image.open(io.BytesIO(stored))
    assert not image.getexif()
    assert b"Exif" not in stored and b"GPS" not in stored and b"http://ns.adobe.com/xap" not in stored
    assert "comment" not in image.info
    # Orientation 6: the landscape pixels are shown as portrait...
    assert (photo.width, photo.height) == (480, 640) == image.size
    # ...and the red corner encoded top-left is now top-right.
    red, grey = (255, 0, 0), (200, 200, 200)
    assert _close(image.getpixel((image.width - 10, 10)), red)
    assert _close(image.getpixel((10, 10)), grey)
    assert _close(image.getpixel((10, image.height - 10)), grey)


def test_heic_from_an_iphone_is_turned_upright_too(storage: PhotoStorage) -> None:
    # pillow-heif stores EXIF orientation as the container's rotation and
    # applies it itself when reading (resetting EXIF Orientation to 1).
    image = Image.new("RGB", (640, 480), (200, 200, 200))
    ImageDraw.Draw(image).rectangle((0, 0, 127, 95), fill=(255, 0, 0))
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "PhoneMaker"
    data = gen.encode(image, "HEIF", exif=exif.tobytes(), quality=90)

    photo = ingest_photo(data, "IMG_0002.HEIC", storage=storage)

    stored = open_stored(storage, photo)
    assert stored.size == (480, 640)
    assert _close(stored.getpixel((stored.width - 10, 10)), (255, 0, 0))
    assert b"PhoneMaker" not in storage.read(photo.sha256)


def test_photo_with_garbled_exif_is_still_taken(storage: PhotoStorage) -> None:
    good = gen.small_jpeg()
    garbage = b"Exif\x00\x00II*\x00" + b"\xff" * 40
    app1 = b"\xff\xe1" + (len(garbage) + 2).to_bytes(2, "big") + garbage
    data = good[:2] + app1 + good[2:]

    with pytest.warns(UserWarning, match="Corrupt EXIF"):
        photo = ingest_photo(data, "x.jpg", storage=storage)

    assert (photo.width, photo.height) == (320, 240)
    assert garbage not in storage.read(photo.sha256)


def test_colour_profile_is_kept_so_colours_stay_true(storage: PhotoStorage) -> None:
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = gen.jpeg(scene(), 90, icc_profile=profile)

    photo = ingest_photo(data, "p3.jpg", storage=storage)

    assert open_stored(storage, photo).info.get("icc_profile") == profile


def _segment(marker: int, body: bytes) -> bytes:
    return bytes((0xFF, marker)) + (len(body) + 2).to_bytes(2, "big") + body


def _pixels(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("RGB").tobytes()


@pytest.mark.parametrize("params", [{}, {"progressive": True}, {"restart_marker_rows": 1}],
                         ids=["baseline", "progressive", "restart-markers"])
def test_upright_jpeg_keeps_its_pixels_and_loses_its_metadata(
    storage: PhotoStorage, params: dict[str, object]
) -> None:
    # A photo already upright is not re-encoded: its coded pixels are kept as they are
    # (no second JPEG generation on the evidence), every metadata segment is cut out.
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x0112] = 1
    exif.get_ifd(0x8825)[2] = (51.0, 30.0, 12.5)
    upload = gen.jpeg(scene(), 93, exif=exif.tobytes(), icc_profile=profile,
                      comment=b"taken by J. Smith", **params)
    xmp = _segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta>Dock 4</x:xmpmeta>")
    maker = _segment(0xED, b"Photoshop 3.0\x00SECRET-IPTC")
    # blocks a decoder would look at, carrying other things, hidden after the frame header
    fake_icc = _segment(0xE2, b"ICC_PROFILE\x00\x02\x01SECRET-ICC")
    fake_adobe = _segment(0xEE, b"NotAdobe SECRET-APP14")
    first_scan = upload.index(b"\xff\xda")
    upload = (upload[:2] + xmp + maker + upload[2:first_scan] + fake_icc + fake_adobe
              + upload[first_scan:])

    photo = ingest_photo(upload, "IMG_7.JPG", storage=storage)

    stored = storage.read(photo.sha256)
    for secret in (b"PhoneMaker", b"J. Smith", b"Dock 4", b"SECRET-IPTC", b"Exif",
                   b"SECRET-ICC", b"SECRET-APP14"):
        assert secret not in stored
    assert stored.startswith(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00")  # YCbCr, as uploaded
    assert _pixels(stored) == _pixels(upload)
    assert len(stored) < len(upload)
    with Image.open(io.BytesIO(stored)) as image:
        assert image.info.get("icc_profile") == profile
        assert not image.getexif()
        assert image.info.get("progressive", 0) == params.get("progressive", 0)


def test_second_image_of_a_multi_picture_jpeg_is_not_kept(storage: PhotoStorage) -> None:
    first, second = gen.small_jpeg(1), gen.jpeg(scene(), 90, comment=b"hidden frame")

    photo = ingest_photo(first + second, "burst.jpg", storage=storage)

    stored = storage.read(photo.sha256)
    assert b"hidden frame" not in stored
    assert _pixels(stored) == _pixels(first)


def test_transparent_screenshot_is_flattened_onto_white(storage: PhotoStorage) -> None:
    image = Image.new("RGBA", (100, 80), (0, 0, 0, 0))
    ImageDraw.Draw(image).rectangle((0, 0, 49, 79), fill=(0, 0, 255, 255))

    photo = ingest_photo(gen.encode(image, "PNG"), "screen.png", storage=storage)

    stored = open_stored(storage, photo)
    assert _close(stored.getpixel((90, 40)), (255, 255, 255))
    assert _close(stored.getpixel((10, 40)), (0, 0, 255))


def test_jpeg_with_script_appended_is_accepted_but_the_script_is_not_kept(storage: PhotoStorage) -> None:
    # Not hostile in itself: bytes after the JPEG end marker are never
    # decoded, and only the coded pixels are stored or ever served.
    payload = b"<script>alert('dock')</script>"
    photo = ingest_photo(gen.small_jpeg() + payload, "x.jpg", storage=storage)

    assert payload not in storage.read(photo.sha256)


def test_file_name_is_only_kept_for_display() -> None:
    assert display_filename("../../etc/passwd.jpg") == "passwd.jpg"
    assert display_filename("C:\\Users\\dock\\IMG_1.JPG") == "IMG_1.JPG"
    assert display_filename("evil\x00name\n.jpg") == "evilname.jpg"
    assert display_filename("a\u202egnp.jpg") == "agnp.jpg"  # no right-to-left override tricks
    assert len(display_filename("x" * 1000)) == 200


# --------------------------------------------------------------------------- barcodes


def test_photo_of_an_sscc_label_yields_the_sscc(storage: PhotoStorage) -> None:
    sscc = "106141411234567897"
    label = gen.sscc_label(sscc, 1000)
    data = gen.jpeg(gen.photograph(label.image, seed=5, angle=4, blur=0.8, sensor_noise=4), 85)

    photo = ingest_photo(data, "pallet.jpg", storage=storage)

    [code] = photo.barcodes
    assert code["format"] == "Code128"
    assert code["symbology"] == "]C1"
    assert code["text"] == "00" + sscc
    assert code["gs1"]["sscc"] == sscc


def test_sscc_label_photographed_askew_is_still_read(storage: PhotoStorage) -> None:
    sscc = "00614141123456789" + gen.gs1_check_digit("00614141123456789")
    label = gen.sscc_label(sscc, 1200)
    data = gen.jpeg(gen.photograph(label.image, seed=9, angle=38, perspective=0.04), 85)

    photo = ingest_photo(data, "pallet.jpg", storage=storage)

    assert [c["gs1"]["sscc"] for c in photo.barcodes] == [sscc]


def test_datamatrix_with_lot_before_expiry_gives_gtin_lot_and_expiry(storage: PhotoStorage) -> None:
    # A lot in the middle needs a GS separator: it must survive to parse_scan.
    symbol = gen.barcode("(01)09506000134352(10)LOT-7A(17)270131", zxingcpp.BarcodeFormat.DataMatrix, gs1=True)
    picture = gen.photograph(
        symbol.resize((symbol.width * 8,) * 2).convert("RGB"), seed=3, angle=120, canvas=(1600, 1200)
    )
    # A PNG: barcodes are then read from the fully decoded image, not a JPEG draft.
    photo = ingest_photo(gen.encode(picture, "PNG", compress_level=1), "case.png", storage=storage)

    [code] = photo.barcodes
    assert code["format"] == "DataMatrix"
    assert code["symbology"] == "]d2"
    assert "\x1d" in code["text"]
    assert code["gs1"] == {
        "sscc": None,
        "gtin": "09506000134352",
        "lot": "LOT-7A",
        "expiry": "2027-01-31",
        "serial": None,
        "count": None,
    }


def test_photo_without_barcodes_is_stored_with_none(storage: PhotoStorage) -> None:
    photo = ingest_photo(gen.jpeg(gen.background(0)), "dented-corner.jpg", storage=storage)

    assert photo.barcodes == []
    assert storage.exists(photo.sha256)


def test_barcode_reader_crash_never_loses_the_photo(
    storage: PhotoStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("decoder blew up")

    monkeypatch.setattr(zxingcpp, "read_barcodes", broken)

    photo = ingest_photo(gen.small_jpeg(), "x.jpg", storage=storage)

    assert photo.barcodes == []
    assert storage.exists(photo.sha256)


def test_decode_barcodes_reads_a_plain_pillow_image() -> None:
    ean = "4006381333931"
    picture = gen.photograph(gen.ean13_label(ean, 900).image, seed=4, angle=90 + 3)

    codes = decode_barcodes(picture)

    assert [(c["format"], c["text"], c["symbology"], c["gs1"]) for c in codes] == [("EAN13", ean, "]E0", None)]


def test_test_generator_computes_gs1_check_digits() -> None:
    # The decode corpus relies on it: a wrong digit would read as a decoder miss.
    assert gen.gs1_check_digit("10614141123456789") == "7"  # GS1's example SSCC
    assert gen.gs1_check_digit("0950600013435") == "2"  # GS1's example GTIN


def _close(pixel: tuple[int, ...], expected: tuple[int, ...], tolerance: int = 12) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, expected))
