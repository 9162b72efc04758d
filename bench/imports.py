"""ASN import: carton contents per second and peak memory, through the two bulk doors.

``python -m bench.imports < job.json`` runs one import in a fresh process (so its peak
memory is its own) and prints its figures as JSON. The doors are called through the
app's WSGI stack in-process (Flask's test client: routing, authentication, CSRF, body
parsing, the domain, the response), which is what a request to gunicorn runs, minus the
socket. The floor, in the same process, is a SQLAlchemy Core bulk insert of the same
rows into the same tables (ASN, cartons, contents, ledger movements, balances).
"""
from __future__ import annotations

import json
import resource
import secrets
import sys
import threading
import time
from pathlib import Path

import sqlalchemy as sa

from receiving_app.accounts import create_api_token
from receiving_app.extensions import db
from receiving_app.inventory.ledger import Posting, post_movements
from receiving_app.models import Asn, Bucket, Carton, CartonContent, Sku, utcnow

from .data import Target, asn_payload, make_app, packing_list_csv, user
from .loadgen import FORM_TOKEN

WARM_UP_LINES = 20
SELLER_USER = "acme"


def rss_mb() -> float:
    """This process's resident memory now (Linux: resident pages in /proc/self/statm)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 1024 ** 2


class PeakMemory:
    """`with PeakMemory() as peak:` samples the resident memory every few milliseconds;
    `peak.growth_mb` is the most it rose above where it started.

    (The process's high-water mark cannot serve: logging in already peaked at scrypt's
    128 MB, and an import below that would show no growth at all.)
    """

    def __init__(self, every_s: float = 0.005):
        self.every_s = every_s
        self.start_mb = self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(self.every_s):
            self.peak_mb = max(self.peak_mb, rss_mb())

    def __enter__(self) -> "PeakMemory":
        self.start_mb = self.peak_mb = rss_mb()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_mb = max(self.peak_mb, rss_mb())

    @property
    def growth_mb(self) -> float:
        return self.peak_mb - self.start_mb


class ApiDoor:
    """POST /api/v1/asns with a seller's Bearer token, as an ERP sends it."""

    name = "api"

    def __init__(self, app, paths: dict[str, str]):
        self.client = app.test_client()
        self.path = paths["api_asns"]
        with app.app_context():
            self.token = create_api_token(user(SELLER_USER))
            db.session.remove()

    def prepare(self, payload: dict) -> bytes:
        return json.dumps(payload).encode()

    def send(self, body: bytes) -> tuple[int, bool]:
        """The status, and whether the ASN was saved (201)."""
        response = self.client.post(self.path, data=body, content_type="application/json",
                                    headers={"Authorization": f"Bearer {self.token}"})
        return response.status_code, response.status_code == 201


class CsvDoor:
    """The seller's CSV packing list, confirmed after its preview (the form that saves)."""

    name = "csv"

    def __init__(self, app, paths: dict[str, str]):
        self.client = app.test_client()
        self.path = paths["csv_confirm"]
        self.saved_location = paths["seller_index"]
        page = self.client.get(paths["login"]).get_data(as_text=True)
        self.client.post(paths["login"], data={
            "username": SELLER_USER, "password": "dockside-demo",
            "csrf_token": FORM_TOKEN.search(page).group(1)})
        page = self.client.get(paths["seller_new"]).get_data(as_text=True)
        self.csrf_token = FORM_TOKEN.search(page).group(1)

    def prepare(self, payload: dict) -> dict:
        return {"csrf_token": self.csrf_token, "warehouse": "LAX1",
                "csv_text": packing_list_csv(payload)}

    def send(self, form: dict) -> tuple[int, bool]:
        """The status, and whether the ASN was saved: a redirect to the seller's ASNs
        (a refused confirmation redirects back to the upload form, or shows the errors)."""
        response = self.client.post(self.path, data=form)
        return response.status_code, response.headers.get("Location") == self.saved_location


