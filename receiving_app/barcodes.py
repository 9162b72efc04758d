"""What did the worker scan?

A pure module (no Flask, no database): :func:`parse_scan` takes the raw string a
keyboard-wedge scanner or phone camera delivered and says what it is: a GS1
carton label (SSCC), other GS1 data (GTIN + lot/expiry/serial/count), a bare
product number (UPC-A / EAN-13 / EAN-8 / GTIN-14), an Amazon FNSKU, or a plain
code. All GS1 work (AIs, check digits, dates) is done by ``biip``.

It never raises: bad check digits, junk and oversized input come back as a
:class:`Scan` with ``error`` set, and a scan with an error offers no match keys.
"""

import re
import string
from dataclasses import dataclass
from datetime import date
from typing import Any

from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from biip.gs1_element_strings import GS1ElementString
from biip.gs1_messages import GS1Message
from biip.gtin import Gtin

MAX_LENGTH = 512

# Scanner noise around a code: CR/LF and other whitespace, NUL padding, a leading
# GS (FNC1 in first position) or trailing GS, and the zero-width space / BOM that
# phone apps and clipboards add. str.strip(chars) is linear, unlike a regex.
_NOISE = string.whitespace + "\x00\x1c\x1d\x1e\x1f\x85\xa0\u200b\ufeff"

# ISO/IEC 15424 symbology identifier: "]" + symbology letter + modifier.
_SYMBOLOGY = re.compile(r"\][A-Za-z][0-9A-Za-z]")
# Identifiers whose data is a GS1 element string (FNC1 in first position).
_GS1_SYMBOLOGIES = {"]C1", "]d2", "]Q3", "]e0", "]e1", "]e2", "]J1"}
_HRI_START = re.compile(r"\(\d{2,4}\)")
_FNSKU = re.compile(r"X00[0-9A-Z]{7}", re.IGNORECASE)
_GTIN_LENGTHS = (8, 12, 13, 14)
# A bare (no symbology, no brackets) digit string is only taken as GS1 when it
# carries a key AI; otherwise "10-A-03" would become lot "-A-03".
_KEY_AIS = {"00", "01", "02"}


@dataclass(frozen=True)
class Scan:
    """One scan, classified. Only valid SSCC/GTINs are ever filled in."""

    raw: str  # exactly what came in
    code: str  # noise trimmed; for GS1 the bracketed form "(00)1061..."
    kind: str  # "sscc" | "gs1" | "product" | "fnsku" | "plain" | "empty"
    symbology: str | None  # "]C1", "]d2", "]Q3" ... when the scan carried one
    sscc: str | None = None  # 18 digits
    gtin: str | None = None  # GTIN-14
    lot: str | None = None
    expiry: date | None = None
    serial: str | None = None
    count: int | None = None
    error: str | None = None  # human message, e.g. "SSCC check digit wrong"

    def carton_keys(self) -> list[str]:
        """Strings to look up in a carton-label column, most specific first.

        The cleaned code, then for a valid SSCC the bare 18 digits, "00"+SSCC and
        "(00)"+SSCC, then the noise-trimmed raw scan. Empty if the scan has an
        error, so a mis-scanned label never matches anything.
        """
        if self.error:
            return []
        keys = [self.code]
        if self.sscc:
            keys += [self.sscc, "00" + self.sscc, "(00)" + self.sscc]
        keys.append(_clean(self.raw))
        return _unique(keys)

    def product_keys(self) -> list[str]:
        """Strings to look up in SKU barcode/code columns.

        The cleaned code, then for a valid GTIN the GTIN-14 and every shorter
        form (GTIN-13, UPC-12, EAN-8) reachable by dropping leading zeros, since
        SKUs are registered with whatever length was printed on the box.
        Empty if the scan has an error.
        """
        if self.error:
            return []
        keys = [self.code]
        if self.gtin:
            # gtin[:-n] are the digits dropped to reach length n; they must be zeros.
            keys += [self.gtin[-n:] for n in (14, 13, 12, 8) if not self.gtin[:-n].strip("0")]
        return _unique(keys)

    def to_dict(self) -> dict[str, Any]:
        """All fields as a JSON-safe dict (expiry as ISO date) for a scan event.

        NUL characters in ``raw``/``code`` become U+FFFD because PostgreSQL
        text/jsonb columns reject NUL, and ``raw`` is capped at twice
        MAX_LENGTH so a runaway scanner cannot bloat the event table.
        """
        return {
            "raw": self.raw[: 2 * MAX_LENGTH].replace("\x00", "\ufffd"),
            "code": self.code.replace("\x00", "\ufffd"),
            "kind": self.kind,
            "symbology": self.symbology,
            "sscc": self.sscc,
            "gtin": self.gtin,
            "lot": self.lot,
            "expiry": self.expiry.isoformat() if self.expiry else None,
            "serial": self.serial,
            "count": self.count,
            "error": self.error,
        }

    def gs1_dict(self) -> dict[str, Any] | None:
        """The GS1 data (sscc, gtin, lot, expiry, serial, count) of a GS1 scan, else None."""
        if self.kind not in ("sscc", "gs1"):
            return None
        return {
            "sscc": self.sscc,
            "gtin": self.gtin,
            "lot": self.lot,
            "expiry": self.expiry.isoformat() if self.expiry else None,
            "serial": self.serial,
            "count": self.count,
        }


