"""The benchmark's pure parts: percentiles, generated ASNs, the page parser, the report."""
import random

import pytest

from bench.data import asn_payload, packing_list_csv
from bench.http import parse_response
from bench.pages import linked_paths
from bench.report import BEGIN, END, markdown, update_docs
from bench.stats import latency_summary, percentile, ratio
from receiving_app.barcodes import parse_scan
from receiving_app.receiving.intake import _sscc_of
from receiving_app.receiving.packing_list import PackingList


def test_p99_of_a_hundred_latencies_is_the_ninety_ninth_slowest_not_an_interpolation():
    values = list(range(1, 101))
    random.Random(1).shuffle(values)
    assert percentile(values, 0.99) == 99
    assert percentile(values, 0.50) == 50
    assert percentile([7], 0.99) == 7


def test_latencies_in_seconds_are_reported_in_milliseconds():
    summary = latency_summary([0.010, 0.020, 0.030, 0.040])
    assert summary == {"p50_ms": 20.0, "p95_ms": 40.0, "p99_ms": 40.0, "max_ms": 40.0}
    assert ratio(50, 200) == 0.25 and ratio(50, 0) is None


def test_a_generated_asn_has_exactly_the_lines_asked_for_with_some_mixed_cartons():
    payload = asn_payload("GEN-1", 1_001)
    lines = [line for carton in payload["cartons"] for line in carton["contents"]]
    assert len(lines) == 1_001
    assert any(len(c["contents"]) == 2 for c in payload["cartons"])
    assert len({c["label"] for c in payload["cartons"]}) == len(payload["cartons"])
    assert all(parse_scan(c["label"]).sscc == c["label"] for c in payload["cartons"])


def test_the_csv_of_a_generated_asn_reads_back_as_the_same_cartons():
    payload = asn_payload("GEN-2", 250)
    packing_list = PackingList(packing_list_csv(payload), warehouse="LAX1")
    assert packing_list.row_errors == []
    [parsed] = packing_list.payloads
    assert parsed["cartons"] == payload["cartons"]
    assert {s["sku"] for s in parsed["skus"]} == {s["sku"] for s in payload["skus"]}


def test_a_carton_labels_sscc_is_read_the_same_with_or_without_the_full_gs1_parse():
    rng = random.Random(8)
    labels = ["0" * 18, "9" * 18, "00106141412345678908", "C-01", "(00)106141412345678908"]
    labels += ["".join(rng.choice("0123456789") for _ in range(18)) for _ in range(3_000)]
    for label in labels:
        scan = parse_scan(label)
        assert _sscc_of(label) == (scan.sscc if scan.sscc and not scan.error else None), label


def test_the_load_clients_response_reader_takes_status_headers_and_exactly_the_body():
    raw = (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nSet-Cookie: a=1; HttpOnly\r\n"
           b"set-cookie: b=2\r\n\r\nhello")
    response = parse_response(raw)
    assert (response.status_code, response.reason, response.content) == (200, "OK", b"hello")
    assert response.get_list("Set-Cookie") == ["a=1; HttpOnly", "b=2"]
    assert response.header("content-length") == "5"


def test_the_load_clients_response_reader_joins_a_chunked_body():
    raw = (b"HTTP/1.1 404 NOT FOUND\r\nTransfer-Encoding: chunked\r\n\r\n"
           b"4\r\nNo A\r\n3;x=y\r\nSN.\r\n0\r\n\r\n")
    response = parse_response(raw)
    assert (response.status_code, response.text) == (404, "No ASN.")


def test_a_connection_closed_before_the_whole_head_is_an_error_not_an_empty_answer():
    with pytest.raises(ConnectionError):
        parse_response(b"HTTP/1.1 200 OK\r\nContent-Le")


def test_the_page_parser_follows_scripts_styles_and_icons_but_not_links_or_other_sites():
    html = ('<link rel="stylesheet" href="/static/app.css"><script src="/static/app.js">'
            '</script><link rel="icon" href="/static/icon.png"><a href="/dock/">Dock</a>'
            '<script src="//cdn.example/x.js"></script><script src="/static/app.js"></script>')
    assert linked_paths(html) == ["/static/app.css", "/static/app.js", "/static/icon.png"]


def test_the_report_replaces_only_its_own_block_and_keeps_the_notes(tmp_path):
    doc = tmp_path / "benchmarks.md"
    doc.write_text(f"# Benchmarks\n\nNotes before.\n\n{BEGIN}\nold table\n{END}\n\nAfter.\n")
    update_docs(doc, "| new | table |\n")
    text = doc.read_text()
    assert "old table" not in text and "| new | table |" in text
    assert text.startswith("# Benchmarks\n\nNotes before.") and text.endswith("After.\n")


def test_the_table_says_which_targets_are_met_and_which_are_not():
    scan = {f"scan_flat_{n}": {"rate_per_s": 600.0, "p99_ms": 9.0} for n in (1, 8, 32)}
    scan |= {f"floor_flat_{n}": {"rate_per_s": 1000.0} for n in (1, 8, 32)}
    scan["scan_paced"] = {"p50_ms": 5.0, "p95_ms": 20.0, "p99_ms": 40.0, "rate_per_s": 99.0}
    scan["floor_paced"] = {"p99_ms": 2.0}
    results = {
        "date": "2026-11-22T00:00:00+00:00", "gunicorn_workers": 4,
        "machine": {"cpu": "test", "cores": 2, "memory_gb": 1, "kernel": "x",
                    "load_average_at_start": (0.0, 0.0, 0.0)},
        "versions": {"python": "3"},
        "photo": {"ingest_ms": 300.0, "pillow_decode_ms": 100.0, "ratio": 3.0,
                  "barcode_decode_ms": 20.0},
        "databases": {"sqlite": {"scan": scan}},
    }
    table = markdown(results)
    paced = next(line for line in table.splitlines() if "paced" in line)
    flat = next(line for line in table.splitlines() if "flat out, 8" in line)
    photo = next(line for line in table.splitlines() if "photo ingest" in line)
    assert paced.endswith("| no |") and "40.0 ms" in paced
    assert flat.endswith("| yes |") and "0.6x floor" in flat
    assert photo.endswith("| no |")


def test_the_table_says_whether_scans_kept_up_beside_photo_uploads():
    beside = {"p50_ms": 9.0, "p99_ms": 300.0, "rate_per_s": 80.0, "errors": {"500: locked": 2},
              "uploads": {"uploaders": 3, "trickle_s": 15, "photo_bytes": 1_500_000,
                          "requests": 6, "ok": 6, "errors": {}}}
    alone = {"p50_ms": 5.0, "p99_ms": 12.0, "rate_per_s": 150.0}
    results = {
        "date": "2026-11-22T00:00:00+00:00", "gunicorn_workers": 4,
        "machine": {"cpu": "test", "cores": 2, "memory_gb": 1, "kernel": "x",
                    "load_average_at_start": (0.0, 0.0, 0.0)},
        "versions": {"python": "3"},
        "databases": {"sqlite": {"uploads": {"scan_alone": alone,
                                             "scan_beside_uploads": beside}}},
    }
    row = next(line for line in markdown(results).splitlines() if "uploading" in line)
    assert "3 phones uploading a 1.5 MB photo each" in row and "over 15 s" in row
    assert "300.0 ms, 2 errors (500: locked)" in row and "photos 6 of 6 stored" in row
    assert row.endswith("| no |")
