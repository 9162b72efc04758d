"""The message catalogues, compiled for the tests as `make translations` does."""
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"


def catalogue(locale: str = "zh_Hans"):
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=locale)


@pytest.fixture(scope="session")
def compiled_catalogues() -> None:
    """Compile every .po next to it (the .mo is not checked in), before any page asks for it:
    Flask-Babel keeps a catalogue it could not find as empty for the rest of the process."""
    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        with po.open("rb") as f:
            messages = read_po(f, locale=po.parts[-3])
        with po.with_suffix(".mo").open("wb") as f:
            write_mo(f, messages)
