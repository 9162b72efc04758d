"""CSV packing lists: one row per carton content, turned into ASN payloads for submit_asns."""
import csv
import io
import re
from datetime import UTC, datetime, timedelta

REQUIRED_COLUMNS = ("asn_number", "carton_label", "sku", "qty")
OPTIONAL_COLUMNS = (
    "expected_arrival", "carrier", "tracking", "sku_description", "barcode", "high_value",
)
TEMPLATE_ROWS = [  # {arrival}: two weeks from the day the template is downloaded
    ["ASN-1001", "00106141412345678908", "ACME-MUG-01", "24", "{arrival}", "Maersk",
     "MAEU1234567", "Ceramic mug 350 ml", "0614141000012", "no"],
    ["ASN-1001", "00106141412345678915", "ACME-MUG-01", "12", "", "", "", "", "", ""],
    ["ASN-1001", "00106141412345678915", "ACME-LID-02", "12", "", "", "", "Bamboo lid",
     "0614141000029", "no"],
]
MAX_ROWS = 100_000
_PATH = re.compile(r"^(?:\[(\d+)\]\.)?cartons\[(\d+)\](?:\.contents\[(\d+)\])?")


class PackingListError(Exception):
    """The file cannot be read as a packing list at all (as opposed to bad rows)."""


def template_csv() -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)
    arrival = (datetime.now(UTC) + timedelta(days=14)).date().isoformat()
    writer.writerows([[cell.format(arrival=arrival) for cell in row] for row in TEMPLATE_ROWS])
    return out.getvalue()


def decode_upload(data: bytes) -> str:
    """Text of an uploaded CSV: UTF-8 (with or without Excel's BOM), else GB18030.

    Chinese Excel saves CSV as GBK unless told otherwise; GB18030 reads all of GBK.
    """
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise PackingListError("The file is not UTF-8 or GB18030 text. Save it as CSV UTF-8.")


class PackingList:
    """A parsed CSV: the payloads it makes and, per CSV row, what went wrong."""

    def __init__(self, text: str, *, warehouse: str, seller: str | None = None):
        self.payloads: list[dict] = []
        self.row_errors: list[dict] = []  # {"row": n, "message": ...}
        # (payload index, carton index, content index) -> CSV row, to report domain errors by row
        self._rows: dict[tuple, int] = {}
        self._parse(text, warehouse, seller)

    def _parse(self, text: str, warehouse: str, seller: str | None) -> None:
        reader = csv.DictReader(io.StringIO(text))
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            raise PackingListError(
                "Missing columns: " + ", ".join(missing) + ". Download the template to compare."
            )
        reader.fieldnames = header
        by_number: dict[str, tuple[int, dict]] = {}
        cartons: dict[tuple[str, str], tuple[int, dict]] = {}
        skus: dict[tuple[str, str], dict] = {}
        for rowno, row in enumerate(reader, start=2):  # row 1 is the header
            if rowno - 1 > MAX_ROWS:
                raise PackingListError(f"At most {MAX_ROWS} rows per file.")
            row = {k: (v or "").strip() for k, v in row.items() if k}
            if not any(row.values()):
                continue
            number, label, sku = row["asn_number"], row["carton_label"], row["sku"]
            qty = _parse_qty(row["qty"])
            problems = [f"{c} is empty" for c in ("asn_number", "carton_label", "sku") if not row[c]]
            if qty is None:
                problems.append(f"qty {row['qty']!r} is not a whole number above 0")
            if problems:
                self.row_errors.append({"row": rowno, "message": "; ".join(problems)})
                continue
            if number in by_number:
                payload_index, payload = by_number[number]
            else:
                payload = {
                    "number": number, "warehouse": warehouse, "skus": [], "cartons": [],
                    "expected_arrival": row.get("expected_arrival") or None,
                    "carrier": row.get("carrier", ""), "tracking": row.get("tracking", ""),
                }
                if seller:
                    payload["seller"] = seller
                payload_index = len(self.payloads)
                by_number[number] = (payload_index, payload)
                self.payloads.append(payload)
            if (number, label) in cartons:
                carton_index, carton = cartons[(number, label)]
            else:
                carton = {"label": label, "contents": []}
                carton_index = len(payload["cartons"])
                cartons[(number, label)] = (carton_index, carton)
                payload["cartons"].append(carton)
            key = (payload_index, carton_index, len(carton["contents"]))
            self._rows[key] = rowno
            self._rows.setdefault(key[:2], rowno)
            carton["contents"].append({"sku": sku, "qty": qty})
            self._collect_sku(payload, skus, number, sku, row)

    @staticmethod
    def _collect_sku(payload, skus, number, sku, row) -> None:
        description, barcode = row.get("sku_description", ""), row.get("barcode", "")
        high_value = row.get("high_value", "").lower() in ("yes", "y", "true", "1", "是")
        if not (description or barcode or high_value):
            return
        entry = skus.get((number, sku))
        if entry is None:
            entry = {"sku": sku, "description": description, "barcodes": [],
                     "high_value": high_value}
            skus[(number, sku)] = entry
            payload["skus"].append(entry)
        entry["description"] = entry["description"] or description
        entry["high_value"] = entry["high_value"] or high_value
        if barcode and barcode not in entry["barcodes"]:
            entry["barcodes"].append(barcode)

    def row_of(self, path: str) -> int | None:
        """The CSV row a domain error path such as `[1].cartons[3].contents[0].qty` came from."""
        match = _PATH.match(path)
        if not match:
            return None
        payload = int(match.group(1) or 0)
        carton = int(match.group(2))
        if match.group(3) is not None:
            return self._rows.get((payload, carton, int(match.group(3))))
        return self._rows.get((payload, carton))

    def errors_by_row(self, details: list[dict]) -> list[dict]:
        """Domain error details as row-numbered messages, added to the row errors."""
        result = list(self.row_errors)
        for detail in details:
            row = self.row_of(detail["path"])
            result.append({"row": row, "message": f"{detail['path']}: {detail['message']}"})
        return sorted(result, key=lambda e: (e["row"] or 0))


def _parse_qty(value: str) -> int | None:
    try:
        qty = int(value)
    except ValueError:
        return None
    return qty if qty > 0 else None
