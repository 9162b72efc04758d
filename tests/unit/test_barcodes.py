"""What did the worker scan? Tests for receiving_app.barcodes.

Every SSCC/GTIN here is a real published GS1 example or built with a correct
mod-10 check digit by `with_check_digit` (which is itself checked against the
published examples first).
"""

import json
from datetime import date

import pytest
from biip.checksums import gs1_standard_check_digit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from receiving_app.barcodes import MAX_LENGTH, Scan, gs1_check_digit, normalize_gtin, parse_scan

GS = "\x1d"  # what scanners send for FNC1 between variable-length AIs

# Published examples (GS1 General Specifications, GS1 web, Wikipedia).
SSCC = "106141412345678908"
GTIN = "09506000134352"
UPC_A = "036000291452"
EAN_13 = "4006381333931"
EAN_8 = "96385074"


def check_digit(payload: str) -> str:
    """GS1 mod-10: weights 3,1,3,... from the right of the payload."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(payload)))
    return str(-total % 10)


def with_check_digit(payload: str) -> str:
    return payload + check_digit(payload)


def wrong_check_digit(code: str) -> str:
    return code[:-1] + str((int(code[-1]) + 1) % 10)


BAD_SSCC = wrong_check_digit(SSCC)
BAD_GTIN = wrong_check_digit(GTIN)
OTHER_SSCC = with_check_digit("0" + "0614141" + "000004711")  # a second pallet


def test_check_digit_helper_agrees_with_published_examples():
    for code in (SSCC, GTIN, UPC_A, EAN_13, EAN_8):
        assert with_check_digit(code[:-1]) == code, code


@given(st.text(alphabet="0123456789", min_size=1, max_size=40))
def test_our_check_digit_is_biips(digits):
    assert gs1_check_digit(digits) == str(gs1_standard_check_digit(digits))


@pytest.mark.parametrize("digits", ["", "12a4", "１２３", "12 3"])
def test_check_digit_of_anything_but_digits_is_refused(digits):
    with pytest.raises(ValueError):
        gs1_check_digit(digits)


# --- carton labels (SSCC, AI 00) -------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "symbology"),
    [
        ("]C100" + SSCC, "]C1"),  # GS1-128 with symbology identifier
        ("]d200" + SSCC, "]d2"),  # GS1 DataMatrix
        ("]Q300" + SSCC, "]Q3"),  # GS1 QR
        ("00" + SSCC, None),  # scanner with identifiers switched off
        (GS + "00" + SSCC, None),  # FNC1 in first position sent as GS
        ("(00)" + SSCC, None),  # human-readable line typed in
        ("(00) 1 0614141 234567890 8", None),  # ... with the printed spacing
        (SSCC, None),  # just the 18 digits
        ("]C100" + SSCC + "\r\n", "]C1"),  # wedge scanner's Enter
        ("  00" + SSCC + " \n", None),
        ("\x00" + "00" + SSCC + "\x00", None),  # NUL padding
    ],
)
def test_carton_label_is_recognised_as_sscc_in_every_form(raw, symbology):
    scan = parse_scan(raw)
    assert scan.kind == "sscc"
    assert scan.sscc == SSCC
    assert scan.code == "(00)" + SSCC
    assert scan.symbology == symbology
    assert scan.error is None
    assert scan.raw == raw  # exactly what came in


def test_carton_keys_of_sscc_scan_include_the_bare_18_digits():
    keys = parse_scan("]C100" + SSCC + "\r\n").carton_keys()
    assert keys[0] == "(00)" + SSCC
    assert {SSCC, "00" + SSCC, "(00)" + SSCC, "]C100" + SSCC} == set(keys)
    assert len(keys) == len(set(keys))


def test_a_second_pallet_label_gives_its_own_sscc():
    scan = parse_scan("00" + OTHER_SSCC)
    assert (scan.kind, scan.sscc, scan.error) == ("sscc", OTHER_SSCC, None)


@pytest.mark.parametrize("raw", ["00" + BAD_SSCC, "]C100" + BAD_SSCC, "(00)" + BAD_SSCC])
def test_sscc_with_bad_check_digit_is_reported_not_matched(raw):
    scan = parse_scan(raw)
    assert scan.kind == "sscc"
    assert scan.error == "SSCC check digit wrong"
    assert scan.sscc is None
    assert scan.carton_keys() == []
    assert scan.product_keys() == []


@settings(max_examples=500, deadline=None)
@given(digits=st.text(alphabet="0123456789", min_size=18, max_size=18),
       prefix=st.sampled_from(["]C1", "]d2", "]Q3", "]C0", "", "\x1d"]))
def test_a_carton_label_reads_as_biips_general_parser_reads_it(digits, prefix):
    """parse_scan reads "00" + 18 digits itself, not through biip; biip's answer is the
    reference, for every label, with a good check digit or not, in every form."""
    from biip.gs1_messages import GS1Message

    from receiving_app.barcodes import _gs1_scan

    raw = prefix + "00" + digits
    symbology = prefix if prefix.startswith("]") else None
    reference = _gs1_scan(raw, symbology, GS1Message.parse("00" + digits).element_strings)
    assert parse_scan(raw) == reference


def test_bare_18_digits_with_bad_check_digit_is_just_a_plain_code():
    scan = parse_scan(BAD_SSCC)
    assert (scan.kind, scan.sscc, scan.error) == ("plain", None, None)


def test_mixed_pallet_label_exposes_contained_gtin_and_count():
    # SSCC label with AI 02 (GTIN of contained goods) and AI 37 (count) riding along.
    scan = parse_scan("]C1" + "00" + SSCC + "02" + GTIN + "37" + "24" + GS)
    assert scan.kind == "sscc"
    assert (scan.sscc, scan.gtin, scan.count) == (SSCC, GTIN, 24)
    assert scan.code == f"(00){SSCC}(02){GTIN}(37)24"
    assert SSCC in scan.carton_keys()
    assert GTIN in scan.product_keys()


def test_sscc_after_a_variable_length_ai_needs_the_gs_separator():
    scan = parse_scan("]C1" + "02" + GTIN + "37" + "12" + GS + "00" + SSCC)
    assert (scan.kind, scan.sscc, scan.gtin, scan.count) == ("sscc", SSCC, GTIN, 12)


# --- GS1 product data (GTIN + lot / expiry / serial / count) --------------------


@pytest.mark.parametrize(
    ("raw", "symbology", "lot", "expiry", "serial", "count"),
    [
        # GS1-128: lot is variable length, so a GS ends it before the expiry.
        ("]C101" + GTIN + "10ABC123" + GS + "17201225", "]C1", "ABC123", date(2020, 12, 25), None, None),
        # GS1 DataMatrix: fixed-length 17 needs no GS, lot does.
        ("]d201" + GTIN + "17201225" + "10ABC123" + GS + "3712", "]d2", "ABC123", date(2020, 12, 25), None, 12),
        ("]d201" + GTIN + "21SN0001" + GS + "10L-7", "]d2", "L-7", None, "SN0001", None),
        ("]Q301" + GTIN + "10ABC" + GS + "21XYZ", "]Q3", "ABC", None, "XYZ", None),
        ("]e001" + GTIN + "17251231", "]e0", None, date(2025, 12, 31), None, None),  # DataBar
        ("(01)" + GTIN + "(17)201225(10)ABC123", None, "ABC123", date(2020, 12, 25), None, None),
        ("01" + GTIN + "17201225" + "10ABC123", None, "ABC123", date(2020, 12, 25), None, None),
        ("01" + GTIN + "10B7" + GS + "3700000100\r\n", None, "B7", None, None, 100),
    ],
)
def test_gs1_product_scan_exposes_gtin_lot_expiry_serial_count(raw, symbology, lot, expiry, serial, count):
    scan = parse_scan(raw)
    assert scan.kind == "gs1"
    assert scan.symbology == symbology
    assert scan.gtin == GTIN
    assert (scan.lot, scan.expiry, scan.serial, scan.count) == (lot, expiry, serial, count)
    assert scan.sscc is None and scan.error is None
    assert scan.code.startswith("(01)" + GTIN)


def test_datamatrix_product_keys_match_a_sku_registered_by_its_ean13():
    scan = parse_scan("]d201" + GTIN + "17201225" + "10ABC123")
    ean13 = GTIN[1:]
    assert normalize_gtin(ean13) == GTIN  # the EAN-13 is itself a valid code
    assert scan.product_keys() == [scan.code, GTIN, ean13]


@pytest.mark.parametrize(
    ("hri", "expected"),
    [
        ("(17)250200", date(2025, 2, 28)),  # day 00 = last day of the month
        ("(17)240200", date(2024, 2, 29)),  # ... leap year
        ("(17)241200", date(2024, 12, 31)),
    ],
)
def test_expiry_day_00_means_end_of_month(hri, expected):
    assert parse_scan("(01)" + GTIN + hri).expiry == expected


@pytest.mark.parametrize("expiry", ["251301", "250231", "2512"])
def test_impossible_expiry_date_is_an_error_not_a_guess(expiry):
    scan = parse_scan("]C101" + GTIN + "17" + expiry)
    assert scan.kind == "gs1"
    assert scan.error == "bad date in GS1 data"
    assert scan.expiry is None and scan.product_keys() == []


@pytest.mark.parametrize(
    "raw", ["(01)" + BAD_GTIN, "]d201" + BAD_GTIN + "10ABC", "01" + BAD_GTIN + "17201225"]
)
def test_gs1_gtin_with_bad_check_digit_is_reported_not_matched(raw):
    scan = parse_scan(raw)
    assert scan.kind == "gs1"
    assert scan.error == "GTIN check digit wrong"
    assert scan.gtin is None
    assert scan.product_keys() == [] and scan.carton_keys() == []


def test_unreadable_data_behind_a_gs1_symbology_is_an_error():
    scan = parse_scan("]C1ACME-C0001")
    assert (scan.kind, scan.symbology, scan.error) == ("gs1", "]C1", "not valid GS1 data")


def test_bracketed_text_that_would_be_silently_dropped_is_refused():
    # biip's HRI parser would quietly turn lot "AB(C)" into "AB".
    scan = parse_scan("(01)" + GTIN + "(10)AB(C)")
    assert scan.error == "not valid GS1 data" and scan.lot is None


def test_gs1_digital_link_url_from_a_phone_camera():
    scan = parse_scan(f"https://id.gs1.org/01/{GTIN}/10/ABC?17=250200")
    assert (scan.kind, scan.gtin, scan.lot, scan.expiry) == ("gs1", GTIN, "ABC", date(2025, 2, 28))


# --- bare product numbers ------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "gtin14"),
    [
        (UPC_A, "00" + UPC_A),
        (EAN_13, "0" + EAN_13),
        (EAN_8, "000000" + EAN_8),
        (GTIN, GTIN),  # bare 14 digits = GTIN-14
        ("]E0" + EAN_13, "0" + EAN_13),  # EAN symbology identifier
        (UPC_A + "\r\n", "00" + UPC_A),
    ],
)
def test_bare_product_number_is_a_product_with_gtin14(raw, gtin14):
    scan = parse_scan(raw)
    assert (scan.kind, scan.gtin, scan.error) == ("product", gtin14, None)
    assert scan.code == raw.strip().removeprefix("]E0")
    assert scan.gs1_dict() is None  # a bare EAN carries no GS1 AIs


def test_ean13_is_a_product_even_though_it_parses_as_gs1_ai_400():
    assert parse_scan(EAN_13).kind == "product"


@pytest.mark.parametrize(
    "raw", [wrong_check_digit(c) for c in (UPC_A, EAN_13, EAN_8, GTIN)] + ["00000000"]
)
def test_bare_product_number_with_bad_check_digit_is_reported_not_matched(raw):
    scan = parse_scan(raw)
    assert scan.kind == "product"
    assert scan.error in ("GTIN check digit wrong", "not a valid GTIN")
    assert scan.gtin is None
    assert scan.product_keys() == [] and scan.carton_keys() == []


@pytest.mark.parametrize(
    ("raw", "keys"),
    [
        (UPC_A, [UPC_A, "00" + UPC_A, "0" + UPC_A]),
        (EAN_8, [EAN_8, "000000" + EAN_8, "00000" + EAN_8, "0000" + EAN_8]),
        (EAN_13, [EAN_13, "0" + EAN_13]),
        ("0" + EAN_13, ["0" + EAN_13, EAN_13]),  # GTIN-14 of an EAN-13
    ],
)
def test_product_keys_cover_the_shorter_forms_a_sku_may_be_registered_with(raw, keys):
    assert parse_scan(raw).product_keys() == keys


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (UPC_A, "00" + UPC_A),
        (EAN_13, "0" + EAN_13),
        (EAN_8, "000000" + EAN_8),
        (GTIN, GTIN),
        (wrong_check_digit(EAN_13), None),
        (SSCC, None),  # wrong length
        ("", None),
        ("٠٣٦٠٠٠٢٩١٤٥٢", None),  # Arabic-Indic digits are not barcode digits
        ("00000000000000", None),
    ],
)
def test_normalize_gtin(code, expected):
    assert normalize_gtin(code) == expected


# --- Amazon FNSKU, plain codes, empty, junk ------------------------------------


@pytest.mark.parametrize("raw", ["X001ABCDEF", "X00ZZ9Y8X7\r\n", "x001abcdef"])  # caps lock
def test_amazon_fnsku(raw):
    scan = parse_scan(raw)
    assert scan.kind == "fnsku"
    assert scan.code == raw.strip().upper()
    assert scan.carton_keys()[0] == scan.code


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("ACME-C0001", "ACME-C0001"),  # a carton label of our own
        (" ACME-C0001 \r\n", "ACME-C0001"),
        ("10-A-03", "10-A-03"),  # a bin, not AI 10 lot "-A-03"
        ("X001ABCDE", "X001ABCDE"),  # 9 chars: not an FNSKU
        ("B00EXAMPLE", "B00EXAMPLE"),  # ASIN-style FNSKU is not recognised
        ("1234567", "1234567"),  # 7 digits: no GTIN length
        ("]A0ACME-C0001", "ACME-C0001"),  # Code 39 with identifier
        ("https://example.com/p/1", "https://example.com/p/1"),
    ],
)
def test_anything_else_is_a_plain_code_trimmed_of_scanner_noise(raw, code):
    scan = parse_scan(raw)
    assert (scan.kind, scan.code, scan.error) == ("plain", code, None)
    assert scan.carton_keys()[0] == code
    assert scan.product_keys() == [code]


@pytest.mark.parametrize("raw", ["", "  \r\n", "\x00", "]C1", "]d2\r\n"])
def test_empty_scan(raw):
    scan = parse_scan(raw)
    assert (scan.kind, scan.code, scan.error) == ("empty", "", "empty scan")
    assert scan.carton_keys() == [] and scan.product_keys() == []


@pytest.mark.parametrize("raw", ["A" * (MAX_LENGTH + 1), "00" + SSCC + "1" * 100_000])
def test_very_long_scan_is_reported_too_long(raw):
    scan = parse_scan(raw)
    assert (scan.kind, scan.error) == ("plain", "code too long")
    assert len(scan.code) == MAX_LENGTH
    assert scan.carton_keys() == []


JUNK = [
    "]", "(", "(00)", "]C1" + GS * 3, "]d2https://", "\ud800", "😀📦",
    "٠٠١٠٦١٤١٤١٢٣٤٥٦٧٨٩٠٨",  # an SSCC in Arabic-Indic digits
    "\x00 " * 50_000 + "x", "(01)" + GTIN + "(00)",
]


@pytest.mark.parametrize("raw", JUNK)
def test_junk_never_raises_and_stays_storable(raw):
    scan = parse_scan(raw)
    assert isinstance(scan, Scan) and scan.raw == raw
    json.dumps(scan.to_dict())
    scan.carton_keys(), scan.product_keys(), scan.gs1_dict()


@settings(max_examples=300, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.text(),
        st.text(alphabet="0123456789()]CdQ1e" + GS + "\r\n ", max_size=60),
        st.from_regex(r"\A(\]C1|\]d2)?(0[012]\d{14,18}|1[07]\d{6}|10[A-Z0-9]{1,8}|\x1d|37\d{1,4})+\Z"),
    )
)
def test_parse_scan_never_raises_for_any_string(raw):
    scan = parse_scan(raw)
    assert scan.raw == raw
    json.dumps(scan.to_dict())
    if scan.error:  # an error never leaves a matchable key behind
        assert scan.carton_keys() == [] and scan.product_keys() == []
    if scan.sscc:
        assert len(scan.sscc) == 18 and with_check_digit(scan.sscc[:-1]) == scan.sscc
    if scan.gtin:
        assert len(scan.gtin) == 14 and with_check_digit(scan.gtin[:-1]) == scan.gtin


# --- storing the scan ---------------------------------------------------------


def test_to_dict_is_json_safe_with_iso_expiry():
    raw = "]d201" + GTIN + "17250200" + "10ABC" + GS + "21S1"
    data = parse_scan(raw).to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data == {
        "raw": raw, "code": f"(01){GTIN}(17)250200(10)ABC(21)S1", "kind": "gs1",
        "symbology": "]d2", "sscc": None, "gtin": GTIN, "lot": "ABC",
        "expiry": "2025-02-28", "serial": "S1", "count": None, "error": None,
    }


def test_to_dict_makes_nul_storable_in_postgres():
    assert "\x00" not in json.dumps(parse_scan("\x00AB\x00CD\x00").to_dict())


def test_gs1_dict_for_carton_label_and_none_for_plain_code():
    assert parse_scan("00" + SSCC + "02" + GTIN + "3710").gs1_dict() == {
        "sscc": SSCC, "gtin": GTIN, "lot": None, "expiry": None, "serial": None, "count": 10,
    }
    assert parse_scan("ACME-C0001").gs1_dict() is None
