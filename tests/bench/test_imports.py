"""The import benchmark: both doors save the ASN, and the floor writes the same rows."""
import pytest
import sqlalchemy as sa

from bench.data import Target
from bench.imports import run_job
from bench.runner import app_paths
from receiving_app.extensions import db
from receiving_app.models import Asn, Carton, CartonContent, Movement
from tests.support.ledger import assert_ledger_balanced

pytestmark = pytest.mark.both_databases


def rows_of(number: str) -> tuple[int, int, int]:
    asn = db.session.scalar(sa.select(Asn).where(Asn.number == number))
    cartons = db.session.scalar(sa.select(sa.func.count(Carton.id)).where(Carton.asn_id == asn.id))
    contents = db.session.scalar(sa.select(sa.func.count(CartonContent.id)).join(Carton)
                                 .where(Carton.asn_id == asn.id))
    movements = db.session.scalar(sa.select(sa.func.count(Movement.id))
                                  .where(Movement.asn_id == asn.id))
    return cartons, contents, movements


def job(demo, backend, database_uri, door, number):
    target = Target("postgresql" if backend == "postgres" else "sqlite", database_uri)
    return {"target": {"name": target.name, "url": target.url}, "door": door, "lines": 300,
            "number": number, "first_serial": 7_000_000, "paths": app_paths(demo)}


def test_an_erp_import_of_300_lines_is_saved_whole_and_the_floor_writes_the_same_rows(
        demo, backend, database_uri):
    result = run_job(job(demo, backend, database_uri, "api", "IMP-API"))

    assert result["ok"] and result["status"] == 201 and result["lines_per_s"] > 0
    assert result["floor_lines_per_s"] > 0 and result["rss_growth_mb"] >= 0
    db.session.remove()
    assert rows_of("IMP-API") == rows_of(result["floor_number"]) == (result["cartons"], 300, 300)
    assert_ledger_balanced()


def test_a_csv_packing_list_of_300_rows_is_confirmed_through_the_sellers_form(
        demo, backend, database_uri):
    result = run_job(job(demo, backend, database_uri, "csv", "IMP-CSV"))

    assert result["ok"] and result["status"] == 302
    db.session.remove()
    assert rows_of("IMP-CSV")[1:] == (300, 300)
    assert_ledger_balanced()


def test_an_import_the_door_refuses_is_not_counted_as_imported(demo, backend, database_uri):
    first = run_job(job(demo, backend, database_uri, "csv", "IMP-TWICE"))
    again = run_job(job(demo, backend, database_uri, "csv", "IMP-TWICE"))

    assert first["ok"] and not again["ok"] and again["lines_per_s"] is None
    assert again["status"] == 422  # the preview again, listing the repeated number
    db.session.remove()
    assert rows_of("IMP-TWICE")[1:] == (300, 300)
