"""The photo store: content-addressed, write-once, atomic."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from receiving_app.evidence import PhotoStorage

DATA = b"\xff\xd8\xff pretend jpeg"
SHA = hashlib.sha256(DATA).hexdigest()


@pytest.fixture
def storage(tmp_path: Path) -> PhotoStorage:
    return PhotoStorage(tmp_path)


def all_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_photo_is_filed_under_its_hash(storage: PhotoStorage, tmp_path: Path) -> None:
    path = storage.put(DATA, SHA)

    assert path == tmp_path / SHA[:2] / SHA[2:4] / f"{SHA}.jpg"
    assert storage.read(SHA) == DATA
    assert storage.exists(SHA)
    assert not storage.exists(SHA, "thumb")
    assert storage.path(SHA, "thumb").name == f"{SHA}.thumb.jpg"


def test_the_same_photo_is_written_once(storage: PhotoStorage, monkeypatch: pytest.MonkeyPatch) -> None:
    storage.put(DATA, SHA)
    replaced: list[object] = []
    monkeypatch.setattr(os, "replace", lambda *a: replaced.append(a))

    storage.put(DATA, SHA)

    assert replaced == []


def test_a_crash_mid_write_leaves_no_partial_file(
    storage: PhotoStorage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def power_cut(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", power_cut)

    with pytest.raises(OSError):
        storage.put(DATA, SHA)

    assert all_files(tmp_path) == []


def test_data_must_match_its_hash(storage: PhotoStorage, tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        storage.put(b"something else", SHA)

    assert all_files(tmp_path) == []


@pytest.mark.parametrize(
    "bad_id",
    [
        "../" + SHA[3:],
        SHA.upper(),
        SHA[:-1],
        SHA + "0",
        SHA[:-1] + "/",
        SHA[:-1] + "\x00",
        "",
        "0" * 63 + "g",
    ],
)
def test_a_malformed_photo_id_never_becomes_a_path(storage: PhotoStorage, bad_id: str) -> None:
    for call in (storage.path, storage.exists, storage.read):
        with pytest.raises(ValueError):
            call(bad_id)
    with pytest.raises(ValueError):
        storage.put(DATA, bad_id)


def test_unknown_variant_is_refused(storage: PhotoStorage) -> None:
    with pytest.raises(ValueError):
        storage.path(SHA, "../../x")


def test_missing_photo_reads_as_file_not_found(storage: PhotoStorage) -> None:
    with pytest.raises(FileNotFoundError):
        storage.read(SHA)