DOORS = {"api": ApiDoor, "csv": CsvDoor}


def core_floor(payload: dict) -> float:
    """Seconds to write the payload's rows with SQLAlchemy Core bulk inserts alone: no
    validation, no barcode parsing, no ORM, no HTTP. The SKUs exist already."""
    acme = user(SELLER_USER).seller
    sku_ids = dict(db.session.execute(sa.select(Sku.code, Sku.id)
                                      .where(Sku.seller_id == acme.id)).all())
    warehouse_id = user("dock").warehouse_id
    start = time.perf_counter()
    asn_id = db.session.execute(sa.insert(Asn).returning(Asn.id), {
        "number": payload["number"], "seller_id": acme.id, "warehouse_id": warehouse_id,
        "sample_seed": 1, "submitted_at": utcnow(),
        "carton_count": len(payload["cartons"])}).scalar_one()
    carton_ids = dict((label, carton_id) for carton_id, label in db.session.execute(
        sa.insert(Carton).returning(Carton.id, Carton.label, sort_by_parameter_order=True),
        # the labels are bare SSCCs, so the SSCC column holds the label, as the door stores it
        [{"asn_id": asn_id, "label": c["label"], "sscc": c["label"]}
         for c in payload["cartons"]]))
    lines = [(carton_ids[c["label"]], sku_ids[line["sku"]], line["qty"])
             for c in payload["cartons"] for line in c["contents"]]
    db.session.execute(sa.insert(CartonContent), [
        {"carton_id": carton_id, "sku_id": sku_id, "declared_qty": qty}
        for carton_id, sku_id, qty in lines])
    post_movements([Posting(warehouse_id=warehouse_id, seller_id=acme.id, sku_id=sku_id,
                            bucket=Bucket.IN_TRANSIT, qty=qty, reason="asn_submitted",
                            asn_id=asn_id, carton_id=carton_id)
                    for carton_id, sku_id, qty in lines])
    db.session.commit()
    return time.perf_counter() - start


def run_job(job: dict) -> dict:
    """One door, one size: warm up, import, then the floor with the same rows."""
    target = Target(**job["target"])
    app = make_app(target)
    lines, number, serial = job["lines"], job["number"], job["first_serial"]
    # Requests run in their own contexts, as under gunicorn: a context held around them
    # would share `g` (and with it Flask-WTF's cached CSRF token) between requests.
    door = DOORS[job["door"]](app, job["paths"])
    door.send(door.prepare(asn_payload(f"{number}-W", WARM_UP_LINES, first_serial=serial)))
    payload = asn_payload(number, lines, first_serial=serial + WARM_UP_LINES)
    body = door.prepare(payload)
    with PeakMemory() as memory:
        start = time.perf_counter()
        status, ok = door.send(body)
        seconds = time.perf_counter() - start
    with app.app_context():
        # its own number, so that a job run twice (a refused repeat) still has its floor
        floor_number = f"{number}-F{secrets.token_hex(3)}"
        floor_payload = asn_payload(floor_number, lines, first_serial=serial + 2 * lines)
        floor_seconds = core_floor(floor_payload)
        db.session.remove()
        db.engine.dispose()
    return {
        "door": job["door"], "lines": lines, "status": status, "ok": ok,
        "cartons": len(payload["cartons"]), "seconds": round(seconds, 3),
        "lines_per_s": round(lines / seconds) if ok else None,
        "peak_rss_mb": round(memory.peak_mb, 1), "rss_growth_mb": round(memory.growth_mb, 1),
        "floor_number": floor_number, "floor_seconds": round(floor_seconds, 3),
        "floor_lines_per_s": round(lines / floor_seconds),
    }


def main() -> None:
    """Read one job from stdin, print its figures as JSON."""
    json.dump(run_job(json.load(sys.stdin)), sys.stdout)


if __name__ == "__main__":
    main()