def normalize_gtin(code: str) -> str | None:
    """Return the GTIN-14 for a UPC-A/EAN-13/EAN-8/GTIN-14 with a valid check digit.

    Anything else (wrong length, non-ASCII digits, bad check digit, all zeros)
    gives None.
    """
    if not (code.isascii() and code.isdigit() and len(code) in _GTIN_LENGTHS):
        return None
    if not code.strip("0"):
        return None  # biip accepts all zeros (check digit 0), but it is no product
    try:
        return Gtin.parse(code).as_gtin_14()
    except Exception:  # biip raises ParseError; never let a scan crash the dock
        return None


def gs1_check_digit(digits: str) -> str:
    """The GS1 mod-10 check digit to append to `digits` (for making labels and GTINs).

    Weights 3, 1, 3 ... from the right. Computed here rather than by biip: an ERP's
    50,000-carton ASN checks every SSCC label, and biip's general routine was most of
    that (docs/benchmarks.md). A test holds the two to the same answers.
    """
    if not (digits.isascii() and digits.isdigit()):
        raise ValueError(f"not digits: {digits!r}")
    total = sum(map(int, digits[-1::-2])) * 3 + sum(map(int, digits[-2::-2]))
    return str(-total % 10)


def parse_scan(raw: str) -> Scan:
    """Classify one scanner/camera string. Never raises."""
    try:
        return _parse(raw)
    except Exception:  # belt and braces: biip or a corner case we did not foresee
        return Scan(raw, _clean(raw)[:MAX_LENGTH], "plain", None, error="unreadable scan")


def _parse(raw: str) -> Scan:
    text = _clean(raw)
    if len(text) > MAX_LENGTH:
        return Scan(raw, text[:MAX_LENGTH], "plain", None, error="code too long")

    symbology = None
    data = text
    if match := _SYMBOLOGY.match(text):
        symbology = match.group()
        data = text[len(symbology) :].strip(_NOISE)
    if not data:
        return Scan(raw, "", "empty", symbology, error="empty scan")

    # A carton label's whole data, "00" and the SSCC: what the dock scans all day.
    if (scan := _sscc_label(raw, symbology, data)) is not None:
        return scan

    # The scanner told us this is GS1 data: it is GS1 or it is an error.
    if symbology in _GS1_SYMBOLOGIES:
        try:
            return _gs1_scan(raw, symbology, _gs1_elements(data))
        except Exception as exc:
            return Scan(raw, data, "gs1", symbology, error=_gs1_error(exc))

    # Typed or printed human-readable form: "(01)09506000134352(10)ABC".
    if _HRI_START.match(data):
        try:
            message = GS1Message.parse_hri(data)
            # parse_hri silently drops text it cannot place, e.g. "(10)AB(C)"
            # loses "(C)"; refuse rather than return a shortened lot.
            if message.as_hri() != "".join(data.split()):
                raise ValueError("HRI did not round-trip")
            return _gs1_scan(raw, symbology, message.element_strings)
        except Exception as exc:
            return Scan(raw, data, "gs1", symbology, error=_gs1_error(exc))

    if data.isascii() and data.isdigit() and len(data) in _GTIN_LENGTHS:
        # Checked before GS1: EAN-13 "4006381333931" also parses as AI 400.
        gtin = normalize_gtin(data)
        error = None
        if gtin is None:
            error = "GTIN check digit wrong" if data.strip("0") else "not a valid GTIN"
        return Scan(raw, data, "product", symbology, gtin=gtin, error=error)

    if _FNSKU.fullmatch(data):
        # Upper-cased: a wedge scanner with caps lock on sends "x001abcdef".
        return Scan(raw, data.upper(), "fnsku", symbology)

    # Bare GS1 from a scanner with symbology identifiers switched off, or a
    # GS1 Digital Link URL from a phone camera.
    try:
        elements = _gs1_elements(data)
        if any(es.ai.ai in _KEY_AIS for es in elements):
            return _gs1_scan(raw, symbology, elements)
    except Exception:
        pass  # not GS1: fall through

    # The 18 digits printed under an SSCC, keyed in without the "00".
    if (scan := _sscc_label(raw, symbology, "00" + data)) is not None and not scan.error:
        return scan

    return Scan(raw, data, "plain", symbology)


