"""The admin commands scripts rely on: seed-demo, create-user, create-api-token, photos sweep."""
import sqlalchemy as sa

from receiving_app.extensions import db
from receiving_app.models import Asn, Location, LocationKind, Movement, User, Warehouse
from tests.support.ledger import assert_ledger_balanced


def test_seed_demo_builds_lax1_acme_nova_and_prints_the_logins(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    for login in ("dock", "supervisor", "admin", "acme", "nova"):
        assert login in result.output
    warehouse = db.session.scalar(sa.select(Warehouse).where(Warehouse.code == "LAX1"))
    barcodes = {loc.barcode: loc.kind for loc in db.session.scalars(sa.select(Location))}
    assert barcodes["LAX1-Q-01"] is LocationKind.QUARANTINE
    assert all(f"LAX1-A-{a:02d}-{b:02d}" in barcodes for a in range(1, 5) for b in range(1, 5))
    assert LocationKind.DOCK in barcodes.values() and LocationKind.STAGING in barcodes.values()
    asns = db.session.scalars(sa.select(Asn)).all()
    assert {a.seller.code for a in asns} == {"ACME", "NOVA"} and warehouse is not None
    assert all(carton.sscc for asn in asns for carton in asn.cartons)
    assert db.session.scalar(sa.select(sa.func.count(Movement.id))) > 0
    assert_ledger_balanced()


def test_seed_demo_refuses_a_database_with_data_but_if_empty_is_quiet(runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code != 0 and "already has data" in again.output
    quiet = runner.invoke(args=["seed-demo", "--if-empty"])
    assert quiet.exit_code == 0 and "not loaded" in quiet.output


def test_create_user_and_token_let_a_script_call_the_api(demo, runner):
    result = runner.invoke(args=["create-user", "erp-acme", "--role", "seller", "--seller",
                                 "ACME", "--password", "a-long-secret"])
    assert result.exit_code == 0, result.output
    token = runner.invoke(args=["create-api-token", "erp-acme"]).output.strip()
    response = demo.test_client().get("/api/v1/asns/ASN-ACME-0001",
                                      headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.get_json()["seller"] == "ACME"


def test_create_user_explains_what_is_wrong(demo, runner):
    result = runner.invoke(args=["create-user", "x", "--role", "seller", "--password", "short"])
    assert result.exit_code != 0
    assert "password" in result.output and "seller" in result.output
    assert db.session.scalar(sa.select(User).where(User.username == "x")) is None


def test_photos_sweep_keeps_every_file_a_photo_points_at_however_old(demo, app, runner):
    import os
    import time
    from pathlib import Path

    from receiving_app.receiving import raise_exception
    from tests.support.builders import arrived, jpeg_bytes, photographed, submit, user

    exception = raise_exception(arrived(submit()), "damaged", user=user("dock"),
                                carton_label="C01")
    photographed(exception, app)
    db.session.commit()
    root = Path(app.config["PHOTO_ROOT"])
    evidence = sorted(p for p in root.rglob("*") if p.is_file())
    orphan = root / "ab" / "cd" / f"abcd{'0' * 60}.jpg"  # an upload that died a day ago
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(jpeg_bytes())
    day_ago = time.time() - 86400
    for path in [*evidence, orphan]:
        os.utime(path, (day_ago, day_ago))

    result = runner.invoke(args=["photos", "sweep"])

    assert result.exit_code == 0 and "Removed 1 file that no photo points at." in result.output
    assert sorted(p for p in root.rglob("*") if p.is_file()) == evidence
    assert len(evidence) == 2  # the photo and its thumbnail
