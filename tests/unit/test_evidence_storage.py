"""The photo store: content-addressed, write-once, atomic."""

from __future__ import annotations

import hashlib
import os
import time
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


# --- the sweep: files that no row points at, an hour after their upload ----------------------

HOUR = 3600.0
OTHER = b"\xff\xd8\xff another pretend jpeg"
OTHER_SHA = hashlib.sha256(OTHER).hexdigest()


def aged(path: Path, seconds: float = HOUR + 60) -> Path:
    then = time.time() - seconds
    os.utime(path, (then, then))
    return path


def test_storing_a_photo_that_is_already_there_makes_it_young_again(storage: PhotoStorage) -> None:
    """An upload that takes up a stored file says so on it: the sweep then leaves it be."""
    path = aged(storage.put(DATA, SHA))

    storage.put(DATA, SHA)

    assert time.time() - path.stat().st_mtime < 60


def test_the_sweep_removes_old_files_no_row_points_at_and_nothing_else(
        storage: PhotoStorage, tmp_path: Path) -> None:
    orphan = [aged(storage.put(DATA, SHA)), aged(storage.put(b"thumb", SHA, "thumb"))]
    kept = aged(storage.put(OTHER, OTHER_SHA))  # a row points at it
    young = storage.put(b"young thumb", OTHER_SHA, "thumb")  # an upload may be on its way
    partial = tmp_path / SHA[:2] / SHA[2:4] / ".incoming-x.part"  # a write that died
    partial.write_bytes(b"half a photo")
    aged(partial)
    unrelated = tmp_path / "notes.txt"
    unrelated.write_text("not a photo")
    aged(unrelated)
    asked: list[set[str]] = []

    removed = storage.sweep(lambda ids: asked.append(set(ids)) or {OTHER_SHA}, older_than=HOUR)

    assert sorted(removed) == sorted([*orphan, partial])
    assert all_files(tmp_path) == sorted(p.relative_to(tmp_path).as_posix()
                                         for p in (kept, young, unrelated))
    assert set().union(*asked) == {SHA, OTHER_SHA}


def test_a_file_an_upload_takes_up_while_the_sweep_runs_is_kept(storage: PhotoStorage) -> None:
    """The sweep looked (no row yet); an upload of the same photo then finds the file and
    commits its row on it before the sweep acts: the file must stay."""
    path = aged(storage.put(DATA, SHA))

    def no_row_yet(ids):
        storage.put(DATA, SHA)  # the other upload, between the look and the removal
        return set()

    assert storage.sweep(no_row_yet, older_than=HOUR) == []
    assert storage.read(SHA) == DATA and path.is_file()


def test_a_file_set_aside_by_a_sweep_that_died_is_put_back_when_a_row_points_at_it(
        storage: PhotoStorage) -> None:
    path = aged(storage.put(DATA, SHA))
    aside = path.with_name(path.name + ".sweeping")
    path.rename(aside)  # the sweep died between setting it aside and looking again

    assert storage.sweep(lambda ids: {SHA}, older_than=HOUR) == []
    assert storage.read(SHA) == DATA and not aside.exists()