def _sscc_label(raw: str, symbology: str | None, data: str) -> Scan | None:
    """The Scan of GS1 data that is AI 00 and 18 digits alone, else None.

    Read here rather than by biip's general parser, which was a tenth of a carton scan
    (docs/benchmarks.md): the same Scan as _gs1_scan builds from biip's elements, a
    property test holds the two to each other.
    """
    if len(data) != 20 or not data.startswith("00") or not (data.isascii() and data.isdigit()):
        return None
    digits = data[2:]
    valid = gs1_check_digit(digits[:17]) == digits[17]
    return Scan(raw, f"(00){digits}", "sscc", symbology, sscc=digits if valid else None,
                error=None if valid else "SSCC check digit wrong")


def _gs1_elements(data: str) -> list[GS1ElementString]:
    """Element strings of GS1 data (AI string with GS separators, or Digital Link)."""
    if not data.isascii():
        # Python's \d and isdecimal() accept e.g. Arabic-Indic digits; GS1 is ASCII.
        raise ValueError("non-ASCII data")
    if data.lower().startswith(("http://", "https://")):
        return list(GS1DigitalLinkURI.parse(data).element_strings)
    return list(GS1Message.parse(data).element_strings)


def _gs1_scan(
    raw: str,
    symbology: str | None,
    elements: list[GS1ElementString],
    *,
    require_valid: bool = False,
) -> Scan:
    """Build a Scan from parsed GS1 element strings; a bad SSCC/GTIN becomes the error."""
    if not elements:
        raise ValueError("no GS1 element strings")
    by_ai: dict[str, GS1ElementString] = {}
    for es in elements:
        by_ai.setdefault(es.ai.ai, es)  # first occurrence wins

    error = None
    sscc = gtin = None
    if (sscc_es := by_ai.get("00")) is not None:
        if sscc_es.sscc is not None:
            sscc = sscc_es.sscc.value
        else:
            error = "SSCC check digit wrong"
    # biip only promotes AI 01 to ParseResult.gtin; AI 02 (contained GTIN on
    # a carton label) is read here from the element string itself.
    if (gtin_es := by_ai.get("01", by_ai.get("02"))) is not None:
        if gtin_es.gtin is not None:
            gtin = gtin_es.gtin.as_gtin_14()
        else:
            error = error or "GTIN check digit wrong"
    if error and require_valid:
        raise ValueError(error)

    def value(ai: str) -> str | None:
        es = by_ai.get(ai)
        return es.value if es is not None else None

    count = value("37")
    expiry_es = by_ai.get("17")
    return Scan(
        raw=raw,
        code="".join(es.as_hri() for es in elements),
        kind="sscc" if "00" in by_ai else "gs1",
        symbology=symbology,
        sscc=sscc,
        gtin=gtin,
        lot=value("10"),
        expiry=expiry_es.date if expiry_es is not None else None,
        serial=value("21"),
        count=int(count) if count is not None else None,
        error=error,
    )


def _gs1_error(exc: Exception) -> str:
    # biip names the failing AI ("... GS1 AI (17) pattern ...") or says "date"
    # (31 February); AIs 11-17 are the GS1 dates (production, best before, expiry).
    message = str(exc)
    if "date" in message or re.search(r"AI \(1[1-7]\)", message):
        return "bad date in GS1 data"
    return "not valid GS1 data"


def _clean(raw: str) -> str:
    return raw.strip(_NOISE)


def _unique(keys: list[str]) -> list[str]:
    return [k for k in dict.fromkeys(keys) if k]
